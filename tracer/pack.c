/*
 * pack.c — the packed form of records in the raw file: the same records, in fewer bytes.
 *
 * Why. While the program runs, the drain's only job is to get ring data into the raw file
 * (raw.c), and the program waits whenever the drain falls behind. Writing into the page cache
 * is the cost: on a loaded virtual machine a fresh page of file cache costs as much as
 * 400 MB/s allows, and a record without a stack is 64 bytes, most of them zeros and repeats
 * (the same goroutine, kind and map as the record before, a count one higher, a timestamp a
 * few hundred ns after the last). Packed, such a record takes 3 to 5 bytes, and a stack that is
 * the same as the previous record's takes none: the drain writes a tenth of the bytes for a few
 * ns of arithmetic per record, on its own core.
 *
 * Every header word is packed as its difference from the same word of the record before, not
 * as its value: a map word that is an address (the Go hook's hmap pointers, 5 or 6 bytes as a
 * varint) costs nothing while one map is being worked on, exactly like libgort's small map
 * ids, so both producers' records pack to the same few bytes (raw file bytes per event, no
 * stacks, against packing the words' values: the Go hook's bare loop 9.0 -> 2.1, libgort's
 * probe loop 7.3 -> 3.1, trace_emit's mixed story workload 11.0 -> 6.4).
 *
 * The form. A PACKED chunk holds consecutive records of one ring, each packed against the one
 * before it in the same chunk (the first against a record of zeros), so every chunk decodes
 * alone — a recovery can use any whole chunk. A record is:
 *   mask   1 byte: bit 0 INFO equals the previous record's; bits 1-6 words GOID, DEFER, MAP,
 *          ARG0, ARG1, DUR differ from the previous record's and follow; bit 7 the payload
 *          equals the previous record's (same length, same words) and is omitted
 *   TS     varint of the zigzag difference from the previous record's TS
 *   INFO   varint, unless bit 0
 *   words  varint of the zigzag difference from the previous record's word, for each word of
 *          GOID..DUR whose bit is set, in order
 *   payload (INFO's extra words), unless bit 7: varint of the zigzag difference of each word
 *          from the word before it in the record (the first from 0): return addresses of one
 *          stack are close together
 * Varints are LEB128: 7 bits a byte, low first, the high bit set on every byte but the last.
 * Unpacking gives back exactly the words the ring held.
 */
#include "tracer.h"

#include <string.h>

/* Appends v as a varint; returns the end. */
static inline uint8_t *put_varint(uint8_t *p, uint64_t v) {
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* Reads a varint at *p (not past end); false when it runs past end or over 10 bytes. */
static inline bool get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
    uint64_t x = 0;
    for (unsigned shift = 0; shift < 70 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return true;
        }
    }
    return false;
}

/* Signed to unsigned, small magnitudes small. */
static inline uint64_t zigzag(uint64_t d) {
    return (d << 1) ^ (uint64_t)((int64_t)d >> 63);
}

/* The inverse of zigzag. */
static inline uint64_t unzigzag(uint64_t z) {
    return (z >> 1) ^ (uint64_t)-(int64_t)(z & 1);
}

/* Packs one record against the previous one of the chunk (see the top); returns the end. */
uint8_t *pack_record(pack_state *s, const uint64_t *w, const uint64_t *payload, unsigned extra,
                     uint8_t *out) {
    uint8_t mask = w[GORT_W_INFO] == s->word[GORT_W_INFO] ? 1 : 0;
    for (unsigned k = GORT_W_GOID; k < GORT_W_COUNT; k++)
        if (w[k] != s->word[k]) mask |= (uint8_t)(1u << (k - 1));
    if (extra && extra == s->extra && !memcmp(payload, s->payload, extra * 8)) mask |= 0x80;
    uint8_t *p = out;
    *p++ = mask;
    p = put_varint(p, zigzag(w[GORT_W_TS] - s->word[GORT_W_TS]));
    if (!(mask & 1)) p = put_varint(p, w[GORT_W_INFO]);
    for (unsigned k = GORT_W_GOID; k < GORT_W_COUNT; k++)
        if (mask & (1u << (k - 1))) p = put_varint(p, zigzag(w[k] - s->word[k]));
    if (extra && !(mask & 0x80)) {
        uint64_t prev = 0;
        for (unsigned i = 0; i < extra; i++) {
            p = put_varint(p, zigzag(payload[i] - prev));
            prev = payload[i];
        }
    }
    memcpy(s->word, w, sizeof s->word);
    s->extra = extra;
    s->payload = payload;
    return p;
}

/* Unpacks one record in place over the previous one (see the top). */
bool unpack_record(unpack_state *s, const uint8_t **p, const uint8_t *end, uint64_t *rec,
                   unsigned max_extra) {
    if (*p >= end) return false;
    uint8_t mask = *(*p)++;
    uint64_t v;
    if (!get_varint(p, end, &v)) return false;
    rec[GORT_W_TS] = s->word[GORT_W_TS] + unzigzag(v);
    if (mask & 1) {
        rec[GORT_W_INFO] = s->word[GORT_W_INFO];
    } else {
        if (!get_varint(p, end, &v)) return false;
        rec[GORT_W_INFO] = v;
    }
    for (unsigned k = GORT_W_GOID; k < GORT_W_COUNT; k++) {
        rec[k] = s->word[k];
        if (!(mask & (1u << (k - 1)))) continue;
        if (!get_varint(p, end, &v)) return false;
        rec[k] += unzigzag(v);
    }
    unsigned extra = GORT_INFO_EXTRA(rec[GORT_W_INFO]);
    if (extra > max_extra) return false;
    if (mask & 0x80) {
        /* The previous record's payload is still in rec (the caller decodes in place). */
        if (extra != s->extra) return false;
    } else {
        uint64_t prev = 0;
        for (unsigned i = 0; i < extra; i++) {
            if (!get_varint(p, end, &v)) return false;
            prev += unzigzag(v);
            rec[GORT_W_COUNT + i] = prev;
        }
    }
    memcpy(s->word, rec, sizeof s->word);
    s->extra = extra;
    return true;
}

/* The most bytes `words` ring words can pack into. */
size_t pack_bound(uint64_t words) {
    /* A word packs into at most 10 bytes, a record's mask adds one: 11/8 of the words' bytes
     * at worst (a record has at least 8 words), plus slack. */
    return (size_t)(words * 8 / 8 * 11 + words / 8 + 16);
}
