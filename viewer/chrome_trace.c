/*
 * chrome_trace.c — a trace in the Trace Event Format (gort export --format chrome), the JSON
 * that Perfetto UI, chrome://tracing and the DevTools performance panel read.
 *
 * What a viewer draws is tracks of slices, and the format's one hard rule is that complete
 * ("X") slices on one track nest: each lies wholly inside the one it overlaps. gort's events
 * do not all fit one track per thread — the collector's stop-the-world pause for mark
 * termination starts inside the mark phase and ends after it — so the export gives each kind
 * of thing its own track, on which nesting holds by construction:
 *   - one process, the traced program's real pid (meta.pid; 1 for a trace without it), named
 *     by its command line;
 *   - a track per goroutine (tid GOROUTINE_TID + goid, named "goroutine N"): its deferred
 *     calls as slices "defer FN" (a goroutine runs one call at a time, so calls nest as they
 *     ran), each registration as a zero-length slice "deferproc FN" with a flow arrow to the
 *     call it registered (flow "s" at deferproc, "f" at the call's start, id = defer_id),
 *     and its map operations and other events as instants;
 *   - a track per OS thread (its tid, named "thread TID" and what ran on it): the collector's
 *     cycles "GC N" with their phases "mark" and "sweep" nested inside (a phase still open
 *     when its cycle ends is cut there), and events outside any goroutine;
 *   - a track "stop-the-world" (tid STW_TID): each pause, which stops every thread;
 *   - counters: "heap live" (bytes, before and after each cycle) and "map N" with series len
 *     and B, written whenever either changes;
 *   - each map's life as an async slice ("b"/"e", category "map", id = map id);
 *   - runs of lost events (the lost table) as slices "lost N events" on their thread, and the
 *     program's waits for the recorder (the stalls table) as slices "recorder stall" on the
 *     thread that waited: the time they take is the recorder's, not the program's.
 * Unfinished things (a cycle, phase, pause or deferred call still running when the trace
 * ends, a map alive at the end) end at the trace's last event: the one rule for durations
 * the trace does not close (docs/schema.md), and their args say "unfinished".
 * Times are microseconds with three decimals (every nanosecond kept).
 *
 * Speed: the events are read once, in id order (the recorder's merged time order), nine
 * integer columns a row and no join. A deferred call's function name (defers.fn) is read when
 * its registration comes, by walking the defers table forward in defer_id order alongside
 * (registrations come in nearly that order; one out of order is looked up by key), and kept
 * with the call until its end. Everything is appended to a jbuf (jbuf.c) from pieces
 * formatted once per kind, so a row costs about what SQLite spends producing it
 * (bench/b_4_viewer.sh measures export against a plain scan).
 *
 * Memory follows what is alive at once, not the trace's length nor the ids' spread: the pass
 * keeps a word per live map (its len and B, dropped at its mapfree), a few per deferred call
 * registered or running (dropped at its end), one per goroutine alive (named at its first
 * event, dropped at its goend), one per OS thread, and each distinct deferred function's
 * name once, in the tools' id hash table (cli/idmap.c; maps' dense ids in an array that grows
 * only while dense, idtab below). Everything else streams: SQLite's page cache is bounded
 * (trace_db.c) and the threads' names are built from a sorted scan. bench/b_3_tracer.sh
 * measures the peak heap.
 */
#include "viewer.h"

#include "cli.h"
#include "gort_record.h"

#include <stdlib.h>
#include <string.h>

/* Linux thread ids stay below 2^22 (PID_MAX_LIMIT): the synthetic tracks live above. */
#define STW_TID (INT64_C(1) << 22)
#define GOROUTINE_TID (INT64_C(1) << 22)  /* + goid (goroutine ids start at 1) */
#define THREAD_RAN_GC 2

typedef struct {
    bool open;
    int64_t start, mark, sweep;  /* -1: phase not open */
    int64_t cycle, trigger, tid;
} gc_cycle;

/* A table from ids to nonzero values for things that come and go (maps): the ids below n in
 * an array, as the recorder numbers things 1, 2, ... (a dense id costs one load, where a hash
 * lookup costs cache misses), any other id in the hash table. The array grows only while it
 * stays dense — to at most DENSE_MIN entries or 4 per live id — so memory follows the number
 * of live ids, never the ids' spread. An id below n may still be in the hash table (put there
 * before the array reached it): a lookup the array misses asks the table too. */
typedef struct {
    int64_t *v;
    size_t n;                    /* ids [0, n) have array slots (0: absent) */
    size_t live;                 /* ids present, in either part */
    idmap sparse;
} idtab;
#define DENSE_MIN (1u << 16)

/* Grows T's array to cover ID when it stays dense. False when it would not (or no memory). */
static bool idtab_cover(idtab *t, int64_t id) {
    size_t n = t->n ? t->n : 1024;
    while (n <= (size_t)id) n *= 2;
    size_t bound = 4 * (t->live + 1) > DENSE_MIN ? 4 * (t->live + 1) : DENSE_MIN;
    if (n > bound) return false;
    int64_t *v = realloc(t->v, n * sizeof *v);
    if (!v) return false;
    memset(v + t->n, 0, (n - t->n) * sizeof *v);
    t->v = v;
    t->n = n;
    return true;
}

/* The value slot of ID (0 when just inserted: the caller stores a nonzero value), inserted
 * when INSERT; NULL when absent or out of memory. */
static int64_t *idtab_get(idtab *t, int64_t id, bool insert) {
    if (id >= 0 && (size_t)id < t->n && t->v[id]) return &t->v[id];
    int64_t *s = t->sparse.used ? idmap_get(&t->sparse, id, false) : NULL;
    if (s || !insert) return s;
    if (id >= 0 && ((size_t)id < t->n || idtab_cover(t, id))) {
        t->live++;
        return &t->v[id];
    }
    if ((s = idmap_get(&t->sparse, id, true))) t->live++;
    return s;
}

