/*
 * tracer_sqlite_peer — the yardstick for gort record's throughput: the plainest fast way to put
 * N event-shaped rows into SQLite (one prepared INSERT into a table of the events' shape,
 * journal off, synchronous off, one transaction, no indexes), timed from the first insert to
 * the last commit.
 *
 *   tracer_sqlite_peer FILE N      prints "rows_per_s R"
 *
 * Bench programs link only libgort, so SQLite is loaded with dlopen (glibc has it in libc).
 */
#include <dlfcn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* The few SQLite entry points the loop needs. */
typedef struct sqlite_api {
    int (*open)(const char *, sqlite3 **);
    int (*exec)(sqlite3 *, const char *, int (*)(void *, int, char **, char **), void *, char **);
    int (*prepare)(sqlite3 *, const char *, int, sqlite3_stmt **, const char **);
    int (*bind_int64)(sqlite3_stmt *, int, sqlite3_int64);
    int (*bind_null)(sqlite3_stmt *, int);
    int (*bind_text)(sqlite3_stmt *, int, const char *, int, void (*)(void *));
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
    *(void **)&a->bind_null = dlsym(h, "sqlite3_bind_null");
    *(void **)&a->bind_text = dlsym(h, "sqlite3_bind_text");
    *(void **)&a->step = dlsym(h, "sqlite3_step");
    *(void **)&a->reset = dlsym(h, "sqlite3_reset");
    *(void **)&a->finalize = dlsym(h, "sqlite3_finalize");
    *(void **)&a->close = dlsym(h, "sqlite3_close");
    return a->open && a->exec && a->prepare && a->bind_int64 && a->bind_null && a->bind_text &&
           a->step && a->reset && a->finalize && a->close;
}

/* CLOCK_MONOTONIC in seconds. */
static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Inserts N rows into FILE and prints the rate. */
int main(int argc, char **argv) {
    sqlite_api a;
    if (argc != 3 || !load(&a)) {
        fprintf(stderr, "usage: tracer_sqlite_peer FILE N (needs libsqlite3.so.0)\n");
        return 2;
    }
    long long n = atoll(argv[2]);
    sqlite3 *db;
    sqlite3_stmt *st;
    remove(argv[1]);
    if (a.open(argv[1], &db) ||
        a.exec(db,
               "PRAGMA page_size = 8192; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
               "CREATE TABLE events (id INTEGER PRIMARY KEY, ts_ns INTEGER, tid INTEGER,"
               " goid INTEGER, kind TEXT, map_id INTEGER, defer_id INTEGER, arg0 INTEGER,"
               " arg1 INTEGER, dur_ns INTEGER, stack_id INTEGER)",
               NULL, NULL, NULL) ||
        a.prepare(db,
                  "INSERT INTO events(ts_ns, tid, goid, kind, map_id, defer_id, arg0, arg1,"
                  " dur_ns, stack_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
                  -1, &st, NULL)) {
        fprintf(stderr, "tracer_sqlite_peer: cannot set up %s\n", argv[1]);
        return 1;
    }
    double t0 = now_s();
    a.exec(db, "BEGIN", NULL, NULL, NULL);
    for (long long i = 0; i < n; i++) {
        a.bind_int64(st, 1, i * 150);
        a.bind_int64(st, 2, 12345);
        a.bind_null(st, 3);
        a.bind_text(st, 4, "mapaccess", -1, SQLITE_STATIC);
        a.bind_int64(st, 5, 1);
        a.bind_null(st, 6);
        a.bind_int64(st, 7, i);
        a.bind_int64(st, 8, 0);
        a.bind_null(st, 9);
        a.bind_null(st, 10);
        a.step(st);
        a.reset(st);
    }
    a.exec(db, "COMMIT", NULL, NULL, NULL);
    double t = now_s() - t0;
    a.finalize(st);
    a.close(db);
    printf("rows_per_s %.0f\n", (double)n / t);
    return 0;
}
