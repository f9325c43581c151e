/*
 * flame.c — gort flame: flame graphs of where a trace's events (or CPU samples) came from.
 *
 * The pipeline: a fold_set from the trace (stacks.c) or from a folded file (--from-folded),
 * optionally reversed, sorted and merged, optionally diffed against a second set, then printed
 * as folded text (--folded) or drawn as SVG (flame_svg.c). Output goes to -o FILE through a
 * temporary file, so a failed run leaves no half-written graph, or to stdout.
 */
#include "viewer.h"

#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: gort flame TRACE [-o FILE] [options]\n"
    "       gort flame --from-folded FILE [-o FILE] [options]\n"
    "\n"
    "Draws a flame graph of the call stacks of a trace's events: an interactive SVG (hover\n"
    "for details, click to zoom, Search for a regex and its share) or, with --folded, folded\n"
    "stacks (\"outer;...;inner count\" a line) for flamegraph.pl, inferno or speedscope.\n"
    "\n"
    "  -o FILE            write to FILE (default: standard output)\n"
    "  --folded           print folded stacks instead of SVG\n"
    "  --kind KIND        events of this kind only (repeatable; default: every map and defer\n"
    "                     event kind); --kind cpu_sample gives a CPU profile\n"
    "  --weight count|time  weight each event by 1 (default) or by its duration dur_ns\n"
    "  --diff OTHER       differential graph against the baseline OTHER (a trace, or a folded\n"
    "                     file with --from-folded): widths from TRACE, red grew, blue shrank;\n"
    "                     with --folded prints \"stack before after\" as difffolded.pl does\n"
    "  --from-folded FILE read folded stacks (\"stack count\" or \"stack before after\") from\n"
    "                     FILE (- for standard input) instead of a trace\n"
    "  --title T          title (default \"Flame Graph\", \"Icicle Graph\" with --inverted)\n"
    "  --width PX         image width (default 1200)\n"
    "  --minwidth PX      omit frames narrower than PX (default 0.1)\n"
    "  --inverted         icicle graph: root at the top\n"
    "  --reverse          reverse each stack (innermost frame at the root) before merging\n"
    "  --colors PALETTE   hot (default), mem, io, red, green, blue, aqua, yellow, purple,\n"
    "                     orange, or gort (gort_* runtime frames aqua, the program's hot)\n"
    "  --search REGEX     highlight frames matching REGEX when the SVG opens\n"
    "  --timeout S        give up (exit 2) when the trace's queries run longer than S\n"
    "                     seconds in all (default 120; 0 for no limit; or 500ms)\n"
    "\n"
    "Exit status: 0 done, 2 bad input (including no stacks for the selected events, and\n"
    "weights that add up past 64 bits).\n";

typedef struct {
    const char *trace, *out, *diff, *from_folded;
    const char *title, *colors, *search;
    const char *kinds[64];  /* --kind values */
    size_t nkinds;
    bool folded, weight_time, inverted, reverse;
    int width;
    double minwidth;
    int64_t timeout;
} flame_args;

/* Parses one option (or the TRACE) at argv[*i]; returns 0, or an exit status on error. */
static int parse_option(int argc, char **argv, int *i, flame_args *a) {
    const char *v = NULL;
    const char *arg = argv[*i];
    int64_t n;
#define OPT(name) (cli_opt_value("flame", argc, argv, i, name, &v))
    if (!strcmp(arg, "--folded")) a->folded = true;
    else if (!strcmp(arg, "--inverted")) a->inverted = true;
    else if (!strcmp(arg, "--reverse")) a->reverse = true;
    else if (OPT("-o") || OPT("--output")) a->out = v;
    else if (OPT("--diff")) a->diff = v;
    else if (OPT("--from-folded")) a->from_folded = v;
    else if (OPT("--title")) a->title = v;
    else if (OPT("--search")) a->search = v;
    else if (OPT("--timeout")) {
        if (v && !vt_parse_timeout("flame", v, &a->timeout)) return GORT_EXIT_USAGE;
    }
    else if (OPT("--colors")) {
        if (v && !flame_palette_known(v))
            return cli_error("flame", "unknown palette '%s' (see gort flame --help)", v);
        a->colors = v;
    } else if (OPT("--kind")) {
        if (v && !viewer_kind_known(v))
            return cli_error("flame", "unknown event kind '%s' (kinds are listed in docs/schema.md)", v);
        if (v && a->nkinds == sizeof a->kinds / sizeof a->kinds[0])
            return cli_error("flame", "too many --kind options");
        if (v) a->kinds[a->nkinds++] = v;
    } else if (OPT("--weight")) {
        if (v && strcmp(v, "count") && strcmp(v, "time"))
            return cli_error("flame", "--weight takes count or time, not '%s'", v);
        a->weight_time = v && !strcmp(v, "time");
    } else if (OPT("--width")) {
        if (v && !cli_parse_int(v, 100, 1000000, &n))
            return cli_error("flame", "--width takes a whole number of pixels from 100 to 1000000");
        if (v) a->width = (int)n;
    } else if (OPT("--minwidth")) {
        char *end;
        a->minwidth = v ? strtod(v, &end) : 0;
        if (v && (end == v || *end || !(a->minwidth >= 0) || a->minwidth > 1e6))
            return cli_error("flame", "--minwidth takes a number of pixels, not '%s'", v);
    } else if (arg[0] == '-' && arg[1])
        return cli_error("flame", "unknown option %s (see gort flame --help)", arg);
    else if (!a->trace) {
        a->trace = arg;
        return 0;
    } else
        return cli_error("flame", "unexpected argument '%s'", arg);
#undef OPT
    /* An option that takes a value matched but had none: cli_opt_value said so. */
    if (arg[0] == '-' && !v && strcmp(arg, "--folded") && strcmp(arg, "--inverted") &&
        strcmp(arg, "--reverse"))
        return GORT_EXIT_USAGE;
    return 0;
}

