/*
 * symbolize.c — return addresses to function names and source lines, after the run.
 *
 * The program paid only for capturing raw addresses. Here each distinct address is resolved
 * once with libdw (elfutils' DWARF library, dwfl "offline" reporting): the module comes from
 * the list the program wrote into the shared header when it attached (path and load bias of
 * every ELF object, from dl_iterate_phdr), which stays readable after the program died. The
 * function name comes from the ELF symbol table (libgort programs link with -rdynamic), the
 * file and line from DWARF line tables where the module has debug info.
 *
 * Why libdw: it is elfutils' maintained library, the one perf and systemd use; it reads
 * symbol tables, DWARF 5 line tables and separate debug files (build-id, .gnu_debuglink), and
 * it is packaged everywhere (Debian libdw-dev). addr2line would mean a process per module;
 * libbacktrace is not packaged as a library.
 *
 * Names are functions: a GCC cold partition ("fn.cold") is named as its function, fn. A pc in
 * a procedure linkage table stub, which has no symbol of its own (a sample that lands on the
 * `jmp *GOT` of a call through the PLT), is named "fn@plt" as objdump and perf name it, from
 * the stub's relocation; the lazy-binding stub PLT0 is "@plt". Code without any symbol (the
 * internal functions of a stripped library, such as the dynamic loader's lazy binding without
 * its debug package) stays NULL: its module and address still say where it is.
 *
 * A return address points after its call instruction, which can already belong to the next
 * line or even the next function, so it is looked up at pc - 1; a sampled pc (exact) as is.
 *
 * Go binaries (the Go hook's producer) carry DWARF too, and Go's symbol table names every
 * function ("main.main", "runtime.mapassign_fast64"). But Go writes no .debug_aranges, the
 * table libdw uses to find the compile unit of an address, so dwfl_module_getsrc finds no
 * line there. For such a module the compile units' own address ranges (DW_AT_ranges) are
 * read once into a sorted table, and the line comes from the unit found in it
 * (dwarf_getsrc_die). A Go binary linked without DWARF (-ldflags=-w), or stripped of its symbol
 * table (-s), still has Go's own table, .gopclntab: gopclntab.c gives the name and line from it.
 */
#include "tracer.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_UNIT_MODULES 8 /* modules whose compile units are searched by range */

/* An address range of one compile unit. */
typedef struct cu_range {
    Dwarf_Addr lo, hi;
    Dwarf_Off die; /* the unit's DIE offset */
} cu_range;

/* The compile-unit ranges of a module without .debug_aranges, and its Go table if it has one. */
typedef struct unit_table {
    Dwfl_Module *mod;
    Dwarf *dw;
    Dwarf_Addr bias;
    cu_range *r;
    size_t n;
    gopcln *go;      /* .gopclntab, NULL for a module without one */
    Dwarf_Addr load; /* the module's load bias (symbols) */
} unit_table;

/* The symbolizer's state for one run: the modules' unit tables, built on demand. */
typedef struct symbolizer {
    Dwfl *dwfl;
    unit_table units[MAX_UNIT_MODULES];
    size_t nunits;
} symbolizer;

/* Orders ranges by start address. */
static int cmp_range(const void *a, const void *b) {
    const cu_range *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Reads every compile unit's ranges of mod into t (an empty table when it has no DWARF), and
 * opens its .gopclntab. */
static void build_units(unit_table *t, Dwfl_Module *mod) {
    memset(t, 0, sizeof *t);
    t->mod = mod;
    const char *mainfile = NULL;
    dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, &mainfile, NULL);
    if (mainfile && dwfl_module_getelf(mod, &t->load)) t->go = gopcln_open(mainfile);
    t->dw = dwfl_module_getdwarf(mod, &t->bias);
    if (!t->dw) return;
    size_t cap = 0;
    Dwarf_Off off = 0, next;
    size_t hsize;
    while (dwarf_nextcu(t->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
        Dwarf_Die cu;
        if (dwarf_offdie(t->dw, off + hsize, &cu)) {
            Dwarf_Addr base, lo, hi;
            for (ptrdiff_t o = 0; (o = dwarf_ranges(&cu, o, &base, &lo, &hi)) > 0;) {
                if (t->n == cap) {
                    cap = cap ? cap * 2 : 256;
                    cu_range *r = realloc(t->r, cap * sizeof *r);
                    if (!r) return;
                    t->r = r;
                }
                t->r[t->n++] = (cu_range){ lo, hi, off + hsize };
            }
        }
        off = next;
    }
    qsort(t->r, t->n, sizeof *t->r, cmp_range);
}

/* The unit table of mod, built on first use; NULL when too many modules need one. */
static unit_table *units_of(symbolizer *sy, Dwfl_Module *mod) {
    for (size_t i = 0; i < sy->nunits; i++)
        if (sy->units[i].mod == mod) return &sy->units[i];
    if (sy->nunits == MAX_UNIT_MODULES) return NULL;
    unit_table *t = &sy->units[sy->nunits++];
    build_units(t, mod);
    return t;
}

/* The line of address a (module-relative to dwfl) found through the unit table of mod. */
static Dwarf_Line *line_by_unit(symbolizer *sy, Dwfl_Module *mod, Dwarf_Addr a) {
    unit_table *t = units_of(sy, mod);
    if (!t || !t->dw || !t->n) return NULL;
    Dwarf_Addr x = a - t->bias;
    size_t lo = 0, hi = t->n; /* the last range starting at or before x */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->r[mid].lo <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || x >= t->r[lo - 1].hi) return NULL;
    Dwarf_Die cu;
    if (!dwarf_offdie(t->dw, t->r[lo - 1].die, &cu)) return NULL;
    return dwarf_getsrc_die(&cu, x);
}

