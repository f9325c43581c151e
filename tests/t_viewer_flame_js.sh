#!/bin/sh
# The flame SVG's script really zooms, resets, searches and shows details: it runs under node
# against a stand-in DOM (tests/data/viewer/flame_js.js) on the SVG of
# tests/data/viewer/scenarios.sql. Expected positions worked out by hand: zooming on
# gort_deferreturn (x 305, 413 px wide of 1180) scales its subtree by 1180/413.
set -e
. tests/lib.sh
. tests/data/viewer/lib.sh
command -v node > /dev/null || fail "node is needed to run the SVG's script (tests/deps.sh installs nodejs)"
db=$(mktrace scenarios)
js() { # SVG ACTION...: prints what flame_js.js reports
  svg=$1; shift
  python3 tests/data/viewer/flame_js.py "$svg" > "$T/frames.json" || fail "flame_js.py"
  node tests/data/viewer/flame_js.js "$T/frames.json" "$@" || fail "node"
}
"$GORT" flame "$db" -o "$T/f.svg"
expect_eq "$(js "$T/f.svg" hover gort_makemap)" "Function: gort_makemap (3 events, 15.00%)"
# Zoom: the frame fills the width, its subtree scales (541 -> 10 + 236 * 1180 / 413 = 684.3,
# 177 -> 505.7), its ancestors stay full width and faded, everything else hides.
expect_eq "$(js "$T/f.svg" zoom gort_deferreturn)" "all 10.0 1180.0 0.5
función_ñ 684.3 505.7 1
gort_deferreturn 10.0 1180.0 1
gort_map_delete 684.3 505.7 1
hostile <a&b> \"q\" 'x' 684.3 505.7 1
main.main 10.0 1180.0 0.5
main.work 10.0 1180.0 0.5"
# Reset Zoom puts every frame back.
js "$T/f.svg" zoom gort_deferreturn unzoom | tail -n 11 > "$T/after"
js "$T/f.svg" unzoom > "$T/before"
expect_eq "$(cat "$T/after")" "$(cat "$T/before")"
expect_eq "$(grep -c ' 1$' "$T/before")" 11
# Search: gort_map_assign (5) and gort_map_delete (3) of 20 events; gort_map_grow is inside
# gort_map_assign and counts once: 40.0%.
expect_eq "$(js "$T/f.svg" search '^gort_map')" "Matched: 40.0% gort_map_assign,gort_map_delete,gort_map_grow"
expect_eq "$(js "$T/f.svg" search 'no such frame')" "Matched: 0.0% "
# A search given on the command line runs when the SVG opens.
"$GORT" flame "$db" -o "$T/s.svg" --search 'main\.work'
expect_eq "$(js "$T/s.svg" init)" "Matched: 100.0%"
# Inverted (icicle): ancestors are above; zoom on gort_map_assign (x 895, 295 px): its child
# gort_map_grow moves to 10 + 177 * 4 = 718 and widens to 118 * 4 = 472.
"$GORT" flame "$db" -o "$T/i.svg" --inverted
expect_eq "$(js "$T/i.svg" zoom gort_map_assign)" "all 10.0 1180.0 0.5
gort_map_assign 10.0 1180.0 1
gort_map_grow 718.0 472.0 1
main.main 10.0 1180.0 0.5
main.work 10.0 1180.0 0.5"
