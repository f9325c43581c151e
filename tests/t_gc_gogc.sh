#!/bin/sh
# GORT_GOGC, read as Go reads GOGC (runtime/mgcpacer.go readGOGC): a percentage of heap growth
# between cycles, "off" for none, anything unparsable is 100. 64 MB of garbage each time.
set -e
. tests/lib.sh
P=$BUILD/tests/progs/gc_alloc
unset GORT_UNSAFE GORT_DEBUG
cycles() { sed -n 's/.*cycles=\([0-9]*\).*/\1/p' "$T/out"; }

expect_status 0 env GORT_GOGC=off "$P" 64
expect_eq "$(cat "$T/out")" "gogc=-1 cycles=0"
expect_status 0 env -u GORT_GOGC "$P" 64
expect_contains "$(cat "$T/out")" "gogc=100 "
[ "$(cycles)" -ge 5 ] || fail "default GOGC: only $(cycles) cycles for 64 MB of garbage"
expect_status 0 env GORT_GOGC=bogus "$P" 64
expect_contains "$(cat "$T/out")" "gogc=100 "
expect_status 0 env GORT_GOGC=-5 "$P" 1
expect_eq "$(cat "$T/out")" "gogc=-1 cycles=0"
# A smaller percentage collects more often: 25 against 400 (goals about 1 MB and 16 MB).
expect_status 0 env GORT_GOGC=25 "$P" 64
small=$(cycles)
expect_status 0 env GORT_GOGC=400 "$P" 64
large=$(cycles)
[ "$large" -ge 1 ] && [ "$small" -gt $((2 * large)) ] || fail "GOGC 25: $small cycles, GOGC 400: $large"

# GORT_DEBUG=gctrace: one line per cycle, in the shape of Go's GODEBUG=gctrace=1.
expect_status 0 env GORT_DEBUG=gctrace "$P" 32 settle
n=$(cycles)
expect_eq "$(grep -c '^gc [0-9]* @[0-9.]*s [0-9]*%: [0-9.]*+[0-9.]*+[0-9.]* ms clock, [0-9]*->[0-9]*->[0-9]* MB, [0-9]* MB goal$' "$T/err")" "$n"
expect_eq "$(grep -c . "$T/err")" "$n"
expect_eq "$(sed -n 's/^gc \([0-9]*\) .*/\1/p' "$T/err" | tr '\n' ' ')" "$(seq 1 "$n" | tr '\n' ' ')"
