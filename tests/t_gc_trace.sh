#!/bin/sh
# The collector's probes, recorded by `gort record`, in Go 1.19's phase order (mgc.go: GCStart,
# STW sweep termination, mark, STW mark termination with GCDone, then sweep), and the map's
# death placed against the deferred delete that touches it (tests/progs/gc_deferroots).
set -e
. tests/lib.sh
P=$BUILD/tests/progs
unset GORT_UNSAFE GORT_DEBUG GORT_GOGC
q() { sqlite3 "$1" "$2" | tr '\n' ' ' | sed 's/ $//'; }
one_cycle() { # n: the probe sequence of forced cycle n, as gc.c documents it
  echo "gc_start:$1:2 stw_start:1 stw_end:1 gc_mark_start:$1 stw_start:0 gc_mark_termination:$1 stw_end:0 gc_sweep_start:$1"
}

# Safe model: two forced cycles while the defer is pending; the map outlives both.
"$GORT" record -o "$T/safe.db" -- "$P/gc_deferroots" delete 2>/dev/null >/dev/null
seq=$(q "$T/safe.db" "SELECT kind || ':' || arg0 || CASE WHEN kind = 'gc_start' THEN ':' || arg1 ELSE '' END
                     FROM events WHERE (kind LIKE 'gc%' OR kind LIKE 'stw%')
                       AND kind NOT IN ('gc_sweep_done', 'gc_end') ORDER BY ts_ns, id")
expect_eq "$seq" "$(one_cycle 1) $(one_cycle 2)"
expect_eq "$(q "$T/safe.db" "SELECT count(*) FROM gc_cycles")" 2
# Pauses are measured: each stw_end carries its duration.
expect_eq "$(q "$T/safe.db" "SELECT count(*) FROM events WHERE kind = 'stw_end' AND dur_ns > 0")" 4
# The map was not freed by those cycles, and the deferred delete found its key.
expect_eq "$(q "$T/safe.db" "SELECT count(*) FROM events WHERE kind = 'mapfree'")" 0
expect_eq "$(q "$T/safe.db" "SELECT arg0 FROM events WHERE kind = 'mapdelete' AND map_id = 1")" 1

# defer_roots: the first cycle frees the map (mapfree cause gc, inside that cycle's sweep),
# before the deferred delete starts; the delete is caught as a use after free.
set +e
GORT_UNSAFE=defer_roots "$GORT" record -o "$T/unsafe.db" -- "$P/gc_deferroots" delete 2>/dev/null >/dev/null
expect_eq $? 2
set -e
order=$(q "$T/unsafe.db" "SELECT kind FROM events WHERE kind IN ('gc_sweep_start', 'mapfree', 'gc_sweep_done',
                          'gc_end', 'deferreturn', 'map_use_after_free', 'fatal') ORDER BY ts_ns, id")
expect_eq "$order" "gc_sweep_start mapfree gc_sweep_done gc_end gc_sweep_start gc_sweep_done gc_end deferreturn map_use_after_free fatal"
expect_eq "$(q "$T/unsafe.db" "SELECT map_id, arg0 FROM events WHERE kind = 'mapfree'")" "1|1"
expect_eq "$(q "$T/unsafe.db" "SELECT death_cause FROM maps WHERE map_id = 1")" "gc"
expect_eq "$(q "$T/unsafe.db" "SELECT maps_freed FROM gc_cycles ORDER BY cycle")" "1 0"
# gc_end: maps freed in map_id, heap live before and after in arg0/arg1 (the map was all of it).
expect_eq "$(q "$T/unsafe.db" "SELECT map_id, arg0 > 0, arg1 FROM events WHERE kind = 'gc_end' ORDER BY ts_ns LIMIT 1")" "1|1|0"

# Many cycles (tests/gc_roots: every root kind, 21 forced cycles): each cycle's probes come in
# the documented order, every map the collector frees dies inside a sweep (between that
# cycle's gc_sweep_start and gc_sweep_done, on the collector's thread), the stack map dies by
# its frame (cause 2) on the goroutine's thread, and gc_end counts the maps each cycle freed.
"$GORT" record -o "$T/roots.db" -- "$BUILD/tests/gc_roots" 2>/dev/null >/dev/null
n=$(q "$T/roots.db" "SELECT count(*) FROM events WHERE kind = 'gc_start'")
[ "$n" -ge 20 ] || fail "only $n cycles recorded"
want=""
i=1
while [ $i -le "$n" ]; do want="$want $(one_cycle $i) gc_sweep_done gc_end"; i=$((i + 1)); done
seq=$(q "$T/roots.db" "SELECT kind || CASE WHEN kind IN ('gc_sweep_done', 'gc_end') THEN ''
                        WHEN kind = 'gc_start' THEN ':' || arg0 || ':' || arg1 ELSE ':' || arg0 END
                       FROM events WHERE kind LIKE 'gc%' OR kind LIKE 'stw%' ORDER BY ts_ns, id")
expect_eq " $seq" "$want"
outside=$(q "$T/roots.db" "SELECT count(*) FROM events f WHERE f.kind = 'mapfree' AND f.arg0 = 1 AND NOT EXISTS (
    SELECT 1 FROM events s JOIN events d ON d.tid = s.tid AND d.kind = 'gc_sweep_done'
      AND d.ts_ns = (SELECT MIN(ts_ns) FROM events x WHERE x.kind = 'gc_sweep_done' AND x.ts_ns >= s.ts_ns)
    WHERE s.kind = 'gc_sweep_start' AND s.tid = f.tid AND f.ts_ns BETWEEN s.ts_ns AND d.ts_ns)")
expect_eq "$outside" 0
expect_eq "$(q "$T/roots.db" "SELECT count(*) FROM events WHERE kind = 'mapfree' AND arg0 = 2")" 1
expect_eq "$(q "$T/roots.db" "SELECT count(*) FROM events f, events s WHERE f.kind = 'mapfree' AND f.arg0 = 2
                               AND s.kind = 'gc_start' AND s.tid = f.tid")" 0
expect_eq "$(q "$T/roots.db" "SELECT (SELECT count(*) FROM events WHERE kind = 'mapfree' AND arg0 = 1) = (SELECT SUM(maps_freed) FROM gc_cycles)")" 1
expect_eq "$(q "$T/roots.db" "SELECT (SELECT count(*) FROM events WHERE kind = 'mapfree' AND arg0 = 1) = (SELECT SUM(map_id) FROM events WHERE kind = 'gc_end')")" 1

# Mark assists: a map workload allocating while the collector marks runs into assist debt
# (tests/progs/gc_assist allocates until it has assisted: a fixed workload such as bench/gc_bench's
# can see no assist when a loaded machine schedules it only between marks). Each assist is a
# gc_assist event with its duration, inside the cycle its arg0 names; gc_cycles counts them and
# their time per cycle; the timeline draws them.
"$GORT" record -o "$T/assist.db" -- "$BUILD/tests/progs/gc_assist" 2>/dev/null >/dev/null
n=$(q "$T/assist.db" "SELECT count(*) FROM events WHERE kind = 'gc_assist'")
[ "$n" -gt 0 ] || fail "no gc_assist event"
expect_eq "$(q "$T/assist.db" "SELECT count(*) FROM events WHERE kind = 'gc_assist' AND dur_ns > 0")" "$n"
# The cycle each assist began in (gc_start before its start, in time order) is its arg0.
sqlite3 "$T/assist.db" "SELECT ts_ns, 0, arg0 FROM events WHERE kind = 'gc_start'
                        UNION ALL SELECT ts_ns - dur_ns, 1, arg0 FROM events WHERE kind = 'gc_assist'
                        ORDER BY 1, 2" |
  awk -F'|' '$2 == 0 { cycle = $3; next } $3 == cycle { ok++ } END { print ok + 0 }' > "$T/incycle"
expect_eq "$(cat "$T/incycle")" "$n"
expect_eq "$(q "$T/assist.db" "SELECT sum(assists) = $n AND sum(assist_ns) = (SELECT sum(dur_ns) FROM events WHERE kind = 'gc_assist') FROM gc_cycles")" 1
"$GORT" timeline "$T/assist.db" --script "$T/assist.gp"
grep -q "title 'mark assist'" "$T/assist.gp" || fail "timeline: no mark assist legend"
grep -q "fc rgb '#30b0a0'" "$T/assist.gp" || fail "timeline: no mark assist band"
