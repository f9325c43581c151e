#!/bin/sh
# docs/viewer.md stays true to the code: every option each viewer subcommand's --help lists is
# documented there, every subcommand has a section, and the sample outputs quoted in the doc
# are what gort prints for tests/data/viewer/scenarios.sql.
set -e
. tests/lib.sh
. tests/data/viewer/lib.sh
doc=docs/viewer.md
for cmd in flame timeline gaps sql info export compare; do
  grep -q "^## gort $cmd " "$doc" || fail "no section for gort $cmd"
  "$GORT" "$cmd" --help > "$T/help" || fail "gort $cmd --help"
  for opt in $(grep -o -- '--[a-z][a-z-]*' "$T/help" | sort -u); do
    [ "$opt" = "--help" ] && continue
    grep -q -- "$opt" "$doc" || fail "gort $cmd $opt is not in $doc"
  done
done
# The gaps table in the doc is the real output.
db=$(mktrace scenarios)
expect_status 1 "$GORT" gaps "$db"
while IFS= read -r line; do
  grep -qxF -e "$line" "$doc" || fail "doc lacks gaps output line: $line"
done < "$T/out"
# ... and so are the first folded lines and the sql example.
"$GORT" flame "$db" --folded | head -3 > "$T/f"
while IFS= read -r line; do grep -qxF -e "$line" "$doc" || fail "doc lacks folded line: $line"; done < "$T/f"
"$GORT" sql "$db" "SELECT kind, count(*) AS n FROM events GROUP BY kind ORDER BY n DESC LIMIT 3" > "$T/q"
while IFS= read -r line; do grep -qxF -e "$line" "$doc" || fail "doc lacks sql line: $line"; done < "$T/q"
