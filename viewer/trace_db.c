/*
 * trace_db.c — opening a trace for reading, and nothing else.
 *
 * The viewer's promise is that a trace file is never changed: not by a query, not by opening
 * it, not by a crash half-way. Three locks keep that promise, so no single mistake breaks it:
 * the connection is opened with SQLITE_OPEN_READONLY *and* the URI parameter mode=ro (SQLite
 * then opens the file O_RDONLY), `PRAGMA query_only` refuses writing statements, and the
 * defensive flag forbids the few ways SQL can corrupt a file on purpose.
 *
 * Before SQLite sees the file we check what we can ourselves, so every kind of bad input gets
 * its own one-line message instead of SQLite's generic one: a missing path, a directory, an
 * empty file, a file without the 16-byte SQLite header. Then, through SQL: a database that is
 * not a gort trace (no meta.schema_version), a newer schema than this build reads, and a trace
 * without events. Each failure returns GORT_EXIT_USAGE (2) after one line on stderr.
 *
 * Nothing is created beside the trace either. A database in WAL mode (header bytes 18-19 are
 * 2) would make even a read-only connection create PATH-wal and PATH-shm; such a trace is
 * opened `immutable=1` (SQLite then reads the file alone, with no locks and no side files) when
 * it has no PATH-wal to read, and refused with a one-line instruction when it has one (its last
 * transactions are there, and reading them needs the -shm index that read-only cannot make).
 * A rollback journal left hot by an interrupted write would need a rollback (a write) before
 * any read: that is reported as such, with the command that rolls it back.
 *
 * A query that never ends (a corrupted or hostile view, a recursive CTE) is bounded: a
 * progress handler checks the command's deadline every few thousand virtual-machine steps
 * and interrupts the statement once it has passed (--timeout, VIEWER_DEFAULT_TIMEOUT_NS).
 * The deadline travels as the handler's pointer argument, so the connection owns no extra
 * allocation.
 *
 * The viewer's queries select events by kind number (`events.kind_id`: an integer compare per
 * row where a name took a string compare). Traces recorded before the kind was stored as a
 * number have no kind_id column; for them a TEMP view named events (temp names shadow the
 * file's) adds it, computed from the name, so one set of queries reads both.
 */
#include "viewer.h"

#include "cli.h"
#include "gort_record.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Checks the file itself: exists, is regular, non-empty, starts with the SQLite header; *wal
 * tells whether the header says WAL mode (file format versions, bytes 18 and 19, are 2). */
