/*
 * jbuf.c — a write buffer for the exports, which write tens of millions of small JSON pieces.
 *
 * stdio costs a lock and a call per piece; an export of ten million events is a billion bytes
 * in about a hundred million pieces. The buffer appends with memcpy into 1 MiB of its own and
 * hands full blocks to fwrite, so the writers pay for bytes, not calls. Numbers are formatted
 * by hand (no printf): integers, and nanoseconds as microseconds with three decimals, the unit
 * of the Trace Event Format that still keeps every nanosecond.
 *
 * Errors: a failed fwrite is remembered (jb->failed) and later writes are dropped; the caller
 * checks jbuf_finish, which also flushes. Nothing here allocates after jbuf_init.
 */
#include "viewer.h"

#include <stdlib.h>
#include <string.h>

/* Starts JB on OUT with its 1 MiB buffer; false when out of memory. */
bool jbuf_init(jbuf *jb, FILE *out) {
    jb->out = out;
    jb->len = 0;
    jb->failed = false;
    jb->buf = malloc(JBUF_SIZE);
    return jb->buf != NULL;
}

/* Hands the buffered bytes to stdio. */
static void jbuf_flush(jbuf *jb) {
    if (jb->len && !jb->failed && fwrite(jb->buf, 1, jb->len, jb->out) != jb->len) jb->failed = true;
    jb->len = 0;
}

/* Flushes and frees JB's buffer; true when every write reached stdio. */
bool jbuf_finish(jbuf *jb) {
    jbuf_flush(jb);
    free(jb->buf);
    jb->buf = NULL;
    return !jb->failed;
}

/* jbuf_mem when S[0..N) does not fit: flush, then buffer it (or write it through if larger). */
void jbuf_mem_slow(jbuf *jb, const char *s, size_t n) {
    jbuf_flush(jb);
    if (n > JBUF_SIZE) {
        if (!jb->failed && fwrite(s, 1, n, jb->out) != n) jb->failed = true;
        return;
    }
    memcpy(jb->buf, s, n);
    jb->len = n;
}

/* Appends the NUL-terminated S. */
void jbuf_str(jbuf *jb, const char *s) { jbuf_mem(jb, s, strlen(s)); }

/* Appends V in decimal, two digits per division. */
void jbuf_i64(jbuf *jb, int64_t v) {
    static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                "8081828384858687888990919293949596979899";
    char tmp[24];
    char *p = tmp + sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    while (u >= 100) { /* two digits a division */
        unsigned d = (unsigned)(u % 100) * 2;
        u /= 100;
        *--p = pairs[d + 1];
        *--p = pairs[d];
    }
    if (u >= 10) {
        *--p = pairs[u * 2 + 1];
        *--p = pairs[u * 2];
    } else {
        *--p = (char)('0' + u);
    }
    if (v < 0) *--p = '-';
    jbuf_mem(jb, p, (size_t)(tmp + sizeof tmp - p));
}

/* Appends NS as microseconds with exactly three decimals: every nanosecond kept (INT64_MIN
 * too: its magnitude is taken unsigned, where negating it would overflow). */
void jbuf_us(jbuf *jb, int64_t ns) {
    uint64_t u = (uint64_t)ns;
    if (ns < 0) {
        jbuf_mem(jb, "-", 1);
        u = -u;
    }
    jbuf_i64(jb, (int64_t)(u / 1000));
    char frac[4] = { '.', (char)('0' + u % 1000 / 100), (char)('0' + u % 100 / 10), (char)('0' + u % 10) };
    jbuf_mem(jb, frac, 4);
}

/* Appends S[0..N) as a JSON string literal; a failure marks JB failed. */
void jbuf_json_string(jbuf *jb, const char *s, size_t n) {
    /* Rare (names): through a memory stream and text.c's one JSON escaper. */
    char *esc = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&esc, &len);
    if (!m) {
        jb->failed = true;
        return;
    }
    json_write_string(m, s, n);
    if (fclose(m) != 0) jb->failed = true;
    else jbuf_mem(jb, esc, len);
    free(esc);
}
