#!/bin/sh
# Full buffers. With --drop the program never waits and every lost event is counted exactly:
# recorded + lost = emitted, and the lost table's runs add up to meta events_lost. Without
# --drop a tiny buffer makes the program wait, and nothing is lost.
set -e
. tests/lib.sh
P=$BUILD/tests/progs/trace_emit
emitted=$((300000 + 8 * 25000))
for end in exit:0 kill; do
  set +e; "$GORT" record --drop --buffer 4K -o "$T/d.db" -- "$P" mapassign:300000 threads:8:25000 $end 2>"$T/err"; set -e
  rec=$(sqlite3 "$T/d.db" "SELECT count(*) FROM events")
  lost=$(sqlite3 "$T/d.db" "SELECT value FROM meta WHERE key = 'events_lost'")
  expect_eq $((rec + lost)) $emitted
  [ "$lost" -gt 0 ] || fail "a 4K buffer lost nothing: the test does not test"
  expect_eq "$(sqlite3 "$T/d.db" "SELECT sum(count) FROM lost")" "$lost"
  # Each run names a thread that emitted, and a time span that is not reversed.
  expect_eq "$(sqlite3 "$T/d.db" "SELECT count(*) FROM lost WHERE last_ns < first_ns OR count < 1
               OR tid NOT IN (SELECT tid FROM events)")" 0
  case "$(cat "$T/err")" in *" events, $lost lost, "*) ;; *) fail "summary: $(cat "$T/err")" ;; esac
  rm -f "$T/d.db"
done
expect_status 0 "$GORT" record --buffer 4K -o "$T/w.db" -- "$P" mapassign:300000 threads:8:25000
expect_eq "$(sqlite3 "$T/w.db" "SELECT count(*) FROM events")" $emitted
expect_eq "$(sqlite3 "$T/w.db" "SELECT value FROM meta WHERE key = 'events_lost'")" 0
expect_eq "$(sqlite3 "$T/w.db" "SELECT count(*) FROM lost")" 0
