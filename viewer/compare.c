/*
 * compare.c — gort compare A.db B.db: what differs between two traces, as a table and an exit
 * status (0 they agree, 1 they differ, 2 bad input).
 *
 * Any two traces: the model against real Go, a program before and after a change, a run
 * against its baseline in CI. The facts of each (compare_facts.c: how the run ended, events per
 * kind, maps and their growth, deferred calls, gap verdicts, GC cycles and pauses) go into one
 * in-memory SQLite database — never beside the traces, which are opened read-only as by every
 * viewer command — and one query joins them on their keys and judges each pair:
 *   same      equal values;
 *   within    a count or a time that differs by no more than the tolerance given for it;
 *   unjudged  a time that differs when no --tolerance was given: times vary from run to run,
 *             so they make traces differ only against a tolerance the user chose;
 *   differs   anything else, and any fact only one trace has (a count that is zero when
 *             absent, as the count of an event kind, is compared as 0).
 * With --scope program, the maps and deferred calls the runtime or Go's standard library made
 * (compare_scope.c tells them by their creation's call stack) are left out of both sides
 * before the facts are read: a Go program and its model then compare on the program's own.
 * Output (table, csv or json, output.c's formats) lists the facts that differ, or every fact
 * with --all; the table adds which trace is a and b, and a line counting each judgement.
 */
#include "viewer.h"

#include "cli.h"

#include <stdlib.h>
#include <string.h>

static int cmd_compare(int argc, char **argv);

static const cli_optdoc compare_options[] = {
    { CLI_OPT_ONLY, NULL, "compare only these groups (comma-separated, repeatable)" },
    { CLI_OPT_TOLERANCE, NULL, "judge times: within when |b - a| <= T; T is a percentage of the\n"
                               "larger value (10%), a time (50us), or both (10%,50us: either)" },
    { CLI_OPT_COUNT_TOLERANCE, NULL, "counts within P% of the larger count agree (default: exact)" },
    { CLI_OPT_SCOPE, "all|program", "program: only the maps and deferred calls the program's own\n"
                                    "code made, not the runtime's or Go's standard library's\n"
                                    "(told by the call stack that made each; default all)" },
    { CLI_OPT_ALL, NULL, "list every fact, not only those that differ" },
    { CLI_OPT_FORMAT, "table|csv|json", "table (default), csv or json" },
    { CLI_OPT_TIMEOUT, NULL, "give up (exit 2) when reading a trace takes longer than S seconds\n"
                             "(default 120; 0 for no limit; or with a unit: 500ms)" },
    { 0 },
};

const cli_command cli_cmd_compare = {
    .name = "compare",
    .run = cmd_compare,
    .summary = "what differs between two traces (exit 1 when they differ)",
    .synopsis = "A.db B.db [--only GROUPS] [--scope all|program] [--tolerance T]\n"
                " [--count-tolerance P%] [--all] [--format table|csv|json] [--timeout S]",
    .operands = "TRACE TRACE",
    .min_operands = 2,
    .max_operands = 2,
    .description =
        "What differs between two traces (model vs real Go, before vs after, run vs\n"
        "baseline): one row per fact, with both values, the difference (b - a) and the\n"
        "result: same, within (the tolerance), unjudged (a time, no --tolerance) or differs.\n"
        "Facts, by group:\n"
        "  run         how the program ended (ended, exit status, signal), duration, lost\n"
        "              events\n"
        "  events      events per kind, and in all\n"
        "  maps        maps, how many died how; per map: its death (gc, frame, alive), peak len\n"
        "  growth      per map: its growths as len:B (the insert that made len L set B; '='\n"
        "              marks a same-size growth) and its hashgrow count\n"
        "  evacuation  per map: its evacuate count (depends on hashing while a growth is\n"
        "              unfinished)\n"
        "  defers      deferred calls, how many ran how; per call: its function, and when (the\n"
        "              K-th of its goroutine's calls to run) and how it ran, or never\n"
        "  verdicts    gort gaps' verdict counts, and the verdict of each row\n"
        "  gc          cycles (forced, by the heap), stop-the-world pauses: count, total, mean,\n"
        "              max\n"
        "Maps, deferred calls and gap rows have no common id across traces: they are matched\n"
        "by order of creation per goroutine. \"map g2.15\" is the 15th map created by the 2nd\n"
        "goroutine (in goid order) of those that created maps; likewise defer gN.K, verdict gN.K.\n"
        "Real Go makes maps and defers calls of its own (package initialisers, fmt, sync),\n"
        "which a model does not: --scope program leaves out, on both sides, every map and\n"
        "deferred call made by a function of the runtime's source tree (Go's GOROOT/src,\n"
        "libgort's runtime/), as its creation's call stack says, and every event naming one.",
    .options = compare_options,
    .exit_status = "0 the traces agree (no fact differs), 1 they differ, 2 bad input.",
    .example = "gort compare go.db model.db --scope program --only growth,defers,verdicts",
};

