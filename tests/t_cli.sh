#!/bin/sh
# The gort command: --help, --version, unknown commands.
set -e
. tests/lib.sh
out=$("$GORT" --help)
expect_contains "$out" "usage: gort COMMAND"
expect_eq "$("$GORT" --version)" "gort $(sed -n 's/^#define GORT_VERSION "\(.*\)"$/\1/p' runtime/gort.h)"
expect_status 2 "$GORT" no-such-command
expect_contains "$(cat "$T/err")" "gort no-such-command: unknown command"
expect_status 2 "$GORT"
