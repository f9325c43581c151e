#!/bin/sh
# Ctrl-C on gort record behaves as in a shell: the terminal sends SIGINT to the whole
# foreground group, so the program gets it — once: the recorder does not send it again — and
# the recorder keeps every event up to the program's end. gort record runs on a pseudo-terminal
# (python3's pty), which gets a ^C once the program has said "ready"; the program counts the
# SIGINTs it receives for 200 ms and then reports what it emitted.
set -e
. tests/lib.sh
P=$BUILD/tests/progs/trace_emit
cat > "$T/ctrlc_tty.py" <<'PY'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b''
while b'ready' not in out:
    chunk = os.read(fd, 4096)
    if not chunk:
        break
    out += chunk
os.write(fd, b'\x03')
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors='replace'))
sys.exit(os.waitstatus_to_exitcode(status))
PY
expect_status 0 python3 "$T/ctrlc_tty.py" "$GORT" record --no-stacks -o "$T/c.db" -- "$P" untilint:200
q() { sqlite3 "$T/c.db" "$1"; }
n=$(q "SELECT arg0 FROM events WHERE kind = 'goend'")
[ "$n" -gt 0 ] || fail "the program emitted nothing before the ^C"
expect_eq "$(q "SELECT arg1 FROM events WHERE kind = 'goend'")" 1
expect_eq "$(q "SELECT count(*), max(arg0) FROM events WHERE kind = 'mapassign'")" "$n|$((n - 1))"
expect_eq "$(q "SELECT value FROM meta WHERE key = 'ended'")" exit
expect_eq "$(q "SELECT value FROM meta WHERE key = 'events_lost'")" 0
