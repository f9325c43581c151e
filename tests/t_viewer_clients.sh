#!/bin/sh
# gort export's files loaded into the real clients, and what they report checked against the
# trace database: the Chrome DevTools trace engine (npm @paulirish/trace_engine, under node) for
# the Trace Event Format, and speedscope (npm speedscope, its web app in headless Chromium) for
# both formats. Traces of real programs: samples/gc_defer (four collections, whose
# stop-the-world pause for mark termination starts inside the mark phase and ends after it,
# and a deferred delete that runs after them) and tests/progs/defer_goroutines (five goroutines,
# sixteen deferred calls, some nested). tests/deps.sh installs the clients (docs/dependencies.md).
set -e
. tests/lib.sh
N=tests/node
[ -d "$N/node_modules/@paulirish/trace_engine" ] && [ -d "$N/node_modules/speedscope" ] ||
  fail "the viewers' npm packages are not installed (make test runs tests/deps.sh test)"

"$GORT" record -o "$T/gc.db" -- "$BUILD/samples/gc_defer" >/dev/null 2>&1 || fail "record gc_defer"
"$GORT" record -o "$T/go.db" -- "$BUILD/tests/progs/defer_goroutines" >/dev/null 2>&1 || fail "record defer_goroutines"

# ---- Chrome trace-event export in the DevTools trace engine ----------------------------------
for t in gc go; do
  "$GORT" export "$T/$t.db" --format chrome -o "$T/$t.json"
  node "$N/trace_engine_summary.mjs" "$T/$t.json" > "$T/$t.engine.json" || fail "trace engine on $t.json"
done
python3 - "$T" <<'PY' || fail "DevTools trace engine: the chrome export"
import json, sqlite3, sys
T = sys.argv[1]
G = 1 << 22  # goroutine tracks: G + goid; stop-the-world: G

def load(name):
    db = sqlite3.connect(f"{T}/{name}.db")
    eng = json.load(open(f"{T}/{name}.engine.json"))
    meta = dict(db.execute("SELECT key, value FROM meta"))
    assert list(eng["processes"]) == [meta["pid"]], (eng["processes"].keys(), meta["pid"])
    proc = eng["processes"][meta["pid"]]
    assert proc["name"] == "gort: " + meta["command"], proc["name"]
    return db, eng, proc["threads"]

def us(ns):
    return round(ns / 1000, 3)

for name in ("gc", "go"):
    db, eng, threads = load(name)
    # Every thread and goroutine is named; nothing was left out of a thread's tree, so every
    # slice nests in its parent (DevTools drops one that overlaps its parent without nesting).
    for tid, th in threads.items():
        assert th["left_out"] == 0, (name, tid, th["name"], th["left_out"])
    for goid, in db.execute("SELECT DISTINCT goid FROM events WHERE goid IS NOT NULL"):
        assert threads[str(G + goid)]["name"] == f"goroutine {goid}", (name, goid)
    for tid, in db.execute("SELECT DISTINCT tid FROM events WHERE goid IS NULL"):
        assert threads[str(tid)]["name"].startswith(f"thread {tid}"), (name, tid, threads.get(str(tid)))
    # Each deferred call that ran: a slice on its goroutine's track, with a flow from the
    # zero-length slice of its registration (deferproc) to it. (A call still running when the
    # program ended, as a goroutine's deferred wg.Done() can be, is drawn to the trace's end.)
    ran = db.execute("SELECT d.defer_id, d.goid, d.registered_ns, coalesce((SELECT e.ts_ns - e.dur_ns "
                     "FROM events e WHERE e.defer_id = d.defer_id AND e.kind = 'deferreturn_end'), d.ran_ns), "
                     "d.fn FROM defers d WHERE d.registered_ns IS NOT NULL AND d.ran_ns IS NOT NULL").fetchall()
    assert ran, name
    flows = {(f[0]["tid"], f[0]["ts"], f[-1]["ts"], f[0]["name"], f[-1]["name"]) for f in eng["flows"]}
    for defer_id, goid, reg, start, fn in ran:
        track = threads[str(G + goid)]["slices"]
        assert any(s["name"] == f"defer {fn}" and s["ts"] == us(start) for s in track), (name, defer_id)
        assert (G + goid, us(reg), us(start), f"deferproc {fn}", f"defer {fn}") in flows, (name, defer_id, flows)
    assert len(eng["flows"]) == len(ran), (len(eng["flows"]), len(ran))
    # A deferred call inside another one is its child.
    for th in threads.values():
        for s in th["slices"]:
            if s["name"].startswith("defer ") and s["depth"] > 0:
                assert s["parent"].startswith("defer "), s

