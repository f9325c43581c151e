#!/bin/sh
# A Go program that dies keeps every event it emitted before death: an unrecovered panic
# (exit 2), Go's "fatal error: concurrent map writes" (exit 2), SIGKILL from outside. Each
# first inserts 1000 keys into a fresh map: all 1000 mapassign events are in the trace
# (counts 1..1000); meta says how it ended, and the fatal event is there (it is the one event
# that waits for room in any context). The racing writers fill their rings: the collector's
# events, which never wait, may then be lost, and are counted. Under SIGKILL, the loop's
# insert/delete pairs alternate without a hole up to the kill.
set -e
. tests/lib.sh
. tests/go/hook/lib.sh
gobuild crash
thousand="(SELECT map_id FROM events WHERE kind = 'mapassign' AND arg1 = 1000 AND arg0 = 1)"
for mode in panic:2:"unrecovered panic" concurrent:1:"fatal error"; do
  m=${mode%%:*}; rest=${mode#*:}; why=${rest%%:*}; ended=${rest#*:}
  expect_status 2 "$GORT" record -o "$T/$m.db" -- "$T/crash" $m
  expect_eq "$(q $m "SELECT count(*), count(DISTINCT arg1), min(arg1), max(arg1) FROM events
                     WHERE kind = 'mapassign' AND map_id = $thousand")" "1000|1000|1|1000"
  # Racing writers may each throw before one of them exits the process: Go prints "fatal
  # error" once per thrower, and each that reaches fatalthrow before the exit is recorded.
  fatals=$(q $m "SELECT count(*) FROM events WHERE kind = 'fatal' AND arg0 = $why")
  printed=$(grep -c '^fatal error: \|^panic: ' "$T/err" || true)
  [ "$fatals" -ge 1 ] && [ "$fatals" -le "$printed" ] ||
    fail "$m: $fatals fatal events for $printed throws printed"
  expect_eq "$(q $m "SELECT count(*) - count(DISTINCT goid) FROM events WHERE kind = 'fatal'")" 0
  expect_eq "$(q $m "SELECT value FROM meta WHERE key = 'ended'")" "$ended"
  expect_eq "$(q $m "SELECT value FROM meta WHERE key = 'exit_status'")" 2
  expect_eq "$(q $m "SELECT coalesce(sum(count), 0) FROM lost")" "$(q $m "SELECT value FROM meta WHERE key = 'events_lost'")"
done
expect_eq "$(q panic "SELECT value FROM meta WHERE key = 'events_lost'")" 0
expect_contains "$(cat "$T/err")" "fatal error: concurrent map writes"
# The panic's own events: the panic, then the fatal, on the main goroutine.
expect_eq "$(q panic "SELECT group_concat(kind, ' ') FROM (SELECT kind FROM events WHERE goid = 1
                      AND kind IN ('panic', 'fatal') ORDER BY id)")" "panic fatal"

# SIGKILL while the loop runs.
"$GORT" record -o "$T/k.db" -- "$T/crash" spin >"$T/k.out" 2>"$T/k.err" &
rec=$!
while ! grep -q ready "$T/k.out" 2>/dev/null; do sleep 0.05; done
kill -KILL "$(pgrep -P $rec)"
set +e; wait $rec; st=$?; set -e
expect_eq $st 137
expect_eq "$(q k "SELECT value FROM meta WHERE key = 'signal'")" SIGKILL
expect_eq "$(q k "SELECT count(*), max(arg1) FROM events WHERE kind = 'mapassign' AND map_id = $thousand")" "1000|1000"
loop="(SELECT map_id FROM maps WHERE key_kind = 'int64' AND peak_len = 1 AND map_id != $thousand)"
n=$(q k "SELECT count(*) FROM events WHERE map_id = $loop AND kind = 'mapassign'")
[ "$n" -gt 10000 ] || fail "only $n loop insertions before the kill"
expect_eq "$(q k "SELECT count(*) FROM (SELECT kind, lag(kind) OVER (ORDER BY id) p FROM events
                  WHERE map_id = $loop AND kind IN ('mapassign', 'mapdelete')) WHERE kind = p")" 0
expect_eq "$(q k "SELECT value FROM meta WHERE key = 'events_lost'")" 0

# The recorder killed while the program runs: the program learns of it at its next wait (the
# life pipe reads closed), is orphaned and runs on — it keeps printing — counting every event
# lost; gort record --recover then finishes the trace from the raw file and the region.
"$GORT" record -o "$T/o.db" -- "$T/crash" spin >"$T/o.out" 2>"$T/o.err" &
rec=$!
while ! grep -q ready "$T/o.out" 2>/dev/null; do sleep 0.05; done
prog=$(pgrep -P $rec)
kill -KILL $rec
set +e; wait $rec; set -e
before=$(grep -c alive "$T/o.out" || true)
while [ "$(grep -c alive "$T/o.out" || true)" -le $((before + 2)) ]; do sleep 0.05; done
kill -KILL "$prog"
while kill -0 "$prog" 2>/dev/null; do sleep 0.05; done
expect_status 0 "$GORT" record --recover "$T/o.db"
expect_eq "$(q o "SELECT value FROM meta WHERE key = 'recovered'")" 1
expect_eq "$(q o "SELECT value FROM meta WHERE key = 'producer'")" "$GOVERSION"
expect_eq "$(q o "SELECT count(*), max(arg1) FROM events WHERE kind = 'mapassign' AND map_id = $thousand")" "1000|1000"
[ "$(q o "SELECT value FROM meta WHERE key = 'events_lost'")" -gt 0 ] || fail "an orphaned program lost nothing"
expect_eq "$(q o "SELECT count(*) FROM (SELECT kind, lag(kind) OVER (ORDER BY id) p FROM events
                  WHERE map_id = $loop AND kind IN ('mapassign', 'mapdelete')) WHERE kind = p")" 0
