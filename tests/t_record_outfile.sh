#!/bin/sh
# The trace's temporary file OUT.tmp-PID (tracer/outfile.c): a recorder that is killed leaves
# it, and the next recording to the same output removes it and says so; the temporary of a
# recorder still running is never touched; and a recording never replaces an output that
# appeared while it ran (without --force).
# The traced program is a script that says it is running through one FIFO and waits on another,
# so the test knows the recorder's temporary exists without sleeping.
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

# A recorder killed with SIGKILL cannot remove its temporary.
"$GORT" record -o "$T/k.db" -- "$T/wait.sh" 2>/dev/null &
rec=$!
read -r up < "$T/ready"
expect_eq "$(temps k.db)" 1
stale=$(ls "$T" | grep '^k\.db\.tmp-')
expect_eq "$stale" "k.db.tmp-$rec"
kill -KILL "$rec"
set +e; wait "$rec"; st=$?; set -e
expect_eq "$st" 137
echo go > "$T/go"    # the orphaned program ends
expect_eq "$(temps k.db)" 1
# The next recording to that output removes it, one line, and records normally.
expect_status 0 "$GORT" record -o "$T/k.db" -- "$P" mapaccess:3
expect_contains "$(cat "$T/err")" "gort record: removed $T/$stale, left by a recording that did not finish"
expect_eq "$(grep -c 'removed' "$T/err")" 1
expect_eq "$(temps k.db)" 0
expect_eq "$(sqlite3 "$T/k.db" "SELECT count(*) FROM events WHERE kind = 'mapaccess'")" 3

# A recorder still running keeps its temporary while another records to the same output; the
# first, finding the output taken when it ends, replaces nothing (one line, status 2, its
# temporary removed).
"$GORT" record -o "$T/l.db" -- "$T/wait.sh" 2>"$T/a.err" &
rec=$!
read -r up < "$T/ready"
expect_status 0 "$GORT" record -o "$T/l.db" -- "$P" mapaccess:5
[ "$(grep -c removed "$T/err" || true)" = 0 ] || fail "removed a live recorder's temporary: $(cat "$T/err")"
expect_eq "$(temps l.db)" 1
echo go > "$T/go"
set +e; wait "$rec"; st=$?; set -e
expect_eq "$st" 125
expect_eq "$(wc -l < "$T/a.err" | tr -d ' ')" 1
expect_contains "$(cat "$T/a.err")" "gort record: output $T/l.db appeared while recording: not replaced"
expect_eq "$(sqlite3 "$T/l.db" "SELECT count(*) FROM events WHERE kind = 'mapaccess'")" 5
expect_eq "$(temps l.db)" 0

# With --force an existing regular file is replaced; a recording that fails leaves nothing.
expect_status 0 "$GORT" record --force -o "$T/l.db" -- "$P" mapaccess:2
expect_eq "$(sqlite3 "$T/l.db" "SELECT count(*) FROM events WHERE kind = 'mapaccess'")" 2
printf '\177ELF garbage' > "$T/bad"; chmod 755 "$T/bad"
expect_status 126 "$GORT" record --force -o "$T/l.db" -- "$T/bad"
expect_contains "$(cat "$T/err")" "Exec format error"
expect_eq "$(temps l.db)" 0
expect_eq "$(sqlite3 "$T/l.db" "SELECT count(*) FROM events WHERE kind = 'mapaccess'")" 2