# gc_defer: each cycle a root slice "GC N" with its mark and sweep nested in it, the pauses on
# their own track; and the pause that made the old export nest falsely is there.
db, eng, threads = load("gc")
gc_tid = db.execute("SELECT DISTINCT tid FROM events WHERE kind = 'gc_start'").fetchone()[0]
gc = threads[str(gc_tid)]
cycles = db.execute("SELECT cycle, start_ns, end_ns, mark_start_ns, mark_termination_ns, sweep_start_ns, "
                    "sweep_done_ns FROM gc_cycles ORDER BY cycle").fetchall()
assert len(cycles) == 4, cycles
roots = [s for s in gc["slices"] if s["depth"] == 0 and s["name"].startswith("GC ")]
assert [(s["name"], s["ts"], round(s["dur"], 3)) for s in roots] == \
       [(f"GC {c}", us(a), us(b - a)) for c, a, b, *_ in cycles], roots
for c, _, _, ms, mt, ss, sd in cycles:
    kids = [(s["name"], s["ts"], round(s["dur"], 3)) for s in gc["slices"] if s["parent"] == f"GC {c}" and s["ph"] == "X"]
    assert kids == [("mark", us(ms), us(mt - ms)), ("sweep", us(ss), us(sd - ss))], (c, kids)
stw = threads[str(G)]
assert stw["name"] == "stop-the-world"
pauses = db.execute("SELECT ts_ns - dur_ns, dur_ns, arg0 FROM events WHERE kind = 'stw_end' ORDER BY ts_ns").fetchall()
assert [(s["ts"], round(s["dur"], 3), s["depth"]) for s in stw["slices"]] == [(us(a), us(d), 0) for a, d, _ in pauses]
assert [s["name"] for s in stw["slices"]] == ["stop-the-world (%s termination)" % ("sweep" if r == 1 else "mark")
                                              for *_, r in pauses]
marks = [(ms, mt) for _, _, _, ms, mt, _, _ in cycles]
assert any(ms < a < mt < a + d for a, d, r in pauses if r == 0 for ms, mt in marks), \
    "no mark-termination pause straddles the end of a mark phase in this trace"
PY

# The other data of the chrome export, read as JSON: counters, map lives, the real pid.
python3 - "$T" <<'PY' || fail "chrome export: counters and map lives"
import json, sqlite3, sys
T = sys.argv[1]
db = sqlite3.connect(f"{T}/gc.db")
ev = json.load(open(f"{T}/gc.json"))["traceEvents"]
pid = int(db.execute("SELECT value FROM meta WHERE key = 'pid'").fetchone()[0])
assert {e["pid"] for e in ev} == {pid}
heap = [(e["ts"], e["args"]["bytes"]) for e in ev if e["ph"] == "C" and e["name"] == "heap live"]
want = []
for s, e, before, after in db.execute("SELECT start_ns, end_ns, heap_before, heap_after FROM gc_cycles ORDER BY cycle"):
    want += [(round(s / 1000, 3), before), (round(e / 1000, 3), after)]
assert sorted(heap) == sorted(want), (heap, want)
(map_id, peak_len, peak_b, created, died), = db.execute("SELECT map_id, peak_len, peak_B, created_ns, died_ns FROM maps")
series = [(e["ts"], e["args"]["len"], e["args"]["B"]) for e in ev if e["ph"] == "C" and e["name"] == f"map {map_id}"]
assert max(l for _, l, _ in series) == peak_len and max(b for *_, b in series) == peak_b, series
assert series[0][1] == 0 and series[0][0] == round(created / 1000, 3), series
life = {e["ph"]: e["ts"] for e in ev if e["ph"] in "be" and e.get("cat") == "map" and e["id"] == map_id}
assert life == {"b": round(created / 1000, 3), "e": round(died / 1000, 3)}, life
PY

