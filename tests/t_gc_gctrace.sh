#!/bin/sh
# GORT_DEBUG=gctrace prints Go 1.19's GODEBUG=gctrace=1 line (runtime/mgc.go), field by field:
#   gc N @T.TTTs U%: A+B+C ms clock, D+E/F/G+H ms cpu, X->Y->Z MB, G MB goal, S MB stacks,
#   L MB globals, P P [(forced)]
# with each time in Go's fmtNSAsMS form (whole ms from 10 ms, else two significant digits and
# at most three decimals, "0" under a microsecond). The parser below is held against every line
# Go itself printed (tests/go/gc/pace.*.err, see tests/go/gc/pace.go), then against gort's
# lines for the same program (tests/progs/gc_pace) and for tests/progs/gc_alloc. Also: cycles
# numbered from 1, " (forced)" exactly on the runtime.GC cycle, P the machine's CPUs, and the
# goal column the reported cycle's own goal — the first cycle's is heapMinimum (4 MB * GOGC/100)
# in Go and gort alike, and each later one follows from the previous cycle's marked heap
# (Z * (1 + GOGC/100), MB rounding aside), which Go's lines obey too.
set -e
. tests/lib.sh
unset GORT_UNSAFE GORT_DEBUG
# check FILE GOGC: prints "ok N" (N gctrace lines) or the first line that breaks the format.
check() {
  awk -v g="$2" '
    function ms(s) { return s ~ /^(0|0\.0(0[1-9]|[1-9][0-9])|0\.[1-9][0-9]|[1-9]\.[0-9]|[1-9][0-9]+)$/ }
    function bad(why) { if (!err) err = "line " NR " (" why "): " $0 }
    /^gc 1 @/ { prev = -1; want = 1 }
    /^gc / {
      n++
      if (NF != 23 && !(NF == 24 && $24 == "(forced)")) { bad("fields"); next }
      if ($2 != want) bad("cycle number")
      want = $2 + 1
      if ($3 !~ /^@[0-9]+\.[0-9][0-9][0-9]s$/) bad("@time")
      if ($4 !~ /^[0-9]+%:$/) bad("cpu share")
      k = split($5, c, "+"); if (k != 3 || !ms(c[1]) || !ms(c[2]) || !ms(c[3])) bad("clock")
      if ($6 != "ms" || $7 != "clock,") bad("clock words")
      k = split($8, p, "+"); split(p[2], q, "/")
      if (k != 3 || !ms(p[1]) || !ms(p[3]) || split(p[2], q, "/") != 3 || !ms(q[1]) || !ms(q[2]) || !ms(q[3])) bad("cpu")
      if ($9 != "ms" || $10 != "cpu,") bad("cpu words")
      if ($11 !~ /^[0-9]+->[0-9]+->[0-9]+$/ || $12 != "MB,") bad("heap")
      if ($13 !~ /^[0-9]+$/ || $14 != "MB" || $15 != "goal,") bad("goal")
      if ($16 !~ /^[0-9]+$/ || $17 != "MB" || $18 != "stacks,") bad("stacks")
      if ($19 !~ /^[0-9]+$/ || $20 != "MB" || $21 != "globals,") bad("globals")
      if ($22 !~ /^[1-9][0-9]*$/ || $23 != "P") bad("P")
      split($11, h, "->")
      if ($2 == 1 && $13 != int(4 * g / 100)) bad("first goal")
      if (prev >= 0) {
        w = prev * (1 + g / 100); if (w < 4 * g / 100) w = 4 * g / 100
        if ($13 - w < -(2 + g / 100) || $13 - w > 2 + g / 100) bad("goal after marked " prev)
      }
      prev = h[3]
    }
    END { print err ? err : "ok " n }' "$1"
}
# Go's own lines, all of them, and the forced cycle marked as such.
for g in 50 100 200; do
  set -- $(check "tests/go/gc/pace.$g.err" $g)
  [ "$1" = ok ] && [ "$2" -ge 10 ] || fail "Go's gctrace at GOGC $g does not parse: $*"
  expect_eq "$(grep '^gc ' "tests/go/gc/pace.$g.err" | tail -1 | grep -c ' (forced)$')" 1
done
ncpu=$(getconf _NPROCESSORS_ONLN)
for g in 50 100 200; do
  expect_status 0 env GORT_GOGC=$g GORT_DEBUG=gctrace "$BUILD/tests/progs/gc_pace" 16 256
  set -- $(check "$T/err" $g)
  [ "$1" = ok ] && [ "$2" -ge 3 ] || fail "gort's gctrace at GOGC $g: $*"
  grep '^gc ' "$T/err" > "$T/lines"
  expect_eq "$(tail -1 "$T/lines" | grep -c ' (forced)$')" 1
  expect_eq "$(grep -c ' (forced)$' "$T/lines")" 1
  expect_eq "$(awk '{ print $22 }' "$T/lines" | sort -u)" "$ncpu"
  expect_eq "$(awk '{ print $16 }' "$T/lines" | sort -u)" 0
done
# gc_alloc: garbage alone, then a forced cycle; GORT_DEBUG may list other words too.
expect_status 0 env GORT_DEBUG=uaf,gctrace "$BUILD/tests/progs/gc_alloc" 1 16 2
set -- $(check "$T/err" 100)
[ "$1" = ok ] || fail "gort's gctrace for gc_alloc: $*"
expect_eq "$2" "$(sed -n 's/.* cycles=\([0-9]*\) .*/\1/p' "$T/out")"
expect_eq "$(grep -c . "$T/err")" "$2"
