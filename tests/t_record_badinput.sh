#!/bin/sh
# Bad input: one line naming the problem, exit status 2, and no file left behind.
set -e
. tests/lib.sh
P=$PWD/$BUILD/tests/progs/trace_emit
cd "$T"
one_line() { # expected substring
  expect_eq "$(wc -l < "$T/err")" 1
  expect_contains "$(cat "$T/err")" "$1"
  expect_eq "$(ls "$T" | grep -v -e '^out$' -e '^err$' -e '^exists.db$' -e '^ro$' | wc -l)" 0
}
expect_status 2 "$GORT" record --bogus -- "$P"; one_line "unknown option --bogus"
expect_status 2 "$GORT" record --stack-depth 0 -- "$P"; one_line "--stack-depth"
expect_status 2 "$GORT" record --buffer 12Q -- "$P"; one_line "--buffer"
expect_status 2 "$GORT" record -o; one_line "needs a value"
expect_status 2 "$GORT" record; one_line "no program"
expect_status 2 "$GORT" record -- "$T/no-such-program"; one_line "no such program: $T/no-such-program"
expect_status 2 "$GORT" record -- no-such-program-on-path; one_line "no such program: no-such-program-on-path"
echo 'not a program' > "$T/ro"; chmod 644 "$T/ro"
expect_status 2 "$GORT" record -- "$T/ro"; one_line "not an executable file"
expect_status 2 "$GORT" record -- /etc; one_line "not an executable file"
printf '\177ELF garbage' > "$T/ro"; chmod 755 "$T/ro"
expect_status 2 "$GORT" record -- "$T/ro"; one_line "cannot run $T/ro: Exec format error"
echo x > "$T/exists.db"
expect_status 2 "$GORT" record -o "$T/exists.db" -- "$P"; one_line "exists (use --force"
expect_eq "$(cat "$T/exists.db")" x
expect_status 2 "$GORT" record -o "$T/nodir/t.db" -- "$P"; one_line "cannot write $T/nodir/t.db"
expect_status 2 "$GORT" record -o "$T" -- "$P"; one_line "is a directory"
if [ "$(id -u)" != 0 ]; then
  mkdir "$T/locked"; chmod 500 "$T/locked"
  expect_status 2 "$GORT" record -o "$T/locked/t.db" -- "$P"; one_line "cannot write"
  rmdir "$T/locked"
fi
# --help is not an error.
expect_status 0 "$GORT" record --help
expect_contains "$(cat "$T/out")" "usage: gort record"
