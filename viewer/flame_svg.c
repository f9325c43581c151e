/*
 * flame_svg.c — an interactive SVG flame graph, drawn the way flamegraph.pl draws one.
 *
 * Layout (flamegraph.pl's "flow"): the folded lines are sorted by stack, so stacks sharing a
 * prefix are neighbours. Walking them in order with a running time t (the sum of the weights
 * before), each line is compared with the previous one: frames past their common prefix are
 * closed (a frame spans [its start, t)) and the line's new frames are opened at t. A frame is
 * therefore one run of neighbouring lines that agree on the path from the root to it, and its
 * width is the weight of that run. The root, "all", spans everything. Frames narrower than
 * --minwidth pixels are dropped as they close, so memory grows with what is drawn, not with
 * the input; the image height follows the deepest frame kept.
 *
 * Invariant of the walk: the open frames are exactly the frames of the previous line, each
 * remembering its byte offset in it. A new line is compared with the previous one eight bytes
 * at a time; open frames that end inside the common prefix, at a frame boundary of the new
 * line, stay open without their bytes being read again, so a line costs its common-prefix
 * compare plus the frames it adds.
 *
 * Differential sets (difffolded.pl's "stack before after"): widths are the after-weights; each
 * frame's own change (the lines ending at it) colours it red when it grew, blue when it
 * shrank, white when equal, with intensity relative to the largest change (flamegraph.pl's
 * color_scale).
 *
 * Colours are stable per function: the palette value comes from a hash of the name that
 * weights its first characters most (flamegraph.pl's namehash with --hash), so one function
 * keeps its colour across graphs.
 *
 * The SVG is valid XML whatever the names hold (text.c escapes them); the script, in a CDATA
 * section, gives hover details, click to zoom, reset zoom, and regex search with the matched
 * percentage (Ctrl-F / Escape). Without a script (an image viewer) the graph still reads, and
 * each frame's <title> shows as a tooltip where supported.
 */
#include "viewer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { FRAME_HEIGHT = 16, FONT_SIZE = 12, XPAD = 10 };
static const double FONT_WIDTH = 0.59;

typedef struct {
    const char *name;
    uint32_t len;
    uint32_t depth;
    int64_t start, end;
    int64_t delta;
} frame;

typedef struct {
    frame *v;
    size_t n, cap;
    uint32_t maxdepth;
} frame_list;

typedef struct {       /* a frame still open during the walk */
    const char *name;
    uint32_t len;
    uint32_t off;      /* byte offset of the frame in its stack (the same in every line
                          that shares it) */
    int64_t start;
    int64_t delta;
} open_frame;

typedef struct {
    open_frame *v;
    size_t n, cap;
} open_stack;

/* True when P names a palette palette_color knows. */
bool flame_palette_known(const char *p) {
    static const char *const names[] = { "hot", "mem", "io", "red", "green", "blue", "aqua",
                                         "yellow", "purple", "orange", "gort", NULL };
    for (int i = 0; names[i]; i++)
        if (!strcmp(p, names[i])) return true;
    return false;
}

/* flamegraph.pl's namehash: a value in [0,1] weighting early characters over later ones, so
 * names sharing a prefix get similar colours. A "module`" prefix is skipped. */
static double namehash(const char *s, size_t n, bool reverse) {
    const char *tick = memchr(s, '`', n);
    if (tick && !reverse) {
        n -= (size_t)(tick + 1 - s);
        s = tick + 1;
    }
    double vector = 0, weight = 1, max = 1;
    int mod = 10;
    for (size_t i = 0; i < n && mod <= 12; i++) {
        unsigned char c = (unsigned char)(reverse ? s[n - 1 - i] : s[i]);
        vector += (double)(c % mod) / (mod - 1) * weight;
        mod++;
        max += weight;
        weight *= 0.70;
    }
    return 1 - vector / max;
}

