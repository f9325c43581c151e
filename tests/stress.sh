#!/bin/sh
# tests/stress.sh [N] — runs `make test` N times in a row (default 20) with two CPU hogs
# spinning beside it the whole time, and reports how many runs passed.
#
# A test must pass every time on a loaded 2-core machine (DEVELOPERS.md): this is how to
# check that. The hogs are two busy shell loops, so every test shares the CPUs with them (and
# with whatever else runs); a test that depends on timing, on a tick rate or on luck fails
# here first. Not part of `make test` (it takes N times as long). Each run's output is kept
# in the log directory (STRESS_LOG, default a new temporary directory), and a failed run's
# failing tests are printed as they happen. Extra arguments after N go to make (SAN=1, ...).
# Exit status: 0 when every run passed.
set -u
cd "$(dirname "$0")/.." || exit 2
N=${1:-20}
[ $# -gt 0 ] && shift
log=${STRESS_LOG:-$(mktemp -d)}
mkdir -p "$log"

hog() { while :; do :; done; }
hog & h1=$!
hog & h2=$!
trap 'kill "$h1" "$h2" 2>/dev/null' EXIT
trap 'exit 130' INT TERM

echo "stress: $N runs of make test $*, two CPU hogs beside (pids $h1 $h2), logs in $log"
pass=0
i=1
while [ "$i" -le "$N" ]; do
  start=$(date +%s)
  if make test "$@" > "$log/run$i.log" 2>&1; then
    pass=$((pass + 1))
    echo "run $i: pass, $(tail -n 1 "$log/run$i.log") ($(( $(date +%s) - start ))s)"
  else
    echo "run $i: FAIL ($(( $(date +%s) - start ))s): $(grep -E '^(FAIL|failed:)' "$log/run$i.log" | tr '\n' ' ')"
  fi
  i=$((i + 1))
done
echo "stress: $pass of $N runs passed"
[ "$pass" -eq "$N" ]
