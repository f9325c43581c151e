/*
 * timeline.c — gort timeline: a picture of a trace over time, drawn by gnuplot.
 *
 * Lanes, top to bottom: one per map (its life from creation to death as a grey bar, with its
 * assigns, deletes, growths and evacuations marked, and an X at its death), then one per
 * goroutine (each deferred call as an arrow from its registration to its execution). GC cycles
 * are shaded bands across every lane: mark (orange), stop-the-world pauses (red), sweep (blue),
 * mark assists of allocating goroutines (teal); runs of lost events are grey bands, so the picture shows where it cannot see, and the waits
 * the recorder imposed on the program (the stalls table) are violet "recorder stall" bands, so
 * a hole the recorder made never passes for the program's behaviour.
 * The gap between a map's death and each deferred call that touched it is an arrow on the
 * map's lane between the two instants, labelled with its length: green when the call was done
 * before the death (safe), red when the map was touched after it (use-after-free).
 *
 * Reading a million events: nothing is drawn finer than a pixel can show. The window is cut
 * into one bin per pixel column; map operations are counted per (lane, kind, bin) and each
 * non-empty bin is one mark, so the picture costs lanes x kinds x width points at most. Past
 * --lanes maps (maps with a use-after-free first, then maps any deferred call touched, then by
 * id) the rest share one "other maps" lane; likewise goroutines. Deferred calls are drawn one
 * by one up to 3000, otherwise as per-bin marks (but for 500 use-after-free ones); GC bands
 * closer than a pixel merge; at most 2000 gaps are drawn and 40 labelled, use-after-free
 * ones first, and only on lanes of their own.
 *
 * Times are the trace's own, which may be anything: the window's span must fit in 64 bits
 * (else an error asks for --from/--to), and every time is clamped to the window before one is
 * subtracted from another, so no difference wraps.
 *
 * Memory does not grow with the trace: the maps, deferred calls and gaps are streamed from
 * SQL, not kept. What is kept is what the picture shows (the lanes' maps, the arrows drawn, the
 * bins) and, per map id, two bits (touched by a deferred call; alive in the window), and the
 * ids of the use-after-free findings. So the gap report's query runs twice (once for the
 * maps' priorities, once for the gaps of the maps that got a lane) and the deferred calls'
 * twice (to count them, then to draw or bin them).
 *
 * Several traces (gort timeline A.db B.db ...) are stacked, one panel each in a gnuplot
 * multiplot: each is read exactly as a single trace is, over a window as long as the longest
 * trace and starting at its own first event, and drawn by the same code with a panel frame
 * (place, title with the producer, x tics counted from that first event) around it. The data
 * keep each trace's own times; only the tic labels are relative, so every panel's axis means
 * the same thing and nothing of the single-trace drawing changes.
 *
 * gnuplot reads the script and its data (inline datablocks) on a pipe; it writes a temporary
 * file beside -o, renamed over it on success. --script writes the script instead, so tests
 * and curious users can read exactly what would be drawn.
 */
#include "viewer.h"

#include "cli.h"
#include "gort_record.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MAX_TRACES 16

static int cmd_timeline(int argc, char **argv);

static const cli_optdoc timeline_options[] = {
    { CLI_OPT_OUTPUT, NULL, "output, PNG or SVG by its extension (default timeline.png)" },
    { CLI_OPT_FROM, NULL, "start of the window (ns, or with a unit: 10us, 5ms, 1s)" },
    { CLI_OPT_TO, NULL, "end of the window" },
    { CLI_OPT_MAP, NULL, "only this map (repeatable)" },
    { CLI_OPT_SIZE, NULL, "image size in pixels (default 1600 wide, height from the lanes)" },
    { CLI_OPT_LANES, NULL, "at most N map lanes and N goroutine lanes (default 40); the rest\n"
                           "share one lane each" },
    { CLI_OPT_SCRIPT, NULL, "write the gnuplot script (with its data) to FILE instead of drawing" },
    { CLI_OPT_TIMEOUT, NULL, VIEWER_TIMEOUT_DOC },
    { 0 },
};

const cli_command cli_cmd_timeline = {
    .name = "timeline",
    .run = cmd_timeline,
    .summary = "gnuplot timeline of maps, deferred calls and GC cycles",
    .synopsis = "TRACE [TRACE...] [-o FILE.png|FILE.svg] [--from T] [--to T]\n"
                " [--map ID]... [--size WxH] [--lanes N] [--script FILE] [--timeout S]",
    .operands = "TRACE ...",
    .min_operands = 1,
    .max_operands = MAX_TRACES,
    .description =
        "Draws the trace over time with gnuplot: a lane per map (life, assigns, deletes,\n"
        "growths, evacuations, death), a lane per goroutine (deferred calls from registration\n"
        "to execution), GC cycles as shaded bands (mark, stop-the-world, sweep, mark\n"
        "assists), and the gap between each map's death and the deferred calls that touched it\n"
        "(green safe, red use-after-free). Large traces are aggregated to what the picture can\n"
        "show.\n"
        "Several traces are stacked on one time axis, one panel each, labelled with the\n"
        "trace's producer (libgort, go1.19.8, ...) and each aligned at its own first event,\n"
        "so the same program's gaps read together (--from and --to are then relative to each\n"
        "trace's first event; --map applies to one trace only).",
    .options = timeline_options,
    .exit_status = "0 done, 2 bad input or gnuplot failed.",
    .example = "gort timeline trace.db --from 2ms --to 5ms -o window.svg",
};

enum { K_ASSIGN, K_DELETE, K_GROW, K_EVAC, K_REG, K_RAN, NKINDS };
#define MAX_DEFERS_DRAWN 3000
#define MAX_UAF_DEFERS 500
#define MAX_GAP_LABELS 40
#define MAX_GAPS_DRAWN 2000
#define MAX_BANDS 3000

typedef struct {
    int64_t map_id, defer_id, goid, died, last_op;
    bool uaf, safe;
} gap_row;

typedef struct {
    int64_t defer_id, goid, reg, ran; /* ran < 0: never ran */
} defer_row;

typedef struct {
    int64_t id, created, died; /* died < 0: never died */
    char cause[16];
    int prio;
} map_row;


typedef struct {
    const char *trace, *out, *script;
    const char *more[MAX_TRACES - 1]; /* the other traces of a stacked timeline */
    size_t nmore;
    int64_t from, to;
    bool has_from, has_to;
    int64_t maps[256];
    size_t nmaps;
    int width, height, lanes;
    int64_t timeout;
} tl_args;

/* A set of ids: a bit per id below IDSET_BITS, a hash table for the rest. */
#define IDSET_BITS (1 << 26)
typedef struct {
    uint64_t *bits;
    size_t nwords;
    idmap big;
} idset;

