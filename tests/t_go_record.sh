#!/bin/sh
# The same scenario in real Go (gort go build) and in libgort gives the same facts: the B
# changes at the same counts and as many hashgrows; the deferred calls in the same order; the
# verdicts of the article's three paths (nil map, stack frame, GC) — and in Go, the map held
# only by a pending deferred closure survives the forced collections and dies in a cycle
# after the call ran; a stack map keeps its identity while its stack moves.
set -e
. tests/lib.sh
. tests/go/hook/lib.sh
S=$BUILD/samples
for p in map_example panic_defer nil_map stack_map gc_defer; do
  gobuild $p
  record $p "$T/$p"
  record c_$p "$S/$p"
  expect_eq "$(q $p "SELECT value FROM meta WHERE key = 'producer'")" "$GOVERSION"
  expect_eq "$(q c_$p "SELECT value FROM meta WHERE key = 'producer'")" libgort
done

# Growth: for the int64 map filled with 1000 keys, each hashgrow's new B and the count after
# the insertion that triggered it (the next mapassign of that map).
growth() { # DB
  q "$1" "SELECT group_concat(b || '@' || n, ' ') FROM (SELECT g.arg0 b,
            (SELECT a.arg1 FROM events a WHERE a.kind = 'mapassign' AND a.map_id = g.map_id AND a.id > g.id
             ORDER BY a.id LIMIT 1) n
          FROM events g WHERE g.kind = 'hashgrow' AND g.map_id =
            (SELECT map_id FROM maps WHERE key_kind = 'int64' AND peak_len = 1000) ORDER BY g.id)"
}
expect_eq "$(growth map_example)" "$(growth c_map_example)"
expect_eq "$(growth map_example)" "1@9 2@14 3@27 4@53 5@105 6@209 7@417 8@833"
expect_eq "$(q map_example "SELECT grows, peak_B FROM maps WHERE key_kind = 'int64' AND peak_len = 1000")" \
          "$(q c_map_example "SELECT grows, peak_B FROM maps WHERE key_kind = 'int64' AND peak_len = 1000")"
expect_eq "$(tail -1 "$T/map_example.out")" "$(tail -1 "$T/c_map_example.out")"

# Defer order through a panic: the deferred deletes run innermost first (count after 3, 2, 1),
# each as a 'panic' call, then the recovering closure (no delete); the panic is recovered once.
order() { # DB
  q "$1" "SELECT group_concat(x, ' ') FROM (SELECT d.how || ':' ||
            coalesce((SELECT group_concat(e.arg1) FROM events e WHERE e.defer_id = d.defer_id AND e.kind = 'mapdelete'), '-') x
          FROM defers d WHERE d.how = 'panic' AND d.goid = 1 AND d.defer_id IN
            (SELECT defer_id FROM events WHERE kind = 'deferproc' AND ts_ns >=
              (SELECT max(ts_ns) FROM events WHERE kind = 'makemap' AND map_id =
                (SELECT map_id FROM maps WHERE key_kind = 'string' AND peak_len = 4)))
          ORDER BY d.ran_ns)"
}
expect_eq "$(order panic_defer)" "$(order c_panic_defer)"
expect_eq "$(order panic_defer)" "panic:3 panic:2 panic:1 panic:-"
expect_eq "$(q panic_defer "SELECT count(*) FROM events WHERE kind = 'recover' AND arg0 = 1")" 1
expect_eq "$(cat "$T/panic_defer.out")" "$(cat "$T/c_panic_defer.out")"

# The article's three paths: the same verdicts in Go and in libgort.
# (Go's stack_map has a second function, whose stack moves; its verdict is the same.)
verdicts() { "$GORT" gaps "$T/$1.db" --format csv | tail -n +2 | awk -F, '{ print $NF }' | sort -u | tr '\n' ' '; }
for p in nil_map stack_map gc_defer; do
  expect_eq "$(verdicts $p)" "$(verdicts c_$p)"
  expect_eq "$(head -1 "$T/$p.out")" "$(head -1 "$T/c_$p.out")"
done
expect_eq "$(cat "$T/nil_map.out")" "$(cat "$T/c_nil_map.out")"
expect_eq "$(verdicts nil_map)" "map-still-alive nil-map "
expect_eq "$(verdicts stack_map) $(verdicts gc_defer)" "safe  safe "

