# Helpers for the viewer's shell tests (tests/t_viewer_*.sh), sourced after tests/lib.sh.
# mktrace NAME [SQL...]: builds $T/NAME.db from tracer/schema.sql and the given SQL files
# (default tests/data/viewer/NAME.sql) with the sqlite3 CLI, and prints its path.
mktrace() {
  name=$1; shift
  [ $# -gt 0 ] || set -- "tests/data/viewer/$name.sql"
  rm -f "$T/$name.db"
  cat tracer/schema.sql "$@" | sqlite3 "$T/$name.db" || fail "cannot build trace $name"
  echo "$T/$name.db"
}
# digest FILE: a checksum of FILE's bytes and of its mode and mtime, to prove it untouched.
digest() { echo "$(sha256sum < "$1") $(stat -c '%s %Y %a' "$1")"; }
# fails_with SUBSTRING CMD...: status 2, one line containing SUBSTRING, stdout empty.
fails_with() {
  msg=$1; shift
  expect_status 2 "$@"
  [ "$(wc -l < "$T/err" | tr -d ' ')" = 1 ] || fail "[$*]: not one line: $(cat "$T/err")"
  expect_contains "$(cat "$T/err")" "$msg"
  [ ! -s "$T/out" ] || fail "[$*] printed: $(head -c 300 "$T/out")"
}
