/*
 * tracer.h — the parts of `gort record`, one job per file. An event's path through them:
 *
 *   rings (region.c) --drain.c--> raw file (raw.c) --load.c--> ingest.c/derive.c --> SQLite (db.c)
 *        the drain thread: copies only,           the load thread: orders by time,
 *        never waits on SQLite                    makes rows, runs beside the program
 *
 *   region.c     the shared memory region: create, lay out rings, calibrate the clock, time zero
 *   drain.c      copy committed ring data to the raw file, then free the space
 *   raw.c        the raw file: chunk framing, writer (append-only), reader (mapped)
 *   load.c       the second stage: raw file -> records merged by time -> ingest
 *   ingest.c     turn records into rows: events, deduplicated stacks, names, lost runs, stalls
 *   mapid.c      number the maps of producers whose map words are addresses (the Go hook)
 *   derive.c     fold the events into the summary tables: maps, defers, goroutines, gc_cycles
 *   symbolize.c  after the run: return addresses -> function, module, file:line (libdw)
 *   gopclntab.c  the same from a Go binary's own table, where it has no DWARF
 *   db.c         the SQLite file: schema, prepared statements, transactions, derived tables
 *   outfile.c    the output name, the temporary trace beside it, putting it in place
 *   record.c     the command: options, starting the program, the drain loop, the summary
 *   recover.c    `gort record --recover OUT`: finish a recording whose recorder died
 * Only record.c and recover.c know about processes; only db.c, ingest.c, derive.c and
 * symbolize.c know SQL; only drain.c and recover.c touch the rings.
 */
#ifndef GORT_TRACER_H
#define GORT_TRACER_H

#include "gort_record.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/* ---- region.c ------------------------------------------------------------------------------ */

typedef struct rec_region {
    gort_rec_header *h;
    int fd;          /* the file the program inherits (-1 once closed or when only mapped) */
    size_t size;
    char shm_name[64]; /* its /dev/shm name ("/gort-record-PID-N"), "" for a memfd */
} rec_region;

typedef struct rec_options {
    uint64_t ring_bytes;   /* --buffer: record space per thread */
    uint32_t nrings;       /* threads that can emit at once */
    uint32_t stack_depth;  /* 0 = --no-stacks */
    uint32_t profile_hz;
    bool drop;
} rec_options;

/* Creates the shared file (named in /dev/shm when it has room, else a memfd), sizes it and
 * writes the header (clock rate calibrated). On failure returns false with a message in err. */
bool region_create(rec_region *r, const rec_options *o, char *err, size_t errlen);
/* Sets time zero (tsc0, mono0) to now; called in the program's process just before execve. */
void region_set_zero(rec_region *r);
/* Maps a dead recording's region read-only by its /dev/shm name; false if gone or invalid. */
bool region_open(rec_region *r, const char *shm_name);
/* Unmaps and closes the region; keeps its /dev/shm file. */
void region_close(rec_region *r);
/* Unmaps, closes and removes the /dev/shm file: the region's end. */
void region_destroy(rec_region *r);
/* meta's name for the clock of header h (NULL: none was read): "tsc", "monotonic", or
 * "stopped" (GORT_RECORD_CLOCK=stopped, a TSC clock with mult 0: every event at time 0). */
const char *region_clock_name(const gort_rec_header *h);
/* The trace clock as the program sees it, read by the recorder (ns since trace start). */
uint64_t region_now(const rec_region *r);

/* ---- raw.c: the raw file (docs/record-format.md, "The raw file") ---------------------------- */

#define RAW_SUFFIX ".gort-raw"          /* the raw file is OUTPUT.gort-raw, beside the output */
#define RAW_MAGIC 0x315741525452474fULL /* "OGRTRAW1": the session chunk's first word */
#define RAW_VERSION 2 /* 2: packed header words are differences from the previous record's */
#define RAW_CHUNK_MAGIC 0x6b6e6863u     /* "chnk": every chunk header's first word */

