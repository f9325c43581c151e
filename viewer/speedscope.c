/*
 * speedscope.c — a trace's call stacks in speedscope's file format (gort export --format
 * speedscope), https://www.speedscope.app/file-format-schema.json.
 *
 * Two kinds of profile, over the events gort flame draws (stacks.c's selection: every map and
 * defer event by default, or the --kind list):
 *   1. one "sampled" profile, "all goroutines": each distinct stack once, weighted by its
 *      events' count or, with --weight time, their dur_ns (unit "none" or "nanoseconds") —
 *      what the flame graph shows, for speedscope's left-heavy and sandwich views;
 *   2. an "evented" profile per goroutine, unit "nanoseconds", in which each event's stack is
 *      open from that event to the goroutine's next selected event: a frame opens ("O") at the
 *      first event whose stack holds it and closes ("C") at the first that does not, innermost
 *      first, so open and close events always nest and speedscope's time-order view is the
 *      goroutine's real time line. The last event's stack closes at that event.
 * Frames are shared by all profiles: one per function and source file (the frames table's
 * symbol, or the address "0x..." without one), with its file and the smallest line the trace
 * saw for it (frames hold call sites, so that is the first line of it the trace shows).
 * Only frames the selected events use are written.
 */
#include "viewer.h"

#include "cli.h"
#include "gort_record.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    char *name;      /* JSON string */
    char *file;      /* JSON string or NULL */
    int64_t line;    /* 0: unknown */
} ss_frame;

typedef struct {
    jbuf jb;
    /* the trace's frames rows, by frames.id: name and file as text, line */
    idmap row_of;            /* frames.id -> index + 1 in rows */
    char **row_key;          /* "name\0file" (file may be empty) */
    size_t *row_keylen;
    int64_t *row_line;
    int64_t *row_ss;         /* speedscope index + 1 once used, else 0 */
    size_t nrows;
    /* stacks: stack_id -> (offset << 8 | depth) + 1 into ent (frames.id, outermost first) */
    idmap stack;
    int64_t *ent;
    size_t nent, capent;
    /* speedscope frames, interned by key */
    ss_frame *fr;
    size_t nfr, capfr;
    uint32_t *slot;          /* hash slots of fr: index + 1, 0 empty */
    size_t nslots;
    char **fr_key;
    size_t *fr_keylen;
} ss;

/* FNV-1a of S[0..N). */
static uint64_t hash_bytes(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* S[0..N) as a JSON string literal in fresh memory, or NULL. */
static char *json_dup(const char *s, size_t n) {
    char *esc = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&esc, &len);
    if (!m) return NULL;
    json_write_string(m, s, n);
    if (fclose(m) != 0) {
        free(esc);
        return NULL;
    }
    return esc;
}

/* Grows *P (elements of SIZE) to hold N + 1; false when out of memory. */
static bool grow(void **p, size_t *cap, size_t n, size_t size) {
    if (n < *cap) return true;
    size_t c = *cap ? *cap * 2 : 256;
    void *q = realloc(*p, c * size);
    if (!q) return false;
    *p = q;
    *cap = c;
    return true;
}

