#!/bin/sh
# `make demo`, run into a temporary folder (DEMO_OUT): every scenario of samples/scenarios.txt is
# recorded and rendered (trace.db, flame.svg, timeline.png, gaps.txt), and for the safe model
# also its Go twin (go/trace.db, go/flame.svg, go/gaps.txt, compare.csv); index.html shows
# them; each trace has the events and the verdict its scenario implies (checked through gort
# gaps and gort sql); Go 1.19 and the model agree on what each scenario is about (the verdicts
# of the deferred map operations, the growth of grow_delete's and map_example's maps,
# concurrent_writes' fatal error), and gort compare --scope program says so (exit 0); the page
# shows in red exactly the disagreements gort compare found; and the README's verdict table is
# the one the demo produced.
set -e
. tests/lib.sh
O=$T/out
DEMO_OUT=$O make -s demo BUILD="$BUILD" SAN="${SAN:-0}" >"$T/demo.log" 2>&1 || fail "make demo failed: $(cat "$T/demo.log")"
grep -q "demo: .*/index.html" "$T/demo.log" || fail "demo did not print the index path"

names=$(grep -v '^#' samples/scenarios.txt | awk 'NF { print $1 }')
for n in $names; do
  for f in trace.db flame.svg timeline.png gaps.txt; do
    [ -s "$O/$n/$f" ] || fail "$n: $f missing or empty"
  done
  xmllint --noout "$O/$n/flame.svg" || fail "$n: flame.svg is not well-formed XML"
  [ "$(head -c 4 "$O/$n/timeline.png" | tail -c 3)" = PNG ] || fail "$n: timeline.png is not a PNG"
  grep -q "src=\"$n/timeline.png\"" "$O/index.html" || fail "index.html does not show $n"
done
# The safe model's scenarios (their names have no '+'): their Go twin, recorded beside them.
safe=$(echo "$names" | grep -v '+')
for n in $safe; do
  for f in trace.db flame.svg gaps.txt stdout.txt; do
    [ -e "$O/$n/go/$f" ] || fail "$n: go/$f missing"
  done
  [ -s "$O/$n/go/flame.svg" ] || fail "$n: go/flame.svg is empty"
  xmllint --noout "$O/$n/go/flame.svg" || fail "$n: go/flame.svg is not well-formed XML"
  [ -s "$O/$n/compare.csv" ] || fail "$n: compare.csv missing"
  grep -q "data=\"$n/go/flame.svg\"" "$O/index.html" || fail "index.html does not show $n's Go flame graph"
done

# q SCENARIO SQL: one value from the scenario's trace.
q() { "$GORT" sql "$O/$1/trace.db" "$2" --format csv | tail -n +2; }
# verdicts SCENARIO: "verdict count" lines from gort gaps.
verdicts() { tail -n +2 "$O/$1/gaps.csv" | awk -F, '{ n[$NF]++ } END { for (k in n) print k, n[k] }' | sort | paste -sd, -; }
expect_verdicts() { expect_eq "$(verdicts "$1")" "$2"; }
# gaps exit status: 1 exactly when a use-after-free was found.
gaps_status() { set +e; "$GORT" gaps "$O/$1/trace.db" >/dev/null 2>&1; echo $?; set -e; }

# nil_map: the direct form deletes from the original map, the closure form deletes from nil.
expect_verdicts nil_map "map-still-alive 1,nil-map 1"
expect_eq "$(cat "$O/nil_map/stdout.txt")" "$(printf 'direct: map[b:2]\nclosure: map[a:1 b:2]\nguarded: map[a:1 b:2]')"

# stack_map: the stack map dies (cause frame) after its deferred delete ended.
expect_verdicts stack_map "safe 1"
expect_eq "$(q stack_map "SELECT count(*) FROM maps m JOIN defers d
   WHERE m.death_cause = 'frame' AND m.died_ns >= d.end_ns")" 1
# ... and under frame_order it dies first: the deferred delete is caught touching it.
expect_verdicts "stack_map+frame_order" "use-after-free 1"
expect_eq "$(q "stack_map+frame_order" "SELECT count(*) FROM events WHERE kind = 'map_use_after_free'")" 1
expect_eq "$(q "stack_map+frame_order" "SELECT value FROM meta WHERE key = 'exit_status'")" 2
expect_eq "$(gaps_status "stack_map+frame_order")" 1

