#!/bin/sh
# gort export: Chrome trace-event JSON and speedscope JSON of tests/data/viewer/scenarios.sql,
# parsed with python3 and checked against the rows written there (what real viewers make of the
# exports of recorded programs is tests/t_viewer_clients.sh).
set -e
. tests/lib.sh
. tests/data/viewer/lib.sh
db=$(mktrace scenarios)
before=$(digest "$db")

expect_status 0 "$GORT" export "$db" --format chrome -o "$T/c.json"
python3 - "$T/c.json" <<'PY' || fail "chrome export"
import json, sys
d = json.load(open(sys.argv[1]))
ev = d["traceEvents"]
G = 1 << 22  # goroutine N's track is G + N; the stop-the-world track is G
def named(n, ph=None):
    return [e for e in ev if e["name"] == n and (ph is None or e["ph"] == ph)]
# One process: the trace has no meta.pid, so pid 1, named by the command.
assert {e["pid"] for e in ev} == {1}
assert named("process_name")[0]["args"]["name"] == "gort: ./scenarios --demo"
# GC: the cycle on the collector's thread (100) with mark and sweep nested in it, times in us.
assert [(e["ts"], e["dur"], e["tid"]) for e in named("GC 1", "X")] == [(2.0, 1.5, 100)], named("GC 1")
assert named("GC 1")[0]["args"] == {"cycle": 1, "trigger": "forced", "heap_before": 4096, "heap_after": 1024, "maps_freed": 1}
assert [(e["ts"], e["dur"], e["tid"]) for e in named("mark", "X")] == [(2.1, 0.8, 100)]
assert [(e["ts"], e["dur"], e["tid"]) for e in named("sweep", "X")] == [(3.1, 0.3, 100)]
# The pauses on their own track.
stw = sorted((e["ts"], e["dur"], e["tid"], e["name"]) for e in ev if e["name"].startswith("stop-the-world ("))
assert stw == [(2.05, 0.05, G, "stop-the-world (sweep termination)"),
               (2.95, 0.1, G, "stop-the-world (mark termination)")], stw
# Deferred calls as slices on their goroutine's track: 4 ran, 200 ns each; defer 2 on goroutine 2.
defers = sorted((e["ts"], e["dur"], e["tid"]) for e in named("defer delete", "X"))
assert defers == [(4.0, 0.2, G + 1), (6.0, 0.2, G + 2), (7.0, 0.2, G + 1), (8.0, 0.2, G + 1)], defers
# Each registration a zero-length slice, and a flow from it to the call it registered.
regs = sorted((e["ts"], e["dur"], e["name"], e["args"]["defer_id"]) for e in ev if e["name"].startswith("deferproc "))
assert regs == [(0.9, 0, "deferproc delete", 1), (1.0, 0, "deferproc delete", 2), (1.1, 0, "deferproc delete", 3),
                (1.2, 0, "deferproc delete", 4), (1.3, 0, "deferproc main.cleanup", 5)], regs
starts = {e["id"]: (e["ts"], e["tid"]) for e in ev if e["ph"] == "s"}
ends = {e["id"]: (e["ts"], e["tid"], e["bp"]) for e in ev if e["ph"] == "f"}
assert starts == {1: (0.9, G + 1), 2: (1.0, G + 2), 3: (1.1, G + 1), 4: (1.2, G + 1), 5: (1.3, G + 1)}, starts
assert ends == {1: (4.0, G + 1, "e"), 2: (6.0, G + 2, "e"), 3: (7.0, G + 1, "e"), 4: (8.0, G + 1, "e")}, ends
assert all(e["cat"] == "defer" and e["name"] == "defer" for e in ev if e["ph"] in "sf")
# Map operations as instants on their goroutine's track; a GC-time mapfree on the thread.
assigns = named("mapassign", "I")
assert [(e["ts"], e["args"]["map_id"], e["tid"]) for e in assigns] == [(0.4, 1, G + 1), (0.5, 1, G + 1), (0.6, 2, G + 1)]
uaf = named("map_use_after_free", "I")
assert len(uaf) == 1 and uaf[0]["tid"] == G + 2 and uaf[0]["args"]["defer_id"] == 2
assert [(e["ts"], e["tid"]) for e in named("mapfree", "I")] == [(3.0, 100), (5.0, G + 1)]
nil = named("mapdelete", "I")[-1]
assert nil["ts"] == 8.1 and nil["args"]["map_id"] == 0, nil  # the nil map is map 0
# Counters: heap live before and after the cycle; each map's len and B as they change.
heap = [(e["ts"], e["args"]["bytes"]) for e in ev if e["ph"] == "C" and e["name"] == "heap live"]
assert sorted(heap) == [(2.0, 4096), (3.5, 1024)], heap
def series(m):
    return [(e["ts"], e["args"]["len"], e["args"]["B"]) for e in ev if e["ph"] == "C" and e["name"] == f"map {m}"]
assert series(1) == [(0.1, 0, 0), (0.4, 1, 0), (0.5, 2, 0), (0.7, 2, 1), (4.1, 1, 1)], series(1)
assert series(2) == [(0.2, 0, 0), (0.6, 1, 0)], series(2)
assert series(3) == [(0.3, 0, 0)], series(3)
# Each map's life as an async slice: begin at creation, end at death (map 3: unfinished, at the
# trace's last event).
lives = {}
for e in ev:
    if e.get("cat") == "map" and e["ph"] in "be":
        lives.setdefault(e["id"], {})[e["ph"]] = e["ts"]
