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
