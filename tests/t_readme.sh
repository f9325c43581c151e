#!/bin/sh
# The README's walkthrough works as written: `make install` into a temporary prefix, the C
# example built with pkg-config against it, recorded, rendered and judged; and each of the
# README's SQL queries runs on a real trace and answers.
set -e
. tests/lib.sh
make -s install BUILD="$BUILD" PREFIX="$T/prefix" >/dev/null
export PKG_CONFIG_PATH="$T/prefix/lib/pkgconfig" PATH="$T/prefix/bin:$PATH"

# The first ```c block of the README, compiled as the README says.
awk '/^```c$/ { on = 1; next } /^```$/ { if (on) exit } on' README.md >"$T/example.c"
[ -s "$T/example.c" ] || fail "no C example in README.md"
# Under SAN=1 the installed library is instrumented: link the sanitizers' runtimes too.
san=""; [ "${SAN:-0}" = 1 ] && san="-fsanitize=address,undefined"
cc -g -O2 $san "$T/example.c" -o "$T/example" $(pkg-config --cflags --libs --static gort) || fail "example does not build"
expect_eq "$("$T/example")" "len(m) = 1"

cd "$T"
gort record -o trace.db -- ./example >/dev/null 2>"$T/rec" || fail "record: $(cat "$T/rec")"
gort flame trace.db -o flame.svg && xmllint --noout flame.svg
gort timeline trace.db -o timeline.png && [ -s timeline.png ]
gort gaps trace.db --format csv >gaps.csv || fail "gaps found a use-after-free: $(cat gaps.csv)"
expect_eq "$(tail -n +2 gaps.csv | awk -F, '{ print $NF }')" "map-still-alive"
expect_contains "$(gort info trace.db)" "deferproc"
expect_contains "$(gort sql trace.db "SELECT kind, count(*) FROM events GROUP BY kind")" "mapassign"
gort export trace.db --format chrome -o trace.json && python3 -m json.tool trace.json >/dev/null
cd - >/dev/null

# Every ```sql block of the README runs on a map-heavy trace; the evacuation and lifetime
# queries have rows to show there.
gort record -o "$T/wf.db" -- "$BUILD/samples/wordfreq" 2 50 >/dev/null 2>&1
awk '/^```sql$/ { on = 1; q = ""; next } /^```$/ && on { on = 0; gsub(/\n/, " ", q); print q; next } on { q = q $0 " " }' \
  README.md >"$T/queries"
[ "$(wc -l <"$T/queries")" -eq 5 ] || fail "expected 5 SQL queries in README.md"
n=0
while IFS= read -r query; do
  n=$((n + 1))
  gort sql "$T/wf.db" "$query" --format csv >"$T/q$n" || fail "README query $n fails: $query"
done <"$T/queries"
[ "$(wc -l <"$T/q1")" -gt 1 ] || fail "no evacuations found by README query 1"
[ "$(wc -l <"$T/q4")" -gt 1 ] || fail "no maps found by README query 4"
