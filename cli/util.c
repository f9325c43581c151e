/*
 * util.c — the shared utility layer of the gort command: one-line errors and option values.
 * An error is one line whatever it quotes: control characters in it are printed as spaces.
 */
#define _GNU_SOURCE /* vasprintf */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Formats the message whole, then writes it as one line: a message may quote what the input
 * holds (a corrupted schema's text in SQLite's error, a file name), and a line break or other
 * control character there would break the one-line promise, so each becomes a space. */
int cli_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (*cmd) fprintf(stderr, "gort %s: ", cmd);
    else fputs("gort: ", stderr);
    if (n < 0 || !msg) {
        fputs("(out of memory formatting the error)\n", stderr);
        return GORT_EXIT_USAGE;
    }
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = ' ';
    fputs(msg, stderr);
    fputc('\n', stderr);
    free(msg);
    return GORT_EXIT_USAGE;
}

bool cli_parse_int(const char *s, int64_t min, int64_t max, int64_t *out) {
    char *end;
    if (!s || !*s) return false;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max) return false;
    *out = v;
    return true;
}

/* Splits "123K" into a number and a suffix scale; shared by sizes and times. */
static bool parse_scaled(const char *s, const char *const *units, const uint64_t *scales,
                         uint64_t *out) {
    char *end;
    if (!s || *s < '0' || *s > '9') return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno) return false;
    uint64_t scale = 1;
    if (*end) {
        int k = 0;
        while (units[k] && strcmp(units[k], end) != 0) k++;
        if (!units[k]) return false;
        scale = scales[k];
    }
    if (v > UINT64_MAX / scale) return false;
    *out = v * scale;
    return true;
}

bool cli_parse_size(const char *s, uint64_t *out) {
    static const char *const units[] = { "K", "M", "G", "k", "m", "g", NULL };
    static const uint64_t scales[] = { 1u << 10, 1u << 20, 1u << 30, 1u << 10, 1u << 20, 1u << 30 };
    return parse_scaled(s, units, scales, out);
}

bool cli_parse_time_ns(const char *s, int64_t *out) {
    static const char *const units[] = { "ns", "us", "ms", "s", NULL };
    static const uint64_t scales[] = { 1, 1000, 1000000, 1000000000 };
    uint64_t v;
    if (!parse_scaled(s, units, scales, &v) || v > INT64_MAX) return false;
    *out = (int64_t)v;
    return true;
}
