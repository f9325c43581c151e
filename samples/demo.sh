#!/bin/sh
# make demo: real Go 1.19, the model, and the unsafe model, side by side, for every scenario of
# samples/scenarios.txt.
#
# Every line of scenarios.txt is recorded with `gort record` (build/samples/PROGRAM, under the
# line's GORT_UNSAFE model) into demo/out/NAME/: trace.db, stdout.txt, stderr.txt, flame.svg,
# gaps.txt, gaps.csv and timeline.png. A line of the safe model ('-') also records its Go twin,
# samples/go/PROGRAM, built by `gort go build` into build/samples/go/ (Go's build cache makes a
# rebuild cheap), into demo/out/NAME/go/ (the same files but the timeline); its timeline.png
# then stacks Go's trace above the model's on one time axis, and demo/out/NAME/compare.csv
# holds the facts on which `gort compare --scope program` finds the two disagreeing (about the
# program's own maps and deferred calls: not those of Go's runtime and standard library).
# Two kinds of difference are there by construction and are not judged: event counts (Go
# records no map lookups, runs goroutines of its own and has events the model has not) and
# the deferred functions' names (Go names the compiler's wrapper of `defer delete(m, k)`,
# main.f.func1; the model names the call) — the group is not compared and the names are left
# out of compare.csv.
#
# It writes demo/out/index.html (per scenario: Go and the model next to each other, what they
# disagree on in red, the unsafe models after them) and demo/out/verdicts.md (the table the
# README shows: one row per program, a column each for Go 1.19, the model and the unsafe
# models). A run expected to crash is recorded and reported as such. The demo fails (status 1)
# when a run ends otherwise than expected or a file cannot be made, each failure on one line
# of its own; a disagreement between Go and the model is not a failure: the page shows it.
# Every run rewrites every file it writes (a scenario's folder is made anew), so nothing of an
# earlier run is left to mislead.
# Env: BUILD (build folder, default build), DEMO_OUT (output folder, default demo/out).
set -u
BUILD=${BUILD:-build}
OUT=${DEMO_OUT:-demo/out}
GORT="$BUILD/gort"
mkdir -p "$OUT" "$BUILD/samples/go" || exit 1
GOBIN=$(cd "$BUILD/samples/go" && pwd)
rows="$OUT/.rows"
: >"$rows"
status=0

# verdicts GAPS_CSV: "safe 2, nil-map 1" counted from `gort gaps --format csv` (last column).
verdicts() {
  v=$(tail -n +2 "$1" | awk -F, '{ n[$NF]++ } END { for (k in n) printf "%s %d\n", k, n[k] }' |
      sort | paste -sd, - | sed 's/,/, /g')
  [ -n "$v" ] && echo "$v" || echo "no deferred map operations"
}

# step NAME WHAT MAX CMD...: runs one step of scenario NAME; a status above MAX fails the demo
# with one line naming the scenario, the step and the command's first line of error.
step() {
  sname=$1 what=$2 max=$3
  shift 3
  "$@" 2>"$OUT/.step.err"
  s=$?
  [ "$s" -le "$max" ] && return 0
  echo "demo: $sname: $what failed (status $s): $(head -n 1 "$OUT/.step.err")" >&2
  status=1
  return 1
}

# run_trace NAME DIR PROGRAM UNSAFE EXPECTED: records PROGRAM (under GORT_UNSAFE=UNSAFE) into
# DIR/trace.db and renders its flame graph and gap report; sets ended (how it ended, against
# EXPECTED) and v (its verdicts).
run_trace() {
  rt_name=$1 rt_dir=$2 rt_prog=$3 rt_unsafe=$4 rt_expected=$5
  mkdir -p "$rt_dir" || exit 1
  GORT_UNSAFE=$rt_unsafe "$GORT" record -o "$rt_dir/trace.db" -- "$rt_prog" </dev/null >"$rt_dir/stdout.txt" 2>"$rt_dir/stderr.txt"
  rc=$?
  case "$rt_expected:$rc" in
    ok:0) ended="exit 0" ;;
    crash:0) ended="exit 0 (expected a crash)" ;;
    crash:*) ended="crashed as expected: $(grep -m1 -E '^(fatal error|panic):' "$rt_dir/stderr.txt" || echo "status $rc")" ;;
    *) ended="status $rc (expected exit 0)" ;;
  esac
  case "$rt_expected:$rc" in
    ok:0|crash:[1-9]*) ;;
    *) echo "demo: $rt_name: $rt_prog: $ended" >&2; status=1 ;;
  esac
  step "$rt_name" "gort flame" 0 "$GORT" flame "$rt_dir/trace.db" -o "$rt_dir/flame.svg" --title "$rt_name"
  step "$rt_name" "gort gaps" 1 "$GORT" gaps "$rt_dir/trace.db" >"$rt_dir/gaps.txt"
  step "$rt_name" "gort gaps --format csv" 1 "$GORT" gaps "$rt_dir/trace.db" --format csv >"$rt_dir/gaps.csv"
  v=$(verdicts "$rt_dir/gaps.csv")
}

