#!/bin/sh
# Go's defer/panic/recover/Goexit semantics, held against Go 1.19 itself. For every Go program
# tests/go/defer/NAME.go, NAME.out, NAME.err and NAME.status hold what it printed and its exit
# status under go1.19.8 (made by tests/go/defer/regen.sh); the C twin
# $BUILD/tests/progs/defer_NAME (tests/progs/defer_NAME.c) must print the same stdout, exit
# with the same status, and start its stderr the same way: the panic / fatal error lines up to
# the first blank line, then the goroutine header (ids normalised: Go's are not deterministic
# past main's 1). Go's addresses and file:line lines are not compared.
set -e
. tests/lib.sh
dir=tests/go/defer
# The report's head: lines before the first blank line, then the goroutine line after it.
head_of() {
  awk 'NF == 0 { blank++; next }
       blank == 0 { print; next }
       /^goroutine / { sub(/goroutine [0-9]+/, "goroutine N"); print; exit }' "$1"
}
n=0
for go in "$dir"/*.go; do
  name=$(basename "$go" .go)
  prog="$BUILD/tests/progs/defer_$name"
  [ -x "$prog" ] || fail "$name: no C twin $prog (tests/progs/defer_$name.c)"
  want_status=$(cat "$dir/$name.status")
  set +e
  "$prog" >"$T/out" 2>"$T/err"
  got_status=$?
  set -e
  [ "$got_status" = "$want_status" ] || fail "$name: exit status $got_status, Go's is $want_status; stderr: $(cat "$T/err")"
  if ! cmp -s "$T/out" "$dir/$name.out"; then
    diff "$dir/$name.out" "$T/out" >&2 || true
    fail "$name: stdout differs from Go's (< Go, > gort)"
  fi
  head_of "$dir/$name.err" >"$T/want_head"
  head_of "$T/err" >"$T/got_head"
  if ! cmp -s "$T/got_head" "$T/want_head"; then
    diff "$T/want_head" "$T/got_head" >&2 || true
    fail "$name: stderr head differs from Go's (< Go, > gort); full stderr: $(cat "$T/err")"
  fi
  n=$((n + 1))
done
[ "$n" -ge 14 ] || fail "only $n oracle programs found in $dir"
echo "$n programs print what Go 1.19 prints"