/* Removes ID from T (nothing when absent). */
static void idtab_remove(idtab *t, int64_t id) {
    if (id >= 0 && (size_t)id < t->n && t->v[id]) {
        t->v[id] = 0;
        t->live--;
    } else if (t->sparse.used && idmap_get(&t->sparse, id, false)) {
        idmap_remove(&t->sparse, id);
        t->live--;
    }
}

/* Frees T. */
static void idtab_free(idtab *t) {
    free(t->v);
    idmap_free(&t->sparse);
    memset(t, 0, sizeof *t);
}

/* A deferred call the pass saw registered or started, until its end. */
typedef struct {
    int64_t start;               /* its deferreturn's time + 1; 0 while it has not started */
    int64_t track;               /* where it runs (once started) */
    uint32_t name;               /* its function: index + 1 in fnames; 0: not known here */
    uint32_t next_free;          /* the free list of the calls array: index + 1 */
} call;

/* A deferred function's name (defers.fn), held once however many calls it has. */
typedef struct {
    char *s;
    size_t n;
} fname;
#define MAX_FNAMES 4096          /* past this many names, a call's end reads its name from SQL */

typedef struct {
    jbuf jb;
    char pid[32];                /* "\"pid\":123," */
    size_t pidlen;
    char *kind_head[GORT_EV_MAX]; /* per kind: the start of its instant event, up to "tid" */
    size_t kind_head_len[GORT_EV_MAX];
    idmap threads;               /* OS tid -> 1 | THREAD_RAN_GC */
    idmap goroutines;            /* goid -> 1 from its first event (named then) to its goend */
    idtab maps;                  /* map_id -> (len << 8 | B) + 1, until its mapfree */
    idmap calls;                 /* defer_id -> index + 1 in call, from deferproc to its end */
    call *call;
    uint32_t ncall, capcall, free_call;
    idmap fname_ids;             /* hash of a name -> index + 1 in fnames */
    fname *fnames;
    uint32_t nfnames;
    sqlite3_stmt *fn_of;         /* defer_id -> defers.fn (NULL: the trace has no defers) */
    sqlite3_stmt *fn_walk;       /* defers in defer_id order, walked forward as ids come */
    int walk_rc;                 /* SQLITE_ROW: fn_walk is on a row; SQLITE_DONE; else error */
    int error;                   /* a failed SQL step of the pass (its code) */
    gc_cycle gc;
    int64_t stw_start;           /* -1: no pause open */
    int64_t end;                 /* the trace's last timestamp */
    int64_t last_tid, last_goid; /* already in threads and goroutines */
} chrome;

/* The category of instant events of kind K. */
static const char *kind_category(unsigned k) {
    if (k >= GORT_EV_makemap && k <= GORT_EV_maptype) return "map";
    if (k >= GORT_EV_deferproc && k <= GORT_EV_deferreturn_end) return "defer";
    if (k >= GORT_EV_gc_start && k <= GORT_EV_gc_end) return "gc";
    return "runtime";
}

/* Builds the per-kind event heads. False when out of memory. */
static bool make_kind_heads(chrome *c) {
    for (unsigned k = 0; k < GORT_EV_MAX; k++) {
        const char *name = gort_kind_name(k);
        char unknown[32];
        if (!name) {
            snprintf(unknown, sizeof unknown, "kind%u", k);
            name = unknown;
        }
        size_t n = strlen(name) + strlen(c->pid) + 64;
        if (!(c->kind_head[k] = malloc(n))) return false;
        snprintf(c->kind_head[k], n, ",\n{\"ph\":\"I\",\"cat\":\"%s\",\"name\":\"%s\",%s\"tid\":",
                 kind_category(k), name, c->pid);
        c->kind_head_len[k] = strlen(c->kind_head[k]);
    }
    return true;
}

/* Writes an event's process, track and time: `,"pid":P,"tid":TID,"ts":TS` (c->pid holds
 * `"pid":P,`). */
static void track_at(chrome *c, int64_t tid, int64_t ts) {
    jbuf *jb = &c->jb;
    jbuf_mem(jb, ",", 1);
    jbuf_mem(jb, c->pid, c->pidlen);
    JB_LIT(jb, "\"tid\":");
    jbuf_i64(jb, tid);
    JB_LIT(jb, ",\"ts\":");
    jbuf_us(jb, ts);
}

/* Starts an event: phase, category, name (a JSON string with its quotes), track and time. */
static void ev_head(chrome *c, const char *ph, const char *cat, const char *name_json, int64_t tid, int64_t ts) {
    jbuf *jb = &c->jb;
    JB_LIT(jb, ",\n{\"ph\":\"");
    jbuf_str(jb, ph);
    JB_LIT(jb, "\",\"cat\":\"");
    jbuf_str(jb, cat);
    JB_LIT(jb, "\",\"name\":");
    jbuf_str(jb, name_json);
    track_at(c, tid, ts);
}

/* Writes a complete slice [START, END) on TID; ARGS is a JSON object's inside or NULL. */
static void slice(chrome *c, const char *cat, const char *name_json, int64_t tid, int64_t start, int64_t end,
                  const char *args) {
    ev_head(c, "X", cat, name_json, tid, start);
    JB_LIT(&c->jb, ",\"dur\":");
    jbuf_us(&c->jb, end > start ? end - start : 0);
    if (args) {
        JB_LIT(&c->jb, ",\"args\":{");
        jbuf_str(&c->jb, args);
        jbuf_mem(&c->jb, "}", 1);
    }
    jbuf_mem(&c->jb, "}", 1);
}

/* Writes one metadata event NAME (process_name, thread_name, ...) with args {KEY: VALUE}. */
static void meta_event(chrome *c, const char *name, int64_t tid, const char *key, const char *value_json) {
    jbuf *jb = &c->jb;
    JB_LIT(jb, ",\n{\"ph\":\"M\",\"name\":\"");
    jbuf_str(jb, name);
    JB_LIT(jb, "\",");
    jbuf_mem(jb, c->pid, c->pidlen);
    JB_LIT(jb, "\"tid\":");
    jbuf_i64(jb, tid);
    JB_LIT(jb, ",\"args\":{\"");
    jbuf_str(jb, key);
    JB_LIT(jb, "\":");
    jbuf_str(jb, value_json);
    JB_LIT(jb, "}}");
}

