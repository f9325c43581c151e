# gort — build, test, bench, demo and install.
#
# Sources are picked up by folder, so adding a file never means editing this Makefile:
#   runtime/*.c  -> $(BUILD)/libgort.a          (linked into traced programs)
#   cli/*.c tracer/*.c viewer/*.c gobuild/*.c -> $(BUILD)/gort   (the command)
#   samples/*.c  -> $(BUILD)/samples/NAME       (one program per file)
#   tests/*.c    -> $(BUILD)/tests/NAME         (one test program per file; run by tests/run.sh)
#   bench/*.c    -> $(BUILD)/bench/NAME
# BUILD=dir keeps several builds apart (SAN=1 defaults to build-san).

VERSION := 0.1.0
PREFIX  ?= /usr/local
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

.PHONY: all deps demo test bench install clean
# Keep objects between runs (they are intermediate files of the program rules).
.SECONDARY:
all: $(BUILD)/libgort.a $(BUILD)/gort $(SAMPLES) $(TESTS) $(PROGS) $(BENCHES)

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

# The Go hook's files go to PREFIX/share/gort/gohook, where an installed gort looks for them.
install: $(BUILD)/libgort.a $(BUILD)/gort
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -d $(DESTDIR)$(PREFIX)/share/gort/gohook/runtime
	install -m 644 gohook/anchors $(DESTDIR)$(PREFIX)/share/gort/gohook/anchors
	install -m 644 gohook/runtime/*.go gohook/runtime/*.s $(DESTDIR)$(PREFIX)/share/gort/gohook/runtime/
	install -m 755 $(BUILD)/gort $(DESTDIR)$(PREFIX)/bin/gort
	install -m 644 $(BUILD)/libgort.a $(DESTDIR)$(PREFIX)/lib/libgort.a
	install -m 644 runtime/gort.h $(DESTDIR)$(PREFIX)/include/gort.h
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' gort.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/gort.pc

clean:
	rm -rf build build-san build-* demo/out
