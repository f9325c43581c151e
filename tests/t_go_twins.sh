#!/bin/sh
# The Go twins of the samples (samples/go/NAME/main.go), run with real Go 1.19 beside their C
# twins (samples/NAME.c, libgort): every scenario program of samples/scenarios.txt has a twin,
# the twins are gofmt-clean and pass go vet, and each pair prints the same stdout, exits with
# the same status and, when it dies, with the same first line on stderr (Go's fatal error).
# The one hash-dependent figure (grow_delete's nevacuate: how many old buckets the growth
# had evacuated, which depends on where the 833rd key hashed) is masked before comparing.
set -e
. tests/lib.sh
command -v go >/dev/null || fail "go not found (apt-get install golang-go; make test installs it)"
expect_contains "$(go version)" "go1.19"
# The user's build cache when there is one (the standard library is compiled once), else ours.
[ -n "${HOME:-}" ] || export GOCACHE="$T/gocache"
dir=samples/go
[ -z "$(gofmt -l "$dir")" ] || fail "not gofmt-clean: $(gofmt -l "$dir")"
(cd "$dir" && go vet ./...) >"$T/vet" 2>&1 || fail "go vet: $(cat "$T/vet")"

progs=$(grep -v '^#' samples/scenarios.txt | awk 'NF { print $2 }' | sort -u)
mask() { sed -E 's/nevacuate [0-9]+ of/nevacuate N of/' "$1"; }
n=0
for p in $progs; do
  [ -f "$dir/$p/main.go" ] || fail "$p: no Go twin $dir/$p/main.go"
  (cd "$dir" && go build -o "$T/$p.go" "./$p") >"$T/build" 2>&1 || fail "$p: go build: $(cat "$T/build")"
  set +e
  "$BUILD/samples/$p" >"$T/c.out" 2>"$T/c.err"; cs=$?
  "$T/$p.go" >"$T/go.out" 2>"$T/$p.go.err"; gs=$?
  set -e
  [ "$cs" = "$gs" ] || fail "$p: exit status $cs in C, $gs in Go; stderr: $(head -3 "$T/c.err") / $(head -3 "$T/$p.go.err")"
  if [ "$(mask "$T/c.out")" != "$(mask "$T/go.out")" ]; then
    diff "$T/c.out" "$T/go.out" >&2 || true
    fail "$p: stdout differs (< C, > Go)"
  fi
  expect_eq "$(head -n 1 "$T/$p.go.err")" "$(head -n 1 "$T/c.err")"
  n=$((n + 1))
done
[ "$n" -ge 10 ] || fail "only $n twins"
# The fatal error is what concurrent_writes is about: Go hits it (and so, above, does C).
expect_eq "$(head -n 1 "$T/concurrent_writes.go.err")" "fatal error: concurrent map writes"
echo "$n Go twins print what their C twins print"
