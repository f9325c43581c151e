/*
 * tracer.h — the parts of `gort record`, one job per file:
 *   region.c     the shared memory region: create, lay out rings, calibrate the clock
 *   drain.c      read committed records out of the rings, merged by time, and free the space
 *   ingest.c     turn records into rows: events, deduplicated stacks, names, lost runs
 *   derive.c     fold the events into the summary tables: maps, defers, goroutines, gc_cycles
 *   symbolize.c  after the run: return addresses -> function, module, file:line (libdw)
 *   db.c         the SQLite file: schema, prepared statements, transactions, derived tables
 *   outfile.c    the output name, the temporary trace beside it, putting it in place
 *   record.c     the command: options, starting the program, the drain loop, the summary
 * Only record.c knows about processes; only db.c and ingest.c know SQL.
 */
#ifndef GORT_TRACER_H
#define GORT_TRACER_H

#include "gort_record.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- region.c ------------------------------------------------------------------------------ */

typedef struct rec_region {
    gort_rec_header *h;
    int fd;          /* the memfd the program inherits */
    size_t size;
} rec_region;

typedef struct rec_options {
    uint64_t ring_bytes;   /* --buffer: record space per thread */
    uint32_t nrings;       /* threads that can emit at once */
    uint32_t stack_depth;  /* 0 = --no-stacks */
    uint32_t profile_hz;
    bool drop;
} rec_options;

/* Creates the memfd, sizes it and writes the header (clock calibrated). On failure returns
 * false with a message in err. */
bool region_create(rec_region *r, const rec_options *o, char *err, size_t errlen);
void region_destroy(rec_region *r);
/* "tsc" or "monotonic". */
const char *region_clock_name(const rec_region *r);
/* The trace clock as the program sees it, read by the recorder (ns since trace start). */
uint64_t region_now(const rec_region *r);

/* ---- db.c ------------------------------------------------------------------------------------ */

#define EVENT_BATCH 32 /* events rows per multi-row INSERT */

typedef struct trace_db {
    sqlite3 *db;
    sqlite3_stmt *ins_event_batch; /* EVENT_BATCH rows */
    sqlite3_stmt *ins_event, *ins_stack, *ins_entry, *ins_lost, *ins_name, *ins_meta;
    uint64_t rows_in_txn;
} trace_db;

/* Creates a new database file at path with the schema (without its indexes), tuned for bulk
 * loading, inside an open transaction. */
bool db_create(trace_db *d, const char *path, char *err, size_t errlen);
/* Commits and opens a new transaction when many rows are pending. */
bool db_maybe_commit(trace_db *d);
/* Creates the indexes and gives the query planner exact statistics about them (the caller
 * then commits). */
struct trace_counts;
bool db_finish(trace_db *d, const struct trace_counts *c, char *err, size_t errlen);
void db_close(trace_db *d);
bool db_meta(trace_db *d, const char *key, const char *value);
bool db_meta_int(trace_db *d, const char *key, int64_t value);
/* Executes SQL, reporting the first error into err. */
bool db_exec(trace_db *d, const char *sql, char *err, size_t errlen);

/* ---- ingest.c -------------------------------------------------------------------------------- */

typedef struct ingest ingest;
ingest *ingest_new(trace_db *d);
void ingest_free(ingest *g);
/* One record read from thread tid's ring: header words w and its payload. */
bool ingest_record(ingest *g, int32_t tid, const uint64_t *w, const uint64_t *payload,
                   unsigned extra);
/* Inserts the events rows still waiting for a full batch. False on a database error. */
bool ingest_flush(ingest *g);
/* A run of lost events (from a lost record or a ring's pending counters). */
bool ingest_lost(ingest *g, int32_t tid, uint64_t first_ns, uint64_t last_ns, uint64_t count);
uint64_t ingest_events(const ingest *g);
/* Distinct code addresses seen in stacks: frames rows to symbolize. Each has an id, the pc,
 * and whether the pc is exact (sampled) rather than a return address. */
typedef struct frame_ref {
    uint64_t pc;
    bool exact;
} frame_ref;
size_t ingest_frames(const ingest *g, const frame_ref **out);

/* ---- derive.c -------------------------------------------------------------------------------- */

typedef struct derive derive;
derive *derive_new(void);
void derive_free(derive *d);
/* Folds one event record (header words) from thread tid into the summary tables. */
void derive_event(derive *d, int32_t tid, const uint64_t *w);
/* Inserts the summary tables' rows (names must be loaded: defers.fn refers to them). */
bool derive_write(derive *d, trace_db *db);
/* Defer records seen. */
size_t derive_defers(const derive *d);
/* Writes the summary tables of everything ingested. */
bool ingest_write_derived(ingest *g);
/* What was loaded, for the query planner's statistics. */
typedef struct trace_counts {
    uint64_t events, with_defer, kinds, defers, stacks, stack_entries;
    uint64_t cpu_samples; /* events of kind cpu_sample: the rows of their partial index */
} trace_counts;
void ingest_counts(const ingest *g, trace_counts *c);

/* ---- drain.c --------------------------------------------------------------------------------- */

typedef struct drain_stats {
    uint64_t records;      /* records read (events, names, lost runs) */
    uint64_t lost;         /* events lost, from rings recycled so far */
    uint64_t waits;        /* times producers waited, from rings recycled so far */
    bool error;            /* a database error: stop */
    bool corrupt;          /* a ring held a malformed record */
} drain_stats;

/* Reads the committed records stamped at or before `limit` from every ring, merged by time,
 * feeds them to ingest and frees their space; recycles drained rings of exited threads.
 * Returns records read. */
uint64_t drain_once(rec_region *r, ingest *g, drain_stats *st, uint64_t limit);
/* After the program is gone: reports every ring's pending lost run and adds the lost and wait
 * totals of all rings still assigned into st. */
bool drain_finish(rec_region *r, ingest *g, drain_stats *st);

/* ---- symbolize.c ----------------------------------------------------------------------------- */

/* Inserts a frames row for each distinct address, symbolized with the modules the program
 * listed in the header. */
bool symbolize_frames(trace_db *d, const gort_rec_header *h, const frame_ref *frames,
                      size_t n, char *err, size_t errlen);

/* ---- outfile.c ------------------------------------------------------------------------------- */

/* Checks that OUTPUT may be written: a new name, or with FORCE an existing regular file (then
 * *replaces is set). Anything else (directory, device node, FIFO, socket, symbolic link) is
 * refused. Returns -1 to go on, else the exit status after one error line "gort CMD: ...". */
int out_check(const char *cmd, const char *output, bool force, bool *replaces);
/* Removes the temporaries of OUTPUT whose recorder died (one stderr line each), then creates
 * this recorder's OUTPUT.tmp-PID into TMP, locked (flock) while *lock_fd stays open. */
bool out_temp_create(const char *cmd, const char *output, char *tmp, size_t tmplen, int *lock_fd,
                     char *err, size_t errlen);
/* Renames the finished TMP to OUTPUT: over a regular file when REPLACES (out_check said so and
 * it still is one), else only if OUTPUT still does not exist. False with err set otherwise
 * (the caller removes TMP). */
bool out_put_in_place(const char *tmp, const char *output, bool replaces, char *err,
                      size_t errlen);

/* ---- the schema, embedded from tracer/schema.sql (schema_blob.c) ----------------------------- */

extern const char gort_schema_sql[];
/* The line that separates the tables from the indexes created after the load. */
#define GORT_SCHEMA_INDEX_MARK "-- @indexes"

#endif /* GORT_TRACER_H */
