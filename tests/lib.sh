# Shared helpers for tests/t_*.sh. Sourcing it sets $T to a fresh temporary folder
# (removed on exit) and $GORT to the gort command of the build under test.
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
: "${BUILD:=build}"
: "${GORT:=$PWD/$BUILD/gort}"

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_eq() { [ "$1" = "$2" ] || fail "expected [$2], got [$1]"; }
expect_contains() { case "$1" in *"$2"*) ;; *) fail "expected output to contain [$2], got [$1]" ;; esac; }
# expect_status N CMD...: runs CMD with stdout in $T/out and stderr in $T/err; checks the status.
expect_status() {
  want=$1; shift
  set +e; "$@" >"$T/out" 2>"$T/err"; got=$?; set -e
  [ "$got" = "$want" ] || fail "expected status $want from [$*], got $got; stderr: $(cat "$T/err")"
}
