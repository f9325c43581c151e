#!/bin/sh
# GORT_GOGC, read as Go reads GOGC (runtime/mgcpacer.go readGOGC: a percentage, "off" for no
# heap-triggered cycles, a negative number is off, anything unparsable is 100), and the trigger
# set from the marked heap with Go 1.19's pacer bounds (mgcpacer.go: goal = marked * (1 +
# GOGC/100), at least heapMinimum = 4 MiB * GOGC/100; trigger at the lower bound, 45/64 of the
# runway). Also GORT_DEBUG=gctrace. Uses tests/progs/gc_alloc (see its comment).
set -e
. tests/lib.sh
P=$BUILD/tests/progs/gc_alloc
unset GORT_UNSAFE GORT_DEBUG
get() { sed -n "s/.*$1=\([-0-9]*\).*/\1/p" "$T/out"; }

# off: 64 MB of garbage and not one heap-triggered cycle; only the forced one.
expect_status 0 env GORT_GOGC=off "$P" 0 64
expect_eq "$(get gogc) $(get heap_cycles) $(get cycles) $(get trigger)" "-1 0 1 18446744073709551615"
expect_status 0 env GORT_GOGC=-5 "$P" 0 1
expect_eq "$(get gogc) $(get heap_cycles)" "-1 0"
# Default and unparsable: 100, and garbage alone starts cycles.
expect_status 0 env -u GORT_GOGC "$P" 0 8 3
expect_eq "$(get gogc)" 100
[ "$(get heap_cycles)" -ge 3 ] || fail "heap_cycles $(get heap_cycles)"
expect_status 0 env GORT_GOGC=bogus "$P" 0 1
expect_eq "$(get gogc)" 100

# The trigger after a cycle that marked 8 MB of live environments, for several GOGC values.
for g in 0 25 100 400; do
  expect_status 0 env GORT_GOGC=$g "$P" 8 0
  m=$(get marked)
  [ "$m" -ge $((8 << 20)) ] || fail "GOGC $g: marked $m, less than the 8 MB kept alive"
  want=$(awk -v m="$m" -v g="$g" 'BEGIN { goal = m + int(m * g / 100); min = int(4194304 * g / 100);
           if (goal < min) goal = min; printf "%d", m + int((goal - m) / 64) * 45 }')
  expect_eq "$(get trigger)" "$want"
done

# GORT_DEBUG=gctrace: one line per cycle, in the shape of Go's GODEBUG=gctrace=1.
expect_status 0 env GORT_DEBUG=gctrace "$P" 1 16 2
n=$(get cycles)
expect_eq "$(grep -c '^gc [0-9]* @[0-9.]*s [0-9]*%: [0-9.]*+[0-9.]*+[0-9.]* ms clock, [0-9]*->[0-9]*->[0-9]* MB, [0-9]* MB goal$' "$T/err")" "$n"
expect_eq "$(grep -c . "$T/err")" "$n"
expect_eq "$(sed -n 's/^gc \([0-9]*\) .*/\1/p' "$T/err" | tr '\n' ' ')" "$(seq 1 "$n" | tr '\n' ' ')"
