#!/bin/sh
# Every event's innermost frame (depth 0) is the runtime function that emitted it, for every
# kind libgort emits (docs/schema.md: "0 = innermost (the function containing the probe)"):
# its source line, from the trace's own DWARF lookup, is a probe of that very kind in
# runtime/*.c. A probe compiled as a tail call (`jmp gort__emit`) would put the caller there
# instead. GCC's cold partitions ("fn.cold") are named as their function.
# The kinds to cover are read from the runtime's source, so a new probe is checked too. The
# programs reach every map path (fast32, fast64, fast64ptr, faststr, generic, _fat: map_paths),
# frames with open-coded defers (defer_open) and mark assists (gc_assist). And over all of
# libgort, reached or not: no function jumps to the probe's emit functions (a tail call).
set -e
. tests/lib.sh
P=$BUILD/tests/progs

# The kinds the runtime emits with a stack: every GORT_PROBE*(KIND, ...) and every direct
# gort__emit*(GORT_EV_KIND, ...) in runtime/*.c.
grep -ohE "GORT_PROBE[A-Z_]*\([a-z_]+|gort__emit[a-z_]*\(GORT_EV_[a-z_]+" runtime/*.c |
  sed -E 's/.*\(//; s/GORT_EV_//' | sort -u > "$T/kinds"
[ "$(wc -l < "$T/kinds")" -gt 25 ] || fail "could not read the probes of runtime/*.c"

# Programs that together reach every probe (each through the public API only).
rec() { # name program args...
  name=$1; shift
  set +e; "$GORT" record -o "$T/$name.db" -- "$@" >/dev/null 2>&1; set -e
  [ -s "$T/$name.db" ] || fail "no trace from $*"
}
rec ops "$P/map_probes" ops
rec nilassign "$P/map_probes" nilassign
rec uaf "$P/map_probes" uaf
rec defer "$P/defer_probes"
rec goroutines "$P/defer_goroutines"
rec goexit "$P/defer_goexit"
rec recover "$P/defer_recover"
rec deadlock "$P/defer_deadlock"
rec gc "$P/gc_deferroots" delete
GORT_UNSAFE=defer_roots rec gcuaf "$P/gc_deferroots" delete
rec paths "$P/map_paths"
rec open "$BUILD/tests/defer_open"
rec assist "$P/gc_assist"

# No probe site is a tail call, in any function of libgort (an object file's call to the emit
# functions is a relocation against gort__emit or gort__emit_defer on a call or a jmp).
objdump -dr --no-show-raw-insn "$BUILD/libgort.a" |
  awk '/^[0-9a-f]+ <.*>:$/ { fn = $2 } /^ +[0-9a-f]+:/ { insn = $2 } /R_X86_64_(PLT|PC)32[ \t]+gort__emit(_defer)?-/ { print fn, insn }' > "$T/sites"
[ "$(grep -c ' call$' "$T/sites")" -gt 50 ] || fail "could not read the probe calls of libgort: $(head -3 "$T/sites")"
tail=$(grep -v ' call$' "$T/sites" | tr '\n' ' ')
[ -z "$tail" ] || fail "probe calls compiled as tail calls (the caller's frame is lost): $tail"

# Each event's kind and its depth-0 frame: symbol, file, line.
for db in "$T"/*.db; do
  sqlite3 -separator ' ' "$db" "SELECT e.kind, coalesce(f.symbol, '?'), coalesce(f.file, '?'), coalesce(f.line, 0)
    FROM events e JOIN stack_frames f ON f.stack_id = e.stack_id AND f.depth = 0
    WHERE e.kind NOT IN ('cpu_sample', 'name', 'lost')
    GROUP BY 1, 2, 3, 4"
done | sort -u > "$T/leaves"

# Every kind is covered.
cut -d' ' -f1 "$T/leaves" | sort -u > "$T/seen"
missing=$(comm -23 "$T/kinds" "$T/seen" | tr '\n' ' ')
[ -z "$missing" ] || fail "no event with a stack of kind(s): $missing"

# Each leaf is the probe of its kind, in a function of the runtime.
nm "$BUILD/libgort.a" | awk '$2 == "T" || $2 == "t" { print $3 }' > "$T/functions"
while read -r kind sym file line; do
  case "$file" in
    runtime/*.c|*/runtime/*.c) ;;
    *) fail "$kind: innermost frame $sym at $file:$line is not in the runtime" ;;
  esac
  src=$(sed -n "${line}p" "runtime/${file##*runtime/}")
  case "$src" in
    *"GORT_PROBE"*"($kind,"*|*"(GORT_EV_$kind,"*) ;;
    *) fail "$kind: innermost frame $sym at $file:$line is not a $kind probe: [$src]" ;;
  esac
  grep -qx "$sym" "$T/functions" || fail "$kind: innermost frame [$sym] is not a function of libgort"
done < "$T/leaves"

# Cold partitions: no frame is named "fn.cold"; the nil-map assignment, whose unlikely path
# GCC moves into gort_mapassign_fast64.cold, shows gort_mapassign_fast64 calling assign_nil.
for db in "$T"/*.db; do
  expect_eq "$(sqlite3 "$db" "SELECT count(*) FROM frames WHERE symbol LIKE '%.cold%'")" 0
done
expect_eq "$(sqlite3 "$T/nilassign.db" "SELECT group_concat(f.symbol, ' ') FROM (SELECT f.symbol FROM events e
             JOIN stack_frames f ON f.stack_id = e.stack_id WHERE e.kind = 'mapassign' AND f.depth < 3
             ORDER BY f.depth) f")" "assign_nil gort_mapassign_fast64 main"
