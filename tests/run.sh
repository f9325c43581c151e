#!/bin/sh
# Runs every test: each program built from tests/*.c and each tests/t_*.sh script.
# A test passes when it exits 0. Prints one line per test, the output of failures,
# and ends with the line "N passed, N failed". Env: BUILD (build dir), SAN, ONLY (substring filter).
BUILD=${BUILD:-build}
export BUILD GORT="$PWD/$BUILD/gort"
pass=0; fail=0; failed=""
log=$(mktemp -d)
run_one() { # name, command...
  name=$1; shift
  case "$name" in *"${ONLY:-}"*) ;; *) return ;; esac
  start=$(date +%s)
  if timeout 600 "$@" >"$log/out" 2>&1; then
    pass=$((pass+1)); echo "PASS $name ($(( $(date +%s) - start ))s)"
  else
    rc=$?
    fail=$((fail+1)); failed="$failed $name"
    echo "FAIL $name (exit $rc)"; tail -n 40 "$log/out" | sed 's/^/    /'
  fi
}
for t in "$BUILD"/tests/*; do
  [ -f "$t" ] && [ -x "$t" ] && run_one "$(basename "$t")" "$t"
done
for t in tests/t_*.sh; do
  [ -f "$t" ] && run_one "$(basename "$t" .sh)" sh "$t"
done
rm -rf "$log"
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
