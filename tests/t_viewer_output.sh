#!/bin/sh
# Output is whole or nothing, one document, and errors are one line:
#  - a command that fails after rows were ready prints nothing on stdout (no CSV header, no
#    '[', no first statement's table, no half of info) and leaves no temporary file;
#  - gort sql --format json prints one valid JSON document for any number of statements;
#  - an error quoting a corrupted schema's text (line breaks in it) is still one line;
#  - a query that never ends (a recursive events view) stops at --timeout: one line, status 2;
#  - a viewer killed while its output file is being written leaves nothing beside it (the
#    temporary file has no name until it is complete).
set -e
. tests/lib.sh
. tests/data/viewer/lib.sh
db=$(mktrace scenarios)

# A statement that fails on its third row (abs() of the least integer overflows), alone and
# after one that succeeded, in every format.
bad="WITH v(x) AS (VALUES (1), (2), (3)) SELECT x, CASE WHEN x = 3 THEN abs(-9223372036854775807 - 1) ELSE x END AS y FROM v"
for f in table csv json; do
  fails_with "gort sql: query failed: integer overflow" "$GORT" sql "$db" "$bad" --format $f
  fails_with "gort sql: query failed: integer overflow" "$GORT" sql "$db" "SELECT 1 AS one; $bad" --format $f
done
# info fails late (the sum of pauses overflows after events, maps and defers were summarized).
cp "$db" "$T/late.db"
sqlite3 "$T/late.db" "INSERT INTO gc_cycles (cycle, stw_ns) VALUES (90, 9223372036854775807), (91, 1)"
fails_with "gort info: query failed: integer overflow" "$GORT" info "$T/late.db"
# flame to stdout, export to stdout and to a file: nothing half-written, no temporary left.
cp "$db" "$T/dur.db"
sqlite3 "$T/dur.db" "UPDATE event_rows SET dur_ns = 9223372036854775807 WHERE stack_id IS NOT NULL"
fails_with "add up" "$GORT" flame "$T/dur.db" --weight time
fails_with "integer overflow" "$GORT" export "$T/dur.db" --format speedscope --weight time
fails_with "integer overflow" "$GORT" export "$T/dur.db" --format speedscope --weight time -o "$T/s.json"
[ -z "$(ls "$T" | grep -e '\.tmp' -e '^s\.json$')" ] || fail "files left: $(ls "$T")"

# Several statements in JSON: one document, an array of each statement's array.
expect_status 0 "$GORT" sql "$db" "SELECT 1 AS a; SELECT kind FROM events WHERE 0; SELECT 'x' AS b, NULL AS c" --format json
python3 - "$T/out" <<'EOF' || fail "not the one JSON document expected: $(cat "$T/out")"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc == [[{"a": 1}], [], [{"b": "x", "c": None}]], doc
EOF
# One statement: the array of objects as before.
expect_status 0 "$GORT" sql "$db" "SELECT 1 AS a" --format json
python3 -c "import json, sys; assert json.load(open(sys.argv[1])) == [{'a': 1}]" "$T/out" || fail "one statement: $(cat "$T/out")"

# A corrupted stored schema whose text (here, a table's name) holds line breaks.
cp "$db" "$T/schema.db"
sqlite3 "$T/schema.db" "PRAGMA writable_schema = ON;
  UPDATE sqlite_schema SET name = 'maps' || char(10) || 'second line' || char(10) || 'third line',
                           sql = 'CREATE TABLE x(' || char(10) || ',,' WHERE name = 'maps'"
for cmd in info gaps flame "sql @Q" "timeline --script $T/t.gp" "export --format chrome"; do
  # shellcheck disable=SC2086
  set -- $cmd
  sub=$1; shift
  [ "$1" = "@Q" ] && set -- "SELECT 1"
  fails_with "malformed database schema (maps second line third line)" "$GORT" "$sub" "$T/schema.db" "$@"
done

# A recursive events view that never ends: every command stops at its --timeout.
cp "$db" "$T/loop.db"
sqlite3 "$T/loop.db" "DROP VIEW gaps; DROP VIEW events;
  CREATE VIEW events AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)
  SELECT n AS id, n AS ts_ns, 1 AS tid, 1 AS goid, 'mapassign' AS kind, 3 AS kind_id, 1 AS map_id,
         n AS defer_id, 0 AS arg0, 0 AS arg1, 0 AS dur_ns, 1 AS stack_id FROM r"
for cmd in "info" "sql @Q" "flame --folded" "timeline --script $T/t.gp" "export --format chrome" \
           "export --format speedscope" "gaps"; do
  # shellcheck disable=SC2086
  set -- $cmd
  sub=$1; shift
  [ "$1" = "@Q" ] && set -- "SELECT count(*) FROM events"
  fails_with "gave up: the query ran past the --timeout" "$GORT" "$sub" "$T/loop.db" "$@" --timeout 300ms
done
[ ! -e "$T/t.gp" ] || fail "timeline wrote a script"
fails_with "--timeout takes seconds" "$GORT" info "$db" --timeout soon
expect_status 0 "$GORT" info "$db" --timeout 0

# Killed while gnuplot draws (a stand-in gnuplot that waits on a FIFO): no file in the output's
# directory, neither the picture nor a temporary.
mkdir "$T/bin" "$T/o"
mkfifo "$T/ready" "$T/go"
printf '#!/bin/sh\ncat > /dev/null\necho up > "%s/ready"\nread x < "%s/go"\n' "$T" "$T" > "$T/bin/gnuplot"
chmod +x "$T/bin/gnuplot"
PATH="$T/bin:$PATH" "$GORT" timeline "$db" -o "$T/o/t.png" 2>/dev/null &
pid=$!
read -r up < "$T/ready"
kill -KILL "$pid"
set +e; wait "$pid"; set -e
echo go > "$T/go"
expect_eq "$(ls -A "$T/o")" ""
