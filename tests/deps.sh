#!/bin/sh
# Installs the Debian packages gort needs, with apt-get when root; otherwise names them and fails.
# Usage: deps.sh build|test|bench
#   build: compilers and the libraries gort links (SQLite, libunwind, libdw), gnuplot, which
#          `gort timeline` runs, and Go 1.19 (golang-go), which `gort go build` builds with;
#          test: also the tools the tests check outputs with (xmllint,
#          the sqlite3 shell, python3 for JSON, node for the flame graph's script, man and
#          groff for the man pages, and the real viewers
#          the exports are loaded into: Chromium, and the npm packages of
#          tests/node/package-lock.json installed into tests/node/node_modules, git-ignored);
#          bench: also LTTng-UST (liblttng-ust-dev, lttng-tools), the tracer benchmark's peer
#          (Go 1.19, every benchmark's peer, is already there).
set -e
need="gcc make pkg-config libsqlite3-dev libunwind-dev libdw-dev gnuplot-nox golang-go"
case "$1" in
  test) need="$need libxml2-utils sqlite3 python3 nodejs npm man-db chromium" ;;
  bench) need="$need sqlite3 liblttng-ust-dev lttng-tools" ;;
esac
missing=""
for p in $need; do
  # node and npm may come from another source than Debian's packages (NodeSource's nodejs
  # carries npm): a working command counts as installed.
  case $p in nodejs|npm) command -v "${p%js}" >/dev/null 2>&1 && continue ;; esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "gort: installing$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq $missing >/dev/null
  else
    echo "gort: missing system packages:$missing (run: sudo apt-get install$missing)" >&2
    exit 1
  fi
fi
# The tests' npm packages, pinned by tests/node/package-lock.json, installed once per lock.
if [ "$1" = test ]; then
  lock=tests/node/package-lock.json stamp=tests/node/node_modules/.gort-lock
  if ! cmp -s "$lock" "$stamp" 2>/dev/null; then
    echo "gort: installing the npm packages of $lock" >&2
    (cd tests/node && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || exit 1
    cp "$lock" "$stamp"
  fi
fi
