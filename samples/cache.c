/*
 * cache — an expiring cache whose stale entries are removed by deferred deletes, served by
 * several goroutines, each owning one shard (no locks, as Go code with per-worker state).
 *
 *  func (s *shard) get(key string, now int64) bool {
 *      exp, ok := s.m[key]
 *      if ok && exp <= now {
 *          defer delete(s.m, key)     // drop the stale entry once this request is answered
 *          s.expired++
 *          return false
 *      }
 *      if !ok { s.m[key] = now + ttl; s.misses++; return false }
 *      s.hits++
 *      return true
 *  }
 *
 * Usage: cache [GOROUTINES [REQUESTS_PER_GOROUTINE]]   (defaults 4 and 200000). Prints the
 * hits, misses and expiries per shard and checks that no stale entry survived a request.
 */
#include "gort.h"

#include <stdio.h>
#include <stdlib.h>

#define KEYS 5000
#define TTL 3000
#define MAX_G 16

static char key_text[KEYS * 8];
static gort_string keys[KEYS];

struct shard {
    gort_map *m; /* key -> expiry tick */
    int64_t requests, hits, misses, expired, stale_seen;
    uint64_t seed;
};

static void make_keys(void) {
    char *p = key_text;
    for (int i = 0; i < KEYS; i++) {
        int n = snprintf(p, 8, "k%d", i);
        keys[i].ptr = p;
        keys[i].len = (size_t)n;
        p += n + 1;
    }
}

/* One request: a hit, a miss that fills the entry, or an expired entry deleted on the way out. */
static bool get(struct shard *s, gort_string key, int64_t now) {
    GORT_FUNC_R(fr, false);
    bool ok;
    int64_t exp = *(int64_t *)gort_mapaccess2_faststr(s->m, key, &ok);
    if (ok && exp <= now) {
        gort_defer_delete_faststr(&fr, s->m, key);
        s->expired++;
        return false;
    }
    if (!ok) {
        *(int64_t *)gort_mapassign_faststr(s->m, key) = now + TTL;
        s->misses++;
        return false;
    }
    s->hits++;
    return true;
}

static gort_waitgroup wg;

static void serve(void *env) {
    GORT_FUNC(fr);
    struct shard *s = env;
    for (int64_t now = 0; now < s->requests; now++) {
        s->seed ^= s->seed << 13, s->seed ^= s->seed >> 7, s->seed ^= s->seed << 17;
        gort_string key = keys[s->seed % KEYS];
        get(s, key, now);
        bool ok;
        int64_t exp = *(int64_t *)gort_mapaccess2_faststr(s->m, key, &ok);
        if (ok && exp <= now) s->stale_seen++; /* the deferred delete must have removed it */
    }
    gort_wg_done(&wg);
}

static struct shard *shards[MAX_G];

int main(int argc, char **argv) {
    int ng = argc > 1 ? atoi(argv[1]) : 4;
    int64_t requests = argc > 2 ? atoll(argv[2]) : 200000;
    if (ng < 1 || ng > MAX_G || requests < 1) {
        fprintf(stderr, "usage: cache [GOROUTINES 1..%d [REQUESTS_PER_GOROUTINE]]\n", MAX_G);
        return 2;
    }
    make_keys();
    for (int g = 0; g < ng; g++) {
        gort_register_global(&shards[g]);
        shards[g] = gort_closure_new(sizeof(struct shard), 1);
        gort_store((void **)&shards[g]->m, gort_makemap(&gort_type_string_int64, 0));
        shards[g]->requests = requests;
        shards[g]->seed = 0x2545F4914F6CDD1Dull * (uint64_t)(g + 1);
        gort_wg_add(&wg, 1);
        GORT_GO(serve, shards[g]);
    }
    gort_wg_wait(&wg);
    int64_t stale = 0;
    for (int g = 0; g < ng; g++) {
        struct shard *s = shards[g];
        printf("shard %d: hits %lld misses %lld expired %lld entries %lld\n", g, (long long)s->hits,
               (long long)s->misses, (long long)s->expired, (long long)gort_maplen(s->m));
        stale += s->stale_seen;
    }
    printf("stale entries seen after a request: %lld\n", (long long)stale);
    return stale == 0 ? 0 : 1;
}
