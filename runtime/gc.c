/*
 * gc.c — the heap. For now a plain allocator with no collector: every object lives forever.
 * The collector (mark-sweep with Go's phases) replaces this file.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

_Atomic int gort__stw_pending;

/* Allocates a zeroed object; aborts with Go's message when memory runs out. */
void *gort__alloc(size_t size, int kind, uint64_t ptrmask) {
    (void)kind;
    (void)ptrmask;
    void *p = calloc(1, size ? size : 1);
    if (!p) gort_fatal("runtime: out of memory");
    return p;
}

void gort__mark(void *obj) { (void)obj; }
void gort__store(void **slot, void *val) { *slot = val; }
void gort__park_for_stw(void) {}
void gort__blocking_enter(void) {}
void gort__blocking_exit(void) {}

void *gort_closure_new(size_t size, uint64_t ptrmask) { return gort__alloc(size, GORT_OBJ_ENV, ptrmask); }
void gort_store(void **slot, void *val) { gort__store(slot, val); }
void gort_register_global(void *slot) { (void)slot; }
void gort_gc(void) {}
