#!/bin/sh
# gort compare on real recordings of libgort programs: a trace against itself and against
# another recording of the same deterministic program agrees (exit 0); two recordings that
# differ by one known change report exactly that change (exit 1): one extra insert (the map
# grows), a different GORT_GOGC (only GC facts move); tolerances, --only, --scope, the three formats;
# bad input is one line and exit 2, and the traces are never touched.
set -e
. tests/lib.sh
. tests/data/viewer/lib.sh
rec() { # rec NAME PROGRAM ARGS...: records $T/NAME.db
  name=$1; shift
  "$GORT" record -o "$T/$name.db" -- "$@" >/dev/null 2>"$T/rec.err" || fail "record $name: $(cat "$T/rec.err")"
}
# differing A B [OPTIONS]: the "group,fact" of every fact that differs, one a line.
differing() {
  a=$1 b=$2; shift 2
  set +e; "$GORT" compare "$a" "$b" --format csv "$@" >"$T/cmp.csv" 2>"$T/cmp.err"; s=$?; set -e
  [ "$s" -le 1 ] || fail "compare $a $b $*: status $s: $(cat "$T/cmp.err")"
  python3 -c 'import csv,sys
for r in csv.DictReader(sys.stdin):
    assert r["result"] == "differs", r
    print(r["group"] + "," + r["fact"])' <"$T/cmp.csv"
}

rec maps_a "$BUILD/tests/progs/trace_maps" 300 gc
rec maps_b "$BUILD/tests/progs/trace_maps" 300 gc
before=$(digest "$T/maps_a.db")

# A trace against itself: every fact the same, in every format.
expect_status 0 "$GORT" compare "$T/maps_a.db" "$T/maps_a.db"
expect_contains "$(tail -n 1 "$T/out")" " same, 0 within tolerance, 0 differ"
expect_status 0 "$GORT" compare "$T/maps_a.db" "$T/maps_a.db" --all --format json
python3 -c 'import json,sys
rows = json.load(sys.stdin)
assert len(rows) > 50, len(rows)
assert {r["result"] for r in rows} == {"same"}, {r["result"] for r in rows}
groups = {r["group"] for r in rows}
assert groups == {"run", "events", "maps", "growth", "evacuation", "defers", "verdicts", "gc"}, groups' <"$T/out" \
  || fail "compare with itself, json: $(head -c 600 "$T/out")"
expect_status 0 "$GORT" compare "$T/maps_a.db" "$T/maps_a.db" --all --format csv
expect_eq "$(head -n 1 "$T/out")" "group,fact,a,b,diff,result"
# The map that grew to 300 keys, and the five goroutines' maps, matched per goroutine.
expect_contains "$(cat "$T/out")" "growth,map g1.1 growth,9:1 14:2 27:3 53:4 105:5 209:6,9:1 14:2 27:3 53:4 105:5 209:6,,same"
expect_contains "$(cat "$T/out")" "growth,map g5.1 growth,9:1 14:2 27:3 53:4,9:1 14:2 27:3 53:4,,same"

# Another recording of the same program: its four goroutines race, its maps and deferred
# calls are numbered differently, and still every map, deferred call and verdict matches.
# (Not the event counts: a worker's goend can come after main exited, and then is not seen.)
only="run,maps,growth,evacuation,defers,verdicts,gc"
expect_status 0 "$GORT" compare "$T/maps_a.db" "$T/maps_b.db" --only "$only"
[ -z "$(differing "$T/maps_a.db" "$T/maps_b.db" --only "$only")" ] || fail "two recordings differ: $(cat "$T/cmp.csv")"

# One extra insert (tests/progs/cmp_grow: one goroutine, deterministic): the 9th key grows
# the map (B 0 -> 1, its one bucket evacuated), and nothing else changes.
rec n8 "$BUILD/tests/progs/cmp_grow" 8
rec n8again "$BUILD/tests/progs/cmp_grow" 8
rec n9 "$BUILD/tests/progs/cmp_grow" 9
expect_status 0 "$GORT" compare "$T/n8.db" "$T/n8again.db"
expect_status 1 "$GORT" compare "$T/n8.db" "$T/n9.db"
expect_eq "$(differing "$T/n8.db" "$T/n9.db")" "events,total
events,mapassign
events,hashgrow
events,evacuate
events,growdone
maps,map g1.1 peak len
growth,map g1.1 growth
growth,map g1.1 hashgrow
evacuation,map g1.1 evacuate"
expect_contains "$(cat "$T/cmp.csv")" "growth,map g1.1 growth,none,9:1,,differs"
expect_contains "$(cat "$T/cmp.csv")" "events,mapassign,8,9,1,differs"
# docs/viewer.md quotes this very comparison: its lines are what gort prints.
(cd "$T" && "$GORT" compare n8.db n9.db >"$T/doc_out") || [ $? = 1 ] || fail "compare n8 n9 failed"
awk '/^\$ gort compare n8.db n9.db$/ { on = 1; next } /^\$ echo/ { on = 0 } on' docs/viewer.md >"$T/doc_want"
[ "$(wc -l <"$T/doc_want")" -ge 10 ] || fail "docs/viewer.md lacks the compare example"
diff "$T/doc_want" "$T/doc_out" >&2 || fail "docs/viewer.md's compare example is not what gort prints"
# --only restricts to groups; counts within a --count-tolerance agree.
expect_status 1 "$GORT" compare "$T/n8.db" "$T/n9.db" --only growth --format csv
expect_eq "$(cut -d, -f2 "$T/out" | tail -n +2 | paste -sd' ' -)" "map g1.1 growth map g1.1 hashgrow"
expect_status 0 "$GORT" compare "$T/n8.db" "$T/n9.db" --only defers,verdicts --only gc,run
expect_status 1 "$GORT" compare "$T/n8.db" "$T/n9.db" --only events --count-tolerance 20% --all --format csv
expect_contains "$(grep '^events,total,' "$T/out")" "34,38,4,within"
expect_contains "$(grep '^events,mapassign,' "$T/out")" ",within"
expect_contains "$(grep '^events,hashgrow,' "$T/out")" "0,1,1,differs"
expect_status 0 "$GORT" compare "$T/n8.db" "$T/n9.db" --only events --count-tolerance 100%

