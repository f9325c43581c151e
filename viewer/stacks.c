/*
 * stacks.c — folded stacks from a trace: which code paths the selected events came from.
 *
 * Two passes, so a trace of ten million events costs one scan of the events table:
 *  1. Scan the selected events' (stack_id, dur_ns) and add them up per stack id in a hash
 *     table (cli/idmap.c). SQLite's GROUP BY would sort ten million rows;
 *     the hash touches each once.
 *  2. Read the frames of every stack (stack_entries joined with frames, innermost depth 0)
 *     and, for each stack id seen in pass 1, build "outer;...;inner" into the fold_set.
 * Events without a stack are not drawn (a trace recorded with --no-stacks has none).
 *
 * A folded line cannot hold ';' inside a frame name or a line break, so those bytes (and
 * every other control character) become '_' here; a frame without a symbol is its address.
 */
#include "viewer.h"

#include "cli.h"
#include "gort_record.h"

#include <stdlib.h>
#include <string.h>

const char *const viewer_default_kinds[] = {
    "makemap", "mapaccess", "mapassign", "mapdelete", "hashgrow", "evacuate", "growdone",
    "mapclear", "mapiterinit", "mapfree", "map_use_after_free",
    "deferproc", "deferreturn", "deferreturn_end", NULL
};

/* The number of kind NAME in the record format, or -1 when it has none. */
static int kind_number(const char *name) {
    for (unsigned k = 0; k < GORT_EV_MAX; k++) {
        const char *n = gort_kind_name(k);
        if (n && !strcmp(n, name)) return (int)k;
    }
    return -1;
}

/* Pass 1: weight per stack id of the selected events. */
static int weigh_stacks(const char *cmd, sqlite3 *db, const stack_query *q, idmap *t) {
    const char *const *kinds = q->kinds ? q->kinds : viewer_default_kinds;
    size_t nk = q->kinds ? q->nkinds : 0;
    if (!q->kinds)
        while (kinds[nk]) nk++;
    /* The kinds by number (integers: spliced into the SQL safely), compared with kind_id, an
     * integer compare per row. The default kinds are most events: one read of the table in
     * order (+kind_id). One chosen kind is written "kind_id = N", the form that lets SQLite
     * use a partial index of that kind (the trace has one for cpu_sample). */
    char *sql = malloc(128 + nk * 12);
    if (!sql) return cli_error(cmd, "out of memory");
    char *p = sql + sprintf(sql, "SELECT stack_id, dur_ns FROM events WHERE stack_id IS NOT NULL "
                                 "AND %skind_id ", q->kinds ? "" : "+");
    if (nk == 1) {
        sprintf(p, "= %d", kind_number(kinds[0]));
    } else {
        p += sprintf(p, "IN (");
        for (size_t i = 0; i < nk; i++) p += sprintf(p, i ? ",%d" : "%d", kind_number(kinds[i]));
        strcpy(p, ")");
    }
    sqlite3_stmt *st = vt_prepare(cmd, db, sql);
    free(sql);
    if (!st) return GORT_EXIT_USAGE;
    int rc;
    int64_t total = 0; /* of every stack: the fold set's total must fit too */
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t w = q->weight_time ? sqlite3_column_int64(st, 1) : 1;
        if (w <= 0) continue;
        int64_t *s = idmap_get(t, sqlite3_column_int64(st, 0), true);
        if (!s) {
            sqlite3_finalize(st);
            return cli_error(cmd, "out of memory");
        }
        if (__builtin_add_overflow(total, w, &total)) {
            sqlite3_finalize(st);
            return cli_error(cmd, "the selected events' durations add up to more than %lld ns "
                             "(dur_ns values too large to weigh by time)", (long long)INT64_MAX);
        }
        *s += w; /* at most total */
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : vt_sql_error(cmd, db, "reading events");
}

/* Appends frame NAME (or its address) to BUF at *len, sanitized for the folded format. */
static bool append_frame(char **buf, size_t *len, size_t *cap, const char *name, int64_t pc) {
    char addr[32];
    if (!name || !*name) {
        snprintf(addr, sizeof addr, "0x%llx", (unsigned long long)pc);
        name = addr;
    }
    size_t n = strlen(name);
    if (*len + n + 2 > *cap) {
        size_t c = (*cap + n + 2) * 2;
        char *b = realloc(*buf, c);
        if (!b) return false;
        *buf = b;
        *cap = c;
    }
    if (*len) (*buf)[(*len)++] = ';';
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        (*buf)[(*len)++] = ch == ';' || ch < 0x20 || ch == 0x7f ? '_' : (char)ch;
    }
    return true;
}

/* Pass 2: the frames of every weighed stack, outermost first, into FS. */
static int name_stacks(const char *cmd, sqlite3 *db, idmap *t, fold_set *fs) {
    sqlite3_stmt *st = vt_prepare(cmd, db,
        "SELECT se.stack_id, f.symbol, f.pc FROM stack_entries se JOIN frames f "
        "ON f.id = se.frame_id ORDER BY se.stack_id, se.depth DESC");
    if (!st) return GORT_EXIT_USAGE;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int64_t cur = 0;
    int64_t *slot = NULL;
    int rc, err = 0;
    while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (id != cur) {
            if (slot && len && !fold_add(fs, buf, len, *slot, 0)) err = 1;
            cur = id;
            slot = idmap_get(t, id, false);
            len = 0;
        }
        if (slot && !append_frame(&buf, &len, &cap, (const char *)sqlite3_column_text(st, 1),
                                  sqlite3_column_int64(st, 2)))
            err = 1;
    }
    if (!err && slot && len && !fold_add(fs, buf, len, *slot, 0)) err = 1;
    free(buf);
    sqlite3_finalize(st);
    if (err) return cli_error(cmd, "out of memory");
    return rc == SQLITE_DONE ? 0 : vt_sql_error(cmd, db, "reading stacks");
}

/* The two passes: weigh the selected events per stack id, then name those stacks. */
int stacks_fold(const char *cmd, sqlite3 *db, const stack_query *q, fold_set *fs) {
    idmap t = { 0 };
    int rc = weigh_stacks(cmd, db, q, &t);
    if (!rc && t.used) rc = name_stacks(cmd, db, &t, fs);
    idmap_free(&t);
    return rc;
}

/* True when NAME is an event kind of the record format (format/gort_record.h). */
bool viewer_kind_known(const char *name) {
    for (unsigned k = 0; k < GORT_EV_MAX; k++) {
        const char *n = gort_kind_name(k);
        if (n && !strcmp(n, name)) return true;
    }
    return false;
}
