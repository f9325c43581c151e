/*
 * output.c — printing a query's rows as a table, CSV or JSON, shared by gort sql and gaps.
 *
 * CSV and JSON stream: each row is written as it is stepped, so a query over ten million
 * events never holds its result in memory. The table format must know every column's width
 * before the first line, so it keeps the cells (as text) until the statement is done; it is
 * meant for people, who do not read ten million lines.
 *
 * Output bound for standard output is spooled, not streamed: it goes to an anonymous temporary
 * file (unnamed from birth with O_TMPFILE, or unlinked at once) and is copied to stdout only
 * when the command has succeeded. A command that fails half-way (a query error, the
 * --timeout, an overflowing total) therefore prints nothing at all, never a CSV header or an
 * opening bracket followed by an error; and the spool vanishes with the process whatever
 * stops it. Output to a file goes to a temporary file in its directory, unnamed until it is
 * complete (O_TMPFILE; a named "PATH.tmp.XXXXXX" where the file system has none), then linked
 * and renamed over PATH: a failed, interrupted or killed command leaves nothing behind. Only a
 * regular file is ever replaced: a device or FIFO named as output is written into, through
 * the spool; a directory or a symbolic link is refused.
 *
 * Types follow SQLite's per-value types: an integer prints as an integer in every format, a
 * real with %.17g (round-trips), text as itself, a blob as hex (x'..' in a table, a hex
 * string in JSON). JSON strings are valid UTF-8 whatever the trace holds (text.c).
 */
#define _GNU_SOURCE /* the unlocked stdio calls */
#include "viewer.h"

#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Maps a --format value to its enum; one error line otherwise. */
bool vout_parse_format(const char *cmd, const char *s, enum vout_format *out) {
    if (s && !strcmp(s, "table")) *out = VOUT_TABLE;
    else if (s && !strcmp(s, "csv")) *out = VOUT_CSV;
    else if (s && !strcmp(s, "json")) *out = VOUT_JSON;
    else {
        cli_error(cmd, "unknown format '%s' (table, csv or json)", s ? s : "");
        return false;
    }
    return true;
}

/* Formats column I of ST as text in a malloc'd string (NULL_TEXT for NULL). */
static char *cell_text(sqlite3_stmt *st, int i, const char *null_text) {
    char num[64];
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL: return strdup(null_text);
    case SQLITE_INTEGER:
        snprintf(num, sizeof num, "%lld", (long long)sqlite3_column_int64(st, i));
        return strdup(num);
    case SQLITE_FLOAT:
        snprintf(num, sizeof num, "%.17g", sqlite3_column_double(st, i));
        return strdup(num);
    case SQLITE_BLOB: {
        const unsigned char *b = sqlite3_column_blob(st, i);
        int n = sqlite3_column_bytes(st, i);
        char *s = malloc((size_t)n * 2 + 4);
        if (!s) return NULL;
        char *p = s;
        *p++ = 'x';
        *p++ = '\'';
        for (int k = 0; k < n; k++) p += sprintf(p, "%02x", b[k]);
        *p++ = '\'';
        *p = 0;
        return s;
    }
    default: {
        const char *t = (const char *)sqlite3_column_text(st, i);
        return strdup(t ? t : "");
    }
    }
}

/* Writes S as a CSV field: quoted when it holds a comma, quote or line break. */
static void csv_field(FILE *out, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    putc('"', out);
    for (; *s; s++) {
        if (*s == '"') putc('"', out);
        putc(*s, out);
    }
    putc('"', out);
}