typedef struct {   /* everything the picture needs, read from the trace */
    int64_t from, to;
    double unit;
    const char *unitname;
    int bins;
    map_row *maps;  size_t nmaps, kept_maps; /* maps: the lanes' (kept_maps); nmaps in all */
    defer_row *defers; size_t ndefers, ndrawn_defers; /* defers: the arrows drawn */
    bool defers_binned;
    gap_row *gaps; size_t ngaps;   /* the gaps on the lanes' maps (those that can be drawn) */
    idset touched, alive;          /* maps a deferred call touched (and died); alive in window */
    idmap uaf_maps;                /* maps with a use-after-free */
    size_t *gap_order; size_t ndrawn; /* the gaps drawn, in label priority order */
    int64_t goids[4096]; size_t ngoids, kept_goids;
    idmap map_lane, goid_lane, gap_defers; /* map_lane: the lanes' maps; gap_defers: the
                                              deferred calls with a use-after-free (2) */
    int nlanes, other_maps_lane, other_g_lane;
    uint32_t *bins_count;  /* [lane][kind][bin] */
    int64_t *bands; size_t nbands, cap_bands; /* triples: phase (0 mark, 1 pause, 2 sweep,
                                                 3 lost events, 4 recorder stall,
                                                 5 mark assist), start, end */
    bool has_lost, has_stall, has_assist;
} tl_data;

/* ---- reading ---------------------------------------------------------------------------- */

/* Appends ITEM (SIZE bytes) to the growable array *V of *N items. */
static bool push(void **v, size_t *n, size_t size, const void *item) {
    if ((*n & (*n - 1)) == 0 || *n == 0) {
        size_t cap = *n ? *n * 2 : 64;
        void *p = realloc(*v, cap * size);
        if (!p) return false;
        *v = p;
    }
    memcpy((char *)*v + *n * size, item, size);
    (*n)++;
    return true;
}

static int gap_lane(const tl_data *d, const gap_row *g);

/* Adds id to the set; false when out of memory. */
static bool idset_add(idset *s, int64_t id) {
    if (id < 0 || id >= IDSET_BITS) {
        int64_t *v = idmap_get(&s->big, id, true);
        if (v) *v = 1;
        return v != NULL;
    }
    size_t w = (size_t)id / 64;
    if (w >= s->nwords) {
        size_t n = s->nwords ? s->nwords : 1024;
        while (n <= w) n *= 2;
        uint64_t *b = realloc(s->bits, n * sizeof *b);
        if (!b) return false;
        memset(b + s->nwords, 0, (n - s->nwords) * sizeof *b);
        s->bits = b;
        s->nwords = n;
    }
    s->bits[w] |= 1ull << (id % 64);
    return true;
}

/* True when id is in the set. */
static bool idset_has(const idset *s, int64_t id) {
    if (id < 0 || id >= IDSET_BITS) return idmap_get((idmap *)&s->big, id, false) != NULL;
    size_t w = (size_t)id / 64;
    return w < s->nwords && (s->bits[w] >> (id % 64) & 1);
}

/* Frees the set. */
static void idset_free(idset *s) {
    free(s->bits);
    idmap_free(&s->big);
    memset(s, 0, sizeof *s);
}

/* The gap report (gapcalc.c), first pass: which maps a deferred call touched (those that died:
 * their lanes come first), which maps and deferred calls have a use-after-free. */
static int read_gap_marks(sqlite3 *db, tl_data *d) {
    sqlite3_stmt *st = vt_prepare("timeline", db, gaps_sql);
    if (!st) return GORT_EXIT_USAGE;
    int rc;
    bool oom = false;
    while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, GAP_VERDICT);
        bool uaf = v && !strcmp(v, "use-after-free");
        int64_t map = sqlite3_column_int64(st, GAP_MAP);
        if (uaf) {
            int64_t *p = idmap_get(&d->gap_defers, sqlite3_column_int64(st, GAP_DEFER), true);
            oom = !p;
            if (p) *p = 2;
        }
        if (oom || sqlite3_column_type(st, GAP_DIED) == SQLITE_NULL) continue;
        oom = !idset_add(&d->touched, map);
        if (!oom && uaf) {
            int64_t *p = idmap_get(&d->uaf_maps, map, true);
            oom = !p;
            if (p) *p = 1;
        }
    }
    sqlite3_finalize(st);
    if (oom) return cli_error("timeline", "out of memory");
    return rc == SQLITE_DONE ? 0 : vt_sql_error("timeline", db, "reading gaps");
}

/* The gap report, second pass: the gaps whose map died and has a lane of its own, in the
 * report's order, as many as choose_gaps can draw (use-after-free ones, then the others). */
static int read_gaps(sqlite3 *db, tl_data *d) {
    if (!d->kept_maps) return 0;
    size_t len = strlen(gaps_sql) + 64 + d->kept_maps * 24;
    char *sql = malloc(len);
    if (!sql) return cli_error("timeline", "out of memory");
    int n = snprintf(sql, len, "SELECT * FROM (%s) WHERE map_id IN (", gaps_sql);
    for (size_t i = 0; i < d->kept_maps; i++)
        n += snprintf(sql + n, len - (size_t)n, "%s%lld", i ? "," : "", (long long)d->maps[i].id);
    snprintf(sql + n, len - (size_t)n, ")");
    sqlite3_stmt *st = vt_prepare("timeline", db, sql);
    free(sql);
    if (!st) return GORT_EXIT_USAGE;
    int rc;
    size_t nuaf = 0, nother = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_type(st, GAP_DIED) == SQLITE_NULL) continue;
        const char *v = (const char *)sqlite3_column_text(st, GAP_VERDICT);
        gap_row g = { sqlite3_column_int64(st, GAP_MAP), sqlite3_column_int64(st, GAP_DEFER),
                      sqlite3_column_int64(st, GAP_GOID), sqlite3_column_int64(st, GAP_DIED),
                      sqlite3_column_int64(st, GAP_LAST), v && !strcmp(v, "use-after-free"),
                      v && !strcmp(v, "safe") };
        if (gap_lane(d, &g) < 0) continue;
        size_t *count = g.uaf ? &nuaf : &nother;
        if (*count >= MAX_GAPS_DRAWN) continue;
        (*count)++;
        if (!push((void **)&d->gaps, &d->ngaps, sizeof g, &g)) break;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) return cli_error("timeline", "out of memory");
    return rc == SQLITE_DONE ? 0 : vt_sql_error("timeline", db, "reading gaps");
}

/* Orders maps by id. */
static int by_id(const void *a, const void *b) {
    const map_row *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

/* Maps alive in the window (or those of --map), counted; the first --lanes of them in priority
 * order (a use-after-free, touched by a deferred call, the rest; by id within each) each get a
 * lane. The maps come in id order, so the first --lanes of each priority are all it takes. */
static int read_maps(sqlite3 *db, const tl_args *a, tl_data *d) {
    sqlite3_stmt *st = vt_prepare("timeline", db,
        "SELECT map_id, coalesce(created_ns, 0), coalesce(died_ns, -1), coalesce(death_cause, '') "
        "FROM maps WHERE coalesce(created_ns, 0) <= ?1 AND (died_ns IS NULL OR died_ns >= ?2) "
        "ORDER BY map_id");
    if (!st) return GORT_EXIT_USAGE;
    sqlite3_bind_int64(st, 1, d->to);
    sqlite3_bind_int64(st, 2, d->from);
    size_t cap = (size_t)a->lanes, nby[3] = { 0, 0, 0 };
    map_row *by[3] = { calloc(cap, sizeof(map_row)), calloc(cap, sizeof(map_row)),
                       calloc(cap, sizeof(map_row)) };
    int rc = SQLITE_DONE;
    bool oom = !by[0] || !by[1] || !by[2];
    while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        map_row m = { sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                      sqlite3_column_int64(st, 2), "", 0 };
        snprintf(m.cause, sizeof m.cause, "%s", (const char *)sqlite3_column_text(st, 3));
        bool wanted = a->nmaps == 0;
        for (size_t k = 0; k < a->nmaps; k++) wanted |= a->maps[k] == m.id;
        if (!wanted) continue;
        m.prio = idmap_get(&d->uaf_maps, m.id, false) ? 2 : idset_has(&d->touched, m.id) ? 1 : 0;
        oom = !idset_add(&d->alive, m.id);
        d->nmaps++;
        if (nby[m.prio] < cap) by[m.prio][nby[m.prio]++] = m;
    }
    sqlite3_finalize(st);
    if (!oom) d->maps = calloc(cap, sizeof *d->maps);
    for (int p = 2; !oom && d->maps && p >= 0; p--)
        for (size_t i = 0; i < nby[p] && d->kept_maps < cap; i++) d->maps[d->kept_maps++] = by[p][i];
    for (int p = 0; p < 3; p++) free(by[p]);
    if (oom || !d->maps) return cli_error("timeline", "out of memory");
    if (rc != SQLITE_DONE) return vt_sql_error("timeline", db, "reading maps");
    if (d->kept_maps) qsort(d->maps, d->kept_maps, sizeof *d->maps, by_id);
    for (size_t i = 0; i < d->kept_maps; i++) {
        int64_t *p = idmap_get(&d->map_lane, d->maps[i].id, true);
        if (!p) return cli_error("timeline", "out of memory");
        *p = (int64_t)i;
    }
    return 0;
}

