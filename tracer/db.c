/*
 * db.c — the trace database file.
 *
 * Loading: the file is new (record.c writes it under a temporary name and renames it when
 * complete, so a failed run leaves no partial trace). The schema's tables and views are
 * created first, its indexes (after the "-- @indexes" line of schema.sql) only at the end:
 * inserting into a table without indexes is sequential appending, several times faster.
 * There is no rollback journal and no fsync while loading — if the recorder itself dies the
 * temporary file is worthless anyway — and rows go in large transactions.
 *
 * Finishing: indexes, then the derived tables (maps, defers, gc_cycles, goroutines) computed
 * by SQL from the events alone, so they exist for a program that crashed just as for one that
 * returned, and anything a query can check against the events agrees with them.
 */
#include "tracer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TXN_ROWS 1000000 /* rows per transaction while loading */

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

/* Fills the kinds table from the record format's list. */
static bool insert_kinds(trace_db *d, char *err, size_t errlen) {
    sqlite3_stmt *s;
    if (!prepare(d, "INSERT INTO kinds(id, name) VALUES (?, ?)", &s, err, errlen)) return false;
    for (unsigned k = 0; k < GORT_EV_MAX; k++) {
        const char *name = gort_kind_name(k);
        if (!name) continue;
        sqlite3_bind_int(s, 1, (int)k);
        sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE) {
            snprintf(err, errlen, "database: %s", sqlite3_errmsg(d->db));
            sqlite3_finalize(s);
            return false;
        }
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
    return true;
}

bool db_create(trace_db *d, const char *path, char *err, size_t errlen) {
    memset(d, 0, sizeof *d);
    int rc = sqlite3_open_v2(path, &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot create %s: %s", path,
                 d->db ? sqlite3_errmsg(d->db) : sqlite3_errstr(rc));
        return false;
    }
    if (!db_exec(d,
                 "PRAGMA page_size = 8192; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                 "PRAGMA locking_mode = EXCLUSIVE; PRAGMA cache_size = -262144;"
                 "PRAGMA temp_store = MEMORY;",
                 err, errlen) ||
        !run_schema(d, false, err, errlen) || !db_exec(d, "BEGIN", err, errlen) ||
        !insert_kinds(d, err, errlen))
        return false;
    return prepare(d,
                   "INSERT INTO events(ts_ns, tid, goid, kind, map_id, defer_id, arg0, arg1, "
                   "dur_ns, stack_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
                   &d->ins_event, err, errlen) &&
           prepare(d, "INSERT INTO stacks(id, depth) VALUES (?, ?)", &d->ins_stack, err, errlen) &&
           prepare(d, "INSERT INTO stack_entries(stack_id, depth, frame_id) VALUES (?, ?, ?)",
                   &d->ins_entry, err, errlen) &&
           prepare(d, "INSERT INTO lost(tid, first_ns, last_ns, count) VALUES (?, ?, ?, ?)",
                   &d->ins_lost, err, errlen) &&
           prepare(d, "INSERT OR IGNORE INTO names(id, name) VALUES (?, ?)", &d->ins_name, err,
                   errlen) &&
           prepare(d, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", &d->ins_meta,
                   err, errlen);
}

bool db_maybe_commit(trace_db *d) {
    if (d->rows_in_txn < TXN_ROWS) return true;
    d->rows_in_txn = 0;
    return sqlite3_exec(d->db, "COMMIT; BEGIN", NULL, NULL, NULL) == SQLITE_OK;
}

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

bool db_meta_int(trace_db *d, const char *key, int64_t value) {
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)value);
    return db_meta(d, key, buf);
}

