#!/bin/sh
# gort flame: folded stacks of known traces (expected text worked out by hand from
# tests/data/viewer/scenarios.sql), and SVGs checked frame by frame against an independent
# layout (tests/data/viewer/flame_check.py), well-formed XML (xmllint) whatever the names.
set -e
. tests/lib.sh
. tests/data/viewer/lib.sh
db=$(mktrace scenarios)
check() { python3 tests/data/viewer/flame_check.py "$@" > "$T/check" || fail "$(cat "$T/check")"; }

# Default: every map and defer event, by count. Stack 4 (deferproc x5), stack 5 (2 deferreturn
# + 2 deferreturn_end), stack 6 (2 mapdelete + map_use_after_free), stack 1 (makemap x3),
# stack 2 (mapassign x3), stack 3 (hashgrow + evacuate).
expect_status 0 "$GORT" flame "$db" --folded
cat > "$T/want" <<'TXT'
main.main;main.work;gort_defer_push 5
main.main;main.work;gort_deferreturn 4
main.main;main.work;gort_deferreturn;función_ñ;hostile <a&b> "q" 'x';gort_map_delete 3
main.main;main.work;gort_makemap 3
main.main;main.work;gort_map_assign 3
main.main;main.work;gort_map_assign;gort_map_grow 2
TXT
expect_eq "$(cat "$T/out")" "$(cat "$T/want")"
# ... in the byte order LC_ALL=C sort gives.
expect_eq "$(LC_ALL=C sort "$T/out")" "$(cat "$T/out")"

# The CPU profile: frames without a symbol are their address, ';' in a name becomes '_'.
expect_status 0 "$GORT" flame "$db" --folded --kind cpu_sample
expect_eq "$(cat "$T/out")" "main.main;0x4011aa;日本語;main.spin 2
main.main;name_with_semicolons 1"

# Several kinds; weights by duration (the deferreturn_end events of stack 5: 200 + 200 ns).
expect_status 0 "$GORT" flame "$db" --folded --kind makemap --kind hashgrow
expect_eq "$(cat "$T/out")" "main.main;main.work;gort_makemap 3
main.main;main.work;gort_map_assign;gort_map_grow 1"
expect_status 0 "$GORT" flame "$db" --folded --weight time
expect_eq "$(cat "$T/out")" "main.main;main.work;gort_deferreturn 400"
expect_status 0 "$GORT" flame "$db" --folded --reverse --kind hashgrow --kind evacuate
expect_eq "$(cat "$T/out")" "gort_map_grow;gort_map_assign;main.work;main.main 2"

# The SVG of the trace: well-formed, every frame where the reference puts it.
"$GORT" flame "$db" --folded > "$T/sc.folded"
expect_status 0 "$GORT" flame "$db" -o "$T/sc.svg"
[ ! -s "$T/out" ] || fail "flame -o wrote to stdout"
xmllint --noout "$T/sc.svg" || fail "not XML"
check "$T/sc.folded" "$T/sc.svg" 1200
expect_contains "$(cat "$T/check")" "11 frames match, total 20"
# Hostile names are escaped once, and shown decoded by an XML reader.
grep -q 'hostile &lt;a&amp;b&gt; &quot;q&quot; &apos;x&apos; (3 events, 15.00%)' "$T/sc.svg" || fail "escaping"
grep -q '<title>función_ñ (3 events' "$T/sc.svg" || fail "UTF-8 name"
grep -q '<title>all (20 events, 100.00%)</title>' "$T/sc.svg" || fail "root"
# The same function has the same colour in two graphs (colour by name hash).
c1=$(grep -o '<title>gort_makemap [^<]*</title><rect [^>]*fill="[^"]*"' "$T/sc.svg" | sed 's/.*fill=//')
"$GORT" flame "$db" --kind makemap -o "$T/mm.svg"
c2=$(grep -o '<title>gort_makemap [^<]*</title><rect [^>]*fill="[^"]*"' "$T/mm.svg" | sed 's/.*fill=//')
expect_eq "$c2" "$c1"

# Options: width, inverted (root on top), title, search preset, minwidth, palettes.
expect_status 0 "$GORT" flame "$db" -o "$T/inv.svg" --inverted --width 600 --title 'T <&>' \
  --search '^gort_map' --colors gort
xmllint --noout "$T/inv.svg" || fail "inverted not XML"
check "$T/sc.folded" "$T/inv.svg" 600 inverted
grep -q '<text id="title"[^>]*>T &lt;&amp;&gt;</text>' "$T/inv.svg" || fail "title"
grep -q 'var INITIAL_SEARCH = "^gort_map";' "$T/inv.svg" || fail "search preset"
grep -q 'data-inverted="1"' "$T/inv.svg" || fail "inverted flag"
# minwidth 200 px of 1180: frames under 200 px (3 events of 20 = 177 px) are dropped.
expect_status 0 "$GORT" flame "$db" -o "$T/mw.svg" --minwidth 200
n=$(grep -c '<g><title>' "$T/mw.svg")
expect_eq "$n" 6   # all, main.main, main.work, gort_deferreturn, gort_map_assign, gort_defer_push

