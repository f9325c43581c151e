/*
 * record.c — `gort record`: run a program linked with libgort and store its events in SQLite.
 *
 *   gort record [-o FILE] [--force] [--stack-depth N | --no-stacks] [--profile-hz N]
 *               [--buffer SIZE] [--drop] -- PROGRAM [ARGS...]
 *
 * The run, in order: check the options, the program and the output (any problem is one line
 * and exit status 125, 126 or 127 as env(1)'s, before anything is created); create the shared region (region.c) and the
 * database under a temporary name next to the output (outfile.c, db.c); start the program with the
 * region's descriptor in GORT_TRACE_FD and a close-on-exec pipe that reports a failed exec;
 * drain the rings into the database until the program has ended (drain.c, ingest.c); drain
 * once more after its death, which is when a crashed program's last events are read;
 * symbolize, derive the summary tables, write meta, and rename the file into place. The exit
 * status is the program's (128 + signal when a signal killed it); gort record's own failures
 * are 125 (126: the program cannot be run, 127: not found), so they never pass for its.
 *
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT are blocked in the recorder and read from a signalfd:
 * each is passed on to the program, and the recorder keeps draining until the program ends,
 * so a Ctrl-C still yields a complete trace of what ran.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "tracer.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CMD "record"
#define DEFAULT_OUTPUT "gort.db"
#define DEFAULT_BUFFER (4u << 20)
#define DEFAULT_DEPTH 32
#define MAX_DEPTH 128
/* Events are given ids once they are this old: threads have had that long to publish what
 * they stamped earlier, so ids follow time across threads too (see drain.c). */
#define ORDER_LAG_NS 1000000
#define NRINGS 1024 /* threads emitting at once (the region is sparse: untouched rings cost nothing) */

typedef struct record_args {
    rec_options opt;
    const char *output;
    bool force;
    bool replaces;     /* the output is an existing regular file --force replaces */
    char **prog_argv;  /* PROGRAM ARGS..., NULL-terminated (argv's tail) */
    char prog_path[4096];
} record_args;

/* A run in progress. */
typedef struct run {
    rec_region region;
    trace_db db;
    ingest *ing;
    drain_stats st;
    char tmp_path[4200];
    int tmp_lock;                /* the temporary, flock'ed while this recorder lives (outfile.c) */
    pid_t pid;                   /* the program, 0 once reaped */
    pid_t program_pid;           /* for meta */
    int sigfd;
    sigset_t old_mask;
    uint64_t start_ns, end_ns;   /* CLOCK_MONOTONIC */
    time_t started_at;
    int status;                  /* waitpid's */
    int exec_errno;              /* why the program could not be started, 0 if it was */
} run;

static const cli_optdoc record_options[] = {
    { CLI_OPT_OUTPUT, NULL, "trace file to write (default " DEFAULT_OUTPUT ")" },
    { CLI_OPT_FORCE, NULL, "replace FILE if it exists (only a regular file is ever replaced: a\ndevice, FIFO, socket, directory or symbolic link is refused)" },
    { CLI_OPT_STACK_DEPTH, NULL, "frames captured per event, 1 to 128 (default 32)" },
    { CLI_OPT_NO_STACKS, NULL, "capture no stacks" },
    { CLI_OPT_PROFILE_HZ, NULL, "also sample running threads' stacks N times per CPU second\n"
                                "(0 to 10000; gort flame --kind cpu_sample draws them)" },
    { CLI_OPT_BUFFER, NULL, "ring buffer per thread, 4K to 1G, e.g. 64K, 4M (default 4M)" },
    { CLI_OPT_DROP, NULL, "never make the program wait on a full buffer; count losses" },
    { 0 },
};

static int cmd_record(int argc, char **argv);