/* Writes column I of ST as a JSON value. */
static void json_value(FILE *out, sqlite3_stmt *st, int i) {
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL: fputs("null", out); break;
    case SQLITE_INTEGER: write_i64(out, sqlite3_column_int64(st, i)); break;
    case SQLITE_FLOAT: {
        double d = sqlite3_column_double(st, i);
        if (isfinite(d)) fprintf(out, "%.17g", d);
        else fputs("null", out);
        break;
    }
    case SQLITE_BLOB: {
        const unsigned char *b = sqlite3_column_blob(st, i);
        int n = sqlite3_column_bytes(st, i);
        putc('"', out);
        for (int k = 0; k < n; k++) fprintf(out, "%02x", b[k]);
        putc('"', out);
        break;
    }
    default: {
        const char *t = (const char *)sqlite3_column_text(st, i);
        json_write_string(out, t ? t : "", t ? (size_t)sqlite3_column_bytes(st, i) : 0);
    }
    }
}

/* Streams the rows as CSV. */
static int print_csv(const char *cmd, sqlite3_stmt *st, FILE *out, vout_row_fn fn, void *arg) {
    int nc = sqlite3_column_count(st);
    for (int i = 0; i < nc; i++) {
        if (i) putc(',', out);
        csv_field(out, sqlite3_column_name(st, i));
    }
    putc('\n', out);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (fn) fn(st, arg);
        for (int i = 0; i < nc; i++) {
            if (i) putc(',', out);
            int type = sqlite3_column_type(st, i);
            if (type == SQLITE_TEXT) {
                const char *t = (const char *)sqlite3_column_text(st, i);
                csv_field(out, t ? t : "");
            } else if (type == SQLITE_INTEGER) {
                write_i64(out, sqlite3_column_int64(st, i));
            } else if (type != SQLITE_NULL) {
                char *s = cell_text(st, i, "");
                if (s) fputs(s, out);
                free(s);
            }
        }
        putc('\n', out);
    }
    return rc == SQLITE_DONE ? 0 : vt_sql_error(cmd, sqlite3_db_handle(st), "query failed");
}

/* Streams the rows as a JSON array of objects, one a line. */
static int print_json(const char *cmd, sqlite3_stmt *st, FILE *out, vout_row_fn fn, void *arg) {
    int nc = sqlite3_column_count(st);
    int rc;
    bool first = true;
    fputs("[", out);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (fn) fn(st, arg);
        fputs(first ? "\n{" : ",\n{", out);
        first = false;
        for (int i = 0; i < nc; i++) {
            const char *name = sqlite3_column_name(st, i);
            if (i) putc(',', out);
            json_write_string(out, name, strlen(name));
            putc(':', out);
            json_value(out, st, i);
        }
        putc('}', out);
    }
    fputs(first ? "]\n" : "\n]\n", out);
    return rc == SQLITE_DONE ? 0 : vt_sql_error(cmd, sqlite3_db_handle(st), "query failed");
}

typedef struct {       /* one kept cell: its text in table_buf.text */
    size_t off;
    uint32_t len;      /* bytes */
    uint32_t width;    /* characters */
} table_cell_ref;

typedef struct {
    char *text;          /* every cell's text, back to back */
    size_t len, cap;
    table_cell_ref *cells; /* row-major, ncols per row */
    size_t nrows, cap_cells;
    bool *numeric;       /* per column: every value is a number or NULL (right-aligned) */
    size_t *width;       /* per column, in characters */
} table_buf;

/* Makes room for N more bytes of cell text; false when out of memory. */
static bool grow_text(table_buf *t, size_t n) {
    size_t cap = t->cap ? t->cap * 2 : 1 << 16;
    while (cap < t->len + n) cap *= 2;
    char *p = realloc(t->text, cap);
    if (!p) return false;
    t->text = p;
    t->cap = cap;
    return true;
}

/* Formats V in decimal at the end of BUF (32 bytes); returns where the digits start. */
static char *format_i64(int64_t v, char *buf) {
    char *p = buf + 31;
    *p = 0;
    uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) *--p = '-';
    return p;
}