/* Writes the slice name "PREFIX FN" as a JSON string; FN (N bytes) is a deferred function's
 * name, NULL when unknown ("?"). Names are written as they are when nothing in them needs
 * escaping (the rule), else through the one JSON escaper (text.c). */
static void defer_name(chrome *c, const char *prefix, const char *fn, size_t n) {
    if (!fn || n > 256) { /* unknown, or too long to be a name worth drawing */
        fn = "?";
        n = 1;
    }
    char name[288];
    size_t pl = strlen(prefix);
    memcpy(name, prefix, pl);
    name[pl] = ' ';
    memcpy(name + pl + 1, fn, n);
    n += pl + 1;
    bool plain = true;
    for (size_t i = pl + 1; i < n && plain; i++) {
        unsigned char ch = (unsigned char)name[i];
        plain = ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\';
    }
    if (!plain) {
        jbuf_json_string(&c->jb, name, n);
        return;
    }
    jbuf_mem(&c->jb, "\"", 1);
    jbuf_mem(&c->jb, name, n);
    jbuf_mem(&c->jb, "\"", 1);
}

/* Starts a slice of deferred call DEFER_ID named "PREFIX FN" at (TID, TS), like ev_head. */
static void defer_head(chrome *c, const char *prefix, const char *fn, size_t n, int64_t tid, int64_t ts) {
    jbuf *jb = &c->jb;
    JB_LIT(jb, ",\n{\"ph\":\"X\",\"cat\":\"defer\",\"name\":");
    defer_name(c, prefix, fn, n);
    track_at(c, tid, ts);
}

/* ---- deferred calls: their functions' names and the calls running ------------------------
 * A deferred call's name is defers.fn. Registrations come in nearly increasing defer_id order
 * (ids are given as calls are registered), so their names are read by walking the defers
 * table forward in that order (fn_walk: each row read once); an id behind the walk is looked
 * up by key (fn_of). The name is kept with the call until its end (interned: a program has few
 * deferred functions), so an end needs no SQL unless its registration was not seen. */

/* FNV-1a of S[0..N): the key of a name in fname_ids. */
static int64_t name_hash(const char *s, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    return (int64_t)h;
}

/* The index + 1 of name S (N bytes) in fnames, added if new; 0 when it cannot be kept (too
 * many names, a hash shared with another name, out of memory): then the call's end asks SQL. */
static uint32_t intern_fname(chrome *c, const char *s, size_t n) {
    if (!s) return 0;
    int64_t *slot = idmap_get(&c->fname_ids, name_hash(s, n), c->nfnames < MAX_FNAMES);
    if (!slot) return 0;
    if (*slot) {
        fname *f = &c->fnames[*slot - 1];
        return f->n == n && !memcmp(f->s, s, n) ? (uint32_t)*slot : 0;
    }
    if (c->nfnames % 64 == 0) {
        fname *g = realloc(c->fnames, (c->nfnames + 64) * sizeof *g);
        if (!g) return 0;
        c->fnames = g;
    }
    char *copy = malloc(n ? n : 1);
    if (!copy) return 0;
    memcpy(copy, s, n);
    c->fnames[c->nfnames] = (fname){ copy, n };
    *slot = ++c->nfnames;
    return (uint32_t)*slot;
}

/* Looks up deferred call DEFER_ID's name by key: *FN (N bytes) valid until fn_of's reset; NULL
 * when the trace has no name for it. Returns the step's code (SQLITE_ROW or SQLITE_DONE). */
static int fn_by_key(chrome *c, int64_t defer_id, const char **fn, size_t *n) {
    *fn = NULL;
    *n = 0;
    if (!c->fn_of) return SQLITE_DONE;
    sqlite3_reset(c->fn_of);
    sqlite3_bind_int64(c->fn_of, 1, defer_id);
    int rc = sqlite3_step(c->fn_of);
    if (rc == SQLITE_ROW) {
        *fn = (const char *)sqlite3_column_text(c->fn_of, 0);
        *n = (size_t)sqlite3_column_bytes(c->fn_of, 0);
    }
    return rc;
}

/* Deferred call DEFER_ID's name, from the forward walk when DEFER_ID is at or after it, else
 * by key; as fn_by_key. */
static int fn_of_registered(chrome *c, int64_t defer_id, const char **fn, size_t *n) {
    *fn = NULL;
    *n = 0;
    if (!c->fn_walk || c->walk_rc != SQLITE_ROW || defer_id < sqlite3_column_int64(c->fn_walk, 0))
        return c->walk_rc == SQLITE_ROW || c->walk_rc == SQLITE_DONE ? fn_by_key(c, defer_id, fn, n) : c->walk_rc;
    while (c->walk_rc == SQLITE_ROW && sqlite3_column_int64(c->fn_walk, 0) < defer_id)
        c->walk_rc = sqlite3_step(c->fn_walk);
    if (c->walk_rc == SQLITE_ROW && sqlite3_column_int64(c->fn_walk, 0) == defer_id) {
        *fn = (const char *)sqlite3_column_text(c->fn_walk, 1);
        *n = (size_t)sqlite3_column_bytes(c->fn_walk, 1);
        return SQLITE_ROW;
    }
    return c->walk_rc;
}

/* The state of deferred call DEFER_ID, created (zeroed) when INSERT; NULL when absent or out
 * of memory. */
