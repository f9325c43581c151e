/*
 * options.c — the command line of every gort command: one table of options, a parser over
 * getopt_long, and the --help text, all driven by a command's declaration (cli.h).
 *
 * The table below names every option of every command once, with its short letter and the
 * name of its value. A command picks the options it takes from it (its cli_optdoc list) and
 * says what each does there; it cannot give a name another meaning or another kind of value.
 * That is the rule "one option, one meaning": -o is the output file everywhere, --format the
 * output format everywhere (whose values depend on what the command writes).
 *
 * Parsing is getopt_long's, so gort follows the GNU conventions users know: -oFILE, -o FILE,
 * --output=FILE, --output FILE, long options abbreviated to a unique prefix, `--` ending the
 * options, and operands mixed with options (getopt_long moves them to the end), except for a
 * command that runs another program (gort record), whose options end at the first operand,
 * so the program's own options are left alone. getopt's messages are off (opterr = 0): each
 * problem becomes one line in gort's form, naming the option and, for an unknown one, the
 * closest option the command has. getopt keeps its position in libc's globals (optind); the
 * parser resets it (optind = 0) before each use, which also re-reads GNU getopt's settings.
 */
#define _GNU_SOURCE
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int id;
    const char *name;
    const char *value;  /* value name, NULL for a flag */
} opt_def;

/* Every option of every command, each name once. */
static const opt_def opt_defs[] = {
    { CLI_OPT_HELP, "help", NULL },
    { CLI_OPT_OUTPUT, "output", "FILE" },
    { CLI_OPT_ALL, "all", NULL },
    { CLI_OPT_BUFFER, "buffer", "SIZE" },
    { CLI_OPT_BASH_COMPLETION, "bash-completion", NULL },
    { CLI_OPT_COLORS, "colors", "PALETTE" },
    { CLI_OPT_COUNT_TOLERANCE, "count-tolerance", "P%" },
    { CLI_OPT_DIFF, "diff", "OTHER" },
    { CLI_OPT_DROP, "drop", NULL },
    { CLI_OPT_FOLDED, "folded", NULL },
    { CLI_OPT_FORCE, "force", NULL },
    { CLI_OPT_FORMAT, "format", "FORMAT" },
    { CLI_OPT_FROM, "from", "T" },
    { CLI_OPT_FROM_FOLDED, "from-folded", "FILE" },
    { CLI_OPT_INVERTED, "inverted", NULL },
    { CLI_OPT_KIND, "kind", "KIND" },
    { CLI_OPT_LANES, "lanes", "N" },
    { CLI_OPT_MAN, "man", NULL },
    { CLI_OPT_MAP, "map", "ID" },
    { CLI_OPT_MINWIDTH, "minwidth", "PX" },
    { CLI_OPT_NO_STACKS, "no-stacks", NULL },
    { CLI_OPT_ONLY, "only", "GROUPS" },
    { CLI_OPT_PROFILE_HZ, "profile-hz", "N" },
    { CLI_OPT_RECOVER, "recover", "FILE" },
    { CLI_OPT_REVERSE, "reverse", NULL },
    { CLI_OPT_SCOPE, "scope", "SCOPE" },
    { CLI_OPT_SCRIPT, "script", "FILE" },
    { CLI_OPT_SEARCH, "search", "REGEX" },
    { CLI_OPT_SIZE, "size", "WxH" },
    { CLI_OPT_STACK_DEPTH, "stack-depth", "N" },
    { CLI_OPT_TITLE, "title", "TEXT" },
    { CLI_OPT_TIMEOUT, "timeout", "S" },
    { CLI_OPT_TO, "to", "T" },
    { CLI_OPT_TOLERANCE, "tolerance", "T" },
    { CLI_OPT_WEIGHT, "weight", "WEIGHT" },
    { CLI_OPT_WIDTH, "width", "PX" },
};
#define NDEFS (sizeof opt_defs / sizeof opt_defs[0])
#define MAX_OPTS 48 /* options of one command, --help included */

/* The table's entry for ID, or NULL. */
static const opt_def *find_def(int id) {
    for (size_t i = 0; i < NDEFS; i++)
        if (opt_defs[i].id == id) return &opt_defs[i];
    return NULL;
}

/* The long name of option ID, or NULL. */
const char *cli_opt_name(int id) {
    const opt_def *d = find_def(id);
    return d ? d->name : NULL;
}

