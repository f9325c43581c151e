#!/bin/sh
# make bench: runs every bench/b_*.sh in name order. Each prints its own table of figures and
# ratios against peers measured in the same run. Env: BUILD.
BUILD=${BUILD:-build}
export BUILD GORT="$PWD/$BUILD/gort"
for b in bench/b_*.sh; do
  [ -f "$b" ] || continue
  echo "== $(basename "$b" .sh)"
  sh "$b" || echo "(bench $b failed with status $?)"
  echo
done