/* Reads the frames table (name: symbol or address; file; line). */
static int load_frames(ss *s, sqlite3 *db) {
    sqlite3_stmt *st = vt_prepare("export", db, "SELECT id, pc, symbol, coalesce(file, ''), coalesce(line, 0) FROM frames");
    if (!st) return GORT_EXIT_USAGE;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char addr[32];
        const char *name = (const char *)sqlite3_column_text(st, 2);
        if (!name) {
            snprintf(addr, sizeof addr, "0x%llx", (unsigned long long)sqlite3_column_int64(st, 1));
            name = addr;
        }
        const char *file = (const char *)sqlite3_column_text(st, 3);
        size_t nl = strlen(name), fl = strlen(file);
        if (s->nrows == cap) {
            size_t c2 = cap;
            if (!grow((void **)&s->row_key, &c2, s->nrows, sizeof *s->row_key)) break;
            c2 = cap;
            if (!grow((void **)&s->row_keylen, &c2, s->nrows, sizeof *s->row_keylen)) break;
            c2 = cap;
            if (!grow((void **)&s->row_line, &c2, s->nrows, sizeof *s->row_line)) break;
            c2 = cap;
            if (!grow((void **)&s->row_ss, &c2, s->nrows, sizeof *s->row_ss)) break;
            cap = c2;
        }
        char *key = malloc(nl + fl + 2);
        int64_t *slot = idmap_get(&s->row_of, sqlite3_column_int64(st, 0), true);
        if (!key || !slot) {
            free(key);
            break;
        }
        memcpy(key, name, nl + 1);
        memcpy(key + nl + 1, file, fl + 1);
        s->row_key[s->nrows] = key;
        s->row_keylen[s->nrows] = nl + fl + 1;
        s->row_line[s->nrows] = sqlite3_column_int64(st, 4);
        s->row_ss[s->nrows] = 0;
        *slot = (int64_t)++s->nrows;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) return cli_error("export", "out of memory");
    return rc == SQLITE_DONE ? 0 : vt_sql_error("export", db, "reading frames");
}

/* Reads every stack's frames, outermost first. */
static int load_stacks(ss *s, sqlite3 *db) {
    sqlite3_stmt *st = vt_prepare("export", db,
        "SELECT stack_id, frame_id FROM stack_entries ORDER BY stack_id, depth DESC");
    if (!st) return GORT_EXIT_USAGE;
    int rc;
    int64_t cur = -1, start = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (id != cur) {
            cur = id;
            start = (int64_t)s->nent;
        }
        if (!grow((void **)&s->ent, &s->capent, s->nent, sizeof *s->ent)) break;
        s->ent[s->nent++] = sqlite3_column_int64(st, 1);
        int64_t *v = idmap_get(&s->stack, id, true);
        int64_t depth = (int64_t)s->nent - start;
        if (!v || depth > 255) break;
        *v = (start << 8 | depth) + 1;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) return cli_error("export", "out of memory (or a stack deeper than 255 frames)");
    return rc == SQLITE_DONE ? 0 : vt_sql_error("export", db, "reading stacks");
}

/* The speedscope frame of frames row ROW (index into rows), interned by name and file;
 * -1 when out of memory. */
static long frame_index(ss *s, size_t row) {
    if (s->row_ss[row]) {
        long i = (long)s->row_ss[row] - 1;
        if (s->row_line[row] && (!s->fr[i].line || s->row_line[row] < s->fr[i].line)) s->fr[i].line = s->row_line[row];
        return i;
    }
    const char *key = s->row_key[row];
    size_t kl = s->row_keylen[row];
    if ((s->nfr + 1) * 2 > s->nslots) {
        size_t ns = s->nslots ? s->nslots * 2 : 1024;
        uint32_t *slot = calloc(ns, sizeof *slot);
        if (!slot) return -1;
        for (size_t i = 0; i < s->nfr; i++) {
            size_t h = hash_bytes(s->fr_key[i], s->fr_keylen[i]) & (ns - 1);
            while (slot[h]) h = (h + 1) & (ns - 1);
            slot[h] = (uint32_t)i + 1;
        }
        free(s->slot);
        s->slot = slot;
        s->nslots = ns;
    }
    size_t h = hash_bytes(key, kl) & (s->nslots - 1);
    while (s->slot[h]) {
        uint32_t i = s->slot[h] - 1;
        if (s->fr_keylen[i] == kl && !memcmp(s->fr_key[i], key, kl)) {
            s->row_ss[row] = i + 1;
            return frame_index(s, row);
        }
        h = (h + 1) & (s->nslots - 1);
    }
    size_t cap = s->capfr;
    if (!grow((void **)&s->fr, &cap, s->nfr, sizeof *s->fr)) return -1;
    cap = s->capfr;
    if (!grow((void **)&s->fr_key, &cap, s->nfr, sizeof *s->fr_key)) return -1;
    cap = s->capfr;
    if (!grow((void **)&s->fr_keylen, &cap, s->nfr, sizeof *s->fr_keylen)) return -1;
    s->capfr = cap;
    size_t nl = strlen(key);
    ss_frame f = { json_dup(key, nl), key[nl + 1] ? json_dup(key + nl + 1, strlen(key + nl + 1)) : NULL,
                   s->row_line[row] };
    if (!f.name || (key[nl + 1] && !f.file)) {
        free(f.name);
        free(f.file);
        return -1;
    }
    s->fr[s->nfr] = f;
    s->fr_key[s->nfr] = s->row_key[row];
    s->fr_keylen[s->nfr] = kl;
    s->slot[h] = (uint32_t)s->nfr + 1;
    s->row_ss[row] = s->nfr + 1;
    return (long)s->nfr++;
}