# gc_defer: three forced cycles while the defer is pending; the map dies only after it ran.
expect_verdicts gc_defer "safe 1"
expect_eq "$(q gc_defer "SELECT count(*) >= 3 FROM gc_cycles WHERE end_ns < (SELECT ran_ns FROM defers)")" 1
expect_eq "$(q gc_defer "SELECT count(*) FROM maps m, defers d WHERE m.death_cause = 'gc' AND m.died_ns > d.end_ns")" 1
# ... and without defer roots the collector frees it before the deferred call touches it.
expect_verdicts "gc_defer+defer_roots" "use-after-free 1"
expect_eq "$(q "gc_defer+defer_roots" "SELECT count(*) FROM maps m, defers d WHERE m.death_cause = 'gc' AND m.died_ns < d.ran_ns")" 1
expect_eq "$(gaps_status gc_defer)" 0

# grow_delete: all eight deferred deletes ran while the map was growing, nothing corrupted.
expect_verdicts grow_delete "map-still-alive 8"
expect_eq "$(q grow_delete "SELECT count(*) FROM events d WHERE d.kind = 'mapdelete' AND d.defer_id IS NOT NULL
   AND d.arg0 = 1 AND EXISTS (SELECT 1 FROM events g WHERE g.kind = 'hashgrow' AND g.ts_ns < d.ts_ns)
   AND NOT EXISTS (SELECT 1 FROM events e WHERE e.kind = 'growdone' AND e.arg0 = 8 AND e.ts_ns < d.ts_ns)")" 8
grep -q "corrupted 0" "$O/grow_delete/stdout.txt" || fail "grow_delete: $(cat "$O/grow_delete/stdout.txt")"

# write_barrier: the moved map survives the mark its move raced with; without the barrier it
# is freed while still referenced and its next use is caught.
expect_eq "$(cat "$O/write_barrier/stdout.txt")" "x survived: len 3"
expect_eq "$(q "write_barrier+no_write_barrier" "SELECT count(*) FROM events u JOIN maps m USING (map_id)
   WHERE u.kind = 'map_use_after_free' AND m.death_cause = 'gc' AND m.died_ns < u.ts_ns")" 1

# panic_defer: the four deferred calls run for the panic, innermost first; one recover.
expect_eq "$(q panic_defer "SELECT count(*) FROM events WHERE kind = 'deferreturn' AND arg0 = 2")" 4
expect_eq "$(q panic_defer "SELECT count(*) FROM events WHERE kind = 'recover' AND arg0 = 1")" 1
expect_eq "$(q panic_defer "SELECT group_concat(fn, ' ') FROM (SELECT fn FROM defers ORDER BY ran_ns)")" \
  "delete delete delete print_recovered"
expect_eq "$(tail -n 1 "$O/panic_defer/stdout.txt")" "len after recovery: 1"

# concurrent_writes: Go's fatal error, recorded as how the program ended.
expect_eq "$(q concurrent_writes "SELECT value FROM meta WHERE key = 'ended'")" "fatal error"
grep -q "^fatal error: concurrent map writes" "$O/concurrent_writes/stderr.txt" || fail "concurrent_writes: no fatal error"

# wordfreq and cache: no use-after-free; per-document maps died in GC cycles.
expect_eq "$(q wordfreq "SELECT count(*) > 0 FROM maps WHERE death_cause = 'gc'")" 1
expect_eq "$(gaps_status cache)" 0
expect_eq "$(gaps_status wordfreq)" 0

# No use-after-free anywhere in the safe runtime.
for n in $names; do
  case "$n" in *+*) continue ;; esac
  expect_eq "$(q "$n" "SELECT count(*) FROM events WHERE kind = 'map_use_after_free'")" 0
done

# Go 1.19 beside the model: each Go trace is real Go's, and ended as the model's did.
# (That the twins print the same is tests/t_go_twins.sh's.)
for n in $safe; do
  expect_eq "$(q "$n/go" "SELECT value FROM meta WHERE key = 'producer'")" "go1.19.8"
  expect_eq "$(q "$n" "SELECT value FROM meta WHERE key = 'producer'")" "libgort"
  expect_eq "$(q "$n/go" "SELECT value FROM meta WHERE key = 'ended'")" "$(q "$n" "SELECT value FROM meta WHERE key = 'ended'")"