/* The lane of map id's marks: its own, the "other maps" lane, or -1 (not a map of the window). */
static int map_lane_of(const tl_data *d, int64_t id) {
    int64_t *lane = idmap_get((idmap *)&d->map_lane, id, false);
    if (lane) return (int)*lane;
    return d->other_maps_lane >= 0 && idset_has(&d->alive, id) ? d->other_maps_lane : -1;
}

/* The deferred calls overlapping the window, in goroutine order. */
static const char defers_sql[] =
    "SELECT defer_id, coalesce(goid, 0), coalesce(registered_ns, ran_ns), coalesce(ran_ns, -1) "
    "FROM defers WHERE coalesce(registered_ns, ran_ns) <= ?1 AND coalesce(ran_ns, ?1) >= ?2 "
    "ORDER BY goid, defer_id";

/* Deferred calls overlapping the window: counted, and the goroutine lanes they need. */
static int read_defers(sqlite3 *db, const tl_args *a, tl_data *d) {
    sqlite3_stmt *st = vt_prepare("timeline", db, defers_sql);
    if (!st) return GORT_EXIT_USAGE;
    sqlite3_bind_int64(st, 1, d->to);
    sqlite3_bind_int64(st, 2, d->from);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t goid = sqlite3_column_int64(st, 1);
        d->ndefers++;
        if ((d->ngoids == 0 || d->goids[d->ngoids - 1] != goid) &&
            d->ngoids < sizeof d->goids / sizeof d->goids[0])
            d->goids[d->ngoids++] = goid;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return vt_sql_error("timeline", db, "reading deferred calls");
    d->kept_goids = d->ngoids < (size_t)a->lanes ? d->ngoids : (size_t)a->lanes;
    int base = (int)d->kept_maps + (d->nmaps > d->kept_maps);
    for (size_t i = 0; i < d->ngoids; i++) {
        int64_t *p = idmap_get(&d->goid_lane, d->goids[i], true);
        if (!p) return cli_error("timeline", "out of memory");
        *p = base + (int64_t)(i < d->kept_goids ? i : d->kept_goids);
    }
    d->other_maps_lane = d->nmaps > d->kept_maps ? (int)d->kept_maps : -1;
    d->other_g_lane = d->ngoids > d->kept_goids ? base + (int)d->kept_goids : -1;
    d->nlanes = base + (int)d->kept_goids + (d->ngoids > d->kept_goids);
    return 0;
}

/* The bin of time T in the window. */
static int bin_of(const tl_data *d, int64_t t) {
    if (d->to <= d->from) return 0;
    int b = (int)((double)(t - d->from) / (double)(d->to - d->from) * d->bins);
    return b < 0 ? 0 : b >= d->bins ? d->bins - 1 : b;
}

/* Counts one mark of KIND at time T on LANE, ignoring what falls outside the window. */
static void count_bin(tl_data *d, int lane, int kind, int64_t t) {
    if (lane < 0 || lane >= d->nlanes || t < d->from || t > d->to) return;
    d->bins_count[((size_t)lane * NKINDS + (size_t)kind) * (size_t)d->bins + (size_t)bin_of(d, t)]++;
}

/* Adds a GC band [s, e) of PHASE, merged with the previous band of that phase when closer
 * than a bin. */
static bool add_band(tl_data *d, int phase, int64_t s, int64_t e) {
    if (e < d->from || s > d->to) return true;
    if (s < d->from) s = d->from; /* within the window, differences of times fit in 64 bits */
    if (e > d->to) e = d->to;
    int64_t pixel = (d->to - d->from) / (d->bins ? d->bins : 1);
    for (size_t i = d->nbands; i-- > 0;) {
        int64_t *b = d->bands + i * 3;
        if (b[0] != phase) continue;
        if (s - b[2] <= pixel) {
            if (e > b[2]) b[2] = e;
            return true;
        }
        break;
    }
    if (d->nbands >= MAX_BANDS) return true;
    if (phase == 3) d->has_lost = true;
    if (phase == 4) d->has_stall = true;
    if (phase == 5) d->has_assist = true;
    if (d->nbands == d->cap_bands) {
        size_t cap = d->cap_bands ? d->cap_bands * 2 : 64;
        int64_t *v = realloc(d->bands, cap * 3 * sizeof *v);
        if (!v) return false;
        d->bands = v;
        d->cap_bands = cap;
    }
    int64_t *b = d->bands + d->nbands++ * 3;
    b[0] = phase;
    b[1] = s;
    b[2] = e;
    return true;
}

/* Deferred calls, second pass: arrows when few (kept to draw), otherwise bins, but for the
 * first MAX_UAF_DEFERS use-after-free ones which are always arrows. */
static int read_defer_marks(sqlite3 *db, tl_data *d) {
    sqlite3_stmt *st = vt_prepare("timeline", db, defers_sql);
    if (!st) return GORT_EXIT_USAGE;
    sqlite3_bind_int64(st, 1, d->to);
    sqlite3_bind_int64(st, 2, d->from);
    d->defers_binned = d->ndefers > MAX_DEFERS_DRAWN;
    size_t uaf_drawn = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        defer_row r = { sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                        sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3) };
        int64_t *lane = idmap_get(&d->goid_lane, r.goid, false);
        int64_t *touched = idmap_get(&d->gap_defers, r.defer_id, false);
        bool uaf = touched && *touched == 2 && uaf_drawn < MAX_UAF_DEFERS;
        if (!lane) continue;
        if (d->defers_binned && !uaf) {
            count_bin(d, (int)*lane, K_REG, r.reg);
            if (r.ran >= 0) count_bin(d, (int)*lane, K_RAN, r.ran);
            continue;
        }
        uaf_drawn += uaf;
        if (!push((void **)&d->defers, &d->ndrawn_defers, sizeof r, &r)) break;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) return cli_error("timeline", "out of memory");
    return rc == SQLITE_DONE ? 0 : vt_sql_error("timeline", db, "reading deferred calls");
}