static call *find_call(chrome *c, int64_t defer_id, bool insert) {
    int64_t *slot = idmap_get(&c->calls, defer_id, insert);
    if (!slot) return NULL;
    if (*slot) return &c->call[*slot - 1];
    uint32_t i;
    if (c->free_call) {
        i = c->free_call - 1;
        c->free_call = c->call[i].next_free;
    } else {
        if (c->ncall == c->capcall) {
            uint32_t cap = c->capcall ? c->capcall * 2 : 256;
            call *g = realloc(c->call, cap * sizeof *g);
            if (!g) {
                idmap_remove(&c->calls, defer_id);
                return NULL;
            }
            c->call = g;
            c->capcall = cap;
        }
        i = c->ncall++;
    }
    c->call[i] = (call){ 0, 0, 0, 0 };
    *slot = (int64_t)i + 1;
    return &c->call[i];
}

/* Forgets deferred call DEFER_ID (it ended). */
static void drop_call(chrome *c, int64_t defer_id) {
    int64_t *slot = idmap_get(&c->calls, defer_id, false);
    if (!slot) return;
    uint32_t i = (uint32_t)(*slot - 1);
    c->call[i].next_free = c->free_call;
    c->free_call = i + 1;
    idmap_remove(&c->calls, defer_id);
}

/* Deferred call CL's (DEFER_ID) name: interned when its registration was seen, else from
 * SQL by key (valid until the next lookup); as fn_by_key. */
static int fn_of_call(chrome *c, const call *cl, int64_t defer_id, const char **fn, size_t *n) {
    if (cl && cl->name) {
        *fn = c->fnames[cl->name - 1].s;
        *n = c->fnames[cl->name - 1].n;
        return SQLITE_ROW;
    }
    return fn_by_key(c, defer_id, fn, n);
}

/* A flow event ("s" or "f") of deferred call DEFER_ID bound to the slice at (TID, TS). */
static void flow(chrome *c, const char *ph, int64_t defer_id, int64_t tid, int64_t ts) {
    ev_head(c, ph, "defer", "\"defer\"", tid, ts);
    JB_LIT(&c->jb, ",\"id\":");
    jbuf_i64(&c->jb, defer_id);
    if (ph[0] == 'f') JB_LIT(&c->jb, ",\"bp\":\"e\"");
    jbuf_mem(&c->jb, "}", 1);
}

/* Registration of a deferred call (its function FN, N bytes): a zero-length slice and the
 * start of its flow. */
static void on_deferproc(chrome *c, int64_t defer_id, const char *fn, size_t n, int64_t tid, int64_t ts) {
    defer_head(c, "deferproc", fn, n, tid, ts);
    JB_LIT(&c->jb, ",\"dur\":0,\"args\":{\"defer_id\":");
    jbuf_i64(&c->jb, defer_id);
    JB_LIT(&c->jb, "}}");
    flow(c, "s", defer_id, tid, ts);
}

/* A deferred call of FN (N bytes) from START to END on TID, the end of its flow at its start. */
static void deferred_call(chrome *c, int64_t defer_id, const char *fn, size_t n, int64_t tid, int64_t start,
                          int64_t end, bool unfinished) {
    defer_head(c, "defer", fn, n, tid, start);
    JB_LIT(&c->jb, ",\"dur\":");
    jbuf_us(&c->jb, end > start ? end - start : 0);
    JB_LIT(&c->jb, ",\"args\":{\"defer_id\":");
    jbuf_i64(&c->jb, defer_id);
    if (unfinished) JB_LIT(&c->jb, ",\"unfinished\":1");
    JB_LIT(&c->jb, "}}");
    flow(c, "f", defer_id, tid, start);
}

/* Writes the counter "map N" when its len or B changed; LEN or B < 0 keeps the old value. */
static void map_counter(chrome *c, int64_t map_id, int64_t len, int64_t b, int64_t ts) {
    int64_t *s = idtab_get(&c->maps, map_id, true);
    if (!s) return;
    int64_t old_len = *s ? (*s - 1) >> 8 : 0, old_b = *s ? (*s - 1) & 0xff : 0;
    if (len < 0) len = old_len;
    if (b < 0 || b > 0xff) b = old_b;
    int64_t v = (len << 8 | b) + 1;
    if (v == *s) return;
    *s = v;
    jbuf *jb = &c->jb;
    JB_LIT(jb, ",\n{\"ph\":\"C\",\"name\":\"map ");
    jbuf_i64(jb, map_id);
    JB_LIT(jb, "\",");
    jbuf_mem(jb, c->pid, c->pidlen);
    JB_LIT(jb, "\"ts\":");
    jbuf_us(jb, ts);
    JB_LIT(jb, ",\"args\":{\"len\":");
    jbuf_i64(jb, len);
    JB_LIT(jb, ",\"B\":");
    jbuf_i64(jb, b);
    JB_LIT(jb, "}}");
}

/* Writes the "heap live" counter at TS. */
static void heap_counter(chrome *c, int64_t ts, int64_t bytes) {
    jbuf *jb = &c->jb;
    JB_LIT(jb, ",\n{\"ph\":\"C\",\"name\":\"heap live\",");
    jbuf_mem(jb, c->pid, c->pidlen);
    JB_LIT(jb, "\"ts\":");
    jbuf_us(jb, ts);
    JB_LIT(jb, ",\"args\":{\"bytes\":");
    jbuf_i64(jb, bytes);
    JB_LIT(jb, "}}");
}

/* Closes the open GC phases at TS, then the cycle (with heap figures, when known). */
static void close_cycle(chrome *c, int64_t ts, bool unfinished, const char *args) {
    gc_cycle *g = &c->gc;
    char extra[48];
    snprintf(extra, sizeof extra, "\"cycle\":%lld%s", (long long)g->cycle, unfinished ? ",\"unfinished\":1" : "");
    if (g->mark >= 0) slice(c, "gc", "\"mark\"", g->tid, g->mark, ts, extra);
    if (g->sweep >= 0) slice(c, "gc", "\"sweep\"", g->tid, g->sweep, ts, extra);
    g->mark = g->sweep = -1;
    char name[48], all[256];
    snprintf(name, sizeof name, "\"GC %lld\"", (long long)g->cycle);
    snprintf(all, sizeof all, "%s,\"trigger\":\"%s\"%s%s", extra, g->trigger == 2 ? "forced" : "heap",
             args ? "," : "", args ? args : "");
    slice(c, "gc", name, g->tid, g->start, ts, all);
    g->open = false;
}

