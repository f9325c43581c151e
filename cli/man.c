/*
 * man.c — man pages printed from the commands' declarations: gort(1) and gort-NAME(1).
 *
 * A page is man(7) roff, the macro set every man reader knows: NAME, SYNOPSIS, DESCRIPTION,
 * OPTIONS, EXIT STATUS, EXAMPLE, SEE ALSO, and for gort(1) COMMANDS, ENVIRONMENT and FILES.
 * Its text is the declaration's, the same --help prints (cli.h), so the two cannot disagree:
 * `make` writes the pages with `gort help --man NAME` and `make install` installs them.
 *
 * Text becomes roff safely: a backslash is written \e, every '-' \- (so options can be copied
 * and searched as typed), and a line that would start with '.' or '\'' (a request) is
 * protected with \&. Lines of a paragraph are kept as written; roff fills them. A line that
 * starts with spaces is a list item in the --help text ("  TAG  text"): a tagged paragraph.
 */
#include "cli.h"

#include <string.h>

/* Writes S[0..N) escaped for roff (not at the start of a line: see put_line). */
static void put_text(FILE *out, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\') fputs("\\e", out);
        else if (s[i] == '-') fputs("\\-", out);
        else fputc(s[i], out);
    }
}

/* Writes one line of text, protected when it starts with a control character. */
static void put_line(FILE *out, const char *s, size_t n) {
    if (n && (s[0] == '.' || s[0] == '\'')) fputs("\\&", out);
    put_text(out, s, n);
    fputc('\n', out);
}

/* Writes an indented line of a --help text: "  TAG   text" starts a tagged paragraph (.TP),
 * a line indented past a tag continues the one above. */
static void put_item(FILE *out, const char *s, size_t n) {
    size_t sp = strspn(s, " ");
    const char *gap = NULL;
    for (size_t i = sp; i + 1 < n; i++)
        if (s[i] == ' ' && s[i + 1] == ' ') {
            gap = s + i;
            break;
        }
    if (sp > 4 || !gap) {
        put_line(out, s + sp, n - sp);
        return;
    }
    fputs(".TP\n\\fB", out);
    put_text(out, s + sp, (size_t)(gap - s) - sp);
    fputs("\\fR\n", out);
    size_t rest = (size_t)(gap - s) + strspn(gap, " ");
    put_line(out, s + rest, n - rest);
}

/* Writes TEXT as paragraphs (.PP between blocks separated by an empty line; indented lines
 * are list items). */
static void put_paragraphs(FILE *out, const char *text) {
    bool start = true, list = false;
    while (*text) {
        size_t n = strcspn(text, "\n");
        if (n == 0) {
            start = true;
        } else if (text[0] == ' ') {
            put_item(out, text, n);
            list = true;
        } else {
            if (start || list) fputs(".PP\n", out);
            start = list = false;
            put_line(out, text, n);
        }
        text += n + (text[n] == '\n');
    }
}

/* Writes a word in bold (an option) or italics (a value), escaped. */
static void put_font(FILE *out, char font, const char *s) {
    fprintf(out, "\\f%c", font);
    put_text(out, s, strlen(s));
    fputs("\\fR", out);
}

/* The page's name: GORT or GORT-NAME (upper case, as .TH wants). */
static void put_title(FILE *out, const cli_command *cmd) {
    fputs(".TH GORT", out);
    if (cmd != &cli_gort) {
        fputs("\\-", out);
        for (const char *c = cmd->name; *c; c++) fputc(*c >= 'a' && *c <= 'z' ? *c - 32 : *c, out);
    }
    fputs(" 1 \"\" \"gort " GORT_VERSION "\" \"gort manual\"\n", out);
}

/* SYNOPSIS: each form on its own line, the command in bold. */
static void put_synopsis(FILE *out, const cli_command *cmd) {
    fputs(".SH SYNOPSIS\n", out);
    const char *syn = cmd->synopsis;
    for (int k = 0; k == 0 || *syn; k++) {
        size_t n = strcspn(syn, "\n"), sp = strspn(syn, " ");
        if (sp && sp <= n) { /* a continuation of the form above: filled into it */
            put_text(out, syn + sp, n - sp);
            fputc('\n', out);
            syn += n + (syn[n] == '\n');
            continue;
        }
        fputs(".br\n\\fBgort", out);
        if (cmd != &cli_gort) fprintf(out, " %s", cmd->name);
        fputs("\\fR ", out);
        put_text(out, syn, n);
        fputc('\n', out);
        syn += n + (syn[n] == '\n');
    }
}

