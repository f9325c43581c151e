/*
 * main.c — the gort command: dispatches `gort NAME ...` to the file of subcommand NAME, and
 * the two commands of its own, `gort help` and `gort version`.
 *
 * The list of commands is the declarations (cli.h) of the files linked in: a subcommand's
 * declaration is a weak symbol here, NULL when its file is not part of the build. `gort help`
 * prints any command's help (as `gort CMD --help` does), and, for the build, its man page
 * (--man) and the bash completion of every command (--bash-completion): one source for all.
 * A mistyped command gets the closest one ("did you mean"), as git does.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const cli_optdoc help_options[] = {
    { CLI_OPT_MAN, NULL, "print the man page of COMMAND (of gort itself without one) as roff" },
    { CLI_OPT_BASH_COMPLETION, NULL, "print the bash completion script of every command" },
    { 0 },
};

static const cli_command cli_cmd_help = {
    .name = "help",
    .run = cmd_help,
    .summary = "show the help of gort or of one command",
    .synopsis = "[COMMAND]\n--man [COMMAND]\n--bash-completion",
    .operands = "COMMAND",
    .min_operands = 0,
    .max_operands = 1,
    .description = "Prints the help of COMMAND, the same as gort COMMAND --help, or of gort\n"
                   "itself. The help, the man pages and the bash completion are all printed\n"
                   "from each command's one declaration, so they always agree.",
    .options = help_options,
    .exit_status = "0 done, 2 no such command.",
    .example = "gort help record",
};

static const cli_command cli_cmd_version = {
    .name = "version",
    .run = cmd_version,
    .summary = "print gort's version",
    .synopsis = "",
    .min_operands = 0,
    .max_operands = 0,
    .description = "Prints \"gort VERSION\": the version of the command and of the libgort it\n"
                   "came with (GORT_VERSION in gort.h). gort --version does the same.",
    .exit_status = "0.",
    .example = "gort version",
};

const cli_command cli_gort = {
    .name = "gort",
    .summary = "record and show how Go's map, defer and GC runtime behave",
    .synopsis = "COMMAND [ARGS...]\nhelp [COMMAND]\nversion",
    .operands = "COMMAND",
    .min_operands = 1,
    .max_operands = -1,
    .description =
        "gort records and shows how Go 1.19's map, defer and garbage-collector runtime\n"
        "behave, as modelled by libgort, a C library: gort record runs a program linked\n"
        "with libgort and stores every event in a SQLite trace; the other commands draw,\n"
        "judge, query and export that trace, and never change it. gort go builds real Go\n"
        "1.19 programs whose own runtime emits the same events into the same traces.\n"
        "\n"
        "Every command takes -h/--help. Options follow the GNU conventions: -oFILE, -o FILE,\n"
        "--output=FILE and --output FILE are the same, a long option can be shortened to a\n"
        "unique prefix, and -- ends the options. An option means the same in every command.\n"
        "\n"
        "Environment of the programs (libgort reads it):\n"
        "  GORT_GOGC    the collector's heap-growth percentage (default 100; off), as GOGC\n"
        "  GORT_DEBUG   uaf: freed maps stay poisoned, never reused (always on under gort\n"
        "               record); gctrace: a line per GC cycle as GODEBUG=gctrace=1\n"
        "  GORT_UNSAFE  unsafe models, comma-separated: frame_order, defer_roots,\n"
        "               no_write_barrier (see the README)\n"
        "\n"
        "Documentation: README.md, schema.md (the trace's tables), viewer.md (the viewers)\n"
        "and the rest of docs/, installed in PREFIX/share/doc/gort.",
    .exit_status = "That of the command; 2 for an unknown command or bad usage.",
    .example = "gort record -o trace.db -- ./prog && gort info trace.db",
};

/* The linked commands in --help order (a static list, filled on each call: no state kept). */
const cli_command *const *cli_commands(void) {
    static const cli_command *list[16];
    const cli_command *all[] = { &cli_cmd_record, &cli_cmd_flame, &cli_cmd_timeline, &cli_cmd_gaps,
                                 &cli_cmd_sql, &cli_cmd_info, &cli_cmd_export, &cli_cmd_compare, &cli_cmd_go,
                                 &cli_cmd_help, &cli_cmd_version };
    size_t n = 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0] && n + 1 < sizeof list / sizeof list[0]; i++)
        if (all[i]) list[n++] = all[i];
    list[n] = NULL;
    return list;
}

