/*
 * viewer_gen.c — writes a synthetic folded-stack file for bench/b_4_viewer.sh.
 *
 * usage: viewer_gen LINES [NAMES] [SEED] > FILE
 *
 * Stacks are random walks down a fixed random call graph of NAMES functions (default 3000),
 * each calling one of 4 others, from "main.main", 4 to 40 frames deep: deep stacks sharing
 * prefixes the way a real profile's do. Each line gets a weight from 1 to 1000. Deterministic
 * for a given seed, so runs compare.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* xorshift64*: a small deterministic generator. */
static uint64_t next(uint64_t *s) {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: viewer_gen LINES [NAMES] [SEED]\n");
        return 2;
    }
    long lines = atol(argv[1]);
    int names = argc > 2 ? atoi(argv[2]) : 3000;
    uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 10) : 42;
    if (lines <= 0 || names < 8) return 2;
    int (*callees)[4] = malloc(sizeof *callees * (size_t)names);
    if (!callees) return 1;
    for (int f = 0; f < names; f++)
        for (int k = 0; k < 4; k++) callees[f][k] = (int)(next(&seed) % (uint64_t)names);
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    for (long i = 0; i < lines; i++) {
        int depth = 4 + (int)(next(&seed) % 37);
        int f = (int)(next(&seed) % 8); /* a few entry points under main */
        fputs("main.main", stdout);
        for (int d = 1; d < depth; d++) {
            printf(";pkg%02d.fn%04d", f % 97, f);
            f = callees[f][next(&seed) % 4];
        }
        printf(" %d\n", 1 + (int)(next(&seed) % 1000));
    }
    free(callees);
    return ferror(stdout) ? 1 : 0;
}
