/*
 * text.c — writing untrusted bytes into XML and JSON.
 *
 * Symbols come from whatever the traced program's binaries say, and folded files from anyone:
 * a name may hold '<', '&', quotes, control characters or bytes that are not UTF-8 at all. An
 * SVG or JSON file with one such byte written raw is unreadable as a whole, so every name
 * goes through here. Valid UTF-8 passes unchanged (non-ASCII names stay readable); what XML
 * 1.0 or JSON cannot hold becomes U+FFFD, the replacement character.
 */
#define _GNU_SOURCE /* the unlocked stdio calls: a name is written a byte at a time */
#include "viewer.h"

#define putc putc_unlocked
#define fputs fputs_unlocked
#define fwrite fwrite_unlocked

static const char replacement[] = "\xEF\xBF\xBD";

/* Validates one UTF-8 sequence by the Unicode table of well-formed byte sequences. */
size_t utf8_seq_len(const unsigned char *s, size_t n) {
    unsigned c = s[0];
    if (c < 0x80) return 1;
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;      /* overlong */
        if (c == 0xED) hi = 0x9F;      /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;      /* overlong */
        if (c == 0xF4) hi = 0x8F;      /* past U+10FFFF */
    } else
        return 0;
    if (n < len) return 0;
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    /* U+FFFE and U+FFFF are not XML characters. */
    if (len == 3 && c == 0xEF && s[1] == 0xBF && (s[2] == 0xBE || s[2] == 0xBF)) return 0;
    return len;
}

/* Escapes markup characters, replaces what XML 1.0 cannot hold, copies valid UTF-8. */
void xml_write_escaped(FILE *out, const char *str, size_t n) {
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        switch (c) {
        case '&': fputs("&amp;", out); i++; continue;
        case '<': fputs("&lt;", out); i++; continue;
        case '>': fputs("&gt;", out); i++; continue;
        case '"': fputs("&quot;", out); i++; continue;
        case '\'': fputs("&apos;", out); i++; continue;
        default: break;
        }
        if (c < 0x20 || c == 0x7f) {
            fputs(replacement, out);
            i++;
            continue;
        }
        size_t len = utf8_seq_len(s + i, n - i);
        if (len == 0) {
            fputs(replacement, out);
            i++;
        } else {
            fwrite(s + i, 1, len, out);
            i += len;
        }
    }
}

/* Quotes and escapes for JSON (RFC 8259); invalid UTF-8 becomes \ufffd. */
void json_write_string(FILE *out, const char *str, size_t n) {
    const unsigned char *s = (const unsigned char *)str;
    putc('"', out);
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c == '"' || c == '\\') {
            putc('\\', out);
            putc((int)c, out);
            i++;
        } else if (c < 0x20) {
            switch (c) {
            case '\n': fputs("\\n", out); break;
            case '\r': fputs("\\r", out); break;
            case '\t': fputs("\\t", out); break;
            default: fprintf(out, "\\u%04x", c); break;
            }
            i++;
        } else if (c < 0x80) {
            putc((int)c, out);
            i++;
        } else {
            size_t len = utf8_seq_len(s + i, n - i);
            if (len == 0) {
                fputs("\\ufffd", out);
                i++;
            } else {
                fwrite(s + i, 1, len, out);
                i += len;
            }
        }
    }
    putc('"', out);
}

/* Counts characters, an invalid byte as one. */
size_t utf8_count(const char *str, size_t n) {
    const unsigned char *s = (const unsigned char *)str;
    size_t chars = 0;
    for (size_t i = 0; i < n; chars++) {
        size_t len = utf8_seq_len(s + i, n - i);
        i += len ? len : 1;
    }
    return chars;
}

/* Walks K characters forward; never splits a UTF-8 sequence. */
size_t utf8_prefix(const char *str, size_t n, size_t k) {
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n && k > 0) {
        size_t len = utf8_seq_len(s + i, n - i);
        i += len ? len : 1;
        k--;
    }
    return i;
}

/* Three significant digits in ns, us, ms or s. */
char *fmt_duration(int64_t ns, char *buf, size_t size) {
    double v = (double)ns;
    double a = v < 0 ? -v : v;
    /* Units switch where three significant digits would round up to 1000. */
    if (a < 1e3) snprintf(buf, size, "%lld ns", (long long)ns);
    else if (a < 999.5e3) snprintf(buf, size, "%.3g us", v / 1e3);
    else if (a < 999.5e6) snprintf(buf, size, "%.3g ms", v / 1e6);
    else snprintf(buf, size, "%.4g s", v / 1e9);
    return buf;
}

/* Converts right to left into a small buffer, then one fwrite. */
void write_i64(FILE *out, int64_t v) {
    char buf[24];
    char *p = buf + sizeof buf;
    uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) *--p = '-';
    fwrite(p, 1, (size_t)(buf + sizeof buf - p), out);
}
