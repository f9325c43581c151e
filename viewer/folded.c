/*
 * folded.c — sets of folded stacks, the common currency of flame graphs.
 *
 * A folded line is "outer;middle;inner WEIGHT" (Brendan Gregg's format, read by flamegraph.pl,
 * inferno and speedscope); a differential line, as difffolded.pl writes it, is
 * "outer;...;inner BEFORE AFTER". A fold_set holds such lines: each stack is a slice of bytes
 * in an arena the set owns (chunks), so a set of a million lines costs two allocations per
 * megabyte, not one per line. A folded file is mapped read-only (or, from a pipe, read whole
 * into one chunk) and its lines point into it: reading costs no copy.
 *
 * Order: flamegraph.pl sorts its input lines as bytes and merges neighbours, and the sort fixes
 * the left-to-right order of sibling frames. fold_sort_merge sorts by the stack's bytes with the
 * end of a stack lower than any byte, which is `LC_ALL=C sort` of the lines for any frame name
 * without bytes below ';' that a stack and its extension disagree on.
 *
 * Speed: a million deep stacks share long prefixes, and a comparison sort re-reads a shared
 * prefix at every comparison. The sort here is a multikey radix quicksort over 7-byte keys
 * (mkqsort): each level reads each stack's next 7 bytes once, caches them in the line, and
 * partitions on them; only lines equal so far go one level deeper. It costs about what
 * `LC_ALL=C sort` costs on the same file (bench/b_4_viewer.sh).
 *
 * Weights are non-negative (a count has at most 18 digits) and every sum of them is checked:
 * merging or totalling weights that do not fit in 64 bits fails, so no caller ever draws or
 * prints a wrapped number.
 */
#include "viewer.h"

#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK_SIZE (1u << 20)

void fold_init(fold_set *fs) { memset(fs, 0, sizeof *fs); }

/* Frees everything FS owns (lines, arena, mapping) and leaves it empty. */
void fold_free(fold_set *fs) {
    if (fs->map) munmap(fs->map, fs->map_len);
    for (size_t i = 0; i < fs->nchunks; i++) free(fs->chunks[i]);
    free(fs->chunks);
    free(fs->lines);
    memset(fs, 0, sizeof *fs);
}

/* Records BLOCK as owned by the set. */
static bool own_chunk(fold_set *fs, char *block) {
    if (fs->nchunks == fs->chunks_cap) {
        size_t cap = fs->chunks_cap ? fs->chunks_cap * 2 : 16;
        char **c = realloc(fs->chunks, cap * sizeof *c);
        if (!c) return false;
        fs->chunks = c;
        fs->chunks_cap = cap;
    }
    fs->chunks[fs->nchunks++] = block;
    return true;
}

/* Returns LEN bytes of arena space, valid as long as the set. */
static char *arena_alloc(fold_set *fs, size_t len) {
    if (len > fs->cur_left) {
        size_t size = len > CHUNK_SIZE ? len : CHUNK_SIZE;
        char *block = malloc(size);
        if (!block || !own_chunk(fs, block)) {
            free(block);
            return NULL;
        }
        fs->cur = block;
        fs->cur_left = size;
    }
    char *p = fs->cur;
    fs->cur += len;
    fs->cur_left -= len;
    return p;
}

/* Appends a line whose stack already lives in the arena. */
static bool push_line(fold_set *fs, const char *stack, size_t len, int64_t count, int64_t before) {
    if (len > UINT32_MAX) return false;
    if (fs->n == fs->cap) {
        size_t cap = fs->cap ? fs->cap * 2 : 1024;
        fold_line *l = realloc(fs->lines, cap * sizeof *l);
        if (!l) return false;
        fs->lines = l;
        fs->cap = cap;
    }
    fs->lines[fs->n++] = (fold_line){ stack, (uint32_t)len, count, before, 0 };
    return true;
}

/* Copies STACK into the arena and appends it as a line; false when out of memory. */
bool fold_add(fold_set *fs, const char *stack, size_t len, int64_t count, int64_t before) {
    char *p = arena_alloc(fs, len ? len : 1);
    if (!p) return false;
    memcpy(p, stack, len);
    return push_line(fs, p, len, count, before);
}

/* Reads all of F into a malloc'd buffer; *len gets its size. */
static char *slurp(FILE *f, size_t *len) {
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        char *b = realloc(buf, cap * 2);
        if (!b) { free(buf); return NULL; }
        buf = b;
        cap *= 2;
    }
    if (buf && ferror(f)) { free(buf); return NULL; }
    *len = n;
    return buf;
}

/* Splits the last whitespace-separated token of P[0..*len) off as a non-negative integer;
 * *len shrinks to the text before it (trailing blanks dropped). False when there is none. */
