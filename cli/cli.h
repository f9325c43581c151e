/*
 * cli.h — the utility layer shared by every gort subcommand: errors, option values, and the
 * subcommand entry points. Each subcommand lives in its own file (tracer/record.c,
 * viewer/flame.c, ...) and exports one `int cmd_NAME(int argc, char **argv)` that returns the
 * process exit status.
 *
 * Exit statuses: 0 success, 1 a finding the caller asked to gate on (gort gaps: a
 * use-after-free), 2 bad input or an error. Every error is one line on stderr, "gort NAME: ...".
 */
#ifndef GORT_CLI_H
#define GORT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GORT_EXIT_OK 0
#define GORT_EXIT_FINDING 1
#define GORT_EXIT_USAGE 2

/* Prints "gort CMD: <message>" and a newline to stderr, as one line (line breaks and other
 * control characters in the message become spaces). Returns GORT_EXIT_USAGE so a caller
 * can write `return cli_error("sql", "no such file: %s", path);`. */
int cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parses a whole decimal integer in [min, max]; false on anything else. */
bool cli_parse_int(const char *s, int64_t min, int64_t max, int64_t *out);
/* Parses a size with an optional K, M or G suffix (powers of 1024); false on anything else. */
bool cli_parse_size(const char *s, uint64_t *out);
/* Parses a time: an integer with an optional unit ns, us, ms or s (default ns). */
bool cli_parse_time_ns(const char *s, int64_t *out);

/* True when argv[*i] is the option `name`; then *val is its value, taken from "--name=V" or
 * from the next argument (and *i advanced). A missing value is reported and *val is NULL. */
bool cli_opt_value(const char *cmd, int argc, char **argv, int *i, const char *name,
                   const char **val);

/* ---- idmap.c: a hash table from 64-bit ids to 64-bit values --------------------------------
 * One table for every id lookup of the tools (the recorder's summary rows, the viewer's lanes
 * and stack weights). */
typedef struct idmap {
    int64_t *keys;
    int64_t *vals;
    unsigned char *full;
    size_t cap, used;
} idmap;

/* The value slot of KEY (0 when just inserted); NULL when KEY is absent and !INSERT, or
 * when out of memory. A zeroed idmap is empty. */
int64_t *idmap_get(idmap *m, int64_t key, bool insert);
/* Frees M's storage and leaves it empty and usable. */
void idmap_free(idmap *m);

/* Subcommands (weak: a command appears in `gort --help` once its file is linked). */
int cmd_record(int argc, char **argv) __attribute__((weak));
int cmd_flame(int argc, char **argv) __attribute__((weak));
int cmd_timeline(int argc, char **argv) __attribute__((weak));
int cmd_gaps(int argc, char **argv) __attribute__((weak));
int cmd_sql(int argc, char **argv) __attribute__((weak));
int cmd_info(int argc, char **argv) __attribute__((weak));
int cmd_export(int argc, char **argv) __attribute__((weak));
int cmd_compare(int argc, char **argv) __attribute__((weak));

#endif /* GORT_CLI_H */
