#!/bin/sh
# The gort command line: help, version, unknown commands and options ("did you mean"), the
# GNU option conventions in every command (-oFILE, -o FILE, --output=FILE, --output FILE,
# operands anywhere, -- ending the options), every --help listing every option it accepts and
# ending with an example, and the man pages and bash completion agreeing with --help.
set -e
. tests/lib.sh
. tests/data/viewer/lib.sh
version=$(sed -n 's/^#define GORT_VERSION "\(.*\)"$/\1/p' runtime/gort.h)

# gort itself.
out=$("$GORT" --help)
expect_contains "$out" "usage: gort COMMAND"
expect_eq "$("$GORT" --version)" "gort $version"
expect_eq "$("$GORT" version)" "gort $version"
expect_eq "$("$GORT" help)" "$out"
expect_status 2 "$GORT" no-such-command
expect_eq "$(cat "$T/err")" "gort: unknown command 'no-such-command' (see gort help)"
expect_status 2 "$GORT" flme
expect_eq "$(cat "$T/err")" "gort: unknown command 'flme'; did you mean 'flame'?"
expect_status 2 "$GORT" timelien
expect_contains "$(cat "$T/err")" "did you mean 'timeline'?"
expect_status 2 "$GORT" help flme
expect_eq "$(cat "$T/err")" "gort help: unknown command 'flme'; did you mean 'flame'?"
expect_status 2 "$GORT"
expect_status 2 "$GORT" --bogus

# The commands gort --help lists; each has a help that names every option and ends with an
# example, the same through gort help CMD.
cmds=$("$GORT" --help | awk '/^Commands:/ { on = 1; next } on && !NF { exit } on { print $1 }')
[ "$(echo "$cmds" | wc -l)" -ge 9 ] || fail "too few commands in gort --help: $cmds"
for c in $cmds; do
  expect_status 0 "$GORT" "$c" --help
  cp "$T/out" "$T/help.$c"
  head -1 "$T/help.$c" | grep -q "^usage: gort $c" || fail "gort $c --help: no usage line"
  expect_eq "$(tail -n 2 "$T/help.$c" | head -1)" "Example:"
  tail -n 1 "$T/help.$c" | grep -q "^  gort $c" || fail "gort $c --help does not end with an example of gort $c"
  expect_status 0 "$GORT" help "$c"
  cmp -s "$T/out" "$T/help.$c" || fail "gort help $c differs from gort $c --help"
  expect_status 0 "$GORT" "$c" -h
  cmp -s "$T/out" "$T/help.$c" || fail "gort $c -h differs from --help"
  # Every option the help lists is accepted (whatever else then goes wrong).
  sed -n '/^Options:/,/^$/p' "$T/help.$c" | grep -E '^  (-[a-z], |    )--[a-z]' |
    grep -o -- '--[a-z][a-z-]*' | awk '!seen[$0]++ && n++ < 99' | sort > "$T/opts.$c"
  grep -qx -- --help "$T/opts.$c" || fail "gort $c --help does not list --help"
  for o in $(cat "$T/opts.$c"); do
    [ "$o" = --help ] && continue
    set +e; "$GORT" "$c" "$o" </dev/null >/dev/null 2>"$T/err"; set -e
    if grep -q "unknown option" "$T/err"; then fail "gort $c $o: $(cat "$T/err")"; fi
  done
  # An unknown option is one line naming it, status 2 (125 for record).
  st=2; [ "$c" = record ] && st=125
  expect_status $st "$GORT" "$c" --no-such-option
  expect_eq "$(cat "$T/err")" "gort $c: unknown option --no-such-option (see gort $c --help)"
done

# One meaning per option: an option's value name is the same in every command's help.
for c in $cmds; do
  sed -n '/^Options:/,/^$/p' "$T/help.$c" | grep -E '^  (-[a-z], |    )--[a-z]' |
    grep -o -- '--[a-z][a-z-]* [A-Z][A-Za-z]*' || true
done | sort -u | awk '{ n[$1]++; v[$1] = v[$1] " " $2 } END { for (o in n) if (n[o] > 1) print o ":" v[o] }' > "$T/clash"
[ ! -s "$T/clash" ] || fail "options with different value names: $(cat "$T/clash")"

# The four spellings of a value, operands anywhere, and -- ending the options.
db=$(mktrace scenarios)
for form in "-o $T/f1" "-o$T/f2" "--output=$T/f3" "--output $T/f4" "--out $T/f5"; do
  # shellcheck disable=SC2086
  "$GORT" flame $form --folded "$db" || fail "gort flame $form"