/* The collector's events: cycles with nested phases, and the pauses on their own track. */
static void on_gc(chrome *c, unsigned kind, int64_t tid, int64_t ts, int64_t map_id, int64_t arg0, int64_t arg1,
                  int64_t dur) {
    gc_cycle *g = &c->gc;
    int64_t *t = idmap_get(&c->threads, tid, true);
    if (t) *t |= THREAD_RAN_GC;
    char args[128];
    switch (kind) {
    case GORT_EV_gc_start:
        if (g->open) close_cycle(c, ts, true, NULL);
        *g = (gc_cycle){ true, ts, -1, -1, arg0, arg1, tid };
        break;
    case GORT_EV_gc_mark_start:
        if (g->open) g->mark = ts;
        break;
    case GORT_EV_gc_mark_termination:
        if (g->open && g->mark >= 0) {
            snprintf(args, sizeof args, "\"cycle\":%lld", (long long)g->cycle);
            slice(c, "gc", "\"mark\"", g->tid, g->mark, ts, args);
            g->mark = -1;
        }
        break;
    case GORT_EV_gc_sweep_start:
        if (g->open) g->sweep = ts;
        break;
    case GORT_EV_gc_sweep_done:
        if (g->open && g->sweep >= 0) {
            snprintf(args, sizeof args, "\"cycle\":%lld,\"objects_freed\":%lld,\"bytes_freed\":%lld",
                     (long long)g->cycle, (long long)arg0, (long long)arg1);
            slice(c, "gc", "\"sweep\"", g->tid, g->sweep, ts, args);
            g->sweep = -1;
        }
        break;
    case GORT_EV_gc_end:
        if (!g->open) break;
        snprintf(args, sizeof args, "\"heap_before\":%lld,\"heap_after\":%lld,\"maps_freed\":%lld",
                 (long long)arg0, (long long)arg1, (long long)(map_id > 0 ? map_id : 0));
        heap_counter(c, g->start, arg0);
        heap_counter(c, ts, arg1);
        close_cycle(c, ts, false, args);
        break;
    case GORT_EV_stw_start:
        c->stw_start = ts;
        break;
    case GORT_EV_stw_end: {
        int64_t start = dur > 0 ? ts - dur : c->stw_start >= 0 ? c->stw_start : ts;
        slice(c, "gc", arg0 == 1 ? "\"stop-the-world (sweep termination)\"" : "\"stop-the-world (mark termination)\"",
              STW_TID, start, ts, arg0 == 1 ? "\"reason\":\"sweep termination\"" : "\"reason\":\"mark termination\"");
        c->stw_start = -1;
        break;
    }
    }
}

/* An instant event of kind K on TID with the row's ids and arguments (thread-scoped: the
 * format's default scope; the goroutine is the track's). */
static void instant(chrome *c, unsigned k, int64_t tid, int64_t ts, int64_t map_id, int64_t defer_id,
                    int64_t arg0, int64_t arg1) {
    jbuf *jb = &c->jb;
    jbuf_mem(jb, c->kind_head[k], c->kind_head_len[k]);
    jbuf_i64(jb, tid);
    JB_LIT(jb, ",\"ts\":");
    jbuf_us(jb, ts);
    JB_LIT(jb, ",\"args\":{");
    if (map_id >= 0) {
        JB_LIT(jb, "\"map_id\":");
        jbuf_i64(jb, map_id);
        jbuf_mem(jb, ",", 1);
    }
    if (defer_id >= 0) {
        JB_LIT(jb, "\"defer_id\":");
        jbuf_i64(jb, defer_id);
        jbuf_mem(jb, ",", 1);
    }
    JB_LIT(jb, "\"arg0\":");
    jbuf_i64(jb, arg0);
    JB_LIT(jb, ",\"arg1\":");
    jbuf_i64(jb, arg1);
    JB_LIT(jb, "}}");
}

/* Keeps each map's len and B as the map events report them (docs/schema.md, Event kinds); a
 * freed map's are forgotten after its last counter. */
static void track_map(chrome *c, unsigned k, int64_t map_id, int64_t ts, int64_t arg0, int64_t arg1) {
    if (map_id <= 0) return;
    switch (k) {
    case GORT_EV_makemap: map_counter(c, map_id, 0, arg1, ts); break;
    case GORT_EV_mapassign:
    case GORT_EV_mapdelete: map_counter(c, map_id, arg1, -1, ts); break;
    case GORT_EV_mapfree:
        map_counter(c, map_id, arg1, -1, ts);
        idtab_remove(&c->maps, map_id);
        break;
    case GORT_EV_mapclear: map_counter(c, map_id, 0, -1, ts); break;
    case GORT_EV_hashgrow:
    case GORT_EV_growdone: map_counter(c, map_id, -1, arg0, ts); break;
    }
}

/* Columns of the pass. A NULL reads as 0 (sqlite3_column_int64's value for it), which is no id:
 * goroutine and defer ids start at 1, and a map kind always has its map (0 being the nil map)
 * where other kinds have none. So no column_type (nor coalesce) per cell. */
enum { C_TS, C_TID, C_GOID, C_KIND, C_MAP, C_DEFER, C_ARG0, C_ARG1, C_DUR };

/* Names goroutine GOID's track (and places it by goid), when its first event is seen. */
static void name_goroutine(chrome *c, int64_t goid) {
    char name[48], sort[24];
    snprintf(name, sizeof name, "\"goroutine %lld\"", (long long)goid);
    meta_event(c, "thread_name", GOROUTINE_TID + goid, "name", name);
    snprintf(sort, sizeof sort, "%lld", (long long)goid);
    meta_event(c, "thread_sort_index", GOROUTINE_TID + goid, "sort_index", sort);
}

