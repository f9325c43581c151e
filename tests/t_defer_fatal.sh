#!/bin/sh
# gort_fatal as Go's fatal (runtime/panic.go fatal -> fatalthrow -> dopanic_m, tracebackothers):
# "fatal error: MSG", a blank line, the dying goroutine's trace, then every other goroutine's
# (a blocked one with its frames and "created by"), exit status 2, no deferred call run, and
# the program's earlier output kept.
set -e
. tests/lib.sh
expect_status 2 "$BUILD/tests/progs/defer_fatal"
expect_eq "$(cat "$T/out")" "before fatal"
expect_eq "$(sed -n 1p "$T/err")" "fatal error: something impossible"
expect_eq "$(sed -n 2p "$T/err")" ""
expect_eq "$(sed -n 3p "$T/err")" "goroutine 1 [running]:"
expect_eq "$(sed -n 4,5p "$T/err" | tr '\n' ' ')" "dies() outer() "
# The other goroutine, blocked in the WaitGroup, after a blank line.
expect_contains "$(cat "$T/err")" "
goroutine 6 [semacquire]:
waiter_inner()
waiter()
created by main"
