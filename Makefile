# gort — build, test, bench, demo and install.
#
# Sources are picked up by folder, so adding a file never means editing this Makefile:
#   runtime/*.c  -> $(BUILD)/libgort.a          (linked into traced programs)
#   cli/*.c tracer/*.c viewer/*.c gobuild/*.c -> $(BUILD)/gort   (the command)
#   samples/*.c  -> $(BUILD)/samples/NAME       (one program per file)
#   tests/*.c    -> $(BUILD)/tests/NAME         (one test program per file; run by tests/run.sh)
#   bench/*.c    -> $(BUILD)/bench/NAME
# BUILD=dir keeps several builds apart (SAN=1 defaults to build-san).

# The version is written once, in runtime/gort.h (GORT_VERSION).
VERSION := $(shell sed -n 's/^\#define GORT_VERSION "\(.*\)"$$/\1/p' runtime/gort.h)
PREFIX  ?= /usr/local
# Where `make install` puts things, under $(DESTDIR)$(PREFIX) (as the GNU conventions name them).
BINDIR  := $(PREFIX)/bin
LIBDIR  := $(PREFIX)/lib
INCDIR  := $(PREFIX)/include
DOCDIR  := $(PREFIX)/share/doc/gort
MANDIR  := $(PREFIX)/share/man/man1
BASHCOMPDIR := $(PREFIX)/share/bash-completion/completions
HOOKDIR := $(PREFIX)/share/gort/gohook
# The Go hook's files (gort go build adds them to Go's runtime).
HOOKFILES := $(wildcard gohook/runtime/*.go gohook/runtime/*.s)
# The documentation installed in DOCDIR: the README, licence, changes and docs/ (with its images).
DOCS    := README.md LICENSE CHANGELOG.md $(wildcard docs/*.md)
DOCIMGS := $(wildcard docs/img/*)
SAN     ?= 0
ifeq ($(SAN),1)
BUILD   ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
else
BUILD   ?= build
SANFLAGS :=
endif

CC      ?= cc
OPT     ?= -O2
CFLAGS  += -std=gnu11 $(OPT) -g -Wall -Wextra -Werror -pthread -fno-omit-frame-pointer \
           -Iformat -Iruntime -Itracer -Iviewer -Icli -Igobuild -Itests -DGORT_VERSION='"$(VERSION)"' $(SANFLAGS)
LDFLAGS += -pthread $(SANFLAGS) -rdynamic
RUNTIME_LIBS := -lunwind -lm
TOOL_LIBS    := -lsqlite3 -lm -ldl -ldw -lelf

RT_SRC   := $(wildcard runtime/*.c)
TOOL_SRC := $(wildcard cli/*.c tracer/*.c viewer/*.c gobuild/*.c)
SAMPLES  := $(patsubst samples/%.c,$(BUILD)/samples/%,$(wildcard samples/*.c))
TESTS    := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/*.c))
BENCHES  := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))
# Programs the shell tests run (under gort record, with crashes ...): built, not run as tests.
PROGS    := $(patsubst tests/progs/%.c,$(BUILD)/tests/progs/%,$(wildcard tests/progs/*.c))
RT_OBJ   := $(patsubst %.c,$(BUILD)/obj/%.o,$(RT_SRC))
TOOL_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(TOOL_SRC))
HEADERS  := $(wildcard format/*.h runtime/*.h tracer/*.h viewer/*.h cli/*.h gobuild/*.h tests/*.h)

.PHONY: all deps demo test bench install uninstall clean
# Keep objects between runs (they are intermediate files of the program rules).
.SECONDARY:
all: $(BUILD)/libgort.a $(BUILD)/gort $(BUILD)/man/stamp $(BUILD)/completion/gort $(SAMPLES) $(TESTS) $(PROGS) $(BENCHES)

$(BUILD)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libgort.a: $(RT_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The trace schema is embedded in the command (tracer/schema_blob.c).
$(BUILD)/obj/tracer/schema_blob.o: tracer/schema.sql

$(BUILD)/gort: $(TOOL_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(TOOL_LIBS)

# The man pages (gort.1 and gort-COMMAND.1 for each command gort --help lists) and the bash
# completion, printed by gort from each command's one declaration (cli/cli.h).
$(BUILD)/man/stamp: $(BUILD)/gort
	@rm -rf $(BUILD)/man && mkdir -p $(BUILD)/man
	$(BUILD)/gort help --man > $(BUILD)/man/gort.1
	@for c in $$($(BUILD)/gort --help | awk '/^Commands:/ { on = 1; next } on && !NF { exit } on { print $$1 }'); do \
	  $(BUILD)/gort help --man $$c > $(BUILD)/man/gort-$$c.1 || exit 1; done
	@touch $@
$(BUILD)/completion/gort: $(BUILD)/gort
	@mkdir -p $(dir $@)
	$(BUILD)/gort help --bash-completion > $@.tmp && mv $@.tmp $@

# One program per source file, linked with libgort.
$(BUILD)/samples/%: $(BUILD)/obj/samples/%.o $(BUILD)/libgort.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libgort.a $(RUNTIME_LIBS)
$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(BUILD)/libgort.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libgort.a $(RUNTIME_LIBS)
$(BUILD)/tests/progs/%: $(BUILD)/obj/tests/progs/%.o $(BUILD)/libgort.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libgort.a $(RUNTIME_LIBS)
$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(BUILD)/libgort.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libgort.a $(RUNTIME_LIBS)

# System packages: installed with apt-get when root, otherwise named in one message.
deps:
	@sh tests/deps.sh build

test:
	@sh tests/deps.sh test
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) SAN=$(SAN) sh tests/run.sh

bench: deps
	@sh tests/deps.sh bench
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) sh bench/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) sh samples/demo.sh

# The Go hook's files go to HOOKDIR, where an installed gort looks for them (gort go build).
install: $(BUILD)/libgort.a $(BUILD)/gort $(BUILD)/man/stamp $(BUILD)/completion/gort
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCDIR) $(DESTDIR)$(DOCDIR)/img \
	           $(DESTDIR)$(MANDIR) $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(HOOKDIR)/runtime
	install -m 644 gohook/anchors $(DESTDIR)$(HOOKDIR)/anchors
	install -m 644 $(HOOKFILES) $(DESTDIR)$(HOOKDIR)/runtime
	install -m 755 $(BUILD)/gort $(DESTDIR)$(BINDIR)/gort
	install -m 644 $(BUILD)/libgort.a $(DESTDIR)$(LIBDIR)/libgort.a
	install -m 644 runtime/gort.h $(DESTDIR)$(INCDIR)/gort.h
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' gort.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/gort.pc
	install -m 644 $(DOCS) $(DESTDIR)$(DOCDIR)
	$(if $(DOCIMGS),install -m 644 $(DOCIMGS) $(DESTDIR)$(DOCDIR)/img)
	install -m 644 $(BUILD)/man/*.1 $(DESTDIR)$(MANDIR)
	install -m 644 $(BUILD)/completion/gort $(DESTDIR)$(BASHCOMPDIR)/gort

# Removes exactly the files install wrote, then the folders of ours that are left empty
# (never a folder the prefix had before: bin/, lib/, ... are left in place).
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/gort $(DESTDIR)$(LIBDIR)/libgort.a $(DESTDIR)$(INCDIR)/gort.h \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/gort.pc $(DESTDIR)$(BASHCOMPDIR)/gort \
	      $(DESTDIR)$(MANDIR)/gort.1 $(DESTDIR)$(MANDIR)/gort-*.1
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOCS))) $(addprefix $(DESTDIR)$(DOCDIR)/img/,$(notdir $(DOCIMGS)))
	rm -f $(DESTDIR)$(HOOKDIR)/anchors $(addprefix $(DESTDIR)$(HOOKDIR)/runtime/,$(notdir $(HOOKFILES)))
	-rmdir $(DESTDIR)$(HOOKDIR)/runtime $(DESTDIR)$(HOOKDIR) $(DESTDIR)$(PREFIX)/share/gort 2>/dev/null
	-rmdir $(DESTDIR)$(DOCDIR)/img $(DESTDIR)$(DOCDIR) 2>/dev/null

clean:
	rm -rf build build-san build-* demo/out