/* Notes goroutine GOID's event of kind K: its track is named at its first event and forgotten
 * at its goend (a goroutine id is never reused; should one show again, its name is written
 * again, the same). */
static void see_goroutine(chrome *c, int64_t goid, unsigned k) {
    if (goid != c->last_goid) { /* runs of one goroutine's events: one lookup per run */
        int64_t *g = idmap_get(&c->goroutines, goid, true);
        if (g && !*g) {
            *g = 1;
            name_goroutine(c, goid);
        }
        c->last_goid = goid;
    }
    if (k == GORT_EV_goend) {
        idmap_remove(&c->goroutines, goid);
        c->last_goid = -1;
    }
}

/* One event of the pass. */
static void on_event(chrome *c, sqlite3_stmt *st) {
    int64_t ts = sqlite3_column_int64(st, C_TS), tid = sqlite3_column_int64(st, C_TID);
    int64_t goid = sqlite3_column_int64(st, C_GOID), k64 = sqlite3_column_int64(st, C_KIND);
    int64_t map_id = sqlite3_column_int64(st, C_MAP), defer_id = sqlite3_column_int64(st, C_DEFER);
    if (goid <= 0) goid = -1; /* -1: none */
    if (defer_id <= 0) defer_id = -1;
    if (!(k64 >= GORT_EV_makemap && k64 <= GORT_EV_maptype) && map_id == 0) map_id = -1;
    int64_t arg0 = sqlite3_column_int64(st, C_ARG0), arg1 = sqlite3_column_int64(st, C_ARG1);
    if (ts > c->end) c->end = ts;
    if (tid != c->last_tid) { /* runs of one thread's events: one lookup per run */
        int64_t *t = idmap_get(&c->threads, tid, true);
        if (t && !*t) *t = 1;
        c->last_tid = tid;
    }
    unsigned k = k64 >= 0 && k64 < GORT_EV_MAX ? (unsigned)k64 : 0;
    if (goid >= 0) see_goroutine(c, goid, k);
    int64_t track = goid >= 0 ? GOROUTINE_TID + goid : tid;
    const char *fn = NULL;
    size_t n = 0;
    int rc = SQLITE_DONE;
    switch (k) {
    case GORT_EV_deferproc: {
        if (defer_id > 0) rc = fn_of_registered(c, defer_id, &fn, &n);
        call *cl = defer_id > 0 ? find_call(c, defer_id, true) : NULL;
        if (cl) cl->name = intern_fname(c, fn, n);
        on_deferproc(c, defer_id, fn, n, track, ts);
        break;
    }
    case GORT_EV_deferreturn: {
        call *cl = defer_id > 0 ? find_call(c, defer_id, true) : NULL;
        if (cl) {
            cl->start = ts + 1; /* +1: 0 means "not started" */
            cl->track = track;
        }
        return;
    }
    case GORT_EV_deferreturn_end: {
        int64_t dur = sqlite3_column_int64(st, C_DUR);
        call *cl = defer_id > 0 ? find_call(c, defer_id, false) : NULL;
        int64_t start = dur > 0 ? ts - dur : cl && cl->start ? cl->start - 1 : ts;
        if (defer_id > 0) rc = fn_of_call(c, cl, defer_id, &fn, &n);
        deferred_call(c, defer_id, fn, n, track, start, ts, false);
        if (cl) drop_call(c, defer_id);
        break;
    }
    case GORT_EV_gc_start: case GORT_EV_stw_start: case GORT_EV_stw_end: case GORT_EV_gc_mark_start:
    case GORT_EV_gc_mark_termination: case GORT_EV_gc_sweep_start: case GORT_EV_gc_sweep_done:
    case GORT_EV_gc_end:
        on_gc(c, k, tid, ts, map_id, arg0, arg1, sqlite3_column_int64(st, C_DUR));
        return;
    case GORT_EV_cpu_sample: case GORT_EV_lost: case GORT_EV_name:
        return; /* samples go to speedscope; lost runs come from the lost table */
    default:
        goto instant_event;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE && !c->error) c->error = rc;
    return;
instant_event:
    if (k64 != (int64_t)k) k = 0; /* an unknown number: written as "kind0"'s head would lie */
    instant(c, k ? k : (unsigned)(k64 & (GORT_EV_MAX - 1)), track, ts, map_id, defer_id, arg0, arg1);
    track_map(c, k, map_id, ts, arg0, arg1);
}

/* Closes what the trace left open, at its end: the collector's cycle and pause, and each
 * deferred call that started and did not end. */
static int close_unfinished(chrome *c, sqlite3 *db) {
    if (c->gc.open) close_cycle(c, c->end, true, NULL);
    if (c->stw_start >= 0)
        slice(c, "gc", "\"stop-the-world\"", STW_TID, c->stw_start, c->end, "\"unfinished\":1");
    idmap *m = &c->calls;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->full[i]) continue;
        const call *cl = &c->call[m->vals[i] - 1];
        if (!cl->start) continue; /* registered, never run: no slice */
        const char *fn;
        size_t n;
        int rc = fn_of_call(c, cl, m->keys[i], &fn, &n);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) return vt_sql_error("export", db, "reading defers");
        deferred_call(c, m->keys[i], fn, n, cl->track, cl->start - 1, c->end, true);
    }
    return 0;
}

/* Runs of lost events (the lost table) as slices on their thread. */
static int write_lost(chrome *c, sqlite3 *db) {
    if (!vt_has_table(db, "lost")) return 0;
    sqlite3_stmt *st = vt_prepare("export", db,
        "SELECT tid, first_ns, coalesce(last_ns, first_ns), count FROM lost WHERE first_ns IS NOT NULL");
    if (!st) return GORT_EXIT_USAGE;
    int rc;
    char name[64], args[48];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t tid = sqlite3_column_int64(st, 0);
        snprintf(name, sizeof name, "\"lost %lld events\"", (long long)sqlite3_column_int64(st, 3));
        snprintf(args, sizeof args, "\"count\":%lld", (long long)sqlite3_column_int64(st, 3));
        slice(c, "lost", name, tid, sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2), args);
        int64_t *t = idmap_get(&c->threads, tid, true);
        if (t && !*t) *t = 1;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : vt_sql_error("export", db, "reading lost events");
}

