#!/bin/sh
# A Go program that counts its own operations (tests/go/hook/counts) is traced with exactly
# that many events of each kind: map creations, assignments, deletes, clears, iterations,
# deferred calls registered and run, panics, recovers, Goexits and goroutines created. An
# event is the program's own when its caller (stack depth 1: the function that called the
# runtime) is in package main, or, for gocreate, when a main function made the `go` call.
set -e
. tests/lib.sh
. tests/go/hook/lib.sh
gobuild counts
record c "$T/counts"
[ -s "$T/c.out" ] || fail "counts printed nothing: $(cat "$T/c.err")"
mine="JOIN stack_frames f ON f.stack_id = e.stack_id AND f.depth = 1 AND f.symbol LIKE 'main.%'"
while read -r kind n; do
  case $kind in
    gocreate) got=$(q c "SELECT count(*) FROM events e WHERE e.kind = 'gocreate' AND EXISTS
                        (SELECT 1 FROM stack_frames f WHERE f.stack_id = e.stack_id AND f.symbol LIKE 'main.%')") ;;
    recover) got=$(q c "SELECT count(*) FROM events e $mine WHERE e.kind = 'recover' AND e.arg0 = 1") ;;
    *) got=$(q c "SELECT count(*) FROM events e $mine WHERE e.kind = '$kind'") ;;
  esac
  expect_eq "$kind $got" "$kind $n"
done <"$T/c.out"
expect_eq "$(wc -l <"$T/c.out")" 11
# Every deferred call that started also ended, and every one ran the way it was meant to:
# the recovering closures during a panic, the Goexit goroutines' wg.Done during Goexit.
expect_eq "$(q c "SELECT count(*) FROM events e $mine WHERE e.kind = 'deferreturn'")" \
          "$(q c "SELECT count(*) FROM events WHERE kind = 'deferreturn_end' AND defer_id IN
               (SELECT e.defer_id FROM events e $mine WHERE e.kind = 'deferreturn')")"
expect_eq "$(q c "SELECT how, count(*) FROM defers WHERE fn LIKE 'main.%' GROUP BY how ORDER BY how" | tr '\n' ' ')" \
          "goexit|2 panic|3 return|17 "
# The goroutines main created started and ended, with Go's goroutine ids.
expect_eq "$(q c "SELECT count(*) FROM goroutines WHERE goid IN (SELECT e.arg0 FROM events e WHERE e.kind = 'gocreate'
               AND e.goid = 1 AND EXISTS (SELECT 1 FROM stack_frames f WHERE f.stack_id = e.stack_id AND f.symbol = 'main.spawn'))
               AND ended_ns > created_ns")" 4
# The recorder numbered the maps (1, 2, ... in order of first sight, not hmap addresses), and
# every map event of main's maps names one of them, with its key kind.
expect_eq "$(q c "SELECT min(map_id), max(map_id) = count(*) FROM maps")" "1|1"
expect_eq "$(q c "SELECT count(*) FROM events e $mine WHERE e.kind LIKE 'map%' AND e.map_id NOT IN (SELECT map_id FROM maps)")" 0
expect_eq "$(q c "SELECT count(*) FROM maps WHERE key_kind = 'int64' AND peak_len >= 100")" 3
