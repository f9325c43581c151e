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
#include <unistd.h>

/* Checks the file itself: exists, is regular, non-empty, starts with the SQLite header. */
static int check_file(const char *cmd, const char *path) {
    struct stat st;
    if (stat(path, &st) != 0)
        return cli_error(cmd, "%s: %s", path, errno == ENOENT ? "no such file" : strerror(errno));
    if (!S_ISREG(st.st_mode)) return cli_error(cmd, "%s: not a regular file", path);
    if (st.st_size == 0) return cli_error(cmd, "%s: empty file, not a SQLite database", path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return cli_error(cmd, "%s: %s", path, strerror(errno));
    char head[16];
    ssize_t got = read(fd, head, sizeof head);
    close(fd);
    if (got != (ssize_t)sizeof head || memcmp(head, "SQLite format 3", 16) != 0)
        return cli_error(cmd, "%s: not a SQLite database", path);
    return 0;
}

/* Builds "file:PATH?mode=ro" with PATH percent-encoded where a URI needs it. */
static char *ro_uri(const char *path) {
    size_t n = strlen(path);
    char *uri = malloc(n * 3 + 32);
    if (!uri) return NULL;
    char *p = uri;
    p += sprintf(p, "file:");
    for (const unsigned char *s = (const unsigned char *)path; *s; s++) {
        if (*s == '%' || *s == '?' || *s == '#' || *s < 0x21 || *s > 0x7e)
            p += sprintf(p, "%%%02X", *s);
        else
            *p++ = (char)*s;
    }
    strcpy(p, "?mode=ro");
    return uri;
}

/* Reports SQLite's last error on DB after WHAT. */
int vt_sql_error(const char *cmd, sqlite3 *db, const char *what) {
    return cli_error(cmd, "%s: %s", what, sqlite3_errmsg(db));
}

/* Prepares one statement, reporting a failure as one line. */
sqlite3_stmt *vt_prepare(const char *cmd, sqlite3 *db, const char *sql) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        cli_error(cmd, "query failed: %s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
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
        if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
            return cli_error(cmd, "%s: not a SQLite database (%s)", path, sqlite3_errmsg(db));
        if (!vt_has_table(db, "meta"))
            return cli_error(cmd, "%s: not a gort trace (no meta table)", path);
        return cli_error(cmd, "%s: %s", path, sqlite3_errmsg(db));
    }
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) return cli_error(cmd, "%s: %s", path, sqlite3_errmsg(db));
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
    if (vt_int(db, "SELECT EXISTS (SELECT 1 FROM events)", -1) != 1)
        return cli_error(cmd, "%s: empty trace (no events)", path);
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

/* Checks the file, opens it read-only three ways over, then checks it is a readable trace. */
int vt_open(const char *cmd, const char *path, sqlite3 **out) {
    *out = NULL;
    int rc = check_file(cmd, path);
    if (rc) return rc;
    char *uri = ro_uri(path);
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
