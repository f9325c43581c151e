/*
 * viewer.h — the one public header of gort's viewer: the subcommands flame, timeline, gaps,
 * sql, info, export and compare, which read trace databases and never change them.
 *
 * Layers, each a file:
 *   trace_db.c  opens a trace read-only and checks that it is a gort trace this build reads;
 *   output.c    prints any query's rows as an aligned table, CSV or JSON;
 *   text.c      XML and JSON escaping of arbitrary bytes (symbols are not trusted to be UTF-8);
 *   stacks.c    turns events' call stacks into folded stacks ("outer;...;inner" + weight);
 *   folded.c    the folded-stack set: parse, sort, reverse, diff;
 *   flame_svg.c draws a folded set as an interactive SVG flame graph;
 *   gapcalc.c   the gap report's query (shared by gaps, info, timeline);
 *   compare_facts.c the facts of a trace that gort compare matches against another's;
 *   compare_scope.c which maps and deferred calls are the program's (compare --scope);
 *   flame.c, timeline.c, gaps.c, sql.c, info.c, export.c, compare.c: one subcommand each
 *               (cmd_*).
 *
 * Every function that can fail reports one line through cli_error and returns
 * GORT_EXIT_USAGE (2) or a NULL/false result the caller passes up unchanged.
 */
#ifndef GORT_VIEWER_H
#define GORT_VIEWER_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The newest trace schema this build reads; it reads every older one too (version 1 differs
 * only in columns and views the viewer does not use: maps.id, ..., the gaps view's words). */
#define VIEWER_SCHEMA_VERSION 2

/* ---- trace_db.c ------------------------------------------------------------------------- */

/* How long a viewer command's queries may run in all before they are interrupted (--timeout). */
#define VIEWER_DEFAULT_TIMEOUT_NS (120 * (int64_t)1000000000)
/* The --timeout option's help text (cli_optdoc), the same for every command. */
#define VIEWER_TIMEOUT_DOC \
    "give up (exit 2) when the queries run longer than S seconds in all\n" \
    "(default 120; 0 for no limit; or with a unit: 500ms)"

/* Opens PATH read-only (SQLITE_OPEN_READONLY and the URI mode=ro; immutable=1 for a WAL-mode
 * file, so no -wal or -shm is created) after checking, in this order: the file exists and is
 * a regular file, starts with the SQLite header, has no WAL content or hot journal beside it
 * that a reader would have to write back, holds a gort trace (meta.schema_version), of a
 * version this build reads, with at least one event. Every query on the connection is
 * interrupted once TIMEOUT_NS have passed since the open (0: no limit).
 * On success stores the connection in *out and returns 0; otherwise prints one line
 * "gort CMD: ..." and returns GORT_EXIT_USAGE with *out NULL. The file is never written, and
 * nothing is created beside it. */
int vt_open(const char *cmd, const char *path, int64_t timeout_ns, sqlite3 **out);

/* Parses a --timeout value: whole seconds, or a time with a unit (ns, us, ms, s); 0 = none.
 * False after one error line. */
bool vt_parse_timeout(const char *cmd, const char *v, int64_t *out);

/* SQLite's message for DB's last error, or for an interrupted statement the --timeout's. */
const char *vt_errmsg(sqlite3 *db);

/* Prepares SQL on DB; on failure prints "gort CMD: <sqlite message>" and returns NULL. */
sqlite3_stmt *vt_prepare(const char *cmd, sqlite3 *db, const char *sql);

/* Runs a query returning one integer into *out (DFLT for no row or NULL). Returns 0, or
 * GORT_EXIT_USAGE after one error line when the query fails (an overflowing sum(), the
 * timeout, a corrupt page) or its result is not an integer: SQLite turns an overflowing
 * `a - b` into a real, which must not pass clamped for a figure. A figure is never silently
 * replaced by a default. */
int vt_int_query(const char *cmd, sqlite3 *db, const char *sql, int64_t dflt, int64_t *out);

/* Runs a query returning one integer (the first column of the first row); DFLT when the
 * query fails or returns no row or NULL. For counts and bounds only. */
int64_t vt_int(sqlite3 *db, const char *sql, int64_t dflt);

/* True when DB has a table or view named NAME. */
bool vt_has_table(sqlite3 *db, const char *name);

/* Prints "gort CMD: <what>: <sqlite message>" and returns GORT_EXIT_USAGE. */
int vt_sql_error(const char *cmd, sqlite3 *db, const char *what);

/* ---- output.c --------------------------------------------------------------------------- */

enum vout_format { VOUT_TABLE, VOUT_CSV, VOUT_JSON };

