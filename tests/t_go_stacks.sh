#!/bin/sh
# Stacks of a Go program: the hook walks Go's frame pointers and the recorder symbolizes the
# return addresses from the binary's own DWARF to Go function names with file:line. A
# mapassign's stack is runtime.mapassign_fast64 (the line the hook sits on in Go's source),
# then the Go functions that called it, at the lines of their calls; gort flame shows them.
set -e
. tests/lib.sh
. tests/go/hook/lib.sh
gobuild counts
record s "$T/counts"
src=tests/go/hook/counts/main.go
sid=$(q s "SELECT e.stack_id FROM events e JOIN stack_frames f ON f.stack_id = e.stack_id AND f.depth = 1
           WHERE e.kind = 'mapassign' AND f.symbol = 'main.fill' LIMIT 1")
[ -n "$sid" ] || fail "no mapassign called from main.fill"
expect_eq "$(q s "SELECT group_concat(symbol, ' ') FROM (SELECT symbol FROM stack_frames WHERE stack_id = $sid ORDER BY depth)")" \
          "runtime.mapassign_fast64 main.fill main.main runtime.main runtime.goexit.abi0"
# Each frame's file:line: Go's runtime source for the runtime frame (the hooked line, kept at
# its own number), the program's source for main's frames, at the calls.
line() { q s "SELECT file || ':' || line FROM stack_frames WHERE stack_id = $sid AND depth = $1"; }
goroot=$(go env GOROOT)
at=$(line 0)
expect_eq "${at%:*}" "$goroot/src/runtime/map_fast64.go"
expect_contains "$(sed -n "${at##*:}p" "$goroot/src/runtime/map_fast64.go")" "h.flags &^= hashWriting"
at=$(line 1)
expect_eq "${at%:*}" "$PWD/$src"
expect_contains "$(sed -n "${at##*:}p" $src)" "m[i] = "
at=$(line 2)
expect_contains "$(sed -n "${at##*:}p" $src)" "fill(m, "
# The module is the Go binary; every frame of main's events is symbolized.
expect_eq "$(q s "SELECT DISTINCT module FROM stack_frames WHERE stack_id = $sid")" "$T/counts"
expect_eq "$(q s "SELECT count(*) FROM stack_frames WHERE symbol IS NULL OR line IS NULL")" 0
# gort flame folds them into Go's real call paths.
"$GORT" flame "$T/s.db" --folded -o "$T/s.folded"
expect_contains "$(cat "$T/s.folded")" "runtime.main;main.main;main.fill;runtime.mapassign_fast64"
# --stack-depth limits the walk; --no-stacks turns it off.
"$GORT" record --stack-depth 2 -o "$T/d.db" -- "$T/counts" >/dev/null 2>&1
expect_eq "$(q d "SELECT max(depth) FROM stacks")" 2
"$GORT" record --no-stacks -o "$T/n.db" -- "$T/counts" >/dev/null 2>&1
expect_eq "$(q n "SELECT count(stack_id) FROM events")" 0
# Without DWARF (-ldflags=-w), and without the ELF symbol table too (-s -w), the recorder
# reads Go's own .gopclntab: the same functions and lines. A PIE (loaded at a random address;
# Go links it at 0x400000) gives them too: the hook reads its load bias from the auxiliary vector.
frames() { q "$1" "SELECT group_concat(symbol || '@' || file || ':' || line, ' ') FROM (SELECT f.* FROM stack_frames f
                   WHERE f.stack_id = (SELECT e.stack_id FROM events e JOIN stack_frames g ON g.stack_id = e.stack_id
                     AND g.depth = 1 AND g.symbol = 'main.fill' WHERE e.kind = 'mapassign' LIMIT 1) AND f.depth < 3 ORDER BY f.depth)"; }
want=$(frames s)
for flags in "-w" "-s -w" pie; do
  case $flags in pie) gobuild counts -buildmode=pie ;; *) gobuild counts -ldflags="$flags" ;; esac
  record w "$T/counts"
  expect_eq "$flags: $(frames w)" "$flags: $want"
  expect_eq "$(q w "SELECT count(*) FROM frames WHERE symbol IS NULL OR line IS NULL")" 0
done
