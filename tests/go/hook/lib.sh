# tests/go/hook/lib.sh — sourced by tests/t_go_*.sh after tests/lib.sh: the Go programs of
# tests/go/hook/, built with `gort go build`.
#
# Go's build cache and gort's overlay cache live in the build folder ($BUILD/go-cache, removed
# by make clean), shared by the Go tests: the hooked runtime is compiled once (tens of seconds
# on a loaded machine) and every later build reuses it, as a user's builds do. Both caches are
# keyed on content, so a stale entry can never be used for changed sources.
export GOCACHE="$PWD/$BUILD/go-cache/go" XDG_CACHE_HOME="$PWD/$BUILD/go-cache/xdg"
export GOPATH="$T/gopath" GO111MODULE=off GOFLAGS=
GOVERSION=$(go env GOVERSION)

# gobuild NAME [FLAGS...]: builds tests/go/hook/NAME/main.go with the hook into $T/NAME.
gobuild() {
  name=$1; shift
  "$GORT" go build "$@" -o "$T/$name" "tests/go/hook/$name/main.go" 2>"$T/build.err" ||
    fail "gort go build $name: $(cat "$T/build.err")"
}

# record DB PROGRAM [ARGS...]: gort record into $T/DB.db, the program's output in $T/DB.out.
record() {
  db=$1; shift
  "$GORT" record -o "$T/$db.db" -- "$@" >"$T/$db.out" 2>"$T/$db.err" || true
}

# q DB SQL: one query's result.
q() { sqlite3 "$T/$1.db" "$2"; }