# Folded input: hostile bytes (invalid UTF-8, control characters, markup) stay valid XML.
printf 'a;b<c>;d&e 3\nmain;\001ctl\377bad;"q" 2\nmain;x 1\n\nmain;x 4\r\na;b<c> 1\n' > "$T/h.folded"
expect_status 0 "$GORT" flame --from-folded "$T/h.folded" -o "$T/h.svg" --search '"; alert(1) //</script>]]>'
xmllint --noout "$T/h.svg" || fail "hostile SVG not XML"
grep -q 'var INITIAL_SEARCH = "\\u0022; alert(1) //\\u003c/script\\u003e]]\\u003e";' "$T/h.svg" || fail "search escape"
grep -q '<title>main (7 samples, 63.64%)</title>' "$T/h.svg" || fail "merged input lines"
grep -q '<title>x (5 samples' "$T/h.svg" || fail "duplicate stacks merged"
expect_status 0 "$GORT" flame --from-folded "$T/h.folded" --folded
expect_eq "$(cat "$T/out" | tr '\001\377' '?!' )" "a;b<c> 1
a;b<c>;d&e 3
main;?ctl!bad;\"q\" 2
main;x 5"
# Many stacks with shared prefixes (bench/viewer_gen.c: 20 names, 3000 lines, duplicates):
# every frame, however thin (--minwidth 0), where the reference puts it.
"$BUILD/bench/viewer_gen" 3000 20 7 > "$T/gen.folded"
expect_status 0 "$GORT" flame --from-folded "$T/gen.folded" -o "$T/gen.svg" --minwidth 0
xmllint --noout "$T/gen.svg" || fail "gen not XML"
check "$T/gen.folded" "$T/gen.svg" 1200
expect_status 0 "$GORT" flame --from-folded "$T/gen.folded" -o "$T/geni.svg" --minwidth 0 --inverted --width 3000
check "$T/gen.folded" "$T/geni.svg" 3000 inverted
# ... and their folded output is LC_ALL=C sort's order with equal stacks merged.
expect_status 0 "$GORT" flame --from-folded "$T/gen.folded" --folded
expect_eq "$(cut -d' ' -f1 "$T/out" | md5sum)" "$(cut -d' ' -f1 "$T/gen.folded" | LC_ALL=C sort -u | md5sum)"
printf 'a;b 1\nbroken line\n' > "$T/bad.folded"
expect_status 2 "$GORT" flame --from-folded "$T/bad.folded"
expect_contains "$(cat "$T/err")" "bad.folded:2: not a folded stack line"

# Differential: widths from the new profile, colour by each frame's own change relative to
# the largest (flamegraph.pl's color_scale): b -5 of max 5 is pure blue, c +5 pure red,
# d +3 is rgb(255,84,84) (210*(5-3)/5 = 84), a unchanged is white.
printf 'a;b 10\na;c 5\n' > "$T/old.folded"
printf 'a;b 5\na;c 10\na;d 3\n' > "$T/new.folded"
expect_status 0 "$GORT" flame --from-folded "$T/new.folded" --diff "$T/old.folded" --folded
expect_eq "$(cat "$T/out")" "a;b 10 5
a;c 5 10
a;d 0 3"
cp "$T/out" "$T/diff.folded"
expect_status 0 "$GORT" flame --from-folded "$T/new.folded" --diff "$T/old.folded" -o "$T/d.svg"
xmllint --noout "$T/d.svg" || fail "diff not XML"
check "$T/new.folded" "$T/d.svg" 1200
grep -q '<title>b (5 samples, 27.78%; -27.78%)</title><rect [^>]*fill="rgb(0,0,255)"' "$T/d.svg" || fail "b blue"
grep -q '<title>c (10 samples, 55.56%; +27.78%)</title><rect [^>]*fill="rgb(255,0,0)"' "$T/d.svg" || fail "c red"
grep -q '<title>d (3 samples, 16.67%; +16.67%)</title><rect [^>]*fill="rgb(255,84,84)"' "$T/d.svg" || fail "d"
grep -q '<title>a (18 samples, 100.00%; 0.00%)</title><rect [^>]*fill="rgb(255,255,255)"' "$T/d.svg" || fail "a white"
# A 3-column folded file is read as a differential input.
expect_status 0 "$GORT" flame --from-folded "$T/diff.folded" -o "$T/d2.svg"
expect_eq "$(grep -c '<g><title>' "$T/d2.svg")" 5
# Differential of two traces: one map event more in the new one.
db2=$(mktrace scenarios2 tests/data/viewer/scenarios.sql)
sqlite3 "$db2" "INSERT INTO events (ts_ns, tid, goid, kind, map_id, stack_id) VALUES (9990, 100, 1, 'mapassign', 1, 2)"
expect_status 0 "$GORT" flame "$db2" --diff "$db" --folded
expect_contains "$(cat "$T/out")" "main.main;main.work;gort_map_assign 3 4"
expect_contains "$(cat "$T/out")" "main.main;main.work;gort_makemap 3 3"
"$GORT" flame --help | grep -q -- "--from-folded" || fail "flame --help"