/* Writes the fill colour of a frame named NAME in PALETTE to BUF. */
static void palette_color(const char *palette, const char *name, size_t n, char *buf, size_t size) {
    double v1 = namehash(name, n, false), v2 = namehash(name, n, true), v3 = v2;
    int r, g, b;
    if (!strcmp(palette, "gort")) /* the gort runtime in blue, the program's own code hot */
        palette = n >= 5 && !memcmp(name, "gort_", 5) ? "aqua" : "hot";
    if (!strcmp(palette, "mem")) { r = 0; g = 190 + (int)(50 * v2); b = (int)(210 * v1); }
    else if (!strcmp(palette, "io")) { r = 80 + (int)(60 * v1); g = r; b = 190 + (int)(55 * v2); }
    else if (!strcmp(palette, "red")) { r = 200 + (int)(55 * v1); g = b = 50 + (int)(80 * v1); }
    else if (!strcmp(palette, "green")) { g = 200 + (int)(55 * v1); r = b = 50 + (int)(60 * v1); }
    else if (!strcmp(palette, "blue")) { b = 205 + (int)(50 * v1); r = g = 80 + (int)(60 * v1); }
    else if (!strcmp(palette, "yellow")) { r = g = 175 + (int)(55 * v1); b = 50 + (int)(20 * v1); }
    else if (!strcmp(palette, "purple")) { r = b = 190 + (int)(65 * v1); g = 80 + (int)(60 * v1); }
    else if (!strcmp(palette, "aqua")) { r = 50 + (int)(60 * v1); g = b = 165 + (int)(55 * v1); }
    else if (!strcmp(palette, "orange")) { r = 190 + (int)(65 * v1); g = 90 + (int)(65 * v1); b = 0; }
    else { r = 205 + (int)(50 * v3); g = (int)(230 * v1); b = (int)(55 * v2); } /* hot */
    snprintf(buf, size, "rgb(%d,%d,%d)", r, g, b);
}

/* flamegraph.pl's color_scale: red for growth, blue for shrinkage, white for none. */
static void delta_color(int64_t delta, int64_t maxdelta, char *buf, size_t size) {
    int r = 255, g = 255, b = 255;
    if (maxdelta > 0 && delta > 0) g = b = (int)(210.0 * (double)(maxdelta - delta) / (double)maxdelta);
    else if (maxdelta > 0 && delta < 0) r = g = (int)(210.0 * (double)(maxdelta + delta) / (double)maxdelta);
    snprintf(buf, size, "rgb(%d,%d,%d)", r, g, b);
}

/* Keeps F if it is at least MINW wide (in weight units). */
static bool keep_frame(frame_list *fl, const frame *f, double minw) {
    if ((double)(f->end - f->start) < minw) return true;
    if (fl->n == fl->cap) {
        size_t cap = fl->cap ? fl->cap * 2 : 1024;
        frame *v = realloc(fl->v, cap * sizeof *v);
        if (!v) return false;
        fl->v = v;
        fl->cap = cap;
    }
    fl->v[fl->n++] = *f;
    if (f->depth > fl->maxdepth) fl->maxdepth = f->depth;
    return true;
}

/* Closes the open frames deeper than KEEP at time T. */
static bool close_frames(open_stack *os, size_t keep, int64_t t, frame_list *fl, double minw) {
    while (os->n > keep) {
        open_frame *o = &os->v[--os->n];
        frame f = { o->name, o->len, (uint32_t)os->n, o->start, t, o->delta };
        if (!keep_frame(fl, &f, minw)) return false;
    }
    return true;
}

/* Opens a frame at time T on top of OS. */
static bool open_frame_at(open_stack *os, const char *name, uint32_t len, uint32_t off, int64_t t) {
    if (os->n == os->cap) {
        size_t cap = os->cap ? os->cap * 2 : 64;
        open_frame *v = realloc(os->v, cap * sizeof *v);
        if (!v) return false;
        os->v = v;
        os->cap = cap;
    }
    os->v[os->n++] = (open_frame){ name, len, off, t, 0 };
    return true;
}

/* Length of the common prefix of A[0..NA) and B[0..NB), eight bytes at a time. */
static size_t common_prefix(const char *a, size_t na, const char *b, size_t nb) {
    size_t n = na < nb ? na : nb, i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; i + 8 <= n; i += 8) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y) return i + ((size_t)__builtin_ctzll(x ^ y) >> 3);
    }
#endif
    while (i < n && a[i] == b[i]) i++;
    return i;
}

/* How many open frames (the root included) line CUR shares with PREV, the line before it:
 * an open frame (a frame of PREV) is shared when it lies within the two lines' common prefix
 * and CUR has a frame boundary (';' or its end) where it ends. No byte of a shared frame is
 * read again, so a line costs its common-prefix compare plus its new frames. */
