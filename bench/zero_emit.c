/*
 * zero_emit — the traced program of time zero's figure in bench/b_3_tracer.sh: a program
 * linked with libgort whose main emits one event as its first statement. Under gort record
 * the event's timestamp is the time from zero (set in its process just before execve) to the
 * start of its main: the kernel's exec, the dynamic loader, libc's start and libgort's attach
 * (meta.attach_ns marks where the attach began). Its peer, a plain C program started the same
 * way, is bench/zero/zero_peer.c. It calls nothing of libunwind itself, so it loads libunwind
 * only when libgort does (a recording with stacks).
 */
#include "internal.h"

/* One event, first thing. */
int main(void) {
    GORT_PROBE(gostart, 0, 0, 0);
    return 0;
}