/* Appends column I of ST to T as one line of text; false when out of memory. */
static bool table_cell(table_buf *t, sqlite3_stmt *st, int i, size_t slot) {
    int type = sqlite3_column_type(st, i);
    char num[32];
    const char *v;
    size_t n;
    char *owned = NULL;
    if (type == SQLITE_INTEGER) {
        v = format_i64(sqlite3_column_int64(st, i), num);
        n = (size_t)(num + 31 - v);
    } else if (type == SQLITE_NULL) {
        v = "NULL";
        n = 4;
    } else if (type == SQLITE_TEXT) {
        v = (const char *)sqlite3_column_text(st, i);
        n = v ? (size_t)sqlite3_column_bytes(st, i) : 0; /* printf('%n') is text without bytes */
        if (!v) v = "";
        t->numeric[i] = false;
    } else {
        owned = cell_text(st, i, "NULL");
        if (!owned) return false;
        v = owned;
        n = strlen(owned);
        if (type != SQLITE_FLOAT) t->numeric[i] = false;
    }
    if (n > UINT32_MAX / 2 || (t->len + n > t->cap && !grow_text(t, n))) {
        free(owned);
        return false;
    }
    char *dst = t->text + t->len;
    if (n) memcpy(dst, v, n);
    for (size_t k = 0; k < n; k++) /* a cell is one line */
        if (dst[k] == '\n' || dst[k] == '\r' || dst[k] == '\t') dst[k] = ' ';
    size_t w = type == SQLITE_TEXT ? utf8_count(dst, n) : n;
    t->cells[slot] = (table_cell_ref){ t->len, (uint32_t)n, (uint32_t)w };
    t->len += n;
    if (w > t->width[i]) t->width[i] = w;
    free(owned);
    return true;
}

/* Writes N spaces. */
static void pad(FILE *out, size_t n) {
    while (n--) putc_unlocked(' ', out);
}

/* Prints one table line: each cell padded to its column's width. */
static void table_line(FILE *out, const char *text, const table_cell_ref *cells, int nc,
                       const size_t *w, const bool *numeric) {
    for (int i = 0; i < nc; i++) {
        size_t fill = w[i] > cells[i].width ? w[i] - cells[i].width : 0;
        if (i) fputs_unlocked("  ", out);
        if (numeric[i]) pad(out, fill);
        fwrite_unlocked(text + cells[i].off, 1, cells[i].len, out);
        if (!numeric[i] && i != nc - 1) pad(out, fill);
    }
    putc_unlocked('\n', out);
}

/* Cells kept in memory, at most (text and references); later rows wait in a temporary file,
 * so a table of millions of rows costs disk, not memory. */
#ifndef TABLE_MEM_LIMIT
#define TABLE_MEM_LIMIT (32u << 20)
#endif

/* Moves the last row of T (cells of row t->nrows, its text from `from`) to the spill file. */
static bool spill_row(table_buf *t, int nc, size_t from, FILE *spill) {
    const table_cell_ref *c = t->cells + t->nrows * (size_t)nc;
    for (int i = 0; i < nc; i++) {
        uint32_t head[2] = { c[i].len, c[i].width };
        if (fwrite(head, sizeof head, 1, spill) != 1 ||
            (c[i].len && fwrite(t->text + c[i].off, c[i].len, 1, spill) != 1))
            return false;
    }
    t->len = from;
    return true;
}

/* Prints the rows waiting in the spill file, read back one at a time. */
static bool print_spilled(FILE *spill, size_t rows, int nc, FILE *out, const size_t *width,
                          const bool *numeric) {
    table_buf row = { 0 };
    table_cell_ref *cells = calloc((size_t)nc, sizeof *cells);
    bool ok = cells && fflush(spill) == 0 && fseek(spill, 0, SEEK_SET) == 0;
    for (size_t r = 0; ok && r < rows; r++) {
        row.len = 0;
        for (int i = 0; ok && i < nc; i++) {
            uint32_t head[2];
            ok = fread(head, sizeof head, 1, spill) == 1 &&
                 (row.len + head[0] <= row.cap || grow_text(&row, head[0])) &&
                 (!head[0] || fread(row.text + row.len, head[0], 1, spill) == 1);
            cells[i] = (table_cell_ref){ row.len, head[0], head[1] };
            row.len += head[0];
        }
        if (ok) table_line(out, row.text, cells, nc, width, numeric);
    }
    free(row.text);
    free(cells);
    return ok;
}