# ---- both exports in speedscope (Chromium) -----------------------------------------------------
"$GORT" export "$T/go.db" --format speedscope -o "$T/go.speedscope.json"
mkdir "$T/ss" "$T/sc"
node "$N/speedscope_load.mjs" "$T/go.speedscope.json" "$T/ss" > "$T/ss.json" || fail "speedscope on the speedscope export"
node "$N/speedscope_load.mjs" "$T/gc.json" "$T/sc" > "$T/sc.json" || fail "speedscope on the chrome export"
python3 - "$T" <<'PY' || fail "speedscope"
import bisect, json, sqlite3, sys
T = sys.argv[1]
db = sqlite3.connect(f"{T}/go.db")
res = json.load(open(f"{T}/ss.json"))
assert res["importer"] == "Importing as speedscope json file" and not res["errors"], res
got = json.load(open(f"{T}/ss/exported.json"))   # speedscope's own model of the file
frames = got["shared"]["frames"]
goids = [g for g, in db.execute("SELECT DISTINCT goid FROM events WHERE goid IS NOT NULL AND stack_id IS NOT NULL "
                                "AND kind IN ('makemap','mapaccess','mapassign','mapdelete','deferproc','deferreturn',"
                                "'deferreturn_end','mapfree','mapclear','mapiterinit','hashgrow','evacuate','growdone',"
                                "'map_use_after_free') ORDER BY goid")]
assert len(goids) >= 4, goids  # the program's four goroutines with deferred calls
names = [p["name"] for p in got["profiles"]]
assert names == ["all goroutines"] + [f"goroutine {g}" for g in goids], names
assert f"(1/{len(names)})" in res["toolbar"], res["toolbar"]
# Frames carry their source file and line.
prog = [f for f in frames if f.get("file", "").endswith("tests/progs/defer_goroutines.c")]
assert prog and all(f.get("line", 0) > 0 for f in prog), frames
# Each goroutine's profile is in nanoseconds of real time: replaying its open/close events, the
# stack open just after each event's time is that event's stack (symbols, outermost first).
stack_of = {}
for sid, sym, pc in db.execute("SELECT se.stack_id, f.symbol, f.pc FROM stack_entries se JOIN frames f "
                               "ON f.id = se.frame_id ORDER BY se.stack_id, se.depth DESC"):
    stack_of.setdefault(sid, []).append(sym if sym is not None else "0x%x" % pc)
for p in got["profiles"][1:]:
    goid = int(p["name"].split()[1])
    assert p["type"] == "evented" and p["unit"] == "nanoseconds", p["unit"]
    rows = db.execute("SELECT ts_ns, stack_id FROM events WHERE goid = ? AND stack_id IS NOT NULL AND kind IN "
                      "('makemap','mapaccess','mapassign','mapdelete','deferproc','deferreturn','deferreturn_end',"
                      "'mapfree','mapclear','mapiterinit','hashgrow','evacuate','growdone','map_use_after_free') "
                      "ORDER BY ts_ns, id", (goid,)).fetchall()
    t0 = rows[0][0]
    assert p["endValue"] - p["startValue"] == rows[-1][0] - t0, (p["startValue"], p["endValue"], rows[-1][0] - t0)
    stack, at_time, i = [], {}, 0
    for e in p["events"]:
        if e["type"] == "O":
            stack.append(e["frame"])
        else:
            assert stack.pop() == e["frame"], "speedscope closed a frame that was not on top"
        at_time[e["at"]] = [frames[f]["name"] for f in stack]
    times = sorted(at_time)
    checked = 0
    for k, (ts, sid) in enumerate(rows):
        if k + 1 == len(rows) or rows[k + 1][0] == ts:
            continue  # the last event's stack closes at its own time; of two events at one
                      # instant only the second one's stack is left open
        open_now = at_time[times[bisect.bisect_right(times, ts - t0) - 1]]
        assert open_now == stack_of[sid], (goid, ts, open_now, stack_of[sid])
        checked += 1
    assert checked >= 2, (goid, checked, len(rows))
# The sandwich view lists the program's functions.
for f in prog:
    assert f["name"] in res["sandwich"], f["name"]

# The chrome export in speedscope: one profile per track, named by the process and thread names.
sc = json.load(open(f"{T}/sc.json"))
assert sc["importer"] == "Importing as Trace Event Format profile" and not sc["errors"], sc
tracks = [p["name"] for p in json.load(open(f"{T}/sc/exported.json"))["profiles"]]
assert any(n.endswith("goroutine 1 (tid %d)" % ((1 << 22) + 1)) for n in tracks), tracks
assert any("stop-the-world" in n for n in tracks) and any(": GC (tid" in n for n in tracks), tracks
PY