const cli_command cli_cmd_record = {
    .name = "record",
    .run = cmd_record,
    .summary = "run a program linked with libgort and store its events in SQLite",
    .synopsis = "[-o FILE] [--force] [--stack-depth N | --no-stacks] [--profile-hz N]\n"
                " [--buffer SIZE] [--drop] [--] PROGRAM [ARGS...]",
    .operands = "PROGRAM FILE ...",
    .min_operands = 1,
    .max_operands = -1,
    .options_first = true,
    .description =
        "Runs PROGRAM (linked with libgort) and stores every event it emits in a SQLite\n"
        "trace: tables described in schema.md (docs/schema.md, installed in\n"
        "PREFIX/share/doc/gort). Prints a summary line on stderr. Options end at PROGRAM:\n"
        "the words after it are its own. SIGINT, SIGTERM, SIGHUP and SIGQUIT are passed on\n"
        "to PROGRAM, and every event up to its end is kept.",
    .options = record_options,
    .exit_status =
        "PROGRAM's exit status, or 128+N when signal N killed it. gort record's own\n"
        "failures use other statuses, as env(1) and timeout(1) do, so they are never\n"
        "mistaken for the program's:\n"
        "  125  gort record failed: a bad option, an output it cannot write, a recorder error\n"
        "  126  PROGRAM was found but cannot be run (not executable, not a program)\n"
        "  127  PROGRAM was not found",
    .example = "gort record -o trace.db --profile-hz 999 -- ./prog --its-own-flag",
};

/* Takes one option into the record_args at CTX; reports a bad value. */
static int record_option(void *ctx, int id, const char *v) {
    record_args *a = ctx;
    int64_t n;
    uint64_t size;
    switch (id) {
    case CLI_OPT_OUTPUT:
        if (!*v) return cli_error(CMD, "the output file name is empty");
        a->output = v;
        return 0;
    case CLI_OPT_FORCE: a->force = true; return 0;
    case CLI_OPT_DROP: a->opt.drop = true; return 0;
    case CLI_OPT_NO_STACKS: a->opt.stack_depth = 0; return 0;
    case CLI_OPT_STACK_DEPTH:
        if (!cli_parse_int(v, 1, MAX_DEPTH, &n))
            return cli_error(CMD, "--stack-depth wants a whole number from 1 to %d, not '%s'", MAX_DEPTH, v);
        a->opt.stack_depth = (uint32_t)n;
        return 0;
    case CLI_OPT_PROFILE_HZ:
        if (!cli_parse_int(v, 0, 10000, &n))
            return cli_error(CMD, "--profile-hz wants a whole number from 0 to 10000, not '%s'", v);
        a->opt.profile_hz = (uint32_t)n;
        return 0;
    case CLI_OPT_BUFFER:
        if (!cli_parse_size(v, &size) || size < 4096 || size > (1ull << 30))
            return cli_error(CMD, "--buffer wants a size from 4K to 1G, not '%s'", v);
        a->opt.ring_bytes = size;
        return 0;
    }
    return cli_error(CMD, "internal error: option %d", id);
}

/* Parses the options; returns -1 to go on, else the exit status (0 after --help). */
static int parse_args(int argc, char **argv, record_args *a) {
    memset(a, 0, sizeof *a);
    a->opt = (rec_options){ DEFAULT_BUFFER, NRINGS, DEFAULT_DEPTH, 0, false };
    /* GORT_RECORD_RINGS: fewer rings, to test what happens when threads outnumber them. */
    int64_t rings;
    const char *env = getenv("GORT_RECORD_RINGS");
    if (env && cli_parse_int(env, 1, NRINGS, &rings)) a->opt.nrings = (uint32_t)rings;
    a->output = DEFAULT_OUTPUT;
    int first;
    int rc = cli_parse(&cli_cmd_record, argc, argv, record_option, a, &first);
    if (rc >= 0) return rc;
    a->prog_argv = argv + first;
    return -1;
}

/* Finds the program as execvp would (PATH when the name has no slash) and checks that it is
 * an executable file. Returns -1 to go on, else the exit status (127 not found, 126 not
 * executable). */
static int resolve_program(record_args *a) {
    const char *name = a->prog_argv[0];
    struct stat sb;
    if (strchr(name, '/')) {
        snprintf(a->prog_path, sizeof a->prog_path, "%s", name);
    } else {
        const char *path = getenv("PATH");
        bool found = false;
        while (path && *path && !found) {
            const char *end = strchr(path, ':');
            size_t len = end ? (size_t)(end - path) : strlen(path);
            snprintf(a->prog_path, sizeof a->prog_path, "%.*s/%s", (int)len,
                     len ? path : ".", name);
            found = stat(a->prog_path, &sb) == 0 && S_ISREG(sb.st_mode);
            path = end ? end + 1 : NULL;
        }
        if (!found) return cli_error(CMD, "no such program: %s", name), GORT_EXIT_NOT_FOUND;
    }
    if (stat(a->prog_path, &sb) != 0) return cli_error(CMD, "no such program: %s", name), GORT_EXIT_NOT_FOUND;
    if (!S_ISREG(sb.st_mode) || access(a->prog_path, X_OK) != 0)
        return cli_error(CMD, "not an executable file: %s", name), GORT_EXIT_CANNOT_RUN;
    return -1;
}

