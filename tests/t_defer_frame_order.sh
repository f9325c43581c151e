#!/bin/sh
# The article's second crash path: a frame destroyed before its deferred delete runs.
# By default (Go's order) the deferred calls run on the live stack map and the program exits 0.
# GORT_UNSAFE=frame_order pops the frame first: the deferred delete hits the freed stack map
# and the map's use-after-free check kills the program with Go's fatal-error format.
set -e
. tests/lib.sh
prog="$BUILD/tests/progs/defer_frame_order"
expect_status 0 env -u GORT_UNSAFE "$prog"
expect_eq "$(cat "$T/out")" 'deferred delete ran on a live stack map: len 1, "a" present 0
f returned'
for unsafe in frame_order defer_roots,frame_order; do
  expect_status 2 env GORT_UNSAFE=$unsafe "$prog"
  expect_eq "$(sed -n 1p "$T/err")" "fatal error: use of freed map"
  expect_eq "$(sed -n 3p "$T/err")" "goroutine 1 [running]:"
  expect_eq "$(cat "$T/out")" ""
done
# Another word alone does not turn the model on.
expect_status 0 env GORT_UNSAFE=frame_orderly "$prog"
# The same two runs under `gort record`, judged by `gort gaps`: Go's order is safe (the stack
# map dies after both deferred calls touched it); frame_order is a use-after-free by the
# deferred delete, found from the trace alone.
expect_status 0 env -u GORT_UNSAFE "$GORT" record -o "$T/safe.db" -- "$prog"
expect_status 0 "$GORT" gaps "$T/safe.db" --format csv
expect_eq "$(grep -c ',safe$' "$T/out")" 2
expect_status 2 env GORT_UNSAFE=frame_order "$GORT" record -o "$T/unsafe.db" -- "$prog"
expect_status 1 "$GORT" gaps "$T/unsafe.db" --format csv
expect_contains "$(grep ',delete,' "$T/out")" ",use-after-free"