/* The command named NAME exactly, or NULL. */
const cli_command *cli_find_command(const char *name) {
    for (const cli_command *const *c = cli_commands(); *c; c++)
        if (!strcmp((*c)->name, name)) return *c;
    return NULL;
}

/* Reports an unknown command NAME, with the closest known one. */
static int unknown_command(const char *who, const char *name) {
    const char *names[16];
    size_t n = 0;
    for (const cli_command *const *c = cli_commands(); *c && n + 1 < 16; c++) names[n++] = (*c)->name;
    names[n] = NULL;
    const char *near = cli_suggest(name, names);
    if (near) return cli_error(who, "unknown command '%s'; did you mean '%s'?", name, near);
    return cli_error(who, "unknown command '%s' (see gort help)", name);
}

/* gort's own help: usage, the commands, and how options work. */
static void print_gort_help(FILE *f) {
    fputs("usage: gort COMMAND [ARGS...]\n\n"
          "gort records and shows how Go's map, defer and GC runtime behave, as modelled\n"
          "by libgort and in real Go 1.19 programs (gort go).\n\nCommands:\n", f);
    for (const cli_command *const *c = cli_commands(); *c; c++)
        fprintf(f, "  %-9s %s\n", (*c)->name, (*c)->summary);
    fputs("\n  gort help COMMAND      help for one command (also gort COMMAND --help)\n"
          "  man gort-COMMAND       its manual page, once installed\n"
          "  gort --version         print the version\n\n"
          "Example:\n  gort record -o trace.db -- ./prog && gort info trace.db\n", f);
}

typedef struct {
    bool man, completion;
} help_args;

/* Records one option of gort help. */
static int help_option(void *ctx, int id, const char *value) {
    (void)value;
    help_args *a = ctx;
    if (id == CLI_OPT_MAN) a->man = true;
    if (id == CLI_OPT_BASH_COMPLETION) a->completion = true;
    return 0;
}

/* gort help [--man] [COMMAND] | --bash-completion. */
static int cmd_help(int argc, char **argv) {
    help_args a = { false, false };
    int first;
    int rc = cli_parse(&cli_cmd_help, argc, argv, help_option, &a, &first);
    if (rc >= 0) return rc;
    const cli_command *cmd = &cli_gort;
    if (first < argc && !(cmd = cli_find_command(argv[first]))) return unknown_command("help", argv[first]);
    if (a.completion) cli_write_bash_completion(stdout);
    else if (a.man) cli_write_man(cmd, stdout);
    else if (cmd == &cli_gort) print_gort_help(stdout);
    else cli_print_help(cmd, stdout);
    return fflush(stdout) == 0 ? GORT_EXIT_OK : cli_error("help", "cannot write the output");
}

/* Ignores options: gort version has only --help. */
static int no_option(void *ctx, int id, const char *value) {
    (void)ctx, (void)id, (void)value;
    return 0;
}

/* gort version. */
static int cmd_version(int argc, char **argv) {
    int first;
    int rc = cli_parse(&cli_cmd_version, argc, argv, no_option, NULL, &first);
    if (rc >= 0) return rc;
    printf("gort %s\n", GORT_VERSION);
    return fflush(stdout) == 0 ? GORT_EXIT_OK : cli_error("version", "cannot write the output");
}

/* gort: its own options, then the command named by argv[1]. Returns the exit status. */
int main(int argc, char **argv) {
    if (argc < 2) {
        print_gort_help(stderr);
        return GORT_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
        print_gort_help(stdout);
        return GORT_EXIT_OK;
    }
    if (!strcmp(name, "--version")) return cmd_version(1, argv);
    if (name[0] == '-') return cli_error("", "unknown option %s (see gort help)", name);
    const cli_command *cmd = cli_find_command(name);
    if (!cmd) return unknown_command("", name);
    return cmd->run(argc - 1, argv + 1);
}
