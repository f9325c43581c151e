/*
 * raw.c — the raw file: where `gort record` puts every record the moment it leaves a ring,
 * before any of it becomes a row. OUTPUT.gort-raw, beside the output; removed once the trace
 * is complete.
 *
 * Why a raw file. The program must never wait for SQLite. The drain thread (drain.c) does the
 * least that frees ring space for good: it copies each ring's committed words, as they are, to
 * the end of this file with one writev per pass — sequential writes into the page cache, at
 * memory speed — and only then gives the space back to the producer. The load thread
 * (load.c) follows behind, on another core, turning the file into rows; after the program has
 * ended it catches up and the trace is finished. So the program waits only when memory
 * bandwidth or the disk cannot keep up, never because an INSERT is slow.
 *
 * The format is the record format (format/gort_record.h): ring words copied verbatim, framed
 * in chunks of four header words (raw_chunk: magic, type, ring, tid, ring position, payload
 * words). docs/record-format.md, "The raw file", describes every chunk. A pass writes one
 * RECORDS chunk per ring with new data and then a PASS chunk with a watermark: every record
 * stamped at or before it has been written above it (the load thread orders records across
 * threads up to the watermark). A thread's exit, and the end, write an ACCOUNT chunk with the
 * ring's counters (lost events, waits); the end writes END.
 *
 * Why a drained event survives the recorder's death. The drain stores a ring's new tail — the
 * moment the producer may overwrite those words — only after writev() has returned having
 * written them. A write() to a file that has returned has put the bytes in the kernel's page
 * cache, which belongs to the file, not to the process: if the recorder is then killed
 * (SIGKILL, a crash, the OOM killer), the bytes are in the file all the same, and
 * `gort record --recover OUTPUT` reads them. (Surviving the machine's power loss would need
 * fsync; a recorder's death does not.) A recorder killed in the middle of a writev leaves the
 * file ending in a partial chunk: the reader stops before any chunk that does not fit in the
 * file, and since that chunk's tail was never stored, its words are still in the ring, which
 * outlives the recorder too (region.c). Ring positions never restart (a recycled ring keeps
 * counting), so a chunk names its words exactly and a recovery takes from the ring only what
 * lies beyond the last complete chunk of that ring: nothing twice, nothing missed. What the
 * program emits after the recorder's death it counts lost in the region (runtime/trace.c).
 *
 * One writer: the file is opened O_EXCL (never someone else's file) and flock()ed for the
 * writer's life, so a recovery can tell a live recording (locked) from a dead one.
 */
#define _GNU_SOURCE
#include "tracer.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAP_STEP (1ull << 30) /* the reader maps the file in steps of 1 GiB of address space */

/* Opens and locks path for writing; false with err set (the file is then not ours or gone). */
static bool open_locked(raw_writer *w, const char *path, int flags, char *err, size_t errlen) {
    memset(w, 0, sizeof *w);
    w->fd = open(path, flags | O_WRONLY | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return false;
    }
    if (flock(w->fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, errlen, "%s is in use by a running gort record", path);
        close(w->fd);
        w->fd = -1;
        return false;
    }
    return true;
}

/* Creates and locks a new raw file (never an existing one). */
bool raw_create(raw_writer *w, const char *path, char *err, size_t errlen) {
    return open_locked(w, path, O_CREAT | O_EXCL, err, errlen);
}

/* Reopens a dead recording's raw file for appending, locked (never through a symbolic link,
 * and only a regular file); *size gets its length as it is once locked, which no recorder can
 * change any more. */
bool raw_reopen(raw_writer *w, const char *path, uint64_t *size, char *err, size_t errlen) {
    if (!open_locked(w, path, O_NOFOLLOW, err, errlen)) return false;
    struct stat st;
    const char *why = NULL;
    if (fstat(w->fd, &st) != 0) why = strerror(errno);
    else if (!S_ISREG(st.st_mode)) why = "not a regular file";
    else if (lseek(w->fd, st.st_size, SEEK_SET) < 0) why = strerror(errno);
    if (why) {
        snprintf(err, errlen, "cannot write %s: %s", path, why);
        raw_close(w);
        return false;
    }
    *size = w->size = (uint64_t)st.st_size;
    return true;
}

/* Queues one iovec (skipping empty ones). */
static void push_iov(raw_writer *w, const void *p, size_t len) {
    if (!len) return;
    w->iov[w->niov].iov_base = (void *)p;
    w->iov[w->niov].iov_len = len;
    w->niov++;
}

