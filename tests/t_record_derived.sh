#!/bin/sh
# The summary tables (maps, defers, goroutines, gc_cycles), which gort record folds from the
# events while loading (tracer/derive.c), equal the same definitions written as SQL over the
# stored events (docs/schema.md) — for a program that returns, for one that is killed, when
# the fold's rows are written out many times over (GORT_RECORD_DERIVE_ROWS), and with every
# timestamp equal (GORT_RECORD_CLOCK=stopped): a producer thread repeats its last stamp when its
# clock reads earlier, and events of equal time are ordered by id in both. And when a gc_start
# arrives late (its thread was preempted between stamping and publishing it, so events stamped
# after it were numbered before it): a raw file made here holds that case, and --recover loads it.
set -e
. tests/lib.sh
P=$BUILD/tests/progs/trace_emit
check() { # db [tables]
  for t in ${2:-maps defers goroutines gc_cycles}; do
    case $t in
      maps) cols='map_id, created_ns, died_ns, death_cause, key_kind, peak_len, peak_B, grows'; q="SELECT map_id, MIN(CASE WHEN kind = 'makemap' THEN ts_ns END), MIN(CASE WHEN kind = 'mapfree' THEN ts_ns END), CASE MIN(CASE WHEN kind = 'mapfree' THEN arg0 END) WHEN 1 THEN 'gc' WHEN 2 THEN 'frame' END, CASE MAX(CASE WHEN kind = 'maptype' THEN arg0 END) WHEN 1 THEN 'int64' WHEN 2 THEN 'uint64' WHEN 3 THEN 'string' WHEN 4 THEN 'generic' END, MAX(CASE WHEN kind IN ('mapassign', 'mapdelete', 'mapfree') THEN arg1 WHEN kind = 'mapclear' THEN arg0 END), MAX(CASE WHEN kind = 'makemap' THEN arg1 WHEN kind = 'hashgrow' THEN arg0 END), SUM(kind = 'hashgrow') FROM events WHERE map_id IS NOT NULL AND map_id != 0 AND kind IN ('makemap', 'mapaccess', 'mapassign', 'mapdelete', 'hashgrow', 'evacuate', 'growdone', 'mapclear', 'mapiterinit', 'mapfree', 'map_use_after_free', 'maptype') GROUP BY map_id" ;;
      defers) cols='defer_id, goid, registered_ns, ran_ns, end_ns, fn, how'; q="SELECT d.defer_id, d.goid, d.registered_ns, d.ran_ns, d.end_ns, n.name, CASE WHEN d.ran_ns IS NULL THEN 'never' WHEN d.how = 1 THEN 'return' WHEN d.how = 2 THEN 'panic' WHEN d.how = 3 THEN 'goexit' END FROM (SELECT defer_id, MIN(CASE WHEN kind = 'deferproc' THEN goid END) AS goid, MIN(CASE WHEN kind = 'deferproc' THEN ts_ns END) AS registered_ns, MIN(CASE WHEN kind = 'deferreturn' THEN ts_ns END) AS ran_ns, MIN(CASE WHEN kind = 'deferreturn_end' THEN ts_ns END) AS end_ns, MIN(CASE WHEN kind = 'deferproc' THEN arg1 END) AS fn_id, MIN(CASE WHEN kind = 'deferreturn' THEN arg0 END) AS how FROM events WHERE defer_id IS NOT NULL AND kind IN ('deferproc', 'deferreturn', 'deferreturn_end') GROUP BY defer_id) d LEFT JOIN names n ON n.id = d.fn_id WHERE d.registered_ns IS NOT NULL OR d.ran_ns IS NOT NULL" ;;
      gc_cycles) cols='cycle, start_ns, mark_start_ns, mark_termination_ns, sweep_start_ns, sweep_done_ns, end_ns, stw_ns, heap_before, heap_after, maps_freed, assists, assist_ns'; w="(e.ts_ns, e.id) >= (s.start_ns, s.start_id) AND (e.ts_ns, e.id) < (s.next_ns, s.next_id)"; q="SELECT s.cycle, s.start_ns, (SELECT MIN(ts_ns) FROM events e WHERE e.kind = 'gc_mark_start' AND $w), (SELECT MIN(ts_ns) FROM events e WHERE e.kind = 'gc_mark_termination' AND $w), (SELECT MIN(ts_ns) FROM events e WHERE e.kind = 'gc_sweep_start' AND $w), (SELECT MIN(ts_ns) FROM events e WHERE e.kind = 'gc_sweep_done' AND $w), (SELECT MIN(ts_ns) FROM events e WHERE e.kind = 'gc_end' AND $w), (SELECT SUM(dur_ns) FROM events e WHERE e.kind = 'stw_end' AND $w), (SELECT arg0 FROM events e WHERE e.kind = 'gc_end' AND $w ORDER BY ts_ns, id LIMIT 1), (SELECT arg1 FROM events e WHERE e.kind = 'gc_end' AND $w ORDER BY ts_ns, id LIMIT 1), (SELECT COUNT(*) FROM events e WHERE e.kind = 'mapfree' AND e.arg0 = 1 AND $w), (SELECT COUNT(*) FROM events e WHERE e.kind = 'gc_assist' AND $w), (SELECT COALESCE(SUM(dur_ns), 0) FROM events e WHERE e.kind = 'gc_assist' AND $w) FROM (SELECT arg0 AS cycle, ts_ns AS start_ns, id AS start_id, COALESCE(LEAD(ts_ns) OVER (ORDER BY ts_ns, id), 9223372036854775807) AS next_ns, COALESCE(LEAD(id) OVER (ORDER BY ts_ns, id), 0) AS next_id FROM events WHERE kind = 'gc_start') s" ;;
      goroutines) cols='goid, tid, created_ns, ended_ns'; q="SELECT a.goid, a.tid, COALESCE(c.created_ns, a.first_ns), a.ended_ns FROM (SELECT goid, COALESCE(MIN(CASE WHEN kind = 'gostart' THEN tid END), MIN(tid)) AS tid, MIN(ts_ns) AS first_ns, MIN(CASE WHEN kind = 'goend' THEN ts_ns END) AS ended_ns FROM events WHERE goid IS NOT NULL GROUP BY goid) a LEFT JOIN (SELECT arg0 AS goid, MIN(ts_ns) AS created_ns FROM events WHERE kind = 'gocreate' GROUP BY arg0) c ON c.goid = a.goid" ;;
    esac
    n=$(sqlite3 "$1" "SELECT count(*) FROM $t")
    [ "$n" -gt 0 ] || fail "$t is empty"
    diff=$(sqlite3 "$1" "SELECT count(*) FROM (SELECT $cols FROM $t EXCEPT $q);
                         SELECT count(*) FROM ($q EXCEPT SELECT $cols FROM $t);
                         SELECT count(*) FROM ($q)")
    expect_eq "$(echo $diff)" "0 0 $n"
  done
}
"$GORT" record -o "$T/a.db" -- "$P" story:200 2>/dev/null
check "$T/a.db"
expect_eq "$(sqlite3 "$T/a.db" "SELECT count(*) FROM maps")" 600
# What story:200 does, per its description in tests/progs/trace_emit.c: 3 threads x 200
# rounds; round r's deferred call never runs when r % 5 = 4, else runs as 1 + r % 3.
want=$(awk 'BEGIN { for (r = 0; r < 200; r++) { if (r % 5 == 4) h = "never";
                      else h = (r % 3 == 0 ? "return" : r % 3 == 1 ? "panic" : "goexit"); n[h] += 3 }
                    printf "goexit|%d never|%d panic|%d return|%d ", n["goexit"], n["never"], n["panic"], n["return"] }')