static int check_file(const char *cmd, const char *path, bool *wal) {
    struct stat st;
    if (stat(path, &st) != 0)
        return cli_error(cmd, "%s: %s", path, errno == ENOENT ? "no such file" : strerror(errno));
    if (!S_ISREG(st.st_mode)) return cli_error(cmd, "%s: not a regular file", path);
    if (st.st_size == 0) return cli_error(cmd, "%s: empty file, not a SQLite database", path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return cli_error(cmd, "%s: %s", path, strerror(errno));
    unsigned char head[20];
    ssize_t got = read(fd, head, sizeof head);
    close(fd);
    if (got != (ssize_t)sizeof head || memcmp(head, "SQLite format 3", 16) != 0)
        return cli_error(cmd, "%s: not a SQLite database", path);
    *wal = head[18] == 2 || head[19] == 2;
    return 0;
}

/* Size of the file PATH+SUFFIX (a -wal or -journal beside the trace); -1 when there is none. */
static off_t side_file_size(const char *path, const char *suffix) {
    char *p = sqlite3_mprintf("%s%s", path, suffix);
    struct stat st;
    off_t size = p && stat(p, &st) == 0 ? st.st_size : -1;
    sqlite3_free(p);
    return size;
}

/* Builds "file:PATH?mode=ro" (with "&immutable=1" when IMMUTABLE) with PATH percent-encoded
 * where a URI needs it. */
static char *ro_uri(const char *path, bool immutable) {
    size_t n = strlen(path);
    char *uri = malloc(n * 3 + 48);
    if (!uri) return NULL;
    char *p = uri;
    p += sprintf(p, "file:");
    for (const unsigned char *s = (const unsigned char *)path; *s; s++) {
        if (*s == '%' || *s == '?' || *s == '#' || *s < 0x21 || *s > 0x7e)
            p += sprintf(p, "%%%02X", *s);
        else
            *p++ = (char)*s;
    }
    strcpy(p, immutable ? "?mode=ro&immutable=1" : "?mode=ro");
    return uri;
}

/* The time on the deadline's clock, in ns. */
static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The progress handler: non-zero (interrupt) once the deadline ARG (ns, carried in the
 * pointer) has passed. */
static int past_deadline(void *arg) {
    return now_ns() > (int64_t)(intptr_t)arg;
}

/* Interrupts DB's statements once TIMEOUT_NS from now have passed; 0 means never. */
static void set_deadline(sqlite3 *db, int64_t timeout_ns) {
    if (timeout_ns <= 0) return;
    int64_t now = now_ns();
    int64_t deadline = timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns;
    sqlite3_progress_handler(db, 4096, past_deadline, (void *)(intptr_t)deadline);
}

bool vt_parse_timeout(const char *cmd, const char *v, int64_t *out) {
    int64_t s;
    if (v && cli_parse_int(v, 0, INT64_MAX / 1000000000, &s)) {
        *out = s * 1000000000;
        return true;
    }
    if (v && (v[0] >= '0' && v[0] <= '9') && v[strspn(v, "0123456789")] && cli_parse_time_ns(v, out))
        return true;
    cli_error(cmd, "--timeout takes seconds (or a time with a unit: 500ms, 2s), 0 for none, "
              "not '%s'", v ? v : "");
    return false;
}

const char *vt_errmsg(sqlite3 *db) {
    if (sqlite3_errcode(db) == SQLITE_INTERRUPT)
        return "gave up: the query ran past the --timeout (raise it with --timeout SECONDS, "
               "0 for none)";
    return sqlite3_errmsg(db);
}

/* Reports SQLite's last error on DB after WHAT. */
int vt_sql_error(const char *cmd, sqlite3 *db, const char *what) {
    return cli_error(cmd, "%s: %s", what, vt_errmsg(db));
}

/* Prepares one statement, reporting a failure as one line. */
sqlite3_stmt *vt_prepare(const char *cmd, sqlite3 *db, const char *sql) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        cli_error(cmd, "query failed: %s", vt_errmsg(db));
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

int vt_int_query(const char *cmd, sqlite3 *db, const char *sql, int64_t dflt, int64_t *out) {
    sqlite3_stmt *st = vt_prepare(cmd, db, sql);
    if (!st) return GORT_EXIT_USAGE;
    *out = dflt;
    int rc = sqlite3_step(st), type = rc == SQLITE_ROW ? sqlite3_column_type(st, 0) : SQLITE_NULL;
    if (type == SQLITE_INTEGER) *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (type != SQLITE_INTEGER && type != SQLITE_NULL)
        return cli_error(cmd, "a figure of the trace is not a whole number of 64 bits (a sum or "
                         "span too large, or a value that is not an integer)");
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) return 0;
    return vt_sql_error(cmd, db, "query failed");
}

/* One integer from a query, or DFLT. */
int64_t vt_int(sqlite3 *db, const char *sql, int64_t dflt) {
    sqlite3_stmt *st = NULL;
    int64_t v = dflt;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Looks NAME up in sqlite_schema. */
bool vt_has_table(sqlite3 *db, const char *name) {
    sqlite3_stmt *st = NULL;
    bool found = false;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema WHERE name = ?1 AND type IN "
                               "('table', 'view')", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        found = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return found;
}

/* Reads meta.schema_version into *version; a message for a database that is no gort trace. */
static int check_version(const char *cmd, const char *path, sqlite3 *db) {
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema_version'", -1,
                                &st, NULL);
    if (rc != SQLITE_OK) {
        int code = sqlite3_errcode(db);
        sqlite3_finalize(st);
        if (sqlite3_extended_errcode(db) == SQLITE_READONLY_ROLLBACK ||
            (code == SQLITE_READONLY && side_file_size(path, "-journal") > 0))
            return cli_error(cmd, "%s: hot journal %s-journal: a write to the trace was "
                             "interrupted; roll it back first with: sqlite3 %s 'PRAGMA "
                             "quick_check'", path, path, path);
        if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
            return cli_error(cmd, "%s: not a SQLite database (%s)", path, sqlite3_errmsg(db));
        if (code == SQLITE_INTERRUPT) return cli_error(cmd, "%s: %s", path, vt_errmsg(db));
        if (!vt_has_table(db, "meta"))
            return cli_error(cmd, "%s: not a gort trace (no meta table)", path);
        return cli_error(cmd, "%s: %s", path, vt_errmsg(db));
    }
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) return cli_error(cmd, "%s: %s", path, vt_errmsg(db));
        return cli_error(cmd, "%s: not a gort trace (no meta.schema_version)", path);
    }
    const char *v = (const char *)sqlite3_column_text(st, 0);
    int64_t version = 0;
    bool ok = v && cli_parse_int(v, 1, INT32_MAX, &version);
    char text[32];
    snprintf(text, sizeof text, "%.20s", v ? v : "NULL");
    sqlite3_finalize(st);
    if (!ok) return cli_error(cmd, "%s: not a gort trace (schema_version '%s')", path, text);
    if (version > VIEWER_SCHEMA_VERSION)
        return cli_error(cmd, "%s: trace schema version %lld is newer than this gort reads (%d); "
                         "use a newer gort", path, (long long)version, VIEWER_SCHEMA_VERSION);
    return 0;
}