# compare_go NAME DIR: DIR/compare.csv, the facts on which Go (DIR/go) and the model (DIR)
# disagree, less the deferred functions' names; sets ndiff (their count, or '?' when gort
# compare failed).
compare_go() {
  cg_dir=$2
  "$GORT" compare "$cg_dir/go/trace.db" "$cg_dir/trace.db" --scope program --format csv \
    --only run,maps,growth,evacuation,defers,verdicts,gc >"$cg_dir/compare.all.csv" 2>"$OUT/.step.err"
  if [ $? -gt 1 ]; then
    echo "demo: $1: gort compare failed: $(head -n 1 "$OUT/.step.err")" >&2
    status=1 ndiff='?'
    rm -f "$cg_dir/compare.all.csv"
    return
  fi
  grep -v '^defers,defer g[0-9]*\.[0-9]* fn,' "$cg_dir/compare.all.csv" >"$cg_dir/compare.csv"
  rm -f "$cg_dir/compare.all.csv"
  ndiff=$(($(wc -l <"$cg_dir/compare.csv") - 1))
}

# The Go twins, all at once (one go build: the hooked runtime is compiled once).
gort_abs=$(cd "$BUILD" && pwd)/gort
if ! (cd samples/go && "$gort_abs" go build -o "$GOBIN/" ./...) >"$OUT/.step.err" 2>&1; then
  echo "demo: gort go build of samples/go failed: $(grep -m1 . "$OUT/.step.err")" >&2
  exit 1
fi

# record NAME PROGRAM MODEL EXPECTED CLAIM: one scenario, its files and its row of $rows
# (name, program, model, claim, how it ended, verdicts, and for the safe model: Go's how it
# ended and verdicts, and the count of facts Go and the model disagree on; '-' where none).
record() {
  name=$1 prog=$2 model=$3 expected=$4 claim=$(echo "$5" | tr _ ' ')
  dir="$OUT/$name"
  rm -rf "$dir" && mkdir -p "$dir" || exit 1
  unsafe=""; [ "$model" != - ] && unsafe=$model
  run_trace "$name" "$dir" "$BUILD/samples/$prog" "$unsafe" "$expected"
  printf '%-31s %-40s %s\n' "$name" "$ended" "$v"
  m_ended=$ended m_v=$v go_ended=- go_v=- ndiff=-
  if [ "$model" = - ]; then
    run_trace "$name (Go)" "$dir/go" "$GOBIN/$prog" "" "$expected"
    go_ended=$ended go_v=$v
    step "$name" "gort timeline" 0 "$GORT" timeline "$dir/go/trace.db" "$dir/trace.db" -o "$dir/timeline.png"
    compare_go "$name" "$dir"
    printf '%-31s %-40s %s\n' "$name (Go 1.19)" "$go_ended" "$go_v"
    [ "$ndiff" = 0 ] || printf '%-31s %s\n' "" "Go and the model disagree on $ndiff facts ($dir/compare.csv)"
  else
    step "$name" "gort timeline" 0 "$GORT" timeline "$dir/trace.db" -o "$dir/timeline.png"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$prog" "$model" "$claim" "$m_ended" "$m_v" \
    "$go_ended" "$go_v" "$ndiff" >>"$rows"
}

# Read without a pipeline, so that record's status changes stay in this shell.
while read -r name prog model expected claim; do
  case "$name" in ''|'#'*) continue ;; esac
  record "$name" "$prog" "$model" "$expected" "$claim"
done <samples/scenarios.txt