/* CLOCK_MONOTONIC in ns. */
static uint64_t mono_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Blocks the signals the recorder forwards and opens a signalfd for them. */
static bool take_signals(run *r) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGQUIT);
    if (sigprocmask(SIG_BLOCK, &set, &r->old_mask) != 0) return false;
    r->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    return r->sigfd >= 0;
}

/* Passes any pending forwarded signal on to the program. */
static void forward_signals(run *r) {
    struct signalfd_siginfo si;
    while (read(r->sigfd, &si, sizeof si) == (ssize_t)sizeof si) kill(r->pid, (int)si.ssi_signo);
}

/* Starts the program with the region's fd in its environment. False with err set when it
 * could not be started (the exec error comes back through a close-on-exec pipe). */
static bool start_program(run *r, record_args *a, char *err, size_t errlen) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return false;
    }
    char fdnum[16];
    snprintf(fdnum, sizeof fdnum, "%d", r->region.fd);
    r->start_ns = mono_now();
    r->started_at = time(NULL);
    r->pid = fork();
    if (r->pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return false;
    }
    r->program_pid = r->pid;
    if (r->pid == 0) {
        sigprocmask(SIG_SETMASK, &r->old_mask, NULL);
        setenv(GORT_REC_ENV, fdnum, 1);
        execv(a->prog_path, a->prog_argv);
        int e = errno;
        if (write(p[1], &e, sizeof e) < 0) _exit(127);
        _exit(127);
    }
    close(p[1]);
    int e = 0;
    ssize_t n;
    while ((n = read(p[0], &e, sizeof e)) < 0 && errno == EINTR) {}
    close(p[0]);
    if (n == (ssize_t)sizeof e) {
        r->exec_errno = e;
        waitpid(r->pid, NULL, 0);
        r->pid = 0;
        snprintf(err, errlen, "cannot run %s: %s", a->prog_argv[0], strerror(e));
        return false;
    }
    return true;
}

/* Rewrites the live status line on a terminal: events so far and the recent rate. */
static void live_line(uint64_t events, double rate) {
    fprintf(stderr, "\rgort record: %llu events, %.0f events/s\033[K", (unsigned long long)events,
            rate);
}

/* Drains until the program has ended, forwarding signals. False on a database error. */
static bool drain_while_running(run *r) {
    bool tty = isatty(STDERR_FILENO);
    uint64_t last_show = mono_now(), last_events = 0;
    for (;;) {
        uint64_t now = region_now(&r->region);
        uint64_t got = drain_once(&r->region, r->ing, &r->st, now > ORDER_LAG_NS ? now - ORDER_LAG_NS : 0);
        if (r->st.error || !db_maybe_commit(&r->db)) return false;
        forward_signals(r);
        pid_t w = waitpid(r->pid, &r->status, WNOHANG);
        if (w == r->pid) break;
        if (tty) {
            uint64_t now = mono_now();
            if (now - last_show >= 500000000u) {
                uint64_t ev = ingest_events(r->ing);
                live_line(ev, (double)(ev - last_events) * 1e9 / (double)(now - last_show));
                last_show = now;
                last_events = ev;
            }
        }
        if (got == 0) {
            struct timespec d = { 0, 200000 };
            nanosleep(&d, NULL);
        }
    }
    r->end_ns = mono_now();
    if (tty) fprintf(stderr, "\r\033[K");
    /* The program is gone: everything it committed is in the rings now. */
    while (drain_once(&r->region, r->ing, &r->st, UINT64_MAX) > 0)
        if (r->st.error) return false;
    return !r->st.error && drain_finish(&r->region, r->ing, &r->st);
}

