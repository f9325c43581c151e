/*
 * overlay.c — the overlay that puts gort's hook into Go's runtime for one `go build`.
 *
 * An overlay is a folder of files and an overlay.json that tells `go build -overlay` to
 * compile GOROOT/src/runtime/X from the folder's X instead: the runtime files the anchors
 * patch (anchors.c), gort's own runtime files (the .go and .s files of gohook/runtime, added
 * to the package) and gort_format.go (format_go.c). GOROOT itself is only read.
 *
 * The folder is named after a hash of everything in it (the gort version, every file's name
 * and contents) under the user's cache folder, $XDG_CACHE_HOME/gort (else ~/.cache/gort):
 * the same Go and the same gort give the same paths and contents, so Go's build cache —
 * keyed on them — compiles the hooked runtime once and reuses it in every later build. It is
 * written under a temporary name and renamed into place, so a folder that exists is complete,
 * and two builds at once cannot see each other's half-written files.
 *
 * The anchors are applied at every build, cached folder or not: a runtime that does not match
 * them is refused before anything is written.
 */
#define _GNU_SOURCE
#include "gobuild.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One file of the overlay: its name in the runtime folder and its contents. */
typedef struct ov_file {
    char name[256];
    char *text;
} ov_file;

typedef struct overlay {
    ov_file *files;
    size_t n;
    uint64_t hash;
} overlay;

/* out = a + "/" + b; false when it does not fit. */
static bool join(char *out, size_t outlen, const char *a, const char *b) {
    int n = snprintf(out, outlen, "%s/%s", a, b);
    return n >= 0 && (size_t)n < outlen;
}

/* FNV-1a over bytes, continuing from h. */
static uint64_t fnv(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

/* Frees the files' texts and the list. */
static void overlay_free(overlay *o) {
    for (size_t i = 0; i < o->n; i++) free(o->files[i].text);
    free(o->files);
}

/* Adds a file (takes text). */
static bool add(overlay *o, const char *name, char *text) {
    ov_file *f = realloc(o->files, (o->n + 1) * sizeof *f);
    if (!f || !text) {
        free(text);
        if (f) o->files = f;
        return false;
    }
    o->files = f;
    snprintf(f[o->n].name, sizeof f[o->n].name, "%s", name);
    f[o->n++].text = text;
    return true;
}

/* Reads a whole file (NUL-terminated, malloc'd); NULL with err set. */
static char *slurp(const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[65536];
    size_t got;
    bool ok = m != NULL;
    while (ok && (got = fread(chunk, 1, sizeof chunk, f)) > 0) ok = fwrite(chunk, 1, got, m) == got;
    ok = ok && !ferror(f);
    fclose(f);
    if (m) fclose(m);
    if (!ok) {
        free(buf);
        snprintf(err, errlen, "cannot read %s", path);
        return NULL;
    }
    return buf;
}

/* True when the Go version is 1.19 (go1.19, go1.19.N). */
static bool is_go119(const char *v) {
    return !strncmp(v, "go1.19", 6) && (v[6] == 0 || v[6] == '.');
}

/* Patches the anchored runtime files into o; false with a one-line refusal in err. */
static bool add_patched(overlay *o, const go_env *e, const char *hookdir, char *err, size_t errlen) {
    char path[PATH_MAX + 64], why[GOBUILD_ERR] = "";
    if (!join(path, sizeof path, hookdir, "anchors")) return false;
    anchor_list *a = anchors_load(path, err, errlen);
    if (!a) return false;
    const char **files;
    size_t nf = anchors_files(a, &files);
    bool ok = true;
    for (size_t i = 0; i < nf && ok; i++) {
        char rt[PATH_MAX];
        char *src = join(rt, sizeof rt, e->goroot, "src/runtime") && join(path, sizeof path, rt, files[i])
                        ? slurp(path, why, sizeof why) : NULL;
        if (!src && !why[0]) snprintf(why, sizeof why, "path too long");
        char *patched = src ? anchors_apply(a, files[i], src, why, sizeof why) : NULL;
        free(src);
        if (!patched)
            snprintf(err, errlen, "Go %s (GOROOT %s) does not match gort's hook, written for go1.19: %s",
                     e->goversion, e->goroot, why);
        ok = patched && add(o, files[i], patched);
    }
    anchors_free(a);
    return ok;
}

/* Adds gohook/runtime's .go and .s files (in name order, so the hash is stable). */
static bool add_hook_files(overlay *o, const char *hookdir, char *err, size_t errlen) {
    char dir[PATH_MAX + 16];
    if (!join(dir, sizeof dir, hookdir, "runtime")) return false;
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    if (n < 0) {
        snprintf(err, errlen, "cannot read %s: %s", dir, strerror(errno));
        return false;
    }
    bool ok = true;
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        size_t len = strlen(name);
        bool src = (len > 3 && !strcmp(name + len - 3, ".go")) || (len > 2 && !strcmp(name + len - 2, ".s"));
        if (ok && src && name[0] != '.') {
            char path[PATH_MAX + 300];
            char *text = join(path, sizeof path, dir, name) ? slurp(path, err, errlen) : NULL;
            ok = text && add(o, name, text);
        }
        free(ents[i]);
    }
    free(ents);
    return ok;
}