/* The program's waits for the recorder (the stalls table; absent in older traces) as slices
 * "recorder stall" on the thread that waited. A wait lies between two events of its thread
 * (it follows the event that waited, and the thread's next event is stamped after it), so it
 * nests with every slice on that track. */
static int write_stalls(chrome *c, sqlite3 *db) {
    if (!vt_has_table(db, "stalls")) return 0;
    sqlite3_stmt *st = vt_prepare("export", db, "SELECT tid, start_ns, end_ns FROM stalls ORDER BY start_ns");
    if (!st) return GORT_EXIT_USAGE;
    int rc;
    char args[48];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t tid = sqlite3_column_int64(st, 0), start = sqlite3_column_int64(st, 1);
        int64_t end = sqlite3_column_int64(st, 2);
        snprintf(args, sizeof args, "\"waited_ns\":%lld", (long long)(end > start ? end - start : 0));
        slice(c, "recorder", "\"recorder stall\"", tid, start, end, args);
        int64_t *t = idmap_get(&c->threads, tid, true);
        if (t && !*t) *t = 1;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : vt_sql_error("export", db, "reading recorder stalls");
}

/* Each map's life as an async slice, from creation (or its first event) to death (or the end). */
static int write_map_lives(chrome *c, sqlite3 *db) {
    sqlite3_stmt *st = vt_prepare("export", db,
        "SELECT map_id, created_ns, died_ns, coalesce(death_cause, 'alive at end'), "
        "coalesce(key_kind, '?') FROM maps WHERE created_ns IS NOT NULL ORDER BY map_id");
    if (!st) return GORT_EXIT_USAGE;
    int rc;
    char name[64];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        bool alive = sqlite3_column_type(st, 2) == SQLITE_NULL;
        int64_t end = alive ? c->end : sqlite3_column_int64(st, 2);
        snprintf(name, sizeof name, "\"map %lld\"", (long long)id);
        ev_head(c, "b", "map", name, 0, sqlite3_column_int64(st, 1));
        JB_LIT(&c->jb, ",\"id\":");
        jbuf_i64(&c->jb, id);
        JB_LIT(&c->jb, ",\"args\":{\"key_kind\":");
        jbuf_json_string(&c->jb, (const char *)sqlite3_column_text(st, 4), (size_t)sqlite3_column_bytes(st, 4));
        JB_LIT(&c->jb, "}}");
        ev_head(c, "e", "map", name, 0, end);
        JB_LIT(&c->jb, ",\"id\":");
        jbuf_i64(&c->jb, id);
        JB_LIT(&c->jb, ",\"args\":{\"death\":");
        jbuf_json_string(&c->jb, (const char *)sqlite3_column_text(st, 3), (size_t)sqlite3_column_bytes(st, 3));
        jbuf_str(&c->jb, alive ? ",\"unfinished\":1}}" : "}}");
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : vt_sql_error("export", db, "reading maps");
}

/* The first event of the file: the process's name, "gort: COMMAND" (meta.command). */
static int write_process_name(chrome *c, sqlite3 *db) {
    sqlite3_stmt *st = vt_prepare("export", db,
        "SELECT value FROM meta WHERE key IN ('command', 'program') AND value IS NOT NULL ORDER BY key LIMIT 1");
    if (!st) return GORT_EXIT_USAGE;
    const char *v = sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    JB_LIT(&c->jb, "\n{\"ph\":\"M\",\"name\":\"process_name\",");
    jbuf_mem(&c->jb, c->pid, c->pidlen);
    JB_LIT(&c->jb, "\"tid\":0,\"args\":{\"name\":");
    char label[512];
    snprintf(label, sizeof label, "gort: %s", v ? v : "trace");
    jbuf_json_string(&c->jb, label, strlen(label));
    JB_LIT(&c->jb, "}}");
    sqlite3_finalize(st);
    return 0;
}

/* Appends GOID to the list LIST (LEN bytes so far) of a thread's goroutines, "1, 2, 3", cut
 * at 60 bytes (a thread that ran thousands is named by its first few). */
static void list_goroutine(char *list, size_t *len, int64_t goid) {
    char one[32];
    int n = snprintf(one, sizeof one, "%s%lld", *len ? ", " : "", (long long)goid);
    for (int i = 0; i < n && *len < 60; i++) list[(*len)++] = one[i];
    list[*len] = 0;
}

/* Names thread TID (in the threads table) "thread TID: goroutine LIST" with ", GC" when the
 * collector ran there, and marks it named. */
static void name_thread_of_goroutines(chrome *c, idmap *named, int64_t tid, const char *list) {
    int64_t *t = idmap_get(&c->threads, tid, false);
    if (!t || !*list) return;
    char name[128];
    snprintf(name, sizeof name, "\"thread %lld: goroutine %s%s\"", (long long)tid, list,
             *t & THREAD_RAN_GC ? ", GC" : "");
    meta_event(c, "thread_name", tid, "name", name);
    int64_t *n = idmap_get(named, tid, true);
    if (n) *n = 1;
}

/* Names and orders the OS threads' tracks, after the pass found them (the goroutines' tracks
 * were named as the pass met them): "thread TID" and what ran on it (the goroutines table's
 * tid, the collector), in order of first appearance; stop-the-world last. The goroutines are
 * read in (tid, goid) order, a sort SQLite bounds in memory (temp_store = FILE). */
