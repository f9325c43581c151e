#!/bin/sh
# The trace's temporary file OUT.tmp-PID and raw file OUT.gort-raw (tracer/outfile.c, raw.c): a
# recorder that is killed leaves both; the next recording to that output is refused while the
# raw file is there, and `--recover` finishes the trace under a recording's rules (only a regular
# file replaced, and that with --force) and removes the dead recorder's temporary, saying so; with
# the raw file deleted by hand, the next recording removes the stale temporary and says so; a
# live recorder's files are never touched; and a recording never replaces an output that
# appeared while it ran (without --force).
# The traced program is a script that says it is running through one FIFO and waits on another,
# so the test knows the recorder's files exist without sleeping.
set -e
. tests/lib.sh
P=$PWD/$BUILD/tests/progs/trace_emit
mkfifo "$T/ready" "$T/go"
cat > "$T/wait.sh" <<EOF
#!/bin/sh
echo up > "$T/ready"
read x < "$T/go"
EOF
chmod +x "$T/wait.sh"
temps() { ls "$T" | grep -c "^$1\.tmp-" || true; }
one_line() { expect_eq "$(wc -l < "$T/err" | tr -d ' ')" 1; expect_contains "$(cat "$T/err")" "$1"; }
# killed OUT: records wait.sh to OUT and kills the recorder (SIGKILL) while it runs; the
# program then ends, orphaned. Sets $rec to the dead recorder's pid.
killed() {
  "$GORT" record -o "$T/$1" -- "$T/wait.sh" 2>/dev/null &
  rec=$!
  read -r up < "$T/ready"
  kill -KILL "$rec"
  set +e; wait "$rec"; st=$?; set -e
  expect_eq "$st" 137
  echo go > "$T/go"
}

# A recorder killed with SIGKILL can remove neither its temporary nor its raw file.
killed k.db
expect_eq "$(temps k.db)" 1
stale=$(ls "$T" | grep '^k\.db\.tmp-')
expect_eq "$stale" "k.db.tmp-$rec"
[ -f "$T/k.db.gort-raw" ] || fail "no raw file left by the killed recorder"
# The next recording to that output is refused: the raw file is there to be recovered.
expect_status 125 "$GORT" record -o "$T/k.db" -- "$P" mapaccess:3
one_line "k.db.gort-raw exists"
# --recover writes the output as a recording would: a symbolic link, a FIFO, or a regular file
# without --force at the output's name is refused with one line, and nothing moves.
ln -s "$T/elsewhere.db" "$T/k.db"
expect_status 125 "$GORT" record --recover "$T/k.db"
one_line "output $T/k.db is a symbolic link"
[ -L "$T/k.db" ] && [ ! -e "$T/elsewhere.db" ] || fail "the link or its target changed"
rm "$T/k.db"; mkfifo "$T/k.db"
expect_status 125 "$GORT" record --force --recover "$T/k.db"
one_line "output $T/k.db is a FIFO"
[ -p "$T/k.db" ] || fail "the FIFO was replaced"
rm "$T/k.db"; echo old > "$T/k.db"
expect_status 125 "$GORT" record --recover "$T/k.db"
one_line "output $T/k.db exists (use --force to replace it)"
expect_eq "$(cat "$T/k.db")" old
expect_eq "$(temps k.db)" 1
[ -f "$T/k.db.gort-raw" ] || fail "a refused recovery removed the raw file"
# A raw file of another raw format (its SESSION chunks say version 1: records packed by values)
# is refused with one line, and left exactly as it was.
python3 - "$T/k.db.gort-raw" "$T/v.db.gort-raw" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
at = 0
while at + 32 <= len(b):
    magic, typ, _, _, _, nwords = struct.unpack_from("<IIIiQQ", b, at)
    if magic != 0x6b6e6863: break
    if typ == 1: struct.pack_into("<I", b, at + 32 + 8, 1)  # raw_session.version
    at += 32 + nwords * 8