/* Keeps every cell (in memory up to TABLE_MEM_LIMIT, then in a temporary file), then prints
 * aligned columns under the column names. */
static int print_table(const char *cmd, sqlite3_stmt *st, FILE *out, vout_row_fn fn, void *arg) {
    int nc = sqlite3_column_count(st);
    if (nc == 0) {
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {}
        return rc == SQLITE_DONE ? 0 : vt_sql_error(cmd, sqlite3_db_handle(st), "query failed");
    }
    table_buf t = { 0 };
    t.width = calloc((size_t)nc, sizeof *t.width);
    t.numeric = calloc((size_t)nc, sizeof *t.numeric);
    table_cell_ref *head = calloc((size_t)nc, sizeof *head);
    int rc = 0;
    if (!t.width || !t.numeric || !head) rc = cli_error(cmd, "out of memory");
    for (int i = 0; !rc && i < nc; i++) t.numeric[i] = true;
    int step = SQLITE_DONE;
    FILE *spill = NULL;
    size_t spilled = 0;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (fn) fn(st, arg);
        size_t from = t.len;
        if ((t.nrows + 1) * (size_t)nc > t.cap_cells) {
            size_t cap = t.cap_cells ? t.cap_cells * 2 : (size_t)nc * 256;
            table_cell_ref *c = realloc(t.cells, cap * sizeof *c);
            if (!c) { rc = cli_error(cmd, "out of memory"); break; }
            t.cells = c;
            t.cap_cells = cap;
        }
        for (int i = 0; !rc && i < nc; i++)
            if (!table_cell(&t, st, i, t.nrows * (size_t)nc + (size_t)i)) rc = cli_error(cmd, "out of memory");
        if (!rc && (spill || t.len + (t.nrows + 1) * (size_t)nc * sizeof *t.cells > TABLE_MEM_LIMIT)) {
            if (!spill && !(spill = tmpfile())) {
                rc = cli_error(cmd, "cannot create a temporary file: %s", strerror(errno));
            } else if (!spill_row(&t, nc, from, spill)) {
                rc = cli_error(cmd, "cannot write a temporary file: %s", strerror(errno));
            } else {
                spilled++;
                continue;
            }
        }
        t.nrows++;
    }
    if (!rc && step != SQLITE_DONE) rc = vt_sql_error(cmd, sqlite3_db_handle(st), "query failed");
    /* The header: column names, after the cells so the text buffer no longer moves. */
    for (int i = 0; !rc && i < nc; i++) {
        const char *name = sqlite3_column_name(st, i);
        size_t n = strlen(name);
        if (t.len + n > t.cap && !grow_text(&t, n)) {
            rc = cli_error(cmd, "out of memory");
            break;
        }
        memcpy(t.text + t.len, name, n);
        head[i] = (table_cell_ref){ t.len, (uint32_t)n, (uint32_t)utf8_count(name, n) };
        t.len += n;
        if (head[i].width > t.width[i]) t.width[i] = head[i].width;
    }
    if (!rc) {
        table_line(out, t.text, head, nc, t.width, t.numeric);
        for (int i = 0; i < nc; i++) {
            if (i) fputs_unlocked("  ", out);
            for (size_t k = 0; k < t.width[i]; k++) putc_unlocked('-', out);
        }
        putc_unlocked('\n', out);
        for (size_t r = 0; r < t.nrows; r++)
            table_line(out, t.text, t.cells + r * (size_t)nc, nc, t.width, t.numeric);
        if (spill && !print_spilled(spill, spilled, nc, out, t.width, t.numeric))
            rc = cli_error(cmd, "cannot read a temporary file back: %s", strerror(errno));
    }
    if (spill) fclose(spill);
    free(t.text);
    free(t.cells);
    free(t.numeric);
    free(t.width);
    free(head);
    return rc;
}

