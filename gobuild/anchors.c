/*
 * anchors.c — how gort's hook is anchored in Go's runtime.
 *
 * The hook is Go code that must run inside Go's own runtime package, at precise points of
 * functions such as mapassign or gcStart, with no fork of Go and nothing written to GOROOT.
 * `go build -overlay` makes that possible: it compiles a package with some of its files
 * replaced or added. gort adds its own files (gohook/runtime/gort_*.go, gort_amd64.s and the
 * generated gort_format.go) and replaces each runtime file it hooks with a copy patched here.
 *
 * A patch is an anchor (the list is gohook/anchors, read at every build):
 *
 *   hook mapassign_fast64 map_fast64.go func mapassign_fast64
 *   | h.flags &^= hashWriting
 *   > if gortOn { gortMapassign(t, h, gortCount0) }
 *
 * names a file, a scope in it (a function, a method, a struct type: from its declaration line
 * to the first closing brace at column 0), one or more context lines that must follow each
 * other in that scope (compared without leading and trailing blanks), and code to insert
 * before (<) or after (>) the last of them. The anchor must match exactly once. If the scope
 * is missing, or the context matches zero or several times, the runtime is not the one the
 * hook was written for (another Go version, a patched GOROOT) and the build is refused with
 * the anchor's name: a hook is never inserted at a guessed place.
 *
 * The insertion goes on the anchor's own line, joined by "; " (or a blank after a line ending
 * in "{" or ":"), so the patched file has exactly the original's line numbers: Go's
 * tracebacks, the DWARF line tables and gort's symbolized stacks all point at the real file
 * in GOROOT. An insertion after a line with a trailing // comment would be commented out;
 * the list is refused then.
 *
 * What each hook is anchored on (Go 1.19.8; gohook/anchors is the authority):
 *   - attach: after goenvs() in schedinit — the environment is read, no user code ran yet.
 *   - per-M and per-goroutine state: a field appended to `type m` (after locksHeld) and to
 *     `type g` (after gcAssistBytes); assembly reaches g and m fields through generated
 *     offsets, and the cgo C code only through g's first fields, so appending is safe.
 *   - makemap, makemap_small: before `return h`. mapassign*, mapdelete*, mapclear: the count
 *     is read after `h.flags ^= hashWriting` (the write begins) and the event emitted after
 *     `h.flags &^= hashWriting` (it ends); nil and empty maps before their early return.
 *   - hashGrow after `h.noverflow = 0` (growth committed); evacuate* counts `dst.i++` and
 *     emits before the old bucket is cleared; advanceEvacuationMark after
 *     `h.oldbuckets = nil` (growth done); mapiterinit before its first mapiternext.
 *   - map death: (*mheap).init initialises a fixalloc for a new special kind beside the
 *     reachable-special allocator; freeSpecial gets a case for it before `default:` (the
 *     sweeper calls freeSpecial for the specials of every object it frees).
 *   - copystack after `gp.stack = new` (stack maps move with the stack).
 *   - deferproc after `d.sp = getcallersp()`, deferprocStack after the store of gp._defer
 *     (the record is complete and linked); deferreturn reads the id after `fn := d.fn`
 *     (before freedefer clears the record) and wraps `fn()`; gopanic wraps `d.fn()`, Goexit
 *     and runOpenDeferFrame wrap deferCallSave; deferreturn's three returns report the frame
 *     exit of goroutines with stack maps.
 *   - gopanic before `var p _panic`; gorecover at `p.recovered = true` and `return nil`;
 *     Goexit after `gp := getg()`; fatalthrow and fatalpanic inside their systemstack closure,
 *     before startpanic_m (on g0's large stack: the nosplit budget of throw's callers is
 *     left alone).
 *   - newproc1 after the goid is assigned; execute after the goroutine becomes _Grunning;
 *     goexit1 before mcall(goexit0); mexit after sigblock (the thread's ring is retired).
 *   - gcStart around stopTheWorldWithSema, after `work.cycles++`, and where it adds the first
 *     pause; gcMarkDone before its stop and at its restart; gcMarkTermination after it starts
 *     the world; setGCPhase after the phase store; gcSweep after assertWorldStopped;
 *     sweepLocked.sweep after nfreed is known; activeSweep.end just before the last sweeper of
 *     a drained sweep publishes "done" (runtime.GC returns as soon as it sees it).
 *   - Map operations keep their count before the write in a local (gortCount0) declared after
 *     `h.flags ^= hashWriting`, before every goto of the function, so no goto jumps over it.
 */
#include "gobuild.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct anchor {
    char *name, *file, *scope;
    char **ctx;
    size_t nctx;
    char *before, *after;
    int line;  /* in the anchor list, for messages */
} anchor;

struct anchor_list {
    anchor *v;
    size_t n;
    const char **files;
    size_t nfiles;
    char *text; /* the list's contents; every string above points into it */
};

/* Removes leading and trailing blanks in place; returns the start. */
static char *trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = 0;
    return s;
}

