#!/bin/sh
# gort export: Chrome trace-event JSON and speedscope JSON of tests/data/viewer/scenarios.sql,
# parsed with python3 and checked against the rows written there.
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
def named(n, ph=None):
    return [e for e in ev if e["name"] == n and (ph is None or e["ph"] == ph)]
# GC phases as complete slices on thread 100, times in microseconds.
assert [(e["ts"], e["dur"]) for e in named("GC", "X")] == [(2.0, 1.5)], named("GC")
assert [(e["ts"], e["dur"]) for e in named("GC mark", "X")] == [(2.1, 0.8)]
assert [(e["ts"], e["dur"]) for e in named("GC sweep", "X")] == [(3.1, 0.3)]
stw = sorted((e["ts"], e["dur"]) for e in ev if e["name"].startswith("stop-the-world"))
assert stw == [(2.05, 0.05), (2.95, 0.1)], stw
assert all(e["tid"] == 100 for e in ev if e.get("cat") == "gc")
# Deferred calls as slices on their threads: 4 ran, 200 ns each; defer 2 on thread 101.
defers = sorted((e["ts"], e["dur"], e["tid"]) for e in named("defer delete", "X"))
assert defers == [(4.0, 0.2, 100), (6.0, 0.2, 101), (7.0, 0.2, 100), (8.0, 0.2, 100)], defers
# Map operations as thread-scoped instants with their map.
assigns = named("mapassign", "i")
assert [(e["ts"], e["args"]["map_id"], e["s"]) for e in assigns] == [(0.4, 1, "t"), (0.5, 1, "t"), (0.6, 2, "t")]
uaf = named("map_use_after_free", "i")
assert len(uaf) == 1 and uaf[0]["tid"] == 101 and uaf[0]["args"]["defer_id"] == 2
# Each map's life as an async slice: begin at creation, end at death (map 3: trace end).
lives = {}
for e in ev:
    if e.get("cat") == "map" and e["ph"] in "be":
        lives.setdefault(e["id"], {})[e["ph"]] = e["ts"]
assert lives == {1: {"b": 0.1, "e": 5.0}, 2: {"b": 0.2, "e": 3.0}, 3: {"b": 0.3, "e": 9.9}}, lives
# The lost table's run: 5 events on thread 101 from 9.7 to 9.8 us.
lost = [(e["ts"], e["dur"], e["tid"]) for e in ev if e.get("cat") == "lost"]
assert lost == [(9.7, 0.1, 101)] and named("lost 5 events"), lost
# Thread names.
names = {e["tid"]: e["args"]["name"] for e in ev if e["name"] == "thread_name"}
assert names == {100: "goroutine 1", 101: "goroutine 2"}, names
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
PY
expect_status 0 "$GORT" export "$db" --format speedscope --kind cpu_sample --weight count
python3 -c 'import json,sys; p=json.load(sys.stdin)["profiles"][0]; assert p["weights"]==[2,1], p' < "$T/out" || fail "cpu profile"
expect_eq "$(digest "$db")" "$before"
"$GORT" export --help | grep -q "Perfetto" || fail "export --help"
