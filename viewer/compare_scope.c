/*
 * compare_scope.c — which maps and deferred calls of a trace are the program's own
 * (gort compare --scope program).
 *
 * A real Go program makes maps and defers calls before and around its own code: about seven
 * maps in package initialisers (unicode, syscall, time) before main.main runs, a deferred
 * call of runtime.main, deferred calls inside fmt.Println (internal/poll, sync.Pool). A
 * libgort program makes none of those. compare matches maps and deferred calls by their order
 * of creation per goroutine ("map g1.3"), so the library's shift every number of the
 * program's; --scope program leaves them out, on both sides, by one rule:
 *
 *   A map or deferred call is the program's when the function that made it is not of the
 *   runtime's own source tree.
 *
 * "The function that made it" is read from the call stack of its creation: a map's first
 * event (its makemap, or for a Go map the compiler built in a frame, its first operation),
 * a deferred call's deferproc. The innermost frame is always the runtime function that
 * emitted the event (runtime.makemap in Go, gort_makemap in libgort), so the folder of its
 * source file is the runtime's folder; the maker is the first frame, going outwards, whose
 * source file is in another folder (runtime.doInit, runtime.main and libgort's own helpers
 * share the runtime's folder and are passed over). The runtime's source tree is:
 *   - for real Go (meta.producer go...): the folder above the runtime's, GOROOT/src, which
 *     holds the runtime and the standard library alike — unicode.init, internal/poll and
 *     sync are Go's code, not the program's;
 *   - for libgort: the runtime's folder itself (runtime/): libgort has no library of its own
 *     that makes maps, and every other folder is the program's.
 * A creation whose stack has no frame outside the runtime's folder (runtime.main's own
 * deferred call) is the runtime's. Files are compared as paths, folder by folder.
 *
 * What the rule needs, and refuses without: call stacks with source files. A trace recorded
 * with --no-stacks cannot say who made anything (one error line, exit 2); neither can a Go
 * program built with -trimpath, whose source paths are import paths that do not separate
 * GOROOT from the program's module. A single creation whose stack was not captured, or whose
 * innermost frame has no file, counts as the program's: the rule never drops what it cannot
 * show to be the runtime's.
 *
 * The result is two sets of ids that are NOT the program's (maps, deferred calls); the facts
 * leave out every event that names one, and SQL reaches the sets through two functions,
 * gort_program_map(map_id) and gort_program_defer(defer_id), registered on the trace's
 * connection (read-only: nothing is written to the trace).
 */
#include "viewer.h"

#include "cli.h"
#include "gort_record.h"

#include <stdlib.h>
#include <string.h>

/* The sets: ids that are NOT the program's (value 1). */
struct cmp_scope {
    idmap maps, defers;
};

/* What the frames of one stack say. */
enum { MAKER_PROGRAM = 1, MAKER_RUNTIME = 2 };

/* The state of one trace's classification. */
typedef struct {
    const char *cmd, *path;
    sqlite3 *db;
    bool go;                  /* the trace is real Go's: the tree is the runtime folder's parent */
    sqlite3_stmt *frames;     /* the files of one stack, innermost first */
    idmap stacks;             /* stack_id -> MAKER_* */
    cmp_scope *out;
} scope_pass;

/* The length of the folder part of PATH ("a/b/c.go" -> 3, "c.go" -> 0). */
static size_t folder_len(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? (size_t)(slash - path) : 0;
}

/* True when FILE lies in the folder TREE (its first TREE_LEN bytes), at any depth. */
static bool under(const char *file, const char *tree, size_t tree_len) {
    return file && strncmp(file, tree, tree_len) == 0 && file[tree_len] == '/';
}

/* Reads the frames of stack STACK_ID and says who made the thing it created: MAKER_PROGRAM or
 * MAKER_RUNTIME (see the essay), or 0 after an error line. */
static int classify_stack(scope_pass *p, int64_t stack_id) {
    sqlite3_stmt *st = p->frames;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, stack_id);
    char runtime[4096] = "";
    size_t rlen = 0, tlen = 0;
    int depth = 0, rc, maker = MAKER_RUNTIME;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *file = (const char *)sqlite3_column_text(st, 0);
        if (depth++ == 0) {
            if (!file || (rlen = folder_len(file)) == 0 || rlen >= sizeof runtime) {
                maker = MAKER_PROGRAM; /* no folder to tell the runtime by */
                break;
            }
            if (p->go && file[0] != '/') {
                cli_error(p->cmd, "%s: Go's source paths are not absolute (built with -trimpath?): "
                          "--scope program cannot tell Go's standard library from the program", p->path);
                return 0;
            }
            memcpy(runtime, file, rlen);
            runtime[rlen] = 0;
            tlen = p->go ? folder_len(runtime) : rlen;
            continue;
        }
        if (file && folder_len(file) == rlen && strncmp(file, runtime, rlen) == 0) continue;
        maker = under(file, runtime, tlen) ? MAKER_RUNTIME : MAKER_PROGRAM;
        break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        vt_sql_error(p->cmd, p->db, "reading call stacks");
        return 0;
    }
    if (depth == 0) maker = MAKER_PROGRAM; /* a stack with no frames: cannot tell */
    return maker;
}

/* Marks the map or deferred call ID (in SET) as not the program's when the stack STACK_ID
 * that created it says so. Returns 0 or GORT_EXIT_USAGE. */
