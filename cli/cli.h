/*
 * cli.h — the utility layer shared by every gort subcommand: errors, the command line,
 * option values, and the subcommands' declarations. Each subcommand lives in its own file
 * (tracer/record.c, viewer/flame.c, ...) and exports one `cli_command` that declares its
 * synopsis, description, options, exit status and example, and points at its entry point
 * `int cmd_NAME(int argc, char **argv)`, which returns the process exit status.
 *
 * The declaration is the one source of a command's documentation: `gort CMD --help`,
 * `gort help CMD`, the man page gort-CMD(1) (`gort help --man CMD`) and the bash completion
 * (`gort help --bash-completion`) are all printed from it, and the parser (options.c, over
 * getopt_long) accepts exactly the options it lists. Every option name has one meaning and one
 * value name in every command (the table in options.c has each name once).
 *
 * Exit statuses: 0 success, 1 a finding the caller asked to gate on (gort gaps: a
 * use-after-free), 2 bad input or an error. gort record, which passes on its program's status,
 * uses env(1)'s convention for its own failures instead: 125, 126, 127. Every error is one line
 * on stderr, "gort NAME: ...".
 */
#ifndef GORT_CLI_H
#define GORT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GORT_EXIT_OK 0
#define GORT_EXIT_FINDING 1
#define GORT_EXIT_USAGE 2
/* gort record's own failures, as env(1) and timeout(1): these never pass for the program's. */
#define GORT_EXIT_RECORD_FAILED 125
#define GORT_EXIT_CANNOT_RUN 126
#define GORT_EXIT_NOT_FOUND 127

/* Prints "gort CMD: <message>" (for an empty CMD "gort: <message>") and a newline to stderr,
 * as one line (line breaks and other control characters in the message become spaces).
 * Returns GORT_EXIT_USAGE so a caller
 * can write `return cli_error("sql", "no such file: %s", path);`. */
int cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parses a whole decimal integer in [min, max]; false on anything else. */
bool cli_parse_int(const char *s, int64_t min, int64_t max, int64_t *out);
/* Parses a size with an optional K, M or G suffix (powers of 1024); false on anything else. */
bool cli_parse_size(const char *s, uint64_t *out);
/* Parses a time: an integer with an optional unit ns, us, ms or s (default ns). */
bool cli_parse_time_ns(const char *s, int64_t *out);

/* ---- idmap.c: a hash table from 64-bit ids to 64-bit values --------------------------------
 * One table for every id lookup of the tools (the recorder's summary rows, the viewer's lanes
 * and stack weights). */
typedef struct idmap {
    int64_t *keys;
    int64_t *vals;
    unsigned char *full;
    size_t cap, used;
} idmap;

/* The value slot of KEY (0 when just inserted); NULL when KEY is absent and !INSERT, or
 * when out of memory. A zeroed idmap is empty. */
int64_t *idmap_get(idmap *m, int64_t key, bool insert);
/* Removes KEY (nothing when absent); the table then holds only the keys still in it. */
void idmap_remove(idmap *m, int64_t key);
/* Frees M's storage and leaves it empty and usable. */
void idmap_free(idmap *m);

/* ---- options.c: the command line ----------------------------------------------------------
 * Every option of every command, each name once. The short letters are the option's id. */
enum cli_opt {
    CLI_OPT_HELP = 'h',
    CLI_OPT_OUTPUT = 'o',
    CLI_OPT_BUFFER = 256,
    CLI_OPT_ALL,
    CLI_OPT_BASH_COMPLETION,
    CLI_OPT_COLORS,
    CLI_OPT_COUNT_TOLERANCE,
    CLI_OPT_DIFF,
    CLI_OPT_DROP,
    CLI_OPT_FOLDED,
    CLI_OPT_FORCE,
    CLI_OPT_FORMAT,
    CLI_OPT_FROM,
    CLI_OPT_FROM_FOLDED,
    CLI_OPT_INVERTED,
    CLI_OPT_KIND,
    CLI_OPT_LANES,
    CLI_OPT_MAN,
    CLI_OPT_MAP,
    CLI_OPT_MINWIDTH,
    CLI_OPT_NO_STACKS,
    CLI_OPT_ONLY,
    CLI_OPT_PROFILE_HZ,
    CLI_OPT_RECOVER,
    CLI_OPT_REVERSE,
    CLI_OPT_SCOPE,
    CLI_OPT_SCRIPT,
    CLI_OPT_SEARCH,
    CLI_OPT_SIZE,
    CLI_OPT_STACK_DEPTH,
    CLI_OPT_TITLE,
    CLI_OPT_TO,
    CLI_OPT_TIMEOUT,
    CLI_OPT_TOLERANCE,
    CLI_OPT_WEIGHT,
    CLI_OPT_WIDTH,
};

