/*
 * db.c — the trace database file.
 *
 * Loading: the file is new (record.c writes it under a temporary name and renames it when
 * complete, so a failed run leaves no partial trace). The schema's tables and views are
 * created first, its indexes (after the "-- @indexes" line of schema.sql) only at the end:
 * inserting into a table without indexes is sequential appending, several times faster.
 * There is no rollback journal and no fsync while loading — if the recorder itself dies the
 * temporary file is worthless anyway (`--recover` loads the raw file again from the start) —
 * and rows go in large transactions. Memory is bounded: a 32 MiB page cache, temporary
 * files (not memory) for the sorts of the index build.
 *
 * Events go into event_rows with the kind as its number (1 byte a row where the name took 9);
 * the schema's events view names it. schema.sql lists the kinds too (the view and the kinds
 * table need them in SQL): db_create checks that list against gort_record.h.
 *
 * Finishing: the indexes, built with SQLite's sorter in two threads (the caller commits).
 * They are partial, over the few events the viewer looks up (those with a defer, the CPU
 * samples), so the finish sorts a fraction of the events, not all of them twice as it did
 * with indexes on (kind, ts_ns) and ts_ns. (The derived tables are folded while loading:
 * derive.c.)
 */
#include "tracer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TXN_ROWS 1000000 /* rows per transaction while loading */
#define DB_CACHE_KIB "32768" /* the page cache: 32 MiB */

/* Runs SQL (any number of statements); the first error goes to err. */
bool db_exec(trace_db *d, const char *sql, char *err, size_t errlen) {
    char *msg = NULL;
    if (sqlite3_exec(d->db, sql, NULL, NULL, &msg) == SQLITE_OK) return true;
    snprintf(err, errlen, "database: %s", msg ? msg : sqlite3_errmsg(d->db));
    sqlite3_free(msg);
    return false;
}

/* Prepares one statement; false with the message in err. */
static bool prepare(trace_db *d, const char *sql, sqlite3_stmt **out, char *err, size_t errlen) {
    if (sqlite3_prepare_v3(d->db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL) == SQLITE_OK)
        return true;
    snprintf(err, errlen, "database: %s", sqlite3_errmsg(d->db));
    return false;
}

/* Runs the part of schema.sql before (indexes = false) or after (true) the index mark. */
static bool run_schema(trace_db *d, bool indexes, char *err, size_t errlen) {
    const char *mark = strstr(gort_schema_sql, GORT_SCHEMA_INDEX_MARK);
    size_t split = mark ? (size_t)(mark - gort_schema_sql) : strlen(gort_schema_sql);
    if (indexes) return mark ? db_exec(d, mark, err, errlen) : true;
    char *tables = malloc(split + 1);
    if (!tables) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    memcpy(tables, gort_schema_sql, split);
    tables[split] = 0;
    bool ok = db_exec(d, tables, err, errlen);
    free(tables);
    return ok;
}

/* Checks that the kinds table schema.sql fills is the record format's list (gort_record.h):
 * the events view names kinds from the same list, so a kind added to one and not the other
 * fails every recording at once instead of writing traces with wrong names. */
static bool check_kinds(trace_db *d, char *err, size_t errlen) {
    sqlite3_stmt *s;
    if (!prepare(d, "SELECT id, name FROM kinds ORDER BY id", &s, err, errlen)) return false;
    unsigned expect = 0, seen = 0;
    for (unsigned k = 0; k < GORT_EV_MAX; k++) expect += gort_kind_name(k) != NULL;
    bool ok = true;
    while (ok && sqlite3_step(s) == SQLITE_ROW) {
        const char *name = gort_kind_name((unsigned)sqlite3_column_int(s, 0));
        const char *got = (const char *)sqlite3_column_text(s, 1);
        ok = name && got && !strcmp(name, got);
        seen++;
    }
    sqlite3_finalize(s);
    if (ok && seen == expect) return true;
    snprintf(err, errlen, "internal error: tracer/schema.sql's kinds differ from gort_record.h's");
    return false;
}

/* Creates the file, the schema's tables and the prepared statements, and opens the first
 * transaction. False with a message in err; the caller removes the file. */
