#!/bin/sh
# Regenerates the expected data of the defer oracle tests from real Go (1.19): for each NAME.go,
# NAME.out is its stdout, NAME.err its stderr and NAME.status its exit status.
# Run from anywhere: sh tests/go/defer/regen.sh [NAME...]. Needs `go` (apt-get install golang-go).
set -e
dir=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$dir"
names=${*:-$(ls *.go | sed 's/\.go$//')}
go version
for n in $names; do
  mkdir -p "$tmp/$n"
  cp "$n.go" "$tmp/$n/main.go"
  (cd "$tmp/$n" && GO111MODULE=off go build -o prog main.go)
  set +e
  GOTRACEBACK=single "$tmp/$n/prog" >"$n.out" 2>"$n.err"
  echo $? >"$n.status"
  set -e
  echo "$n: status $(cat "$n.status")"
done
