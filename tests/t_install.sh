#!/bin/sh
# make install and make uninstall into a temporary prefix (and through DESTDIR): every file in
# its place, pkg-config finds the library at the version gort.h declares, the documentation the
# --help texts point to is installed, `man gort-record` shows the installed page, the bash
# completion loads, and uninstall removes exactly what install wrote.
set -e
. tests/lib.sh
version=$(sed -n 's/^#define GORT_VERSION "\(.*\)"$/\1/p' runtime/gort.h)
[ -n "$version" ] || fail "no GORT_VERSION in runtime/gort.h"
p="$T/prefix"
mkdir -p "$p/bin" && : > "$p/bin/other-tool"   # something of someone else's, kept by uninstall
make -s install BUILD="$BUILD" PREFIX="$p" >/dev/null
for f in bin/gort lib/libgort.a include/gort.h lib/pkgconfig/gort.pc \
         share/doc/gort/README.md share/doc/gort/LICENSE share/doc/gort/CHANGELOG.md \
         share/doc/gort/schema.md share/doc/gort/viewer.md share/man/man1/gort.1 \
         share/man/man1/gort-record.1 share/man/man1/gort-export.1 \
         share/bash-completion/completions/gort; do
  [ -f "$p/$f" ] || fail "make install did not write $f"
done
expect_eq "$("$p/bin/gort" version)" "gort $version"
expect_eq "$(PKG_CONFIG_PATH="$p/lib/pkgconfig" pkg-config --modversion gort)" "$version"
expect_contains "$(PKG_CONFIG_PATH="$p/lib/pkgconfig" pkg-config --cflags gort)" "-I$p/include"
# man finds the installed pages by name (as it would with the prefix on its MANPATH).
MANWIDTH=120 MANPATH="$p/share/man" man -P cat gort-record > "$T/man" 2>/dev/null || fail "man gort-record"
expect_contains "$(cat "$T/man")" "gort-record - run a program linked with libgort"
expect_contains "$(cat "$T/man")" "127"
MANPATH="$p/share/man" man -P cat gort > /dev/null 2>&1 || fail "man gort"
bash -c ". '$p/share/bash-completion/completions/gort' && complete -p gort" | grep -q _gort ||
  fail "the installed completion does not define gort's"
# The version macros agree with each other.
printf '#include <gort.h>\n#include <stdio.h>\nint main(void){printf("%%d.%%d.%%d %%s %%d\\n",GORT_VERSION_MAJOR,GORT_VERSION_MINOR,GORT_VERSION_PATCH,GORT_VERSION,GORT_VERSION_NUMBER);return 0;}\n' > "$T/v.c"
cc -I"$p/include" "$T/v.c" -o "$T/v"
set -- $("$T/v")
expect_eq "$1" "$version"
expect_eq "$2" "$version"
expect_eq "$3" "$(echo "$version" | awk -F. '{ print $1 * 10000 + $2 * 100 + $3 }')"

make -s uninstall PREFIX="$p" >/dev/null
left=$(cd "$p" && find . -type f | sort)
expect_eq "$left" "./bin/other-tool"
[ ! -e "$p/share/doc/gort" ] || fail "make uninstall left share/doc/gort"

# DESTDIR stages the same files under another root, with the prefix's paths inside gort.pc.
make -s install BUILD="$BUILD" PREFIX=/opt/gort DESTDIR="$T/stage" >/dev/null
[ -x "$T/stage/opt/gort/bin/gort" ] || fail "DESTDIR install"
grep -qx 'prefix=/opt/gort' "$T/stage/opt/gort/lib/pkgconfig/gort.pc" || fail "gort.pc prefix under DESTDIR"
make -s uninstall PREFIX=/opt/gort DESTDIR="$T/stage" >/dev/null
[ -z "$(find "$T/stage" -type f)" ] || fail "uninstall under DESTDIR left files"
