#!/bin/sh
# A program that dies — segfault, abort, SIGKILL — leaves every event it emitted before death
# in the trace, from every thread; gort record exits 128+signal and meta says how it ended.
set -e
. tests/lib.sh
P=$BUILD/tests/progs/trace_emit
# Under AddressSanitizer (make test SAN=1) the fault must stay a fault, not a report.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0"
for end in segv:SIGSEGV:11 abort:SIGABRT:6 kill:SIGKILL:9; do
  step=${end%%:*}; rest=${end#*:}; sig=${rest%:*}; num=${rest#*:}
  expect_status $((128 + num)) "$GORT" record -o "$T/$step.db" -- "$P" \
    mapassign:150000 threads:4:30000 mapdelete:999 "$step"
  got=$(sqlite3 "$T/$step.db" "SELECT kind, count(*) FROM events GROUP BY kind ORDER BY kind" | tr '\n' ' ')
  expect_eq "$got" "mapaccess|120000 mapassign|150000 mapdelete|999 "
  # The last event before death is there: mapdelete's arg0 runs 0..998.
  expect_eq "$(sqlite3 "$T/$step.db" "SELECT max(arg0) FROM events WHERE kind = 'mapdelete'")" 998
  expect_eq "$(sqlite3 "$T/$step.db" "SELECT value FROM meta WHERE key = 'signal'")" "$sig"
  expect_eq "$(sqlite3 "$T/$step.db" "SELECT value FROM meta WHERE key = 'ended'")" signal
  expect_eq "$(sqlite3 "$T/$step.db" "SELECT value FROM meta WHERE key = 'exit_status'")" $((128 + num))
  expect_eq "$(sqlite3 "$T/$step.db" "SELECT value FROM meta WHERE key = 'events_lost'")" 0
done
# No temporary file is left next to the traces.
expect_eq "$(ls "$T" | grep -c tmp || true)" 0
# A signal to gort record (SIGTERM here; a background job of a script ignores SIGINT) is
# passed on to the program; the trace is still complete and valid.
"$GORT" record -o "$T/int.db" -- "$P" mapassign:100 spin:60000 2>"$T/int.err" &
rec=$!
while ! pgrep -P $rec >/dev/null; do sleep 0.05; done
kill -TERM $rec
set +e; wait $rec; st=$?; set -e
expect_eq $st 143
expect_eq "$(sqlite3 "$T/int.db" "SELECT value FROM meta WHERE key = 'signal'")" SIGTERM
expect_eq "$(sqlite3 "$T/int.db" "SELECT count(*) <= 100 FROM events")" 1
expect_eq "$(sqlite3 "$T/int.db" "PRAGMA integrity_check")" ok
# SIGKILL from outside while eight threads emit: whenever it lands, each thread's events in the
# trace are exactly a prefix of what it emitted (arg0 = 0, 1, 2, ... with no hole and no torn
# record), and nothing is counted lost.
"$GORT" record --no-stacks -o "$T/k9.db" -- "$P" threads:8:5000000 2>/dev/null &
rec=$!
while ! child=$(pgrep -P $rec); do sleep 0.05; done
sleep 0.3
kill -KILL "$child"
set +e; wait $rec; st=$?; set -e
expect_eq $st 137
expect_eq "$(sqlite3 "$T/k9.db" "SELECT value FROM meta WHERE key = 'signal'")" SIGKILL
n=$(sqlite3 "$T/k9.db" "SELECT count(*) FROM events")
[ "$n" -gt 0 ] || fail "no events before the kill"
expect_eq "$(sqlite3 "$T/k9.db" "SELECT count(*) FROM (SELECT tid, min(arg0) lo, max(arg0) hi, count(*) c,
             count(DISTINCT arg1) w FROM events GROUP BY tid) WHERE lo != 0 OR hi != c - 1 OR w != 1")" 0
expect_eq "$(sqlite3 "$T/k9.db" "SELECT value FROM meta WHERE key = 'events_lost'")" 0