# The verdict table as Markdown, one row per program (the README's copy is checked against it
# by tests/t_demo.sh): its safe line names the scenario; its unsafe lines share one cell.
{
  echo "| scenario | what it tests | Go 1.19 | the model (libgort) | unsafe models (as the article imagines it) |"
  echo "|---|---|---|---|---|"
  awk -F'\t' '
    !($2 in seen) { seen[$2] = 1; order[++n] = $2 }
    $3 == "-" { name[$2] = $1; claim[$2] = $4; safe[$2] = $5 " · " $6; go[$2] = $7 " · " $8; next }
    { u = $3 ": " $5 " · " $6; if ($2 in uns) uns[$2] = uns[$2] "; " u; else uns[$2] = u }
    END {
      for (i = 1; i <= n; i++) {
        p = order[i]
        printf "| %s | %s | %s | %s | %s |\n", (p in name) ? name[p] : p, (p in claim) ? claim[p] : "",
               (p in go) ? go[p] : "—", (p in safe) ? safe[p] : "—", (p in uns) ? uns[p] : "—"
      }
    }' "$rows"
} >"$OUT/verdicts.md"

# esc TEXT: TEXT with HTML's special characters escaped.
esc() { printf '%s' "$1" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g'; }

# gaps_head FILE: the first rows of a gap report, escaped, in <pre> (a workload can have
# hundreds of thousands).
gaps_head() {
  echo "<pre>"; head -n 22 "$1" | sed 's/&/\&amp;/g; s/</\&lt;/g'
  n=$(($(wc -l <"$1") - 22)); [ "$n" -gt 0 ] && echo "... $n more rows in gaps.txt"
  echo "</pre>"
}

# links DIR: the links to a run's files, DIR relative to the page.
links() {
  echo "<a href=\"$1/trace.db\">trace.db</a> · <a href=\"$1/gaps.txt\">gaps.txt</a> ·" \
       "<a href=\"$1/stdout.txt\">stdout</a> · <a href=\"$1/stderr.txt\">stderr</a>"
}

# disagreements NAME NDIFF: what gort compare found, in red when Go and the model disagree
# (the first 30 facts as a table; the rest in compare.csv).
disagreements() {
  if [ "$2" = '?' ]; then
    echo "<p class=\"differ\"><b>gort compare could not compare Go 1.19 and the model.</b></p>"
  elif [ "$2" = 0 ]; then
    echo "<p class=\"agree\">Go 1.19 and the model agree on every fact <code>gort compare --scope program</code> judges:" \
         "how the run ended, the program's maps and how they died, their growth and evacuation, its deferred" \
         "calls and how they ran, the verdicts, the GC cycles.</p>"
  else
    echo "<p class=\"differ\"><b>Go 1.19 and the model disagree on $2 facts</b>" \
         "(<a href=\"$1/compare.csv\">compare.csv</a>; a is Go, b the model):</p>"
    echo '<table class="differ"><tr><th>group</th><th>fact</th><th>Go 1.19</th><th>model</th><th>diff</th></tr>'
    tail -n +2 "$OUT/$1/compare.csv" | head -n 30 | awk '
      function cell(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); return "<td>" s "</td>" }
      { n = 0; cur = ""; q = 0
        for (i = 1; i <= length($0); i++) {
          c = substr($0, i, 1)
          if (q && c == "\"" && substr($0, i + 1, 1) == "\"") { cur = cur c; i++ }
          else if (c == "\"") q = !q
          else if (!q && c == ",") { f[++n] = cur; cur = "" }
          else cur = cur c
        }
        f[++n] = cur
        print "<tr>" cell(f[1]) cell(f[2]) cell(f[3]) cell(f[4]) cell(f[5]) "</tr>" }'
    echo '</table>'
    [ "$2" -le 30 ] || echo "<p class=\"differ\">... $(($2 - 30)) more in compare.csv</p>"
  fi
  echo "<p class=\"note\">Not judged, as they differ by construction: the event counts (Go records no map" \
       "lookups, runs goroutines of its own and has events the model has not), and the deferred functions'" \
       "names (Go names the compiler's wrapper of <code>defer delete(m, k)</code>, main.f.func1; the model" \
       "names the call). Times are shown, never judged: <code>gort timeline</code> below. Some facts can" \
       "change from run to run: evacuation counts depend on where keys hash (Go seeds its hash at random)," \
       "and racing goroutines (concurrent_writes) die at a different point each time.</p>"
}