/* GC mark and sweep phases from gc_cycles. */
static int read_cycles(sqlite3 *db, tl_data *d) {
    sqlite3_stmt *st = vt_prepare("timeline", db,
        "SELECT mark_start_ns, mark_termination_ns, sweep_start_ns, sweep_done_ns FROM gc_cycles "
        "ORDER BY cycle");
    if (!st) return GORT_EXIT_USAGE;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int p = 0; p < 2; p++) {
            if (sqlite3_column_type(st, p * 2) == SQLITE_NULL || sqlite3_column_type(st, p * 2 + 1) == SQLITE_NULL)
                continue;
            if (!add_band(d, p == 0 ? 0 : 2, sqlite3_column_int64(st, p * 2), sqlite3_column_int64(st, p * 2 + 1))) {
                sqlite3_finalize(st);
                return cli_error("timeline", "out of memory");
            }
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : vt_sql_error("timeline", db, "reading GC cycles");
}

/* Runs of lost events (the lost table) as grey bands: the picture says where it is blind. */
static int read_lost(sqlite3 *db, tl_data *d) {
    sqlite3_stmt *st = vt_prepare("timeline", db,
        "SELECT first_ns, coalesce(last_ns, first_ns) FROM lost WHERE first_ns IS NOT NULL ORDER BY first_ns");
    if (!st) return GORT_EXIT_USAGE;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!add_band(d, 3, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1))) {
            sqlite3_finalize(st);
            return cli_error("timeline", "out of memory");
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : vt_sql_error("timeline", db, "reading lost events");
}

/* The waits the recorder imposed (the stalls table; absent in older traces) as violet bands. */
static int read_stalls(sqlite3 *db, tl_data *d) {
    if (!vt_has_table(db, "stalls")) return 0;
    sqlite3_stmt *st = vt_prepare("timeline", db,
        "SELECT start_ns, end_ns FROM stalls WHERE end_ns >= ?1 AND start_ns <= ?2 ORDER BY start_ns");
    if (!st) return GORT_EXIT_USAGE;
    sqlite3_bind_int64(st, 1, d->from);
    sqlite3_bind_int64(st, 2, d->to);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!add_band(d, 4, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1))) {
            sqlite3_finalize(st);
            return cli_error("timeline", "out of memory");
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : vt_sql_error("timeline", db, "reading recorder stalls");
}

/* One scan of the events in the window: map operations into bins, pauses and mark assists
 * into bands. Kinds by number (gort_record.h): 3 mapassign, 4 mapdelete, 5 hashgrow,
 * 6 evacuate, 42 stw_end, 48 gc_assist.
 * A window that is the whole trace reads the table in order (+ts_ns: no index); a narrower
 * one may go through an index on ts_ns where the trace has one (older traces). */
static int read_events(sqlite3 *db, const tl_args *a, tl_data *d) {
    bool whole = !a->has_from && !a->has_to;
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT ts_ns, kind_id, map_id, dur_ns FROM events WHERE %sts_ns BETWEEN ?1 AND ?2 "
             "AND ((map_id IS NOT NULL AND +kind_id IN (3, 4, 5, 6)) OR +kind_id IN (42, 48))",
             whole ? "+" : "");
    sqlite3_stmt *st = vt_prepare("timeline", db, sql);
    if (!st) return GORT_EXIT_USAGE;
    sqlite3_bind_int64(st, 1, d->from);
    sqlite3_bind_int64(st, 2, d->to);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t ts = sqlite3_column_int64(st, 0);
        int kind = sqlite3_column_int(st, 1);
        if (kind == GORT_EV_stw_end || kind == GORT_EV_gc_assist) {
            int64_t start;
            if (__builtin_sub_overflow(ts, sqlite3_column_int64(st, 3), &start)) start = INT64_MIN;
            if (!add_band(d, kind == GORT_EV_stw_end ? 1 : 5, start, ts)) break;
            continue;
        }
        int lane = map_lane_of(d, sqlite3_column_int64(st, 2));
        if (lane < 0) continue;
        int k = kind == GORT_EV_mapassign ? K_ASSIGN : kind == GORT_EV_mapdelete ? K_DELETE
              : kind == GORT_EV_hashgrow ? K_GROW : K_EVAC;
        count_bin(d, lane, k, ts);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) return cli_error("timeline", "out of memory");
    return rc == SQLITE_DONE ? 0 : vt_sql_error("timeline", db, "reading events");
}

/* Picks a unit for the x axis so the numbers stay short. */
static void pick_unit(tl_data *d) {
    int64_t span = d->to - d->from;
    if (span < 10000) { d->unit = 1; d->unitname = "ns"; }
    else if (span < 10000000) { d->unit = 1e3; d->unitname = "us"; }
    else if (span < 10000000000) { d->unit = 1e6; d->unitname = "ms"; }
    else { d->unit = 1e9; d->unitname = "s"; }
}

/* Reads everything the picture needs. */
static int read_all(sqlite3 *db, const tl_args *a, tl_data *d) {
    int64_t first = 0, last = 0, span;
    sqlite3_stmt *st = vt_prepare("timeline", db, "SELECT min(ts_ns), max(ts_ns) FROM events");
    if (!st) return GORT_EXIT_USAGE;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        first = sqlite3_column_int64(st, 0);
        last = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return vt_sql_error("timeline", db, "reading events");
    d->from = a->has_from ? a->from : first;
    d->to = a->has_to ? a->to : last;
    if (d->to < d->from) return cli_error("timeline", "--to is before --from");
    /* Every time drawn is taken relative to the window: its span must fit in 64 bits. */
    if (__builtin_sub_overflow(d->to, d->from, &span))
        return cli_error("timeline", "the events span from %lld ns to %lld ns, more than 64 bits "
                         "of ns: choose a window with --from and --to", (long long)d->from,
                         (long long)d->to);
    if (d->to == d->from) {
        if (d->to < INT64_MAX) d->to++;
        else d->from--;
    }
    d->bins = a->width > 200 ? a->width - 200 : 100;
    pick_unit(d);
    rc = read_gap_marks(db, d);
    if (!rc) rc = read_maps(db, a, d);
    if (!rc && a->nmaps && d->nmaps == 0)
        return cli_error("timeline", "no map with the given --map ids in the window");
    if (!rc) rc = read_defers(db, a, d);
    if (rc) return rc;
    if (d->nlanes == 0) return cli_error("timeline", "nothing to draw: no map and no deferred call in the window");
    d->bins_count = calloc((size_t)d->nlanes * NKINDS * (size_t)d->bins, sizeof *d->bins_count);
    if (!d->bins_count) return cli_error("timeline", "out of memory");
    rc = read_gaps(db, d);
    if (!rc) rc = read_defer_marks(db, d);
    if (!rc) rc = read_cycles(db, d);
    if (!rc) rc = read_lost(db, d);
    if (!rc) rc = read_stalls(db, d);
    if (!rc) rc = read_events(db, a, d);
    return rc;
}

/* ---- writing the gnuplot script -------------------------------------------------------- */

/* X coordinate of T in the axis unit, clamped to the window. */
static double xv(const tl_data *d, int64_t t) {
    if (t < d->from) t = d->from;
    if (t > d->to) t = d->to;
    return (double)t / d->unit;
}

