"""Checks a gort flame SVG against an independent layout of its folded input.

usage: flame_check.py FOLDED SVG WIDTH [inverted]

The reference: flamegraph.pl's rules written out plainly. Lines are sorted as bytes (the
order `LC_ALL=C sort` gives), equal stacks merged, and every frame is the run of neighbouring
lines sharing the path from the root to it; its x is XPAD + start * (WIDTH - 2 * XPAD) / total
and its width weight * (WIDTH - 2 * XPAD) / total. Frames are compared in (depth, x) order:
depth (from the rect's y), name and count exactly, x and width within 0.001 px. Also checks that the SVG is XML with
the interactive parts (script with zoom, unzoom, search; details, matched, controls).
"""
import re
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"
XPAD, FRAME = 10, 16


def reference(folded, width):
    lines = {}
    for raw in open(folded, "rb").read().split(b"\n"):
        if not raw.strip():
            continue
        stack, count = raw.rsplit(b" ", 1)
        lines[stack] = lines.get(stack, 0) + int(count)
    order = sorted(lines)
    total = sum(lines.values())
    frames, open_, t = [], [], 0
    for stack in order:
        names = [b"all"] + stack.split(b";")
        same = 0
        while same < len(open_) and same < len(names) and open_[same][0] == names[same]:
            same += 1
        while len(open_) > same:
            name, start = open_.pop()
            frames.append((len(open_), name, start, t))
        for n in names[same:]:
            open_.append((n, t))
        t += lines[stack]
    while open_:
        name, start = open_.pop()
        frames.append((len(open_), name, start, t))
    scale = (width - 2 * XPAD) / total
    return total, sorted((d, XPAD + s * scale, n.decode("utf-8", "replace"), (e - s) * scale, e - s)
                         for d, n, s, e in frames)


def drawn(svg, inverted):
    root = ET.parse(svg).getroot()
    height = float(root.get("height"))
    script = root.find(NS + "script").text
    for fn in ("function zoom(", "function unzoom(", "function search(", "Matched: "):
        assert fn in script, "script lacks " + fn
    ids = {e.get("id") for e in root.iter() if e.get("id")}
    for need in ("frames", "details", "matched", "unzoom", "search", "resetsearch", "title"):
        assert need in ids, "no #" + need
    frames = []
    ys = []
    for g in root.find(NS + "g[@id='frames']"):
        title = g.find(NS + "title").text
        rect = g.find(NS + "rect")
        m = re.match(r"^(.*) \(([\d,]+) \w+, [\d.]+%(; [+-]?[\d.]+%)?\)$", title, re.S)
        assert m, "bad title " + title
        ys.append(float(rect.get("y")))
        frames.append([float(rect.get("y")), float(rect.get("x")), m.group(1),
                       float(rect.get("width")), int(m.group(2).replace(",", ""))])
    base = min(ys) if inverted else max(ys)
    for f in frames:
        f[0] = int(round(abs(f[0] - base) / FRAME))
    return sorted(tuple(f) for f in frames)


def main():
    folded, svg, width = sys.argv[1], sys.argv[2], int(sys.argv[3])
    inverted = len(sys.argv) > 4
    total, want = reference(folded, width)
    got = drawn(svg, inverted)
    same = len(want) == len(got) and all(
        w[0] == g[0] and w[2] == g[2] and w[4] == g[4] and abs(w[1] - g[1]) < 0.001
        and abs(w[3] - g[3]) < 0.001 for w, g in zip(want, got))
    if not same:
        print("frames differ\nwant:", *want, "\ngot:", *got, sep="\n  ")
        sys.exit(1)
    print(len(got), "frames match, total", total)


main()