/* Reports every module of the header to dwfl with its load bias. */
static Dwfl *open_modules(const gort_rec_header *h, const Dwfl_Callbacks *callbacks) {
    Dwfl *dwfl = dwfl_begin(callbacks);
    if (!dwfl) return NULL;
    dwfl_report_begin(dwfl);
    uint32_t n = atomic_load(&((gort_rec_header *)h)->nmodules);
    if (n > GORT_REC_MAX_MODULES) n = GORT_REC_MAX_MODULES;
    for (uint32_t i = 0; i < n; i++) {
        const gort_rec_module *m = &h->modules[i];
        char path[GORT_REC_PATH_MAX];
        memcpy(path, m->path, sizeof path);
        path[sizeof path - 1] = 0;
        /* base is the load bias: add_p_vaddr, so that a PIE whose first segment is not at 0
         * (Go links its PIEs at 0x400000) gets exactly that bias */
        dwfl_report_elf(dwfl, path, path, -1, (GElf_Addr)m->base, true);
    }
    dwfl_report_end(dwfl, NULL, NULL);
    return dwfl;
}

/* The length of the function name in SYM: without a symbol version ("@@GLIBC_2.34") and
 * without the suffix of a GCC cold partition. GCC moves a function's unlikely blocks into a
 * separate local symbol "fn.cold" (older GCC: "fn.cold.N"); its code is still fn's, and a
 * flame graph that showed it apart would split one function in two. */
static int function_name_len(const char *sym) {
    int len = (int)strcspn(sym, "@");
    for (const char *p = sym; (p = strstr(p, ".cold")) && p - sym < len; p++) {
        const char *q = p + 5;
        if (*q == '.' && q[1] >= '0' && q[1] <= '9')
            for (q++; *q >= '0' && *q <= '9'; q++) {}
        if (q - sym == len) return (int)(p - sym);
    }
    return len;
}

/* The section of ELF named NAME, or NULL. */
static Elf_Scn *section_named(Elf *elf, size_t shstrndx, const char *name, GElf_Shdr *sh) {
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
        const char *n = gelf_getshdr(scn, sh) ? elf_strptr(elf, shstrndx, sh->sh_name) : NULL;
        if (n && !strcmp(n, name)) return scn;
    }
    return NULL;
}

/* The name of the function whose PLT stub holds ADDR (an address in MOD's file), into BUF as
 * "fn@plt"; false when ADDR is in no PLT. x86-64 stubs are 16 bytes: in .plt, entry 0 is the
 * lazy-binding trampoline and entry i + 1 belongs to .rela.plt's i-th relocation; in .plt.sec
 * (with -z ibt), entry i to relocation i. */
