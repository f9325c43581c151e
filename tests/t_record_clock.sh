#!/bin/sh
# The trace clock: TSC calibrated against CLOCK_MONOTONIC (or CLOCK_MONOTONIC itself, forced
# with GORT_RECORD_CLOCK=monotonic) measures what CLOCK_MONOTONIC measures. The program brackets
# two events MS ms apart with CLOCK_MONOTONIC reads and reports the least and the most the
# interval can be (clock:MS in trace_emit.c); the trace's timestamps must fall between, within
# 1% + 1 us. Whatever the sleep or the scheduler did, the two clocks must agree on it.
set -e
. tests/lib.sh
P=$BUILD/tests/progs/trace_emit
for clock in default monotonic; do
  if [ $clock = monotonic ]; then export GORT_RECORD_CLOCK=monotonic; fi
  expect_status 0 "$GORT" record -o "$T/$clock.db" -- "$P" clock:200 clock:50
  # Rows in id order: (map 1, 0), (map 1, low), (map 2, high), twice.
  got=$(sqlite3 "$T/$clock.db" "SELECT count(*) FROM (
          SELECT e.ts_ns - lag(e.ts_ns) OVER w AS traced, e.arg0 AS low, lead(e.arg0) OVER w AS high, e.map_id AS m,
                 lag(e.map_id) OVER w AS pm
          FROM events e WHERE kind = 'growdone' WINDOW w AS (ORDER BY id))
        WHERE m = 1 AND pm = 1 AND low > 0
          AND traced >= low - low / 100 - 1000 AND traced <= high + high / 100 + 1000")
  expect_eq "$got" 2
  want=$([ $clock = monotonic ] && echo monotonic || sqlite3 "$T/$clock.db" "SELECT value FROM meta WHERE key = 'clock'")
  expect_eq "$(sqlite3 "$T/$clock.db" "SELECT value FROM meta WHERE key = 'clock'")" "$want"
done
