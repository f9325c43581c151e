#!/bin/sh
# Installs the Debian packages gort needs, with apt-get when root; otherwise names them and fails.
# Usage: deps.sh build|bench
set -e
need="gcc make pkg-config libsqlite3-dev libunwind-dev libdw-dev gnuplot-nox libxml2-utils sqlite3"
[ "$1" = bench ] && need="$need golang-go"
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