static bool plt_name(Dwfl_Module *mod, Dwarf_Addr a, char *buf, size_t size) {
    GElf_Addr bias;
    Elf *elf = dwfl_module_getelf(mod, &bias);
    size_t shstrndx;
    if (!elf || elf_getshdrstrndx(elf, &shstrndx) != 0) return false;
    GElf_Addr addr = a - bias;
    GElf_Shdr sh, rsh, dsh;
    long index = -1;
    Elf_Scn *plt = section_named(elf, shstrndx, ".plt.sec", &sh);
    if (plt && addr >= sh.sh_addr && addr < sh.sh_addr + sh.sh_size) index = (long)((addr - sh.sh_addr) / 16);
    plt = index < 0 ? section_named(elf, shstrndx, ".plt", &sh) : plt;
    if (index < 0 && plt && addr >= sh.sh_addr && addr < sh.sh_addr + sh.sh_size) {
        index = (long)((addr - sh.sh_addr) / 16) - 1;
        if (index < 0) return snprintf(buf, size, "@plt") > 0;
    }
    if (index < 0) {
        plt = section_named(elf, shstrndx, ".plt.got", &sh);
        if (plt && addr >= sh.sh_addr && addr < sh.sh_addr + sh.sh_size) return snprintf(buf, size, "@plt") > 0;
        return false;
    }
    Elf_Scn *rela = section_named(elf, shstrndx, ".rela.plt", &rsh);
    Elf_Scn *dyn = rela ? elf_getscn(elf, rsh.sh_link) : NULL;
    Elf_Data *rd = rela ? elf_getdata(rela, NULL) : NULL;
    Elf_Data *dd = dyn && gelf_getshdr(dyn, &dsh) ? elf_getdata(dyn, NULL) : NULL;
    GElf_Rela r;
    GElf_Sym sym;
    const char *name = NULL;
    if (rd && dd && gelf_getrela(rd, (int)index, &r) && gelf_getsym(dd, (int)GELF_R_SYM(r.r_info), &sym))
        name = elf_strptr(elf, dsh.sh_link, sym.st_name);
    if (!name || !*name) return snprintf(buf, size, "@plt") > 0;
    snprintf(buf, size, "%.*s@plt", (int)strcspn(name, "@"), name);
    return true;
}

/* Binds the symbol, module, file and line of one address to the frames insert. */
static void describe(symbolizer *sy, const frame_ref *f, sqlite3_stmt *s) {
    Dwfl *dwfl = sy->dwfl;
    Dwarf_Addr a = f->exact ? f->pc : f->pc - 1;
    Dwfl_Module *mod = dwfl ? dwfl_addrmodule(dwfl, a) : NULL;
    const char *sym = NULL, *modname = NULL, *file = NULL;
    int line = 0;
    char plt[256];
    if (mod) {
        sym = dwfl_module_addrname(mod, a);
        if (!sym && plt_name(mod, a, plt, sizeof plt)) sym = plt;
        const char *mainfile = NULL;
        modname = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, &mainfile, NULL);
        if (mainfile) modname = mainfile;
        Dwfl_Line *l = dwfl_module_getsrc(mod, a);
        if (l) {
            file = dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL);
        } else {
            Dwarf_Line *dl = line_by_unit(sy, mod, a);
            if (dl) {
                file = dwarf_linesrc(dl, NULL, NULL);
                dwarf_lineno(dl, &line);
            }
        }
        unit_table *t = file ? NULL : units_of(sy, mod);
        const char *gofn;
        if (t && t->go && gopcln_find(t->go, a - t->load, &gofn, &file, &line) && !sym) sym = gofn;
    }
    int symlen = sym ? function_name_len(sym) : 0;
    sqlite3_bind_text(s, 3, sym, symlen, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, modname, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 5, file, -1, SQLITE_TRANSIENT);
    if (file && line > 0)
        sqlite3_bind_int(s, 6, line);
    else
        sqlite3_bind_null(s, 6);
}

bool symbolize_frames(trace_db *d, const gort_rec_header *h, const frame_ref *frames,
                      size_t n, char *err, size_t errlen) {
    if (n == 0) return true;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(d->db,
                           "INSERT INTO frames(id, pc, symbol, module, file, line) "
                           "VALUES (?, ?, ?, ?, ?, ?)",
                           -1, &s, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "database: %s", sqlite3_errmsg(d->db));
        return false;
    }
    char *debuginfo_path = NULL; /* dwfl's default search path; outlives dwfl */
    const Dwfl_Callbacks callbacks = {
        .find_elf = dwfl_build_id_find_elf,
        .find_debuginfo = dwfl_standard_find_debuginfo,
        .section_address = dwfl_offline_section_address,
        .debuginfo_path = &debuginfo_path,
    };
    symbolizer sy = { .dwfl = open_modules(h, &callbacks) };
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        sqlite3_bind_int64(s, 1, (sqlite3_int64)(i + 1));
        sqlite3_bind_int64(s, 2, (sqlite3_int64)frames[i].pc);
        describe(&sy, &frames[i], s);
        if (sqlite3_step(s) != SQLITE_DONE) {
            snprintf(err, errlen, "database: %s", sqlite3_errmsg(d->db));
            ok = false;
        }
        sqlite3_reset(s);
    }
    for (size_t i = 0; i < sy.nunits; i++) {
        free(sy.units[i].r);
        gopcln_close(sy.units[i].go);
    }
    if (sy.dwfl) dwfl_end(sy.dwfl);
    sqlite3_finalize(s);
    return ok;
}
