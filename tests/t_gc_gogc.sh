#!/bin/sh
# GORT_GOGC, read as Go reads GOGC (runtime/mgcpacer.go readGOGC: a percentage, "off" for no
# heap-triggered cycles, a negative number is off, anything unparsable is 100), and the goal
# and trigger Go 1.19's pacer sets from the marked heap (mgcpacer.go commit, heapGoalInternal,
# trigger: goal = marked + (marked + globals) * GOGC/100, at least heapMinimum = 4 MiB *
# GOGC/100 and 1 MiB above the marked heap while sweeping; the trigger, from the measured
# cons/mark ratio, between 45/64 and 61/64 of the way from the marked heap to the goal (or up to
# goal - 4 MiB), never below the sweep distance). Uses tests/progs/gc_alloc (see its comment);
# tests/t_gc_pace.sh holds the pacing against Go's, tests/t_gc_gctrace.sh GORT_DEBUG=gctrace.
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

# The goal and trigger after a cycle that marked 8 MB of live environments, for several GOGC
# values (gc_alloc registers one global: 8 bytes of globals).
for g in 0 25 100 400; do
  expect_status 0 env GORT_GOGC=$g "$P" 8 0
  m=$(get marked)
  [ "$m" -ge $((8 << 20)) ] || fail "GOGC $g: marked $m, less than the 8 MB kept alive"
  want=$(awk -v m="$m" -v g="$g" 'BEGIN { goal = m + int((m + 8) * g / 100); min = int(4194304 * g / 100);
           if (goal < min) goal = min; if (goal < m + 1048576) goal = m + 1048576; printf "%d", goal }')
  expect_eq "$(get goal)" "$want"
  ok=$(awk -v m="$m" -v goal="$want" -v t="$(get trigger)" 'BEGIN {
         lo = m + int((goal - m) / 64) * 45; if (lo < m + 1048576) lo = m + 1048576; if (lo > goal) lo = goal
         hi = m + int((goal - m) / 64) * 61; if (goal - 4194304 > hi) hi = goal - 4194304; if (hi < lo) hi = lo
         print (t >= lo && t <= hi) ? "yes" : "no: " t " outside " lo ".." hi }')
  expect_eq "GOGC $g: $ok" "GOGC $g: yes"
done