expect_eq "$(sqlite3 "$T/a.db" "SELECT how, count(*) FROM defers GROUP BY how ORDER BY how" | tr '\n' ' ')" "$want"
expect_eq "$(sqlite3 "$T/a.db" "SELECT count(*) FROM gc_cycles")" 50
set +e
"$GORT" record -o "$T/b.db" -- "$P" story:100 kill 2>/dev/null
expect_eq $? 137
set -e
check "$T/b.db"
# The recorder keeps a bounded number of summary rows in memory and writes them out when it
# has that many, folding a row written before into the table (upserts): with a bound of 50
# rows, hundreds of writes, the tables are the same.
GORT_RECORD_DERIVE_ROWS=50 "$GORT" record -o "$T/c.db" -- "$P" story:200 2>/dev/null
check "$T/c.db"
expect_eq "$(sqlite3 "$T/c.db" "SELECT count(*) FROM maps")" 600
# Equal timestamps: every event stamped 0. GC events then belong to cycles by id alone.
GORT_RECORD_CLOCK=stopped "$GORT" record -o "$T/z.db" -- "$P" story:40 2>/dev/null
if [ "$(sqlite3 "$T/z.db" "SELECT value FROM meta WHERE key = 'clock'")" = stopped ]; then
  expect_eq "$(sqlite3 "$T/z.db" "SELECT count(DISTINCT ts_ns) FROM events")" 1
  check "$T/z.db"
  expect_eq "$(sqlite3 "$T/z.db" "SELECT count(*) FROM gc_cycles")" 10
