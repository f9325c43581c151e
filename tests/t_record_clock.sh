#!/bin/sh
# The trace clock: TSC calibrated against CLOCK_MONOTONIC (or CLOCK_MONOTONIC itself, forced
# with GORT_RECORD_CLOCK=monotonic) measures what CLOCK_MONOTONIC measures. The program
# reports the CLOCK_MONOTONIC interval between two of its events; the trace's timestamps of
# those events must differ by the same amount, within 1% plus 50 us (the reads around each
# probe). Whatever the sleep really lasted, the two clocks must agree on it.
set -e
. tests/lib.sh
P=$BUILD/tests/progs/trace_emit
for clock in default monotonic; do
  if [ $clock = monotonic ]; then export GORT_RECORD_CLOCK=monotonic; fi
  expect_status 0 "$GORT" record -o "$T/$clock.db" -- "$P" clock:200 clock:50
  got=$(sqlite3 "$T/$clock.db" "SELECT count(*) FROM (SELECT ts_ns - lag(ts_ns) OVER (ORDER BY id) AS traced, arg0 AS measured
        FROM events WHERE kind = 'growdone') WHERE measured > 0
        AND abs(traced - measured) <= measured / 100 + 50000")
  expect_eq "$got" 2
  want=$([ $clock = monotonic ] && echo monotonic || sqlite3 "$T/$clock.db" "SELECT value FROM meta WHERE key = 'clock'")
  expect_eq "$(sqlite3 "$T/$clock.db" "SELECT value FROM meta WHERE key = 'clock'")" "$want"
done