typedef struct {
    const char *path[2];
    unsigned groups;
    double count_tol;          /* fraction of the larger count; 0 = exact */
    double time_rel;           /* fraction of the larger time; < 0 = none */
    int64_t time_abs;          /* ns; < 0 = none */
    bool all;
    bool program;              /* --scope program: only the program's maps and deferred calls */
    enum vout_format format;
    int64_t timeout;           /* per trace read, ns; 0 = none */
} cmp_args;

/* The judgement: every fact of either side, matched on (grp, item, sub), into table results.
 * Parameters: ?1 count tolerance (fraction), ?2 relative and ?3 absolute time tolerance
 * (NULL: none). Each side is reached through the facts' primary key. */
static const char judge_sql[] =
    "CREATE TABLE results AS\n"
    "WITH k AS (SELECT DISTINCT grp, item, sub FROM facts),\n"
    "j AS (\n"
    "  SELECT k.grp, k.item, k.sub, coalesce(a.name, b.name) AS name,\n"
    "         coalesce(a.type, b.type) AS type,\n"
    "         CASE WHEN a.side IS NULL THEN CASE WHEN b.zero THEN 0 END ELSE a.num END AS an,\n"
    "         CASE WHEN b.side IS NULL THEN CASE WHEN a.zero THEN 0 END ELSE b.num END AS bn,\n"
    "         a.txt AS at, b.txt AS bt, a.side IS NOT NULL AS ina, b.side IS NOT NULL AS inb\n"
    "  FROM k\n"
    "  LEFT JOIN facts a ON a.side = 0 AND a.grp = k.grp AND a.item = k.item AND a.sub = k.sub\n"
    "  LEFT JOIN facts b ON b.side = 1 AND b.grp = k.grp AND b.item = k.item AND b.sub = k.sub)\n"
    "SELECT grp, item, sub, name, type,\n"
    "       CASE type WHEN 2 THEN at ELSE an END AS va,\n"
    "       CASE type WHEN 2 THEN bt ELSE bn END AS vb,\n"
    "       CASE WHEN type <> 2 THEN bn - an END AS diff,\n"
    "       CASE\n"
    "         WHEN type = 2 THEN CASE WHEN ina AND inb AND at IS bt THEN 'same' ELSE 'differs' END\n"
    "         WHEN an IS NULL OR bn IS NULL THEN 'differs'\n"
    "         WHEN an = bn THEN 'same'\n"
    "         WHEN type = 0 THEN CASE WHEN abs(bn - an) <= ?1 * max(abs(an), abs(bn))\n"
    "                                 THEN 'within' ELSE 'differs' END\n"
    "         WHEN ?2 IS NULL AND ?3 IS NULL THEN 'unjudged'\n"
    "         WHEN abs(bn - an) <= coalesce(?2 * max(abs(an), abs(bn)), -1)\n"
    "           OR abs(bn - an) <= coalesce(?3, -1) THEN 'within'\n"
    "         ELSE 'differs' END AS result\n"
    "FROM j";

/* The rows printed: ?1 every fact (1) or only those that differ (0); ?2 the text shown as a
 * text fact's difference (NULL, or '' in a table). */
static const char list_sql[] =
    "SELECT g.name AS \"group\", r.name AS fact, va AS a, vb AS b,\n"
    "       CASE WHEN type = 2 THEN ?2 ELSE diff END AS diff, result\n"
    "FROM results r JOIN groups g ON g.id = r.grp\n"
    "WHERE ?1 OR result = 'differs'\n"
    "ORDER BY r.grp, r.item, r.sub";

/* Parses a percentage "P%" (0 to 10000) into a fraction. */
static bool parse_percent(const char *s, double *out) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || strcmp(end, "%") != 0 || !(v >= 0 && v <= 10000)) return false;
    *out = v / 100;
    return true;
}

/* Parses --tolerance: "P%", a time ("50us"), or both separated by a comma. */
static int parse_tolerance(const char *v, cmp_args *a) {
    char buf[64];
    if (strlen(v) >= sizeof buf) return cli_error("compare", "bad --tolerance '%s'", v);
    strcpy(buf, v);
    for (char *part = strtok(buf, ","); part; part = strtok(NULL, ",")) {
        if (strchr(part, '%') ? parse_percent(part, &a->time_rel) : cli_parse_time_ns(part, &a->time_abs))
            continue;
        return cli_error("compare", "bad --tolerance '%s' (a percentage as 10%%, a time as 50us, or both: "
                         "10%%,50us)", v);
    }
    return 0;
}

