/*
 * recover.c — `gort record --recover FILE`: finish the trace of a recording whose recorder
 * died (SIGKILL, a crash, the machine's OOM killer) from what it left: the raw file
 * FILE.gort-raw and the shared region in /dev/shm.
 *
 * What survives, and why (raw.c and runtime/trace.c tell it in full): every chunk the drain
 * wrote is in the raw file, whole or — the last one, if the recorder died inside a write —
 * cut short; records committed to a ring but not yet drained are still in the region, whose
 * file outlives both processes; and the program, once it finds the recorder gone, counts
 * every later event lost in its ring's counters in the same region.
 *
 * So a recovery is the drain's last pass done late, then the load done from the start:
 *   1. scan the raw file's chunk headers: the session (the region's name, the dead
 *      recorder's temporary database), each ring's last drained position and last ACCOUNT,
 *      whether END was written, and where the last whole chunk ends;
 *   2. unless END was written: cut the file after its last whole chunk, and append from the
 *      region what the drain never took — each ring's records past its last drained position
 *      (nothing twice: positions never restart), an ACCOUNT per ring still assigned (its lost
 *      run and counters, but not again for a ring whose ACCOUNT is already in the file), the
 *      final REGION (modules) and an END marked recovered;
 *   3. load the whole file into a new database, finish it (record_finish) and rename it to
 *      FILE; remove the dead recorder's temporary database, the raw file and the region.
 * Without the region (a memfd, or removed) only the raw file's records are there, and what
 * was not drained cannot be counted: a warning says so.
 *
 * The raw file's lock (flock, held by a live recorder) tells a running recording from a dead
 * one: --recover refuses a file that is still locked.
 *
 * A recovery writes and removes only what a recording would (outfile.c): FILE is checked
 * before anything is touched — only a regular file is replaced, and that with --force, as the
 * recording itself would have — the new trace is built under this process's FILE.tmp-PID
 * (locked, stale ones of dead recorders removed, one line each) and put in place by the same
 * checked rename; the raw file must be a regular file (not followed if a link); the region
 * removed is the one the raw file names only when that is a recorder's name
 * (/gort-record-...), so a raw file that was tampered with cannot remove another's memory.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "tracer.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CMD "record"
#define REGION_PREFIX "/gort-record-" /* region.c's names */

/* What the scan of the raw file found. */
typedef struct scan {
    raw_session session;      /* session.magic == RAW_MAGIC when there was one */
    char tmp_path[4200];      /* the dead recorder's temporary database */
    uint64_t *covered;        /* ring -> position after its last RECORDS chunk */
    uint64_t *acct;           /* ring -> head of its last ACCOUNT, UINT64_MAX none */
    uint32_t nrings;
    bool ended;
    uint64_t end;             /* offset after the last whole chunk */
} scan;

/* CLOCK_MONOTONIC in ns. */
static uint64_t mono_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Makes the scan's per-ring tables hold ring i. */
static bool scan_rings(scan *s, uint32_t i) {
    if (i < s->nrings) return true;
    if (i >= 65536) return false;
    uint32_t n = s->nrings ? s->nrings : 64;
    while (n <= i) n *= 2;
    uint64_t *c = realloc(s->covered, n * sizeof *c);
    if (!c) return false;
    s->covered = c;
    uint64_t *a = realloc(s->acct, n * sizeof *a);
    if (!a) return false;
    s->acct = a;
    memset(c + s->nrings, 0, (n - s->nrings) * sizeof *c);
    for (uint32_t k = s->nrings; k < n; k++) a[k] = UINT64_MAX;
    s->nrings = n;
    return true;
}

/* Step 1: reads the chunk headers of the whole file. False when out of memory. */
static bool scan_file(raw_reader *rd, uint64_t size, scan *s) {
    raw_chunk c;
    uint64_t p;
    bool bad;
    while (raw_next(rd, size, &c, &p, &bad)) {
        const uint64_t *w = raw_words(rd, p);
        if (c.type == RAW_SESSION && c.nwords * 8 >= sizeof(raw_session)) {
            memcpy(&s->session, w, sizeof s->session);
            s->session.shm_name[sizeof s->session.shm_name - 1] = 0;
            /* The strings: program, command, temporary database. */
            const char *str = (const char *)w + sizeof(raw_session);
            const char *end = (const char *)(w + c.nwords);
            for (int k = 0; k < 2 && str < end; k++) str += strnlen(str, (size_t)(end - str)) + 1;
            if (str < end)
                snprintf(s->tmp_path, sizeof s->tmp_path, "%.*s", (int)strnlen(str, (size_t)(end - str)), str);
        } else if (c.type == RAW_RECORDS || c.type == RAW_PACKED || c.type == RAW_ACCOUNT) {
            if (!scan_rings(s, c.ring)) return false;
            if (c.type == RAW_RECORDS) s->covered[c.ring] = c.pos + c.nwords;
            else if (c.type == RAW_PACKED) s->covered[c.ring] = c.pos + (c.nwords >= 1 ? w[0] : 0);
            else s->acct[c.ring] = c.pos;
        } else if (c.type == RAW_END) {
            s->ended = true;
        }
    }
    s->end = rd->off;
    return true;
}