/* Fills OUT (room for 255) with the speedscope frames of STACK_ID, outermost first; returns
 * their number, 0 for an unknown stack, -1 when out of memory. */
static int stack_frames(ss *s, int64_t stack_id, long *out) {
    int64_t *v = idmap_get(&s->stack, stack_id, false);
    if (!v) return 0;
    int64_t off = (*v - 1) >> 8, n = (*v - 1) & 0xff;
    for (int64_t i = 0; i < n; i++) {
        int64_t *row = idmap_get(&s->row_of, s->ent[off + i], false);
        if (!row) return 0;
        if ((out[i] = frame_index(s, (size_t)*row - 1)) < 0) return -1;
    }
    return (int)n;
}

/* "kind_id IN (...)" for Q's kinds (the defaults when none), into BUF. */
static void kind_filter(const stack_query *q, char *buf, size_t size) {
    const char *const *kinds = q->kinds ? q->kinds : viewer_default_kinds;
    size_t nk = q->kinds ? q->nkinds : 0;
    if (!q->kinds)
        while (kinds[nk]) nk++;
    size_t n = (size_t)snprintf(buf, size, "kind_id IN (");
    for (size_t i = 0; i < nk && n + 8 < size; i++)
        for (unsigned k = 0; k < GORT_EV_MAX; k++)
            if (gort_kind_name(k) && !strcmp(gort_kind_name(k), kinds[i]))
                n += (size_t)snprintf(buf + n, size - n, "%s%u", n > 12 ? "," : "", k);
    snprintf(buf + n, size - n, ")");
}

/* Writes the sampled profile's samples and weights (into memory streams first: the frames
 * they intern are written before them). Returns 0, or an exit status. */
static int sampled(ss *s, sqlite3 *db, const stack_query *q, const char *filter, char **samples, size_t *slen,
                   char **weights, size_t *wlen, int64_t *total) {
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT stack_id, %s FROM events WHERE stack_id IS NOT NULL AND %s "
             "GROUP BY stack_id ORDER BY stack_id", q->weight_time ? "sum(coalesce(dur_ns, 0))" : "count(*)", filter);
    sqlite3_stmt *st = vt_prepare("export", db, sql);
    if (!st) return GORT_EXIT_USAGE;
    FILE *sf = open_memstream(samples, slen), *wf = open_memstream(weights, wlen);
    int rc = 0, step;
    long fr[256];
    size_t n = 0;
    while (sf && wf && (step = sqlite3_step(st)) == SQLITE_ROW) {
        int k = stack_frames(s, sqlite3_column_int64(st, 0), fr);
        if (k < 0) {
            rc = cli_error("export", "out of memory");
            break;
        }
        if (k == 0) continue;
        fputs(n ? ",[" : "[", sf);
        for (int i = 0; i < k; i++) fprintf(sf, i ? ",%ld" : "%ld", fr[i]);
        fputc(']', sf);
        int64_t w = sqlite3_column_int64(st, 1);
        fprintf(wf, n ? ",%lld" : "%lld", (long long)w);
        if (__builtin_add_overflow(*total, w, total)) {
            rc = cli_error("export", "the selected events' weights add up to more than %lld",
                           (long long)INT64_MAX);
            break;
        }
        n++;
    }
    if (!rc && sf && wf && step != SQLITE_DONE) rc = vt_sql_error("export", db, "reading events");
    sqlite3_finalize(st);
    if ((!sf || fclose(sf) != 0) | (!wf || fclose(wf) != 0)) rc = rc ? rc : cli_error("export", "out of memory");
    if (!rc && n == 0)
        rc = cli_error("export", "no stacks for the selected events (recorded without stacks, "
                                 "or no event of these kinds)");
    return rc;
}

