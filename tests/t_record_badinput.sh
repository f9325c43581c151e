#!/bin/sh
# Bad input: one line naming the problem, no file left behind, and env(1)'s exit statuses so
# gort record's own failures never pass for the program's: 125 gort record failed, 126 the
# program cannot be run, 127 it was not found.
set -e
. tests/lib.sh
P=$PWD/$BUILD/tests/progs/trace_emit
cd "$T"
one_line() { # expected substring
  expect_eq "$(wc -l < "$T/err")" 1
  expect_contains "$(cat "$T/err")" "$1"
  expect_eq "$(ls "$T" | grep -v -e '^out$' -e '^err$' -e '^exists.db$' -e '^ro$' -e '^special$' | wc -l)" 0
}
expect_status 125 "$GORT" record --bogus -- "$P"; one_line "unknown option --bogus"
expect_status 125 "$GORT" record --stack-depth 0 -- "$P"; one_line "--stack-depth"
expect_status 125 "$GORT" record --buffer 12Q -- "$P"; one_line "--buffer"
expect_status 125 "$GORT" record -o; one_line "needs a value"
expect_status 125 "$GORT" record; one_line "needs a PROGRAM"
expect_status 127 "$GORT" record -- "$T/no-such-program"; one_line "no such program: $T/no-such-program"
expect_status 127 "$GORT" record -- no-such-program-on-path; one_line "no such program: no-such-program-on-path"
echo 'not a program' > "$T/ro"; chmod 644 "$T/ro"
expect_status 126 "$GORT" record -- "$T/ro"; one_line "not an executable file"
expect_status 126 "$GORT" record -- /etc; one_line "not an executable file"
printf '\177ELF garbage' > "$T/ro"; chmod 755 "$T/ro"
expect_status 126 "$GORT" record -- "$T/ro"; one_line "cannot run $T/ro: Exec format error"
echo x > "$T/exists.db"
expect_status 125 "$GORT" record -o "$T/exists.db" -- "$P"; one_line "exists (use --force"
expect_eq "$(cat "$T/exists.db")" x
expect_status 125 "$GORT" record -o "$T/nodir/t.db" -- "$P"; one_line "cannot write $T/nodir/t.db"
expect_status 125 "$GORT" record -o "$T" -- "$P"; one_line "is a directory"
if [ "$(id -u)" != 0 ]; then
  mkdir "$T/locked"; chmod 500 "$T/locked"
  expect_status 125 "$GORT" record -o "$T/locked/t.db" -- "$P"; one_line "cannot write"
  rmdir "$T/locked"
fi
# The option conventions: -oFILE, --output=FILE, a unique prefix; the program's own options
# are its own (options end at PROGRAM, with or without --).
expect_status 125 "$GORT" record --no-stakcs -- "$P"; one_line "unknown option --no-stakcs; did you mean --no-stacks?"
expect_status 125 "$GORT" record --force=yes -- "$P"; one_line "option --force takes no value"
expect_status 125 "$GORT" record -o "" -- "$P"; one_line "the output file name is empty"
expect_status 127 "$GORT" record -- "$T/no-such-program" --force; one_line "no such program"
# A program that exits 125, 126 or 127 itself is passed on as it is: the status is the
# program's, and the summary line says a trace was written.
printf '#!/bin/sh\nexit $1\n' > "$T/exits"; chmod 755 "$T/exits"
for st in 125 126 127; do
  expect_status $st "$GORT" record -o"$T/e$st.db" "$T/exits" $st
  expect_contains "$(cat "$T/err")" "gort record: "
  [ -f "$T/e$st.db" ] || fail "no trace for a program that exited $st"
  rm -f "$T/e$st.db"
done
rm -f "$T/exits"
# Only a regular file is ever replaced, --force or not: a device node, FIFO or socket at the
# output name is refused before the program runs and stays what it was (as root, `-o /dev/null`
# once replaced /dev/null). Each is made here, in $T/special.
mkdir "$T/special"
S=$T/special
mknod "$S/null" c 1 3 2>/dev/null || true    # a character device (needs root)
mkfifo "$S/fifo"
python3 -c "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$S/sock" 2>/dev/null || true
for f in null fifo sock; do
  [ -e "$S/$f" ] || continue
  kind=$(stat -c %F "$S/$f")
  for force in "" --force; do
    # shellcheck disable=SC2086
    expect_status 125 "$GORT" record $force -o "$S/$f" -- "$P" mapaccess:1; one_line "gort record writes only regular files"
    expect_eq "$(stat -c %F "$S/$f")" "$kind"
  done
done
[ ! -e "$S/sock" ] || expect_contains "$(cat "$T/err")" "$S/sock is a socket"
expect_status 125 "$GORT" record --force -o "$S/fifo" -- "$P" mapaccess:1; one_line "$S/fifo is a FIFO"
if [ -e "$S/null" ]; then
  expect_status 125 "$GORT" record --force -o "$S/null" -- "$P" mapaccess:1; one_line "$S/null is a character device"
fi
# A symbolic link, dangling or not, is refused (named in README): replacing the link would break
# what relies on it, following it would write wherever it points. Neither it nor its target moves.
ln -s "$S/nowhere.db" "$S/dangling.db"
echo target > "$S/target.db"
ln -s "$S/target.db" "$S/link.db"
for l in dangling link; do
  for force in "" --force; do
    # shellcheck disable=SC2086
    expect_status 125 "$GORT" record $force -o "$S/$l.db" -- "$P" mapaccess:1; one_line "is a symbolic link: name the file itself"
    [ -L "$S/$l.db" ] || fail "$l.db is no longer a symbolic link"
  done
done
[ ! -e "$S/nowhere.db" ] || fail "the dangling link's target was created"
expect_eq "$(cat "$S/target.db")" target
expect_eq "$(ls "$S" | grep -c -v -x -e dangling.db -e fifo -e link.db -e null -e sock -e target.db)" 0
# The raw file beside the output (OUT.gort-raw) is never someone else's file: one that is not a
# regular file (here a symbolic link, then a FIFO) is refused by a recording and by --recover,
# and stays as it was.
ln -s "$S/target.db" "$S/r.db.gort-raw"
expect_status 125 "$GORT" record -o "$S/r.db" -- "$P" mapaccess:1; one_line "r.db.gort-raw is a symbolic link, not a raw file of gort record"
expect_status 125 "$GORT" record --recover "$S/r.db"; one_line "r.db.gort-raw is a symbolic link, not a raw file of gort record: nothing recovered"
[ -L "$S/r.db.gort-raw" ] && [ ! -e "$S/r.db" ] || fail "the raw file's link was replaced, or an output written"
expect_eq "$(cat "$S/target.db")" target
rm "$S/r.db.gort-raw"; mkfifo "$S/r.db.gort-raw"
expect_status 125 "$GORT" record --recover "$S/r.db"; one_line "r.db.gort-raw is a FIFO"
[ -p "$S/r.db.gort-raw" ] || fail "the FIFO was replaced"
rm "$S/r.db.gort-raw"
# --help is not an error.
expect_status 0 "$GORT" record --help
expect_contains "$(cat "$T/out")" "usage: gort record"