assert lives == {1: {"b": 0.1, "e": 5.0}, 2: {"b": 0.2, "e": 3.0}, 3: {"b": 0.3, "e": 9.9}}, lives
assert [e["args"] for e in ev if e["ph"] == "e" and e["id"] == 3] == [{"death": "alive at end", "unfinished": 1}]
# The lost table's run: 5 events on thread 101 from 9.7 to 9.8 us.
lost = [(e["ts"], e["dur"], e["tid"]) for e in ev if e.get("cat") == "lost"]
assert lost == [(9.7, 0.1, 101)] and named("lost 5 events"), lost
# Every track named.
names = {e["tid"]: e["args"]["name"] for e in ev if e["name"] == "thread_name"}
assert names == {G + 1: "goroutine 1", G + 2: "goroutine 2", 100: "thread 100: goroutine 1, GC",
                 101: "thread 101: goroutine 2", G: "stop-the-world"}, names
# cpu samples are not in it (they are speedscope's).
assert not [e for e in ev if e["name"] == "cpu_sample"]
PY

# The one rule for what the trace leaves unfinished: a deferred call, a GC cycle and a pause still
# running at the end are drawn to the trace's last event, marked unfinished.
cp "$db" "$T/u.db"
sqlite3 "$T/u.db" "INSERT INTO events (id, ts_ns, tid, goid, kind, defer_id, arg0) VALUES
  (42, 9910, 100, 1, 'deferreturn', 5, 1); INSERT INTO events (id, ts_ns, tid, kind, arg0, arg1) VALUES
  (43, 9920, 100, 'gc_start', 2, 1), (44, 9930, 100, 'stw_start', 1, 0), (45, 9940, 100, 'gc_mark_start', 0, 0),
  (46, 9990, 101, 'goend', 0, 0);"
expect_status 0 "$GORT" export "$T/u.db" --format chrome -o "$T/u.json"
python3 - "$T/u.json" <<'PY' || fail "chrome export of unfinished things"
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
G = 1 << 22
got = sorted((e["name"], e["ts"], e["dur"], e["tid"], e["args"].get("unfinished")) for e in ev
             if e["ph"] == "X" and e.get("args", {}).get("unfinished"))
assert got == [("GC 2", 9.92, 0.07, 100, 1), ("defer main.cleanup", 9.91, 0.08, G + 1, 1),
               ("mark", 9.94, 0.05, 100, 1), ("stop-the-world", 9.93, 0.06, G, 1)], got
assert [e["ts"] for e in ev if e["ph"] == "f" and e["id"] == 5] == [9.91]
PY

# speedscope: the stacks of gort flame, frames shared by name, weights summing to 20.
expect_status 0 "$GORT" export "$db" --format speedscope -o "$T/s.json"
python3 - "$T/s.json" <<'PY' || fail "speedscope export"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["$schema"] == "https://www.speedscope.app/file-format-schema.json"
frames = [f["name"] for f in d["shared"]["frames"]]
assert len(frames) == len(set(frames)) == 10, frames
p = d["profiles"][0]
assert p["type"] == "sampled" and p["endValue"] == 20 and sum(p["weights"]) == 20
stacks = sorted((";".join(frames[i] for i in s), w) for s, w in zip(p["samples"], p["weights"]))
assert ("main.main;main.work;gort_deferreturn;función_ñ;hostile <a&b> \"q\" 'x';gort_map_delete", 3) in stacks, stacks
assert ("main.main;main.work;gort_defer_push", 5) in stacks
# An evented profile per goroutine in ns: goroutine 2's four events, frames opened and closed as
# its stacks change (innermost first), the last stack closed at the last event.
assert [q["name"] for q in d["profiles"]] == ["all goroutines", "goroutine 1", "goroutine 2"]
g2 = d["profiles"][2]
assert (g2["type"], g2["unit"], g2["startValue"], g2["endValue"]) == ("evented", "nanoseconds", 1000, 6200), g2
seq = [(e["type"], frames[e["frame"]], e["at"]) for e in g2["events"]]
assert seq == [("O", "main.main", 1000), ("O", "main.work", 1000), ("O", "gort_defer_push", 1000),
               ("C", "gort_defer_push", 6000), ("O", "gort_deferreturn", 6000),
               ("O", "función_ñ", 6100), ("O", "hostile <a&b> \"q\" 'x'", 6100), ("O", "gort_map_delete", 6100),
               ("C", "gort_map_delete", 6200), ("C", "hostile <a&b> \"q\" 'x'", 6200), ("C", "función_ñ", 6200),
               ("C", "gort_deferreturn", 6200), ("C", "main.work", 6200), ("C", "main.main", 6200)], seq
PY
expect_status 0 "$GORT" export "$db" --format speedscope --kind cpu_sample --weight count
python3 -c 'import json,sys; p=json.load(sys.stdin)["profiles"][0]; assert p["weights"]==[2,1], p' < "$T/out" || fail "cpu profile"
expect_eq "$(digest "$db")" "$before"
"$GORT" export --help | grep -q "Perfetto" || fail "export --help"