/* Writes the opens and closes that turn stack PREV (NPREV frames) into CUR at time AT. */
static void transition(jbuf *jb, const long *prev, int nprev, const long *cur, int ncur, int64_t at, bool *first) {
    int common = 0;
    while (common < nprev && common < ncur && prev[common] == cur[common]) common++;
    for (int i = nprev - 1; i >= common; i--) {
        jbuf_str(jb, *first ? "\n{\"type\":\"C\",\"frame\":" : ",\n{\"type\":\"C\",\"frame\":");
        *first = false;
        jbuf_i64(jb, prev[i]);
        JB_LIT(jb, ",\"at\":");
        jbuf_i64(jb, at);
        jbuf_mem(jb, "}", 1);
    }
    for (int i = common; i < ncur; i++) {
        jbuf_str(jb, *first ? "\n{\"type\":\"O\",\"frame\":" : ",\n{\"type\":\"O\",\"frame\":");
        *first = false;
        jbuf_i64(jb, cur[i]);
        JB_LIT(jb, ",\"at\":");
        jbuf_i64(jb, at);
        jbuf_mem(jb, "}", 1);
    }
}

/* Ends goroutine GOID's evented profile at END: closes every open frame, writes the bounds. */
static void end_profile(jbuf *jb, int64_t goid, const long *stack, int depth, int64_t start, int64_t end, bool *first) {
    transition(jb, stack, depth, NULL, 0, end, first);
    JB_LIT(jb, "],\"name\":\"goroutine ");
    jbuf_i64(jb, goid);
    JB_LIT(jb, "\",\"startValue\":");
    jbuf_i64(jb, start);
    JB_LIT(jb, ",\"endValue\":");
    jbuf_i64(jb, end);
    jbuf_mem(jb, "}", 1);
}

/* One evented profile per goroutine, from its selected events in time order. */
static int evented(ss *s, sqlite3 *db, const char *filter) {
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT goid, ts_ns, stack_id FROM events WHERE goid IS NOT NULL AND "
             "stack_id IS NOT NULL AND %s ORDER BY goid, ts_ns, id", filter);
    sqlite3_stmt *st = vt_prepare("export", db, sql);
    if (!st) return GORT_EXIT_USAGE;
    long prev[256], cur[256];
    int nprev = 0, rc = 0, step;
    int64_t goid = -1, start = 0, last = 0;
    bool first = true;
    jbuf *jb = &s->jb;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t g = sqlite3_column_int64(st, 0), ts = sqlite3_column_int64(st, 1);
        int n = stack_frames(s, sqlite3_column_int64(st, 2), cur);
        if (n < 0) {
            rc = cli_error("export", "out of memory");
            break;
        }
        if (n == 0) continue;
        if (g != goid) {
            if (goid >= 0) end_profile(jb, goid, prev, nprev, start, last, &first);
            JB_LIT(jb, ",\n{\"type\":\"evented\",\"unit\":\"nanoseconds\",\"events\":[");
            first = true;
            goid = g;
            start = ts;
            nprev = 0;
        }
        transition(jb, prev, nprev, cur, n, ts, &first);
        memcpy(prev, cur, (size_t)n * sizeof *cur);
        nprev = n;
        last = ts;
    }
    if (!rc && goid >= 0) end_profile(jb, goid, prev, nprev, start, last, &first);
    if (!rc && step != SQLITE_DONE) rc = vt_sql_error("export", db, "reading events");
    sqlite3_finalize(st);
    return rc;
}

