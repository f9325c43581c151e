#!/bin/sh
# gort go build: a real Go 1.19 binary with gort's hook in its runtime. Untraced it behaves as
# a plain `go build` of the same code; under gort record it attaches and names its producer.
# Bad input: a Go other than 1.19 or a runtime that does not match an anchor (one line naming
# the version and the anchor, exit 2), a package that does not build (Go's errors, exit 2, no
# binary), gort's own -overlay; and gort record warns about a program that emits no events.
set -e
. tests/lib.sh
. tests/go/hook/lib.sh

# Untraced, hooked and plain binaries print the same and exit the same.
for p in stack_map panic_defer nil_map; do
  gobuild $p
  go build -o "$T/$p.plain" "tests/go/hook/$p/main.go"
  expect_eq "$("$T/$p")" "$("$T/$p.plain")"
done
gobuild crash
expect_status 2 "$T/crash" panic
expect_eq "$(head -1 "$T/err")" "panic: the end"
expect_contains "$(cat "$T/err")" "main.main()"
# Traced: the producer is this Go, and the events are there.
record sm "$T/stack_map"
expect_eq "$(cat "$T/sm.out")" "$("$T/stack_map.plain")"
expect_eq "$(q sm "SELECT value FROM meta WHERE key = 'producer'")" "$GOVERSION"
expect_eq "$(q sm "SELECT count(*) > 0 FROM events WHERE kind = 'deferproc'")" 1
# The program does not see GORT_TRACE_FD (programs it runs are not traced).
mkdir "$T/env"
printf 'package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\nfunc main() { fmt.Printf("[%%s]", os.Getenv("GORT_TRACE_FD")) }\n' >"$T/env/main.go"
"$GORT" go run -o "$T/env.db" "$T/env/main.go" >"$T/out" 2>"$T/err" || fail "gort go run env: $(cat "$T/err")"
expect_eq "$(cat "$T/out")" "[]"
expect_eq "$(q env "SELECT value FROM meta WHERE key = 'producer'")" "$GOVERSION"
expect_status 2 "$GORT" go frobnicate
expect_eq "$(cat "$T/err")" "gort go: unknown subcommand 'frobnicate' (gort go build | gort go run)"

# The issue's own command, from the tree's top (samples/go is a module of its own, below it:
# without GO111MODULE set, gort's `auto` builds the folder in GOPATH mode).
mkdir "$T/tmp"
env -u GO111MODULE TMPDIR="$T/tmp" "$GORT" go run -o "$T/issue.db" ./samples/go/gc_defer >"$T/out" 2>"$T/err" ||
  fail "gort go run: $(cat "$T/err")"
expect_eq "$(cat "$T/out")" "deferred delete ran, len 1"
expect_eq "$("$GORT" gaps "$T/issue.db" --format csv | tail -n +2 | awk -F, '{ print $NF }')" safe
expect_eq "$(q issue "SELECT value FROM meta WHERE key = 'producer'")" "$GOVERSION"
expect_eq "$(ls -A "$T/tmp")" "" # the temporary binary and its folder are gone
# --help says what the default flag is and how to keep open-coded defers.
expect_status 0 "$GORT" go build --help
expect_contains "$(cat "$T/out")" "-gcflags=all=-d=noopendefer"
expect_contains "$(cat "$T/out")" "--open-defers"

# A package that fails to build: Go's own error, exit 2, no binary.
mkdir "$T/bad"
printf 'package main\n\nfunc main() { undefinedThing() }\n' >"$T/bad/main.go"
expect_status 2 "$GORT" go build -o "$T/bad/prog" "$T/bad/main.go"
expect_contains "$(cat "$T/err")" "undefined: undefinedThing"
[ ! -e "$T/bad/prog" ] || fail "a failed build left a binary"
# gort go run of a package that does not build: Go's error, exit 2, no trace.
expect_status 2 "$GORT" go run -o "$T/bad.db" "$T/bad/main.go"
expect_contains "$(cat "$T/err")" "undefined: undefinedThing"
[ ! -e "$T/bad.db" ] || fail "a failed gort go run left a trace"
expect_status 2 "$GORT" go build -overlay x.json -o "$T/bad/prog" "$T/bad/main.go"
expect_eq "$(cat "$T/err")" "gort go build: -overlay is gort's own (it adds the hook to Go's runtime)"

# Another Go: a `go` that reports go1.20.3 and a GOROOT whose runtime differs at one anchor.
real=$(go env GOROOT)
mkdir -p "$T/fake/bin" "$T/fake/root/src"
cp -r "$real/src/runtime" "$T/fake/root/src/runtime"
sed -i 's/^\th.noverflow = 0$/\th.noverflow = uint16(0)/' "$T/fake/root/src/runtime/map.go"
cat >"$T/fake/bin/go" <<EOS
#!/bin/sh
if [ "\$1" = env ]; then printf '%s\n' "$T/fake/root" "\${FAKE_VERSION:-go1.20.3}" linux amd64; exit 0; fi
exec "$(command -v go)" "\$@"
EOS
chmod +x "$T/fake/bin/go"
expect_status 2 env PATH="$T/fake/bin:$PATH" "$GORT" go build -o "$T/fake/prog" tests/go/hook/nil_map/main.go
expect_eq "$(wc -l <"$T/err")" 1
expect_contains "$(cat "$T/err")" "gort go build: Go go1.20.3 (GOROOT $T/fake/root) does not match gort's hook"
expect_contains "$(cat "$T/err")" "anchor hashgrow (map.go, func hashGrow: 'h.noverflow = 0') matched 0 times"
[ ! -e "$T/fake/prog" ] || fail "a refused build left a binary"
# Every anchor matches (Go 1.19's own runtime) but the version is not 1.19: refused too.
rm -rf "$T/fake/root/src/runtime" && ln -s "$real/src/runtime" "$T/fake/root/src/runtime"
expect_status 2 env PATH="$T/fake/bin:$PATH" FAKE_VERSION=go1.21.0 "$GORT" go build -o "$T/fake/prog" tests/go/hook/nil_map/main.go
expect_eq "$(cat "$T/err")" "gort go build: Go go1.21.0 (GOROOT $T/fake/root) is not Go 1.19, which gort's hook is written for"
[ ! -e "$T/fake/prog" ] || fail "a refused build left a binary"

# gort record of a program that emits nothing: one warning line, the trace still written.
expect_status 0 "$GORT" record -o "$T/none.db" -- "$T/nil_map.plain"
expect_eq "$(grep -c warning "$T/err")" 1
expect_contains "$(cat "$T/err")" "gort record: warning: $T/nil_map.plain emitted no events (it is neither linked with libgort nor built by gort go build)"
expect_eq "$(q none "SELECT count(*) FROM events")" 0
expect_eq "$(q none "SELECT count(*) FROM meta WHERE key = 'producer' AND value IS NULL")" 1

# An installed gort finds the hook under PREFIX/share/gort/gohook.
make -s install BUILD="$BUILD" PREFIX="$T/prefix" >/dev/null
[ -f "$T/prefix/share/gort/gohook/anchors" ] || fail "make install did not install the hook"
expect_status 0 "$T/prefix/bin/gort" go build -o "$T/installed" tests/go/hook/nil_map/main.go
expect_eq "$("$T/installed")" "$("$T/nil_map.plain")"
