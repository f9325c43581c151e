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
  expect_eq "$(ls "$T" | grep -v -e '^out$' -e '^err$' -e '^exists.db$' -e '^ro$' | wc -l)" 0
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
# --help is not an error.
expect_status 0 "$GORT" record --help
expect_contains "$(cat "$T/out")" "usage: gort record"