enum raw_type {
    RAW_SESSION = 1, /* raw_session + strings: the recording (first chunk) */
    RAW_REGION = 2,  /* the region's gort_rec_header, modules included (once attached, at end) */
    RAW_RECORDS = 3, /* ring words [pos, pos + nwords) of ring `ring`, thread `tid`: whole records */
    RAW_PASS = 4,    /* 1 word: watermark; every record stamped at or before it is above */
    RAW_ACCOUNT = 5, /* raw_account: a ring's claim ended (thread exited, or the end) at head pos */
    RAW_END = 6,     /* raw_end: the program ended and every ring was drained */
    RAW_PACKED = 7   /* ring words [pos, pos + word 0) of ring `ring`, thread `tid`, packed
                        (pack.c): word 1 the packed bytes' length, then the bytes */
};

/* The header of every chunk (4 words); nwords payload words follow. */
typedef struct raw_chunk {
    uint32_t magic;  /* RAW_CHUNK_MAGIC */
    uint32_t type;   /* enum raw_type */
    uint32_t ring;   /* RECORDS, ACCOUNT: the ring's index */
    int32_t tid;     /* RECORDS, ACCOUNT: the ring's thread */
    uint64_t pos;    /* RECORDS: ring position (words since the ring was created) of the first
                        word; ACCOUNT: the ring's head when the claim ended */
    uint64_t nwords; /* payload words */
} raw_chunk;

typedef struct raw_session {
    uint64_t magic;      /* RAW_MAGIC */
    uint32_t version;    /* RAW_VERSION */
    int32_t recorder_pid;
    int32_t program_pid;
    uint32_t nrings;
    int64_t started_at;  /* Unix time the program was started */
    char shm_name[64];   /* the region's /dev/shm name, "" for a memfd */
    uint64_t strings_len; /* bytes of NUL-terminated strings after the struct: the program's
                             path, its command line (shell-quoted), the temporary database */
} raw_session;

typedef struct raw_account {
    uint64_t lost_total, waits, lost_pending, lost_first_ns, lost_last_ns;
} raw_account;

enum raw_end_flag { RAW_END_RECOVERED = 1 };

typedef struct raw_end {
    uint64_t end_ns;        /* trace time of the program's end (of the recovery) */
    int32_t wait_status;    /* waitpid's status; -1 unknown (recovered) */
    uint32_t flags;         /* enum raw_end_flag */
    uint64_t unringed_lost; /* the header's unringed_lost */
    uint64_t orphaned_ns;   /* the header's orphaned_ns: 0, or when the program found the
                               recorder gone */
} raw_end;

/* Appends chunks to the raw file; a batch is written with one writev. */
#define RAW_BATCH 512
typedef struct raw_writer {
    int fd;
    uint64_t size;       /* bytes written (the file's size) */
    int niov, nhdr;
    raw_chunk hdr[RAW_BATCH];
    struct iovec iov[RAW_BATCH * 3];
} raw_writer;

/* Creates path (O_EXCL: never an existing file) and locks it (flock, released when the
 * process dies). False with err set. */
bool raw_create(raw_writer *w, const char *path, char *err, size_t errlen);
/* Opens an existing raw file for appending (recovery), taking its lock, never through a
 * symbolic link and only a regular file; *size gets its length once locked. */
bool raw_reopen(raw_writer *w, const char *path, uint64_t *size, char *err, size_t errlen);
/* Queues a chunk whose payload is p1[0..n1) then p2[0..n2) (words; p2 may be NULL). The
 * payload memory must stay valid until the next raw_flush. False on a write error. */
bool raw_add(raw_writer *w, uint32_t type, uint32_t ring, int32_t tid, uint64_t pos,
             const void *p1, uint64_t n1, const void *p2, uint64_t n2);
/* Writes every queued chunk (whole: retried until done). False on a write error (errno). */
bool raw_flush(raw_writer *w);
void raw_close(raw_writer *w);

/* Reads a raw file through a read-only mapping that grows with the file. */
typedef struct raw_reader {
    int fd;
    const char *base;
    uint64_t mapped;   /* bytes of address space mapped (may exceed the file) */
    uint64_t off;      /* next chunk */
    uint64_t dropped;  /* pages before this were released from the mapping */
} raw_reader;

/* Opens path for reading; false with errno set. */
bool raw_reader_open(raw_reader *rd, const char *path);
/* The next complete chunk that ends at or before limit: its header in *c and the offset of its
 * payload in *payload. False at the end (or before an incomplete or foreign chunk: *bad is
 * then set when the bytes are not a chunk at all). */