done
# What each scenario is about, the same in both: the verdicts of the deferred map operations
# (gort gaps), for all; the maps' growth (each growth's len:B, hashgrow counts) for
# grow_delete and map_example; how concurrent_writes ended: Go's fatal error. gort compare
# agrees on those facts once Go's runtime and library maps and defers are left out.
for n in $safe; do
  expect_eq "$(verdicts "$n/go")" "$(verdicts "$n")"
  only=verdicts
  case "$n" in
    grow_delete|map_example) only=verdicts,growth ;;
    concurrent_writes) only=verdicts,run ;;
  esac
  "$GORT" compare "$O/$n/go/trace.db" "$O/$n/trace.db" --scope program --only "$only" >"$T/cmp" 2>&1 ||
    fail "$n: Go and the model differ on $only: $(cat "$T/cmp")"
done
expect_eq "$(verdicts nil_map/go)" "map-still-alive 1,nil-map 1"
# The growths compared are real: map_example's map grows at Go's load factor, in both.
"$GORT" compare "$O/map_example/go/trace.db" "$O/map_example/trace.db" --scope program --only growth \
  --all --format csv >"$T/growth.csv"
expect_contains "$(cat "$T/growth.csv")" ",9:1 14:2 27:3 53:4 105:5"
expect_eq "$(q grow_delete/go "SELECT count(*) FROM events WHERE kind = 'hashgrow'")" \
  "$(q grow_delete "SELECT count(*) FROM events WHERE kind = 'hashgrow'")"
expect_eq "$(q concurrent_writes/go "SELECT value FROM meta WHERE key = 'exit_status'")" 2
expect_eq "$(head -n 1 "$O/concurrent_writes/go/stderr.txt")" "fatal error: concurrent map writes"
# Without --scope program Go's own maps (package initialisers) shift every map of the program's.
# (Not expect_status: its $T/out is the demo's folder here.)
! "$GORT" compare "$O/nil_map/go/trace.db" "$O/nil_map/trace.db" --only maps >"$T/cmp" 2>&1 ||
  fail "nil_map: Go's own maps were not seen"
grep -q '^maps  *maps  *[0-9]' "$T/cmp" || fail "nil_map: no map count in $(cat "$T/cmp")"
grep '^maps  *maps ' "$T/cmp" | awk '{ exit !($3 > $4) }' || fail "nil_map: Go made no more maps: $(cat "$T/cmp")"
"$GORT" compare "$O/nil_map/go/trace.db" "$O/nil_map/trace.db" --only maps --scope program >"$T/cmp" 2>&1 ||
  fail "nil_map: Go and the model differ on their maps: $(cat "$T/cmp")"

# The page says in red exactly where gort compare found Go and the model disagreeing, with the
# count of facts; the deferred functions' names (which differ by construction) are not in it.
for n in $safe; do
  d=$(($(wc -l <"$O/$n/compare.csv") - 1))
  ! grep -q '^defers,defer g[0-9.]* fn,' "$O/$n/compare.csv" || fail "$n: compare.csv lists function names"
  if [ "$d" -gt 0 ]; then
    grep -q "<td class=\"differ\">.*<b>disagrees with the model on $d facts</b>" "$O/index.html" ||
      fail "index.html does not show $n's $d disagreements in red"
    grep -q "<b>Go 1.19 and the model disagree on $d facts</b>" "$O/index.html" || fail "$n: no red paragraph"
  fi
done
expect_eq "$(grep -o '<b>disagrees with the model on [0-9]* facts</b>' "$O/index.html" | wc -l)" \
  "$(for n in $safe; do [ "$(wc -l <"$O/$n/compare.csv")" -gt 1 ] && echo "$n"; done | wc -l)"
# wordfreq's per-document maps do not escape their function: Go keeps them in its frame, the
# model on its heap, where the collector frees them. The demo shows that disagreement.
expect_contains "$(cat "$O/wordfreq/compare.csv")" "maps,died frame,"

# The README shows the demo's verdict table.
sed -n '/<!-- verdicts:begin -->/,/<!-- verdicts:end -->/p' README.md | sed '1d;$d' >"$T/readme_table"
diff "$T/readme_table" "$O/verdicts.md" >&2 || fail "README's verdict table differs from the demo's (run make demo, copy demo/out/verdicts.md)"