static size_t shared_frames(const open_stack *os, const fold_line *prev, const fold_line *cur) {
    if (!prev) return 1;
    size_t m = common_prefix(prev->stack, prev->len, cur->stack, cur->len);
    size_t k = 1;
    for (; k < os->n; k++) {
        size_t end = (size_t)os->v[k].off + os->v[k].len;
        if (end > m || (end < cur->len && cur->stack[end] != ';')) break;
    }
    return k;
}

/* The flow walk over sorted lines: fills FL with every frame at least MINW wide. The root
 * "all" is frame depth 0; a line's first frame has depth 1. */
static bool flow(const fold_set *fs, frame_list *fl, double minw, int64_t *maxdelta) {
    open_stack os = { 0 };
    int64_t t = 0;
    bool ok = open_frame_at(&os, "all", 3, 0, 0);
    const fold_line *prev = NULL;
    for (size_t i = 0; ok && i < fs->n; i++) {
        const fold_line *l = &fs->lines[i];
        size_t keep = shared_frames(&os, prev, l);
        ok = close_frames(&os, keep, t, fl, minw);
        /* Open the line's frames past the shared ones. */
        size_t pos = keep == 1 ? 0 : (size_t)os.v[keep - 1].off + os.v[keep - 1].len + 1;
        while (ok && pos <= l->len) {
            const char *p = l->stack + pos;
            const char *semi = memchr(p, ';', l->len - pos);
            uint32_t len = (uint32_t)(semi ? (size_t)(semi - p) : l->len - pos);
            ok = open_frame_at(&os, p, len, (uint32_t)pos, t);
            pos += len + 1;
        }
        if (fs->diff) {
            int64_t d = l->count - l->before;
            os.v[os.n - 1].delta += d;
            if (llabs(d) > *maxdelta) *maxdelta = llabs(d);
        }
        t += l->count;
        prev = l;
    }
    ok = ok && close_frames(&os, 0, t, fl, minw);
    free(os.v);
    return ok;
}

/* Writes N with thousands separators ("1,234,567"), as flamegraph.pl shows counts. */
static void write_count(FILE *out, int64_t n) {
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%lld", (long long)(n < 0 ? -n : n));
    if (n < 0) putc('-', out);
    for (int i = 0; i < len; i++) {
        putc(digits[i], out);
        if ((len - i - 1) % 3 == 0 && i != len - 1) putc(',', out);
    }
}

/* Writes S[0..N) as a JavaScript string literal safe inside CDATA and any HTML: everything
 * outside printable ASCII, and < > & quotes and backslash, as \u escapes. */
static void js_write_string(FILE *out, const char *str, size_t n) {
    const unsigned char *s = (const unsigned char *)str;
    putc('"', out);
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t len = c < 0x80 ? 1 : utf8_seq_len(s + i, n - i);
        uint32_t cp;
        if (len == 0) { cp = 0xFFFD; len = 1; }
        else if (len == 1) cp = c;
        else if (len == 2) cp = (c & 0x1F) << 6 | (s[i + 1] & 0x3F);
        else if (len == 3) cp = (c & 0x0F) << 12 | (s[i + 1] & 0x3F) << 6 | (s[i + 2] & 0x3F);
        else cp = (c & 0x07) << 18 | (s[i + 1] & 0x3F) << 12 | (s[i + 2] & 0x3F) << 6 | (s[i + 3] & 0x3F);
        i += len;
        if (cp >= 0x20 && cp < 0x7F && !strchr("<>&\"'\\", (int)cp)) putc((int)cp, out);
        else if (cp < 0x10000) fprintf(out, "\\u%04x", cp);
        else {
            cp -= 0x10000;
            fprintf(out, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
        }
    }
    putc('"', out);
}

/* The script: hover details, zoom, search. Frames are the <g> children of #frames; each has
 * a <title> ("name (details)"), a <rect> and a <text>. Geometry is read from the markup. */
