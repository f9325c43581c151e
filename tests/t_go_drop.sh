#!/bin/sh
# Full buffers in a Go program (tests/go/hook/drop): every event the hook emits is either
# recorded or counted lost, exactly — recorded + meta events_lost = the number the program
# reads from the hook at its end. With --drop the program never waits. Without it the program
# waits where it may, but the collector's and the sweeper's events (world stopped, locks held)
# never wait: with a tiny buffer some are lost, and counted. With the default buffer, nothing
# is lost.
set -e
. tests/lib.sh
. tests/go/hook/lib.sh
"$GORT" go build -o "$T/drop" ./tests/go/hook/drop 2>"$T/build.err" || fail "build: $(cat "$T/build.err")"
for opt in "--drop --buffer 4K" "--buffer 4K" ""; do
  rm -f "$T/d.db"
  GOGC=20 "$GORT" record $opt -o "$T/d.db" -- "$T/drop" 2>"$T/d.err" >/dev/null
  emitted=$(head -1 "$T/d.err")
  rec=$(q d "SELECT count(*) FROM events")
  lost=$(q d "SELECT value FROM meta WHERE key = 'events_lost'")
  expect_eq "$opt: $((rec + lost))" "$opt: $emitted"
  expect_eq "$(q d "SELECT coalesce(sum(count), 0) FROM lost")" "$lost"
  case "$opt" in
    --drop*) [ "$lost" -gt 1000 ] || fail "--drop with a 4K buffer lost only $lost" ;;
    "") expect_eq "$lost" 0 ;;
  esac
done