/* Writes S as a gnuplot single-quoted string ('' doubles a quote). */
static void gp_string(FILE *f, const char *s) {
    putc('\'', f);
    for (; *s; s++) {
        if (*s == '\'') putc('\'', f);
        if ((unsigned char)*s >= 0x20) putc(*s, f);
    }
    putc('\'', f);
}

/* One trace's panel in a stacked timeline (several traces on one time axis). */
typedef struct {
    char title[600];   /* "PRODUCER: PATH" */
    int64_t end;       /* the trace's last event: after it the panel is blank */
    double y, h;       /* its origin and height, as fractions of the picture */
    bool key;          /* the legend, drawn once (under the last panel) */
} tl_panel;

/* A step of 1, 2 or 5 times a power of ten that cuts SPAN into about eight. */
static double nice_step(double span) {
    double raw = span > 0 ? span / 8 : 1, mag = pow(10, floor(log10(raw))), norm = raw / mag;
    return (norm < 1.5 ? 1 : norm < 3.5 ? 2 : norm < 7.5 ? 5 : 10) * mag;
}

/* A panel's place in the picture, and an x axis that counts from the trace's first event
 * (D->from): the data keep each trace's own times, the tics are labelled relative to it, and
 * every panel spans the same length of time, so the panels share one time axis. */
static void write_panel_frame(FILE *f, const tl_data *d, const tl_panel *p) {
    fprintf(f, "set origin 0,%.6f\nset size 1,%.6f\nset rmargin 6\n", p->y, p->h);
    if (!p->key) fputs("unset key\n", f);
    fprintf(f, "set xlabel 'time since the first event of each trace (%s)'\n", d->unitname);
    double span = (double)(d->to - d->from) / d->unit, step = nice_step(span);
    fputs("set xtics (", f);
    for (int k = 0; k * step <= span * (1 + 1e-9); k++)
        fprintf(f, "%s\"%g\" %.9g", k ? ", " : "", k * step, (double)d->from / d->unit + k * step);
    fputs(")\n", f);
    if (p->end < d->to) /* the trace ended before the longest one: nothing is known after */
        fprintf(f, "set object 100000 rect from first %.9g, graph 0 to graph 1, graph 1 front "
                   "fc rgb '#f4f4f4' fs solid 1.0 noborder\n"
                   "set label 100000 'trace ended' at first %.9g, graph 0.5 left offset 1,0 "
                   "font ',8' tc rgb '#888888' front\n", xv(d, p->end), xv(d, p->end));
}

/* The lanes' names on the y axis. */
static void write_lanes(FILE *f, const tl_data *d) {
    fputs("set ytics (", f);
    int n = 0;
    for (size_t i = 0; i < d->kept_maps; i++) {
        fprintf(f, "%s\"map %lld%s%s%s\" %d", n ? ", " : "", (long long)d->maps[i].id,
                d->maps[i].cause[0] ? " (" : "", d->maps[i].cause, d->maps[i].cause[0] ? ")" : "", n);
        n++;
    }
    if (d->other_maps_lane >= 0)
        fprintf(f, "%s\"other maps (%zu)\" %d", n++ ? ", " : "", d->nmaps - d->kept_maps, d->other_maps_lane);
    for (size_t i = 0; i < d->kept_goids; i++)
        fprintf(f, "%s\"goroutine %lld\" %d", n++ ? ", " : "", (long long)d->goids[i], (int)(d->kept_maps + (d->other_maps_lane >= 0) + i));
    if (d->other_g_lane >= 0)
        fprintf(f, "%s\"other goroutines (%zu)\" %d", n++ ? ", " : "", d->ngoids - d->kept_goids, d->other_g_lane);
    fputs(")\n", f);
    fprintf(f, "set yrange [%d.5:-0.5]\n", d->nlanes - 1);
    int sep = (int)d->kept_maps + (d->other_maps_lane >= 0);
    if (sep > 0 && sep < d->nlanes)
        fprintf(f, "set arrow from graph 0, first %d.5 to graph 1, first %d.5 nohead dt 2 lc rgb '#888888'\n",
                sep - 1, sep - 1);
}

/* GC bands as rectangles behind everything. */
static void write_bands(FILE *f, const tl_data *d) {
    static const char *const colors[] = { "#ffcc80", "#ff6060", "#90c8ff", "#909090", "#b070e0",
                                          "#30b0a0" };
    for (size_t i = 0; i < d->nbands; i++) {
        const int64_t *b = d->bands + i * 3;
        double x1 = xv(d, b[1]), x2 = xv(d, b[2]);
        fprintf(f, "set object %zu rect from first %.9g, graph 0 to first %.9g, graph 1 behind "
                   "fc rgb '%s' fs solid %s noborder\n",
                i + 1, x1, x2 > x1 ? x2 : x1 + (double)(d->to - d->from) / d->unit / d->bins,
                colors[b[0]], b[0] == 1 || b[0] == 3 || b[0] == 4 ? "0.55" : "0.3");
    }
}

/* The lane of gap G's map when the gap can be drawn (its map has a lane of its own and both
 * ends are in the window), else -1. */
static int gap_lane(const tl_data *d, const gap_row *g) {
    int64_t *lane = idmap_get((idmap *)&d->map_lane, g->map_id, false);
    if (!lane || *lane == d->other_maps_lane || (!g->uaf && !g->safe)) return -1;
    if (g->last_op < d->from || g->died > d->to || g->last_op > d->to || g->died < d->from) return -1;
    return (int)*lane;
}

/* Chooses the gaps to draw: use-after-free ones first, then safe ones, MAX_GAPS_DRAWN in all;
 * fills D->gap_order with their indexes, labelled ones first. */
static bool choose_gaps(tl_data *d) {
    d->gap_order = malloc((d->ngaps ? d->ngaps : 1) * sizeof *d->gap_order);
    if (!d->gap_order) return false;
    d->ndrawn = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < d->ngaps && d->ndrawn < MAX_GAPS_DRAWN; i++)
            if ((pass == 0) == d->gaps[i].uaf && gap_lane(d, &d->gaps[i]) >= 0) d->gap_order[d->ndrawn++] = i;
    return true;
}

/* Labels of the gaps drawn, the verdict and the gap's length: one per lane (the first in
 * priority order, so labels never pile up), MAX_GAP_LABELS in all. */
static void write_gap_labels(FILE *f, const tl_data *d) {
    char a[32];
    bool *labelled = calloc((size_t)d->nlanes, sizeof *labelled);
    if (!labelled) return;
    size_t n = 0;
    for (size_t k = 0; k < d->ndrawn && n < MAX_GAP_LABELS; k++) {
        const gap_row *g = &d->gaps[d->gap_order[k]];
        int lane = gap_lane(d, g);
        if (labelled[lane]) continue;
        labelled[lane] = true;
        int64_t gap = g->last_op - g->died;
        fmt_duration(gap < 0 ? -gap : gap, a, sizeof a);
        fprintf(f, "set label %zu \"%s %s%s (defer %lld)\" at first %.9g, first %.2f center font ',8' "
                   "tc rgb '%s' front\n",
                ++n, g->uaf ? "use-after-free" : "safe", g->uaf ? "+" : "", a,
                (long long)g->defer_id, (xv(d, g->died) + xv(d, g->last_op)) / 2,
                (double)lane - 0.32, g->uaf ? "#d00000" : "#008000");
    }
    free(labelled);
}

