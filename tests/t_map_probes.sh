#!/bin/sh
# Every map probe, recorded by gort record from tests/progs/map_probes.c, with the arguments
# format/gort_record.h documents: makemap (hint, B), mapassign (inserted, count), mapaccess
# (found), mapdelete (found, count), hashgrow (new B, same-size), evacuate (old bucket, moved:
# each old bucket once per growth, all entries moved), growdone (B), mapiterinit (start
# bucket, offset), mapclear (count before), mapfree (cause, count), map_use_after_free (the
# operation's kind), and map_id 0 for the nil map.
set -e
. tests/lib.sh
P=$BUILD/tests/progs/map_probes
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
expect_status 0 "$GORT" record -o "$T/p.db" -- "$P" ops
q() { sqlite3 "$T/p.db" "$1"; }

expect_eq "$(q "SELECT map_id, arg0, arg1 FROM events WHERE kind = 'makemap' ORDER BY map_id" | tr '\n' ' ')" \
  "1|100|4 2|0|0 3|0|0 "
# map 1: 2000 inserts, each new, count after = 1..2000
expect_eq "$(q "SELECT count(*), sum(arg0), min(arg1), max(arg1) FROM events WHERE kind = 'mapassign' AND map_id = 1")" "2000|2000|1|2000"
# growths 4->5 ... 8->9, all doubling, each finished
expect_eq "$(q "SELECT group_concat(arg0 || ':' || arg1, ' ') FROM (SELECT arg0, arg1 FROM events WHERE kind = 'hashgrow' AND map_id = 1 ORDER BY id)")" \
  "5:0 6:0 7:0 8:0 9:0"
expect_eq "$(q "SELECT group_concat(arg0, ' ') FROM (SELECT arg0 FROM events WHERE kind = 'growdone' AND map_id = 1 ORDER BY id)")" \
  "5 6 7 8 9"
# Per growth: every old bucket evacuated exactly once, and every entry present at hashgrow
# moved (only inserts happen during these growths): count at hashgrow = the count after the
# last assign before it.
q "SELECT g.id, (SELECT id FROM events d WHERE d.kind = 'growdone' AND d.map_id = 1 AND d.id > g.id ORDER BY d.id LIMIT 1),
          (SELECT arg1 FROM events a WHERE a.kind = 'mapassign' AND a.map_id = 1 AND a.id < g.id ORDER BY a.id DESC LIMIT 1),
          g.arg0
   FROM events g WHERE g.kind = 'hashgrow' AND g.map_id = 1 ORDER BY g.id" > "$T/grows"
[ "$(wc -l < "$T/grows")" = 5 ] || fail "expected 5 growths"
while IFS='|' read -r gid did before newB; do
  got=$(q "SELECT count(*), count(DISTINCT arg0), min(arg0), max(arg0), sum(arg1) FROM events
           WHERE kind = 'evacuate' AND map_id = 1 AND id > $gid AND id < $did")
  nold=$((1 << (newB - 1)))
  expect_eq "$got" "$nold|$nold|0|$((nold - 1))|$before"
done < "$T/grows"
# lookups: k*2 for even k < 2000 is present when < 2000: 500 hits, 500 misses
expect_eq "$(q "SELECT count(*), sum(arg0) FROM events WHERE kind = 'mapaccess' AND map_id = 1")" "1000|500"
# deletes of the 500 even keys below 1000: all found, count down to 1500
expect_eq "$(q "SELECT count(*), sum(arg0), min(arg1) FROM events WHERE kind = 'mapdelete' AND map_id = 1")" "500|500|1500"
# one iteration on B 9: start bucket < 512, offset < 8; then a clear of 1500 entries
expect_eq "$(q "SELECT count(*), max(arg0) < 512, max(arg1) < 8 FROM events WHERE kind = 'mapiterinit' AND map_id = 1")" "1|1|1"
expect_eq "$(q "SELECT arg0 FROM events WHERE kind = 'mapclear' AND map_id = 1")" "1500"
# map 2: a, b, c inserted; b updated; a deleted; zz absent
expect_eq "$(q "SELECT group_concat(arg0 || ':' || arg1, ' ') FROM (SELECT arg0, arg1 FROM events WHERE kind = 'mapassign' AND map_id = 2 ORDER BY id)")" \
  "1:1 1:2 1:3 0:3"
expect_eq "$(q "SELECT group_concat(arg0 || ':' || arg1, ' ') FROM (SELECT arg0, arg1 FROM events WHERE kind = 'mapdelete' AND map_id = 2 ORDER BY id)")" \
  "1:2 0:2"
# the nil map: each operation fired its probe with map_id 0
expect_eq "$(q "SELECT group_concat(kind, ' ') FROM (SELECT kind FROM events WHERE map_id = 0 ORDER BY id)")" \
  "mapaccess mapdelete mapiterinit mapclear"
# map 3 belonged to a frame: it died at the frame's end with its 3 entries
expect_eq "$(q "SELECT arg0, arg1 FROM events WHERE kind = 'mapfree' AND map_id = 3")" "2|3"

# assignment to the nil map: its probe, then Go's panic
expect_status 2 "$GORT" record -o "$T/n.db" -- "$P" nilassign
expect_contains "$(cat "$T/err")" "assignment to entry in nil map"
expect_eq "$(sqlite3 "$T/n.db" "SELECT map_id, arg0 FROM events WHERE kind = 'mapassign'")" "0|0"
# a delete on a dead map: map_use_after_free with mapdelete's kind number (4), then fatal
expect_status 2 "$GORT" record -o "$T/u.db" -- "$P" uaf
expect_contains "$(cat "$T/err")" "fatal error: use of freed map"
expect_eq "$(sqlite3 "$T/u.db" "SELECT map_id, arg0 FROM events WHERE kind = 'map_use_after_free'")" "1|4"
