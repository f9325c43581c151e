#!/bin/sh
# Kinds are stored by number (event_rows.kind_id) and named by the events view. Checked here:
# the kinds table and the view's names are the record format's list (read from
# format/gort_record.h itself); the view is writable by name; the CPU samples' partial index
# serves "kind_id = 60"; and the viewer reads a trace of the older layout (events a table with
# the kind as text, no kind_id) exactly as the same trace in the new layout.
set -e
. tests/lib.sh
P=$BUILD/tests/progs/trace_emit
q() { sqlite3 "$1" "$2"; }

# The record format's list, "number|name" by number: the independent reference.
sed -n 's/^ *X(\([0-9]*\), *\([a-z_]*\)).*/\1|\2/p' format/gort_record.h | sort -t'|' -k1,1n > "$T/header"
[ "$(wc -l < "$T/header")" -gt 30 ] || fail "could not read the kinds of gort_record.h"

expect_status 0 "$GORT" record --profile-hz 500 -o "$T/t.db" -- "$P" story:20 nested:5 spin:100
db=$T/t.db
q "$db" "SELECT id || '|' || name FROM kinds ORDER BY id" > "$T/kinds"
diff "$T/header" "$T/kinds" > "$T/diff" || fail "kinds table (>) differs from gort_record.h (<): $(cat "$T/diff")"

# Every number the view can meet: each listed kind named as the header names it, others kindN.
cp "$db" "$T/v.db"
q "$T/v.db" "DELETE FROM event_rows;
  INSERT INTO event_rows (ts_ns, tid, kind_id) SELECT id, 1, id FROM kinds;
  INSERT INTO event_rows (ts_ns, tid, kind_id) VALUES (0, 1, 63)"
q "$T/v.db" "SELECT kind_id || '|' || kind FROM events WHERE kind_id <> 63 ORDER BY kind_id" > "$T/named"
diff "$T/header" "$T/named" > "$T/diff" || fail "events.kind (>) differs from gort_record.h (<): $(cat "$T/diff")"
expect_eq "$(q "$T/v.db" "SELECT kind FROM events WHERE kind_id = 63")" "kind63"

# Writing the view by name stores numbers; update and delete reach the table.
q "$T/v.db" "INSERT INTO events (id, ts_ns, tid, kind, map_id) VALUES (1000, 5, 7, 'mapdelete', 3);
  INSERT INTO events (id, ts_ns, tid, kind) VALUES (1001, 6, 7, 'kind50')"
expect_eq "$(q "$T/v.db" "SELECT kind_id, map_id FROM event_rows WHERE id = 1000")" "4|3"
expect_eq "$(q "$T/v.db" "SELECT kind_id FROM event_rows WHERE id = 1001")" "50"
q "$T/v.db" "UPDATE events SET kind = 'hashgrow', arg0 = 9 WHERE id = 1000"
expect_eq "$(q "$T/v.db" "SELECT kind_id, arg0, map_id FROM event_rows WHERE id = 1000")" "5|9|3"
q "$T/v.db" "DELETE FROM events WHERE kind = 'hashgrow'"
expect_eq "$(q "$T/v.db" "SELECT count(*) FROM event_rows WHERE id = 1000")" "0"

# The recorded trace: kinds by number agree with names, and a CPU profile's query is served
# by the partial index of cpu_sample rows, which holds exactly those rows.
expect_eq "$(q "$db" "SELECT count(*) FROM events e JOIN kinds k ON k.id = e.kind_id WHERE e.kind IS NOT k.name")" "0"
samples=$(q "$db" "SELECT count(*) FROM events WHERE kind = 'cpu_sample'")
[ "$samples" -gt 0 ] || fail "no cpu_sample events recorded"
expect_contains "$(q "$db" "EXPLAIN QUERY PLAN SELECT stack_id, dur_ns FROM events WHERE stack_id IS NOT NULL AND kind_id = 60")" "events_cpu_sample"
expect_eq "$(q "$db" "SELECT count(*) FROM event_rows INDEXED BY events_cpu_sample WHERE kind_id = 60")" "$samples"

# The older layout: the same trace with events a table, kind as text and no kind_id (as gort
# recorded before). Every viewer command prints and writes the same for both (each copy is
# named trace.db: the speedscope export names its trace).
mkdir "$T/n" "$T/o"
cp "$db" "$T/n/trace.db"
cp "$db" "$T/o/trace.db"
q "$T/o/trace.db" "CREATE TABLE events_old AS SELECT id, ts_ns, tid, goid, kind, map_id, defer_id, arg0, arg1, dur_ns, stack_id FROM events;
  DROP VIEW gaps; DROP VIEW events; DROP TABLE event_rows; ALTER TABLE events_old RENAME TO events;
  CREATE VIEW gaps AS SELECT e.defer_id AS defer_id, e.map_id AS map_id, e.kind AS op FROM events e WHERE e.defer_id IS NOT NULL;"
expect_eq "$(q "$T/o/trace.db" "SELECT count(*) FROM pragma_table_info('events') WHERE name = 'kind_id'")" "0"
for c in "info" "gaps" "gaps --format csv" "flame --folded" "flame --folded --kind cpu_sample" \
         "flame --folded --kind mapassign --kind deferproc" "export --format chrome -o OUT" \
         "export --format speedscope -o OUT" "timeline -o OUT.svg"; do
  # shellcheck disable=SC2086
  set -- $c
  sub=$1; shift
  for layout in n o; do
    args=$(echo "$*" | sed "s|OUT|$T/$layout/out|")
    # shellcheck disable=SC2086
    (cd "$T/$layout" && "$GORT" "$sub" trace.db $args > stdout 2> stderr) || true
  done
  cmp -s "$T/n/stdout" "$T/o/stdout" || fail "gort $c: older layout prints differently: $(diff "$T/n/stdout" "$T/o/stdout" | head -5)"
  [ -s "$T/n/stdout" ] || [ -s "$T/n/out" ] || [ -s "$T/n/out.svg" ] || fail "gort $c printed nothing: $(cat "$T/n/stderr")"
  for f in out out.svg; do
    [ -f "$T/n/$f" ] || continue
    cmp -s "$T/n/$f" "$T/o/$f" || fail "gort $c: older layout writes a different $f"
    rm -f "$T/n/$f" "$T/o/$f"
  done
done