/* Parses "table", "csv" or "json"; false (and one error line) on anything else. */
bool vout_parse_format(const char *cmd, const char *s, enum vout_format *out);

/* Called for each row before it is printed (e.g. to count verdicts). */
typedef void (*vout_row_fn)(sqlite3_stmt *st, void *arg);

/* Steps ST to the end and prints its rows to OUT in FORMAT: table (aligned columns under a
 * header; NULL shown as "NULL"), csv (RFC 4180, a header line, NULL empty) or json (an array
 * of objects, one a line; numbers as numbers, NULL as null). ON_ROW may be NULL. Does not
 * finalize ST. Returns 0, or GORT_EXIT_USAGE after one error line if a step fails. */
int vout_query(const char *cmd, sqlite3_stmt *st, enum vout_format format, FILE *out,
               vout_row_fn on_row, void *arg);

/* An output written whole or not at all: to a file, a temporary file beside the target,
 * renamed over it only when everything was written; to stdout, an anonymous spool file copied
 * to stdout only then. */
typedef struct {
    FILE *f;
    char *tmp;           /* a path that opens f's file (gnuplot writes through it), or NULL */
    const char *path;
    const char *device;  /* the special file (device, FIFO) the spool goes to, or NULL */
    bool spool;          /* f is the spool, delivered to stdout or the device */
    bool unnamed;        /* f's file has no name yet (O_TMPFILE): tmp is /proc/PID/fd/N */
} vout_file;

/* Opens PATH for writing (stdout, through the spool, for NULL or "-"; a device or FIFO also
 * through the spool, written into at the end and never replaced). Refuses a directory, a
 * symbolic link, and a PATH that is the file PROTECT (the trace). Returns 0, or
 * GORT_EXIT_USAGE after one error line. */
int vout_file_open(const char *cmd, const char *path, const char *protect, vout_file *vf);
/* Finishes VF: when OK and every write succeeded, the file replaces PATH (or the spool is
 * copied to stdout); otherwise the temporary file is removed, PATH untouched and stdout
 * empty. Returns 0 or GORT_EXIT_USAGE (always GORT_EXIT_USAGE when !OK, the caller having
 * reported why). */
int vout_file_close(const char *cmd, vout_file *vf, bool ok);

/* ---- text.c ----------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence starting at S (at most N bytes), or 0 when the bytes
 * there are not valid UTF-8 (overlong forms, surrogates and values past U+10FFFF included). */
size_t utf8_seq_len(const unsigned char *s, size_t n);
/* Writes S[0..N) as XML character data safe in text and in attribute values: & < > " '
 * escaped, control characters and invalid UTF-8 replaced by U+FFFD. */
void xml_write_escaped(FILE *out, const char *s, size_t n);
/* Writes S[0..N) as a JSON string literal with its quotes; invalid UTF-8 becomes U+FFFD. */
void json_write_string(FILE *out, const char *s, size_t n);
/* Writes V in decimal, without printf (hot paths of ten-million-row outputs). */
void write_i64(FILE *out, int64_t v);
/* Number of characters (code points, an invalid byte counting as one) in S[0..N). */
size_t utf8_count(const char *s, size_t n);
/* Byte length of the first K characters of S[0..N). */
size_t utf8_prefix(const char *s, size_t n, size_t k);

/* ---- folded.c: a set of folded stacks --------------------------------------------------- */

/* One line of a folded file: a stack (frames from outermost to innermost, joined by ';')
 * and its weight; in a differential set also the weight before (flamegraph.pl's first
 * column, difffolded.pl's output). Stacks point into the set's arena. */
typedef struct {
    const char *stack;
    uint32_t len;
    int64_t count;   /* weight: samples, events, or ns */
    int64_t before;  /* differential sets only: the baseline's weight */
    uint64_t key;    /* scratch for fold_sort_merge */
} fold_line;

typedef struct {
    fold_line *lines;
    size_t n, cap;
    char **chunks;   /* arena blocks owning the stack bytes */
    size_t nchunks, chunks_cap;
    char *cur;       /* free space in the last chunk */
    size_t cur_left;
    bool diff;       /* lines carry `before` */
    void *map;       /* a folded file mapped read-only (the lines point into it), or NULL */
    size_t map_len;
} fold_set;

void fold_init(fold_set *fs);
void fold_free(fold_set *fs);
/* Appends a copy of STACK[0..LEN) with its weights; false when out of memory. */
bool fold_add(fold_set *fs, const char *stack, size_t len, int64_t count, int64_t before);
/* Reads a folded file (PATH, "-" = stdin): "stack count" or "stack before after" a line,
 * blank lines ignored. On a malformed line prints "gort CMD: PATH:LINE: ..." and returns
 * false. */
