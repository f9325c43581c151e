#!/bin/sh
# make demo: runs every sample program and reports how each ended.
BUILD=${BUILD:-build}
for s in "$BUILD"/samples/*; do
  [ -f "$s" ] && [ -x "$s" ] || continue
  echo "== $(basename "$s")"
  "$s"; echo "(exit status $?)"
done