/* Parses --only: group names separated by commas, added to *ONLY (a bit per group). */
static int parse_only(const char *v, unsigned *only) {
    char buf[256];
    if (strlen(v) >= sizeof buf) return cli_error("compare", "bad --only '%s'", v);
    strcpy(buf, v);
    for (char *part = strtok(buf, ","); part; part = strtok(NULL, ",")) {
        int g = 0;
        while (g < CMP_NGROUPS && strcmp(part, compare_group_names[g]) != 0) g++;
        if (g == CMP_NGROUPS)
            return cli_error("compare", "unknown group '%s' in --only (groups: run, events, maps, growth, "
                             "evacuation, defers, verdicts, gc)", part);
        *only |= 1u << g;
    }
    return 0;
}

typedef struct {
    cmp_args *a;
    unsigned only;
} cmp_parse;

/* Takes one option into the cmp_args of the cmp_parse at CTX; reports a bad value. */
static int compare_option(void *ctx, int id, const char *v) {
    cmp_parse *p = ctx;
    switch (id) {
    case CLI_OPT_FORMAT: return vout_parse_format("compare", v, &p->a->format) ? 0 : GORT_EXIT_USAGE;
    case CLI_OPT_ONLY: return parse_only(v, &p->only);
    case CLI_OPT_TOLERANCE: return parse_tolerance(v, p->a);
    case CLI_OPT_COUNT_TOLERANCE:
        if (!parse_percent(v, &p->a->count_tol))
            return cli_error("compare", "bad --count-tolerance '%s' (a percentage, as 5%%)", v);
        return 0;
    case CLI_OPT_ALL: p->a->all = true; return 0;
    case CLI_OPT_TIMEOUT: return vt_parse_timeout("compare", v, &p->a->timeout) ? 0 : GORT_EXIT_USAGE;
    case CLI_OPT_SCOPE:
        if (strcmp(v, "all") && strcmp(v, "program"))
            return cli_error("compare", "bad --scope '%s' (all or program)", v);
        p->a->program = !strcmp(v, "program");
        return 0;
    }
    return cli_error("compare", "internal error: option %d", id);
}

/* Parses the command line into A; -1 after printing --help. */
static int parse_args(int argc, char **argv, cmp_args *a) {
    cmp_parse p = { a, 0 };
    int first;
    int rc = cli_parse(&cli_cmd_compare, argc, argv, compare_option, &p, &first);
    if (rc >= 0) return rc ? rc : -1;
    a->path[0] = argv[first];
    a->path[1] = argv[first + 1];
    if (p.only) a->groups = p.only;
    return 0;
}

/* The in-memory database the facts of both traces go into. */
static int open_facts_db(sqlite3 **mem) {
    if (sqlite3_open_v2(":memory:", mem, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY, NULL) != SQLITE_OK)
        return cli_error("compare", "cannot open an in-memory database: %s",
                         *mem ? sqlite3_errmsg(*mem) : "out of memory");
    char *err = NULL;
    int rc = sqlite3_exec(*mem,
        "CREATE TABLE facts (side INTEGER, grp INTEGER, item INTEGER, sub INTEGER, name TEXT,\n"
        "                    type INTEGER, zero INTEGER, num INTEGER, txt TEXT,\n"
        "                    PRIMARY KEY (side, grp, item, sub));\n"
        "CREATE TABLE groups (id INTEGER PRIMARY KEY, name TEXT);\n"
        "BEGIN;", NULL, NULL, &err);
    for (int g = 0; g < CMP_NGROUPS && rc == SQLITE_OK; g++) {
        char *sql = sqlite3_mprintf("INSERT INTO groups VALUES (%d, %Q)", g, compare_group_names[g]);
        rc = sql ? sqlite3_exec(*mem, sql, NULL, NULL, &err) : SQLITE_NOMEM;
        sqlite3_free(sql);
    }
    if (rc == SQLITE_OK) return 0;
    rc = cli_error("compare", "in-memory database: %s", err ? err : sqlite3_errmsg(*mem));
    sqlite3_free(err);
    return rc;
}

/* Reads the facts of trace PATH as SIDE; PRODUCER gets its meta.producer ("libgort" when the
 * trace does not say). */