/* Step 2: appends what the region holds beyond the raw file: undrained records, the rings'
 * accounts, the final REGION and END. False on a write error. */
static bool append_leftovers(rec_region *reg, scan *s, raw_writer *w) {
    gort_rec_header *h = reg->h;
    uint32_t nr = atomic_load(&h->rings_used);
    if (nr > h->nrings) nr = h->nrings;
    for (uint32_t i = 0; i < nr; i++) {
        gort_rec_ring *r = gort_rec_ring_at(h, i);
        uint32_t state = atomic_load_explicit(&r->state, memory_order_acquire);
        if (state == GORT_RING_FREE) continue;
        if (!scan_rings(s, i)) return false;
        uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
        uint64_t from = atomic_load_explicit(&r->tail, memory_order_acquire);
        if (s->covered[i] > from) from = s->covered[i];
        if (head > from && head - from <= h->ring_words) {
            uint64_t *words = gort_rec_ring_words(r);
            uint64_t n = head - from, start = from & (h->ring_words - 1);
            uint64_t first = n < h->ring_words - start ? n : h->ring_words - start;
            if (!raw_add(w, RAW_RECORDS, i, r->tid, from, words + start, first,
                         first < n ? words : NULL, n - first) ||
                !raw_flush(w))
                return false;
        }
        /* Accounted already: the drain wrote this claim's ACCOUNT and died recycling it. */
        if (state == GORT_RING_RETIRED && s->acct[i] == head) continue;
        raw_account a = { atomic_load(&r->lost_total), atomic_load(&r->waits),
                          atomic_load(&r->lost_pending), r->lost_first_ns, r->lost_last_ns };
        if (!a.lost_pending) a.lost_first_ns = a.lost_last_ns = 0;
        if (!raw_add(w, RAW_ACCOUNT, i, r->tid, head, &a, sizeof a / 8, NULL, 0) || !raw_flush(w))
            return false;
    }
    raw_end end = { 0, -1, RAW_END_RECOVERED, atomic_load(&h->unringed_lost),
                    atomic_load(&h->orphaned_ns) };
    return raw_add(w, RAW_REGION, 0, 0, 0, h, sizeof *h / 8, NULL, 0) &&
           raw_add(w, RAW_END, 0, 0, 0, &end, sizeof end / 8, NULL, 0) && raw_flush(w);
}

/* Step 2 without a region: only an END marked recovered. */
static bool append_end(raw_writer *w) {
    raw_end end = { 0, -1, RAW_END_RECOVERED, 0, 0 };
    return raw_add(w, RAW_END, 0, 0, 0, &end, sizeof end / 8, NULL, 0) && raw_flush(w);
}

/* True when path is exactly "OUTPUT.tmp-PID" for the dead recorder's pid: the only file
 * besides the raw file a recovery removes. */
static bool is_dead_tmp(const char *path, const char *output, int pid) {
    char want[4200];
    snprintf(want, sizeof want, "%s.tmp-%d", output, pid);
    return path[0] && !strcmp(path, want);
}

/* True when NAME is a region a recorder made (region.c), the only kind a recovery removes. */
static bool is_region_name(const char *name) {
    return !strncmp(name, REGION_PREFIX, strlen(REGION_PREFIX)) && !strchr(name + 1, '/');
}

/* Step 3: loads the raw file into a new database beside output and finishes it; puts it in
 * place (over a regular file only when REPLACES: outfile.c). Returns 0 or an exit status after
 * one error line. */
static int load_and_finish(const char *output, bool replaces, const char *raw_path,
                           uint64_t start_mono) {
    char tmp[4200], err[512];
    int lock;
    if (!out_temp_create(CMD, output, tmp, sizeof tmp, &lock, err, sizeof err))
        return cli_error(CMD, "%s", err), GORT_EXIT_RECORD_FAILED;
    trace_db db;
    raw_reader rd;
    ingest *g = NULL;
    loader *L = NULL;
    bool ok = db_create(&db, tmp, err, sizeof err);
    if (ok && !raw_reader_open(&rd, raw_path)) {
        snprintf(err, sizeof err, "cannot read %.400s: %s", raw_path, strerror(errno));
        ok = false;
        rd.fd = -1;
    }
    if (ok) {
        g = ingest_new(&db);
        L = g ? loader_new(g, &rd) : NULL;
        if (!L) snprintf(err, sizeof err, "out of memory");
        ok = L != NULL;
    }
    struct stat st;
    if (ok && (stat(raw_path, &st) != 0 || !load_until(L, (uint64_t)st.st_size) ||
               !load_release_all(L))) {
        snprintf(err, sizeof err, "database: %s", sqlite3_errmsg(db.db));
        ok = false;
    }
    uint64_t cpu = 0;
    {
        struct timespec ts;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        cpu = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    }
    finish_info fi = { true, cpu, start_mono };
    if (ok) ok = record_finish(&db, g, L, &fi, err, sizeof err);
    uint64_t events = g ? ingest_events(g) : 0, lost = L ? loader_facts(L)->lost : 0;
    loader_free(L);
    ingest_free(g);
    db_close(&db);
    if (rd.fd >= 0) raw_reader_close(&rd);
    if (ok) ok = out_put_in_place(tmp, output, replaces, err, sizeof err);
    if (!ok) unlink(tmp);
    close(lock);
    if (!ok) return cli_error(CMD, "%s", err), GORT_EXIT_RECORD_FAILED;
    fprintf(stderr, "gort record: recovered %llu events, %llu lost, %s\n",
            (unsigned long long)events, (unsigned long long)lost, output);
    return GORT_EXIT_OK;
}

