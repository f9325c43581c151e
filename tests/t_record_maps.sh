#!/bin/sh
# End to end on a real libgort program (tests/progs/trace_maps.c): the trace holds what the
# program did with its maps, deferred deletes and goroutines, the summary tables and the gaps
# view agree with it, and the stacks name the runtime functions and their callers.
set -e
. tests/lib.sh
P=$BUILD/tests/progs/trace_maps
# libgort's heap is garbage-collected: maps still reachable at exit are not leaks (SAN=1).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
N=1000
expect_status 0 "$GORT" record -o "$T/m.db" -- "$P" $N
q() { sqlite3 "$1" "$2"; }
count() { q "$T/m.db" "SELECT count(*) FROM events WHERE kind = '$1'"; }
# The operations the program's description fixes (see trace_maps.c).
expect_eq "$(count makemap)" 8
expect_eq "$(count maptype)" 8
expect_eq "$(count mapassign)" $((N + 3 + 10 + 5 + 4 * 100))
expect_eq "$(count mapaccess)" $((N / 2))
expect_eq "$(count mapdelete)" $((N / 4 + 2))
expect_eq "$(count deferproc) $(count deferreturn) $(count deferreturn_end)" "2 2 2"
expect_eq "$(count gocreate) $(count gostart)" "4 4"
expect_eq "$(q "$T/m.db" "SELECT count(*) FROM events WHERE kind = 'mapassign' AND map_id = 1 AND arg0 = 1")" $N
# Map 1 grew by Go's load factor rule (overLoadFactor: count > 8 && count > 13 * 2^B / 2).
want=$(awk -v n=$N 'BEGIN { B = 0; g = 0
  for (c = 1; c <= n; c++) { thr = B == 0 ? 0 : 13 * 2 ^ (B - 1); if (c > 8 && c > thr) { B++; g++ } }
  print "int64|" n "|" B "|" g }')
expect_eq "$(q "$T/m.db" "SELECT key_kind, peak_len, peak_B, grows FROM maps WHERE map_id = 1")" "$want"
expect_eq "$(q "$T/m.db" "SELECT key_kind, peak_len FROM maps WHERE map_id = 2")" "string|3"
expect_eq "$(q "$T/m.db" "SELECT count(*) FROM events WHERE map_id IS NOT NULL AND kind != 'gc_end'
             AND map_id != 0 AND map_id NOT IN (SELECT map_id FROM maps)")" 0
# The deferred deletes ran at return, named 'delete'; the frame's map died after its delete.
expect_eq "$(q "$T/m.db" "SELECT fn, how, count(*) FROM defers GROUP BY fn, how")" "delete|return|2"
expect_eq "$(q "$T/m.db" "SELECT m.death_cause, m.died_ns >= d.end_ns FROM maps m
             JOIN events e ON e.map_id = m.map_id AND e.kind = 'mapdelete' AND e.defer_id IS NOT NULL
             JOIN defers d ON d.defer_id = e.defer_id WHERE m.died_ns IS NOT NULL")" "frame|1"
expect_eq "$(q "$T/m.db" "SELECT op, verdict, count(*) FROM gaps GROUP BY op, verdict" | tr '\n' ' ')" \
  "mapdelete|map-still-alive|1 mapdelete|safe|1 "
# Goroutines: main and the four workers, each on its own thread.
expect_eq "$(q "$T/m.db" "SELECT count(*), count(DISTINCT tid) FROM goroutines")" "5|5"
# Stacks: an insert into map 1 was in gort_mapassign_fast64, called by run, called by main.
sid=$(q "$T/m.db" "SELECT stack_id FROM events WHERE kind = 'mapassign' AND map_id = 1 LIMIT 1")
expect_eq "$(q "$T/m.db" "SELECT symbol FROM stack_frames WHERE stack_id = $sid AND depth < 3 ORDER BY depth" | tr '\n' ' ')" \
  "gort_mapassign_fast64 run main "
expect_eq "$(q "$T/m.db" "SELECT DISTINCT symbol FROM stack_frames f JOIN events e ON e.stack_id = f.stack_id
             WHERE e.kind = 'gostart' AND f.depth = 0")" "goroutine_main"
# The same program dying of an unrecovered panic: its events are all there, meta says so.
expect_status 2 "$GORT" record -o "$T/p.db" -- "$P" $N panic
expect_eq "$(q "$T/p.db" "SELECT count(*) FROM events WHERE kind = 'mapassign'")" $((N + 3 + 10 + 5 + 4 * 100))
expect_eq "$(q "$T/p.db" "SELECT value FROM meta WHERE key = 'ended'")" "unrecovered panic"
expect_eq "$(q "$T/p.db" "SELECT value FROM meta WHERE key = 'exit_status'")" 2
# A fatal error with a deferred delete pending: exit 2, meta says so, the defer never ran.
expect_status 2 "$GORT" record -o "$T/f.db" -- "$P" 10 fatal
expect_eq "$(q "$T/f.db" "SELECT value FROM meta WHERE key = 'ended'")" "fatal error"
expect_eq "$(q "$T/f.db" "SELECT how, count(*) FROM defers GROUP BY how ORDER BY how" | tr '\n' ' ')" "never|1 return|2 "
expect_eq "$(q "$T/f.db" "SELECT count(*) FROM events WHERE kind = 'fatal' AND arg0 = 1")" 1
# The article's third claim under the collector: defer delete(k, 3); k = nil; runtime.GC().
# The pending defer keeps k alive through that cycle; the delete runs on the live map at
# return; the next cycle frees it. Heap-triggered cycles are off, so cycles are the 3 gort_gc.
export GORT_GOGC=off
expect_status 0 "$GORT" record -o "$T/g.db" -- "$P" $N gc
q() { sqlite3 "$T/g.db" "$1"; }
k=$(q "SELECT map_id FROM gaps WHERE defer_id = (SELECT max(defer_id) FROM defers)")
[ -n "$k" ] || fail "no deferred delete on the collected map"
expect_eq "$(q "SELECT verdict, op FROM gaps WHERE map_id = $k")" "safe|mapdelete"
if [ "$(q "SELECT count(*) FROM events WHERE kind = 'gc_start'")" = 0 ]; then
  echo "no collector linked (gort_gc is a stub): GC checks skipped"
  exit 0
fi
expect_eq "$(q "SELECT count(*) FROM gc_cycles")" 3
expect_eq "$(q "SELECT death_cause FROM maps WHERE map_id = $k")" gc
# k died in cycle 2 (after its deferred delete), not in cycle 1 (while the defer was pending).
expect_eq "$(q "SELECT c.cycle FROM gc_cycles c JOIN maps m ON m.died_ns BETWEEN c.start_ns AND c.end_ns
             WHERE m.map_id = $k")" 2
expect_eq "$(q "SELECT m.died_ns > g.op_ns FROM maps m JOIN gaps g ON g.map_id = m.map_id WHERE m.map_id = $k")" 1
# Maps freed by the collector: hm and the 4 workers' maps (cycle 1), k (2), 5 garbage maps (3).
expect_eq "$(q "SELECT group_concat(maps_freed, ' ') FROM (SELECT maps_freed FROM gc_cycles ORDER BY cycle)")" "5 1 5"
expect_eq "$(q "SELECT count(*) FROM maps WHERE death_cause = 'gc'")" 11