open(sys.argv[2], "wb").write(b)
PY
cp "$T/v.db.gort-raw" "$T/v.copy"
expect_status 125 "$GORT" record --recover "$T/v.db"
one_line "v.db.gort-raw was written by another version of gort record (raw format 1; this one reads 2): left as it is"
cmp -s "$T/v.db.gort-raw" "$T/v.copy" || fail "the refused raw file changed"
[ ! -e "$T/v.db" ] || fail "a refused recovery wrote an output"
rm "$T/v.db.gort-raw" "$T/v.copy"
# With --force it replaces the regular file and removes the dead recorder's temporary, one line.
expect_status 0 "$GORT" record --force --recover "$T/k.db"
expect_contains "$(cat "$T/err")" "gort record: removed $T/$stale, left by a recording that did not finish"
expect_eq "$(grep -c 'removed' "$T/err")" 1
expect_eq "$(temps k.db)" 0
[ ! -e "$T/k.db.gort-raw" ] || fail "the raw file is left after the recovery"
expect_eq "$(sqlite3 "$T/k.db" "SELECT value FROM meta WHERE key = 'recovered'")" 1

# An empty raw file (a recorder killed between creating it and writing its first chunk, before
# the program started) holds nothing to recover: --recover removes it, one line, status 125, and
# the next recording to that output runs.
: > "$T/e.db.gort-raw"
expect_status 125 "$GORT" record --recover "$T/e.db"
one_line "nothing to recover: $T/e.db.gort-raw was empty (its recorder died before the program started): removed"
[ ! -e "$T/e.db.gort-raw" ] && [ ! -e "$T/e.db" ] || fail "the empty raw file is left, or an output was written"
expect_status 0 "$GORT" record -o "$T/e.db" -- "$P" mapaccess:1

# The raw file deleted by hand (its region with it): the next recording to that output removes
# the stale temporary, one line, and records normally.
killed m.db
stale=$(ls "$T" | grep '^m\.db\.tmp-')
rm "$T/m.db.gort-raw"
rm -f "/dev/shm/gort-record-$rec-"*
expect_status 0 "$GORT" record -o "$T/m.db" -- "$P" mapaccess:3
expect_contains "$(cat "$T/err")" "gort record: removed $T/$stale, left by a recording that did not finish"
expect_eq "$(grep -c 'removed' "$T/err")" 1
expect_eq "$(temps m.db)" 0
expect_eq "$(sqlite3 "$T/m.db" "SELECT count(*) FROM events WHERE kind = 'mapaccess'")" 3

# A recorder still running: another recording and a recovery to the same output are refused
# and leave its files alone. The output appears while it runs (another trace copied there):
# finding it taken at the end, the recorder replaces nothing (one line, status 125, its
# temporary and raw file removed).
"$GORT" record -o "$T/l.db" -- "$T/wait.sh" 2>"$T/a.err" &
rec=$!
read -r up < "$T/ready"
expect_status 125 "$GORT" record -o "$T/l.db" -- "$P" mapaccess:5
one_line "l.db.gort-raw exists"
expect_status 125 "$GORT" record --recover "$T/l.db"
one_line "in use by a running gort record"
expect_eq "$(temps l.db)" 1
cp "$T/m.db" "$T/l.db"
echo go > "$T/go"
set +e; wait "$rec"; st=$?; set -e
expect_eq "$st" 125
# (wait.sh emits no events, which a warning says; the failure is one line after it)
expect_eq "$(grep -v 'emitted no events' "$T/a.err" | wc -l | tr -d ' ')" 1
expect_contains "$(cat "$T/a.err")" "gort record: output $T/l.db appeared while recording: not replaced"
expect_eq "$(sqlite3 "$T/l.db" "SELECT count(*) FROM events WHERE kind = 'mapaccess'")" 3
expect_eq "$(temps l.db)" 0
[ ! -e "$T/l.db.gort-raw" ] || fail "the raw file is left after a failed recording"

# With --force an existing regular file is replaced; a recording that fails leaves nothing.
expect_status 0 "$GORT" record --force -o "$T/l.db" -- "$P" mapaccess:2
expect_eq "$(sqlite3 "$T/l.db" "SELECT count(*) FROM events WHERE kind = 'mapaccess'")" 2
printf '\177ELF garbage' > "$T/bad"; chmod 755 "$T/bad"
expect_status 126 "$GORT" record --force -o "$T/l.db" -- "$T/bad"
expect_contains "$(cat "$T/err")" "Exec format error"
expect_eq "$(temps l.db)" 0
expect_eq "$(ls "$T" | grep -c 'gort-raw' || true)" 0
expect_eq "$(sqlite3 "$T/l.db" "SELECT count(*) FROM events WHERE kind = 'mapaccess'")" 2
