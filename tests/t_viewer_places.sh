#!/bin/sh
# The viewer creates nothing beside a trace and changes nothing in it, whatever journal mode
# the file is in (viewer/trace_db.c):
#  - a WAL-mode trace without pending changes reads as its rollback-mode twin, and no -wal or
#    -shm file appears (a read-only SQLite connection would create both);
#  - a WAL-mode trace whose last transactions are still in its -wal is refused with one line
#    saying how to fold them in, nothing created;
#  - a trace with a hot journal (an interrupted write) is reported as such, not as "no meta
#    table", with the command that rolls it back;
#  - an output that is a device or a FIFO is written into, never replaced; a symbolic link or a
#    directory as output is refused.
set -e
. tests/lib.sh
. tests/data/viewer/lib.sh

db=$(mktrace scenarios)
mkdir "$T/wal" "$T/pending" "$T/hot"
cp "$db" "$T/wal/trace.db"
sqlite3 "$T/wal/trace.db" "PRAGMA journal_mode = WAL" > /dev/null
[ ! -e "$T/wal/trace.db-wal" ] || fail "sqlite3 left a -wal file"
expect_eq "$(od -An -tu1 -j18 -N2 "$T/wal/trace.db" | tr -s ' ')" " 2 2"

# A copy of a WAL trace taken while a connection holds a committed transaction in its -wal.
cp "$T/wal/trace.db" "$T/pending/trace.db"
sqlite3 "$T/pending/trace.db" "PRAGMA wal_autocheckpoint = 0; INSERT INTO meta VALUES ('note', 'in the wal');" \
  ".system cp $T/pending/trace.db $T/pending/copy.db; cp $T/pending/trace.db-wal $T/pending/copy.db-wal" > /dev/null
rm -f "$T/pending/trace.db"*
[ -s "$T/pending/copy.db-wal" ] || fail "could not make a pending -wal"

# A copy of a rollback-mode trace taken in the middle of a write that spilled to the file
# (a one-page cache): the journal is hot.
cp "$db" "$T/hot/src.db"
sqlite3 "$T/hot/src.db" "PRAGMA cache_size = 1; BEGIN; UPDATE event_rows SET arg1 = coalesce(arg1, 0) + 1;
                         UPDATE meta SET value = value || 'x';" \
  ".system cp $T/hot/src.db $T/hot/trace.db; cp $T/hot/src.db-journal $T/hot/trace.db-journal" > /dev/null
rm -f "$T/hot/src.db"*
[ -s "$T/hot/trace.db-journal" ] || fail "could not make a hot journal"