bool fold_read_file(const char *cmd, const char *path, fold_set *fs);
/* Sorts the lines in byte order of their stacks, as `LC_ALL=C sort` orders folded lines, and
 * merges equal stacks by adding their weights. False when a merged weight does not fit in
 * 64 bits (the set is then unusable). */
bool fold_sort_merge(fold_set *fs);
/* The sum of the set's weights into *total; false when it (or the before-weights' sum) does
 * not fit in 64 bits. A set that passed may be drawn or printed: no sum of it overflows. */
bool fold_total(const fold_set *fs, int64_t *total);
/* Reverses the frame order of every stack (flamegraph.pl --reverse). */
bool fold_reverse(fold_set *fs);
/* Makes OUT the differential set of BEFORE and AFTER (both sorted): one line per stack in
 * either, with before and after weights (0 where absent), as difffolded.pl does. */
bool fold_diff(const fold_set *before, const fold_set *after, fold_set *out);
/* Prints the set as folded text: "stack count" (or "stack before after" when diff). */
void fold_print(const fold_set *fs, FILE *out);

/* ---- stacks.c: folded stacks from a trace ----------------------------------------------- */

typedef struct {
    const char **kinds;  /* event kinds to include; NULL = every map and defer kind */
    size_t nkinds;
    bool weight_time;    /* weight by dur_ns (events without a duration count 0) */
} stack_query;

/* The kinds gort flame uses by default: every map and defer event kind. */
extern const char *const viewer_default_kinds[];

/* Fills FS (unsorted) with one line per distinct stack of the selected events of DB. Frames
 * without a symbol are shown as their address "0x..."; ';' and control characters in
 * symbols become '_' so the folded format stays parseable. The weights of all the selected
 * events must add up within 64 bits (with --weight time, durations can be anything a trace
 * holds). Returns 0 or GORT_EXIT_USAGE after one error line. */
int stacks_fold(const char *cmd, sqlite3 *db, const stack_query *q, fold_set *fs);
/* True when NAME is an event kind of the record format (format/gort_record.h). */
bool viewer_kind_known(const char *name);

/* ---- flame_svg.c ------------------------------------------------------------------------ */

typedef struct {
    const char *title;     /* default "Flame Graph" (or "Icicle Graph" when inverted) */
    const char *subtitle;  /* may be NULL */
    const char *countname; /* "events", "ns", "samples" */
    const char *colors;    /* palette: hot, mem, io, red, green, blue, aqua, yellow, purple,
                              orange, gort */
    const char *search;    /* regex searched when the SVG opens, or NULL */
    int width;             /* image width in px (1200) */
    double minwidth;       /* frames narrower than this many px are omitted (0.1) */
    bool inverted;         /* icicle: root at the top */
} flame_opts;

/* True when NAME is a palette flame_svg knows. */
bool flame_palette_known(const char *name);
/* Writes FS (sorted, merged, and with a total that fits: fold_total) as an SVG flame graph to
 * OUT. A differential set is drawn
 * with the after-weights and coloured red (grew) / blue (shrank) by each frame's own change,
 * as flamegraph.pl draws difffolded.pl output. */
void flame_svg_write(const fold_set *fs, const flame_opts *o, FILE *out);

/* ---- gapcalc.c -------------------------------------------------------------------------- */

/* The gap report: one row per (deferred call, map) it touched, with columns
 *   map_id, defer_id, fn, goid, map_died_ns, defer_ran_ns, first_op_ns, last_op_ns, ops,
 *   gap_ns, verdict
 * ordered by first_op_ns. Rules (docs/viewer.md): nil-map when the map id is NULL or 0;
 * use-after-free when a map_use_after_free event was recorded in the call or the map died at
 * or before the call's last operation on it; map-still-alive when the map never died in the
 * trace; otherwise safe. gap_ns = last_op_ns - map_died_ns (positive: touched after death). */
extern const char gaps_sql[];
/* Column indexes of gaps_sql. */
enum { GAP_MAP, GAP_DEFER, GAP_FN, GAP_GOID, GAP_DIED, GAP_RAN, GAP_FIRST, GAP_LAST, GAP_OPS,
       GAP_GAP, GAP_VERDICT };

/* ---- jbuf.c: a write buffer for the exports -------------------------------------------- */

typedef struct {
    FILE *out;
    char *buf;
    size_t len;
    bool failed;    /* a write failed: later ones are dropped */
} jbuf;

#define JBUF_SIZE (1u << 20)

