/*
 * viewer_units.c — unit tests of the viewer's pure parts: UTF-8 validation, XML and JSON
 * escaping (text.c), and folded-stack sets (folded.c): the radix sort against strcmp order,
 * merging, reversing, parsing. The sources are compiled in, as the viewer is no library.
 */
#define _GNU_SOURCE /* as text.c needs */
#include "../cli/util.c"
#include "../viewer/folded.c"
#include "../viewer/text.c"

#include <fcntl.h>
#include <unistd.h>

#include "check.h"

/* Runs WRITE on IN and returns the output (static buffer). */
static const char *escaped(void (*write)(FILE *, const char *, size_t), const char *in, size_t n) {
    static char out[512];
    FILE *f = fmemopen(out, sizeof out, "w");
    write(f, in, n);
    fclose(f);
    return out;
}

static void test_utf8(void) {
    struct { const char *s; size_t n, want; } cases[] = {
        { "a", 1, 1 }, { "\xC3\xB1", 2, 2 }, { "\xE6\x97\xA5", 3, 3 }, { "\xF0\x9F\x94\xA5", 4, 4 },
        { "\xC0\x80", 2, 0 },          /* overlong NUL */
        { "\xE0\x80\x80", 3, 0 },      /* overlong */
        { "\xED\xA0\x80", 3, 0 },      /* surrogate */
        { "\xF4\x90\x80\x80", 4, 0 },  /* past U+10FFFF */
        { "\xEF\xBF\xBE", 3, 0 },      /* U+FFFE */
        { "\xE6\x97", 2, 0 },          /* truncated */
        { "\xFF", 1, 0 }, { "\x80", 1, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t got = utf8_seq_len((const unsigned char *)cases[i].s, cases[i].n);
        CHECK(got == cases[i].want, "utf8_seq_len case %zu: %zu, want %zu", i, got, cases[i].want);
    }
    CHECK(utf8_count("a\xC3\xB1\xFF" "b", 5) == 4, "utf8_count");
    CHECK(utf8_prefix("\xC3\xB1\xC3\xB1x", 5, 1) == 2, "utf8_prefix");
}

static void test_escaping(void) {
    const char in[] = "a<b>&\"c\"'d'\x01\xFF\xC3\xB1";
    const char *x = escaped(xml_write_escaped, in, sizeof in - 1);
    CHECK(!strcmp(x, "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;\xEF\xBF\xBD\xEF\xBF\xBD\xC3\xB1"), "xml: %s", x);
    const char *j = escaped(json_write_string, in, sizeof in - 1);
    CHECK(!strcmp(j, "\"a<b>&\\\"c\\\"'d'\\u0001\\ufffd\xC3\xB1\""), "json: %s", j);
    const char nl[] = "x\n\t\\";
    j = escaped(json_write_string, nl, sizeof nl - 1);
    CHECK(!strcmp(j, "\"x\\n\\t\\\\\""), "json controls: %s", j);
}

static int strcmp_ptr(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorting: random stacks over a few names (long shared prefixes, prefixes of each other,
 * duplicates) sorted by fold_sort_merge must equal strcmp order with duplicates summed. */
static void test_sort(void) {
    static const char *const names[] = { "main", "a", "ab", "b", "gort_map", "gort_map_assign" };
    enum { N = 20000 };
    char **ref = malloc(N * sizeof *ref);
    fold_set fs;
    fold_init(&fs);
    unsigned seed = 12345;
    for (int i = 0; i < N; i++) {
        char buf[256] = "";
        int depth = 1 + (int)((seed = seed * 1103515245 + 12345) >> 16) % 8;
        for (int d = 0; d < depth; d++) {
            const char *n = names[((seed = seed * 1103515245 + 12345) >> 16) % 6];
            if (d) strcat(buf, ";");
            strcat(buf, n);
        }
        ref[i] = strdup(buf);
        fold_add(&fs, buf, strlen(buf), 1, 0);
    }
    qsort(ref, N, sizeof *ref, strcmp_ptr);
    fold_sort_merge(&fs);
    size_t k = 0;
    for (int i = 0; i < N;) {
        int j = i;
        while (j < N && !strcmp(ref[j], ref[i])) j++;
        CHECK(k < fs.n, "too few lines");
        if (k >= fs.n) break;
        CHECK(fs.lines[k].len == strlen(ref[i]) && !memcmp(fs.lines[k].stack, ref[i], fs.lines[k].len),
              "line %zu: %.*s, want %s", k, (int)fs.lines[k].len, fs.lines[k].stack, ref[i]);
        CHECK(fs.lines[k].count == j - i, "count of %s: %lld, want %d", ref[i], (long long)fs.lines[k].count, j - i);
        k++;
        i = j;
    }
    CHECK(k == fs.n, "%zu lines, want %zu", fs.n, k);
    for (int i = 0; i < N; i++) free(ref[i]);
    free(ref);
    fold_free(&fs);
}

static void test_reverse_and_diff(void) {
    fold_set a, b, d;
    fold_init(&a);
    fold_init(&b);
    fold_init(&d);
    fold_add(&a, "x;yy;z", 6, 2, 0);
    fold_add(&a, "solo", 4, 1, 0);
    CHECK(fold_reverse(&a), "reverse");
    CHECK(a.lines[0].len == 6 && !memcmp(a.lines[0].stack, "z;yy;x", 6), "reversed: %.*s", (int)a.lines[0].len, a.lines[0].stack);
    CHECK(a.lines[1].len == 4 && !memcmp(a.lines[1].stack, "solo", 4), "reversed solo");
    fold_add(&b, "solo", 4, 5, 0);
    fold_add(&b, "new", 3, 7, 0);
    fold_sort_merge(&a);
    fold_sort_merge(&b);
    CHECK(fold_diff(&a, &b, &d), "diff");
    CHECK(d.n == 3 && d.diff, "diff lines %zu", d.n);
    /* new: 0 -> 7; solo: 1 -> 5; z;yy;x: 2 -> 0 */
    CHECK(d.lines[0].before == 0 && d.lines[0].count == 7, "new");
    CHECK(d.lines[1].before == 1 && d.lines[1].count == 5, "solo");
    CHECK(d.lines[2].before == 2 && d.lines[2].count == 0, "gone");
    fold_free(&a);
    fold_free(&b);
    fold_free(&d);
}

static void test_parse(void) {
    char path[] = "/tmp/viewer_units_XXXXXX";
    int fd = mkstemp(path);
    const char text[] = "a;b c 3\r\n\n  \nx 10\n";
    CHECK(write(fd, text, sizeof text - 1) == (ssize_t)sizeof text - 1, "write");
    close(fd);
    fold_set fs;
    fold_init(&fs);
    CHECK(fold_read_file("test", path, &fs), "parse (blank lines are skipped)");
    CHECK(fs.n == 2 && !fs.diff, "lines %zu", fs.n);
    CHECK(fs.n == 2 && fs.lines[0].len == 5 && !memcmp(fs.lines[0].stack, "a;b c", 5) && fs.lines[0].count == 3, "line 1");
    CHECK(fs.n == 2 && fs.lines[1].count == 10, "line 2");
    fold_free(&fs);
    fd = open(path, O_WRONLY | O_TRUNC);
    const char text2[] = "a;b 3 4\nc 1\n";
    CHECK(write(fd, text2, sizeof text2 - 1) == (ssize_t)sizeof text2 - 1, "write");
    close(fd);
    fold_init(&fs);
    CHECK(!fold_read_file("test", path, &fs), "a 2-column line in a 3-column file is an error");
    fold_free(&fs);
    unlink(path);
}

static void test_durations(void) {
    struct { int64_t ns; const char *want; } cases[] = {
        { 0, "0 ns" }, { 999, "999 ns" }, { 3100, "3.1 us" }, { 999400, "999 us" },
        { 999500, "1 ms" }, { 999999900, "1 s" }, { -900, "-900 ns" }, { 2500000000, "2.5 s" },
    };
    char buf[32];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fmt_duration(cases[i].ns, buf, sizeof buf);
        CHECK(!strcmp(buf, cases[i].want), "fmt_duration(%lld) = %s, want %s", (long long)cases[i].ns, buf, cases[i].want);
    }
}

int main(void) {
    test_durations();
    test_utf8();
    test_escaping();
    test_sort();
    test_reverse_and_diff();
    test_parse();
    if (check_failures) {
        fprintf(stderr, "%d failed checks\n", check_failures);
        return 1;
    }
    puts("viewer units: ok");
    return 0;
}