static int write_track_names(chrome *c, sqlite3 *db) {
    char name[128], sort[24], list[64] = "";
    sqlite3_stmt *st = vt_prepare("export", db,
        "SELECT tid, goid FROM goroutines WHERE tid IS NOT NULL ORDER BY tid, goid");
    if (!st) return GORT_EXIT_USAGE;
    idmap named = { 0 };
    int rc;
    int64_t cur = 0;
    size_t len = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t tid = sqlite3_column_int64(st, 0);
        if (len && tid != cur) {
            name_thread_of_goroutines(c, &named, cur, list);
            len = 0;
        }
        cur = tid;
        if (len < 60) list_goroutine(list, &len, sqlite3_column_int64(st, 1));
    }
    if (len) name_thread_of_goroutines(c, &named, cur, list);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        idmap_free(&named);
        return vt_sql_error("export", db, "reading goroutines");
    }
    for (size_t i = 0; i < c->threads.cap; i++) {
        if (!c->threads.full[i]) continue;
        int64_t tid = c->threads.keys[i];
        snprintf(sort, sizeof sort, "%lld", (long long)(1000000 + i));
        meta_event(c, "thread_sort_index", tid, "sort_index", sort);
        if (idmap_get(&named, tid, false)) continue;
        if (tid == 0) snprintf(name, sizeof name, "\"threads without a buffer\"");
        else snprintf(name, sizeof name, "\"thread %lld%s\"", (long long)tid,
                      c->threads.vals[i] & THREAD_RAN_GC ? ": GC" : "");
        meta_event(c, "thread_name", tid, "name", name);
    }
    idmap_free(&named);
    meta_event(c, "thread_name", STW_TID, "name", "\"stop-the-world\"");
    meta_event(c, "thread_sort_index", STW_TID, "sort_index", "2000000000");
    return 0;
}

/* The program's pid from meta (1 when the trace has none). */
static void read_pid(chrome *c, sqlite3 *db) {
    int64_t pid = vt_int(db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'pid'", 1);
    snprintf(c->pid, sizeof c->pid, "\"pid\":%lld,", (long long)(pid > 0 ? pid : 1));
    c->pidlen = strlen(c->pid);
}

/* The pass over every event; a deferred call's registration and end bring its function's
 * name (defers.fn, a lookup by primary key only for those two kinds). */
static int write_events(chrome *c, sqlite3 *db) {
    sqlite3_stmt *st = vt_prepare("export", db,
        "SELECT ts_ns, tid, goid, kind_id, map_id, defer_id, arg0, arg1, dur_ns FROM events ORDER BY id");
    if (!st) return GORT_EXIT_USAGE;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && !c->error) on_event(c, st);
    sqlite3_finalize(st);
    if (c->error) return vt_sql_error("export", db, "reading defers");
    return rc == SQLITE_DONE ? 0 : vt_sql_error("export", db, "reading events");
}

/* Frees C's tables and statement. */
static void chrome_free(chrome *c) {
    for (unsigned k = 0; k < GORT_EV_MAX; k++) free(c->kind_head[k]);
    idmap_free(&c->threads);
    idmap_free(&c->goroutines);
    idtab_free(&c->maps);
    idmap_free(&c->calls);
    free(c->call);
    idmap_free(&c->fname_ids);
    for (uint32_t i = 0; i < c->nfnames; i++) free(c->fnames[i].s);
    free(c->fnames);
    sqlite3_finalize(c->fn_of);
    sqlite3_finalize(c->fn_walk);
    c->fn_of = c->fn_walk = NULL;
}

/* Prepares the two ways to a deferred call's function name (by key, and the forward walk
 * started on its first row), when the trace has defers. */
static int prepare_fn_of(chrome *c, sqlite3 *db) {
    c->walk_rc = SQLITE_DONE;
    if (!vt_has_table(db, "defers")) return 0;
    c->fn_of = vt_prepare("export", db, "SELECT fn FROM defers WHERE defer_id = ?");
    if (!c->fn_of) return GORT_EXIT_USAGE;
    c->fn_walk = vt_prepare("export", db, "SELECT defer_id, fn FROM defers ORDER BY defer_id");
    if (!c->fn_walk) return GORT_EXIT_USAGE;
    c->walk_rc = sqlite3_step(c->fn_walk);
    return c->walk_rc == SQLITE_ROW || c->walk_rc == SQLITE_DONE ? 0 : vt_sql_error("export", db, "reading defers");
}

/* Writes DB as one Trace Event Format document to OUT: the process's name, the pass over the
 * events (which names each goroutine's track at its first event), what they left unfinished,
 * lost runs, recorder stalls, map lives, then the threads' names (known only after the pass).
 * Returns 0, or GORT_EXIT_USAGE after one error line. */
int chrome_trace_write(sqlite3 *db, FILE *out) {
    chrome c;
    memset(&c, 0, sizeof c);
    c.stw_start = -1;
    c.end = 0;
    c.last_tid = c.last_goid = -1;
    c.gc.mark = c.gc.sweep = -1;
    read_pid(&c, db);
    if (!jbuf_init(&c.jb, out) || !make_kind_heads(&c)) {
        chrome_free(&c);
        jbuf_finish(&c.jb);
        return cli_error("export", "out of memory");
    }
    jbuf_str(&c.jb, "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"exporter\":\"gort " GORT_VERSION "\"},"
                    "\"traceEvents\":[");
    int rc = write_process_name(&c, db);
    if (!rc) rc = prepare_fn_of(&c, db);
    if (!rc) rc = write_events(&c, db);
    if (!rc) rc = close_unfinished(&c, db);
    if (!rc) rc = write_lost(&c, db);
    if (!rc) rc = write_stalls(&c, db);
    if (!rc) rc = write_map_lives(&c, db);
    if (!rc) rc = write_track_names(&c, db);
    jbuf_str(&c.jb, "\n]}\n");
    chrome_free(&c);
    if (!jbuf_finish(&c.jb) && !rc) rc = cli_error("export", "cannot write the output");
    return rc;
}
