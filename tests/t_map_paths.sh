#!/bin/sh
# gort picks a map operation's code path as Go 1.19's compiler does, and the probe names it.
# tests/go/map/paths.out holds, per map type of tests/go/map/paths.go, the runtime functions
# Go's compiler calls for v := m[k]; v, ok := m[k]; m[k] = v; delete(m, k) and the loop
# `for k := range m { delete(m, k) }` (mapclear, or mapiterinit / mapdelete / mapiternext).
# tests/progs/map_paths does the same operations (plus one more m[k] = v before the loop, so
# that the loop has a key to delete) under `gort record`; the function that fired each map
# probe (depth 0 of its stack) must be gort_ + Go's function, in that order, for every type.
set -e
. tests/lib.sh
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
expect_status 0 "$GORT" record -o "$T/p.db" -- "$BUILD/tests/progs/map_paths"
# Per map: its type's name and the functions that fired its probes, in order.
sqlite3 -separator ' ' "$T/p.db" "
  SELECT n.name, (SELECT group_concat(s, ' ') FROM (
           SELECT f.symbol s FROM events e JOIN stack_frames f ON f.stack_id = e.stack_id AND f.depth = 0
           WHERE e.map_id = t.map_id AND e.kind IN ('mapaccess', 'mapassign', 'mapdelete', 'mapclear', 'mapiterinit')
           ORDER BY e.id))
  FROM events t JOIN names n ON n.id = t.arg1 WHERE t.kind = 'maptype' ORDER BY t.map_id" >"$T/got"
# Go's calls, as gort's function names: the assign is repeated before the loop; mapiternext
# fires no probe.
awk '{ s = "gort_" $3 " gort_" $4 " gort_" $5 " gort_" $6 " gort_" $5
       for (i = 7; i <= NF; i++) if ($i != "mapiternext") s = s " gort_" $i
       print $2 " " s }' tests/go/map/paths.out >"$T/want"
[ "$(wc -l <"$T/want")" -ge 20 ] || fail "paths.out has $(wc -l <"$T/want") types"
if ! cmp -s "$T/got" "$T/want"; then
  diff "$T/want" "$T/got" >&2 || true
  fail "the path functions differ from Go's (< Go, > gort)"
fi