# One page with everything: the table, then per program Go and the model, then its unsafe models.
tab=$(printf '\t')
{
  echo '<!DOCTYPE html><html><head><meta charset="utf-8"><title>gort demo</title>'
  echo '<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}img,object{max-width:100%}.differ,td.differ{color:#c00}.agree{color:#070}.note{color:#666}pre{font-size:85%}.side{table-layout:fixed;width:100%}.side th:first-child{width:7em}.side pre{overflow-x:auto;margin:0}</style></head><body>'
  echo '<h1>gort demo: the article'"'"'s crash paths, in real Go 1.19 and in the model</h1>'
  echo '<p>Each scenario runs three ways: its Go twin (<code>samples/go/NAME</code>) with real Go 1.19,'
  echo 'built by <code>gort go build</code>; the same program written with libgort, the model of Go'"'"'s runtime'
  echo '(<code>samples/NAME.c</code>); and, for the article'"'"'s claims, under an unsafe model that does what the'
  echo 'article imagines. Where Go and the model disagree, this page says so in red.</p>'
  echo '<table><tr><th>scenario</th><th>what it tests</th><th>Go 1.19</th><th>the model (libgort)</th><th>unsafe models</th></tr>'
  tail -n +3 "$OUT/verdicts.md" | while IFS='|' read -r _ sc claim go safe uns _; do
    sc=$(echo "$sc" | sed 's/^ *//; s/ *$//')
    nd=$(awk -F'\t' -v n="$sc" '$1 == n { print $9 }' "$rows")
    cls=""; note=""
    case "$nd" in ''|-|0) ;;
      '?') cls=' class="differ"'; note="<br><b>could not be compared with the model</b>" ;;
      *) cls=' class="differ"'; note="<br><b>disagrees with the model on $nd facts</b>" ;;
    esac
    echo "<tr><td><a href=\"#$sc\">$(esc "$sc")</a></td><td>$(esc "$claim")</td><td$cls>$(esc "$go")$note</td><td>$(esc "$safe")</td><td>$(esc "$uns")</td></tr>"
  done
  echo '</table>'
  while IFS="$tab" read -r name prog model claim ended v go_ended go_v ndiff; do
    if [ "$model" = - ]; then
      echo "<h2 id=\"$name\">$(esc "$name"): $(esc "$claim")</h2>"
      echo '<table class="side"><tr><th></th><th>Go 1.19 (<code>samples/go/'"$prog"'</code>)</th><th>the model (<code>samples/'"$prog"'.c</code>)</th></tr>'
      echo "<tr><th>how it ended</th><td>$(esc "$go_ended")</td><td>$(esc "$ended")</td></tr>"
      echo "<tr><th>verdicts</th><td>$(esc "$go_v")</td><td>$(esc "$v")</td></tr>"
      echo "<tr><th>files</th><td>$(links "$name/go")</td><td>$(links "$name")</td></tr>"
      echo "<tr><th>gort gaps</th><td>$(gaps_head "$OUT/$name/go/gaps.txt")</td><td>$(gaps_head "$OUT/$name/gaps.txt")</td></tr></table>"
      disagreements "$name" "$ndiff"
      echo "<p>The two traces on one time axis (<code>gort timeline go/trace.db trace.db</code>), Go above, each from its own first event:</p>"
      echo "<img src=\"$name/timeline.png\" alt=\"timelines of $name in Go 1.19 and in the model\">"
      echo "<h3>Flame graph: Go 1.19</h3><object data=\"$name/go/flame.svg\" type=\"image/svg+xml\" width=\"1200\"></object>"
      echo "<h3>Flame graph: the model</h3><object data=\"$name/flame.svg\" type=\"image/svg+xml\" width=\"1200\"></object>"
    else
      echo "<h3 id=\"$name\">$(esc "$name"): $(esc "$claim") (the $(esc "$model") model)</h3>"
      echo "<p>$(esc "$ended") · $(esc "$v") · $(links "$name")</p>"
      gaps_head "$OUT/$name/gaps.txt"
      echo "<img src=\"$name/timeline.png\" alt=\"timeline of $name\">"
      echo "<object data=\"$name/flame.svg\" type=\"image/svg+xml\" width=\"1200\"></object>"
    fi
  done <"$rows"
  echo '</body></html>'
} >"$OUT/index.html"
rm -f "$rows" "$OUT/.step.err"
echo "demo: $(cd "$OUT" && pwd)/index.html"
exit "$status"