/* Datablock $NAME with the non-empty bins of KIND: "x lane count". */
static bool write_bins(FILE *f, const tl_data *d, const char *name, int kind, double dy) {
    bool any = false;
    fprintf(f, "$%s << EOD\n", name);
    for (int lane = 0; lane < d->nlanes; lane++) {
        const uint32_t *row = d->bins_count + ((size_t)lane * NKINDS + (size_t)kind) * (size_t)d->bins;
        for (int b = 0; b < d->bins; b++) {
            if (!row[b]) continue;
            double t = (double)d->from + ((double)b + 0.5) * (double)(d->to - d->from) / d->bins;
            fprintf(f, "%.9g %.2f %u\n", t / d->unit, lane + dy, row[b]);
            any = true;
        }
    }
    fputs("EOD\n", f);
    return any;
}

/* Datablocks of map lives and deaths. */
static void write_lives(FILE *f, const tl_data *d) {
    fputs("$life << EOD\n", f);
    for (size_t i = 0; i < d->kept_maps; i++) {
        const map_row *m = &d->maps[i];
        fprintf(f, "%.9g %zu %.9g\n", xv(d, m->created), i, xv(d, m->died < 0 ? d->to : m->died));
    }
    fputs("EOD\n$death << EOD\n", f);
    for (size_t i = 0; i < d->kept_maps; i++)
        if (d->maps[i].died >= d->from && d->maps[i].died <= d->to)
            fprintf(f, "%.9g %zu\n", xv(d, d->maps[i].died), i);
    fputs("EOD\n", f);
}

/* Datablock of the deferred calls drawn as arrows (read_defer_marks chose them). */
static void write_defers(FILE *f, const tl_data *d) {
    fputs("$defer << EOD\n", f);
    for (size_t i = 0; i < d->ndrawn_defers; i++) {
        const defer_row *r = &d->defers[i];
        int64_t *lane = idmap_get((idmap *)&d->goid_lane, r->goid, false);
        int64_t end = r->ran >= 0 ? r->ran : d->to;
        double y = (double)*lane - 0.3 + 0.15 * (double)(r->defer_id % 5);
        fprintf(f, "%.9g %.2f %.9g %d\n", xv(d, r->reg), y, xv(d, end), r->ran >= 0 ? 1 : 0);
    }
    fputs("EOD\n", f);
}

/* Gap arrows: from death to the last operation (use-after-free) or back (safe). */
static void write_gap_arrows(FILE *f, const tl_data *d) {
    fputs("$gapsafe << EOD\n", f);
    for (int pass = 0; pass < 2; pass++) {
        if (pass) fputs("EOD\n$gapuaf << EOD\n", f);
        for (size_t k = 0; k < d->ndrawn; k++) {
            const gap_row *g = &d->gaps[d->gap_order[k]];
            if (pass ? !g->uaf : !g->safe) continue;
            fprintf(f, "%.9g %.2f %.9g\n", xv(d, pass ? g->died : g->last_op), (double)gap_lane(d, g) - 0.2,
                    xv(d, pass ? g->last_op : g->died));
        }
    }
    fputs("EOD\n", f);
}

/* The script's head: the terminal, HEIGHT pixels high, and the output file. */
static void write_head(FILE *f, const tl_args *a, int height, const char *output, bool svg) {
    fputs("# gort timeline: gnuplot script and data\n", f);
    if (svg)
        fprintf(f, "set terminal svg size %d,%d dynamic font 'sans,10' background rgb 'white'\n", a->width, height);
    else
        fprintf(f, "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
                   "  set terminal pngcairo size %d,%d font 'sans,9' background rgb 'white'\n"
                   "} else {\n  set terminal png size %d,%d\n}\n",
                a->width, height, a->width, height);
    fputs("set termoption noenhanced\nset output ", f);
    gp_string(f, output);
    fputs("\n", f);
}

/* One trace's picture: title, axes, lanes, bands, labels, data and the plot command. P is
 * NULL for the timeline of one trace, else the trace's panel in a stacked timeline. */
static void write_panel(FILE *f, const tl_args *a, tl_data *d, const tl_panel *p) {
    fputs("set title ", f);
    char title[600];
    snprintf(title, sizeof title, "gort timeline: %s", a->trace);
    gp_string(f, p ? p->title : title);
    fprintf(f, "\nset xlabel 'time since trace start (%s)'\n", d->unitname);
    fprintf(f, "set xrange [%.9g:%.9g]\n", (double)d->from / d->unit, (double)d->to / d->unit);
    fputs("set grid xtics lc rgb '#dddddd'\nset key outside bottom center horizontal font ',8'\n"
          "set lmargin 22\nset tics font ',8'\n", f);
    if (p) write_panel_frame(f, d, p);
    write_lanes(f, d);
    write_bands(f, d);
    write_gap_labels(f, d);
    write_lives(f, d);
    write_defers(f, d);
    write_gap_arrows(f, d);
    static const char *const names[] = { "assign", "delete", "grow", "evac", "reg", "ran" };
    static const double dy[] = { -0.12, 0.12, -0.24, 0.24, -0.12, 0.12 };
    bool any[NKINDS];
    for (int k = 0; k < NKINDS; k++) any[k] = write_bins(f, d, names[k], k, dy[k]);
    fputs("plot $life using 1:2:($3-$1):(0) with vectors nohead lw 6 lc rgb '#c8c8c8' title 'map alive'", f);
    static const char *const styles[] = {
        "pt 7 ps 0.45 lc rgb '#1f77b4' title 'assign'", "pt 5 ps 0.45 lc rgb '#ff7f0e' title 'delete'",
        "pt 9 ps 0.9 lc rgb '#2ca02c' title 'growth'", "pt 2 ps 0.6 lc rgb '#9467bd' title 'evacuation'",
        "pt 6 ps 0.5 lc rgb '#555555' title 'defer registered (binned)'",
        "pt 13 ps 0.6 lc rgb '#000000' title 'deferred call ran (binned)'" };
    for (int k = 0; k < NKINDS; k++)
        if (any[k]) fprintf(f, ", \\\n  $%s using 1:2 with points %s", names[k], styles[k]);
    fputs(", \\\n  $death using 1:2 with points pt 2 ps 1.6 lw 2 lc rgb '#000000' title 'map death'", f);
    fputs(", \\\n  $defer using 1:2:($3-$1):(0):($4 > 0 ? 0x555555 : 0xaaaaaa) with vectors head filled "
          "size screen 0.006,20 lw 1.2 lc rgb variable title 'deferred call: registered -> ran'", f);
    fputs(", \\\n  $gapsafe using 1:2:($3-$1):(0) with vectors head filled size screen 0.008,20 lw 2.5 lc rgb '#00a000' "
          "title 'gap: safe'", f);
    fputs(", \\\n  $gapuaf using 1:2:($3-$1):(0) with vectors head filled size screen 0.008,20 lw 2.5 lc rgb '#e00000' "
          "title 'gap: use-after-free'", f);
    fputs(", \\\n  NaN with boxes fs solid 0.3 fc rgb '#ffcc80' title 'GC mark'"
          ", NaN with boxes fs solid 0.55 fc rgb '#ff6060' title 'stop-the-world'"
          ", NaN with boxes fs solid 0.3 fc rgb '#90c8ff' title 'GC sweep'", f);
    if (d->has_lost) fputs(", NaN with boxes fs solid 0.55 fc rgb '#909090' title 'events lost'", f);
    if (d->has_stall) fputs(", NaN with boxes fs solid 0.55 fc rgb '#b070e0' title 'recorder stall'", f);
    if (d->has_assist) fputs(", NaN with boxes fs solid 0.3 fc rgb '#30b0a0' title 'mark assist'", f);
    fputs("\n", f);
}

