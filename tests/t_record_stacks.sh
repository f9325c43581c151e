#!/bin/sh
# Stacks: each event carries its call stack, identical stacks are stored once, and the
# recorder symbolizes them to the functions that called the probe, with file:line.
# --stack-depth and --no-stacks limit the capture; --profile-hz samples where CPU time goes.
set -e
. tests/lib.sh
P=$BUILD/tests/progs/trace_emit
expect_status 0 "$GORT" record -o "$T/s.db" -- "$P" nested:1000
# trace_fn_outer -> trace_fn_middle -> trace_fn_inner -> probe: innermost first.
expect_eq "$(sqlite3 "$T/s.db" "SELECT count(*), count(DISTINCT stack_id) FROM events WHERE kind = 'mapassign'")" "1000|1"
sid=$(sqlite3 "$T/s.db" "SELECT stack_id FROM events WHERE kind = 'mapassign' LIMIT 1")
expect_eq "$(sqlite3 "$T/s.db" "SELECT symbol FROM stack_frames WHERE stack_id = $sid AND depth < 4 ORDER BY depth" | tr '\n' ' ')" \
  "trace_fn_inner trace_fn_middle trace_fn_outer main "
# Source lines: the call sites in trace_emit.c, found with grep in the source itself.
for fn in trace_fn_inner trace_fn_middle trace_fn_outer; do
  line=$(sqlite3 "$T/s.db" "SELECT file || ':' || line FROM stack_frames WHERE stack_id = $sid AND symbol = '$fn'")
  case "$line" in *trace_emit.c:*) ;; *) fail "no file:line for $fn: [$line]" ;; esac
  src=$(sed -n "${line##*:}p" tests/progs/trace_emit.c)
  case "$fn" in
    trace_fn_inner) expect_contains "$src" "gort__emit(" ;;
    trace_fn_middle) expect_contains "$src" "trace_fn_inner(" ;;
    trace_fn_outer) expect_contains "$src" "trace_fn_middle(" ;;
  esac
done
expect_eq "$(sqlite3 "$T/s.db" "SELECT module FROM stack_frames WHERE stack_id = $sid AND depth = 0")" "$(readlink -f "$P")"
# Stacks stored once: no two stacks rows with the same frames.
expect_eq "$(sqlite3 "$T/s.db" "SELECT count(*) - count(DISTINCT f) FROM (SELECT group_concat(frame_id) f
             FROM (SELECT stack_id, frame_id FROM stack_entries ORDER BY stack_id, depth) GROUP BY stack_id)")" 0
# Depth limits.
expect_status 0 "$GORT" record --stack-depth 2 -o "$T/d.db" -- "$P" nested:10
expect_eq "$(sqlite3 "$T/d.db" "SELECT DISTINCT s.depth FROM events e JOIN stacks s ON s.id = e.stack_id")" 2
expect_status 0 "$GORT" record --no-stacks -o "$T/n.db" -- "$P" nested:10
expect_eq "$(sqlite3 "$T/n.db" "SELECT count(*), count(stack_id) FROM events")" "10|0"
# Profiling: cpu_sample events whose stack starts in the busy loop, called from main.
expect_status 0 "$GORT" record --profile-hz 1000 -o "$T/p.db" -- "$P" spin:400
n=$(sqlite3 "$T/p.db" "SELECT count(*) FROM events WHERE kind = 'cpu_sample'")
[ "$n" -gt 0 ] || fail "no cpu_sample events"
# Most samples are in trace_busy_loop (the rest in clock_gettime, which it calls).
inloop=$(sqlite3 "$T/p.db" "SELECT count(DISTINCT e.id) FROM events e JOIN stack_frames f ON f.stack_id = e.stack_id
          WHERE e.kind = 'cpu_sample' AND f.symbol = 'trace_busy_loop'")
[ $((inloop * 2)) -gt "$n" ] || fail "only $inloop of $n samples in trace_busy_loop"
# Every sampled pc in the program's own code is symbolized, a PLT stub included ("fn@plt").
# Not so in any module: a stripped system library's internal functions have no symbol (the
# dynamic loader resolving the loop's first clock_gettime, slow on a cold first run, without
# the libc debug package), and the vDSO has no file to read.
expect_eq "$(sqlite3 "$T/p.db" "SELECT count(*) FROM events e JOIN stack_frames f ON f.stack_id = e.stack_id
             WHERE e.kind = 'cpu_sample' AND f.depth = 0 AND f.symbol IS NULL
             AND f.module = (SELECT value FROM meta WHERE key = 'program')")" 0
# The samples of the main thread add up to its CPU time while traced: the 400 ms loop and a
# little start-up (the periods no signal reported before exit are accounted for at exit).
expect_eq "$(sqlite3 "$T/p.db" "SELECT sum(dur_ns) BETWEEN 395000000 AND 500000000 FROM events WHERE kind = 'cpu_sample'")" 1
# Every running thread is sampled on its own CPU clock: both spinning threads have samples,
# in trace_busy_loop, called from the thread's start function.
expect_status 0 "$GORT" record --profile-hz 1000 -o "$T/q.db" -- "$P" spinthreads:2:300
expect_eq "$(sqlite3 "$T/q.db" "SELECT count(DISTINCT e.tid) FROM events e JOIN stack_frames f ON f.stack_id = e.stack_id
             WHERE e.kind = 'cpu_sample' AND f.symbol = 'spinner_main'
             AND e.tid IN (SELECT tid FROM events WHERE kind = 'gostart')")" 2
# Each sample stands for the CPU time of the timer periods it covers (the kernel folds the
# periods it notices late, at a tick that finds the thread running, into one signal; under
# load a hundred of them), and the periods no signal reported when the thread ends are
# written then (runtime/trace.c): per spinner, the samples add up to its 300 ms of CPU time
# (the loop checks its clock every 100000 rounds, so a little more), whatever the machine's
# load — a count of CPU time, not a measure of wall time.
expect_eq "$(sqlite3 "$T/q.db" "SELECT count(*) FROM (SELECT tid, sum(dur_ns) t FROM events WHERE kind = 'cpu_sample'
             AND tid IN (SELECT tid FROM events WHERE kind = 'gostart') GROUP BY tid)
             WHERE t BETWEEN 299000000 AND 330000000")" 2
expect_eq "$(sqlite3 "$T/q.db" "SELECT count(*) FROM events WHERE kind = 'cpu_sample' AND (arg0 < 1 OR dur_ns != arg0 * 1000000)")" 0
