#!/bin/sh
# Full buffers in a Go program (tests/go/hook/drop): every event the hook emits is either
# recorded or counted lost, exactly — recorded + meta events_lost = the number the program
# reads from the hook at its end. With --drop the program never waits. Without it the program
# waits where it may, but the collector's and the sweeper's events (world stopped, locks held)
# never wait: with a tiny buffer some are lost, and counted. With the default buffer, nothing
# is lost. Each case runs with stacks (records of every size, written by gortRecord) and with
# --no-stacks (most records by gortFast, the producer's usual path, which must hand over to
# gortRecord at every wrap point, full ring and pending lost run).
set -e
. tests/lib.sh
. tests/go/hook/lib.sh
"$GORT" go build -o "$T/drop" ./tests/go/hook/drop 2>"$T/build.err" || fail "build: $(cat "$T/build.err")"
for opt in "--drop --buffer 4K" "--buffer 4K" "" \
           "--no-stacks --drop --buffer 4K" "--no-stacks --buffer 4K" "--no-stacks"; do
  rm -f "$T/d.db"
  GOGC=20 "$GORT" record $opt -o "$T/d.db" -- "$T/drop" 2>"$T/d.err" >/dev/null
  emitted=$(head -1 "$T/d.err")
  rec=$(q d "SELECT count(*) FROM events")
  lost=$(q d "SELECT value FROM meta WHERE key = 'events_lost'")
  expect_eq "$opt: $((rec + lost))" "$opt: $emitted"
  expect_eq "$(q d "SELECT coalesce(sum(count), 0) FROM lost")" "$lost"
  expect_eq "$opt: $(q d "SELECT value FROM meta WHERE key = 'records_malformed'")" "$opt: 0"
  case "$opt" in
    *--drop*) [ "$lost" -gt 1000 ] || fail "$opt lost only $lost" ;;
    "" | --no-stacks) expect_eq "$opt: $lost" "$opt: 0" ;;
  esac
done
