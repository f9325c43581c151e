#!/bin/sh
# Regenerates the map oracles' data from real Go (1.19), in this directory:
#   shape.out, types.out, clear.out   what shape.go, types.go and clear.go print (each built
#                                     with hmap.go, the map header they read);
#   paths.out                         per function of paths.go, the runtime map functions the
#                                     compiler calls ("path NAME CALL..." in code order), read
#                                     from its assembly listing (go build -gcflags=-S).
# Run from anywhere: sh tests/go/map/regen.sh. Needs `go` (apt-get install golang-go).
set -e
dir=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$dir"
go version
for n in shape types clear; do
  mkdir -p "$tmp/$n"
  cp "$n.go" "$tmp/$n/main.go"
  cp hmap.go "$tmp/$n/hmap.go"
  (cd "$tmp/$n" && GO111MODULE=off GOCACHE="$tmp/cache" go build -o prog main.go hmap.go)
  "$tmp/$n/prog" >"$n.out"
  echo "$n.out: $(wc -l <"$n.out") lines"
done
mkdir -p "$tmp/paths"
cp paths.go "$tmp/paths/main.go"
(cd "$tmp/paths" && GO111MODULE=off GOCACHE="$tmp/cache" go build -gcflags=-S -o prog main.go) 2>"$tmp/paths.s"
awk '/^main\.op_[a-z0-9_]+ STEXT/ { fn = substr($1, 9); sub(/^op_/, "", fn); order[++n] = fn; next }
     /^[^ \t]/ { fn = "" }
     fn != "" && /CALL\truntime\.map/ { match($0, /runtime\.map[a-z0-9_]+/); calls[fn] = calls[fn] " " substr($0, RSTART + 8, RLENGTH - 8) }
     END { for (i = 1; i <= n; i++) print "path " order[i] calls[order[i]] }' "$tmp/paths.s" >paths.out
echo "paths.out: $(wc -l <paths.out) lines"
