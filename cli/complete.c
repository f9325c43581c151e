/*
 * complete.c — the bash completion of gort, printed from the commands' declarations.
 *
 * `gort help --bash-completion` writes a script that bash sources (make install puts it where
 * bash-completion loads it on demand, share/bash-completion/completions/gort). It needs only
 * bash itself: no helper of the bash-completion package. What it completes, all from cli.h's
 * declarations, so a new option is completed as soon as it is declared:
 *   - the command after `gort` (and after `gort help`);
 *   - a word starting with '-': the command's options;
 *   - the word after an option that takes a value: its fixed values (--format, --weight,
 *     --colors, ...), files for FILE, OTHER and TRACE values, nothing for numbers and text;
 *   - an operand, by its kind: a TRACE is a *.db file (or a folder on the way to one), a FILE
 *     any file, a PROGRAM a command or an executable file (after it, files: its arguments).
 * `--opt=value` words are completed too (bash splits them at '=', so the option is two words
 * back).
 */
#include "cli.h"

#include <string.h>

/* Prints the options of CMD as one space-separated word list. */
static void put_option_words(FILE *out, const cli_command *cmd) {
    fputs("--help -h", out);
    for (const cli_optdoc *o = cmd->options; o && o->id; o++) {
        fprintf(out, " --%s", cli_opt_name(o->id));
        if (o->id < 256) fprintf(out, " -%c", o->id);
    }
}

/* Prints the case arms that complete the value of each of CMD's options taking one. */
static void put_value_arms(FILE *out, const cli_command *cmd) {
    for (const cli_optdoc *o = cmd->options; o && o->id; o++) {
        const char *vname = cli_opt_value_name(o->id);
        if (!vname) continue;
        fprintf(out, "        --%s", cli_opt_name(o->id));
        if (o->id < 256) fprintf(out, "|-%c", o->id);
        if (o->values) {
            fputs(") _gort_words '", out);
            for (const char *v = o->values; *v; v++) fputc(*v == '|' ? ' ' : *v, out);
            fputs("'; return ;;\n", out);
        } else if (!strcmp(vname, "FILE") || !strcmp(vname, "OTHER")) {
            fputs(") _gort_files; return ;;\n", out);
        } else {
            fputs(") return ;;\n", out);
        }
    }
}

/* Prints the function completing CMD's words. */
static void put_command_function(FILE *out, const cli_command *cmd) {
    fprintf(out, "_gort_cmd_%s() {\n    case $prev in\n", cmd->name);
    put_value_arms(out, cmd);
    fputs("    esac\n", out);
    fputs("    if [[ $cur == -* && $_gort_after_dashdash == 0 ]]; then _gort_words '", out);
    put_option_words(out, cmd);
    fputs("'; return; fi\n", out);
    fprintf(out, "    _gort_operand '%s'\n}\n", cmd->operands ? cmd->operands : "");
}

/* Writes the whole script: helpers, one function per command, the dispatcher, complete -F. */
void cli_write_bash_completion(FILE *out) {
    fputs("# bash completion for gort " GORT_VERSION ", written by `gort help --bash-completion`\n"
          "# from the commands' declarations; do not edit. Needs only bash.\n\n", out);
    fputs("_gort_words() { local IFS=$' \\t\\n'; COMPREPLY=($(compgen -W \"$1\" -- \"$cur\")); }\n"
          "_gort_files() { local IFS=$'\\n'; compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\")); }\n"
          "_gort_traces() {\n"
          "    local IFS=$'\\n'; compopt -o filenames 2>/dev/null\n"
          "    COMPREPLY=($(compgen -d -- \"$cur\") $(compgen -f -X '!*.db' -- \"$cur\"))\n"
          "}\n"
          "# _gort_operand KINDS: completes operand number $_gort_nops by its kind.\n"
          "_gort_operand() {\n"
          "    local kinds=($1) kind\n"
          "    if (( _gort_nops < ${#kinds[@]} )); then kind=${kinds[_gort_nops]}\n"
          "    elif [[ ${kinds[-1]} == ... ]]; then kind=${kinds[-2]}\n"
          "    else return; fi\n"

          "    case $kind in\n"
          "        TRACE) _gort_traces ;;\n"
          "        FILE|OTHER) _gort_files ;;\n"
          "        PROGRAM) local IFS=$'\\n'; compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -c -- \"$cur\") $(compgen -f -- \"$cur\")) ;;\n"
          "        COMMAND) _gort_words \"$_gort_commands\" ;;\n"
          "    esac\n"
          "}\n\n", out);
    fputs("_gort_commands='", out);
    for (const cli_command *const *c = cli_commands(); *c; c++) fprintf(out, "%s%s", c == cli_commands() ? "" : " ", (*c)->name);
    fputs("'\n# commands whose options end at their first operand (the rest is a program's)\n_gort_optfirst='", out);
    for (const cli_command *const *c = cli_commands(); *c; c++)
        if ((*c)->options_first) fprintf(out, " %s", (*c)->name);
    fputs(" '\n\n", out);
    for (const cli_command *const *c = cli_commands(); *c; c++) put_command_function(out, *c);
    fputs("\n_gort() {\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
          "    COMPREPLY=()\n"
          "    # --opt=value: bash made '=' a word of its own\n"
          "    if [[ $cur == = ]]; then prev=${COMP_WORDS[COMP_CWORD-1]}; cur=\n"
          "    elif [[ $prev == = ]]; then prev=${COMP_WORDS[COMP_CWORD-2]}; fi\n"
          "    local cmd= i w skip=0\n"
          "    _gort_nops=0 _gort_after_dashdash=0\n"
          "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
          "        w=${COMP_WORDS[i]}\n"
          "        if [[ -z $cmd ]]; then [[ $w != -* ]] && cmd=$w; continue; fi\n"
          "        if (( skip )); then skip=0; continue; fi\n"
          "        [[ $w == = || ${COMP_WORDS[i+1]} == = ]] && continue\n"
          "        if (( _gort_after_dashdash )); then ((_gort_nops++)); continue; fi\n"
          "        case $w in\n"
          "            --) _gort_after_dashdash=1 ;;\n"
          "            -*) [[ \" $(_gort_value_options \"$cmd\") \" == *\" $w \"* ]] && skip=1 ;;\n"
          "            *) ((_gort_nops++)); [[ $_gort_optfirst == *\" $cmd \"* ]] && _gort_after_dashdash=1 ;;\n"
          "        esac\n"
          "    done\n"
          "    if [[ -z $cmd ]]; then _gort_words \"$_gort_commands --help --version\"; return; fi\n"
          "    [[ $(type -t _gort_cmd_$cmd) == function ]] && _gort_cmd_$cmd\n"
          "}\n", out);
    fputs("# _gort_value_options CMD: the options of CMD that take a value (the next word).\n"
          "_gort_value_options() {\n    case $1 in\n", out);
    for (const cli_command *const *c = cli_commands(); *c; c++) {
        fprintf(out, "        %s) echo '", (*c)->name);
        bool first = true;
        for (const cli_optdoc *o = (*c)->options; o && o->id; o++) {
            if (!cli_opt_value_name(o->id)) continue;
            fprintf(out, "%s--%s", first ? "" : " ", cli_opt_name(o->id));
            if (o->id < 256) fprintf(out, " -%c", o->id);
            first = false;
        }
        fputs("' ;;\n", out);
    }
    fputs("    esac\n}\ncomplete -F _gort gort\n", out);
}