/* The whole script of one trace's timeline. */
static void write_script(FILE *f, const tl_args *a, tl_data *d, const char *output, bool svg) {
    int height = a->height ? a->height : 140 + 26 * d->nlanes;
    if (!a->height && height < 420) height = 420;
    if (!a->height && height > 4000) height = 4000;
    write_head(f, a, height, output, svg);
    write_panel(f, a, d, NULL);
    fputs("unset output\n", f);
}

/* ---- running gnuplot ------------------------------------------------------------------- */

/* Runs gnuplot with SCRIPT_TEXT on its standard input. Returns 0 or an error status. */
static int run_gnuplot(const char *text, size_t len) {
    int in[2];
    char errpath[] = "/tmp/gort-gnuplot-XXXXXX";
    int errfd = mkstemp(errpath);
    if (errfd < 0 || pipe(in) != 0) return cli_error("timeline", "cannot start gnuplot: %s", strerror(errno));
    unlink(errpath);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, errfd, 2);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    pid_t pid;
    char *argv[] = { "gnuplot", NULL };
    int src = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    if (src != 0) {
        close(in[1]);
        close(errfd);
        return cli_error("timeline", "cannot run gnuplot (%s): install gnuplot-nox", strerror(src));
    }
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    for (size_t off = 0; off < len;) {
        ssize_t w = write(in[1], text + off, len - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
    close(in[1]);
    signal(SIGPIPE, old);
    int status = 0;
    waitpid(pid, &status, 0);
    char msg[4096] = "";
    ssize_t got = pread(errfd, msg, sizeof msg - 1, 0);
    close(errfd);
    msg[got > 0 ? got : 0] = 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    /* gnuplot echoes the failing command over several lines; the error is the last one. */
    size_t end = strlen(msg);
    while (end > 0 && (msg[end - 1] == '\n' || msg[end - 1] == ' ')) msg[--end] = 0;
    char *line = strrchr(msg, '\n');
    line = line ? line + 1 : msg;
    return cli_error("timeline", "gnuplot failed: %s", *line ? line : "no message");
}

/* Parses "WxH". */
static bool parse_size(const char *s, int *w, int *h) {
    char *x = strchr(s, 'x');
    if (!x) return false;
    char wbuf[16];
    size_t n = (size_t)(x - s);
    if (n == 0 || n >= sizeof wbuf) return false;
    memcpy(wbuf, s, n);
    wbuf[n] = 0;
    int64_t a, b;
    if (!cli_parse_int(wbuf, 200, 20000, &a) || !cli_parse_int(x + 1, 100, 20000, &b)) return false;
    *w = (int)a;
    *h = (int)b;
    return true;
}

/* Reports a time option's bad value. */
static int bad_time(const char *v) {
    return cli_error("timeline", "bad time '%s' (ns, or with a unit: 10us, 5ms, 1s)", v);
}

/* Takes one option into the tl_args at CTX; reports a bad value. */
static int timeline_option(void *ctx, int id, const char *v) {
    tl_args *a = ctx;
    int64_t n;
    switch (id) {
    case CLI_OPT_OUTPUT: a->out = v; break;
    case CLI_OPT_SCRIPT: a->script = v; break;
    case CLI_OPT_FROM:
        if (!cli_parse_time_ns(v, &a->from)) return bad_time(v);
        a->has_from = true;
        break;
    case CLI_OPT_TO:
        if (!cli_parse_time_ns(v, &a->to)) return bad_time(v);
        a->has_to = true;
        break;
    case CLI_OPT_MAP:
        if (!cli_parse_int(v, 0, INT64_MAX, &n)) return cli_error("timeline", "bad map id '%s'", v);
        if (a->nmaps == sizeof a->maps / sizeof a->maps[0]) return cli_error("timeline", "too many --map");
        a->maps[a->nmaps++] = n;
        break;
    case CLI_OPT_SIZE:
        if (!parse_size(v, &a->width, &a->height))
            return cli_error("timeline", "--size takes WIDTHxHEIGHT in pixels, e.g. 1600x900");
        break;
    case CLI_OPT_LANES:
        if (!cli_parse_int(v, 1, 1000, &n)) return cli_error("timeline", "--lanes takes 1 to 1000");
        a->lanes = (int)n;
        break;
    case CLI_OPT_TIMEOUT:
        if (!vt_parse_timeout("timeline", v, &a->timeout)) return GORT_EXIT_USAGE;
        break;
    default:
        return cli_error("timeline", "internal error: option %d", id);
    }
    return 0;
}

/* Parses the command line into A; -1 after printing --help. */
static int parse_args(int argc, char **argv, tl_args *a) {
    int first;
    int rc = cli_parse(&cli_cmd_timeline, argc, argv, timeline_option, a, &first);
    if (rc >= 0) return rc ? rc : -1;
    a->trace = argv[first];
    for (int i = first + 1; i < argc; i++) a->more[a->nmore++] = argv[i];
    if (a->nmore && a->nmaps)
        return cli_error("timeline", "--map picks maps of one trace; draw that trace alone");
    return 0;
}

/* True when PATH ends with SUFFIX, ignoring case. */
static bool ends_with(const char *path, const char *suffix) {
    size_t n = strlen(path), k = strlen(suffix);
    return n >= k && !strcasecmp(path + n - k, suffix);
}

/* Writes a whole gnuplot script for OUTPUT (an SVG when SVG) from CTX. */
typedef void (*script_fn)(FILE *f, const tl_args *a, void *ctx, const char *output, bool svg);

/* Draws what WRITE writes from CTX: the script into memory, then to --script or through
 * gnuplot into -o. */
static int draw_with(const tl_args *a, script_fn write, void *ctx) {
    const char *out = a->out ? a->out : "timeline.png";
    bool svg = ends_with(out, ".svg");
    if (!svg && !ends_with(out, ".png"))
        return cli_error("timeline", "%s: the output must end in .png or .svg", out);
    vout_file vf;
    int rc = vout_file_open("timeline", a->script ? a->script : out, a->trace, &vf);
    if (rc) return rc;
    if (a->script) {
        write(vf.f, a, ctx, out, svg);
        return vout_file_close("timeline", &vf, true);
    }
    /* gnuplot writes the temporary file; we only rename it. */
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m) {
        vout_file_close("timeline", &vf, false);
        return cli_error("timeline", "out of memory");
    }
    write(m, a, ctx, vf.tmp, svg);
    fclose(m);
    rc = run_gnuplot(text, len);
    free(text);
    struct stat st;
    if (!rc && (stat(vf.tmp, &st) != 0 || st.st_size == 0))
        rc = cli_error("timeline", "gnuplot wrote nothing");
    rc = vout_file_close("timeline", &vf, rc == 0) ? GORT_EXIT_USAGE : rc;
    return rc;
}

/* write_script for draw_with. */
static void write_one(FILE *f, const tl_args *a, void *d, const char *output, bool svg) {
    write_script(f, a, d, output, svg);
}