else
  echo "no invariant TSC here: the stopped clock (equal timestamps) is not checked" >&2
fi
# A late gc_start. Two rings (docs/record-format.md, "The raw file"): the first pass has ring
# 0's gc_start of cycle 1 (at 100 ns) and ring 1's stw_end, mapfree (gc), gc_sweep_start and
# gc_assist stamped 300-330; the second pass brings ring 0's gc_start of cycle 2, stamped 250,
# and its gc_end. Ring 1's events come first by id but after cycle 2's start by time: they are
# cycle 2's, though they were folded into cycle 1 before its start arrived.
python3 - "$T/late.db.gort-raw" <<'PY'
import struct, sys
def chunk(typ, ring=0, tid=0, pos=0, payload=b""):
    return struct.pack("<IIIiQQ", 0x6b6e6863, typ, ring, tid, pos, len(payload) // 8) + payload
def rec(ts, kind, map_id=0, a0=0, a1=0, dur=0):  # no stack: the INFO word is the kind alone
    return struct.pack("<8Q", ts, kind, 0, 0, map_id, a0, a1, dur)
strings = b"late\0late\0\0\0\0\0\0\0"  # program, command, no temporary; padded to 8 bytes
session = struct.pack("<QIiiIq64sQ", 0x315741525452474f, 2, 0, 0, 2, 0, b"", len(strings)) + strings
ring0 = rec(100, 40, a0=1) + rec(110, 43)
ring1 = rec(300, 42, a0=1, dur=5) + rec(310, 10, map_id=7, a0=1) + rec(320, 45) + rec(330, 48, a0=2, dur=9)
late = rec(250, 40, a0=2) + rec(400, 47, a0=1000, a1=500)
watermark = lambda ns: chunk(4, payload=struct.pack("<Q", ns))
open(sys.argv[1], "wb").write(chunk(1, payload=session) + chunk(3, 0, 100, 0, ring0) +
    chunk(3, 1, 200, 0, ring1) + watermark(1000) + chunk(3, 0, 100, 16, late) + watermark(2000) +
    chunk(6, payload=struct.pack("<QiIQQ", 500, 0, 0, 0, 0)))
PY
"$GORT" record --recover "$T/late.db" 2>/dev/null
expect_eq "$(sqlite3 "$T/late.db" "SELECT group_concat(ts_ns, ' ') FROM (SELECT ts_ns FROM events ORDER BY id)")" \
  "100 110 300 310 320 330 250 400"
check "$T/late.db" gc_cycles
expect_eq "$(sqlite3 "$T/late.db" "SELECT cycle, mark_start_ns, sweep_start_ns, end_ns, stw_ns, maps_freed, assists FROM gc_cycles ORDER BY cycle" | tr '\n' ' ')" \
  "1|110||||0|0 2||320|400|5|1|1 "
# The indexes are there and the planner picks them for the viewer's kinds of query (the trace
# carries exact statistics, so no ANALYZE is needed to choose well).
plan() { sqlite3 "$T/a.db" "EXPLAIN QUERY PLAN $1" | tr '\n' ' '; }
expect_contains "$(plan "SELECT defer_id, map_id, min(ts_ns) FROM events WHERE defer_id IS NOT NULL
                        AND kind IN ('mapaccess', 'mapassign', 'mapdelete') GROUP BY defer_id, map_id")" "INDEX events_defer"
expect_contains "$(plan "SELECT count(*) FROM gaps")" "INDEX events_defer"
expect_contains "$(plan "SELECT count(*) FROM gaps WHERE op = 'mapdelete'")" "INDEX events_defer"
expect_contains "$(plan "SELECT * FROM stack_frames WHERE stack_id = 3")" "INDEX stack_entries_stack"
