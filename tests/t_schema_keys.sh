#!/bin/sh
# The schema for people who write SQL (docs/schema.md, Keys and Unfinished things): a table of
# things the events name by an id has that id as its primary key and no other id; the stats
# view holds the losses, waits and recorder errors, agreeing with meta and lost; an end the
# trace did not see is NULL; and the viewer commands read a trace of the older layout
# (schema version 1: a separate id, the gaps view's old word) exactly as the new one.
set -e
. tests/lib.sh
P=$BUILD/tests/progs/trace_emit
q() { sqlite3 "$@"; }

# A lossy run: --drop with tiny buffers, several threads.
set +e; "$GORT" record --drop --buffer 4K -o "$T/d.db" -- "$P" mapassign:100000 threads:4:20000 2>/dev/null; set -e
db=$T/d.db
for t in maps:map_id defers:defer_id goroutines:goid gc_cycles:cycle; do
  table=${t%%:*} key=${t#*:}
  expect_eq "$(q "$db" "SELECT name FROM pragma_table_info('$table') WHERE pk = 1")" "$key"
  expect_eq "$(q "$db" "SELECT count(*) FROM pragma_table_info('$table') WHERE name = 'id' OR pk > 1")" 0
  expect_eq "$(q "$db" "SELECT type FROM pragma_table_info('$table') WHERE name = '$key'")" "INTEGER"
done
# The join the docs promise: every map event's map is in maps under the same id.
expect_eq "$(q "$db" "SELECT count(*) FROM events e LEFT JOIN maps m USING (map_id)
             WHERE e.map_id > 0 AND e.kind_id BETWEEN 1 AND 12 AND m.map_id IS NULL")" 0

# stats: every counter present, values equal meta and the lost table.
expect_eq "$(q "$db" "SELECT group_concat(name, ' ') FROM (SELECT DISTINCT name FROM stats ORDER BY name)")" \
  "events_lost events_lost_thread producer_waits recorder_stall_ns recorder_stalls records_malformed"
lost=$(q "$db" "SELECT value FROM meta WHERE key = 'events_lost'")
[ "$lost" -gt 0 ] || fail "a 4K buffer lost nothing: the test does not test"
expect_eq "$(q "$db" "SELECT value FROM stats WHERE name = 'events_lost'")" "$lost"
expect_eq "$(q "$db" "SELECT sum(value) FROM stats WHERE name = 'events_lost_thread'")" "$lost"
expect_eq "$(q "$db" "SELECT count(*) FROM stats s JOIN (SELECT tid, sum(count) AS n FROM lost GROUP BY tid) l
             ON l.tid = s.idx WHERE s.name = 'events_lost_thread' AND s.value = l.n")" \
  "$(q "$db" "SELECT count(DISTINCT tid) FROM lost")"
expect_eq "$(q "$db" "SELECT severity || ' ' || source FROM stats WHERE name = 'events_lost'")" "data_loss trace"
expect_eq "$(q "$db" "SELECT value FROM stats WHERE name = 'records_malformed'")" 0
expect_eq "$(q "$db" "SELECT value FROM stats WHERE name = 'producer_waits'")" \
  "$(q "$db" "SELECT value FROM meta WHERE key = 'producer_waits'")"
# A run without --drop waits instead, and says so.
"$GORT" record --buffer 4K -o "$T/w.db" -- "$P" mapassign:100000 threads:4:20000 2>/dev/null
expect_eq "$(q "$T/w.db" "SELECT value FROM stats WHERE name = 'events_lost'")" 0
expect_eq "$(q "$T/w.db" "SELECT value FROM stats WHERE name = 'producer_waits'")" \
  "$(q "$T/w.db" "SELECT value FROM meta WHERE key = 'producer_waits'")"
expect_eq "$(q "$T/w.db" "SELECT value FROM stats WHERE name = 'recorder_stalls'")" \
  "$(q "$T/w.db" "SELECT value FROM meta WHERE key = 'stalls'")"
expect_eq "$(q "$T/w.db" "SELECT value FROM stats WHERE name = 'recorder_stall_ns'")" \
  "$(q "$T/w.db" "SELECT value FROM meta WHERE key = 'stall_ns'")"

# Unfinished things are NULL, never 0 or -1: a map that never died, a goroutine that never ended.
"$GORT" record -o "$T/s.db" -- "$P" story:5 nested:3 2>/dev/null
expect_eq "$(q "$T/s.db" "SELECT count(*) FROM maps WHERE died_ns < 0 OR died_ns = 0")" 0
expect_eq "$(q "$T/s.db" "SELECT count(*) FROM defers WHERE end_ns < 0 OR ran_ns < 0")" 0
expect_eq "$(q "$T/s.db" "SELECT count(*) FROM goroutines WHERE ended_ns < 0")" 0
expect_eq "$(q "$T/s.db" "SELECT count(*) FROM events WHERE dur_ns < 0")" 0

# The older layout (schema version 1) reads the same: each summary table with its own row id
# beside the key, the gaps view with 'safe' for a map still alive, no stats.
mkdir "$T/n" "$T/o"
cp "$T/s.db" "$T/n/trace.db"
cp "$T/s.db" "$T/o/trace.db"
q "$T/o/trace.db" "
  CREATE TABLE maps1 (id INTEGER PRIMARY KEY, map_id INTEGER NOT NULL UNIQUE, created_ns INTEGER, died_ns INTEGER,
    death_cause TEXT, key_kind TEXT, peak_len INTEGER, peak_B INTEGER, grows INTEGER);
  INSERT INTO maps1 (map_id, created_ns, died_ns, death_cause, key_kind, peak_len, peak_B, grows)
    SELECT map_id, created_ns, died_ns, death_cause, key_kind, peak_len, peak_B, grows FROM maps;
  CREATE TABLE defers1 (id INTEGER PRIMARY KEY, defer_id INTEGER NOT NULL UNIQUE, goid INTEGER,
    registered_ns INTEGER, ran_ns INTEGER, end_ns INTEGER, fn TEXT, how TEXT);
  INSERT INTO defers1 (defer_id, goid, registered_ns, ran_ns, end_ns, fn, how)
    SELECT defer_id, goid, registered_ns, ran_ns, end_ns, fn, how FROM defers;
  CREATE TABLE goroutines1 (id INTEGER PRIMARY KEY, goid INTEGER NOT NULL UNIQUE, tid INTEGER,
    created_ns INTEGER, ended_ns INTEGER);
  INSERT INTO goroutines1 (goid, tid, created_ns, ended_ns) SELECT goid, tid, created_ns, ended_ns FROM goroutines;
  DROP VIEW gaps; DROP VIEW stats; DROP TABLE maps; DROP TABLE defers; DROP TABLE goroutines;
  ALTER TABLE maps1 RENAME TO maps; ALTER TABLE defers1 RENAME TO defers; ALTER TABLE goroutines1 RENAME TO goroutines;
  CREATE VIEW gaps AS SELECT e.defer_id AS defer_id, e.map_id AS map_id, e.kind AS op, 'safe' AS verdict
    FROM events e WHERE e.defer_id IS NOT NULL;
  UPDATE meta SET value = '1' WHERE key = 'schema_version'; DELETE FROM meta WHERE key = 'records_malformed';
  PRAGMA user_version = 1;"
expect_eq "$(q "$T/o/trace.db" "SELECT count(*) FROM pragma_table_info('maps') WHERE name = 'id'")" 1
for c in "info" "gaps --format csv" "flame --folded" "export --format chrome -o OUT" \
         "export --format speedscope -o OUT" "timeline --script OUT" "compare trace.db"; do
  # shellcheck disable=SC2086
  set -- $c
  sub=$1; shift
  for layout in n o; do
    args=$(echo "$*" | sed "s|OUT|$T/$layout/out|")
    # shellcheck disable=SC2086
    (cd "$T/$layout" && "$GORT" "$sub" trace.db $args > stdout 2> stderr) || true
    grep -v -e '^meta.schema_version' -e '^meta.records_malformed' "$T/$layout/stdout" > "$T/$layout/print" || true
  done
  [ -s "$T/n/print" ] || [ -s "$T/n/out" ] || fail "gort $c printed nothing: $(cat "$T/n/stderr")"
  [ ! -s "$T/o/stderr" ] || [ "$sub" = compare ] || fail "gort $c on the older layout: $(cat "$T/o/stderr")"
  cmp -s "$T/n/print" "$T/o/print" || fail "gort $c: older layout prints differently: $(diff "$T/n/print" "$T/o/print" | head -5)"
  if [ -f "$T/n/out" ]; then
    cmp -s "$T/n/out" "$T/o/out" || fail "gort $c: older layout writes a different file"
    rm -f "$T/n/out" "$T/o/out"
  fi
done