/* Shell-quotes the program's command line for meta. */
static char *command_line(char **argv) {
    size_t cap = 64, len = 0;
    char *s = malloc(cap);
    if (!s) return NULL;
    s[0] = 0;
    for (int i = 0; argv[i]; i++) {
        bool plain = argv[i][0] && strspn(argv[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                   "0123456789_-./=:,+%@") == strlen(argv[i]);
        size_t need = len + strlen(argv[i]) * 4 + 4;
        if (need > cap) {
            cap = need * 2;
            char *t = realloc(s, cap);
            if (!t) {
                free(s);
                return NULL;
            }
            s = t;
        }
        if (i) s[len++] = ' ';
        if (plain) {
            len += (size_t)sprintf(s + len, "%s", argv[i]);
        } else {
            s[len++] = '\'';
            for (const char *c = argv[i]; *c; c++) {
                if (*c == '\'') {
                    memcpy(s + len, "'\\''", 4);
                    len += 4;
                } else {
                    s[len++] = *c;
                }
            }
            s[len++] = '\'';
            s[len] = 0;
        }
    }
    return s;
}

/* How the program ended, for meta: "exit", "signal", "fatal error", "unrecovered panic". */
static const char *how_it_ended(run *r) {
    if (WIFSIGNALED(r->status)) return "signal";
    sqlite3_stmt *s;
    const char *how = "exit";
    if (sqlite3_prepare_v2(r->db.db,
                           "SELECT arg0 FROM events WHERE kind = 'fatal' ORDER BY id DESC LIMIT 1",
                           -1, &s, NULL) != SQLITE_OK)
        return how;
    if (sqlite3_step(s) == SQLITE_ROW)
        how = sqlite3_column_int(s, 0) == 2 ? "unrecovered panic" : "fatal error";
    sqlite3_finalize(s);
    return how;
}

/* The exit status gort record passes on. */
static int exit_status_of(int status) {
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* Writes the meta rows. */
static bool write_meta(run *r, record_args *a) {
    trace_db *d = &r->db;
    char *cmd = command_line(a->prog_argv);
    char when[32];
    struct tm tm;
    gmtime_r(&r->started_at, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int sig = WIFSIGNALED(r->status) ? WTERMSIG(r->status) : 0;
    char signame[32] = "";
    if (sig) {
        const char *abbrev = sigabbrev_np(sig);
        snprintf(signame, sizeof signame, "SIG%s", abbrev ? abbrev : "?");
    }
    bool ok = db_meta(d, "schema_version", "2") && db_meta(d, "command", cmd) &&
              db_meta(d, "program", a->prog_path) && db_meta_int(d, "pid", r->program_pid) &&
              db_meta(d, "started_at", when) &&
              db_meta(d, "clock", region_clock_name(&r->region)) &&
              db_meta_int(d, "duration_ns", (int64_t)(r->end_ns - r->start_ns)) &&
              db_meta_int(d, "events", (int64_t)ingest_events(r->ing)) &&
              db_meta_int(d, "events_lost", (int64_t)r->st.lost) &&
              db_meta_int(d, "producer_waits", (int64_t)r->st.waits) &&
              db_meta_int(d, "records_malformed", r->st.corrupt) &&
              db_meta_int(d, "exit_status", exit_status_of(r->status)) &&
              db_meta(d, "signal", sig ? signame : NULL) &&
              db_meta(d, "ended", how_it_ended(r)) &&
              db_meta_int(d, "stack_depth", r->region.h->stack_depth) &&
              db_meta_int(d, "profile_hz", r->region.h->profile_hz) &&
              db_meta(d, "drop", a->opt.drop ? "1" : "0") &&
              db_meta_int(d, "buffer_bytes", (int64_t)(r->region.h->ring_words * 8)) &&
              db_meta(d, "gort_version", GORT_VERSION);
    free(cmd);
    return ok;
}

/* Symbolizes, derives, writes meta, creates the indexes and commits. */
static bool finish_trace(run *r, record_args *a, char *err, size_t errlen) {
    const frame_ref *frames;
    size_t nframes = ingest_frames(r->ing, &frames);
    if (r->st.corrupt) fprintf(stderr, "gort record: warning: a ring held a malformed record\n");
    uint64_t unringed = atomic_load(&r->region.h->unringed_lost);
    if (unringed)
        fprintf(stderr, "gort record: warning: %llu events lost: more than %u threads emitted at once\n",
                (unsigned long long)unringed, r->region.h->nrings);
    if (!symbolize_frames(&r->db, r->region.h, frames, nframes, err, errlen)) return false;
    if (!ingest_write_derived(r->ing) || !write_meta(r, a)) {
        snprintf(err, errlen, "database: %s", sqlite3_errmsg(r->db.db));
        return false;
    }
    trace_counts counts;
    ingest_counts(r->ing, &counts);
    if (!db_finish(&r->db, &counts, err, errlen)) return false;
    if (!db_meta_int(&r->db, "finish_ns", (int64_t)(mono_now() - r->end_ns))) {
        snprintf(err, errlen, "database: %s", sqlite3_errmsg(r->db.db));
        return false;
    }
    return db_exec(&r->db, "COMMIT", err, errlen);
}

/* Releases everything; removes the temporary file unless it was renamed. */
static void cleanup(run *r) {
    ingest_free(r->ing);
    r->ing = NULL;
    db_close(&r->db);
    if (r->tmp_path[0]) unlink(r->tmp_path);
    if (r->tmp_lock >= 0) close(r->tmp_lock);
    r->tmp_lock = -1;
    if (r->region.h) region_destroy(&r->region);
    if (r->sigfd >= 0) close(r->sigfd);
    sigprocmask(SIG_SETMASK, &r->old_mask, NULL);
}

/* Ends the run on a recorder error: the program is killed, nothing is left behind. */
static int fail_run(run *r, const char *msg) {
    if (r->pid > 0) {
        kill(r->pid, SIGKILL);
        waitpid(r->pid, NULL, 0);
    }
    cleanup(r);
    cli_error(CMD, "%s", msg);
    return GORT_EXIT_RECORD_FAILED;
}

/* gort record: returns the program's exit status (128 + signal), or env(1)'s statuses for
 * its own failures: 125 bad input or a recorder error (then the program is killed and no file
 * is left), 126 the program cannot be run, 127 it was not found. */
static int cmd_record(int argc, char **argv) {
    record_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0) return rc ? GORT_EXIT_RECORD_FAILED : GORT_EXIT_OK;
    rc = resolve_program(&a);
    if (rc >= 0) return rc;
    if (out_check(CMD, a.output, a.force, &a.replaces) >= 0) return GORT_EXIT_RECORD_FAILED;

    run r;
    memset(&r, 0, sizeof r);
    r.sigfd = -1;
    r.region.fd = -1;
    r.tmp_lock = -1;
    char err[512];
    sigprocmask(SIG_SETMASK, NULL, &r.old_mask);
    if (!region_create(&r.region, &a.opt, err, sizeof err)) return fail_run(&r, err);
    if (!out_temp_create(CMD, a.output, r.tmp_path, sizeof r.tmp_path, &r.tmp_lock, err, sizeof err)) {
        r.tmp_path[0] = 0;
        return fail_run(&r, err);
    }
    if (!db_create(&r.db, r.tmp_path, err, sizeof err)) return fail_run(&r, err);
    r.ing = ingest_new(&r.db);
    if (!r.ing) return fail_run(&r, "out of memory");
    if (!take_signals(&r)) return fail_run(&r, "cannot set up signal handling");
    if (!start_program(&r, &a, err, sizeof err)) {
        int e = r.exec_errno;
        fail_run(&r, err);
        return e == ENOENT ? GORT_EXIT_NOT_FOUND : e ? GORT_EXIT_CANNOT_RUN : GORT_EXIT_RECORD_FAILED;
    }
    if (!drain_while_running(&r)) {
        snprintf(err, sizeof err, "database: %s", sqlite3_errmsg(r.db.db));
        return fail_run(&r, err);
    }
    r.pid = 0; /* reaped */
    bool tty = isatty(STDERR_FILENO);
    if (tty) /* indexing ten million events takes seconds: say what is going on */
        fprintf(stderr, "gort record: %llu events, writing indexes\033[K",
                (unsigned long long)ingest_events(r.ing));
    bool finished = finish_trace(&r, &a, err, sizeof err);
    if (tty) fprintf(stderr, "\r\033[K");
    if (!finished) return fail_run(&r, err);
    db_close(&r.db);
    if (!out_put_in_place(r.tmp_path, a.output, a.replaces, err, sizeof err)) return fail_run(&r, err);
    r.tmp_path[0] = 0;
    fprintf(stderr, "gort record: %llu events, %llu lost, %.3f s, %s\n",
            (unsigned long long)ingest_events(r.ing), (unsigned long long)r.st.lost,
            (double)(r.end_ns - r.start_ns) / 1e9, a.output);
    int status = exit_status_of(r.status);
    cleanup(&r);
    return status;
}