/* Starts buffering writes to OUT; false when out of memory. */
bool jbuf_init(jbuf *jb, FILE *out);
/* Flushes and frees the buffer; false when any write failed. */
bool jbuf_finish(jbuf *jb);
/* Appends S[0..N) when the buffer is full (jbuf_mem's slow path). */
void jbuf_mem_slow(jbuf *jb, const char *s, size_t n);
/* Appends S[0..N): inline, so a constant N is a few moves. */
static inline void jbuf_mem(jbuf *jb, const char *s, size_t n) {
    if (jb->len + n <= JBUF_SIZE) {
        memcpy(jb->buf + jb->len, s, n);
        jb->len += n;
    } else {
        jbuf_mem_slow(jb, s, n);
    }
}
void jbuf_str(jbuf *jb, const char *s);
/* A string literal, its length known at compile time. */
#define JB_LIT(jb, lit) jbuf_mem((jb), "" lit, sizeof(lit) - 1)
/* V in decimal. */
void jbuf_i64(jbuf *jb, int64_t v);
/* NS nanoseconds as microseconds with three decimals ("12.345"). */
void jbuf_us(jbuf *jb, int64_t ns);
/* S[0..N) as a JSON string literal (json_write_string's escaping). */
void jbuf_json_string(jbuf *jb, const char *s, size_t n);

/* ---- chrome_trace.c and speedscope.c: the exports --------------------------------------- */

/* Writes DB as Trace Event Format JSON to OUT (see chrome_trace.c for the mapping). Returns 0,
 * or GORT_EXIT_USAGE after one error line. */
int chrome_trace_write(sqlite3 *db, FILE *out);
/* Writes DB's stacks as a speedscope file to OUT: a sampled profile of the events Q selects
 * and an evented profile per goroutine; NAME names it. Returns 0 or GORT_EXIT_USAGE. */
int speedscope_write(sqlite3 *db, const stack_query *q, const char *name, FILE *out);

/* ---- compare_facts.c: the facts gort compare holds against each other ------------------ */

/* Groups of facts (--only names them): how the run ended, events per kind, maps (deaths,
 * peak counts), growth (per map: B at each count, hashgrow), evacuation (per map: evacuate
 * counts, which depend on hashing while a growth is unfinished), deferred calls, gap
 * verdicts, GC cycles and pauses. */
enum { CMP_RUN, CMP_EVENTS, CMP_MAPS, CMP_GROWTH, CMP_EVACUATION, CMP_DEFERS, CMP_VERDICTS, CMP_GC,
       CMP_NGROUPS };
extern const char *const compare_group_names[CMP_NGROUPS];
/* Fact types: a count (exact unless a count tolerance is given), a time in ns (judged only
 * against a timing tolerance), a text (equal or not). */
enum { CMP_COUNT, CMP_TIME, CMP_TEXT };

/* Which maps and deferred calls of one trace are the program's own (--scope program; see
 * compare_scope.c): with --scope all, every one. */
typedef struct cmp_scope cmp_scope;
/* Reads trace DB (at PATH, for messages) into a new *OUT: with PROGRAM, which maps and deferred
 * calls the runtime or Go's standard library made (told by the call stack of their creation);
 * without, none. Registers gort_program_map(id) and gort_program_defer(id) on DB (1: the
 * program's, as are NULL ids). Returns 0, or GORT_EXIT_USAGE after one error line (no stacks
 * to tell by, out of memory). */
int compare_scope_read(const char *cmd, const char *path, sqlite3 *db, bool program, cmp_scope **out);
/* True when map MAP_ID, or deferred call DEFER_ID, is the program's. */
bool compare_scope_map(cmp_scope *s, int64_t map_id);
bool compare_scope_defer(cmp_scope *s, int64_t defer_id);
/* Frees S (NULL is fine); close DB first: its SQL functions point into S. */
void compare_scope_free(cmp_scope *s);

/* Reads the facts of the groups in GROUPS (a bit per CMP_ group) of trace DB into table facts
 * of MEM (side, grp, item, sub, name, type, zero, num, txt), as side SIDE, leaving out the
 * maps and deferred calls SCOPE holds and every event that names one. Returns 0 or
 * GORT_EXIT_USAGE after one error line. */
int compare_read_facts(const char *cmd, sqlite3 *db, sqlite3 *mem, int side, unsigned groups,
                       cmp_scope *scope);

/* ---- misc ------------------------------------------------------------------------------- */

/* Formats a duration in ns with a readable unit ("1.23 ms") into BUF; returns BUF. */
char *fmt_duration(int64_t ns, char *buf, size_t size);

#endif /* GORT_VIEWER_H */