static bool take_count(const char *p, size_t *len, int64_t *out) {
    size_t e = *len;
    while (e > 0 && (p[e - 1] == ' ' || p[e - 1] == '\t')) e--;
    size_t s = e;
    while (s > 0 && p[s - 1] >= '0' && p[s - 1] <= '9') s--;
    if (s == e || e - s > 18 || s == 0 || (p[s - 1] != ' ' && p[s - 1] != '\t')) return false;
    int64_t v = 0;
    for (size_t i = s; i < e; i++) v = v * 10 + (p[i] - '0');
    while (s > 0 && (p[s - 1] == ' ' || p[s - 1] == '\t')) s--;
    *len = s;
    *out = v;
    return true;
}

/* Maps regular file PATH read-only into FS; false (errno set) when it cannot be mapped. */
static bool map_file(const char *path, fold_set *fs, const char **buf, size_t *n) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st;
    bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
    if (!ok && S_ISDIR(st.st_mode)) {
        close(fd);
        errno = EISDIR;
        return false;
    }
    if (ok) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        ok = p != MAP_FAILED;
        if (ok) {
            fs->map = p;
            fs->map_len = (size_t)st.st_size;
            *buf = p;
            *n = (size_t)st.st_size;
        }
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return ok;
}

/* Reads PATH (or stdin for "-") whole into a chunk of FS. */
static bool read_whole(const char *path, fold_set *fs, const char **buf, size_t *n) {
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) return false;
    char *b = slurp(f, n);
    if (f != stdin) fclose(f);
    if (!b || !own_chunk(fs, b)) {
        free(b);
        errno = ENOMEM;
        return false;
    }
    *buf = b;
    return true;
}

/* Reads a folded file into FS: mapped when it is a regular file, read whole otherwise. The
 * first line fixes 2 or 3 columns; a malformed line fails with its file and line number. */
bool fold_read_file(const char *cmd, const char *path, fold_set *fs) {
    const char *buf = NULL;
    size_t n = 0;
    errno = 0;
    if (strcmp(path, "-") == 0 || !map_file(path, fs, &buf, &n)) {
        if (errno == ENOENT || errno == EISDIR || errno == EACCES || !read_whole(path, fs, &buf, &n)) {
            cli_error(cmd, "%s: %s", path, errno == ENOENT ? "no such file" : strerror(errno ? errno : EIO));
            return false;
        }
    }
    size_t lineno = 0;
    int columns = 0; /* 2 or 3, fixed by the first line */
    for (size_t pos = 0; pos < n;) {
        char *nl = memchr(buf + pos, '\n', n - pos);
        size_t end = nl ? (size_t)(nl - buf) : n;
        size_t len = end - pos;
        const char *line = buf + pos;
        pos = end + 1;
        lineno++;
        while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t')) len--;
        if (len == 0) continue; /* blank */
        int64_t after, before = 0;
        if (!take_count(line, &len, &after) || len == 0) {
            cli_error(cmd, "%s:%zu: not a folded stack line (\"frame;frame;... COUNT\")", path, lineno);
            return false;
        }
        size_t len2 = len;
        if (columns == 0) columns = take_count(line, &len2, &before) && len2 > 0 ? 3 : 2;
        if (columns == 3) {
            if (!take_count(line, &len, &before) || len == 0) {
                cli_error(cmd, "%s:%zu: expected \"stack BEFORE AFTER\" as on line 1", path, lineno);
                return false;
            }
        }
        if (!push_line(fs, line, len, after, before)) {
            cli_error(cmd, "out of memory");
            return false;
        }
    }
    fs->diff = columns == 3;
    return true;
}

/* Byte order of two stacks, a stack's end sorting before any byte. */
static int stack_cmp(const fold_line *a, const fold_line *b) {
    uint32_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->stack, b->stack, n);
    if (c) return c;
    return (a->len > b->len) - (a->len < b->len);
}

/* The sort key of L at byte DEPTH: its next 7 bytes big-endian in the high 56 bits, and in the
 * low byte how many of them exist (7 meaning "7, maybe more"). Comparing keys as integers
 * compares the 7-byte windows as bytes with a stack's end lower than any byte; two stacks
 * with equal keys whose low byte is below 7 have both ended: they are equal. */
static inline uint64_t key_at(const fold_line *l, uint32_t depth) {
    uint32_t rem = l->len > depth ? l->len - depth : 0;
    uint64_t k = 0;
    if (rem >= 8) {
        memcpy(&k, l->stack + depth, 8);
        return (__builtin_bswap64(k) & ~(uint64_t)0xFF) | 7;
    }
    uint32_t n = rem < 7 ? rem : 7;
    for (uint32_t i = 0; i < n; i++) k |= (uint64_t)(unsigned char)l->stack[depth + i] << (56 - 8 * i);
    return k | n;
}

/* Exchanges two lines. */
static inline void swap_lines(fold_line *a, fold_line *b) {
    fold_line t = *a;
    *a = *b;
    *b = t;
}

