#!/bin/sh
# gort info: the summary of tests/data/viewer/scenarios.sql, figures counted by hand there.
set -e
. tests/lib.sh
. tests/data/viewer/lib.sh
db=$(mktrace scenarios)
expect_status 0 "$GORT" info "$db"
out=$(cat "$T/out" | tr -s ' ')
for line in "program ./scenarios --demo" "events 41" "deferproc 5" "mapassign 3" \
            "map_use_after_free 1" "maps 3" "died 1 (gc)" "died 1 (frame)" "alive at end 1" \
            "deferred calls 5" "how 1 (never)" "goroutines 2" "gc cycles 1" \
            "stop-the-world 150 ns total, 150 ns longest" "maps freed by gc 1" \
            "lost events 5 in 1 runs" \
            "verdicts safe 1, use-after-free 1, nil-map 1, map-still-alive 1" \
            "meta.schema_version 2" "duration 9.8 us"; do
  expect_contains "$out" "$line"
done
expect_status 2 "$GORT" info "$db" --verbose
expect_contains "$(cat "$T/err")" "unknown option --verbose"
"$GORT" info --help | grep -q "usage: gort info TRACE" || fail "info --help"
