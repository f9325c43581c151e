#!/bin/sh
# The collector's unsafe models really produce their hazard in their scenario, and the safe
# model does not (each program's header comment describes its scenario):
#   gc_deferroots  a map held only by a pending defer, two forced collections, then the defer
#   gc_nowb        a pointer moved into an already-scanned environment during concurrent mark
#   write_barrier  (samples/) the same with a map moved between maps of maps
set -e
. tests/lib.sh
P=$BUILD/tests/progs
unset GORT_UNSAFE GORT_DEBUG

# Pending defer records are roots: the map survives until its deferred delete ran.
for how in delete closure; do
  expect_status 0 "$P/gc_deferroots" $how
  expect_eq "$(cat "$T/out")" "deferred delete ran: len 1"
  # defer_roots: the collection frees it; the deferred delete hits the use-after-free check.
  expect_status 2 env GORT_UNSAFE=defer_roots "$P/gc_deferroots" $how
  expect_contains "$(cat "$T/err")" "fatal error: use of freed map"
  expect_contains "$(cat "$T/err")" "goroutine 1 [running]:"
  [ -z "$(cat "$T/out")" ] || fail "defer_roots $how: the program went on after the free: $(cat "$T/out")"
done

# The write barrier shades the moved pointer; without it the object is freed while reachable.
expect_status 0 "$BUILD/samples/write_barrier"
expect_eq "$(cat "$T/out")" "x survived: len 3"
expect_status 2 env GORT_UNSAFE=no_write_barrier "$BUILD/samples/write_barrier"
expect_contains "$(cat "$T/err")" "fatal error: use of freed map"
expect_status 0 "$P/gc_nowb"
expect_contains "$(cat "$T/out")" "x survived: 77"
expect_status 2 env GORT_UNSAFE=no_write_barrier "$P/gc_nowb"
expect_contains "$(cat "$T/err")" "fatal error: use of freed environment"

# Words are matched whole; other engineers' words do not switch these models on.
expect_status 0 env GORT_UNSAFE=frame_order,defer_rootsx,write_barrier "$BUILD/samples/write_barrier"
expect_status 0 env GORT_UNSAFE=no_write_barrier "$P/gc_deferroots" delete
expect_status 2 env GORT_UNSAFE=frame_order,defer_roots "$P/gc_deferroots" delete
