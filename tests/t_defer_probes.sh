#!/bin/sh
# The defer, panic and goroutine probes as `gort record` stores them: deferproc (the record's
# own id, frame depth, function name), deferreturn with how (1 return, 2 panic, 3 goexit) and
# deferreturn_end, the map operation of a deferred delete attributed to that deferred call,
# the stack map's mapfree (cause frame) after its frame's deferred calls ended, panic, recover,
# goexit, gocreate/gostart/goend.
set -e
. tests/lib.sh
command -v sqlite3 >/dev/null || fail "sqlite3 is needed (tests/deps.sh installs it)"
expect_status 0 "$GORT" record -o "$T/t.db" -- "$BUILD/tests/progs/defer_probes"
line=$(cat "$T/out")
for kv in $line; do eval "$kv"; done
[ -n "$map" ] && [ -n "$gx" ] || fail "unexpected program output: $line"
q() { sqlite3 "$T/t.db" "$1"; }
# deferproc: one per defer statement, carrying the record's id, the depth and the name.
expect_eq "$(q "SELECT count(*) FROM events WHERE kind='deferproc'")" 4
expect_eq "$(q "SELECT e.arg0 || ' ' || n.name FROM events e JOIN names n ON n.id = e.arg1
               WHERE e.kind='deferproc' AND e.defer_id=$del")" "1 delete"
expect_eq "$(q "SELECT n.name FROM events e JOIN names n ON n.id = e.arg1
               WHERE e.kind='deferproc' AND e.defer_id=$close")" "nothing"
# deferreturn / deferreturn_end pairs, LIFO on return, with how.
expect_eq "$(q "SELECT group_concat(defer_id || ':' || arg0, ' ') FROM
               (SELECT defer_id, arg0 FROM events WHERE kind='deferreturn' ORDER BY ts_ns)")" \
          "$del:1 $close:1 $rec:2 $gx:3"
expect_eq "$(q "SELECT count(*) FROM events WHERE kind='deferreturn_end' AND dur_ns IS NOT NULL")" 4
# The deferred delete's mapdelete belongs to it, and the map died after f's deferred calls.
expect_eq "$(q "SELECT count(*) FROM events WHERE kind='mapdelete' AND defer_id=$del AND map_id=$map")" 1
expect_eq "$(q "SELECT count(*) FROM events f WHERE f.kind='mapfree' AND f.map_id=$map AND f.arg0=2
               AND f.ts_ns >= (SELECT max(ts_ns) FROM events WHERE kind='deferreturn_end'
                               AND defer_id IN ($del, $close))")" 1
# panic, then recover (inside the recovering call), then goexit in the goroutine.
expect_eq "$(q "SELECT count(*) FROM events WHERE kind='panic' AND goid=1")" 1
expect_eq "$(q "SELECT defer_id || ' ' || arg0 FROM events WHERE kind='recover'")" "$rec 1"
expect_eq "$(q "SELECT count(*) FROM events WHERE kind='goexit' AND goid=$goid")" 1
expect_eq "$(q "SELECT goid || ' ' || arg0 FROM events WHERE kind='gocreate'")" "1 $goid"
expect_eq "$(q "SELECT group_concat(kind, ' ') FROM (SELECT kind FROM events
               WHERE goid=$goid AND kind IN ('gostart', 'goend') ORDER BY ts_ns)")" "gostart goend"
# The recorder's summary tables agree: each defer with its function and how it ran, the stack
# map's death by its frame.
expect_eq "$(q "SELECT group_concat(defer_id || ':' || fn || ':' || how, ' ')
               FROM (SELECT * FROM defers ORDER BY defer_id)")" \
          "$close:nothing:return $del:delete:return $rec:recover_it:panic $gx:done:goexit"
expect_eq "$(q "SELECT death_cause FROM maps WHERE map_id=$map")" "frame"
