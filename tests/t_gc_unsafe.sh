#!/bin/sh
# The collector's unsafe models really produce their hazard, and the safe model does not:
# tests/progs/gc_nowb (a pointer moved into an already-scanned object during concurrent mark).
set -e
. tests/lib.sh
P=$BUILD/tests/progs

# Safe: the write barrier shades the moved pointer; it survives.
expect_status 0 env -u GORT_UNSAFE "$P/gc_nowb" env
expect_contains "$(cat "$T/out")" "x survived: 77"
# no_write_barrier: freed while reachable, caught by the quarantine.
expect_status 2 env GORT_UNSAFE=no_write_barrier "$P/gc_nowb" env
expect_contains "$(cat "$T/err")" "fatal error: use of freed environment"
# Other engineers' words in the list do not switch this model on.
expect_status 0 env GORT_UNSAFE=frame_order,defer_rootsx "$P/gc_nowb" env
