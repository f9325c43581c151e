#!/bin/sh
# Time zero is the program's start: gort record calibrates its clock before it starts the
# program and sets zero in the program's process just before execve. The program's first step
# emits, at the start of main, an event carrying the process's age as the kernel counts it (from
# its fork, rounded up to a clock tick): the event's timestamp, the time from zero to main,
# cannot exceed it — where a zero taken before the calibration, before the fork, put the first
# event 23-37 ms in. (That zero is also within 1 ms of the program's first instruction is a
# speed figure: bench/b_3_tracer.sh.) libgort's attach (meta.attach_ns) comes between, and gort
# info, meta and the timestamps agree about where the trace starts and ends.
set -e
. tests/lib.sh
P=$BUILD/tests/progs/trace_emit
for opt in --stack-depth=32 --no-stacks; do
  rm -f "$T/z.db"
  expect_status 0 "$GORT" record "$opt" -o "$T/z.db" -- "$P" start mapassign:1000 clock:20
  q() { sqlite3 "$T/z.db" "$1"; }
  expect_eq "$(q "SELECT kind FROM events ORDER BY id LIMIT 1")" gostart
  ts=$(q "SELECT ts_ns FROM events ORDER BY id LIMIT 1")
  # The age is CLOCK_BOOTTIME's, the trace clock is calibrated against CLOCK_MONOTONIC: 50 us
  # for their rates to differ over the few milliseconds of the program's start.
  bound=$(q "SELECT arg0 + 50000 FROM events ORDER BY id LIMIT 1")
  [ "$ts" -le "$bound" ] || fail "$opt: the event at the start of main is at $ts ns, later than the process has existed ($bound ns)"
  attach=$(q "SELECT value FROM meta WHERE key = 'attach_ns'")
  [ "$attach" -gt 0 ] && [ "$attach" -le "$ts" ] || fail "$opt: attach_ns $attach is not in (0, $ts]"
  expect_eq "$(q "SELECT min(ts_ns) = $ts FROM events")" 1
  # The end: meta.duration_ns is the program's end on the same clock, after every event.
  expect_eq "$(q "SELECT max(ts_ns + coalesce(dur_ns, 0)) <= (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'duration_ns') FROM events")" 1
  # gort info says the same first event.
  expect_contains "$("$GORT" info "$T/z.db")" "(first event at $ts ns,"
done
