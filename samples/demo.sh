#!/bin/sh
# make demo: records every scenario of samples/scenarios.txt with `gort record`, renders each
# trace (flame.svg, timeline.png, gaps.txt) into demo/out/NAME/, and writes demo/out/index.html
# (every picture and the verdict table on one page) and demo/out/verdicts.md (the table the
# README shows). A scenario expected to crash is recorded and reported as such; the demo fails
# only when a scenario ends otherwise than expected or a file cannot be made.
# Env: BUILD (build folder, default build), DEMO_OUT (output folder, default demo/out).
set -u
BUILD=${BUILD:-build}
OUT=${DEMO_OUT:-demo/out}
GORT="$BUILD/gort"
mkdir -p "$OUT" || exit 1
rows="$OUT/.rows"
: >"$rows"
status=0

# verdicts GAPS_CSV: "safe 2, nil-map 1" counted from `gort gaps --format csv` (last column).
verdicts() {
  v=$(tail -n +2 "$1" | awk -F, '{ n[$NF]++ } END { for (k in n) printf "%s %d\n", k, n[k] }' |
      sort | paste -sd, - | sed 's/,/, /g')
  [ -n "$v" ] && echo "$v" || echo "no deferred map operations"
}

# record NAME PROGRAM MODEL EXPECTED CLAIM: one scenario, its files and its table row.
record() {
  name=$1 prog=$2 model=$3 expected=$4 claim=$(echo "$5" | tr _ ' ')
  dir="$OUT/$name"
  rm -rf "$dir" && mkdir -p "$dir"
  unsafe=""; [ "$model" != - ] && unsafe=$model
  GORT_UNSAFE=$unsafe "$GORT" record -o "$dir/trace.db" -- "$BUILD/samples/$prog" \
    >"$dir/stdout.txt" 2>"$dir/stderr.txt"
  rc=$?
  case "$expected:$rc" in
    ok:0) ended="exit 0" ;;
    crash:0) ended="exit 0 (expected a crash)"; status=1 ;;
    crash:*) ended="crashed as expected: $(grep -m1 -E '^(fatal error|panic):' "$dir/stderr.txt" || echo "status $rc")" ;;
    *) ended="status $rc (expected exit 0)"; status=1 ;;
  esac
  "$GORT" flame "$dir/trace.db" -o "$dir/flame.svg" --title "$name" 2>>"$dir/render.log" || status=1
  "$GORT" timeline "$dir/trace.db" -o "$dir/timeline.png" 2>>"$dir/render.log" || status=1
  "$GORT" gaps "$dir/trace.db" >"$dir/gaps.txt" 2>>"$dir/render.log"
  [ $? -le 1 ] || status=1
  "$GORT" gaps "$dir/trace.db" --format csv >"$dir/gaps.csv" 2>>"$dir/render.log"
  v=$(verdicts "$dir/gaps.csv")
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "${unsafe:-safe (Go)}" "$claim" "$ended" "$v" >>"$rows"
  printf '%-31s %-40s %s\n' "$name" "$ended" "$v"
}

# Read without a pipeline, so that record's status changes stay in this shell.
while read -r name prog model expected claim; do
  case "$name" in ''|'#'*) continue ;; esac
  record "$name" "$prog" "$model" "$expected" "$claim"
done <samples/scenarios.txt

# The verdict table as Markdown (the README's copy is checked against it by tests/t_demo.sh).
{
  echo "| scenario | runtime | what it tests | how it ended | verdicts of the deferred map operations (gort gaps) |"
  echo "|---|---|---|---|---|"
  sed 's/\t/ | /g; s/^/| /; s/$/ |/' "$rows"
} >"$OUT/verdicts.md"

# One page with everything.
{
  echo '<!DOCTYPE html><html><head><meta charset="utf-8"><title>gort demo</title>'
  echo '<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}img,object{max-width:100%}</style></head><body>'
  echo '<h1>gort demo: the article'"'"'s crash paths, recorded</h1><table><tr><th>scenario</th><th>runtime</th><th>what it tests</th><th>how it ended</th><th>verdicts</th></tr>'
  sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/\t/<\/td><td>/g; s/^/<tr><td>/; s/$/<\/td><\/tr>/' "$rows"
  echo '</table>'
  cut -f1 "$rows" | while read -r name; do
    echo "<h2 id=\"$name\">$name</h2>"
    echo "<p><a href=\"$name/trace.db\">trace.db</a> · <a href=\"$name/gaps.txt\">gaps.txt</a> · <a href=\"$name/stdout.txt\">stdout</a> · <a href=\"$name/stderr.txt\">stderr</a></p>"
    # The first rows of the gap report (a workload can have hundreds of thousands).
    echo "<pre>"; head -n 22 "$OUT/$name/gaps.txt" | sed 's/&/\&amp;/g; s/</\&lt;/g'
    n=$(($(wc -l <"$OUT/$name/gaps.txt") - 22)); [ "$n" -gt 0 ] && echo "... $n more rows in gaps.txt"
    echo "</pre>"
    echo "<img src=\"$name/timeline.png\" alt=\"timeline of $name\">"
    echo "<object data=\"$name/flame.svg\" type=\"image/svg+xml\" width=\"1200\"></object>"
  done
  echo '</body></html>'
} >"$OUT/index.html"
rm -f "$rows"
echo "demo: $(cd "$OUT" && pwd)/index.html"
exit "$status"
