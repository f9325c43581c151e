#!/bin/sh
# The tracer's costs, each beside a peer measured in the same run (the machine is noisy:
# read the ratios):
#   1. ns per event in the probe, without stacks, beside one TSC read (the probe's floor)
#   2. ns per event with a 16-deep stack, beside unw_backtrace of 16 frames alone
#   3. events per second from the program into SQLite with nothing lost, beside a plain
#      prepared-statement insert loop into SQLite (tracer_sqlite_peer)
#   4. bytes per event on disk
#   5. the slowdown of programs under gort record: libgort's map (insert, lookup, delete: a
#      probe per operation) and a hashing loop with a probe per round
# Env: BUILD, N (events for 3, default 5000000).
BUILD=${BUILD:-build}
G=$PWD/$BUILD/gort
P=$PWD/$BUILD/bench/tracer_probe
PEER=$PWD/$BUILD/bench/tracer_sqlite_peer
N=${N:-5000000}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
now() { date +%s%N; }
val() { sed -n "s/^$1 //p" "$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
meta() { sqlite3 "$1" "SELECT value FROM meta WHERE key = '$2'"; }

# 1. The probe without stacks, in bursts that fit the buffer (the median burst; the probe's
#    own cost, not the recorder's pace).
"$G" record --no-stacks -o "$T/p.db" -- "$P" probe 1000000 >"$T/p.out" 2>/dev/null
probe=$(val probe_ns "$T/p.out"); tsc=$(val rdtsc_ns "$T/p.out"); off=$(val probe_off_ns "$T/p.out")
echo "probe, no stacks:        $probe ns/event, best burst $(val probe_best_ns "$T/p.out")   (TSC read $tsc ns: x$(ratio "$probe" "$tsc"); target <= 15 ns)"
echo "probe, tracing off:      $off ns/event   (one branch)"

# 2. The probe with a 16-deep stack.
"$G" record --stack-depth 16 -o "$T/s.db" -- "$P" stack 300000 16 >"$T/s.out" 2>/dev/null
sp=$(val stack_probe_ns "$T/s.out"); bt=$(val unw_backtrace_ns "$T/s.out")
echo "probe, 16-frame stack:   $sp ns/event   (unw_backtrace(16) alone $bt ns: x$(ratio "$sp" "$bt"); target <= 150 ns)"

# 3. End to end: N events into SQLite, nothing lost; the peer inserts N rows of the same shape.
t0=$(now)
"$G" record --no-stacks -o "$T/e.db" -- "$P" emit "$N" >/dev/null 2>"$T/e.err"
t1=$(now)
"$PEER" "$T/peer.db" "$N" >"$T/peer.out"
peer=$(val rows_per_s "$T/peer.out")
events=$(meta "$T/e.db" events); lost=$(meta "$T/e.db" events_lost); dur=$(meta "$T/e.db" duration_ns)
[ "$events" = "$N" ] && [ "$lost" = 0 ] || echo "  (!) recorded $events of $N events, $lost lost"
load=$(awk -v n="$N" -v d="$dur" 'BEGIN { printf "%.0f", n / (d / 1e9) }')
total=$(awk -v n="$N" -v d="$((t1 - t0))" 'BEGIN { printf "%.0f", n / (d / 1e9) }')
echo "end to end, while running: $load events/s   (plain SQLite insert loop $peer rows/s: x$(ratio "$load" "$peer"); target >= 1.5 M/s)"
echo "end to end, with indexes and summary tables: $total events/s   (x$(ratio "$total" "$peer") of the insert loop)"

# 4. Bytes per event: the whole file, and the events table alone.
size=$(stat -c %s "$T/e.db")
table=$(sqlite3 "$T/e.db" "SELECT sum(pgsize) FROM dbstat WHERE name IN ('events', 'event_rows')" 2>/dev/null)
echo "bytes per event on disk: $(awk -v s="$size" -v n="$N" 'BEGIN { printf "%.1f", s / n }') (file), $(awk -v s="${table:-0}" -v n="$N" 'BEGIN { printf "%.1f", s / n }') (events table alone); target <= 32 for the file"
size=$(stat -c %s "$T/s.db"); n=$(meta "$T/s.db" events)
echo "bytes per event on disk, 16-frame stacks: $(awk -v s="$size" -v n="$n" 'BEGIN { printf "%.1f", s / n }')"

# 5. Slowdown of a program: its own time untraced, traced without and with stacks (default 32).
W=3000000
"$P" work $W >"$T/w0.out"
"$G" record --no-stacks -o "$T/w1.db" -- "$P" work $W >"$T/w1.out" 2>/dev/null
"$G" record -o "$T/w2.db" -- "$P" work $W >"$T/w2.out" 2>/dev/null
w0=$(val work_ms "$T/w0.out"); w1=$(val work_ms "$T/w1.out"); w2=$(val work_ms "$T/w2.out")
echo "slowdown of a probe-heavy loop ($W probes): untraced $w0 ms, traced x$(ratio "$w1" "$w0") (no stacks), x$(ratio "$w2" "$w0") (stacks)"
"$P" maps 1000000 >"$T/m0.out"
"$G" record --no-stacks -o "$T/m1.db" -- "$P" maps 1000000 >"$T/m1.out" 2>/dev/null
"$G" record -o "$T/m2.db" -- "$P" maps 1000000 >"$T/m2.out" 2>/dev/null
m0=$(val map_op_ns "$T/m0.out"); m1=$(val map_op_ns "$T/m1.out"); m2=$(val map_op_ns "$T/m2.out")
echo "slowdown of libgort's map (1M inserts, lookups, deletes; $(meta "$T/m2.db" events) events): untraced $m0 ns/op, traced x$(ratio "$m1" "$m0") (no stacks), x$(ratio "$m2" "$m0") (stacks)"
