/*
 * tracer_sqlite_peer — the yardstick for gort record's load into SQLite: the plainest fast way to
 * put N event rows into SQLite as gort stores them — a batched INSERT of 32 rows per statement
 * (as tracer/ingest.c does) into a table of event_rows' shape, with the recorder's pragmas
 * (tracer/db.c: page_size 8192, no journal, no sync, exclusive lock, 32 MiB cache, temporary
 * files for sorts) and a commit every million rows, no indexes.
 *
 *   tracer_sqlite_peer FILE N      prints "rows_per_s R" (wall time) and "rows_per_cpu_s R"
 *                                  (CPU time: compare with N / meta.load_cpu_ns)
 *
 * The rows are what `tracer_probe emit` makes: mapaccess (kind 2) on map 1, arg0 = i, arg1 = 0,
 * no goroutine, defer, duration or stack. Bench programs link only libgort, so SQLite is loaded
 * with dlopen.
 */
#include <dlfcn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH 32
#define TXN_ROWS 1000000

/* The few SQLite entry points the loop needs. */
typedef struct sqlite_api {
    int (*open)(const char *, sqlite3 **);
    int (*exec)(sqlite3 *, const char *, int (*)(void *, int, char **, char **), void *, char **);
    int (*prepare)(sqlite3 *, const char *, int, sqlite3_stmt **, const char **);
    int (*bind_int64)(sqlite3_stmt *, int, sqlite3_int64);
    int (*bind_int)(sqlite3_stmt *, int, int);
    int (*bind_null)(sqlite3_stmt *, int);
    int (*step)(sqlite3_stmt *);
    int (*reset)(sqlite3_stmt *);
    int (*finalize)(sqlite3_stmt *);
    int (*close)(sqlite3 *);
} sqlite_api;

/* Loads libsqlite3 and its functions; false when it is not there. */
static int load(sqlite_api *a) {
    void *h = dlopen("libsqlite3.so.0", RTLD_NOW);
    if (!h) return 0;
    *(void **)&a->open = dlsym(h, "sqlite3_open");
    *(void **)&a->exec = dlsym(h, "sqlite3_exec");
    *(void **)&a->prepare = dlsym(h, "sqlite3_prepare_v2");
    *(void **)&a->bind_int64 = dlsym(h, "sqlite3_bind_int64");
    *(void **)&a->bind_int = dlsym(h, "sqlite3_bind_int");
    *(void **)&a->bind_null = dlsym(h, "sqlite3_bind_null");
    *(void **)&a->step = dlsym(h, "sqlite3_step");
    *(void **)&a->reset = dlsym(h, "sqlite3_reset");
    *(void **)&a->finalize = dlsym(h, "sqlite3_finalize");
    *(void **)&a->close = dlsym(h, "sqlite3_close");
    return a->open && a->exec && a->prepare && a->bind_int64 && a->bind_int && a->bind_null &&
           a->step && a->reset && a->finalize && a->close;
}

/* A clock in seconds. */
static double seconds(clockid_t c) {
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Binds row i at columns base+1 .. base+10, as ingest.c binds a mapaccess without a stack. */
static void bind_row(const sqlite_api *a, sqlite3_stmt *st, int base, long long i) {
    a->bind_int64(st, base + 1, 1000000 + i * 150);
    a->bind_int(st, base + 2, 12345);
    a->bind_null(st, base + 3);
    a->bind_int(st, base + 4, 2);
    a->bind_int64(st, base + 5, 1);
    a->bind_null(st, base + 6);
    a->bind_int64(st, base + 7, i);
    a->bind_int64(st, base + 8, 0);
    a->bind_null(st, base + 9);
    a->bind_null(st, base + 10);
}

/* Inserts N rows into FILE and prints the rates. */
int main(int argc, char **argv) {
    sqlite_api a;
    if (argc != 3 || !load(&a)) {
        fprintf(stderr, "usage: tracer_sqlite_peer FILE N (needs libsqlite3.so.0)\n");
        return 2;
    }
    long long n = atoll(argv[2]);
    sqlite3 *db;
    sqlite3_stmt *st;
    char sql[256 + BATCH * 32];
    int len = snprintf(sql, sizeof sql, "INSERT INTO event_rows(ts_ns, tid, goid, kind_id, map_id, "
                                        "defer_id, arg0, arg1, dur_ns, stack_id) VALUES ");
    for (int i = 0; i < BATCH; i++)
        len += snprintf(sql + len, sizeof sql - (size_t)len, "%s(?,?,?,?,?,?,?,?,?,?)", i ? "," : "");
    remove(argv[1]);
    if (a.open(argv[1], &db) ||
        a.exec(db,
               "PRAGMA page_size = 8192; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
               "PRAGMA locking_mode = EXCLUSIVE; PRAGMA cache_size = -32768;"
               "PRAGMA temp_store = FILE;"
               "CREATE TABLE event_rows (id INTEGER PRIMARY KEY, ts_ns INTEGER NOT NULL,"
               " tid INTEGER NOT NULL, goid INTEGER, kind_id INTEGER NOT NULL, map_id INTEGER,"
               " defer_id INTEGER, arg0 INTEGER, arg1 INTEGER, dur_ns INTEGER, stack_id INTEGER)",
               NULL, NULL, NULL) ||
        a.prepare(db, sql, -1, &st, NULL)) {
        fprintf(stderr, "tracer_sqlite_peer: cannot set up %s\n", argv[1]);
        return 1;
    }
    double w0 = seconds(CLOCK_MONOTONIC), c0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
    a.exec(db, "BEGIN", NULL, NULL, NULL);
    long long i = 0;
    for (; i + BATCH <= n; i += BATCH) {
        for (int k = 0; k < BATCH; k++) bind_row(&a, st, 10 * k, i + k);
        a.step(st);
        a.reset(st);
        if ((i + BATCH) % TXN_ROWS < BATCH) a.exec(db, "COMMIT; BEGIN", NULL, NULL, NULL);
    }
    a.exec(db, "COMMIT", NULL, NULL, NULL);
    double w = seconds(CLOCK_MONOTONIC) - w0, c = seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
    a.finalize(st);
    a.close(db);
    printf("rows_per_s %.0f\nrows_per_cpu_s %.0f\n", (double)i / w, (double)i / c);
    return 0;
}
