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

static int cmd_flame(int argc, char **argv);

static const cli_optdoc flame_options[] = {
    { CLI_OPT_OUTPUT, NULL, "write to FILE (default: standard output)" },
    { CLI_OPT_FOLDED, NULL, "print folded stacks instead of SVG" },
    { CLI_OPT_KIND, NULL, "events of this kind only (repeatable; default: every map and defer\n"
                          "event kind); --kind cpu_sample gives a CPU profile" },
    { CLI_OPT_WEIGHT, "count|time", "weight each event by 1 (default) or by its duration dur_ns" },
    { CLI_OPT_DIFF, NULL, "differential graph against the baseline OTHER (a trace, or a folded\n"
                          "file with --from-folded): widths from TRACE, red grew, blue shrank;\n"
                          "with --folded prints \"stack before after\" as difffolded.pl does" },
    { CLI_OPT_FROM_FOLDED, NULL, "read folded stacks (\"stack count\" or \"stack before after\")\n"
                                 "from FILE (- for standard input) instead of a trace" },
    { CLI_OPT_TITLE, NULL, "title (default \"Flame Graph\", \"Icicle Graph\" with --inverted)" },
    { CLI_OPT_WIDTH, NULL, "image width (default 1200)" },
    { CLI_OPT_MINWIDTH, NULL, "omit frames narrower than PX (default 0.1)" },
    { CLI_OPT_INVERTED, NULL, "icicle graph: root at the top" },
    { CLI_OPT_REVERSE, NULL, "reverse each stack (innermost frame at the root) before merging" },
    { CLI_OPT_COLORS, "hot|mem|io|red|green|blue|aqua|yellow|purple|orange|gort",
      "palette (default hot); gort: gort_* runtime frames aqua, the program's hot" },
    { CLI_OPT_SEARCH, NULL, "highlight frames matching REGEX when the SVG opens" },
    { CLI_OPT_TIMEOUT, NULL, VIEWER_TIMEOUT_DOC },
    { 0 },
};

const cli_command cli_cmd_flame = {
    .name = "flame",
    .run = cmd_flame,
    .summary = "flame graph (SVG or folded stacks) of a trace",
    .synopsis = "TRACE [-o FILE] [options]\n--from-folded FILE [-o FILE] [options]",
    .operands = "TRACE",
    .min_operands = 0,
    .max_operands = 1,
    .description =
        "Draws a flame graph of the call stacks of a trace's events: an interactive SVG (hover\n"
        "for details, click to zoom, Search for a regex and its share) or, with --folded,\n"
        "folded stacks (\"outer;...;inner count\" a line) for flamegraph.pl, inferno or\n"
        "speedscope.",
    .options = flame_options,
    .exit_status = "0 done, 2 bad input (including no stacks for the selected events, and\n"
                   "weights that add up past 64 bits).",
    .example = "gort flame trace.db -o flame.svg",
};

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

/* Takes one option into the flame_args at CTX; reports a bad value. */
static int flame_option(void *ctx, int id, const char *v) {
    flame_args *a = ctx;
    int64_t n;
    char *end;
    switch (id) {
    case CLI_OPT_FOLDED: a->folded = true; break;
    case CLI_OPT_INVERTED: a->inverted = true; break;
    case CLI_OPT_REVERSE: a->reverse = true; break;
    case CLI_OPT_OUTPUT: a->out = v; break;
    case CLI_OPT_DIFF: a->diff = v; break;
    case CLI_OPT_FROM_FOLDED: a->from_folded = v; break;
    case CLI_OPT_TITLE: a->title = v; break;
    case CLI_OPT_SEARCH: a->search = v; break;
    case CLI_OPT_TIMEOUT:
        if (!vt_parse_timeout("flame", v, &a->timeout)) return GORT_EXIT_USAGE;
        break;
    case CLI_OPT_COLORS:
        if (!flame_palette_known(v))
            return cli_error("flame", "unknown palette '%s' (see gort flame --help)", v);
        a->colors = v;
        break;
    case CLI_OPT_KIND:
        if (!viewer_kind_known(v))
            return cli_error("flame", "unknown event kind '%s' (kinds are listed in docs/schema.md)", v);
        if (a->nkinds == sizeof a->kinds / sizeof a->kinds[0])
            return cli_error("flame", "too many --kind options");
        a->kinds[a->nkinds++] = v;
        break;
    case CLI_OPT_WEIGHT:
        if (strcmp(v, "count") && strcmp(v, "time"))
            return cli_error("flame", "--weight takes count or time, not '%s'", v);
        a->weight_time = !strcmp(v, "time");
        break;
    case CLI_OPT_WIDTH:
        if (!cli_parse_int(v, 100, 1000000, &n))
            return cli_error("flame", "--width takes a whole number of pixels from 100 to 1000000");
        a->width = (int)n;
        break;
    case CLI_OPT_MINWIDTH:
        a->minwidth = strtod(v, &end);
        if (end == v || *end || !(a->minwidth >= 0) || a->minwidth > 1e6)
            return cli_error("flame", "--minwidth takes a number of pixels, not '%s'", v);
        break;
    default:
        return cli_error("flame", "internal error: option %d", id);
    }
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
static int cmd_flame(int argc, char **argv) {
    flame_args a = { .width = 1200, .minwidth = 0.1, .timeout = VIEWER_DEFAULT_TIMEOUT_NS };
    int first;
    int rc = cli_parse(&cli_cmd_flame, argc, argv, flame_option, &a, &first);
    if (rc >= 0) return rc;
    if (first < argc) a.trace = argv[first];
    if (a.from_folded && a.trace)
        return cli_error("flame", "give either a TRACE or --from-folded FILE, not both");
    if (!a.from_folded && !a.trace) return cli_error("flame", "needs a TRACE (see gort flame --help)");
    if (a.from_folded && (a.nkinds || a.weight_time))
        return cli_error("flame", "--kind and --weight select events of a trace, not of a folded file");
    return run(&a);
}