# gc_defer in Go: the map (a heap map, death seen by the sweeper) survives the three forced
# collections that run while only the pending closure holds it, and dies in a later cycle,
# after the deferred call ran.
gcq() { q gc_defer "$1"; }
m="(SELECT map_id FROM events WHERE kind = 'mapdelete' AND defer_id IS NOT NULL)"
ran="(SELECT ran_ns FROM defers WHERE defer_id = (SELECT defer_id FROM events WHERE kind = 'mapdelete' AND defer_id IS NOT NULL))"
expect_eq "$(gcq "SELECT death_cause, on_stack FROM maps WHERE map_id = $m")" "gc|0"
expect_eq "$(gcq "SELECT count(*) FROM events WHERE kind = 'gc_start' AND arg1 = 2 AND ts_ns < $ran
                   AND ts_ns > (SELECT created_ns FROM maps WHERE map_id = $m)")" 3
expect_eq "$(gcq "SELECT died_ns > $ran FROM maps WHERE map_id = $m")" 1
expect_eq "$(gcq "SELECT (SELECT max(start_ns) FROM gc_cycles WHERE start_ns < m.died_ns) > $ran
                   FROM maps m WHERE map_id = $m")" 1
expect_eq "$(gcq "SELECT maps_freed >= 1 FROM gc_cycles WHERE start_ns =
                   (SELECT max(start_ns) FROM gc_cycles WHERE start_ns < (SELECT died_ns FROM maps WHERE map_id = $m))")" 1
# The GC's phases in order in every completed cycle, with both pauses measured.
expect_eq "$(gcq "SELECT count(*) FROM gc_cycles WHERE end_ns IS NOT NULL AND NOT (start_ns < mark_start_ns
                   AND mark_start_ns < mark_termination_ns AND mark_termination_ns < sweep_start_ns
                   AND sweep_start_ns <= sweep_done_ns AND sweep_done_ns <= end_ns AND stw_ns > 0)")" 0
expect_eq "$(gcq "SELECT count(*) >= 4 FROM gc_cycles WHERE end_ns IS NOT NULL")" 1

# stack_map in Go: both maps live in their frames (mapstack), die with them after their
# deferred delete ran (frame_exit), and the one whose stack moved (stackmove) is one map
# throughout: made, grown into, deleted from in the deferred call.
expect_eq "$(q stack_map "SELECT count(*) FROM maps WHERE on_stack = 1 AND death_cause = 'frame'")" 2
expect_eq "$(q stack_map "SELECT count(*) > 0 FROM events WHERE kind = 'stackmove' AND goid = 1")" 1
grown="(SELECT map_id FROM maps WHERE on_stack = 1 AND key_kind = 'int64')"
expect_eq "$(q stack_map "SELECT count(*) FROM events WHERE map_id = $grown AND kind = 'mapassign'")" 21
expect_eq "$(q stack_map "SELECT count(*) FROM events WHERE map_id = $grown AND kind = 'mapdelete' AND defer_id IS NOT NULL")" 1
expect_eq "$(q stack_map "SELECT m.died_ns > e.ts_ns FROM maps m, events e WHERE m.map_id = $grown
                          AND e.map_id = m.map_id AND e.kind = 'mapdelete'")" 1

# --open-defers keeps Go's open-coded defers: only the deferred calls a panic runs are seen
# (registered late, as they run), in the same order with the same deletes; the deferred
# calls of normal returns (fmt's own, here) are not.
gobuild panic_defer --open-defers
mv "$T/panic_defer" "$T/panic_defer_open"
record panic_defer_open "$T/panic_defer_open"
expect_eq "$(cat "$T/panic_defer_open.out")" "$(cat "$T/panic_defer.out")"
expect_eq "$(order panic_defer_open)" "panic:3 panic:2 panic:1 panic:-"
expect_eq "$(q panic_defer_open "SELECT count(*), count(DISTINCT how) FROM defers")" "4|1"
[ "$(q panic_defer "SELECT count(*) FROM defers")" -gt 4 ] || fail "the default build saw no other deferred call"