/* Draws D, the timeline of one trace. */
static int draw(const tl_args *a, tl_data *d) { return draw_with(a, write_one, d); }

/* Frees what D holds. */
static void free_data(tl_data *d) {
    free(d->maps);
    free(d->defers);
    free(d->gaps);
    free(d->gap_order);
    free(d->bins_count);
    free(d->bands);
    idmap_free(&d->map_lane);
    idmap_free(&d->goid_lane);
    idmap_free(&d->gap_defers);
    idmap_free(&d->uaf_maps);
    idset_free(&d->touched);
    idset_free(&d->alive);
}

/* ---- several traces on one time axis --------------------------------------------------- */

/* A stacked timeline: one panel per trace, top to bottom in the order given. */
typedef struct {
    size_t n;
    tl_data *d;
    tl_panel *p;
    int height;
} tl_stack;

/* The script of a stacked timeline: one head, then each trace's panel in a multiplot. */
static void write_stack(FILE *f, const tl_args *a, void *ctx, const char *output, bool svg) {
    tl_stack *s = ctx;
    write_head(f, a, s->height, output, svg);
    fputs("set multiplot\n", f);
    for (size_t i = 0; i < s->n; i++) {
        write_panel(f, a, &s->d[i], &s->p[i]);
        fputs("unset label\nunset object\nunset arrow\n", f);
    }
    fputs("unset multiplot\nunset output\n", f);
}

/* The first and last event times of DB into *FIRST, *LAST. */
static int trace_span(sqlite3 *db, int64_t *first, int64_t *last) {
    int64_t span;
    int rc = vt_int_query("timeline", db, "SELECT min(ts_ns) FROM events", 0, first);
    if (!rc) rc = vt_int_query("timeline", db, "SELECT max(ts_ns) FROM events", 0, last);
    if (!rc && __builtin_sub_overflow(*last, *first, &span))
        rc = cli_error("timeline", "the events span from %lld ns to %lld ns, more than 64 bits "
                       "of ns: choose a window with --from and --to", (long long)*first,
                       (long long)*last);
    return rc;
}

/* The panel title of trace PATH: its producer (meta.producer; libgort's traces before the
 * key existed say nothing) and its path. */
static void panel_title(sqlite3 *db, const char *path, tl_panel *p) {
    sqlite3_stmt *st = NULL;
    const char *producer = "libgort";
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'producer'", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        producer = (const char *)sqlite3_column_text(st, 0);
    snprintf(p->title, sizeof p->title, "%s: %s", producer, path);
    sqlite3_finalize(st);
}

/* Reads trace I of the stack: its window is the common span from its own first event. */
static int read_stacked(const tl_args *a, const char *path, int64_t span, tl_stack *s, size_t i) {
    sqlite3 *db;
    int rc = vt_open("timeline", path, a->timeout, &db);
    if (rc) return rc;
    int64_t first, last;
    rc = trace_span(db, &first, &last);
    tl_args ai = *a;
    ai.trace = path;
    ai.has_from = ai.has_to = true;
    if (!rc && (__builtin_add_overflow(first, a->has_from ? a->from : 0, &ai.from) ||
                __builtin_add_overflow(first, a->has_to ? a->to : span, &ai.to)))
        rc = cli_error("timeline", "%s: the window ends past 64 bits of ns", path);
    if (rc) {
        sqlite3_close(db);
        return rc;
    }
    panel_title(db, path, &s->p[i]);
    s->p[i].end = last;
    rc = read_all(db, &ai, &s->d[i]);
    sqlite3_close(db);
    if (!rc && !choose_gaps(&s->d[i])) rc = cli_error("timeline", "out of memory");
    return rc;
}

/* The longest span (last - first event) of the traces, so every panel shows as much time. */
static int longest_span(const char *const *paths, size_t n, int64_t a_timeout, int64_t *span) {
    *span = 1;
    for (size_t i = 0; i < n; i++) {
        sqlite3 *db;
        int rc = vt_open("timeline", paths[i], a_timeout, &db);
        if (rc) return rc;
        int64_t first, last;
        rc = trace_span(db, &first, &last);
        sqlite3_close(db);
        if (rc) return rc;
        if (last - first > *span) *span = last - first;
    }
    return 0;
}

/* True when paths A and B name the same existing file. */
static bool same_path(const char *a, const char *b) {
    struct stat x, y;
    return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/* Each panel's height in pixels (from its lanes) and place; the picture's height. */
static void lay_out(const tl_args *a, tl_stack *s) {
    int px[MAX_TRACES], total = 0;
    for (size_t i = 0; i < s->n; i++) {
        px[i] = 110 + 26 * s->d[i].nlanes;
        if (px[i] < 240) px[i] = 240;
        total += px[i];
    }
    px[s->n - 1] += 60; /* the legend */
    total += 60;
    s->height = a->height ? a->height : total > 4000 ? 4000 : total;
    double y = 1;
    for (size_t i = 0; i < s->n; i++) {
        s->p[i].h = (double)px[i] / total;
        y -= s->p[i].h;
        s->p[i].y = y < 0 ? 0 : y;
        s->p[i].key = i + 1 == s->n;
    }
}

/* gort timeline A.db B.db ...: the traces stacked on one time axis, each aligned at its own
 * first event. Returns the exit status. */
static int timeline_stack(const tl_args *a) {
    const char *paths[MAX_TRACES] = { a->trace };
    size_t n = 1 + a->nmore;
    for (size_t i = 1; i < n; i++) paths[i] = a->more[i - 1];
    const char *out = a->script ? a->script : a->out ? a->out : "timeline.png";
    for (size_t i = 1; i < n; i++)
        if (same_path(out, paths[i])) return cli_error("timeline", "%s: refusing to overwrite a trace", out);
    if (a->has_from && a->has_to && a->to <= a->from) return cli_error("timeline", "--to is before --from");
    int64_t span;
    int rc = longest_span(paths, n, a->timeout, &span);
    if (rc) return rc;
    tl_stack s = { n, calloc(n, sizeof *s.d), calloc(n, sizeof *s.p), 0 };
    if (!s.d || !s.p) rc = cli_error("timeline", "out of memory");
    for (size_t i = 0; i < n && !rc; i++) rc = read_stacked(a, paths[i], span, &s, i);
    if (!rc) {
        lay_out(a, &s);
        rc = draw_with(a, write_stack, &s);
    }
    for (size_t i = 0; s.d && i < n; i++) free_data(&s.d[i]);
    free(s.d);
    free(s.p);
    return rc;
}

/* gort timeline: parses the command line, reads the trace, draws. Returns the exit status. */
static int cmd_timeline(int argc, char **argv) {
    tl_args a = { .width = 1600, .lanes = 40, .timeout = VIEWER_DEFAULT_TIMEOUT_NS };
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc < 0 ? GORT_EXIT_OK : rc;
    if (a.nmore) return timeline_stack(&a);
    sqlite3 *db;
    rc = vt_open("timeline", a.trace, a.timeout, &db);
    if (rc) return rc;
    tl_data d = { 0 };
    rc = read_all(db, &a, &d);
    sqlite3_close(db);
    if (!rc && !choose_gaps(&d)) rc = cli_error("timeline", "out of memory");
    if (!rc) rc = draw(&a, &d);
    free_data(&d);
    return rc;
}
