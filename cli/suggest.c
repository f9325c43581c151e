/*
 * suggest.c — "did you mean": the known word closest to a mistyped command or option.
 *
 * Closeness is the optimal-string-alignment distance (Damerau-Levenshtein restricted so no
 * substring is edited twice): insertions, deletions, substitutions and swaps of two neighbours
 * each cost 1, so `flme` is 1 from `flame` and `falme` 1 too. A suggestion must be likely, not
 * merely nearest: the allowed distance grows with the word (1 up to 4 letters, 2 up to 8, 3
 * beyond), and a tie between two words suggests neither. A word that is the start of exactly
 * one known word (`tim` for `timeline`) is suggested too, as git and GNU tools do.
 */
#include "cli.h"

#include <string.h>

#define MAX_WORD 64

/* Edit distance of A and B with adjacent transpositions (both at most MAX_WORD bytes). */
static int osa_distance(const char *a, const char *b) {
    size_t n = strlen(a), m = strlen(b);
    if (n > MAX_WORD || m > MAX_WORD) return MAX_WORD * 2;
    int d[MAX_WORD + 1][MAX_WORD + 1];
    for (size_t i = 0; i <= n; i++) d[i][0] = (int)i;
    for (size_t j = 0; j <= m; j++) d[0][j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            int cost = a[i - 1] != b[j - 1];
            int best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best) best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[n][m];
}

/* The closest of WORDS to WORD if it is a likely typo (see above), else NULL. */
const char *cli_suggest(const char *word, const char *const *words) {
    size_t len = strlen(word);
    int limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
    const char *best = NULL, *prefix_of = NULL;
    int best_d = limit + 1, prefixes = 0;
    bool tie = false;
    for (size_t i = 0; words[i]; i++) {
        /* "--x" style options: a prefix must say more than the dashes */
        size_t dashes = strspn(word, "-");
        if (len > dashes + 1 && !strncmp(words[i], word, len) && words[i][len]) {
            prefix_of = words[i];
            prefixes++;
        }
        int d = osa_distance(word, words[i]);
        if (d < best_d) {
            best_d = d;
            best = words[i];
            tie = false;
        } else if (d == best_d) {
            tie = true;
        }
    }
    if (best && !tie && best_d > 0) return best;
    return prefixes == 1 ? prefix_of : NULL;
}