# Times are judged only against a --tolerance: the two runs' durations differ.
expect_status 0 "$GORT" compare "$T/n8.db" "$T/n9.db" --only run --all --format csv
expect_contains "$(grep '^run,duration ns' "$T/out")" ",unjudged"
expect_status 0 "$GORT" compare "$T/n8.db" "$T/n9.db" --only run --tolerance 100% --all --format csv
expect_contains "$(grep '^run,duration ns' "$T/out")" ",within"
expect_status 0 "$GORT" compare "$T/n8.db" "$T/n9.db" --only run --tolerance 0%,1000s
expect_status 1 "$GORT" compare "$T/maps_a.db" "$T/n8.db" --only run --tolerance 0%

# A different GORT_GOGC: the collector runs four heap-triggered cycles more; only GC facts
# (the gc group, the events of the collector's kinds) differ.
GORT_GOGC=off rec gc_off "$BUILD/tests/progs/gc_alloc" 4 16
GORT_GOGC=100 rec gc_100 "$BUILD/tests/progs/gc_alloc" 4 16
d=$(differing "$T/gc_off.db" "$T/gc_100.db")
expect_contains "$d" "gc,cycles by heap"
echo "$d" | grep -Ev '^(gc,|events,(total|gc_|stw_))' >"$T/other" && fail "GOGC changed more than GC facts: $(cat "$T/other")"
expect_contains "$(grep '^gc,cycles by heap' "$T/cmp.csv")" "gc,cycles by heap,0,"
expect_status 0 "$GORT" compare "$T/gc_off.db" "$T/gc_100.db" --only run,maps,growth,defers,verdicts

# --scope program: a libgort program's maps and deferred calls are all its own (libgort makes
# none of its own), so every fact is as without it; a trace without call stacks cannot say who
# made what and is refused. (Real Go's own maps and deferred calls: tests/t_demo.sh.)
"$GORT" compare "$T/maps_a.db" "$T/maps_b.db" --all --format csv >"$T/all.csv" || true
expect_status 0 "$GORT" compare "$T/maps_a.db" "$T/maps_b.db" --only "$only" --scope program
"$GORT" compare "$T/maps_a.db" "$T/maps_b.db" --all --format csv --scope program >"$T/program.csv" || true
diff "$T/all.csv" "$T/program.csv" >&2 || fail "--scope program left out some of a libgort program's own facts"
"$GORT" record --no-stacks -o "$T/nostacks.db" -- "$BUILD/tests/progs/cmp_grow" 8 >/dev/null 2>&1
expect_status 0 "$GORT" compare "$T/nostacks.db" "$T/n8.db" --only growth
expect_status 2 "$GORT" compare "$T/nostacks.db" "$T/n8.db" --only growth --scope program
expect_eq "$(cat "$T/err")" "gort compare: $T/nostacks.db: no call stacks (recorded with --no-stacks?): --scope program tells the program's maps and deferred calls by the function that made them"

# Bad input: one line, exit 2, nothing on stdout.
printf 'not a database\n' >"$T/text.db"
for args in "$T/maps_a.db" "" "$T/maps_a.db $T/maps_a.db $T/maps_a.db" "$T/missing.db $T/maps_a.db" \
            "$T/maps_a.db $T/text.db" "$T/maps_a.db $T/maps_a.db --only colours" \
            "$T/maps_a.db $T/maps_a.db --tolerance fast" "$T/maps_a.db $T/maps_a.db --tolerance 10%,x" \
            "$T/maps_a.db $T/maps_a.db --count-tolerance 5" "$T/maps_a.db $T/maps_a.db --format xml" \
            "$T/maps_a.db $T/maps_a.db --bogus" "$T/maps_a.db $T/maps_a.db --only" \
            "$T/maps_a.db $T/maps_a.db --scope runtime"; do
  # shellcheck disable=SC2086
  expect_status 2 "$GORT" compare $args
  [ "$(wc -l <"$T/err" | tr -d ' ')" = 1 ] || fail "[compare $args]: not one line: $(cat "$T/err")"
  expect_contains "$(cat "$T/err")" "gort compare: "
  [ ! -s "$T/out" ] || fail "[compare $args] printed: $(cat "$T/out")"
done
expect_status 2 "$GORT" compare "$T/maps_a.db" "$T/missing.db"
expect_eq "$(cat "$T/err")" "gort compare: $T/missing.db: no such file"
expect_eq "$(digest "$T/maps_a.db")" "$before"
[ -z "$(ls "$T" | grep -E 'journal|wal')" ] || fail "files left beside the traces: $(ls "$T")"