/* The derived tables, from the events alone (docs/schema.md says how each column is made). */
static const char derive_sql[] =
    "INSERT INTO maps(map_id, created_ns, died_ns, death_cause, key_kind, peak_len, peak_B, grows)"
    " SELECT map_id,"
    "  MIN(CASE WHEN kind = 'makemap' THEN ts_ns END),"
    "  MIN(CASE WHEN kind = 'mapfree' THEN ts_ns END),"
    "  CASE MIN(CASE WHEN kind = 'mapfree' THEN arg0 END) WHEN 1 THEN 'gc' WHEN 2 THEN 'frame' END,"
    "  CASE MAX(CASE WHEN kind = 'maptype' THEN arg0 END) WHEN 1 THEN 'int64' WHEN 2 THEN 'uint64'"
    "   WHEN 3 THEN 'string' WHEN 4 THEN 'generic' END,"
    "  MAX(CASE WHEN kind IN ('mapassign', 'mapdelete', 'mapfree') THEN arg1"
    "           WHEN kind = 'mapclear' THEN arg0 END),"
    "  MAX(CASE WHEN kind = 'makemap' THEN arg1 WHEN kind = 'hashgrow' THEN arg0 END),"
    "  SUM(kind = 'hashgrow')"
    " FROM events WHERE map_id IS NOT NULL AND map_id != 0"
    "  AND kind IN ('makemap', 'mapaccess', 'mapassign', 'mapdelete', 'hashgrow', 'evacuate',"
    "   'growdone', 'mapclear', 'mapiterinit', 'mapfree', 'map_use_after_free', 'maptype')"
    " GROUP BY map_id;"
    "INSERT INTO defers(defer_id, goid, registered_ns, ran_ns, end_ns, fn, how)"
    " SELECT d.defer_id, d.goid, d.registered_ns, d.ran_ns, d.end_ns, n.name,"
    "  CASE WHEN d.ran_ns IS NULL THEN 'never' WHEN d.how = 1 THEN 'return'"
    "   WHEN d.how = 2 THEN 'panic' WHEN d.how = 3 THEN 'goexit' END"
    " FROM (SELECT defer_id,"
    "   MIN(CASE WHEN kind = 'deferproc' THEN goid END) AS goid,"
    "   MIN(CASE WHEN kind = 'deferproc' THEN ts_ns END) AS registered_ns,"
    "   MIN(CASE WHEN kind = 'deferreturn' THEN ts_ns END) AS ran_ns,"
    "   MIN(CASE WHEN kind = 'deferreturn_end' THEN ts_ns END) AS end_ns,"
    "   MIN(CASE WHEN kind = 'deferproc' THEN arg1 END) AS fn_id,"
    "   MIN(CASE WHEN kind = 'deferreturn' THEN arg0 END) AS how"
    "  FROM events WHERE defer_id IS NOT NULL"
    "   AND kind IN ('deferproc', 'deferreturn', 'deferreturn_end')"
    "  GROUP BY defer_id) d LEFT JOIN names n ON n.id = d.fn_id"
    " WHERE d.registered_ns IS NOT NULL OR d.ran_ns IS NOT NULL;"
    "INSERT INTO gc_cycles(cycle, start_ns, mark_start_ns, mark_termination_ns, sweep_start_ns,"
    "  sweep_done_ns, end_ns, stw_ns, heap_before, heap_after, maps_freed)"
    " SELECT s.cycle, s.start_ns,"
    "  (SELECT MIN(ts_ns) FROM events e WHERE e.kind = 'gc_mark_start'"
    "    AND e.ts_ns >= s.start_ns AND e.ts_ns < s.next_ns),"
    "  (SELECT MIN(ts_ns) FROM events e WHERE e.kind = 'gc_mark_termination'"
    "    AND e.ts_ns >= s.start_ns AND e.ts_ns < s.next_ns),"
    "  (SELECT MIN(ts_ns) FROM events e WHERE e.kind = 'gc_sweep_start'"
    "    AND e.ts_ns >= s.start_ns AND e.ts_ns < s.next_ns),"
    "  (SELECT MIN(ts_ns) FROM events e WHERE e.kind = 'gc_sweep_done'"
    "    AND e.ts_ns >= s.start_ns AND e.ts_ns < s.next_ns),"
    "  (SELECT MIN(ts_ns) FROM events e WHERE e.kind = 'gc_end'"
    "    AND e.ts_ns >= s.start_ns AND e.ts_ns < s.next_ns),"
    "  (SELECT SUM(dur_ns) FROM events e WHERE e.kind = 'stw_end'"
    "    AND e.ts_ns >= s.start_ns AND e.ts_ns < s.next_ns),"
    "  (SELECT arg0 FROM events e WHERE e.kind = 'gc_end'"
    "    AND e.ts_ns >= s.start_ns AND e.ts_ns < s.next_ns ORDER BY ts_ns LIMIT 1),"
    "  (SELECT arg1 FROM events e WHERE e.kind = 'gc_end'"
    "    AND e.ts_ns >= s.start_ns AND e.ts_ns < s.next_ns ORDER BY ts_ns LIMIT 1),"
    "  (SELECT COUNT(*) FROM events e WHERE e.kind = 'mapfree' AND e.arg0 = 1"
    "    AND e.ts_ns >= s.start_ns AND e.ts_ns < s.next_ns)"
    " FROM (SELECT arg0 AS cycle, ts_ns AS start_ns,"
    "   COALESCE(LEAD(ts_ns) OVER (ORDER BY ts_ns, id), 9223372036854775807) AS next_ns"
    "  FROM events WHERE kind = 'gc_start') s;"
    "INSERT INTO goroutines(goid, tid, created_ns, ended_ns)"
    " SELECT a.goid, a.tid, COALESCE(c.created_ns, a.first_ns), a.ended_ns"
    " FROM (SELECT goid, COALESCE(MIN(CASE WHEN kind = 'gostart' THEN tid END), MIN(tid)) AS tid,"
    "   MIN(ts_ns) AS first_ns, MIN(CASE WHEN kind = 'goend' THEN ts_ns END) AS ended_ns"
    "  FROM events WHERE goid IS NOT NULL GROUP BY goid) a"
    " LEFT JOIN (SELECT arg0 AS goid, MIN(ts_ns) AS created_ns FROM events"
    "  WHERE kind = 'gocreate' GROUP BY arg0) c ON c.goid = a.goid;";

bool db_finish(trace_db *d, char *err, size_t errlen) {
    return run_schema(d, true, err, errlen) && db_exec(d, derive_sql, err, errlen) &&
           db_exec(d, "COMMIT", err, errlen);
}

void db_close(trace_db *d) {
    sqlite3_stmt *all[] = { d->ins_event, d->ins_stack, d->ins_entry,
                            d->ins_lost, d->ins_name, d->ins_meta };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) sqlite3_finalize(all[i]);
    if (d->db) sqlite3_close(d->db);
    memset(d, 0, sizeof *d);
}