static int judge_creation(scope_pass *p, idmap *set, int64_t id, int64_t stack_id) {
    int64_t *known = idmap_get(&p->stacks, stack_id, true);
    if (!known) return cli_error(p->cmd, "out of memory");
    if (!*known) {
        int maker = classify_stack(p, stack_id);
        if (!maker) return GORT_EXIT_USAGE;
        known = idmap_get(&p->stacks, stack_id, false); /* the table may have moved */
        *known = maker;
    }
    if (*known == MAKER_RUNTIME) {
        int64_t *slot = idmap_get(set, id, true);
        if (!slot) return cli_error(p->cmd, "out of memory");
        *slot = 1;
    }
    return 0;
}

/* One pass over the creations, in the events' order: each map's first event, each deferred
 * call's deferproc. Returns 0 or GORT_EXIT_USAGE; *WITH_STACK counts those that had a stack. */
static int scan_creations(scope_pass *p, int64_t *creations, int64_t *with_stack) {
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT kind_id, map_id, defer_id, stack_id FROM events "
             "WHERE (kind_id <= %d AND map_id IS NOT NULL AND map_id <> 0) OR kind_id = %d ORDER BY id",
             GORT_EV_mapstack, GORT_EV_deferproc);
    sqlite3_stmt *st = vt_prepare(p->cmd, p->db, sql);
    if (!st) return GORT_EXIT_USAGE;
    idmap seen = { 0 };
    int rc = 0, step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        bool defer = sqlite3_column_int(st, 0) == GORT_EV_deferproc;
        if (defer && sqlite3_column_type(st, 2) == SQLITE_NULL) continue;
        int64_t id = sqlite3_column_int64(st, defer ? 2 : 1);
        if (!defer) { /* a map's first event only */
            int64_t *s = idmap_get(&seen, id, true);
            if (!s) { rc = cli_error(p->cmd, "out of memory"); break; }
            if (*s) continue;
            *s = 1;
        }
        ++*creations;
        if (sqlite3_column_type(st, 3) == SQLITE_NULL) continue; /* no stack: the program's */
        ++*with_stack;
        rc = judge_creation(p, defer ? &p->out->defers : &p->out->maps, id, sqlite3_column_int64(st, 3));
    }
    if (!rc && step != SQLITE_DONE) rc = vt_sql_error(p->cmd, p->db, "reading events");
    sqlite3_finalize(st);
    idmap_free(&seen);
    return rc;
}

/* True when ID is in SET. */
static bool has(idmap *set, int64_t id) {
    return set->used && idmap_get(set, id, false) != NULL;
}

/* gort_program_map(id), gort_program_defer(id): 1 when the id is the program's (NULL ids
 * too: the nil map, an operation outside any deferred call), else 0. */
static void sql_program(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    idmap *set = sqlite3_user_data(ctx);
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_int(ctx, 1);
        return;
    }
    sqlite3_result_int(ctx, !has(set, sqlite3_value_int64(argv[0])));
}

/* Fills OUT with the maps and deferred calls of trace DB (at PATH) that the runtime or Go's
 * standard library made. Returns 0 or GORT_EXIT_USAGE after one error line. */
static int classify_trace(const char *cmd, const char *path, sqlite3 *db, cmp_scope *out) {
    sqlite3_stmt *st = vt_prepare(cmd, db, "SELECT value FROM meta WHERE key = 'producer'");
    if (!st) return GORT_EXIT_USAGE;
    bool go = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) &&
              strncmp((const char *)sqlite3_column_text(st, 0), "go", 2) == 0;
    sqlite3_finalize(st);
    scope_pass p = { cmd, path, db, go, NULL, { 0 }, out };
    p.frames = vt_prepare(cmd, db, "SELECT file FROM stack_frames WHERE stack_id = ?1 ORDER BY depth");
    if (!p.frames) return GORT_EXIT_USAGE;
    int64_t creations = 0, with_stack = 0;
    int rc = scan_creations(&p, &creations, &with_stack);
    sqlite3_finalize(p.frames);
    idmap_free(&p.stacks);
    if (!rc && creations && !with_stack)
        rc = cli_error(cmd, "%s: no call stacks (recorded with --no-stacks?): --scope program tells "
                       "the program's maps and deferred calls by the function that made them", path);
    return rc;
}

bool compare_scope_map(cmp_scope *s, int64_t map_id) { return !has(&s->maps, map_id); }

bool compare_scope_defer(cmp_scope *s, int64_t defer_id) { return !has(&s->defers, defer_id); }

int compare_scope_read(const char *cmd, const char *path, sqlite3 *db, bool program, cmp_scope **outp) {
    cmp_scope *out = *outp = calloc(1, sizeof *out);
    if (!out) return cli_error(cmd, "out of memory");
    int rc = program ? classify_trace(cmd, path, db, out) : 0;
    if (!rc && (sqlite3_create_function(db, "gort_program_map", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                        &out->maps, sql_program, NULL, NULL) != SQLITE_OK ||
                sqlite3_create_function(db, "gort_program_defer", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                        &out->defers, sql_program, NULL, NULL) != SQLITE_OK))
        rc = vt_sql_error(cmd, db, "registering the scope");
    if (rc) {
        compare_scope_free(out);
        *outp = NULL;
    }
    return rc;
}

void compare_scope_free(cmp_scope *s) {
    if (!s) return;
    idmap_free(&s->maps);
    idmap_free(&s->defers);
    free(s);
}