/* Sorts L[0..N) by their stacks from byte DEPTH on, when they agree before it: a three-way
 * radix quicksort (Bentley & Sedgewick's multikey quicksort) over 7-byte "characters". Each
 * level reads each stack once (its key, cached in the line), so a long prefix shared by many
 * stacks costs one pass per 7 bytes instead of one memcmp per comparison. KEYED: the keys at
 * DEPTH are already in place. */
static void mkqsort(fold_line *l, size_t n, uint32_t depth, bool keyed) {
    while (n > 12) {
        if (!keyed)
            for (size_t i = 0; i < n; i++) l[i].key = key_at(&l[i], depth);
        uint64_t a = l[0].key, b = l[n / 2].key, c = l[n - 1].key;
        uint64_t pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        size_t lt = 0, gt = n, i = 0;
        while (i < gt) {
            uint64_t k = l[i].key;
            if (k < pivot) swap_lines(&l[lt++], &l[i++]);
            else if (k > pivot) swap_lines(&l[--gt], &l[i]);
            else i++;
        }
        mkqsort(l, lt, depth, true);
        mkqsort(l + gt, n - gt, depth, true);
        if ((pivot & 0xFF) < 7) return; /* the middle stacks all ended: equal */
        l += lt;
        n = gt - lt;
        depth += 7;
        keyed = false;
    }
    /* Few lines: insertion sort, comparing from DEPTH on. */
    for (size_t i = 1; i < n; i++) {
        for (size_t j = i; j > 0 && stack_cmp(&l[j - 1], &l[j]) > 0; j--) swap_lines(&l[j - 1], &l[j]);
    }
}

/* Sorts the lines (mkqsort), then folds runs of equal stacks into one line, adding up weights;
 * false as soon as a sum does not fit in 64 bits. */
bool fold_sort_merge(fold_set *fs) {
    if (fs->n < 2) return true;
    mkqsort(fs->lines, fs->n, 0, false);
    size_t w = 0;
    for (size_t r = 1; r < fs->n; r++) {
        fold_line *a = &fs->lines[w];
        const fold_line *b = &fs->lines[r];
        if (a->len == b->len && !memcmp(a->stack, b->stack, a->len)) {
            if (__builtin_add_overflow(a->count, b->count, &a->count) ||
                __builtin_add_overflow(a->before, b->before, &a->before))
                return false;
        } else {
            fs->lines[++w] = fs->lines[r];
        }
    }
    fs->n = w + 1;
    return true;
}

/* Adds up the weights (and the before-weights) of every line; false when either sum does
 * not fit in 64 bits. */
bool fold_total(const fold_set *fs, int64_t *total) {
    int64_t t = 0, b = 0;
    for (size_t i = 0; i < fs->n; i++)
        if (__builtin_add_overflow(t, fs->lines[i].count, &t) ||
            __builtin_add_overflow(b, fs->lines[i].before, &b))
            return false;
    *total = t;
    return true;
}

/* Rewrites each stack with its frames in reverse order, into the arena; false when out of
 * memory (lines already reversed stay valid). */
bool fold_reverse(fold_set *fs) {
    for (size_t i = 0; i < fs->n; i++) {
        fold_line *l = &fs->lines[i];
        char *p = arena_alloc(fs, l->len ? l->len : 1);
        if (!p) return false;
        /* Copy frames last to first: each frame's bytes keep their order. */
        size_t out = 0, end = l->len;
        while (end > 0) {
            size_t start = end;
            while (start > 0 && l->stack[start - 1] != ';') start--;
            memcpy(p + out, l->stack + start, end - start);
            out += end - start;
            if (start > 0) p[out++] = ';';
            end = start ? start - 1 : 0;
        }
        l->stack = p;
    }
    return true;
}

/* Merges two sorted sets line by line, as difffolded.pl pairs its two inputs. */
bool fold_diff(const fold_set *before, const fold_set *after, fold_set *out) {
    size_t i = 0, j = 0;
    out->diff = true;
    while (i < before->n || j < after->n) {
        int c = i == before->n ? 1 : j == after->n ? -1 : stack_cmp(&before->lines[i], &after->lines[j]);
        const fold_line *l = c <= 0 ? &before->lines[i] : &after->lines[j];
        int64_t b = c <= 0 ? before->lines[i].count : 0;
        int64_t a = c >= 0 ? after->lines[j].count : 0;
        if (!fold_add(out, l->stack, l->len, a, b)) return false;
        if (c <= 0) i++;
        if (c >= 0) j++;
    }
    return true;
}

/* Writes each line as folded text, in the set's order. */
void fold_print(const fold_set *fs, FILE *out) {
    for (size_t i = 0; i < fs->n; i++) {
        const fold_line *l = &fs->lines[i];
        fwrite(l->stack, 1, l->len, out);
        if (fs->diff) fprintf(out, " %lld %lld\n", (long long)l->before, (long long)l->count);
        else fprintf(out, " %lld\n", (long long)l->count);
    }
}