bool raw_next(raw_reader *rd, uint64_t limit, raw_chunk *c, uint64_t *payload, bool *bad);
/* The words at file offset off (valid below the limit raw_next was given). */
static inline const uint64_t *raw_words(const raw_reader *rd, uint64_t off) {
    return (const uint64_t *)(rd->base + off);
}
/* Lets the kernel drop the mapping's pages below off (read and done with). */
void raw_release(raw_reader *rd, uint64_t off);
void raw_reader_close(raw_reader *rd);

/* ---- db.c ------------------------------------------------------------------------------------ */

#define EVENT_BATCH 32 /* events rows per multi-row INSERT */

typedef struct trace_db {
    sqlite3 *db;
    sqlite3_stmt *ins_event_batch; /* EVENT_BATCH rows */
    sqlite3_stmt *ins_event, *ins_stack, *ins_entry, *ins_lost, *ins_name, *ins_meta, *ins_stall;
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
/* A recorder_stall: thread tid waited for ring space from start_ns to end_ns. */
bool ingest_stall(ingest *g, int32_t tid, uint64_t start_ns, uint64_t end_ns);
/* Stalls seen and the time they add up to. */
void ingest_stalls(const ingest *g, uint64_t *count, uint64_t *total_ns);
/* The database g writes to. */
trace_db *ingest_db(ingest *g);
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
/* A new fold writing its rows to db; NULL when out of memory. */
derive *derive_new(trace_db *db);
void derive_free(derive *d);
/* Folds one event record (header words) from thread tid into the summary tables, writing the
 * rows folded so far when they reach the cache's bound. False on a database error or OOM. */
bool derive_event(derive *d, int32_t tid, const uint64_t *w);
/* Writes the summary rows still in memory and gc_cycles (names must be loaded: defers.fn
 * refers to them). */
bool derive_write(derive *d);
/* A death the recorder inferred (a stack map whose frame returned), not an event. */
void derive_map_died(derive *d, uint64_t map_id, int64_t ts, int cause);
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

/* ---- mapid.c --------------------------------------------------------------------------------- */

typedef struct mapid mapid;
mapid *mapid_new(void);
void mapid_free(mapid *m);
/* Replaces the address in a map record's map word by the map's id, and follows stack maps
 * (stackmove, frame_exit, goend), reporting their inferred deaths to d. */
void mapid_record(mapid *m, derive *d, uint64_t *w);
/* True when memory ran out (some ids may be wrong). */
bool mapid_failed(const mapid *m);

/* ---- pack.c: records packed for the raw file ------------------------------------------------ */

#define MAX_RECORD_EXTRA 4096 /* payload words a record may carry (a stack, a name) */

/* The packer's memory of the previous record of the chunk (zero at a chunk's start). */
typedef struct pack_state {
    uint64_t word[GORT_W_COUNT]; /* the previous record's header words (zeros at first) */
    unsigned extra;
    const uint64_t *payload;
} pack_state;
typedef struct unpack_state {
    uint64_t word[GORT_W_COUNT]; /* the previous record's header words (zeros at first) */
    unsigned extra;
} unpack_state;

/* Packs one record (header words w, payload[0..extra)) at out; returns the end. payload must
 * stay readable until the next call (the next record is compared with it). */
uint8_t *pack_record(pack_state *s, const uint64_t *w, const uint64_t *payload, unsigned extra,
                     uint8_t *out);
/* Unpacks the record at *p (before end) into rec (header words, then payload), advancing *p.
 * rec must hold the previous record of the chunk (its payload may be reused). False on bytes
 * that are not a packed record or a payload over max_extra words. */
bool unpack_record(unpack_state *s, const uint8_t **p, const uint8_t *end, uint64_t *rec,
                   unsigned max_extra);
/* Bytes that packing `words` ring words can take at most. */
size_t pack_bound(uint64_t words);

/* ---- load.c: the raw file to rows (the second stage) ----------------------------------------- */

/* What the raw file said about the recording, beside its records. */
typedef struct load_facts {
    raw_session *session;          /* NULL until the SESSION chunk */
    const char *program, *command, *tmp_path; /* the session's strings ("" when absent) */
    gort_rec_header *region;       /* the last REGION chunk (modules, clock), or NULL */
    bool ended;                    /* END was read */
    raw_end end;
    uint64_t lost, waits;          /* from ACCOUNT and END chunks */
    uint64_t malformed;            /* records_malformed: gaps in a ring's positions (the drain
                                      dropped words at a malformed record), records that overran
                                      their chunk, chunks not packed right */
    bool bad_tail;                 /* the file ends in bytes that are not a chunk */
    const uint64_t *covered;       /* ring -> position after its last RECORDS chunk; UINT64_MAX
                                      after a chunk that could not be read */
    uint32_t ncovered;
    uint64_t file_end;             /* offset after the last complete chunk read */
} load_facts;

typedef struct loader loader;
loader *loader_new(ingest *g, raw_reader *rd);
void loader_free(loader *L);
/* Processes the complete chunks that end at or before file offset limit, up to and including
 * END. False on a database error or when out of memory. */
bool load_until(loader *L, uint64_t limit);
/* Releases every record still held back by a watermark (the end of a recovery). */
bool load_release_all(loader *L);
const load_facts *loader_facts(loader *L);

/* ---- drain.c --------------------------------------------------------------------------------- */

typedef struct drain_stats {
    uint64_t words;        /* ring words moved to the raw file */
    uint64_t fullest;      /* the last pass: most words one ring held */
    uint64_t *heads;       /* scratch: each ring's head snapshot */
    uint64_t *tails;       /* scratch: and its tail before the pass */
    uint32_t heads_cap;
    uint8_t *buf;          /* scratch: packed records of the rings being written */
    size_t buf_cap;
    bool error;            /* a write to the raw file failed (errno) */
} drain_stats;

/* One pass: every ring's committed words to the raw file as RECORDS chunks, then a PASS
 * chunk with `watermark`, then the tails advanced; drained rings of exited threads recycled
 * (ACCOUNT chunks). Returns the words moved (0: nothing new); st->error on a write error. */
uint64_t drain_pass(rec_region *r, raw_writer *w, uint64_t watermark, drain_stats *st);
/* After the program is gone: drains what is left, writes an ACCOUNT chunk for every ring
 * still assigned, the final REGION (modules) and END. False on a write error. */
bool drain_end(rec_region *r, raw_writer *w, const raw_end *end);
/* Frees the stats' scratch memory. */
void drain_stats_free(drain_stats *st);

/* ---- record.c and recover.c ------------------------------------------------------------------ */

typedef struct finish_info {
    bool recovered;        /* --recover: the recorder died; meta.recovered = 1 */
    uint64_t load_cpu_ns;  /* the load stage's CPU time (meta.load_cpu_ns) */
    uint64_t end_mono;     /* CLOCK_MONOTONIC when the finish began (meta.finish_ns) */
} finish_info;

/* Completes a loaded trace: symbols, summary tables, meta (from the raw file's facts), indexes,
 * commit. False with err set. */
bool record_finish(trace_db *d, ingest *g, loader *L, const finish_info *fi, char *err,
                   size_t errlen);
/* gort record --recover FILE: returns the exit status (0, or 125 after one line on stderr).
 * FILE is written under the rules of a recording (outfile.c): an existing regular file is
 * replaced only with FORCE, anything else never. */
int record_recover(const char *output, bool force);

/* ---- symbolize.c ----------------------------------------------------------------------------- */

/* Inserts a frames row for each distinct address, symbolized with the modules the program
 * listed in the header. */
bool symbolize_frames(trace_db *d, const gort_rec_header *h, const frame_ref *frames,
                      size_t n, char *err, size_t errlen);

/* ---- outfile.c ------------------------------------------------------------------------------- */

/* What a file that is not regular is, in words ("a FIFO", "a symbolic link", ...). */
const char *out_file_kind(mode_t m);
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

/* ---- gopclntab.c ------------------------------------------------------------------------------ */

typedef struct gopcln gopcln;
/* The .gopclntab of a Go 1.18/1.19 ELF binary; NULL when it has none. */
gopcln *gopcln_open(const char *path);
void gopcln_close(gopcln *p);
/* Function, file and line of link-time address a (pointers into p; file NULL, line 0 when
 * unknown). False when a is in no function of the table. */
bool gopcln_find(const gopcln *p, uint64_t a, const char **fn, const char **file, int *line);

/* ---- the schema, embedded from tracer/schema.sql (schema_blob.c) ----------------------------- */

extern const char gort_schema_sql[];
/* The line that separates the tables from the indexes created after the load. */
#define GORT_SCHEMA_INDEX_MARK "-- @indexes"

#endif /* GORT_TRACER_H */