/* The value name of option ID, NULL for a flag. */
const char *cli_opt_value_name(int id) {
    const opt_def *d = find_def(id);
    return d ? d->value : NULL;
}

/* "-o" or "--output" for messages: the form the user is most likely to have typed. */
static void opt_label(int id, char *buf, size_t size) {
    const opt_def *d = find_def(id);
    if (!d) snprintf(buf, size, "-%c", id);
    else if (id < 256) snprintf(buf, size, "-%c/--%s", id, d->name);
    else snprintf(buf, size, "--%s", d->name);
}

/* Fills LONGOPTS (terminated by a zero entry) and SHORTOPTS from CMD's options plus --help.
 * Returns false when the declaration names an option the table lacks (a programming error). */
static bool build_getopt_tables(const cli_command *cmd, struct option *longopts, char *shortopts) {
    size_t n = 0, s = 0;
    if (cmd->options_first) shortopts[s++] = '+'; /* else permute: getopt_long's default */
    shortopts[s++] = ':';                          /* a missing value is ':', not '?' */
    longopts[n++] = (struct option){ "help", no_argument, NULL, CLI_OPT_HELP };
    shortopts[s++] = 'h';
    for (const cli_optdoc *o = cmd->options; o && o->id; o++) {
        const opt_def *d = find_def(o->id);
        if (!d || n + 2 > MAX_OPTS) return false;
        longopts[n++] = (struct option){ d->name, d->value ? required_argument : no_argument, NULL, d->id };
        if (d->id < 256) {
            shortopts[s++] = (char)d->id;
            if (d->value) shortopts[s++] = ':';
        }
    }
    longopts[n] = (struct option){ NULL, 0, NULL, 0 };
    shortopts[s] = 0;
    return true;
}

/* The long option names CMD takes, "--name", for suggestions; NULL-terminated in NAMES. */
static void long_names(const cli_command *cmd, char (*store)[40], const char **names) {
    size_t n = 0;
    snprintf(store[n], sizeof store[n], "--help");
    names[n] = store[n];
    n++;
    for (const cli_optdoc *o = cmd->options; o && o->id && n + 1 < MAX_OPTS; o++, n++) {
        snprintf(store[n], sizeof store[n], "--%s", cli_opt_name(o->id));
        names[n] = store[n];
    }
    names[n] = NULL;
}

/* Reports the option getopt_long refused: ARG is the word it stopped on, OPT its optopt (the
 * short letter of an unknown short option, the id of a long option given a value it does not
 * take, 0 for an unknown or ambiguous long option). */
static int report_unknown(const cli_command *cmd, const char *arg, int opt) {
    /* ids from 256 up are long-only options; --help=x is the one long flag with a letter */
    if (opt >= 256 || (opt == CLI_OPT_HELP && arg && !strncmp(arg, "--", 2) && strchr(arg, '='))) {
        char label[64];
        opt_label(opt, label, sizeof label);
        return cli_error(cmd->name, "option %s takes no value", label);
    }
    if (opt || !arg)
        return cli_error(cmd->name, "unknown option -%c (see gort %s --help)", opt ? opt : '?', cmd->name);
    char word[128];
    snprintf(word, sizeof word, "%.*s", (int)strcspn(arg, "="), arg);
    char store[MAX_OPTS][40];
    const char *names[MAX_OPTS];
    long_names(cmd, store, names);
    const char *near = cli_suggest(word, names);
    if (near) return cli_error(cmd->name, "unknown option %s; did you mean %s?", word, near);
    return cli_error(cmd->name, "unknown option %s (see gort %s --help)", word, cmd->name);
}

/* Checks the number of operands against the declaration. */
static int check_operands(const cli_command *cmd, int argc, char **argv, int first) {
    int n = argc - first;
    if (n < cmd->min_operands) {
        char what[64];
        snprintf(what, sizeof what, "%s", cmd->operands ? cmd->operands : "an operand");
        /* name the first missing operand: the word at position n of the operand list */
        const char *w = what;
        for (int k = 0; k < n && w; k++) {
            w = strchr(w, ' ');
            if (w) w++;
        }
        int len = w ? (int)strcspn(w, " ") : 0;
        if (!w || !len || !strncmp(w, "...", 3)) return cli_error(cmd->name, "missing operand (see gort %s --help)", cmd->name);
        return cli_error(cmd->name, "needs a %.*s (see gort %s --help)", len, w, cmd->name);
    }
    if (cmd->max_operands >= 0 && n > cmd->max_operands)
        return cli_error(cmd->name, "unexpected argument '%s' (see gort %s --help)",
                         argv[first + cmd->max_operands], cmd->name);
    return -1;
}

