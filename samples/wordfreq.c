/*
 * wordfreq — a realistic map-heavy program: word frequencies over a generated corpus.
 * Several goroutines each count their share of the documents into their own map, using a
 * short-lived map per document (garbage for the collector), and main merges the results.
 *
 *  func count(docs [][]string) map[string]int {
 *      total := make(map[string]int)
 *      for _, doc := range docs {
 *          seen := make(map[string]int)       // one map per document: dropped after the merge
 *          for _, w := range doc { seen[w]++ }
 *          for w, n := range seen { total[w] += n }
 *      }
 *      return total
 *  }
 *  // main: split the corpus over G goroutines, wait, merge their maps, print the top words.
 *
 * Usage: wordfreq [GOROUTINES [DOCS_PER_GOROUTINE]]   (defaults 4 and 400)
 */
#include "gort.h"

#include <stdio.h>
#include <stdlib.h>

#define VOCAB 4000
#define DOC_WORDS 300
#define MAX_G 16

static char vocab_text[VOCAB * 12];
static gort_string vocab[VOCAB];

/* Builds VOCAB distinct pronounceable words, the same on every run. */
static void make_vocab(void) {
    static const char *const syl[] = { "ka", "lo", "mi", "re", "tu", "sa", "ne", "po", "vi", "da",
                                       "go", "ru", "fe", "zi", "ba", "sho" };
    char *p = vocab_text;
    for (int i = 0; i < VOCAB; i++) {
        char *start = p;
        int n = i;
        do {
            const char *s = syl[n % 16];
            while (*s) *p++ = *s++;
            n /= 16;
        } while (n > 0);
        vocab[i].ptr = start;
        vocab[i].len = (size_t)(p - start);
    }
}

/* xorshift64: a reproducible word stream per goroutine. */
static uint64_t next_rand(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* A Zipf-like pick: small indexes are far more frequent, like words in text. */
static int pick_word(uint64_t *s) {
    uint64_t r = next_rand(s);
    double u = (double)(r >> 11) / (double)(1ull << 53);
    return (int)((double)VOCAB * u * u * u) % VOCAB;
}

struct worker {
    gort_map *total; /* word -> count: the goroutine's result */
    int64_t docs;
    uint64_t seed;
};

/* Counts one document into total through a per-document map. */
static void count_doc(struct worker *w, uint64_t *seed) {
    GORT_FUNC(fr);
    gort_map *seen = gort_makemap(&gort_type_string_int64, 0);
    GORT_ROOT(fr, &seen);
    for (int i = 0; i < DOC_WORDS; i++) (*(int64_t *)gort_mapassign_faststr(seen, vocab[pick_word(seed)]))++;
    gort_mapiter it;
    for (gort_mapiterinit(seen, &it); it.key; gort_mapiternext(&it))
        *(int64_t *)gort_mapassign_faststr(w->total, *(gort_string *)it.key) += *(int64_t *)it.elem;
}

static gort_waitgroup wg;

static void count(void *env) {
    GORT_FUNC(fr);
    struct worker *w = env;
    uint64_t seed = w->seed;
    for (int64_t d = 0; d < w->docs; d++) count_doc(w, &seed);
    gort_wg_done(&wg);
}

static struct worker *workers[MAX_G];
static gort_map *merged;

int main(int argc, char **argv) {
    int ng = argc > 1 ? atoi(argv[1]) : 4;
    int64_t docs = argc > 2 ? atoll(argv[2]) : 400;
    if (ng < 1 || ng > MAX_G || docs < 1) {
        fprintf(stderr, "usage: wordfreq [GOROUTINES 1..%d [DOCS_PER_GOROUTINE]]\n", MAX_G);
        return 2;
    }
    make_vocab();
    gort_register_global(&merged);
    for (int g = 0; g < ng; g++) {
        gort_register_global(&workers[g]);
        workers[g] = gort_closure_new(sizeof(struct worker), 1);
        gort_store((void **)&workers[g]->total, gort_makemap(&gort_type_string_int64, 0));
        workers[g]->docs = docs;
        workers[g]->seed = 0x9E3779B97F4A7C15ull * (uint64_t)(g + 1);
        gort_wg_add(&wg, 1);
        GORT_GO(count, workers[g]);
    }
    gort_wg_wait(&wg);
    merged = gort_makemap(&gort_type_string_int64, 0);
    int64_t words = 0;
    for (int g = 0; g < ng; g++) {
        gort_mapiter it;
        for (gort_mapiterinit(workers[g]->total, &it); it.key; gort_mapiternext(&it)) {
            *(int64_t *)gort_mapassign_faststr(merged, *(gort_string *)it.key) += *(int64_t *)it.elem;
            words += *(int64_t *)it.elem;
        }
    }
    printf("words %lld, distinct %lld\n", (long long)words, (long long)gort_maplen(merged));
    for (int i = 0; i < 3; i++)
        printf("%.*s %lld\n", (int)vocab[i].len, vocab[i].ptr,
               (long long)*(int64_t *)gort_mapaccess1_faststr(merged, vocab[i]));
    return words == (int64_t)ng * docs * DOC_WORDS ? 0 : 1;
}