static const char script[] =
    "var svg, frames, details, matchedtxt, unzoombtn, searchbtn, resetsearch, searching = null;\n"
    "var W, XPAD = 10, FONT = 12, FONTW = 0.59, INVERTED;\n"
    "function init(evt) {\n"
    "  svg = document.documentElement; frames = document.getElementById('frames');\n"
    "  details = document.getElementById('details').firstChild;\n"
    "  matchedtxt = document.getElementById('matched'); unzoombtn = document.getElementById('unzoom');\n"
    "  searchbtn = document.getElementById('search'); resetsearch = document.getElementById('resetsearch');\n"
    "  W = +svg.getAttribute('width'); INVERTED = svg.getAttribute('data-inverted') === '1';\n"
    "  for (var g = frames.firstElementChild; g; g = g.nextElementSibling) {\n"
    "    var r = g.querySelector('rect');\n"
    "    g._x = +r.getAttribute('x'); g._w = +r.getAttribute('width'); g._y = +r.getAttribute('y');\n"
    "    g._fill = r.getAttribute('fill');\n"
    "    var t = g.querySelector('title').textContent; var k = t.lastIndexOf(' (');\n"
    "    g._name = k >= 0 ? t.substring(0, k) : t; g._title = t;\n"
    "  }\n"
    "  frames.addEventListener('mouseover', function (e) { var g = frameof(e.target); if (g) details.nodeValue = 'Function: ' + g._title; });\n"
    "  frames.addEventListener('mouseout', function (e) { details.nodeValue = ' '; });\n"
    "  frames.addEventListener('click', function (e) { var g = frameof(e.target); if (g) zoom(g); });\n"
    "  unzoombtn.addEventListener('click', unzoom);\n"
    "  searchbtn.addEventListener('click', function () { searchprompt(); });\n"
    "  resetsearch.addEventListener('click', clearsearch);\n"
    "  window.addEventListener('keydown', function (e) {\n"
    "    if (e.keyCode === 114 || ((e.ctrlKey || e.metaKey) && e.keyCode === 70)) { e.preventDefault(); searchprompt(); }\n"
    "    else if (e.keyCode === 27) { clearsearch(); unzoom(); }\n"
    "  });\n"
    "  if (INITIAL_SEARCH) search(INITIAL_SEARCH);\n"
    "}\n"
    "function frameof(e) { while (e && e.parentNode !== frames) e = e.parentNode; return e; }\n"
    "function label(g, w) {\n"
    "  var t = g.querySelector('text'), n = Math.floor((w - 3) / (FONT * FONTW)), s = g._name;\n"
    "  if (n < 3) s = ''; else if (s.length > n) s = s.substring(0, n - 2) + '..';\n"
    "  t.textContent = s;\n"
    "}\n"
    "function place(g, x, w) {\n"
    "  var r = g.querySelector('rect'), t = g.querySelector('text');\n"
    "  r.setAttribute('x', x); r.setAttribute('width', w); t.setAttribute('x', x + 3); label(g, w);\n"
    "}\n"
    "function zoom(node) {\n"
    "  var xmin = node._x, xmax = node._x + node._w, ratio = (W - 2 * XPAD) / node._w;\n"
    "  unzoombtn.style.opacity = '1';\n"
    "  for (var g = frames.firstElementChild; g; g = g.nextElementSibling) {\n"
    "    var ancestor = INVERTED ? g._y < node._y : g._y > node._y;\n"
    "    g.style.display = ''; g.style.opacity = '';\n"
    "    if (ancestor) {\n"
    "      if (g._x <= xmin + 1e-6 && g._x + g._w >= xmax - 1e-6) { g.style.opacity = '0.5'; place(g, XPAD, W - 2 * XPAD); }\n"
    "      else g.style.display = 'none';\n"
    "    } else if (g._x < xmin - 1e-6 || g._x + 1e-6 >= xmax) {\n"
    "      g.style.display = 'none';\n"
    "    } else {\n"
    "      place(g, XPAD + (g._x - xmin) * ratio, g._w * ratio);\n"
    "    }\n"
    "  }\n"
    "}\n"
    "function unzoom() {\n"
    "  unzoombtn.style.opacity = '0';\n"
    "  for (var g = frames.firstElementChild; g; g = g.nextElementSibling) {\n"
    "    g.style.display = ''; g.style.opacity = ''; place(g, g._x, g._w);\n"
    "  }\n"
    "}\n"
    "function searchprompt() {\n"
    "  var term = prompt('Search for (a regular expression, e.g. ^gort_map)', searching || '');\n"
    "  if (term != null && term !== '') search(term);\n"
    "}\n"
    "function search(term) {\n"
    "  var re; try { re = new RegExp(term); } catch (e) { matchedtxt.firstChild.nodeValue = 'bad regex'; return; }\n"
    "  var hits = [], total = W - 2 * XPAD;\n"
    "  for (var g = frames.firstElementChild; g; g = g.nextElementSibling) {\n"
    "    var r = g.querySelector('rect');\n"
    "    if (re.test(g._name)) { r.setAttribute('fill', 'rgb(230,0,230)'); hits.push([g._x, g._w]); }\n"
    "    else r.setAttribute('fill', g._fill);\n"
    "  }\n"
    "  hits.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });\n"
    "  var sum = 0, end = -1;\n"
    "  for (var i = 0; i < hits.length; i++) {\n"
    "    if (hits[i][0] + 1e-6 >= end) { sum += hits[i][1]; end = hits[i][0] + hits[i][1]; }\n"
    "  }\n"
    "  searching = term; resetsearch.style.opacity = '1';\n"
    "  matchedtxt.firstChild.nodeValue = 'Matched: ' + (total ? (100 * sum / total).toFixed(1) : '0.0') + '%';\n"
    "}\n"
    "function clearsearch() {\n"
    "  searching = null; resetsearch.style.opacity = '0'; matchedtxt.firstChild.nodeValue = ' ';\n"
    "  for (var g = frames.firstElementChild; g; g = g.nextElementSibling) g.querySelector('rect').setAttribute('fill', g._fill);\n"
    "}\n";

