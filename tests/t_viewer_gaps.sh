#!/bin/sh
# gort gaps: one verdict per (deferred call, map), worked out by hand from
# tests/data/viewer/scenarios.sql (see its header), in every format, and the exit status.
set -e
. tests/lib.sh
. tests/data/viewer/lib.sh
db=$(mktrace scenarios)

# CSV: exact rows. defer 1 touched map 1 at 4100, map died 5000: safe, gap -900; defer 2
# touched map 2 at 6100 (map_use_after_free), died 3000: use-after-free, gap 3100; map 3
# never died: map-still-alive; defer 4 deleted from a nil map: nil-map.
expect_status 1 "$GORT" gaps "$db" --format csv
expect_eq "$(cat "$T/out")" "map_id,defer_id,fn,goid,map_died_ns,defer_ran_ns,first_op_ns,last_op_ns,ops,gap_ns,verdict
1,1,delete,1,5000,4000,4100,4100,1,-900,safe
2,2,delete,2,3000,6000,6100,6100,1,3100,use-after-free
3,3,delete,1,,7000,7100,7100,1,,map-still-alive
,4,delete,1,,8000,8100,8100,1,,nil-map"

# JSON parses, and carries the same verdicts.
expect_status 1 "$GORT" gaps "$db" --format json
v=$(python3 -c 'import json,sys; print(" ".join(r["verdict"] for r in json.load(sys.stdin)))' < "$T/out")
expect_eq "$v" "safe use-after-free map-still-alive nil-map"

# Table: a header, a rule, four rows.
expect_status 1 "$GORT" gaps "$db"
expect_eq "$(sed -n 1p "$T/out" | tr -s ' ')" "map_id defer_id fn goid map_died_ns defer_ran_ns first_op_ns last_op_ns ops gap_ns verdict"
expect_eq "$(wc -l < "$T/out" | tr -d ' ')" 6
expect_contains "$(sed -n 4p "$T/out")" "use-after-free"

# A map that dies at the very instant of the operation counts as freed (died_ns <= op).
db2=$(mktrace edge tests/data/viewer/scenarios.sql)
sqlite3 "$db2" "UPDATE maps SET died_ns = 7100 WHERE map_id = 3;
                DELETE FROM events WHERE kind = 'map_use_after_free';"
expect_status 1 "$GORT" gaps "$db2" --format csv
# (defer 2 had only the map_use_after_free event, so it drops out of the report.)
expect_eq "$(cut -d, -f1,10,11 "$T/out" | sed -n 2,5p | tr '\n' ' ')" "1,-900,safe 3,0,use-after-free ,,nil-map "

# No use-after-free: exit 0 (CI passes).
sqlite3 "$db2" "DELETE FROM events WHERE defer_id IN (2, 3);"
expect_status 0 "$GORT" gaps "$db2" --format csv
expect_eq "$(cut -d, -f11 "$T/out" | tail -n +2 | tr '\n' ' ')" "safe nil-map "

# Bad format.
expect_status 2 "$GORT" gaps "$db" --format xml
expect_contains "$(cat "$T/err")" "gort gaps: unknown format 'xml'"
"$GORT" gaps --help | grep -q "use-after-free" || fail "gaps --help"

# One vocabulary: the schema's gaps view gives each operation the verdict gort gaps gives its
# (deferred call, map): the four words, map-still-alive included, never another.
db3=$(mktrace vocab tests/data/viewer/scenarios.sql)
"$GORT" gaps "$db3" --format csv > "$T/report" || true
sqlite3 -csv "$db3" "SELECT DISTINCT defer_id, map_id, verdict FROM gaps ORDER BY defer_id" > "$T/view"
expect_eq "$(tail -n +2 "$T/report" | cut -d, -f2,1,11 | awk -F, '{ print $2 "," $1 "," $3 }' | sort)" "$(sort "$T/view")"
expect_eq "$(cut -d, -f3 "$T/view" | sort | tr '\n' ' ')" "map-still-alive nil-map safe use-after-free "