int cli_parse(const cli_command *cmd, int argc, char **argv, cli_opt_fn on_opt, void *ctx,
              int *first) {
    struct option longopts[MAX_OPTS];
    char shortopts[2 * MAX_OPTS + 4];
    if (!build_getopt_tables(cmd, longopts, shortopts))
        return cli_error(cmd->name, "internal error: an option without a definition");
    opterr = 0;
    optind = 0; /* GNU getopt: start over, re-reading the mode from shortopts */
    for (;;) {
        int c = getopt_long(argc, argv, shortopts, longopts, NULL);
        if (c == -1) break;
        if (c == CLI_OPT_HELP) {
            cli_print_help(cmd, stdout);
            return fflush(stdout) == 0 ? GORT_EXIT_OK : cli_error(cmd->name, "cannot write the help");
        }
        if (c == '?') return report_unknown(cmd, optind > 0 ? argv[optind - 1] : NULL, optopt);
        if (c == ':') {
            char label[64];
            opt_label(optopt, label, sizeof label);
            return cli_error(cmd->name, "option %s needs a value", label);
        }
        int rc = on_opt(ctx, c, optarg);
        if (rc) return rc;
    }
    *first = optind;
    return check_operands(cmd, argc, argv, optind);
}

/* Prints TEXT's lines, each after INDENT spaces (the first after FIRST_INDENT). */
static void print_lines(FILE *out, const char *text, int first_indent, int indent) {
    for (int k = 0; *text; k++) {
        size_t n = strcspn(text, "\n");
        if (n) fprintf(out, "%*s%.*s", k ? indent : first_indent, "", (int)n, text);
        fputc('\n', out);
        text += n + (text[n] == '\n');
    }
}

/* The option column of one option: "-o, --output FILE" or "    --force". */
static void option_column(const cli_optdoc *o, char *buf, size_t size) {
    const char *name = cli_opt_name(o->id), *value = o->values ? o->values : cli_opt_value_name(o->id);
    if (o->id < 256) snprintf(buf, size, "-%c, --%s%s%s", o->id, name, value ? " " : "", value ? value : "");
    else snprintf(buf, size, "    --%s%s%s", name, value ? " " : "", value ? value : "");
}

/* Prints CMD's help: usage forms, description, options (column width from the longest, at
 * most 26), exit status and the example, in that order. */
void cli_print_help(const cli_command *cmd, FILE *out) {
    const char *syn = cmd->synopsis, *name = cmd == &cli_gort ? "" : cmd->name;
    for (int k = 0; k == 0 || *syn; k++) {
        size_t n = strcspn(syn, "\n");
        if (syn[0] == ' ') /* a continuation of the form above, aligned under its start */
            fprintf(out, "%*s%.*s\n", (int)strlen(name) + 12, "", (int)(n - strspn(syn, " ")),
                    syn + strspn(syn, " "));
        else
            fprintf(out, "%s gort %s%s%.*s\n", k ? "      " : "usage:", name, *name && n ? " " : "",
                    (int)n, syn);
        syn += n + (syn[n] == '\n');
    }
    if (cmd->description) {
        fputc('\n', out);
        print_lines(out, cmd->description, 0, 0);
    }
    cli_optdoc help = { CLI_OPT_HELP, NULL, "show this help and exit" };
    int width = 0;
    char col[96];
    for (const cli_optdoc *o = cmd->options; o && o->id; o++) {
        option_column(o, col, sizeof col);
        if ((int)strlen(col) > width) width = (int)strlen(col);
    }
    if (width < 10) width = 10;
    if (width > 26) width = 26;
    fputs("\nOptions:\n", out);
    for (const cli_optdoc *o = cmd->options;; o++) {
        const cli_optdoc *d = o && o->id ? o : &help;
        option_column(d, col, sizeof col);
        if ((int)strlen(col) > width) {
            fprintf(out, "  %s\n", col);
            print_lines(out, d->help, width + 4, width + 4);
        } else {
            fprintf(out, "  %-*s  ", width, col);
            print_lines(out, d->help, 0, width + 4);
        }
        if (d == &help) break;
    }
    if (cmd->exit_status) {
        fputs("\nExit status:\n", out);
        print_lines(out, cmd->exit_status, 2, 2);
    }
    if (cmd->example) fprintf(out, "\nExample:\n  %s\n", cmd->example);
}
