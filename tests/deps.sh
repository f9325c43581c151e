#!/bin/sh
# Installs the Debian packages gort needs, with apt-get when root; otherwise names them and fails.
# Usage: deps.sh build|test|bench
#   build: compilers and the libraries gort links (SQLite, libunwind, libdw) and gnuplot, which
#          `gort timeline` runs; test: also the tools the tests check outputs with (xmllint,
#          the sqlite3 shell, python3 for JSON, node for the flame graph's script, Go 1.19
#          to run the samples' Go twins);
#          bench: also Go 1.19, the peer every benchmark compares with.
set -e
need="gcc make pkg-config libsqlite3-dev libunwind-dev libdw-dev gnuplot-nox"
case "$1" in
  test) need="$need libxml2-utils sqlite3 python3 nodejs golang-go" ;;
  bench) need="$need sqlite3 golang-go" ;;
esac
missing=""
for p in $need; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "gort: installing$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq $missing >/dev/null
else
  echo "gort: missing system packages:$missing (run: sudo apt-get install$missing)" >&2
  exit 1
fi
