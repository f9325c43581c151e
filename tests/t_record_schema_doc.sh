#!/bin/sh
# docs/schema.md documents the database as it really is: every table and view with every
# column and its type, in order, and every meta key — checked against a recorded trace.
set -e
. tests/lib.sh
P=$BUILD/tests/progs/trace_emit
expect_status 0 "$GORT" record -o "$T/t.db" -- "$P" story:5 nested:3
# Documented: "### NAME" under "## Tables" or "## Views", then "| column | type | ... |" rows.
awk -F'|' '
  /^## / { in_schema = ($0 == "## Tables" || $0 == "## Views") }
  /^### / && in_schema { name = substr($0, 5); next }
  in_schema && name != "" && /^\|/ {
    col = $2; typ = $3; gsub(/^ +| +$/, "", col); gsub(/^ +| +$/, "", typ)
    if (col == "column" || col ~ /^-+$/) next
    print name "|" col "|" typ
  }' docs/schema.md | sort > "$T/doc"
sqlite3 "$T/t.db" "SELECT m.name || '|' || p.name || '|' || p.type FROM sqlite_schema m
  JOIN pragma_table_info(m.name) p WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%'" | sort > "$T/db"
diff "$T/doc" "$T/db" > "$T/diff" || fail "docs/schema.md (<) and the database (>) differ: $(cat "$T/diff")"
# Column order too: the documented order of each table is the database's.
for t in $(cut -d'|' -f1 "$T/db" | sort -u); do
  doc=$(awk -v t="$t" -F'|' '/^## / { name = "" } /^### / { name = substr($0, 5); next }
        name == t && /^\|/ { c = $2; gsub(/ /, "", c); if (c != "column" && c !~ /^-+$/) printf "%s ", c }' docs/schema.md)
  db=$(sqlite3 "$T/t.db" "SELECT name FROM pragma_table_info('$t') ORDER BY cid" | tr '\n' ' ')
  expect_eq "$doc" "$db"
done
# Meta keys: documented = present.
awk -F'|' '/^## / { on = ($0 == "## Meta keys") } on && /^\|/ { k = $2; gsub(/ /, "", k); if (k != "key" && k !~ /^-+$/) print k }' \
  docs/schema.md | sort > "$T/dockeys"
sqlite3 "$T/t.db" "SELECT key FROM meta" | sort > "$T/dbkeys"
diff "$T/dockeys" "$T/dbkeys" > "$T/diff" || fail "meta keys: docs (<) vs database (>): $(cat "$T/diff")"
# The version the docs name is the database's.
expect_contains "$(head -1 docs/schema.md)" "schema version $(sqlite3 "$T/t.db" "SELECT value FROM meta WHERE key = 'schema_version'")"
expect_eq "$(sqlite3 "$T/t.db" "PRAGMA user_version")" "$(sqlite3 "$T/t.db" "SELECT value FROM meta WHERE key = 'schema_version'")"
