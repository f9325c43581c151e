/*
 * gopclntab.c — function, file and line of an address in a Go binary, from its .gopclntab.
 *
 * Every Go binary carries the runtime's own symbol table, .gopclntab (Go uses it for
 * tracebacks), even when built without DWARF (-ldflags=-w) or without an ELF symbol table
 * (-s). symbolize.c falls back to it when DWARF gives no line. The layout is Go 1.18's and
 * 1.19's (runtime/symtab.go, magic 0xfffffff0): a header (pcHeader) with the offsets of the
 * function name table, the compile units' file lists (cutab), the file names, the pc-value
 * tables and the function table; the function table is sorted pairs (entry offset from
 * textStart, offset of the function's _func record), then one end entry. A _func's pcfile
 * and pcln are pc-value tables: varint pairs (zigzag value delta, pc delta in units of the
 * minimum instruction size), starting at value -1 and the function's entry. Everything is
 * read from the file as it is, bounds-checked: a damaged or foreign table gives no answer,
 * never a wrong read.
 */
#include "tracer.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PCLN_MAGIC_118 0xfffffff0u /* Go 1.18 and 1.19 */

struct gopcln {
    unsigned char *tab; /* the section's bytes */
    size_t len;
    uint64_t nfunc, text;
    uint64_t funcname, cu, filetab, pctab, pcln; /* offsets from tab */
    unsigned minlc;
};

/* The little-endian 32-bit word at off, 0 outside the table. */
static uint32_t u32(const gopcln *p, uint64_t off) {
    if (off + 4 > p->len) return 0;
    uint32_t v;
    memcpy(&v, p->tab + off, 4);
    return v;
}
/* The little-endian 64-bit word at off, 0 outside the table. */
static uint64_t u64(const gopcln *p, uint64_t off) {
    if (off + 8 > p->len) return 0;
    uint64_t v;
    memcpy(&v, p->tab + off, 8);
    return v;
}

/* Reads the .gopclntab section of an ELF file into a new gopcln; NULL when there is none. */
gopcln *gopcln_open(const char *path) {
    if (elf_version(EV_CURRENT) == EV_NONE) return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    gopcln *p = NULL;
    size_t shstr;
    if (e && elf_getshdrstrndx(e, &shstr) == 0) {
        for (Elf_Scn *s = NULL; (s = elf_nextscn(e, s)) != NULL;) {
            GElf_Shdr sh;
            const char *name = gelf_getshdr(s, &sh) ? elf_strptr(e, shstr, sh.sh_name) : NULL;
            if (!name || strcmp(name, ".gopclntab") || sh.sh_type == SHT_NOBITS) continue;
            Elf_Data *d = elf_rawdata(s, NULL);
            if (!d || !d->d_buf || d->d_size < 72) break;
            p = calloc(1, sizeof *p);
            if (p) p->tab = malloc(d->d_size);
            if (!p || !p->tab) {
                free(p);
                p = NULL;
                break;
            }
            memcpy(p->tab, d->d_buf, d->d_size);
            p->len = d->d_size;
            break;
        }
    }
    if (e) elf_end(e);
    close(fd);
    if (p && (u32(p, 0) != PCLN_MAGIC_118 || p->tab[7] != 8)) { /* another Go, or not 64-bit */
        gopcln_close(p);
        return NULL;
    }
    if (p) {
        p->minlc = p->tab[6] ? p->tab[6] : 1;
        p->nfunc = u64(p, 8);
        p->text = u64(p, 24);
        p->funcname = u64(p, 32);
        p->cu = u64(p, 40);
        p->filetab = u64(p, 48);
        p->pctab = u64(p, 56);
        p->pcln = u64(p, 64);
    }
    return p;
}

/* Frees the table; p may be NULL. */
void gopcln_close(gopcln *p) {
    if (!p) return;
    free(p->tab);
    free(p);
}

/* A NUL-terminated string at off, or NULL. */
static const char *str_at(const gopcln *p, uint64_t off) {
    if (off >= p->len || !memchr(p->tab + off, 0, p->len - off)) return NULL;
    return (const char *)p->tab + off;
}

/* Reads a varint at *off; false past the table. */
static bool varint(const gopcln *p, uint64_t *off, uint32_t *v) {
    uint32_t r = 0;
    for (unsigned shift = 0; shift < 35; shift += 7) {
        if (*off >= p->len) return false;
        unsigned char b = p->tab[(*off)++];
        r |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = r;
            return true;
        }
    }
    return false;
}

/* The value of pc-value table tab (an offset into pctab) at pc, for a function at entry;
 * -1 when not found. */
static int32_t pcvalue(const gopcln *p, uint32_t tab, uint64_t entry, uint64_t pc) {
    if (tab == 0) return -1;
    uint64_t off = p->pctab + tab, at = entry;
    int32_t val = -1;
    for (bool first = true;; first = false) {
        uint32_t uv, pcd;
        if (!varint(p, &off, &uv) || (uv == 0 && !first)) return -1;
        val += (int32_t)(-(uv & 1) ^ (uv >> 1));
        if (!varint(p, &off, &pcd)) return -1;
        at += (uint64_t)pcd * p->minlc;
        if (pc < at) return val;
    }
}

/* The function holding link-time address a (binary search of the sorted function table),
 * and the file and line its pc-value tables give for a. */
bool gopcln_find(const gopcln *p, uint64_t a, const char **fn, const char **file, int *line) {
    if (a < p->text || p->nfunc == 0) return false;
    uint64_t rel = a - p->text, ft = p->pcln;
    /* the last function whose entry offset is <= rel (entries are sorted) */
    uint64_t lo = 0, hi = p->nfunc;
    if (rel >= u32(p, ft + p->nfunc * 8)) return false; /* past the end entry */
    while (lo + 1 < hi) {
        uint64_t mid = (lo + hi) / 2;
        if (u32(p, ft + mid * 8) <= rel)
            lo = mid;
        else
            hi = mid;
    }
    uint64_t f = ft + u32(p, ft + lo * 8 + 4); /* the _func record */
    if (f + 40 > p->len) return false;
    uint64_t entry = p->text + u32(p, f);
    *fn = str_at(p, p->funcname + (uint32_t)u32(p, f + 4));
    int32_t fileno = pcvalue(p, u32(p, f + 20), entry, a);
    int32_t ln = pcvalue(p, u32(p, f + 24), entry, a);
    uint32_t cu = u32(p, f + 32);
    *file = NULL;
    if (fileno >= 0) {
        uint32_t fo = u32(p, p->cu + ((uint64_t)cu + (uint32_t)fileno) * 4);
        if (fo != UINT32_MAX) *file = str_at(p, p->filetab + fo);
    }
    *line = ln > 0 ? ln : 0;
    return *fn != NULL;
}
