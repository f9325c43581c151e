#!/bin/sh
# gort record stores exactly the events a program emitted, kind by kind, passes its exit
# status on, prints one summary line, and a program run without gort record is untraced.
set -e
. tests/lib.sh
P=$BUILD/tests/progs/trace_emit
steps="makemap:3 mapassign:25000 mapaccess:40000 mapdelete:777 hashgrow:5 evacuate:64 gc_start:2 fatal:1"
expect_status 0 "$GORT" record -o "$T/t.db" -- "$P" $steps
# The expected counts come from the steps themselves.
want=$(for s in $steps; do echo "$s"; done | sort | tr ':' '|' | tr '\n' ' ')
got=$(sqlite3 "$T/t.db" "SELECT kind, count(*) FROM events GROUP BY kind ORDER BY kind" | tr '\n' ' ')
expect_eq "$got" "$want"
total=$(for s in $steps; do echo "${s#*:}"; done | awk '{ n += $1 } END { print n }')
expect_eq "$(sqlite3 "$T/t.db" "SELECT value FROM meta WHERE key = 'events'")" "$total"
expect_eq "$(sqlite3 "$T/t.db" "SELECT value FROM meta WHERE key = 'events_lost'")" 0
# Each kind's events are the program's loop in order: arg0 = 0..N-1, arg1 = N.
expect_eq "$(sqlite3 "$T/t.db" "SELECT count(*) FROM (SELECT kind, min(arg0) lo, max(arg0) hi,
             count(DISTINCT arg0) n, min(arg1) a1 FROM events GROUP BY kind)
             WHERE lo != 0 OR hi != n - 1 OR a1 != n")" 0
# One summary line: events, lost, duration, file.
case "$(cat "$T/err")" in
  "gort record: $total events, 0 lost, "*" s, $T/t.db") ;;
  *) fail "summary line: $(cat "$T/err")" ;;
esac
expect_eq "$(wc -l < "$T/err")" 1
# The program's own exit status; meta records it and how the program ended.
expect_status 7 "$GORT" record -o "$T/e.db" -- "$P" mapassign:10 exit:7
expect_eq "$(sqlite3 "$T/e.db" "SELECT value FROM meta WHERE key IN ('exit_status', 'ended') ORDER BY key")" "exit
7"
expect_eq "$(sqlite3 "$T/e.db" "SELECT count(*) FROM events")" 10
# The last fatal event tells how a program that exited with status 2 ended.
expect_status 0 "$GORT" record -o "$T/f.db" -- "$P" fatal:1
expect_eq "$(sqlite3 "$T/f.db" "SELECT value FROM meta WHERE key = 'ended'")" "fatal error"
# Meta: the command line, the clock, the schema version.
expect_eq "$(sqlite3 "$T/t.db" "SELECT value FROM meta WHERE key = 'command'")" "$P $steps"
expect_eq "$(sqlite3 "$T/t.db" "SELECT value FROM meta WHERE key = 'schema_version'")" 2
case "$(sqlite3 "$T/t.db" "SELECT value FROM meta WHERE key = 'clock'")" in tsc|monotonic) ;; *) fail clock ;; esac
# PATH lookup of the program, and a run without the recorder: untraced, no variable needed.
PATH="$(dirname "$P"):$PATH" expect_status 0 "$GORT" record -o "$T/p.db" -- trace_emit mapaccess:3
expect_eq "$(sqlite3 "$T/p.db" "SELECT count(*) FROM events")" 3
expect_status 0 "$P" mapassign:1000
# --force replaces an existing trace.
expect_status 0 "$GORT" record --force -o "$T/p.db" -- "$P" mapaccess:5
expect_eq "$(sqlite3 "$T/p.db" "SELECT count(*) FROM events")" 5
# A child forked by the program runs untraced: it does not write into its parent's buffer.
expect_status 0 "$GORT" record -o "$T/k.db" -- "$P" mapassign:500 fork:100000 mapdelete:500
expect_eq "$(sqlite3 "$T/k.db" "SELECT kind, count(*) FROM events GROUP BY kind ORDER BY kind" | tr '\n' ' ')" "mapassign|500 mapdelete|500 "