/* Writes the shared frames. */
static void write_frames(ss *s) {
    jbuf *jb = &s->jb;
    for (size_t i = 0; i < s->nfr; i++) {
        jbuf_str(jb, i ? ",\n{\"name\":" : "\n{\"name\":");
        jbuf_str(jb, s->fr[i].name);
        if (s->fr[i].file) {
            JB_LIT(jb, ",\"file\":");
            jbuf_str(jb, s->fr[i].file);
        }
        if (s->fr[i].line > 0) {
            JB_LIT(jb, ",\"line\":");
            jbuf_i64(jb, s->fr[i].line);
        }
        jbuf_mem(jb, "}", 1);
    }
}

/* Frees S's tables. */
static void ss_free(ss *s) {
    for (size_t i = 0; i < s->nrows; i++) free(s->row_key[i]);
    for (size_t i = 0; i < s->nfr; i++) {
        free(s->fr[i].name);
        free(s->fr[i].file);
    }
    free(s->row_key);
    free(s->row_keylen);
    free(s->row_line);
    free(s->row_ss);
    free(s->ent);
    free(s->fr);
    free(s->fr_key);
    free(s->fr_keylen);
    free(s->slot);
    idmap_free(&s->row_of);
    idmap_free(&s->stack);
}

/* Writes DB's selected stacks as a speedscope file to OUT: frames, the sampled profile, then an
 * evented profile per goroutine. Returns 0, or GORT_EXIT_USAGE after one error line (nothing
 * is written when the trace has no stacks for the selection). */
int speedscope_write(sqlite3 *db, const stack_query *q, const char *name, FILE *out) {
    ss s;
    memset(&s, 0, sizeof s);
    char filter[512];
    kind_filter(q, filter, sizeof filter);
    char *samples = NULL, *weights = NULL;
    size_t slen = 0, wlen = 0;
    int64_t total = 0;
    int rc = load_frames(&s, db);
    if (!rc) rc = load_stacks(&s, db);
    if (!rc) rc = sampled(&s, db, q, filter, &samples, &slen, &weights, &wlen, &total);
    if (!rc && !jbuf_init(&s.jb, out)) rc = cli_error("export", "out of memory");
    if (!rc) {
        jbuf *jb = &s.jb;
        jbuf_str(jb, "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\"exporter\":\"gort "
                     GORT_VERSION "\",\"name\":");
        jbuf_json_string(jb, name, strlen(name));
        JB_LIT(jb, ",\"activeProfileIndex\":0,\"shared\":{\"frames\":[");
        write_frames(&s);
        JB_LIT(jb, "]},\"profiles\":[{\"type\":\"sampled\",\"name\":\"all goroutines\",\"unit\":");
        jbuf_str(jb, q->weight_time ? "\"nanoseconds\"" : "\"none\"");
        JB_LIT(jb, ",\"startValue\":0,\"endValue\":");
        jbuf_i64(jb, total);
        JB_LIT(jb, ",\"samples\":[");
        jbuf_mem(jb, samples, slen);
        JB_LIT(jb, "],\"weights\":[");
        jbuf_mem(jb, weights, wlen);
        JB_LIT(jb, "]}");
        /* frames interned by the evented pass are all in the sampled one (same events) */
        rc = evented(&s, db, filter);
        JB_LIT(jb, "]}\n");
        if (!jbuf_finish(jb) && !rc) rc = cli_error("export", "cannot write the output");
    }
    free(samples);
    free(weights);
    ss_free(&s);
    return rc;
}