/* Writes the SVG prologue: size, styles, script, background, title and the controls. */
static void write_head(FILE *out, const flame_opts *o, int height) {
    fprintf(out,
            "<?xml version=\"1.0\" standalone=\"no\"?>\n"
            "<svg version=\"1.1\" width=\"%d\" height=\"%d\" onload=\"init(evt)\" "
            "viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\" data-inverted=\"%d\">\n"
            "<!-- Flame graph drawn by gort (%s), as flamegraph.pl lays them out: see docs/viewer.md -->\n"
            "<defs><linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">"
            "<stop stop-color=\"#eeeeee\" offset=\"5%%\"/><stop stop-color=\"%s\" offset=\"95%%\"/>"
            "</linearGradient></defs>\n"
            "<style type=\"text/css\">\n"
            "text { font-family: Verdana, sans-serif; font-size: %dpx; fill: rgb(0,0,0); }\n"
            "#title { text-anchor: middle; font-size: %dpx; }\n"
            "#subtitle { text-anchor: middle; fill: rgb(160,160,160); }\n"
            "#search, #resetsearch, #unzoom { cursor: pointer; }\n"
            "#search:hover, #resetsearch:hover, #unzoom:hover { fill: rgb(0,0,200); }\n"
            "#frames > g { cursor: pointer; }\n"
            "#frames > g:hover > rect { stroke: black; stroke-width: 0.5; }\n"
            "</style>\n<script type=\"text/ecmascript\"><![CDATA[\n",
            o->width, height, o->width, height, o->inverted, GORT_VERSION,
            o->colors && !strcmp(o->colors, "hot") ? "#eeeeb0" : "#e0e0ff", FONT_SIZE, FONT_SIZE + 5);
    fputs("var INITIAL_SEARCH = ", out);
    if (o->search) js_write_string(out, o->search, strlen(o->search));
    else fputs("null", out);
    fputs(";\n", out);
    fputs(script, out);
    fputs("]]></script>\n", out);
    fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"url(#background)\"/>\n",
            o->width, height);
    fprintf(out, "<text id=\"title\" x=\"%.1f\" y=\"%d\">", o->width / 2.0, FONT_SIZE * 2);
    xml_write_escaped(out, o->title, strlen(o->title));
    fputs("</text>\n", out);
    if (o->subtitle) {
        fprintf(out, "<text id=\"subtitle\" x=\"%.1f\" y=\"%d\">", o->width / 2.0, FONT_SIZE * 4);
        xml_write_escaped(out, o->subtitle, strlen(o->subtitle));
        fputs("</text>\n", out);
    }
    fprintf(out, "<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n", XPAD, height - FONT_SIZE / 2 - 2);
    fprintf(out, "<text id=\"unzoom\" x=\"%d\" y=\"%d\" style=\"opacity:0\">Reset Zoom</text>\n",
            XPAD, FONT_SIZE * 2);
    fprintf(out, "<text id=\"search\" x=\"%d\" y=\"%d\" text-anchor=\"end\">Search</text>\n",
            o->width - XPAD, FONT_SIZE * 2);
    fprintf(out, "<text id=\"resetsearch\" x=\"%d\" y=\"%d\" text-anchor=\"end\" "
                 "style=\"opacity:0\">Reset Search</text>\n", o->width - XPAD - 60, FONT_SIZE * 2);
    fprintf(out, "<text id=\"matched\" x=\"%d\" y=\"%d\" text-anchor=\"end\"> </text>\n",
            o->width - XPAD, height - FONT_SIZE / 2 - 2);
}