/* gort record --recover OUTPUT: steps 1 to 3 of the top. Returns the exit status. */
int record_recover(const char *output, bool force) {
    uint64_t start = mono_now();
    char raw_path[4200], err[512];
    bool replaces;
    if (out_check(CMD, output, force, &replaces) >= 0) return GORT_EXIT_RECORD_FAILED;
    snprintf(raw_path, sizeof raw_path, "%s%s", output, RAW_SUFFIX);
    struct stat st;
    if (lstat(raw_path, &st) != 0)
        return cli_error(CMD, "nothing to recover: %s: %s", raw_path,
                         errno == ENOENT ? "no such file" : strerror(errno)), GORT_EXIT_RECORD_FAILED;
    if (!S_ISREG(st.st_mode))
        return cli_error(CMD, "%s is %s, not a raw file of gort record: nothing recovered, nothing "
                         "removed", raw_path, out_file_kind(st.st_mode)), GORT_EXIT_RECORD_FAILED;
    raw_writer w;
    uint64_t size;
    if (!raw_reopen(&w, raw_path, &size, err, sizeof err))
        return cli_error(CMD, "%s", err), GORT_EXIT_RECORD_FAILED;
    if (size == 0) { /* created, then its recorder died before writing the session */
        unlink(raw_path);
        raw_close(&w);
        return cli_error(CMD, "nothing to recover: %s was empty (its recorder died before the "
                         "program started): removed", raw_path), GORT_EXIT_RECORD_FAILED;
    }
    raw_reader rd;
    scan s;
    memset(&s, 0, sizeof s);
    if (!raw_reader_open(&rd, raw_path)) {
        raw_close(&w);
        return cli_error(CMD, "cannot read %.400s: %s", raw_path, strerror(errno)), GORT_EXIT_RECORD_FAILED;
    }
    bool ok = scan_file(&rd, size, &s);
    raw_reader_close(&rd);
    /* A file that is not ours, or of another raw format (its records may pack differently),
     * is refused as it is. */
    if (ok && (s.session.magic != RAW_MAGIC || s.session.version != RAW_VERSION)) {
        raw_close(&w);
        free(s.covered);
        free(s.acct);
        if (s.session.magic != RAW_MAGIC)
            return cli_error(CMD, "%s is not a gort raw file (or holds no recording); left as it "
                             "is", raw_path), GORT_EXIT_RECORD_FAILED;
        return cli_error(CMD, "%s was written by another version of gort record (raw format %u; "
                         "this one reads %u): left as it is", raw_path, s.session.version,
                         RAW_VERSION), GORT_EXIT_RECORD_FAILED;
    }
    rec_region reg;
    bool have_region = false;
    if (!is_region_name(s.session.shm_name)) s.session.shm_name[0] = 0; /* not a recorder's */
    if (ok && !s.ended) {
        have_region = region_open(&reg, s.session.shm_name);
        if (!have_region)
            fprintf(stderr, "gort record: warning: the recording's buffers are gone: events it had "
                            "not drained are neither in the trace nor counted lost\n");
        else if (s.session.program_pid > 0 && kill(s.session.program_pid, 0) == 0 &&
                 !atomic_load(&reg.h->orphaned_ns))
            fprintf(stderr, "gort record: warning: process %d, the traced program, may still be "
                            "running: what it emits from now on is not in the trace\n",
                    (int)s.session.program_pid);
        /* Cut a chunk the dead recorder left half-written, then append the rest. */
        ok = ftruncate(w.fd, (off_t)s.end) == 0 && lseek(w.fd, (off_t)s.end, SEEK_SET) >= 0;
        w.size = s.end;
        if (ok) ok = have_region ? append_leftovers(&reg, &s, &w) : append_end(&w);
        if (!ok) snprintf(err, sizeof err, "cannot write %.400s: %s", raw_path, strerror(errno));
    } else if (!ok) {
        snprintf(err, sizeof err, "out of memory");
    }
    free(s.covered);
    free(s.acct);
    int rc = ok ? load_and_finish(output, replaces, raw_path, start)
                : (cli_error(CMD, "%s", err), GORT_EXIT_RECORD_FAILED);
    if (rc == GORT_EXIT_OK) {
        if (is_dead_tmp(s.tmp_path, output, s.session.recorder_pid)) unlink(s.tmp_path);
        unlink(raw_path);
        if (have_region) region_destroy(&reg);
        else if (s.session.shm_name[0]) shm_unlink(s.session.shm_name);
    } else if (have_region) {
        region_close(&reg);
    }
    raw_close(&w);
    return rc;
}
