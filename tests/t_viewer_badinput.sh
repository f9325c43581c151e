#!/bin/sh
# Every viewer subcommand on every kind of bad input: one line saying what is wrong, exit
# status 2, the file untouched (same bytes, size, mtime and mode; no journal left beside it).
set -e
. tests/lib.sh
. tests/data/viewer/lib.sh

printf 'this is not a database\n' > "$T/text.db"
: > "$T/empty-file.db"
sqlite3 "$T/other.db" "CREATE TABLE people (name TEXT); INSERT INTO people VALUES ('x');"
sqlite3 "$T/nometa.db" "CREATE TABLE meta (key TEXT, value TEXT); INSERT INTO meta VALUES ('a', 'b');"
newer=$(mktrace newer tests/data/viewer/scenarios.sql)
sqlite3 "$newer" "UPDATE meta SET value = '3' WHERE key = 'schema_version'; PRAGMA user_version = 3;"
empty=$(printf "INSERT INTO meta VALUES ('schema_version', '2');\n" > "$T/e.sql"; mktrace emptytrace "$T/e.sql")
mkdir "$T/dir.db"

# check PATH MESSAGE: every subcommand fails on PATH with MESSAGE, leaving PATH as it was.
check() {
  path=$1; msg=$2
  [ -f "$path" ] && before=$(digest "$path") || before=none
  for cmd in "flame" "flame --folded" "timeline -o $T/t.png" "gaps" "sql @Q" "info" \
             "export --format chrome -o $T/c.json" "export --format speedscope"; do
    # shellcheck disable=SC2086
    set -- $cmd
    sub=$1; shift
    if [ "$1" = "@Q" ]; then
      expect_status 2 "$GORT" "$sub" "$path" "SELECT 1"
    else
      expect_status 2 "$GORT" "$sub" "$path" "$@"
    fi
    [ "$(wc -l < "$T/err" | tr -d ' ')" = 1 ] || fail "$sub on $path: not one line: $(cat "$T/err")"
    expect_contains "$(cat "$T/err")" "gort $sub: "
    expect_contains "$(cat "$T/err")" "$msg"
    [ ! -s "$T/out" ] || fail "$sub on $path printed output"
    [ ! -e "$T/t.png" ] && [ ! -e "$T/c.json" ] || fail "$sub on $path wrote an output file"
    [ "$before" = none ] || expect_eq "$(digest "$path")" "$before"
    [ ! -e "$path-journal" ] && [ ! -e "$path-wal" ] || fail "$sub left a journal beside $path"
  done
}
check "$T/missing.db" "$T/missing.db: no such file"
check "$T/text.db" "not a SQLite database"
check "$T/empty-file.db" "empty file, not a SQLite database"
check "$T/dir.db" "not a regular file"
check "$T/other.db" "not a gort trace (no meta table)"
check "$T/nometa.db" "not a gort trace (no meta.schema_version)"
check "$newer" "trace schema version 3 is newer than this gort reads (2)"
check "$empty" "empty trace (no events)"

# A malformed query, and options with bad values.
db=$(mktrace scenarios)
before=$(digest "$db")
expect_status 2 "$GORT" sql "$db" "SELECT FROM WHERE"
expect_contains "$(cat "$T/err")" "gort sql: bad query:"
for args in "flame $db --kind nosuch" "flame $db --weight heavy" "flame $db --width ten" \
            "flame $db --colors rainbow" "flame $db --minwidth -1" "flame $db --title" \
            "flame $db other" "flame" "timeline $db --from 1parsec" "timeline $db --size 12" \
            "timeline $db -o $T/x.gif" "timeline $db --map 99" "timeline $db --from 9000 --to 10" \
            "gaps $db --format" "export $db" "export $db --format pdf" "info" "gaps" "sql" \
            "flame $db -o $db" "export $db --format chrome -o $db"; do
  # shellcheck disable=SC2086
  expect_status 2 "$GORT" $args
  [ "$(wc -l < "$T/err" | tr -d ' ')" = 1 ] || fail "[$args]: not one line: $(cat "$T/err")"
done
expect_status 2 "$GORT" flame "$db" -o "$db"
expect_contains "$(cat "$T/err")" "refusing to overwrite the trace"
expect_eq "$(digest "$db")" "$before"
# A trace whose events have no stacks: nothing to draw is an error, not an empty graph.
nostack=$(mktrace nostack tests/data/viewer/scenarios.sql)
sqlite3 "$nostack" "UPDATE events SET stack_id = NULL"
expect_status 2 "$GORT" flame "$nostack" -o "$T/f.svg"
expect_contains "$(cat "$T/err")" "no stacks for the selected events"
[ ! -e "$T/f.svg" ] || fail "flame left an SVG"
[ -z "$(ls "$T" | grep '\.tmp\.')" ] || fail "temporary files left: $(ls "$T")"