/* Dispatches to the format's printer. */
int vout_query(const char *cmd, sqlite3_stmt *st, enum vout_format format, FILE *out,
               vout_row_fn on_row, void *arg) {
    switch (format) {
    case VOUT_CSV: return print_csv(cmd, st, out, on_row, arg);
    case VOUT_JSON: return print_json(cmd, st, out, on_row, arg);
    default: return print_table(cmd, st, out, on_row, arg);
    }
}

/* True when A and B name the same existing file. */
static bool same_file(const char *a, const char *b) {
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Makes VF's file an unnamed one in DIR (O_TMPFILE), for reading and writing when RW. Its
 * name for reopening (gnuplot writes the picture through it) and for linking is
 * /proc/PID/fd/N. False when the file system cannot (errno set). */
static bool open_unnamed(const char *dir, bool rw, vout_file *vf) {
    int fd = open(dir, O_TMPFILE | (rw ? O_RDWR : O_WRONLY) | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    vf->tmp = malloc(48);
    vf->f = vf->tmp ? fdopen(fd, rw ? "w+" : "w") : NULL;
    if (!vf->f) {
        close(fd);
        free(vf->tmp);
        vf->tmp = NULL;
        errno = ENOMEM;
        return false;
    }
    snprintf(vf->tmp, 48, "/proc/%d/fd/%d", (int)getpid(), fd);
    vf->unnamed = true;
    return true;
}

/* Makes VF's file a named temporary "PATH.tmp.XXXXXX" (where O_TMPFILE is not supported). */
static bool open_named(const char *path, vout_file *vf) {
    size_t n = strlen(path);
    vf->tmp = malloc(n + 16);
    if (!vf->tmp) {
        errno = ENOMEM;
        return false;
    }
    snprintf(vf->tmp, n + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(vf->tmp);
    vf->f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!vf->f) {
        int e = fd >= 0 ? ENOMEM : errno;
        if (fd >= 0) {
            close(fd);
            unlink(vf->tmp);
        }
        free(vf->tmp);
        vf->tmp = NULL;
        errno = e;
        return false;
    }
    return true;
}

/* The spool: an anonymous read-write file in $TMPDIR (or /tmp), unnamed from the start where
 * the file system has O_TMPFILE, else unlinked as soon as it is made. */
static bool open_spool(vout_file *vf) {
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    if (!open_unnamed(dir, true, vf)) {
        char *name = malloc(strlen(dir) + 32);
        if (!name) return false;
        sprintf(name, "%s/gort-out-XXXXXX", dir);
        int fd = mkstemp(name);
        if (fd >= 0) unlink(name);
        free(name);
        vf->f = fd >= 0 ? fdopen(fd, "w+") : NULL;
        if (!vf->f) {
            if (fd >= 0) close(fd);
            return false;
        }
    }
    vf->spool = true;
    return true;
}

/* Copies the whole of SPOOL to OUT; false when a read or write fails. */
static bool copy_spool(FILE *spool, FILE *out) {
    if (fflush(spool) != 0 || fseek(spool, 0, SEEK_SET) != 0) return false;
    char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, spool)) > 0)
        if (fwrite(buf, 1, n, out) != n) return false;
    return !ferror(spool) && fflush(out) == 0;
}

/* Opens the output PATH: stdout or a special file (a device, a FIFO: written into, never
 * replaced) through the spool, a new name or a regular file through a temporary file in its
 * directory (unnamed until it is complete where the file system allows). A directory, a
 * symbolic link and the trace itself (PROTECT) are refused. */