listing() { (cd "$1" && ls -a | tr '\n' ' '); }
digests() { for f in "$1"/*; do digest "$f"; done; }
for cmd in "info" "gaps" "sql @Q" "flame --folded" "flame -o $T/f.svg" "timeline --script $T/t.gp" \
           "export --format chrome -o $T/c.json" "export --format speedscope"; do
  # shellcheck disable=SC2086
  set -- $cmd
  sub=$1; shift
  [ "$1" = "@Q" ] && set -- "SELECT kind, count(*) FROM events GROUP BY kind ORDER BY kind"
  # The WAL trace: the same output as the original, nothing new beside it.
  before=$(listing "$T/wal"); sums=$(digests "$T/wal")
  set +e
  "$GORT" "$sub" "$db" "$@" > "$T/want" 2>&1; want=$?
  [ -e "$T/f.svg" ] && mv "$T/f.svg" "$T/f0.svg"
  "$GORT" "$sub" "$T/wal/trace.db" "$@" > "$T/got" 2>&1; got=$?
  set -e
  expect_eq "$got" "$want"
  sed "s|$T/wal/trace.db|TRACE|g" "$T/got" > "$T/got1"; sed "s|$db|TRACE|g" "$T/want" > "$T/want1"
  cmp -s "$T/got1" "$T/want1" || fail "$sub on the WAL trace differs: $(diff "$T/want1" "$T/got1" | head -5)"
  expect_eq "$(listing "$T/wal")" "$before"
  expect_eq "$(digests "$T/wal")" "$sums"
  # The pending WAL trace and the hot journal: one line, status 2, nothing created or changed.
  for dir in pending hot; do
    [ "$dir" = pending ] && f=$T/pending/copy.db || f=$T/hot/trace.db
    before=$(listing "$T/$dir"); sums=$(digests "$T/$dir")
    rm -f "$T/f.svg" "$T/t.gp" "$T/c.json"
    expect_status 2 "$GORT" "$sub" "$f" "$@"
    [ "$(wc -l < "$T/err" | tr -d ' ')" = 1 ] || fail "$sub on $dir: not one line: $(cat "$T/err")"
    [ ! -s "$T/out" ] || fail "$sub on $dir printed output"
    [ ! -e "$T/f.svg" ] && [ ! -e "$T/t.gp" ] && [ ! -e "$T/c.json" ] || fail "$sub on $dir wrote an output file"
    if [ "$dir" = pending ]; then
      expect_contains "$(cat "$T/err")" "gort $sub: $f: a WAL-mode database whose last changes are still in $f-wal"
      expect_contains "$(cat "$T/err")" "sqlite3 $f 'PRAGMA wal_checkpoint(TRUNCATE)'"
    else
      expect_contains "$(cat "$T/err")" "gort $sub: $f: hot journal $f-journal: a write to the trace was interrupted"
      expect_contains "$(cat "$T/err")" "sqlite3 $f 'PRAGMA quick_check'"
    fi
    expect_eq "$(listing "$T/$dir")" "$before"
    expect_eq "$(digests "$T/$dir")" "$sums"
  done
done

# What the messages advise works: folded in (or rolled back), the traces read again.
sqlite3 "$T/pending/copy.db" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
expect_status 0 "$GORT" info "$T/pending/copy.db"
expect_contains "$(cat "$T/out")" "meta.note             in the wal"
sqlite3 "$T/hot/trace.db" "PRAGMA quick_check" > /dev/null
expect_eq "$(sqlite3 "$T/hot/trace.db" .dump | sha256sum)" "$(sqlite3 "$db" .dump | sha256sum)"
expect_status 0 "$GORT" info "$T/hot/trace.db"

# Outputs that are not regular files, made here: a character device and a FIFO receive the
# output and stay what they were; a symbolic link (dangling or not) and a directory are refused.
mkdir "$T/special"
S=$T/special
mknod "$S/null" c 1 3 2>/dev/null || true
mkfifo "$S/fifo"
if [ -e "$S/null" ]; then
  expect_status 0 "$GORT" flame "$db" -o "$S/null"
  expect_eq "$(stat -c %F "$S/null")" "character special file"
fi
cat "$S/fifo" > "$T/from-fifo" &
reader=$!
expect_status 0 "$GORT" flame "$db" --folded -o "$S/fifo"
wait "$reader"
expect_eq "$(stat -c %F "$S/fifo")" "fifo"
"$GORT" flame "$db" --folded > "$T/folded"
cmp -s "$T/from-fifo" "$T/folded" || fail "the FIFO did not get the folded stacks"
ln -s "$S/nowhere.svg" "$S/dangling.svg"
echo keep > "$S/target.svg"
ln -s "$S/target.svg" "$S/link.svg"
for l in dangling link; do
  expect_status 2 "$GORT" flame "$db" -o "$S/$l.svg"
  expect_contains "$(cat "$T/err")" "gort flame: $S/$l.svg: is a symbolic link: name the file itself"
  [ -L "$S/$l.svg" ] || fail "$l.svg was replaced"
done
[ ! -e "$S/nowhere.svg" ] || fail "the dangling link's target was created"
expect_eq "$(cat "$S/target.svg")" keep
expect_status 2 "$GORT" export "$db" --format chrome -o "$S"
expect_contains "$(cat "$T/err")" "gort export: $S: is a directory"
expect_eq "$(ls "$S" | grep -c -v -x -e dangling.svg -e fifo -e link.svg -e null -e target.svg)" 0
