#!/bin/sh
# gort timeline A.db B.db ...: several real traces stacked on one time axis. Each panel is
# labelled with its trace's producer and path, spans the same length of time, and counts its
# time from its own trace's first event; a trace that ends earlier is blanked after its end.
# Which trace is longest is read from the traces themselves: real programs' spans depend on
# the machine's load (trace_maps 300 usually outlasts cmp_grow 9, but not always), so the test
# assumes no order; the third trace is the second one cut at half its span, so at least one
# panel is always blanked.
# The picture renders as PNG and as well-formed SVG; --map with several traces, a missing
# trace and an output that is one of the traces are refused with one line and exit 2.
set -e
. tests/lib.sh
. tests/data/viewer/lib.sh
"$GORT" record -o "$T/long.db" -- "$BUILD/tests/progs/trace_maps" 300 gc >/dev/null 2>&1 || fail "record long"
"$GORT" record -o "$T/short.db" -- "$BUILD/tests/progs/cmp_grow" 9 >/dev/null 2>&1 || fail "record short"
# A trace that says it came from real Go (the title shows meta.producer), and ends at half
# of short.db's span: strictly shorter than the longest trace, whichever that is.
cp "$T/short.db" "$T/go.db"
sqlite3 "$T/go.db" "INSERT OR REPLACE INTO meta VALUES ('producer', 'go1.19.8');
  DELETE FROM event_rows WHERE ts_ns > (SELECT (min(ts_ns) + max(ts_ns)) / 2 FROM event_rows)"
before=$(digest "$T/long.db")

"$GORT" timeline "$T/long.db" "$T/short.db" "$T/go.db" --script "$T/s.gp" -o "$T/x.png"
expect_eq "$(grep -c '^set multiplot$' "$T/s.gp")" 1
expect_eq "$(grep -c '^unset multiplot$' "$T/s.gp")" 1
expect_eq "$(grep '^set title' "$T/s.gp" | paste -sd'|' -)" \
  "set title 'libgort: $T/long.db'|set title 'libgort: $T/short.db'|set title 'go1.19.8: $T/go.db'"
# Every panel spans the same time (the longest trace's), starting at its own first event,
# where its tics count from 0; the legend is drawn once; exactly the panels of the traces
# shorter than the longest are blanked ('trace ended') from their own last event on.
python3 - "$T/s.gp" "$T/long.db" "$T/short.db" "$T/go.db" <<'PY' || fail "panels not aligned, or not blanked where their traces end: $(grep -E '^set (xrange|xtics)' "$T/s.gp" | cut -c1-160)"
import re, sqlite3, sys
gp = open(sys.argv[1]).read()
ranges = [tuple(map(float, m)) for m in re.findall(r"^set xrange \[([-\d.e+]+):([-\d.e+]+)\]$", gp, re.M)]
tics = re.findall(r'^set xtics \("0" ([-\d.e+]+),', gp, re.M)
assert len(ranges) == 3 and len(tics) == 3, (ranges, tics)
unit = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[re.search(r"first event of each trace \((\w+)\)", gp).group(1)]
spans = []
for (lo, hi), t0, path in zip(ranges, tics, sys.argv[2:]):
    first, last = sqlite3.connect(path).execute("SELECT min(ts_ns), max(ts_ns) FROM events").fetchone()
    assert abs(lo - first / unit) <= 1e-6 * max(1, abs(lo)), (lo, first)
    assert abs(float(t0) - first / unit) <= 1e-6 * max(1, abs(lo)), (t0, first)
    spans.append((hi - lo, (last - first) / unit))
width = spans[0][0]
assert all(abs(w - width) <= 1e-6 * width for w, _ in spans), spans
assert abs(width - max(s for _, s in spans)) <= 1e-6 * width, spans
# The panels, in order: each one's text runs from its title to the next title.
panels = re.split(r"^(?=set title )", gp, flags=re.M)[1:]
assert len(panels) == 3, len(panels)
longest = 0
bounds = []
for path in sys.argv[2:]:
    first, last = sqlite3.connect(path).execute("SELECT min(ts_ns), max(ts_ns) FROM events").fetchone()
    bounds.append((first, last))
    longest = max(longest, last - first)
blanked = 0
for text, (first, last), path in zip(panels, bounds, sys.argv[2:]):
    ended = re.findall(r"^set label 100000 'trace ended' at first ([-\d.e+]+),", text, re.M)
    if last - first < longest:
        assert len(ended) == 1, (path, "not blanked", last - first, longest)
        assert abs(float(ended[0]) - last / unit) <= 1e-6 * max(1, last / unit), (path, ended, last)
        blanked += 1
    else:
        assert not ended, (path, "blanked but the longest", last - first, longest)
assert blanked >= 1, "go.db was cut shorter than short.db: some panel must be blanked"
PY
expect_eq "$(grep -c '^unset key$' "$T/s.gp")" 2

# Drawn: PNG and SVG.
"$GORT" timeline "$T/long.db" "$T/short.db" -o "$T/t.png"
[ "$(head -c 4 "$T/t.png" | tail -c 3)" = PNG ] || fail "not a PNG"
"$GORT" timeline "$T/long.db" "$T/go.db" -o "$T/t.svg" --size 1200x900
xmllint --noout "$T/t.svg" || fail "SVG is not well-formed"
grep -q "go1.19.8: $T/go.db" "$T/t.svg" || fail "SVG lacks the Go panel's title"

# --from and --to count from each trace's first event.
"$GORT" timeline "$T/long.db" "$T/short.db" --from 0 --to 100us --script "$T/w.gp" -o "$T/x.png"
grep -q '^set xtics ("0" [^,]*, .*"100"' "$T/w.gp" || fail "window tics: $(grep '^set xtics' "$T/w.gp" | head -1)"

# Refused: --map with several traces, a missing trace, an output that is one of the traces.
for args in "$T/long.db $T/short.db --map 1" "$T/long.db $T/missing.db" \
            "$T/long.db $T/short.db -o $T/short.db" "$T/long.db $T/short.db --from 5ms --to 1ms"; do
  # shellcheck disable=SC2086
  expect_status 2 "$GORT" timeline $args
  [ "$(wc -l <"$T/err" | tr -d ' ')" = 1 ] || fail "[timeline $args]: not one line: $(cat "$T/err")"
  expect_contains "$(cat "$T/err")" "gort timeline: "
done
expect_eq "$(digest "$T/long.db")" "$before"
[ -s "$T/short.db" ] && sqlite3 "$T/short.db" "SELECT count(*) FROM events" >/dev/null || fail "short.db damaged"
