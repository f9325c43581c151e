#!/bin/sh
# The tracer's costs, each beside a peer measured in the same run (the machine is noisy: read
# the ratios). The peer of the probe is LTTng-UST (a tracepoint with four integer fields, a
# blocking channel: nothing lost, as gort record by default); of the load, a batched-INSERT loop
# into SQLite with the recorder's row shape and pragmas.
#   1. the probe in bursts that fit the buffer (ns/event; target <= 12 ns), beside LTTng's and
#      one TSC read in the same bursts (every event reads the TSC once: the probe's floor on
#      this machine), its instructions per event (callgrind, when valgrind is installed), what
#      a TSC read costs a loop of scattered loads (plain, with a TSC read after each load, with
#      an lfence instead: where the read waits for earlier loads as lfence does, a probe
#      serializes the cache misses of the work around it), and the probe with a 16-deep stack
#      beside unw_backtrace alone
#   2. sustained: N events (5M) as fast as the program can, nothing lost: ns/event inside the
#      program, gort beside LTTng (target: gort <= 1/3 of LTTng's)
#   3. the load into SQLite: events per CPU second of the recorder's load thread beside the
#      batched-INSERT loop's rows per CPU second (target >= 0.9x), and the whole gort record
#      command, program and load, in events per second of wall time
#   4. bytes per event on disk
#   5. slowdown under gort record --no-stacks, timed inside the program: 5M mapassign_fast64 on
#      an 8-key map (target <= x8; with the part of the traced time the program waited for the
#      recorder: its recorded stalls), libgort's map benchmark (target <= x1.5) beside the
#      same benchmark untraced with one TSC read after each operation (the probe's clock
#      alone: the floor of any probe that stamps each event), a probe per round of a hashing
#      loop beside the same loop untraced with a TSC read per round
#   6. time zero: from zero (set just before the program's execve) to libgort's attach and to
#      an event at the start of main (target: within 1 ms of the program's first instruction),
#      beside a plain C program without libgort started the same way, whose main reads the
#      same clock first thing: what exec and the loader cost by themselves, and so what gort
#      adds
#   7. peak heap of record, gaps, timeline, info and export at 1x, 16x and 64x of a workload of
#      0.8M events (bounded, not growing with the trace; target <= 256 MB at 50M events)
# Env: BUILD; N (events for 2 and 3, default 5000000); MAP_ROUNDS (runs of the map benchmark
# in 5, default 5); HEAP_SCALES (default "1 16 64").
BUILD=${BUILD:-build}
G=$PWD/$BUILD/gort
P=$PWD/$BUILD/bench/tracer_probe
E=$PWD/$BUILD/tests/progs/trace_emit
Z=$PWD/$BUILD/bench/zero_emit
PEER=$PWD/$BUILD/bench/tracer_sqlite_peer
N=${N:-5000000}
HEAP_SCALES=${HEAP_SCALES:-"1 16 64"}
T=$(mktemp -d)
SESSIOND=""
cleanup() {
  [ -n "$SESSIOND" ] && kill "$SESSIOND" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE # (the EXIT trap then runs: our session daemon is stopped)
now() { date +%s%N; }
val() { sed -n "s/^$1 //p" "$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f", a / b }'; }
meta() { sqlite3 "$1" "SELECT value FROM meta WHERE key = '$2'"; }
stall_ms() { awk -v s="$(meta "$1" stall_ns)" 'BEGIN { printf "%.0f", s / 1e6 }'; } # DB: its recorded stalls, ms
rec() { "$G" record "$@" 2>/dev/null; }
lower() { awk -v x="$1" -v y="$2" 'BEGIN { print (y == "" || x + 0 < y + 0) ? x : y }'; }

# LTTng: build the peer program and have a session daemon (ours, stopped at exit, unless one
# already answers).
LT=""
if cc -O2 -I"$PWD/bench/lttng" bench/lttng/lttng_probe.c -o "$T/lttng_probe" -llttng-ust -ldl 2>"$T/lt.err"; then
  export LTTNG_HOME="$T/lttng-home"
  mkdir -p "$LTTNG_HOME"
  if ! lttng list >/dev/null 2>&1; then
    lttng-sessiond --no-kernel >"$T/sessiond.log" 2>&1 &
    SESSIOND=$!
    for _ in 1 2 3 4 5 6 7 8 9 10; do lttng list >/dev/null 2>&1 && break; sleep 0.2; done
  fi
  lttng list >/dev/null 2>&1 && LT=$T/lttng_probe
fi
[ -n "$LT" ] || echo "(LTTng-UST is not available: its columns are '-'; make bench installs liblttng-ust-dev and lttng-tools)"
# lttng_run OUT ARGS...: runs the LTTng peer with ARGS in a fresh session, its output in OUT.
lttng_run() {
  out=$1; shift
  if [ -z "$LT" ]; then echo "probe_ns 0" >"$out"; echo "emit_ns 0" >>"$out"; return; fi
  s=gort-bench-$$
  lttng create "$s" -o "$T/lttng-trace" >/dev/null &&
    lttng enable-channel -u -s "$s" --blocking-timeout=inf ch >/dev/null &&
    lttng enable-event -u -s "$s" -c ch 'gort_bench:*' >/dev/null &&
    lttng start "$s" >/dev/null &&
    LTTNG_UST_ALLOW_BLOCKING=1 "$LT" "$@" >"$out"
  lttng stop "$s" >/dev/null 2>&1
  lttng destroy "$s" >/dev/null 2>&1
  rm -rf "$T/lttng-trace"
}

# 1. The probe in bursts that fit the buffer (the median burst: the probe's own cost, not the
#    recorder's pace), beside LTTng's tracepoint in the same bursts.
rec --no-stacks -o "$T/p.db" -- "$P" probe 1000000 >"$T/p.out"
lttng_run "$T/lp.out" probe 1000000
probe=$(val probe_ns "$T/p.out"); tsc=$(val rdtsc_ns "$T/p.out"); lp=$(val probe_ns "$T/lp.out")
pb=$(val probe_best_ns "$T/p.out"); tb=$(val rdtsc_best_ns "$T/p.out")
echo "probe, no stacks:        $probe ns/event, best burst $pb   (LTTng $lp ns: x$(ratio "$probe" "$lp"); target <= 12 ns)"
echo "  its clock alone:       one TSC read in the same bursts $tsc ns, best $tb: the probe's own work beyond it $(awk -v p="$probe" -v t="$tsc" 'BEGIN { printf "%.1f", p - t }') ns, best $(awk -v p="$pb" -v t="$tb" 'BEGIN { printf "%.1f", p - t }') ns"
# Instructions per event, exactly (callgrind counts them): 50000 events fit the default ring, so
# every one takes the probe's fast path, as in the bursts.
if command -v valgrind >/dev/null 2>&1; then
  rec --no-stacks -o "$T/i.db" -- valgrind --tool=callgrind --callgrind-out-file="$T/cg.out" \
    --log-file="$T/cg.err" --toggle-collect=gort__emit "$P" emit 50000 >/dev/null
  echo "  instructions per event: $(awk '/I +refs:/ { gsub(",", "", $NF); printf "%.1f", $NF / 50000 }' "$T/cg.err") (gort__emit and what it calls, counted by callgrind, no stacks)"
  rm -f "$T/i.db" "$T/cg.out"
else
  echo "  (valgrind is not installed: no instruction count; make bench installs it)"
fi
"$P" clock_loads 2000000 >"$T/c.out"
cl=$(val loads_ns "$T/c.out"); ct=$(val loads_tsc_ns "$T/c.out"); cf=$(val loads_lfence_ns "$T/c.out")
echo "  its clock among misses: scattered loads over 64 MiB $cl ns/load; with a TSC read after each $ct ns (x$(ratio "$ct" "$cl")); with an lfence after each $cf ns (x$(ratio "$cf" "$cl"): near the TSC read's, it waits for earlier loads as lfence does)"
echo "probe, tracing off:      $(val probe_off_ns "$T/p.out") ns/event   (one branch)"
rec --stack-depth 16 -o "$T/s.db" -- "$P" stack 300000 16 >"$T/s.out"
sp=$(val stack_probe_ns "$T/s.out"); bt=$(val unw_backtrace_ns "$T/s.out")
echo "probe, 16-frame stack:   $sp ns/event   (unw_backtrace(16) alone $bt ns: x$(ratio "$sp" "$bt"))"

# 2. Sustained: N events as fast as possible, nothing lost.
t0=$(now)
rec --no-stacks -o "$T/e.db" -- "$P" emit "$N" >"$T/e.out"
t1=$(now)
lttng_run "$T/le.out" emit "$N"
ge=$(val emit_ns "$T/e.out"); le=$(val emit_ns "$T/le.out")
events=$(meta "$T/e.db" events); lost=$(meta "$T/e.db" events_lost)
[ "$events" = "$N" ] && [ "$lost" = 0 ] || echo "  (!) recorded $events of $N events, $lost lost"
echo "sustained, $N events:  $ge ns/event   (LTTng $le ns/event: x$(ratio "$ge" "$le"); target <= x0.33; $(meta "$T/e.db" stalls) recorder stalls, $(stall_ms "$T/e.db") ms)"
gc=$(val emit_cpu_ns "$T/e.out"); lc=$(val emit_cpu_ns "$T/le.out")
echo "  the program's CPU:     $gc ns/event   (LTTng's $lc ns/event: x$(ratio "$gc" "$lc"); wall time beyond it is waiting: for the CPU on a busy machine, for the tracer)"

# 3. The load into SQLite, and the whole command.
"$PEER" "$T/peer.db" "$N" >"$T/peer.out"
peer=$(val rows_per_cpu_s "$T/peer.out")
load=$(awk -v n="$events" -v c="$(meta "$T/e.db" load_cpu_ns)" 'BEGIN { printf "%.0f", n / (c / 1e9) }')
total=$(awk -v n="$events" -v d="$((t1 - t0))" 'BEGIN { printf "%.0f", n / (d / 1e9) }')
echo "load into SQLite:        $load events/CPU-s   (batched-INSERT loop $peer rows/CPU-s: x$(ratio "$load" "$peer"); target >= 0.9)"
echo "whole gort record:       $total events/s   (program and load, $(awk -v d="$((t1 - t0))" 'BEGIN { printf "%.2f", d / 1e9 }') s for $N events; finish $(awk -v f="$(meta "$T/e.db" finish_ns)" 'BEGIN { printf "%.2f", f / 1e9 }') s after the program)"

# 4. Bytes per event: the whole file, and the events table alone.
size=$(stat -c %s "$T/e.db")
table=$(sqlite3 "$T/e.db" "SELECT sum(pgsize) FROM dbstat WHERE name = 'event_rows'" 2>/dev/null)
echo "bytes per event on disk: $(awk -v s="$size" -v n="$N" 'BEGIN { printf "%.1f", s / n }') (file), $(awk -v s="${table:-0}" -v n="$N" 'BEGIN { printf "%.1f", s / n }') (events table alone); 16-frame stacks: $(awk -v s="$(stat -c %s "$T/s.db")" -v n="$(meta "$T/s.db" events)" 'BEGIN { printf "%.1f", s / n }')"
rm -f "$T/e.db" "$T/peer.db" "$T/s.db" "$T/p.db"

# 5. Slowdowns, timed inside the program.
"$P" assign8 5000000 >"$T/a0.out"
rec --no-stacks -o "$T/a1.db" -- "$P" assign8 5000000 >"$T/a1.out"
a0=$(val assign8_ms "$T/a0.out"); a1=$(val assign8_ms "$T/a1.out")
a1w=$(stall_ms "$T/a1.db")
echo "slowdown, 5M mapassign_fast64 on 8 keys: untraced $a0 ms, traced (--no-stacks) $a1 ms: x$(ratio "$a1" "$a0")   (target <= x8; $a1w ms of it waiting for the recorder in $(meta "$T/a1.db" stalls) stalls: x$(ratio "$(awk -v a="$a1" -v w="$a1w" 'BEGIN { print a - w }')" "$a0") without them)"
# The map benchmark's runs alternate untraced, traced and traced with stacks, MAP_ROUNDS times
# (a single run of each swings by x1.5 on a shared machine); the ratios are of the best runs,
# with the range of each round's own --no-stacks ratio beside.
# Its floor runs in each round too: untraced, one TSC read after each operation.
m0="" m1="" m2="" mt="" rr=""
r=0
while [ "$r" -lt "${MAP_ROUNDS:-5}" ]; do
  "$P" maps 1000000 >"$T/m0.out"
  rec --no-stacks -o "$T/m1.db" --force -- "$P" maps 1000000 >"$T/m1.out"
  rec -o "$T/m2.db" --force -- "$P" maps 1000000 >"$T/m2.out"
  "$P" maps_tsc 1000000 >"$T/mt.out"
  rr="$rr $(ratio "$(val map_op_ns "$T/m1.out")" "$(val map_op_ns "$T/m0.out")")"
  m0=$(lower "$(val map_op_ns "$T/m0.out")" "$m0"); m1=$(lower "$(val map_op_ns "$T/m1.out")" "$m1")
  m2=$(lower "$(val map_op_ns "$T/m2.out")" "$m2"); mt=$(lower "$(val map_op_ns "$T/mt.out")" "$mt")
  r=$((r + 1))
done
range=$(echo $rr | tr ' ' '\n' | sort -n | sed -n '1p;$p' | tr '\n' ' ' | awk '{ printf "x%s to x%s", $1, $2 }')
echo "slowdown, libgort's map (1M inserts, lookups, deletes; $(meta "$T/m1.db" events) events; best of ${MAP_ROUNDS:-5}): untraced $m0 ns/op, traced x$(ratio "$m1" "$m0") (--no-stacks; target <= x1.5; each round $range), x$(ratio "$m2" "$m0") (stacks)"
echo "  its clock alone:       untraced with one TSC read after each operation x$(ratio "$mt" "$m0"): the recorder beyond its clock x$(ratio "$m1" "$mt")"
W=3000000
"$P" work $W >"$T/w0.out"
rec --no-stacks -o "$T/w1.db" -- "$P" work $W >"$T/w1.out"
"$P" work_tsc $W >"$T/wt.out"
w0=$(val work_ms "$T/w0.out"); w1=$(val work_ms "$T/w1.out"); wt=$(val work_ms "$T/wt.out")
w1w=$(stall_ms "$T/w1.db")
echo "slowdown, a probe per round of a hashing loop ($W): untraced $w0 ms, traced x$(ratio "$w1" "$w0") (--no-stacks; $w1w ms of it waiting for the recorder in $(meta "$T/w1.db" stalls) stalls)"
echo "  its clock alone:       untraced with one TSC read after each round x$(ratio "$wt" "$w0"): the recorder beyond its clock x$(ratio "$w1" "$wt"), x$(ratio "$(awk -v a="$w1" -v w="$w1w" 'BEGIN { print a - w }')" "$wt") without the stalls"
rm -f "$T"/a1.db "$T"/m1.db "$T"/m2.db "$T"/w1.db

# 6. Time zero. Zero is set in the program's process just before its execve; each program is
#    started by gort record the same way, 15 times, interleaved; medians and bests. The peers are
#    a plain C program (libc only; linked once more with libunwind, which brings liblzma) whose
#    main reads the TSC first thing (bench/zero/zero_peer.c): exec, the loader and libc by
#    themselves. The libgort program's main emits an event first thing (bench/zero_emit.c); what
#    gort adds is its first event's time less the plain program's main. Each also prints the CPU
#    time its process had used when main began, which a busy machine disturbs far less.
ZP="$T/zero_plain"; ZU="$T/zero_unwind"
cc -O2 -Iformat bench/zero/zero_peer.c -o "$ZP" &&
  cc -O2 -Iformat bench/zero/zero_peer.c -o "$ZU" -Wl,--no-as-needed -lunwind -Wl,--as-needed || ZP=""
med() { sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR) printf "%.2f", v[int((NR + 1) / 2)] / 1e6; else print "-" }'; }
best() { sort -n "$1" | awk 'NR == 1 { printf "%.2f", $1 / 1e6 }'; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.2f", a - b }'; }
if [ -n "$ZP" ]; then
  for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
    for v in p u; do
      [ $v = p ] && prog=$ZP || prog=$ZU
      rec -o "$T/z.db" -- "$prog" >"$T/z.out"; rm -f "$T/z.db"
      val main_ns "$T/z.out" >>"$T/z$v"; val main_cpu_ns "$T/z.out" >>"$T/zc$v"
    done
    for s in n s; do
      [ $s = n ] && opt=--no-stacks || opt=--stack-depth=32
      rec "$opt" -o "$T/z.db" -- "$Z" >"$T/z.out"
      meta "$T/z.db" attach_ns >>"$T/za$s"
      sqlite3 "$T/z.db" "SELECT min(ts_ns) FROM events" >>"$T/zf$s"
      val main_cpu_ns "$T/z.out" >>"$T/zc$s"
      rm -f "$T/z.db"
    done
  done
  zp=$(med "$T/zp"); zu=$(med "$T/zu"); bp=$(best "$T/zp"); bu=$(best "$T/zu"); cp=$(med "$T/zcp")
  echo "time zero (median and best of 15 runs each; zero is set in the program's process just before execve; cpu: the process's CPU time when main began):"
  echo "  plain C program, libc only:     main at $zp ms (best $bp; cpu $cp)   (exec, the loader and libc by themselves, on this machine now)"
  echo "  the same linked with libunwind: main at $zu ms (best $bu; cpu $(med "$T/zcu"))   ($(sub "$zu" "$zp") ms, best $(sub "$bu" "$bp"), cpu $(sub "$(med "$T/zcu")" "$cp"): loading libunwind and liblzma)"
  for s in n s; do
    [ $s = n ] && what="libgort program, --no-stacks:" || what="libgort program, stacks:     "
    zf=$(med "$T/zf$s"); bf=$(best "$T/zf$s"); cf=$(med "$T/zc$s")
    echo "  $what  attach at $(med "$T/za$s") ms, first event (start of main) at $zf ms (best $bf; cpu $cf): gort adds $(sub "$zf" "$zp") ms to the plain program (best to best $(sub "$bf" "$bp"), cpu $(sub "$cf" "$cp"))"
  done
  echo "  (target: the first event within 1 ms of the program's first instruction. gort answers for what it adds; exec and"
  echo "   the loader take $zp ms here by themselves, so no program started by execve has its main within 1 ms of zero on this machine)"
fi

# 7. Peak heap at 1x, 16x and 64x of a workload of 0.8M events (trace_emit's story: maps made,
#    grown, freed, deferred calls, goroutines, GC cycles; 3 threads).
if cc -O2 -shared -fPIC bench/heap/heap_peak.c -o "$T/heap_peak.so" 2>/dev/null; then
  heap() { # OUT COMMAND...: the command's peak heap in MB into OUT
    out=$1; shift
    LD_PRELOAD="$T/heap_peak.so" HEAP_PEAK_OUT="$T/hp" "$@" >/dev/null 2>&1
    awk '{ printf "%.1f", $2 / 1048576 }' "$T/hp" >"$out"
  }
  printf "peak heap, MB:  %-10s %8s %8s %8s %8s %8s %8s\n" scale events record gaps timeline info export
  for k in $HEAP_SCALES; do
    db=$T/h$k.db
    heap "$T/hr" "$G" record --no-stacks -o "$db" -- "$E" story:$((14100 * k))
    heap "$T/hg" "$G" gaps "$db"
    heap "$T/ht" "$G" timeline "$db" -o "$T/h.svg"
    heap "$T/hi" "$G" info "$db"
    heap "$T/he" "$G" export "$db" --format chrome -o "$T/h.json"
    printf "                %-10s %8s %8s %8s %8s %8s %8s\n" "${k}x" "$(meta "$db" events)" "$(cat "$T/hr")" \
      "$(cat "$T/hg")" "$(cat "$T/ht")" "$(cat "$T/hi")" "$(cat "$T/he")"
    rm -f "$db" "$T/h.svg" "$T/h.json"
  done
  echo "                (target <= 256 MB each at 50M events)"
fi