done
for n in 2 3 4 5; do cmp -s "$T/f1" "$T/f$n" || fail "flame output $n differs"; done
"$GORT" flame "$db" --folded > "$T/f6"
cmp -s "$T/f1" "$T/f6" || fail "flame TRACE --folded differs from --folded TRACE"
for form in "--format csv" "--format=csv" "--fo=csv"; do
  # shellcheck disable=SC2086
  expect_eq "$("$GORT" sql $form "$db" "SELECT 1 AS x")" "$(printf 'x\n1')"
done
cp "$db" "$T/-odd.db"
expect_status 2 "$GORT" info "$T/-odd.db" -x
expect_contains "$(cat "$T/err")" "unknown option -x"
(cd "$T" && "$GORT" info -- -odd.db > "$T/out") || fail "gort info -- -odd.db"
expect_contains "$(cat "$T/out")" "deferproc"
expect_eq "$("$GORT" sql "$db" --format csv -- "SELECT 2 AS y")" "$(printf 'y\n2')"
expect_status 2 "$GORT" gaps --format
expect_eq "$(cat "$T/err")" "gort gaps: option --format needs a value"
expect_status 2 "$GORT" flame --folded=yes "$db"
expect_eq "$(cat "$T/err")" "gort flame: option --folded takes no value"
expect_status 2 "$GORT" flame "$db" --ouptut x.svg
expect_eq "$(cat "$T/err")" "gort flame: unknown option --ouptut; did you mean --output?"
expect_status 2 "$GORT" info
expect_eq "$(cat "$T/err")" "gort info: needs a TRACE (see gort info --help)"
expect_status 2 "$GORT" info "$db" "$db"
expect_contains "$(cat "$T/err")" "unexpected argument"

# The man pages: one per command, valid roff, the same options as --help, and the example.
[ -f "$BUILD/man/gort.1" ] || fail "no $BUILD/man/gort.1"
for c in $cmds; do
  page="$BUILD/man/gort-$c.1"
  [ -f "$page" ] || fail "no man page for gort $c"
  warn=$(groff -man -ww -z "$page" 2>&1) ; [ -z "$warn" ] || fail "$page: $warn"
  MANWIDTH=200 man -l "$page" 2>/dev/null | col -b > "$T/man.$c"
  grep -q "gort-$c - " "$T/man.$c" || fail "$page: no NAME line"
  sed -n '/^OPTIONS/,/^[A-Z]/p' "$T/man.$c" | grep -E '^       (-[a-z], )?--[a-z]' |
    grep -o -- '--[a-z][a-z-]*' | awk '!seen[$0]++' | sort > "$T/manopts.$c"
  cmp -s "$T/opts.$c" "$T/manopts.$c" || fail "gort-$c(1) and --help list different options: $(diff "$T/opts.$c" "$T/manopts.$c" | tr '\n' ' ')"
  grep -qF -- "$(tail -n 1 "$T/help.$c" | sed 's/^  //')" "$T/man.$c" || fail "gort-$c(1) lacks the example"
  MANWIDTH=200 man -l "$BUILD/man/gort.1" 2>/dev/null | col -b | grep -q "(gort-$c(1))" ||
    fail "gort(1) does not list gort-$c(1)"
done
expect_status 0 "$GORT" record --help
expect_contains "$(cat "$T/man.record")" "127"

# The bash completion: commands, each command's options (the same as --help), values.
if command -v bash >/dev/null; then
  cat > "$T/complete.bash" <<'EOF'
source "$1"
shift
COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
_gort
printf '%s\n' "${COMPREPLY[@]}" | sort
EOF
  top=$PWD
  comp() { bash "$T/complete.bash" "$top/$BUILD/completion/gort" "$@"; }
  expect_eq "$(comp gort fl)" "flame"
  for c in $cmds; do
    comp gort "$c" -- | grep -- '^--' > "$T/compopts.$c" || true
    cmp -s "$T/opts.$c" "$T/compopts.$c" || fail "completion of gort $c -- differs from --help"
  done
  expect_eq "$(comp gort gaps x.db --format '' | tr '\n' ' ')" "csv json table "
  expect_eq "$(comp gort export x.db --format = s)" "speedscope"
  mkdir "$T/c" && touch "$T/c/a.db" "$T/c/b.txt"
  expect_eq "$(cd "$T/c" && comp gort info '')" "a.db"
  expect_eq "$(cd "$T/c" && comp gort flame a.db -o '' | tr '\n' ' ')" "a.db b.txt "
fi
