#!/bin/sh
# gort sql: read-only queries in three formats; writes refused with the file byte-identical.
set -e
. tests/lib.sh
. tests/data/viewer/lib.sh
db=$(mktrace scenarios)
before=$(digest "$db")

expect_status 0 "$GORT" sql "$db" "SELECT kind, count(*) AS n FROM events WHERE kind LIKE 'map%' GROUP BY kind ORDER BY kind" --format csv
expect_eq "$(cat "$T/out")" "kind,n
map_use_after_free,1
mapassign,3
mapdelete,3
mapfree,2"

# JSON: types kept (integers, NULL, text with quotes and non-ASCII), and it parses.
expect_status 0 "$GORT" sql "$db" "SELECT id, symbol, file FROM frames WHERE id IN (8, 10, 11) ORDER BY id" --format json
python3 - "$T/out" <<'PY' || fail "sql json"
import json, sys
rows = json.load(open(sys.argv[1]))
assert rows == [{"id": 8, "symbol": "hostile <a&b> \"q\" 'x'", "file": None},
                {"id": 10, "symbol": "日本語", "file": None},
                {"id": 11, "symbol": None, "file": None}], rows
PY

# Table: aligned columns, numbers to the right.
expect_status 0 "$GORT" sql "$db" "SELECT map_id, key_kind FROM maps ORDER BY map_id"
expect_eq "$(cat "$T/out")" "map_id  key_kind
------  --------
     1  int64
     2  string
     3  int64"

# CSV quoting (RFC 4180).
expect_status 0 "$GORT" sql "$db" "SELECT 'a,b' AS x, 'say \"hi\"' AS y" --format csv
expect_eq "$(sed -n 2p "$T/out")" '"a,b","say ""hi"""'

# Several statements run in order.
expect_status 0 "$GORT" sql "$db" "SELECT 1 AS one; SELECT 2 AS two" --format csv
expect_eq "$(cat "$T/out" | tr '\n' ' ')" "one 1 two 2 "

# Every kind of write is refused, nothing printed, the file unchanged.
for q in "DELETE FROM events" "UPDATE maps SET died_ns = 0" "INSERT INTO meta VALUES ('x', 'y')" \
         "DROP TABLE events" "CREATE TABLE t (x)" "CREATE TEMP TABLE t (x)" "VACUUM" \
         "SELECT 1; DELETE FROM events" "PRAGMA user_version = 7" "ALTER TABLE maps ADD COLUMN z" \
         "REINDEX" "ANALYZE"; do
  expect_status 2 "$GORT" sql "$db" "$q"
  expect_contains "$(cat "$T/err")" "gort sql: "
  [ "$(wc -l < "$T/err")" -eq 1 ] || fail "one line expected for [$q]: $(cat "$T/err")"
  [ ! -s "$T/out" ] || fail "output for refused [$q]: $(cat "$T/out")"
done
expect_status 2 "$GORT" sql "$db" "DELETE FROM events"
expect_contains "$(cat "$T/err")" "refused: the statement would write to the trace"
# ATTACH of a new file cannot create it: the connection is read-only.
expect_status 2 "$GORT" sql "$db" "ATTACH '$T/new.db' AS n; CREATE TABLE n.t (x)"
[ ! -e "$T/new.db" ] || fail "ATTACH created a file"
expect_eq "$(digest "$db")" "$before"
[ ! -e "$db-journal" ] && [ ! -e "$db-wal" ] || fail "journal left beside the trace"

# Malformed query: one line, status 2.
expect_status 2 "$GORT" sql "$db" "SELEC kind FROM events"
expect_contains "$(cat "$T/err")" "gort sql: bad query: near \"SELEC\": syntax error"
expect_status 2 "$GORT" sql "$db" "SELECT nosuch FROM events"
expect_contains "$(cat "$T/err")" "no such column: nosuch"
expect_status 2 "$GORT" sql "$db"
expect_status 2 "$GORT" sql "$db" "SELECT 1" --format yaml
expect_eq "$(digest "$db")" "$before"
"$GORT" sql --help | grep -q "is refused" || fail "sql --help"
