/*
 * viewer_scan — the floor of any export of a trace: one plain scan of every event, every
 * column of it read once, and nothing done with it (the values are summed so the reads stay).
 *
 *   viewer_scan TRACE      prints "events N checksum S"
 *
 * It opens the trace as a viewer does (read-only), but single-threaded (SQLITE_OPEN_NOMUTEX:
 * no lock per column read), and reads the stored columns of events by number (kind_id, not
 * the name the view computes): the least any reader of the events pays, which bench/b_4_viewer.sh
 * puts beside gort export. Bench programs link only libgort, so SQLite is loaded with dlopen.
 */
#include <dlfcn.h>
#include <sqlite3.h>
#include <stdio.h>

typedef struct {
    int (*open)(const char *, sqlite3 **, int, const char *);
    int (*prepare)(sqlite3 *, const char *, int, sqlite3_stmt **, const char **);
    int (*step)(sqlite3_stmt *);
    sqlite3_int64 (*column_int64)(sqlite3_stmt *, int);
    int (*finalize)(sqlite3_stmt *);
    int (*close)(sqlite3 *);
} sqlite_api;

/* Loads libsqlite3 and its functions; 0 when it is not there. */
static int load(sqlite_api *a) {
    void *h = dlopen("libsqlite3.so.0", RTLD_NOW);
    if (!h) return 0;
    *(void **)&a->open = dlsym(h, "sqlite3_open_v2");
    *(void **)&a->prepare = dlsym(h, "sqlite3_prepare_v2");
    *(void **)&a->step = dlsym(h, "sqlite3_step");
    *(void **)&a->column_int64 = dlsym(h, "sqlite3_column_int64");
    *(void **)&a->finalize = dlsym(h, "sqlite3_finalize");
    *(void **)&a->close = dlsym(h, "sqlite3_close");
    return a->open && a->prepare && a->step && a->column_int64 && a->finalize && a->close;
}

/* Reads every column of every event of argv[1]; prints the count and a checksum. */
int main(int argc, char **argv) {
    sqlite_api a;
    if (argc != 2 || !load(&a)) {
        fprintf(stderr, "usage: viewer_scan TRACE (needs libsqlite3.so.0)\n");
        return 2;
    }
    sqlite3 *db;
    sqlite3_stmt *st;
    if (a.open(argv[1], &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) ||
        a.prepare(db, "SELECT id, ts_ns, tid, goid, kind_id, map_id, defer_id, arg0, arg1, dur_ns, stack_id "
                      "FROM events ORDER BY id", -1, &st, NULL)) {
        fprintf(stderr, "viewer_scan: cannot read the events of %s\n", argv[1]);
        return 1;
    }
    unsigned long long n = 0, sum = 0;
    while (a.step(st) == SQLITE_ROW) {
        for (int c = 0; c < 11; c++) sum += (unsigned long long)a.column_int64(st, c);
        n++;
    }
    a.finalize(st);
    a.close(db);
    printf("events %llu checksum %llu\n", n, sum);
    return 0;
}