int vout_file_open(const char *cmd, const char *path, const char *protect, vout_file *vf) {
    memset(vf, 0, sizeof *vf);
    struct stat sb;
    bool to_stdout = !path || !strcmp(path, "-");
    if (!to_stdout && protect && same_file(path, protect))
        return cli_error(cmd, "%s: refusing to overwrite the trace", path);
    if (!to_stdout && lstat(path, &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) return cli_error(cmd, "%s: is a directory", path);
        if (S_ISLNK(sb.st_mode))
            return cli_error(cmd, "%s: is a symbolic link: name the file itself (or - for "
                             "standard output)", path);
        if (!S_ISREG(sb.st_mode)) to_stdout = true, vf->device = path;
    }
    if (to_stdout) {
        if (!open_spool(vf)) return cli_error(cmd, "cannot make a temporary file for the output: %s", strerror(errno));
        setvbuf(vf->f, NULL, _IOFBF, 1 << 20);
        return 0;
    }
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    bool ok = dir && (open_unnamed(dir, false, vf) || open_named(path, vf));
    free(dir);
    if (!ok) return cli_error(cmd, "%s: cannot write: %s", path, strerror(errno));
    fchmod(fileno(vf->f), 0644);
    setvbuf(vf->f, NULL, _IOFBF, 1 << 20);
    vf->path = path;
    return 0;
}

/* Gives VF's unnamed file a name beside PATH, "PATH.tmp-PID", for the rename over PATH. A file
 * of that name can only be left by a dead process of our PID: it is replaced. */
static char *link_unnamed(const vout_file *vf) {
    size_t n = strlen(vf->path) + 32;
    char *name = malloc(n);
    if (!name) return NULL;
    snprintf(name, n, "%s.tmp-%d", vf->path, (int)getpid());
    unlink(name);
    if (linkat(AT_FDCWD, vf->tmp, AT_FDCWD, name, AT_SYMLINK_FOLLOW) != 0) {
        free(name);
        return NULL;
    }
    return name;
}

/* Writes the spool to stdout or into the special file VF->device. */
static bool deliver_spool(vout_file *vf) {
    if (!vf->device) return copy_spool(vf->f, stdout);
    int fd = open(vf->device, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!out) {
        if (fd >= 0) close(fd);
        return false;
    }
    bool ok = copy_spool(vf->f, out);
    return fclose(out) == 0 && ok;
}

/* Closes VF; delivers the spool, or puts the temporary file in place of PATH, only when OK
 * and fully written; else discards it (an unnamed file vanishes with its descriptor). */
int vout_file_close(const char *cmd, vout_file *vf, bool ok) {
    int rc = 0;
    if (!vf->f) return GORT_EXIT_USAGE;
    if (vf->spool) {
        errno = 0;
        if (ok && (ferror(vf->f) || !deliver_spool(vf)))
            rc = cli_error(cmd, "%s: cannot write the output%s%s", vf->device ? vf->device : "stdout",
                           errno ? ": " : "", errno ? strerror(errno) : "");
        fclose(vf->f);
    } else {
        bool written = !ferror(vf->f) && fflush(vf->f) == 0;
        char *name = ok && written ? (vf->unnamed ? link_unnamed(vf) : vf->tmp) : NULL;
        if (ok && !written) rc = cli_error(cmd, "%s: cannot write the output", vf->path);
        else if (ok && (!name || rename(name, vf->path) != 0))
            rc = cli_error(cmd, "%s: cannot write: %s", vf->path, strerror(errno));
        if (!vf->unnamed && (!ok || rc)) unlink(vf->tmp);
        if (vf->unnamed && name && rc) unlink(name);
        if (vf->unnamed) free(name);
        if (fclose(vf->f) != 0 && ok && !rc) rc = cli_error(cmd, "%s: cannot write the output", vf->path);
    }
    free(vf->tmp);
    vf->f = NULL;
    vf->tmp = NULL;
    return ok ? rc : GORT_EXIT_USAGE;
}