bool db_create(trace_db *d, const char *path, char *err, size_t errlen) {
    memset(d, 0, sizeof *d);
    /* One thread uses this connection: no per-call mutexes, no allocation statistics (whose
     * global mutex is taken on every malloc). */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    int rc = sqlite3_open_v2(path, &d->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot create %s: %s", path,
                 d->db ? sqlite3_errmsg(d->db) : sqlite3_errstr(rc));
        return false;
    }
    /* Bounded memory whatever the trace's size: a 32 MiB page cache (appending touches only
     * the right edge of each table) and sorts that spill to temporary files, not to memory. */
    if (!db_exec(d,
                 "PRAGMA page_size = 8192; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                 "PRAGMA locking_mode = EXCLUSIVE; PRAGMA cache_size = -" DB_CACHE_KIB ";"
                 "PRAGMA temp_store = FILE;",
                 err, errlen) ||
        !run_schema(d, false, err, errlen) || !db_exec(d, "BEGIN", err, errlen) ||
        !check_kinds(d, err, errlen))
        return false;
    char batch[256 + EVENT_BATCH * 32]; /* the text of the batch INSERT */
    int len = snprintf(batch, sizeof batch,
                       "INSERT INTO event_rows(ts_ns, tid, goid, kind_id, map_id, defer_id, arg0, arg1, "
                       "dur_ns, stack_id) VALUES ");
    for (int i = 0; i < EVENT_BATCH; i++)
        len += snprintf(batch + len, sizeof batch - (size_t)len, "%s(?,?,?,?,?,?,?,?,?,?)",
                        i ? "," : "");
    return prepare(d, batch, &d->ins_event_batch, err, errlen) &&
           prepare(d,
                   "INSERT INTO event_rows(ts_ns, tid, goid, kind_id, map_id, defer_id, arg0, arg1, "
                   "dur_ns, stack_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
                   &d->ins_event, err, errlen) &&
           prepare(d, "INSERT INTO stacks(id, depth) VALUES (?, ?)", &d->ins_stack, err, errlen) &&
           prepare(d, "INSERT INTO stack_entries(stack_id, depth, frame_id) VALUES (?, ?, ?)",
                   &d->ins_entry, err, errlen) &&
           prepare(d, "INSERT INTO lost(tid, first_ns, last_ns, count) VALUES (?, ?, ?, ?)",
                   &d->ins_lost, err, errlen) &&
           prepare(d, "INSERT OR IGNORE INTO names(id, name) VALUES (?, ?)", &d->ins_name, err,
                   errlen) &&
           prepare(d, "INSERT INTO stalls(tid, start_ns, end_ns) VALUES (?, ?, ?)", &d->ins_stall,
                   err, errlen) &&
           prepare(d, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", &d->ins_meta,
                   err, errlen);
}

/* Commits every TXN_ROWS rows (and begins the next transaction); false on error. */
bool db_maybe_commit(trace_db *d) {
    if (d->rows_in_txn < TXN_ROWS) return true;
    d->rows_in_txn = 0;
    return sqlite3_exec(d->db, "COMMIT; BEGIN", NULL, NULL, NULL) == SQLITE_OK;
}

/* Sets meta key to value (NULL stores SQL NULL); false on error. */
bool db_meta(trace_db *d, const char *key, const char *value) {
    sqlite3_bind_text(d->ins_meta, 1, key, -1, SQLITE_STATIC);
    if (value)
        sqlite3_bind_text(d->ins_meta, 2, value, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(d->ins_meta, 2);
    int rc = sqlite3_step(d->ins_meta);
    sqlite3_reset(d->ins_meta);
    return rc == SQLITE_DONE;
}

/* Sets meta key to a decimal integer; false on error. */
bool db_meta_int(trace_db *d, const char *key, int64_t value) {
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)value);
    return db_meta(d, key, buf);
}

/* Writes sqlite_stat1 from what the load counted, as ANALYZE would but without reading the
 * table (ANALYZE takes seconds on ten million rows, a sampled one misleads the planner): the
 * events' row count, then per index its entries and the average number of rows per distinct
 * value of its first column, of its first two. With them the planner knows the partial
 * indexes hold a small part of the events (the gaps view and a CPU profile read them, not the
 * table). */
static bool write_stats(trace_db *d, const trace_counts *c, char *err, size_t errlen) {
    uint64_t n = c->events ? c->events : 1;
    uint64_t per_defer = c->with_defer / (c->defers ? c->defers : 1);
    uint64_t per_stack = c->stack_entries / (c->stacks ? c->stacks : 1);
    uint64_t per_sample_stack = c->cpu_samples / (c->stacks ? c->stacks : 1);
    char sql[1024];
    snprintf(sql, sizeof sql,
             "ANALYZE sqlite_schema;" /* creates sqlite_stat1, reads nothing of ours */
             "DELETE FROM sqlite_stat1;"
             "INSERT INTO sqlite_stat1(tbl, idx, stat) VALUES"
             " ('event_rows', NULL, '%llu'),"
             " ('event_rows', 'events_defer', '%llu %llu 1'),"
             " ('event_rows', 'events_cpu_sample', '%llu %llu 1'),"
             " ('stack_entries', 'stack_entries_stack', '%llu %llu 1');",
             (unsigned long long)n, (unsigned long long)(c->with_defer ? c->with_defer : 1),
             (unsigned long long)(per_defer ? per_defer : 1),
             (unsigned long long)(c->cpu_samples ? c->cpu_samples : 1),
             (unsigned long long)(per_sample_stack ? per_sample_stack : 1),
             (unsigned long long)(c->stack_entries ? c->stack_entries : 1),
             (unsigned long long)(per_stack ? per_stack : 1));
    return db_exec(d, sql, err, errlen);
}

/* Builds the indexes and writes the planner statistics; the caller commits. */
bool db_finish(trace_db *d, const trace_counts *c, char *err, size_t errlen) {
    return db_exec(d, "PRAGMA threads = 2", err, errlen) && run_schema(d, true, err, errlen) &&
           write_stats(d, c, err, errlen);
}

/* Finalizes every statement and closes the connection (uncommitted work is dropped). */
void db_close(trace_db *d) {
    sqlite3_stmt *all[] = { d->ins_event_batch, d->ins_event, d->ins_stack, d->ins_entry,
                            d->ins_lost, d->ins_name, d->ins_meta, d->ins_stall };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) sqlite3_finalize(all[i]);
    if (d->db) sqlite3_close(d->db);
    memset(d, 0, sizeof *d);
}