/* Loads one input into FS: a folded file, or the stacks of a trace's selected events. */
static int load(const flame_args *a, const char *path, bool folded_file, fold_set *fs) {
    if (folded_file) return fold_read_file("flame", path, fs) ? 0 : GORT_EXIT_USAGE;
    sqlite3 *db;
    int rc = vt_open("flame", path, a->timeout, &db);
    if (rc) return rc;
    stack_query q = { a->nkinds ? (const char **)a->kinds : NULL, a->nkinds, a->weight_time };
    rc = stacks_fold("flame", db, &q, fs);
    sqlite3_close(db);
    return rc;
}

/* Describes the data under the title: source, kinds and weight. */
static void describe(const flame_args *a, char *buf, size_t size) {
    const char *src = a->from_folded ? a->from_folded : a->trace;
    size_t n = (size_t)snprintf(buf, size, "%s: ", src);
    if (a->from_folded) n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "folded stacks");
    else if (!a->nkinds) n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "map and defer events");
    for (size_t k = 0; k < a->nkinds && n < size; k++)
        n += (size_t)snprintf(buf + n, size - n, "%s%s", k ? ", " : "", a->kinds[k]);
    if (n < size && !a->from_folded)
        n += (size_t)snprintf(buf + n, size - n, a->weight_time ? ", by duration" : ", by count");
    if (n < size && a->diff) snprintf(buf + n, size - n, "; against %s: red grew, blue shrank", a->diff);
}

/* Writes SET to the output as folded text or SVG. */
static int write_output(const flame_args *a, const fold_set *set) {
    vout_file vf;
    int rc = vout_file_open("flame", a->out, a->trace, &vf);
    if (rc) return rc;
    if (a->folded) {
        fold_print(set, vf.f);
    } else {
        char sub[512];
        describe(a, sub, sizeof sub);
        bool cpu = a->nkinds == 1 && !strcmp(a->kinds[0], "cpu_sample");
        flame_opts o = {
            .title = a->title ? a->title : a->inverted ? "Icicle Graph" : "Flame Graph",
            .subtitle = sub,
            .countname = a->weight_time ? "ns" : (cpu || a->from_folded) ? "samples" : "events",
            .colors = a->colors ? a->colors : "hot",
            .search = a->search,
            .width = a->width,
            .minwidth = a->minwidth,
            .inverted = a->inverted,
        };
        flame_svg_write(set, &o, vf.f);
    }
    return vout_file_close("flame", &vf, true);
}

/* Builds the (possibly differential) set and writes it. */
static int run(const flame_args *a) {
    bool from_file = a->from_folded != NULL;
    fold_set after, before, diff;
    fold_init(&after);
    fold_init(&before);
    fold_init(&diff);
    const fold_set *set = &after;
    int rc = load(a, from_file ? a->from_folded : a->trace, from_file, &after);
    if (!rc && a->diff) rc = load(a, a->diff, from_file, &before);
    if (!rc && a->reverse && (!fold_reverse(&after) || !fold_reverse(&before)))
        rc = cli_error("flame", "out of memory");
    int64_t total;
    if (!rc && (!fold_sort_merge(&after) || !fold_total(&after, &total)))
        rc = cli_error("flame", "%s: the weights add up to more than %lld", a->from_folded ? a->from_folded
                       : a->trace, (long long)INT64_MAX);
    if (!rc && (!fold_sort_merge(&before) || !fold_total(&before, &total)))
        rc = cli_error("flame", "%s: the weights add up to more than %lld", a->diff, (long long)INT64_MAX);
    if (!rc && a->diff) {
        if (after.diff || before.diff)
            rc = cli_error("flame", "--diff compares two plain folded inputs, not differential ones");
        else if (!fold_diff(&before, &after, &diff))
            rc = cli_error("flame", "out of memory");
        set = &diff;
    }
    if (!rc && set->n == 0 && from_file)
        rc = cli_error("flame", "%s: no folded stacks in the file", a->from_folded);
    else if (!rc && set->n == 0)
        rc = cli_error("flame", "no stacks for the selected events (recorded without stacks, "
                                "or no event of these kinds)");
    if (!rc) rc = write_output(a, set);
    fold_free(&after);
    fold_free(&before);
    fold_free(&diff);
    return rc;
}

/* gort flame: parses the command line and runs the pipeline. Returns the exit status. */
int cmd_flame(int argc, char **argv) {
    flame_args a = { .width = 1200, .minwidth = 0.1, .timeout = VIEWER_DEFAULT_TIMEOUT_NS };
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            return GORT_EXIT_OK;
        }
        int rc = parse_option(argc, argv, &i, &a);
        if (rc) return rc;
    }
    if (a.from_folded && a.trace)
        return cli_error("flame", "give either a TRACE or --from-folded FILE, not both");
    if (!a.from_folded && !a.trace) return cli_error("flame", "needs a TRACE (see gort flame --help)");
    if (a.from_folded && (a.nkinds || a.weight_time))
        return cli_error("flame", "--kind and --weight select events of a trace, not of a folded file");
    return run(&a);
}