/* One option as a command takes it: which option, the values it accepts when they are a fixed
 * list ("table|csv|json": shown in place of the value name and offered by the completion),
 * and what it does in this command (lines separated by '\n', as --help prints them). */
typedef struct cli_optdoc {
    int id;
    const char *values;
    const char *help;
} cli_optdoc;

/* A command's declaration. Texts are lines separated by '\n' (at most 80 columns as --help
 * prints them); paragraphs are separated by an empty line. */
typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;       /* one line: gort --help's list and the man page's NAME */
    const char *synopsis;      /* one line per form, without "gort NAME "; a line starting
                                  with a space continues the form above */
    const char *operands;      /* what the operands are, in order, for the completion: words
                                  of TRACE, FILE, QUERY, PROGRAM, COMMAND; "..." repeats the last */
    int min_operands, max_operands;  /* max -1: any number */
    bool options_first;        /* options end at the first operand (gort record PROGRAM ...) */
    const char *description;
    const cli_optdoc *options; /* ends with { 0 }; -h, --help is every command's */
    const char *exit_status;
    const char *example;       /* one command line */
} cli_command;

/* Called for each option in command-line order with its id and value (NULL for a flag).
 * Returns 0 to go on, or an exit status after reporting a bad value with cli_error. */
typedef int (*cli_opt_fn)(void *ctx, int id, const char *value);

/* Parses ARGV (ARGV[0] the command's name) with getopt_long as CMD declares: -oFILE, -o FILE,
 * --output=FILE, --output FILE, a unique prefix of a long option, `--` ending the options, and
 * operands anywhere (unless CMD->options_first: then the first operand ends the options).
 * Returns -1 when the command should run, its operands being ARGV[*first .. ARGC); 0 after
 * printing the help for --help; otherwise an exit status after one error line (an unknown
 * option, with the closest known one; a missing or unwanted value; too few or too many
 * operands; or what ON_OPT reported). */
int cli_parse(const cli_command *cmd, int argc, char **argv, cli_opt_fn on_opt, void *ctx,
              int *first);

/* Prints CMD's help: usage, description, every option, exit status and one example. */
void cli_print_help(const cli_command *cmd, FILE *out);

/* The long name of option ID ("output"), or NULL. */
const char *cli_opt_name(int id);
/* The value name of option ID ("FILE"), or NULL for a flag. */
const char *cli_opt_value_name(int id);

/* ---- main.c: the list of commands --------------------------------------------------- */

/* Every command linked into this gort, in the order gort --help lists them; NULL-terminated. */
const cli_command *const *cli_commands(void);
/* The command named NAME, or NULL. */
const cli_command *cli_find_command(const char *name);
/* The gort command itself (gort(1)): its description, environment and files. */
extern const cli_command cli_gort;

/* ---- suggest.c: did you mean ------------------------------------------------------------ */

/* The word of WORDS (NULL-terminated) closest to WORD when it is close enough to be a likely
 * typo (edit distance with transpositions at most 1 for short words, 2 from 5 letters, 3 from
 * 9, or WORD is a prefix of exactly one word), else NULL. */
const char *cli_suggest(const char *word, const char *const *words);

/* ---- man.c and complete.c: documentation printed from the declarations ------------------ */

/* Writes CMD's man page in man(7) roff: gort(1) for &cli_gort, else gort-NAME(1). */
void cli_write_man(const cli_command *cmd, FILE *out);
/* Writes a bash completion script for gort: commands, options, option values and operands. */
void cli_write_bash_completion(FILE *out);

/* Subcommands: each file's declaration (weak: a command is listed once its file is linked). */
extern const cli_command cli_cmd_record __attribute__((weak));
extern const cli_command cli_cmd_flame __attribute__((weak));
extern const cli_command cli_cmd_timeline __attribute__((weak));
extern const cli_command cli_cmd_gaps __attribute__((weak));
extern const cli_command cli_cmd_sql __attribute__((weak));
extern const cli_command cli_cmd_info __attribute__((weak));
extern const cli_command cli_cmd_export __attribute__((weak));
extern const cli_command cli_cmd_compare __attribute__((weak));
extern const cli_command cli_cmd_go __attribute__((weak));

#endif /* GORT_CLI_H */