/* Reads a whole file into a NUL-terminated buffer. NULL with err set. */
static char *read_file(const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    size_t got;
    while (b && (got = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
    }
    bool bad = ferror(f);
    fclose(f);
    if (!b || bad) {
        free(b);
        snprintf(err, errlen, "cannot read %s", path);
        return NULL;
    }
    b[n] = 0;
    return b;
}

/* Frees the list and everything it holds; a may be NULL. */
void anchors_free(anchor_list *a) {
    if (!a) return;
    for (size_t i = 0; i < a->n; i++) free(a->v[i].ctx);
    free(a->v);
    free(a->files);
    free(a->text);
    free(a);
}

/* Appends to a growable array of n elements of size sz; false when out of memory. */
static bool push(void **arr, size_t *n, size_t sz, const void *elem) {
    void *p = realloc(*arr, (*n + 1) * sz);
    if (!p) return false;
    memcpy((char *)p + *n * sz, elem, sz);
    *arr = p;
    (*n)++;
    return true;
}

/* Records file as one of the patched files if it is new. */
static bool add_file(anchor_list *a, const char *file) {
    for (size_t i = 0; i < a->nfiles; i++)
        if (!strcmp(a->files[i], file)) return true;
    return push((void **)&a->files, &a->nfiles, sizeof *a->files, &file);
}

/* Parses "hook NAME FILE SCOPE..." into a new anchor. */
static bool parse_hook(char *rest, int line, anchor *h, char *err, size_t errlen) {
    memset(h, 0, sizeof *h);
    h->line = line;
    char *save = NULL;
    h->name = strtok_r(rest, " \t", &save);
    h->file = strtok_r(NULL, " \t", &save);
    h->scope = strtok_r(NULL, "", &save);
    if (!h->name || !h->file || !h->scope) {
        snprintf(err, errlen, "anchors line %d: want 'hook NAME FILE SCOPE'", line);
        return false;
    }
    h->scope = trim(h->scope);
    return true;
}

/* Checks a finished hook: a context, an insertion, nothing after a comment. */
static bool check_hook(const anchor *h, char *err, size_t errlen) {
    if (!h->nctx || (!h->before && !h->after)) {
        snprintf(err, errlen, "anchors line %d: hook %s needs context (|) and code (< or >)",
                 h->line, h->name);
        return false;
    }
    if (h->after && strstr(h->ctx[h->nctx - 1], "//")) {
        snprintf(err, errlen, "anchors line %d: hook %s inserts after a line comment", h->line,
                 h->name);
        return false;
    }
    return true;
}

/* Parses the anchor list at path (format at the top of gohook/anchors). Promises: every hook
 * has a context and code, and no code goes after a line comment; else NULL with err set. */
anchor_list *anchors_load(const char *path, char *err, size_t errlen) {
    anchor_list *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    a->text = read_file(path, err, errlen);
    if (!a->text) {
        anchors_free(a);
        return NULL;
    }
    anchor cur;
    bool open = false, ok = true;
    int lineno = 0;
    for (char *line = a->text, *next; line && ok; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        lineno++;
        if (!*line || line[0] == '#') continue;
        if (!strncmp(line, "hook ", 5)) {
            if (open) {
                ok = check_hook(&cur, err, errlen) && push((void **)&a->v, &a->n, sizeof cur, &cur);
                if (!ok) break;
                open = false;
            }
            ok = parse_hook(line + 5, lineno, &cur, err, errlen) && add_file(a, cur.file);
            open = ok;
        } else if (open && (line[0] == '|' || line[0] == '<' || line[0] == '>')) {
            char *text = trim(line + 1);
            if (line[0] == '|')
                ok = push((void **)&cur.ctx, &cur.nctx, sizeof text, &text);
            else if (line[0] == '<')
                cur.before = text;
            else
                cur.after = text;
        } else {
            snprintf(err, errlen, "anchors line %d: unexpected '%.40s'", lineno, line);
            ok = false;
        }
    }
    if (ok && open) {
        ok = check_hook(&cur, err, errlen) && push((void **)&a->v, &a->n, sizeof cur, &cur);
        open = !ok;
    }
    if (!ok) {
        if (open) free(cur.ctx);
        anchors_free(a);
        return NULL;
    }
    return a;
}

/* The runtime files the anchors patch, in order of first mention. */
size_t anchors_files(const anchor_list *a, const char ***files) {
    *files = a->files;
    return a->nfiles;
}

/* The lines of a text: starts and lengths (without the newline). */
typedef struct lines {
    const char **s;
    size_t *len;
    size_t n;
} lines;

/* Splits text into lines; false when out of memory. */
static bool split_lines(const char *text, lines *l) {
    size_t cap = 1;
    for (const char *p = text; *p; p++) cap += *p == '\n';
    l->s = malloc(cap * sizeof *l->s);
    l->len = malloc(cap * sizeof *l->len);
    l->n = 0;
    if (!l->s || !l->len) return false;
    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        l->s[l->n] = p;
        l->len[l->n++] = n;
        p += n + (e ? 1 : 0);
    }
    return true;
}