/* Queues a chunk header and its payload pieces; writes the batch first when it is full. */
bool raw_add(raw_writer *w, uint32_t type, uint32_t ring, int32_t tid, uint64_t pos,
             const void *p1, uint64_t n1, const void *p2, uint64_t n2) {
    if (w->nhdr == RAW_BATCH && !raw_flush(w)) return false;
    raw_chunk *c = &w->hdr[w->nhdr++];
    *c = (raw_chunk){ RAW_CHUNK_MAGIC, type, ring, tid, pos, n1 + n2 };
    push_iov(w, c, sizeof *c);
    push_iov(w, p1, n1 * 8);
    if (p2) push_iov(w, p2, n2 * 8);
    return true;
}

/* Writes the queued chunks with writev, whole (short writes are continued). */
bool raw_flush(raw_writer *w) {
    struct iovec *v = w->iov;
    int n = w->niov;
    while (n > 0) {
        ssize_t got = writev(w->fd, v, n > IOV_MAX ? IOV_MAX : n);
        if (got < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        w->size += (uint64_t)got;
        /* A short write: skip what was written and go on with the rest. */
        while (n > 0 && (size_t)got >= v->iov_len) {
            got -= (ssize_t)v->iov_len;
            v++;
            n--;
        }
        if (n > 0) {
            v->iov_base = (char *)v->iov_base + got;
            v->iov_len -= (size_t)got;
        }
    }
    w->niov = w->nhdr = 0;
    return true;
}

/* Closes the file, which releases the lock. */
void raw_close(raw_writer *w) {
    if (w->fd >= 0) close(w->fd); /* releases the lock */
    w->fd = -1;
}

/* Opens a raw file for reading; nothing is mapped until raw_next needs it. */
bool raw_reader_open(raw_reader *rd, const char *path) {
    memset(rd, 0, sizeof *rd);
    rd->fd = open(path, O_RDONLY | O_CLOEXEC);
    return rd->fd >= 0;
}

/* Makes the mapping cover [0, size): a larger mapping replaces the old one (callers keep file
 * offsets, never pointers, across calls). False when the address space is refused. */
static bool cover(raw_reader *rd, uint64_t size) {
    if (size <= rd->mapped) return true;
    uint64_t len = (size + MAP_STEP - 1) / MAP_STEP * MAP_STEP;
    if (len < rd->mapped * 2) len = rd->mapped * 2;
    /* Mapping past the end of the file is allowed: those pages become readable as the file
     * grows, and the reader never touches bytes beyond what was published. */
    void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, rd->fd, 0);
    if (p == MAP_FAILED) return false;
    if (rd->base) munmap((void *)rd->base, rd->mapped);
    rd->base = p;
    rd->mapped = len;
    rd->dropped = 0;
    return true;
}

/* The next whole chunk below limit (tracer.h); never reads past limit. */
bool raw_next(raw_reader *rd, uint64_t limit, raw_chunk *c, uint64_t *payload, bool *bad) {
    *bad = false;
    if (rd->off + sizeof *c > limit || !cover(rd, limit)) return false;
    memcpy(c, rd->base + rd->off, sizeof *c);
    if (c->magic != RAW_CHUNK_MAGIC || c->type < RAW_SESSION || c->type > RAW_PACKED ||
        c->nwords > (limit - rd->off) / 8) {
        /* Not a chunk, or one that does not fit: the end of what was written whole. */
        *bad = c->magic != RAW_CHUNK_MAGIC || c->type < RAW_SESSION || c->type > RAW_PACKED;
        return false;
    }
    if (rd->off + sizeof *c + c->nwords * 8 > limit) return false;
    *payload = rd->off + sizeof *c;
    rd->off = *payload + c->nwords * 8;
    return true;
}

/* Drops the mapping's pages below off (they are read and done with). */
void raw_release(raw_reader *rd, uint64_t off) {
    uint64_t page = off & ~(uint64_t)4095;
    if (!rd->base || page <= rd->dropped || page > rd->mapped) return;
    madvise((void *)(rd->base + rd->dropped), page - rd->dropped, MADV_DONTNEED);
    rd->dropped = page;
}

/* Unmaps and closes. */
void raw_reader_close(raw_reader *rd) {
    if (rd->base) munmap((void *)rd->base, rd->mapped);
    if (rd->fd >= 0) close(rd->fd);
    rd->base = NULL;
    rd->fd = -1;
}