/* Checks the tables every subcommand reads exist and that there is at least one event. */
static int check_content(const char *cmd, const char *path, sqlite3 *db) {
    static const char *const tables[] = { "events", "maps", "defers", "gc_cycles",
                                          "goroutines", "stacks", "stack_entries", "frames",
                                          "lost", NULL };
    for (int i = 0; tables[i]; i++)
        if (!vt_has_table(db, tables[i]))
            return cli_error(cmd, "%s: not a gort trace (no %s table)", path, tables[i]);
    int64_t any;
    if (vt_int_query(cmd, db, "SELECT EXISTS (SELECT 1 FROM events)", -1, &any))
        return GORT_EXIT_USAGE;
    if (any != 1) return cli_error(cmd, "%s: empty trace (no events)", path);
    return 0;
}

/* The events of a trace that stores kinds by name, with kind_id computed from the name. */
#define KIND_WHEN(num, name) " WHEN '" #name "' THEN " #num
static const char named_kinds_view[] =
    "CREATE TEMP VIEW events AS SELECT *, CASE kind" GORT_KINDS(KIND_WHEN)
    " ELSE CASE WHEN kind GLOB 'kind[0-9]*' THEN CAST(substr(kind, 5) AS INTEGER) END END"
    " AS kind_id FROM main.events";
#undef KIND_WHEN

/* Gives events a kind_id column where the trace has none (older traces); only the temporary
 * schema is written, query_only is on again before it returns. */
static int add_kind_ids(const char *cmd, const char *path, sqlite3 *db) {
    if (vt_int(db, "SELECT count(*) FROM pragma_table_info('events') WHERE name = 'kind_id'", 0))
        return 0;
    char *msg = NULL;
    int rc = sqlite3_exec(db, "PRAGMA query_only = 0", NULL, NULL, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, named_kinds_view, NULL, NULL, &msg);
    sqlite3_exec(db, "PRAGMA query_only = 1", NULL, NULL, NULL);
    if (rc == SQLITE_OK) return 0;
    rc = cli_error(cmd, "%s: %s", path, msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return rc;
}

/* Checks the file, opens it read-only three ways over (immutable when in WAL mode), bounds
 * its queries by TIMEOUT_NS, then checks it is a readable trace. */
int vt_open(const char *cmd, const char *path, int64_t timeout_ns, sqlite3 **out) {
    *out = NULL;
    bool wal = false;
    int rc = check_file(cmd, path, &wal);
    if (rc) return rc;
    if (wal && side_file_size(path, "-wal") > 0)
        return cli_error(cmd, "%s: a WAL-mode database whose last changes are still in %s-wal; "
                         "fold them into the file first: sqlite3 %s 'PRAGMA wal_checkpoint(TRUNCATE)'",
                         path, path, path);
    char *uri = ro_uri(path, wal);
    if (!uri) return cli_error(cmd, "out of memory");
    sqlite3 *db = NULL;
    /* NOMUTEX: every viewer is single-threaded, and SQLite's per-call mutex cost 4-8% of a
     * full scan. */
    int orc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                              NULL);
    free(uri);
    if (orc != SQLITE_OK) {
        rc = cli_error(cmd, "%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return rc;
    }
    set_deadline(db, timeout_ns);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
    /* Bounded memory whatever the trace's size: the file is read through the mapping (page
     * cache, not heap), the page cache is 32 MiB, and sorts that outgrow it spill to temporary
     * files rather than memory. */
    sqlite3_exec(db, "PRAGMA query_only = 1; PRAGMA mmap_size = 1073741824; "
                     "PRAGMA cache_size = -32768; PRAGMA temp_store = FILE; "
                     "PRAGMA threads = 0;",
                 NULL, NULL, NULL);
    rc = check_version(cmd, path, db);
    if (!rc) rc = check_content(cmd, path, db);
    if (!rc) rc = add_kind_ids(cmd, path, db);
    if (rc) {
        sqlite3_close(db);
        return rc;
    }
    *out = db;
    return 0;
}
