#!/bin/sh
# Records the recorder cannot read are counted, not hidden. A producer that breaks the record
# format (tests/progs/trace_emit malformed:N — a record header claiming 65535 payload words, each
# written after the recorder consumed the one before) or the protocol (overrun:N — its head moved
# more than the ring ahead of the tail) gives meta.records_malformed = the number of them and the
# stats view's error row records_malformed the same, gort record warns once with the count, and
# the well-formed events of the program's other threads and steps are all kept. A ring abandoned
# after a malformed record is recycled and read again (a later step claims one). A recovery
# counts them as well: the count comes from the raw file (a gap in a ring's positions), not from
# the dead recorder's memory.
set -e
. tests/lib.sh
P=$BUILD/tests/progs/trace_emit
expect_status 0 "$GORT" record --no-stacks -o "$T/m.db" -- "$P" mapassign:100 malformed:4 threads:2:1000 \
  overrun:2 malformed:3 mapassign:100
q() { sqlite3 "$T/m.db" "$1"; }
expect_eq "$(q "SELECT value FROM meta WHERE key = 'records_malformed'")" 9
expect_eq "$(q "SELECT severity, source, value FROM stats WHERE name = 'records_malformed'")" "error|trace|9"
expect_eq "$(grep -c 'malformed' "$T/err")" 1
expect_contains "$(cat "$T/err")" "gort record: warning: 9 malformed records"
# Every well-formed event is there: 200 mapassign on the main thread, 1000 mapaccess per worker.
expect_eq "$(q "SELECT count(*), count(DISTINCT arg0) FROM events WHERE kind = 'mapassign'")" "200|100"
expect_eq "$(q "SELECT count(*) FROM events WHERE kind = 'mapaccess'")" 2000
expect_eq "$(q "SELECT count(*) FROM events")" 2200
expect_eq "$(q "SELECT value FROM meta WHERE key = 'events_lost'")" 0

# A program that breaks nothing: 0, and no warning.
expect_status 0 "$GORT" record --no-stacks -o "$T/ok.db" -- "$P" mapassign:100
expect_eq "$(sqlite3 "$T/ok.db" "SELECT value FROM stats WHERE name = 'records_malformed'")" 0
case "$(cat "$T/err")" in *malformed*) fail "a warning about malformed records where there were none" ;; esac

# The recorder is killed (SIGKILL) after the program has written them and said "ready" (read
# through a fifo: no timing); the program runs on until its SIGINT; --recover counts them all.
mkfifo "$T/ready.fifo"
"$GORT" record --no-stacks -o "$T/r.db" -- "$P" malformed:3 overrun:2 untilint:0 >"$T/ready.fifo" 2>"$T/rec.err" &
rec=$!
exec 3<"$T/ready.fifo"
read -r line <&3 || true
expect_eq "$line" ready
prog=$(pgrep -P $rec)
kill -KILL $rec
set +e; wait $rec; set -e
kill -INT "$prog"
while kill -0 "$prog" 2>/dev/null; do sleep 0.05; done # the program runs on, to its end
exec 3<&-
expect_status 0 "$GORT" record --recover "$T/r.db"
expect_contains "$(cat "$T/err")" "gort record: warning: 5 malformed records"
expect_eq "$(sqlite3 "$T/r.db" "SELECT value FROM meta WHERE key = 'records_malformed'")" 5
expect_eq "$(sqlite3 "$T/r.db" "SELECT value FROM meta WHERE key = 'recovered'")" 1