/* Writes text to dir/name. */
static bool write_file(const char *dir, const char *name, const char *text, char *err, size_t errlen) {
    char path[PATH_MAX + 300];
    FILE *f = join(path, sizeof path, dir, name) ? fopen(path, "wb") : NULL;
    size_t n = strlen(text);
    bool ok = f && fwrite(text, 1, n, f) == n;
    if (f && fclose(f) != 0) ok = false;
    if (!ok) snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    return ok;
}

/* Appends s to f as a JSON string. */
static void json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", (unsigned char)*s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

/* Writes overlay.json into tmp, naming the files by their final folder. */
static bool write_json(const overlay *o, const go_env *e, const char *tmp, const char *final,
                       char *err, size_t errlen) {
    char path[PATH_MAX + 32];
    FILE *f = join(path, sizeof path, tmp, "overlay.json") ? fopen(path, "w") : NULL;
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return false;
    }
    fprintf(f, "{\"Replace\": {\n");
    for (size_t i = 0; i < o->n; i++) {
        char rt[PATH_MAX], from[PATH_MAX + 300], to[PATH_MAX + 300];
        if (!join(rt, sizeof rt, e->goroot, "src/runtime") || !join(from, sizeof from, rt, o->files[i].name) ||
            !join(to, sizeof to, final, o->files[i].name))
            break;
        fputs("  ", f);
        json_string(f, from);
        fputs(": ", f);
        json_string(f, to);
        fputs(i + 1 < o->n ? ",\n" : "\n", f);
    }
    fprintf(f, "}}\n");
    if (fclose(f) != 0) {
        snprintf(err, errlen, "cannot write %s", path);
        return false;
    }
    return true;
}

/* mkdir -p. */
static bool make_dirs(const char *path) {
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        if (mkdir(p, 0755) != 0 && errno != EEXIST) return false;
        *s = '/';
    }
    return mkdir(p, 0755) == 0 || errno == EEXIST;
}

/* nftw callback: removes one entry. */
static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Writes the overlay's folder under cache (unless it exists) and returns overlay.json's path. */
static bool materialize(const overlay *o, const go_env *e, const char *cache, char *out,
                        size_t outlen, char *err, size_t errlen) {
    char final[PATH_MAX], tmp[PATH_MAX + 32], name[64];
    snprintf(name, sizeof name, "overlay-%016llx", (unsigned long long)o->hash);
    if (!join(final, sizeof final, cache, name) || !join(out, outlen, final, "overlay.json")) {
        snprintf(err, errlen, "cache path too long");
        return false;
    }
    struct stat sb;
    if (stat(out, &sb) == 0) return true;
    if (!make_dirs(cache)) {
        snprintf(err, errlen, "cannot create %s: %s", cache, strerror(errno));
        return false;
    }
    if (!join(tmp, sizeof tmp, cache, "tmp-XXXXXX") || !mkdtemp(tmp)) {
        snprintf(err, errlen, "cannot create a folder in %s: %s", cache, strerror(errno));
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < o->n && ok; i++) ok = write_file(tmp, o->files[i].name, o->files[i].text, err, errlen);
    ok = ok && write_json(o, e, tmp, final, err, errlen);
    if (ok && rename(tmp, final) != 0 && errno != EEXIST && errno != ENOTEMPTY) {
        snprintf(err, errlen, "cannot create %s: %s", final, strerror(errno));
        ok = false;
    }
    if (stat(tmp, &sb) == 0) nftw(tmp, rm_entry, 8, FTW_DEPTH | FTW_PHYS); /* lost a race, or failed */
    return ok;
}

/* Patches, checks the Go version and platform, and writes (or finds) the overlay folder;
 * out receives overlay.json's path. Promises: nothing is written for a refused Go. */
bool overlay_prepare(const go_env *e, char *out, size_t outlen, char *err, size_t errlen) {
    char hookdir[PATH_MAX], cache[PATH_MAX];
    if (!go_hook_dir(hookdir, sizeof hookdir, err, errlen)) return false;
    overlay o = { 0 };
    bool ok = add_patched(&o, e, hookdir, err, errlen);
    if (ok && !is_go119(e->goversion)) {
        snprintf(err, errlen, "Go %s (GOROOT %s) is not Go 1.19, which gort's hook is written for",
                 e->goversion, e->goroot);
        ok = false;
    }
    if (ok && (strcmp(e->goos, "linux") || strcmp(e->goarch, "amd64"))) {
        snprintf(err, errlen, "gort's Go hook builds for linux/amd64 only, not %s/%s", e->goos, e->goarch);
        ok = false;
    }
    ok = ok && add_hook_files(&o, hookdir, err, errlen);
    char *consts = ok ? format_go_source() : NULL;
    if (ok && !consts) snprintf(err, errlen, "out of memory");
    ok = ok && add(&o, "gort_format.go", consts);
    if (ok) {
        o.hash = fnv(0xcbf29ce484222325ull, GORT_VERSION, strlen(GORT_VERSION));
        o.hash = fnv(o.hash, e->goroot, strlen(e->goroot) + 1);
        for (size_t i = 0; i < o.n; i++) {
            o.hash = fnv(o.hash, o.files[i].name, strlen(o.files[i].name) + 1);
            o.hash = fnv(o.hash, o.files[i].text, strlen(o.files[i].text) + 1);
        }
        ok = go_cache_dir(cache, sizeof cache, err, errlen) &&
             materialize(&o, e, cache, out, outlen, err, errlen);
    }
    overlay_free(&o);
    return ok;
}