static int read_side(const cmp_args *a, sqlite3 *mem, int side, char *producer, size_t size) {
    sqlite3 *db;
    int rc = vt_open("compare", a->path[side], a->timeout, &db);
    if (rc) return rc;
    sqlite3_stmt *st = NULL;
    snprintf(producer, size, "libgort");
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'producer'", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(producer, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    cmp_scope *scope = NULL;
    rc = compare_scope_read("compare", a->path[side], db, a->program, &scope);
    if (!rc) rc = compare_read_facts("compare", db, mem, side, a->groups, scope);
    sqlite3_close(db);
    compare_scope_free(scope);
    return rc;
}

/* Judges every fact into table results (judge_sql) with A's tolerances. */
static int judge(sqlite3 *mem, const cmp_args *a) {
    sqlite3_stmt *st = vt_prepare("compare", mem, judge_sql);
    if (!st) return GORT_EXIT_USAGE;
    sqlite3_bind_double(st, 1, a->count_tol);
    if (a->time_rel >= 0) sqlite3_bind_double(st, 2, a->time_rel);
    if (a->time_abs >= 0) sqlite3_bind_int64(st, 3, a->time_abs);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : vt_sql_error("compare", mem, "comparing");
}

/* Counts the judged facts by result into N: same, within, unjudged, differs. */
static int count_results(sqlite3 *mem, long n[4]) {
    static const char *const results[] = { "same", "within", "unjudged", "differs" };
    sqlite3_stmt *st = vt_prepare("compare", mem, "SELECT result, count(*) FROM results GROUP BY result");
    if (!st) return GORT_EXIT_USAGE;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(st, 0);
        for (int k = 0; k < 4; k++)
            if (r && !strcmp(r, results[k])) n[k] = (long)sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : vt_sql_error("compare", mem, "counting results");
}

/* Prints the facts in the chosen format: in a table, which trace is a and which b first, and
 * a line counting each judgement last (the rows only when some differ, or with --all).
 * Returns the exit status: 0 no fact differs, 1 some do, 2 on failure. */
static int report(sqlite3 *mem, const cmp_args *a, const char producers[2][64]) {
    bool table = a->format == VOUT_TABLE;
    long n[4] = { 0 };
    int rc = count_results(mem, n);
    if (rc) return rc;
    vout_file vf; /* printed whole or not at all (output.c's spool) */
    if ((rc = vout_file_open("compare", NULL, NULL, &vf))) return rc;
    FILE *out = vf.f;
    if (table)
        for (int s = 0; s < 2; s++) fprintf(out, "%c: %s (%s)\n", 'a' + s, a->path[s], producers[s]);
    if (!table || a->all || n[3]) {
        if (table) putc('\n', out);
        sqlite3_stmt *st = vt_prepare("compare", mem, list_sql);
        if (!st) rc = GORT_EXIT_USAGE;
        if (st) sqlite3_bind_int(st, 1, a->all);
        if (st && table) sqlite3_bind_text(st, 2, "", -1, SQLITE_STATIC);
        if (st) rc = vout_query("compare", st, a->format, out, NULL, NULL);
        sqlite3_finalize(st);
        if (table) putc('\n', out);
    }
    if (table) {
        fprintf(out, "%ld facts: %ld same, %ld within tolerance, %ld differ", n[0] + n[1] + n[2] + n[3],
                n[0], n[1], n[3]);
        if (n[2]) fprintf(out, ", %ld timing figures unjudged (no --tolerance)", n[2]);
        fprintf(out, "\n");
    }
    rc = vout_file_close("compare", &vf, rc == 0) ? GORT_EXIT_USAGE : rc;
    if (rc) return rc;
    return n[3] ? GORT_EXIT_FINDING : GORT_EXIT_OK;
}

/* gort compare: parses the command line, reads the facts of both traces, prints what
 * differs. Returns 0 when the traces agree, 1 when they differ, 2 on bad input. */
static int cmd_compare(int argc, char **argv) {
    cmp_args a = { .groups = (1u << CMP_NGROUPS) - 1, .time_rel = -1, .time_abs = -1,
                   .format = VOUT_TABLE, .timeout = VIEWER_DEFAULT_TIMEOUT_NS };
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc < 0 ? GORT_EXIT_OK : rc;
    sqlite3 *mem = NULL;
    char producers[2][64];
    rc = open_facts_db(&mem);
    for (int s = 0; s < 2 && !rc; s++) rc = read_side(&a, mem, s, producers[s], sizeof producers[s]);
    if (!rc && sqlite3_exec(mem, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = vt_sql_error("compare", mem, "storing the facts");
    if (!rc) rc = judge(mem, &a);
    if (!rc) rc = report(mem, &a, producers);
    sqlite3_close(mem);
    return rc;
}