/* True when line i, blanks trimmed, equals want. */
static bool line_is(const lines *l, size_t i, const char *want) {
    const char *s = l->s[i];
    size_t n = l->len[i];
    while (n && (*s == ' ' || *s == '\t')) s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) n--;
    return n == strlen(want) && !memcmp(s, want, n);
}

/* True when line i (at column 0) declares the scope: "func NAME", "func (*T) NAME",
 * "func (T) NAME" or "type NAME". */
static bool declares(const lines *l, size_t i, const char *scope) {
    const char *s = l->s[i];
    size_t n = l->len[i];
    char want[256];
    if (!strncmp(scope, "type ", 5)) {
        snprintf(want, sizeof want, "type %s struct {", scope + 5);
        return n >= strlen(want) && !memcmp(s, want, strlen(want));
    }
    if (strncmp(scope, "func ", 5)) return false;
    const char *name = scope + 5;
    if (*name != '(') { /* a function: "func NAME(" */
        snprintf(want, sizeof want, "func %s(", name);
        return n >= strlen(want) && !memcmp(s, want, strlen(want));
    }
    /* a method: "func (RECV *T) NAME(" where the scope says "(*T) NAME" */
    if (n < 6 || memcmp(s, "func (", 6)) return false;
    const char *close = strchr(name, ')');
    if (!close) return false;
    const char *sp = memchr(s + 6, ' ', n - 6); /* after the receiver's name */
    if (!sp) return false;
    snprintf(want, sizeof want, "%.*s%s(", (int)(close - name - 1), name + 1, close);
    size_t rest = n - (size_t)(sp + 1 - s);
    return rest >= strlen(want) && !memcmp(sp + 1, want, strlen(want));
}

/* Finds the scope's lines [*lo, *hi): its declaration to the next "}" at column 0. Returns
 * how many declarations matched. */
static int find_scope(const lines *l, const char *scope, size_t *lo, size_t *hi) {
    int found = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (!declares(l, i, scope)) continue;
        if (found++) continue;
        *lo = i;
        *hi = l->n;
        for (size_t j = i + 1; j < l->n; j++)
            if (l->len[j] == 1 && l->s[j][0] == '}') {
                *hi = j;
                break;
            }
    }
    return found;
}

/* Counts where the anchor's context matches in [lo, hi); *at gets the last context line of
 * the first match. */
static int match_context(const lines *l, const anchor *h, size_t lo, size_t hi, size_t *at) {
    int found = 0;
    for (size_t i = lo; i + h->nctx <= hi; i++) {
        size_t k = 0;
        while (k < h->nctx && line_is(l, i + k, h->ctx[k])) k++;
        if (k < h->nctx) continue;
        if (!found++) *at = i + h->nctx - 1;
    }
    return found;
}

/* Text of src with line `at` replaced by its patched version (malloc'd). */
static char *patch_line(const char *src, const lines *l, size_t at, const anchor *h) {
    const char *s = l->s[at];
    size_t n = l->len[at], ind = 0;
    while (ind < n && (s[ind] == ' ' || s[ind] == '\t')) ind++;
    size_t end = n;
    while (end > ind && (s[end - 1] == ' ' || s[end - 1] == '\t')) end--;
    char last = end > ind ? s[end - 1] : 0;
    const char *after_sep = last == '{' || last == ':' ? " " : "; ";
    size_t extra = (h->before ? strlen(h->before) + 2 : 0) + (h->after ? strlen(h->after) + 2 : 0);
    size_t total = strlen(src) + extra + 1;
    char *out = malloc(total);
    if (!out) return NULL;
    size_t pre = (size_t)(s - src);
    char *o = out;
    memcpy(o, src, pre + ind);
    o += pre + ind;
    if (h->before) o += sprintf(o, "%s; ", h->before);
    memcpy(o, s + ind, end - ind);
    o += end - ind;
    if (h->after) o += sprintf(o, "%s%s", after_sep, h->after);
    strcpy(o, s + n);
    return out;
}

char *anchors_apply(const anchor_list *a, const char *file, const char *src, char *err,
                    size_t errlen) {
    char *text = strdup(src);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < a->n && text; i++) {
        const anchor *h = &a->v[i];
        if (strcmp(h->file, file)) continue;
        lines l;
        if (!split_lines(text, &l)) {
            free(l.s);
            free(l.len);
            free(text);
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
        size_t lo = 0, hi = 0, at = 0;
        int scopes = find_scope(&l, h->scope, &lo, &hi);
        int found = scopes == 1 ? match_context(&l, h, lo, hi, &at) : 0;
        char *patched = NULL;
        if (scopes != 1)
            snprintf(err, errlen, "anchor %s (%s: %s) found %d times", h->name, h->file, h->scope, scopes);
        else if (found != 1)
            snprintf(err, errlen, "anchor %s (%s, %s: '%s') matched %d times", h->name, h->file,
                     h->scope, h->ctx[h->nctx - 1], found);
        else if (!(patched = patch_line(text, &l, at, h)))
            snprintf(err, errlen, "out of memory");
        free(l.s);
        free(l.len);
        free(text);
        text = patched;
    }
    return text;
}