/* OPTIONS: a tagged paragraph per option, --help included. */
static void put_options(FILE *out, const cli_command *cmd) {
    fputs(".SH OPTIONS\n", out);
    cli_optdoc help = { CLI_OPT_HELP, NULL, "show this help and exit" };
    for (const cli_optdoc *o = cmd->options;; o++) {
        const cli_optdoc *d = o && o->id ? o : &help;
        const char *value = d->values ? d->values : cli_opt_value_name(d->id);
        char name[64];
        fputs(".TP\n", out);
        if (d->id < 256) {
            snprintf(name, sizeof name, "-%c", d->id);
            put_font(out, 'B', name);
            fputs(", ", out);
        }
        snprintf(name, sizeof name, "--%s", cli_opt_name(d->id));
        put_font(out, 'B', name);
        if (value) {
            fputc(' ', out);
            put_font(out, 'I', value);
        }
        fputc('\n', out);
        const char *h = d->help;
        while (*h) {
            size_t n = strcspn(h, "\n");
            put_line(out, h, n);
            h += n + (h[n] == '\n');
        }
        if (d == &help) break;
    }
}

/* gort(1)'s list of commands, each pointing at its page. */
static void put_commands(FILE *out) {
    fputs(".SH COMMANDS\n", out);
    for (const cli_command *const *c = cli_commands(); *c; c++) {
        fputs(".TP\n", out);
        char page[64];
        snprintf(page, sizeof page, "gort-%s", (*c)->name);
        put_font(out, 'B', (*c)->name);
        fputc('\n', out);
        put_text(out, (*c)->summary, strlen((*c)->summary));
        fputs(" (", out);
        put_font(out, 'B', page);
        fputs("(1))\n", out);
    }
}

/* Writes CMD's page: the sections in man(7)'s usual order. */
void cli_write_man(const cli_command *cmd, FILE *out) {
    bool top = cmd == &cli_gort;
    fputs(".\\\" Written by `gort help --man` from the command's declaration; do not edit.\n", out);
    put_title(out, cmd);
    fputs(".SH NAME\n", out);
    fprintf(out, "gort%s%s \\- ", top ? "" : "\\-", top ? "" : cmd->name);
    put_text(out, cmd->summary, strlen(cmd->summary));
    fputc('\n', out);
    put_synopsis(out, cmd);
    if (cmd->description) {
        fputs(".SH DESCRIPTION\n", out);
        put_paragraphs(out, cmd->description);
    }
    if (top) put_commands(out);
    put_options(out, cmd);
    if (cmd->exit_status) {
        fputs(".SH \"EXIT STATUS\"\n", out);
        put_paragraphs(out, cmd->exit_status);
    }
    if (cmd->example) {
        fputs(".SH EXAMPLE\n.PP\n.nf\n.RS\n", out);
        put_line(out, cmd->example, strlen(cmd->example));
        fputs(".RE\n.fi\n", out);
    }
    fputs(".SH \"SEE ALSO\"\n", out);
    if (top) {
        bool first = true;
        for (const cli_command *const *c = cli_commands(); *c; c++, first = false)
            fprintf(out, "%s\\fBgort\\-%s\\fR(1)", first ? "" : ",\n", (*c)->name);
        fputs("\n.PP\n", out);
    } else {
        fputs("\\fBgort\\fR(1)\n.PP\n", out);
    }
    fputs("The trace database's tables: \\fIschema.md\\fR; the viewers: \\fIviewer.md\\fR; both in\n"
          "\\fIshare/doc/gort\\fR under the prefix gort was installed to (\\fI/usr/local\\fR by\n"
          "default), and in \\fIdocs/\\fR of its source.\n", out);
}
