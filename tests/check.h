/*
 * check.h — the assertion of the C tests. CHECK(cond) or CHECK(cond, fmt, ...) reports a
 * failed condition with its file, line and text (and the message), counts it and goes on, so
 * one run shows every failure; a test ends with `return check_failures ? 1 : 0`. The count is
 * atomic: goroutines and threads may CHECK too.
 */
#ifndef GORT_TESTS_CHECK_H
#define GORT_TESTS_CHECK_H

#include <stdatomic.h>
#include <stdio.h>

static _Atomic int check_failures;

#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            atomic_fetch_add(&check_failures, 1);                                          \
            fprintf(stderr, "FAIL %s:%d: CHECK(%s)", __FILE__, __LINE__, #cond);           \
            fprintf(stderr, " " __VA_ARGS__);                                              \
            fputc('\n', stderr);                                                           \
        }                                                                                  \
    } while (0)

#endif /* GORT_TESTS_CHECK_H */
