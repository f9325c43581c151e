#!/bin/sh
# libgort loads libunwind only for a recording that wants stacks: libgort.a references none of
# its symbols, so a program linked with it loads neither libunwind nor the liblzma it brings
# when it runs untraced or under gort record --no-stacks (the dynamic loader's own log,
# LD_DEBUG=files, names every file it loads, at start-up or by dlopen); a recording with stacks
# loads it when libgort attaches, and its events carry their stacks.
set -e
. tests/lib.sh
# The recorder's test program linked as README.md says (libgort.a -pthread; the Makefile's own
# programs also get -lunwind, which a sanitizer build's link makes needed whether used or not).
san=""; [ "${SAN:-0}" = 1 ] && san="-fsanitize=address,undefined"
P=$T/trace_emit
cc -g -O2 $san -Iformat -Iruntime tests/progs/trace_emit.c "$BUILD/libgort.a" -pthread -o "$P" || fail "trace_emit does not build"
[ -z "$(nm -u "$BUILD/libgort.a" | grep 'unw_')" ] || fail "libgort.a refers to libunwind: $(nm -u "$BUILD/libgort.a" | grep 'unw_')"
# loads NAME: how many times the loader's logs NAME.* say it mapped libunwind in
loads() { cat "$T/$1".* | grep 'file=libunwind\.so' | grep -c 'generating link map' || true; }
LD_DEBUG=files LD_DEBUG_OUTPUT="$T/plain" "$P" mapassign:10
expect_eq "$(loads plain)" 0
"$GORT" record --no-stacks -o "$T/n.db" -- env LD_DEBUG=files LD_DEBUG_OUTPUT="$T/nostacks" "$P" mapassign:10 2>/dev/null
expect_eq "$(loads nostacks)" 0
expect_eq "$(sqlite3 "$T/n.db" "SELECT count(*), count(stack_id) FROM events WHERE kind = 'mapassign'")" "10|0"
"$GORT" record -o "$T/s.db" -- env LD_DEBUG=files LD_DEBUG_OUTPUT="$T/stacks" "$P" nested:10 2>/dev/null
expect_eq "$(loads stacks)" 1
expect_eq "$(sqlite3 "$T/s.db" "SELECT count(*), count(stack_id) FROM events WHERE kind = 'mapassign'")" "10|10"