/* Writes one frame: <g><title/><rect/><text/></g>. */
static void write_frame(FILE *out, const frame *f, const flame_opts *o, double wpt, int height,
                        int ypad1, int ypad2, int64_t total, bool diff, int64_t maxdelta) {
    double x1 = XPAD + (double)f->start * wpt, x2 = XPAD + (double)f->end * wpt;
    double y1, y2;
    if (o->inverted) {
        y1 = ypad1 + (double)f->depth * FRAME_HEIGHT;
        y2 = y1 + FRAME_HEIGHT - 1;
    } else {
        y1 = height - ypad2 - (double)(f->depth + 1) * FRAME_HEIGHT + 1;
        y2 = height - ypad2 - (double)f->depth * FRAME_HEIGHT;
    }
    int64_t w = f->end - f->start;
    char fill[32];
    if (diff) delta_color(f->delta, maxdelta, fill, sizeof fill);
    else palette_color(o->colors, f->name, f->len, fill, sizeof fill);
    fputs("<g><title>", out);
    xml_write_escaped(out, f->name, f->len);
    fputs(" (", out);
    write_count(out, w);
    fprintf(out, " %s, %.2f%%", o->countname, total ? 100.0 * (double)w / (double)total : 0.0);
    if (diff) fprintf(out, "; %s%.2f%%", f->delta > 0 ? "+" : "", total ? 100.0 * (double)f->delta / (double)total : 0.0);
    fprintf(out, ")</title><rect x=\"%.4f\" y=\"%.1f\" width=\"%.4f\" height=\"%.1f\" fill=\"%s\" "
                 "rx=\"2\" ry=\"2\"/><text x=\"%.2f\" y=\"%.1f\">",
            x1, y1, x2 - x1, y2 - y1, fill, x1 + 3, 3 + (y1 + y2) / 2);
    size_t chars = (size_t)((x2 - x1 - 3) / (FONT_SIZE * FONT_WIDTH) > 0 ? (x2 - x1 - 3) / (FONT_SIZE * FONT_WIDTH) : 0);
    if (chars >= 3) {
        size_t have = utf8_count(f->name, f->len);
        if (have <= chars) xml_write_escaped(out, f->name, f->len);
        else {
            xml_write_escaped(out, f->name, utf8_prefix(f->name, f->len, chars - 2));
            fputs("..", out);
        }
    }
    fputs("</text></g>\n", out);
}

/* Lays out FS (sorted, merged) and writes the whole SVG; a set with no weight or a layout
 * that ran out of memory still gives a valid SVG that says so. */
void flame_svg_write(const fold_set *fs, const flame_opts *o, FILE *out) {
    int64_t total = 0;
    for (size_t i = 0; i < fs->n; i++) total += fs->lines[i].count;
    double wpt = total ? (double)(o->width - 2 * XPAD) / (double)total : 0;
    double minw = wpt > 0 ? o->minwidth / wpt : 0;
    frame_list fl = { 0 };
    int64_t maxdelta = 0;
    bool ok = total > 0 && flow(fs, &fl, minw, &maxdelta);
    int ypad1 = FONT_SIZE * 3 + (o->subtitle ? FONT_SIZE * 2 : 0), ypad2 = FONT_SIZE * 2 + 10;
    int height = (int)(fl.maxdepth + 1) * FRAME_HEIGHT + ypad1 + ypad2;
    if (!ok) height = ypad1 + ypad2 + FRAME_HEIGHT * 2;
    write_head(out, o, height);
    if (!ok) {
        fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", o->width / 2.0,
                ypad1 + FRAME_HEIGHT, total ? "out of memory" : "No stack counts found");
    }
    fputs("<g id=\"frames\">\n", out);
    for (size_t i = 0; ok && i < fl.n; i++)
        write_frame(out, &fl.v[i], o, wpt, height, ypad1, ypad2, total, fs->diff, maxdelta);
    fputs("</g>\n</svg>\n", out);
    free(fl.v);
}
