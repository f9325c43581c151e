/*
 * record.c — `gort record`: run a program linked with libgort (or built by `gort go build`) and
 * store its events in SQLite.
 *
 *   gort record [-o FILE] [--force] [--stack-depth N | --no-stacks] [--profile-hz N]
 *               [--buffer SIZE] [--drop] -- PROGRAM [ARGS...]
 *   gort record --recover FILE
 *
 * The run, in order: check the options, the program and the output (any problem is one line
 * and exit status 125, 126 or 127 as env(1)'s, before anything is created); calibrate the clock and create the shared
 * region (region.c), the raw file OUTPUT.gort-raw (raw.c) and the database under a temporary
 * name next to the output (outfile.c, db.c); start the load thread (load.c); start the program with the
 * region's descriptor in GORT_TRACE_FD — time zero is set in the child just before execve —
 * and a close-on-exec pipe that reports a failed exec.
 *
 * Two threads then share the work, so that the program never waits for SQLite. This one, the
 * drain, moves committed ring data to the raw file and nothing else (drain.c), sleeping on the
 * region's futex word when there is nothing to move (a producer about to wait wakes it); it
 * also forwards signals and reaps the program. The load thread, at a lower priority, follows
 * it through the raw file turning records into rows (load.c, ingest.c, derive.c). When the
 * program has ended — which is when a crashed program's last events are read — the drain
 * writes the end of the raw file, the load thread catches up, and the finish (record_finish:
 * symbols, summary tables, meta, indexes) completes the trace, which is renamed into place;
 * the raw file and the region are removed. The exit status is the program's (128 + signal
 * when a signal killed it); gort record's own failures are 125 (126: the program cannot be
 * run, 127: not found), so they never pass for its.
 *
 * If the recorder itself dies, the raw file and the region stay: `gort record --recover FILE`
 * (recover.c) finishes the trace from them.
 *
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT are blocked in the recorder and read from a signalfd.
 * One the terminal sent (Ctrl-C) has reached the program already, as it reaches every process
 * of the foreground group: it is not sent again. One sent to the recorder alone (kill) is
 * passed on. Either way the recorder keeps draining until the program ends, so the trace
 * holds every event up to the end.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "tracer.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CMD "record"
#define DEFAULT_OUTPUT "gort.db"
#define DEFAULT_BUFFER (4u << 20)
#define DEFAULT_DEPTH 32
#define MAX_DEPTH 128
/* Records get ids in time order once they are this old: threads have had that long to publish
 * what they stamped earlier (drain.c, load.c). */
#define ORDER_LAG_NS 1000000
#define NRINGS 1024 /* threads emitting at once (the region is sparse: untouched rings cost nothing) */
/* The drain's sleep when the rings are empty grows from the first to the second (a producer
 * that must wait wakes it at once through the futex). */
#define IDLE_MIN_NS 50000
#define IDLE_MAX_NS 2000000
/* After a pass that found a ring filling fast, the drain polls (yielding) this long before it
 * sleeps: the ring will have more soon, and its thread may be waiting for the space. */
#define BUSY_POLL_NS 200000
/* The load thread's nice value while the program runs: the program and the drain come first. */
#define LOAD_NICE 10

typedef struct record_args {
    rec_options opt;
    const char *output;
    const char *recover;  /* --recover FILE */
    bool force;
    bool replaces;     /* the output is an existing regular file --force replaces */
    char **prog_argv;  /* PROGRAM ARGS..., NULL-terminated (argv's tail) */
    char prog_path[4096];
} record_args;

/* A run in progress. */
typedef struct run {
    rec_region region;
    raw_writer raw;
    char raw_path[4200];
    trace_db db;
    char tmp_path[4200];
    int tmp_lock;                /* the temporary, flock'ed while this recorder lives (outfile.c) */
    pid_t pid;                   /* the program, 0 once reaped */
    pid_t program_pid;
    int sigfd;
    int life_fd;                 /* the write end of the program's life pipe */
    sigset_t old_mask;
    time_t started_at;
    int status;                  /* waitpid's */
    int exec_errno;              /* why the program could not be started, 0 if it was */
    uint64_t end_mono;           /* CLOCK_MONOTONIC at the program's end (for finish_ns) */
    /* the load thread and what it shares with the drain (under mu) */
    raw_reader rd;
    ingest *ing;
    loader *load;
    pthread_t load_thread;
    bool load_started;
    pid_t load_tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t published;          /* raw file bytes the load thread may read */
    bool stop;                   /* no more will be published */
    _Atomic bool load_failed;
    _Atomic uint64_t loaded_events; /* for the live status line */
    uint64_t load_cpu_ns;        /* the load thread's CPU time up to END */
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
    { CLI_OPT_RECOVER, NULL, "finish the trace FILE of a gort record that was killed, from\n"
                             "FILE.gort-raw (what it had drained; the rest counted lost)" },
    { 0 },
};

static int cmd_record(int argc, char **argv);

const cli_command cli_cmd_record = {
    .name = "record",
    .run = cmd_record,
    .summary = "run a program linked with libgort and store its events in SQLite",
    .synopsis = "[-o FILE] [--force] [--stack-depth N | --no-stacks] [--profile-hz N]\n"
                " [--buffer SIZE] [--drop] [--] PROGRAM [ARGS...]\n"
                "--recover FILE [--force]",
    .operands = "PROGRAM FILE ...",
    .min_operands = 0,
    .max_operands = -1,
    .options_first = true,
    .description =
        "Runs PROGRAM (linked with libgort, or a Go program built by gort go build) and\n"
        "stores every event it emits in a SQLite trace: tables described in schema.md\n"
        "(docs/schema.md, installed in PREFIX/share/doc/gort). Prints a summary line on\n"
        "stderr, and a warning when PROGRAM emitted no events. Options end at PROGRAM:\n"
        "the words after it are its own. SIGINT, SIGTERM, SIGHUP and SIGQUIT reach PROGRAM\n"
        "(once: Ctrl-C's, from the terminal, already has), and every event up to its end is\n"
        "kept.\n"
        "\n"
        "While PROGRAM runs, its events go to FILE.gort-raw beside FILE, which is turned\n"
        "into the trace beside PROGRAM and after it ends, and then removed: PROGRAM never\n"
        "waits for SQLite, and a wait it does make for the recorder is recorded (a\n"
        "recorder stall). If gort record itself is killed, --recover FILE finishes the\n"
        "trace from what it left (replacing an existing FILE only with --force, as the\n"
        "recording would have).",
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
    case CLI_OPT_RECOVER:
        if (!*v) return cli_error(CMD, "the file name to recover is empty");
        a->recover = v;
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
    if (a->recover) {
        if (first < argc)
            return cli_error(CMD, "--recover takes no program (gort record --recover FILE)");
        return -1;
    }
    if (first >= argc) return cli_error(CMD, "needs a PROGRAM (see gort record --help)");
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

/* Refuses an output that is not ours to replace (outfile.c: only a regular file, and that with
 * --force) and a raw file left beside it (a recording in progress, or one to recover).
 * Returns -1 to go on. */
static int check_output(record_args *a) {
    struct stat sb;
    int rc = out_check(CMD, a->output, a->force, &a->replaces);
    if (rc >= 0) return rc;
    char raw[4200];
    snprintf(raw, sizeof raw, "%s%s", a->output, RAW_SUFFIX);
    if (lstat(raw, &sb) == 0 && !S_ISREG(sb.st_mode))
        return cli_error(CMD, "%s is %s, not a raw file of gort record: remove it or choose "
                         "another output", raw, out_file_kind(sb.st_mode));
    if (lstat(raw, &sb) == 0)
        return cli_error(CMD, "%s exists: a recording to %s is running or was interrupted "
                         "(finish it with gort record --recover %s)", raw, a->output, a->output);
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

/* Passes pending signals on to the program: those sent to the recorder alone. A signal the
 * terminal sent (Ctrl-C: si_code SI_KERNEL) went to the whole foreground process group, the
 * program included unless it left our group: sending it again would make it two. */
static void forward_signals(run *r) {
    struct signalfd_siginfo si;
    while (read(r->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (r->pid <= 0) continue;
        if (si.ssi_code == SI_KERNEL && getpgid(r->pid) == getpgrp()) continue;
        kill(r->pid, (int)si.ssi_signo);
    }
}

/* Starts the program with the region's fd in its environment; time zero is set in the child
 * just before execve. False with err set when it could not be started (the exec error comes
 * back through a close-on-exec pipe). Called while the recorder has one thread. */
static bool start_program(run *r, record_args *a, char *err, size_t errlen) {
    int p[2], life[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return false;
    }
    /* The program's sign of our death: a pipe whose write end only we hold. */
    if (pipe2(life, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return false;
    }
    r->region.h->life_fd = life[0] > 0 ? life[0] : -1; /* 0: as an older region's zero */
    char fdnum[16];
    snprintf(fdnum, sizeof fdnum, "%d", r->region.fd);
    r->started_at = time(NULL);
    r->pid = fork();
    if (r->pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        close(life[0]);
        r->life_fd = life[1];
        return false;
    }
    r->program_pid = r->pid;
    if (r->pid == 0) {
        sigprocmask(SIG_SETMASK, &r->old_mask, NULL);
        fcntl(life[0], F_SETFD, 0); /* the read end goes to the program */
        setenv(GORT_REC_ENV, fdnum, 1);
        region_set_zero(&r->region);
        execv(a->prog_path, a->prog_argv);
        int e = errno;
        if (write(p[1], &e, sizeof e) < 0) _exit(127);
        _exit(127);
    }
    close(p[1]);
    close(life[0]);
    r->life_fd = life[1]; /* kept open until we exit, whichever way */
    int e = 0;
    ssize_t n;
    while ((n = read(p[0], &e, sizeof e)) < 0 && errno == EINTR) {}
    close(p[0]);
    if (n == (ssize_t)sizeof e) {
        waitpid(r->pid, NULL, 0);
        r->pid = 0;
        r->exec_errno = e;
        snprintf(err, errlen, "cannot run %s: %s", a->prog_argv[0], strerror(e));
        return false;
    }
    return true;
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

/* Writes a SESSION chunk: who records what, into which database. The first is written before
 * the program starts (program_pid 0), so a raw file left by a recorder killed at any moment
 * after it names its region and temporary and --recover can finish it; the second, once the
 * program runs, adds its pid (a reader keeps the last). */
static bool write_session(run *r, record_args *a) {
    char *cmd = command_line(a->prog_argv);
    if (!cmd) return false;
    size_t lp = strlen(a->prog_path) + 1, lc = strlen(cmd) + 1, lt = strlen(r->tmp_path) + 1;
    size_t bytes = sizeof(raw_session) + lp + lc + lt;
    size_t words = (bytes + 7) / 8;
    uint64_t *buf = calloc(words, 8);
    if (!buf) {
        free(cmd);
        return false;
    }
    raw_session *s = (raw_session *)buf;
    s->magic = RAW_MAGIC;
    s->version = RAW_VERSION;
    s->recorder_pid = (int32_t)getpid();
    s->program_pid = (int32_t)r->program_pid;
    s->nrings = r->region.h->nrings;
    s->started_at = (int64_t)r->started_at;
    snprintf(s->shm_name, sizeof s->shm_name, "%s", r->region.shm_name);
    s->strings_len = lp + lc + lt;
    char *p = (char *)(s + 1);
    memcpy(p, a->prog_path, lp);
    memcpy(p + lp, cmd, lc);
    memcpy(p + lp + lc, r->tmp_path, lt);
    bool ok = raw_add(&r->raw, RAW_SESSION, 0, 0, 0, buf, words, NULL, 0) && raw_flush(&r->raw);
    free(buf);
    free(cmd);
    return ok;
}

/* Tells the load thread how much of the raw file it may read (and, with stop, that no more
 * will come). */
static void publish(run *r, bool stop) {
    pthread_mutex_lock(&r->mu);
    r->published = r->raw.size;
    if (stop) r->stop = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

/* The CPU time of the calling thread, ns. */
static uint64_t thread_cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The load thread: loads what the drain publishes until END (or stop); sets load_failed on
 * a database error. Runs niced while the program runs (the drain raises it again after). */
static void *load_main(void *arg) {
    run *r = arg;
    pthread_mutex_lock(&r->mu);
    r->load_tid = (pid_t)syscall(SYS_gettid);
    pthread_mutex_unlock(&r->mu);
    setpriority(PRIO_PROCESS, (id_t)r->load_tid, LOAD_NICE);
    uint64_t done = 0;
    bool ok = true;
    for (;;) {
        pthread_mutex_lock(&r->mu);
        while (r->published == done && !r->stop) pthread_cond_wait(&r->cv, &r->mu);
        uint64_t upto = r->published;
        bool stop = r->stop;
        pthread_mutex_unlock(&r->mu);
        if (upto > done) {
            ok = load_until(r->load, upto);
            done = upto;
            atomic_store(&r->loaded_events, ingest_events(r->ing));
            if (!ok) break;
        }
        if (loader_facts(r->load)->ended || (stop && upto == done)) break;
    }
    r->load_cpu_ns = thread_cpu_ns();
    if (!ok) atomic_store(&r->load_failed, true);
    return NULL;
}

/* Starts the load thread (signals stay blocked in it: it inherits the mask). */
static bool start_loader(run *r) {
    if (pthread_create(&r->load_thread, NULL, load_main, r) != 0) return false;
    r->load_started = true;
    return true;
}

/* Ends the load thread: no more data; waits for it. */
static void stop_loader(run *r) {
    if (!r->load_started) return;
    publish(r, true);
    pthread_join(r->load_thread, NULL);
    r->load_started = false;
}

/* Rewrites the live status line on a terminal: events loaded and the recent rate. */
static void live_line(uint64_t events, double rate, uint64_t raw_bytes) {
    fprintf(stderr, "\rgort record: %llu events, %.0f events/s, %.0f MB drained\033[K",
            (unsigned long long)events, rate, (double)raw_bytes / 1e6);
}

/* Sleeps up to ns, or until a producer that is about to wait bumps the futex word from seen. */
static void idle_wait(run *r, uint32_t seen, long ns) {
    struct timespec d = { 0, ns };
    syscall(SYS_futex, &r->region.h->drain_wake, FUTEX_WAIT, seen, &d, NULL, 0);
}

/* Drains until the program has ended, forwarding signals; then writes the raw file's end and
 * lets the load thread finish. False on a write error (errno) or a load error. */
static bool drain_while_running(run *r) {
    gort_rec_header *h = r->region.h;
    bool tty = isatty(STDERR_FILENO), region_written = false;
    uint64_t last_show = mono_now(), last_events = 0;
    drain_stats st = { 0 };
    long idle = IDLE_MIN_NS;
    uint64_t busy_until = 0; /* CLOCK_MONOTONIC until which the drain polls instead of sleeping */
    for (;;) {
        uint32_t seen = atomic_load_explicit(&h->drain_wake, memory_order_acquire);
        uint64_t now = region_now(&r->region);
        uint64_t got = drain_pass(&r->region, &r->raw, now > ORDER_LAG_NS ? now - ORDER_LAG_NS : 0, &st);
        if (st.error) break;
        if (!region_written && atomic_load(&h->producer_pid)) { /* attached: modules are there */
            region_written = true;
            if (!raw_add(&r->raw, RAW_REGION, 0, 0, 0, h, sizeof *h / 8, NULL, 0) ||
                !raw_flush(&r->raw)) {
                st.error = true;
                break;
            }
            got = 1;
        }
        if (got) publish(r, false);
        forward_signals(r);
        if (atomic_load(&r->load_failed)) break;
        if (waitpid(r->pid, &r->status, WNOHANG) == r->pid) {
            r->pid = 0;
            break;
        }
        if (tty && mono_now() - last_show >= 500000000u) {
            uint64_t t = mono_now(), ev = atomic_load(&r->loaded_events);
            live_line(ev, (double)(ev - last_events) * 1e9 / (double)(t - last_show), r->raw.size);
            last_show = t;
            last_events = ev;
        }
        /* Sleeping costs more than its length on a busy machine (a 50 us sleep can take a
         * millisecond to come back). So while a ring fills fast (a quarter of it in one pass)
         * the drain does not sleep, and for BUSY_POLL_NS after that it only yields: the ring's
         * thread may be about to wait for the space. A slower flow gets a short nap between
         * passes, and when nothing comes the naps grow (a producer about to wait wakes us). */
        if (got) {
            idle = IDLE_MIN_NS;
            if (st.fullest * 4 >= h->ring_words) {
                busy_until = mono_now() + BUSY_POLL_NS;
                continue;
            }
            idle_wait(r, seen, IDLE_MIN_NS);
        } else if (mono_now() < busy_until) {
            sched_yield();
        } else {
            idle_wait(r, seen, idle);
            if (idle < IDLE_MAX_NS) idle *= 2;
        }
    }
    r->end_mono = mono_now();
    uint64_t end_ns = region_now(&r->region);
    if (tty) fprintf(stderr, "\r\033[K");
    drain_stats_free(&st);
    if (st.error || atomic_load(&r->load_failed)) return false;
    /* The program is gone: everything it committed is in the rings now. */
    raw_end end = { end_ns, r->status, 0, atomic_load(&h->unringed_lost),
                    atomic_load(&h->orphaned_ns) };
    if (!drain_end(&r->region, &r->raw, &end)) return false;
    pthread_mutex_lock(&r->mu);
    pid_t load_tid = r->load_tid;
    pthread_mutex_unlock(&r->mu);
    if (load_tid) setpriority(PRIO_PROCESS, (id_t)load_tid, 0); /* may be refused: fine */
    stop_loader(r);
    return !atomic_load(&r->load_failed);
}

/* How the program ended, for meta: "exit", "signal", "fatal error", "unrecovered panic", or
 * "unknown" (a recovered trace whose program was still running when the recorder died). */
static const char *how_it_ended(trace_db *d, int wait_status) {
    if (wait_status != -1 && WIFSIGNALED(wait_status)) return "signal";
    sqlite3_stmt *s;
    const char *how = wait_status == -1 ? "unknown" : "exit";
    if (sqlite3_prepare_v2(d->db,
                           "SELECT arg0 FROM events WHERE kind_id = 29 ORDER BY id DESC LIMIT 1",
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

/* The producer the program declared: "go1.19.8" (the Go hook), "libgort" (attached, no name),
 * or NULL when nothing attached (or the region is unknown). */
static const char *producer_name(const gort_rec_header *h, char *buf, size_t len) {
    if (!h || h->producer_pid == 0) return NULL;
    size_t n = strnlen(h->producer, sizeof h->producer);
    if (n == 0) return "libgort";
    snprintf(buf, len, "%.*s", (int)n, h->producer);
    return buf;
}

/* The trace time where a recovered trace ends: its last event's end or lost run's. */
static int64_t recovered_end(trace_db *d) {
    sqlite3_stmt *s;
    int64_t end = 0;
    if (sqlite3_prepare_v2(d->db,
                           "SELECT max((SELECT max(ts_ns + coalesce(dur_ns, 0)) FROM event_rows),"
                           " (SELECT coalesce(max(last_ns), 0) FROM lost))",
                           -1, &s, NULL) != SQLITE_OK)
        return 0;
    if (sqlite3_step(s) == SQLITE_ROW) end = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return end;
}

/* Writes the meta rows, from what the raw file said (the same for a recovered trace). The
 * figures about the recorder itself (events_lost, producer_waits, stalls, stall_ns,
 * attach_ns, load_cpu_ns) are the stats of issue 15's table to come. */
static bool write_meta(trace_db *d, ingest *g, const load_facts *f, const finish_info *fi) {
    const gort_rec_header *h = f->region;
    int ws = f->ended ? f->end.wait_status : -1;
    bool known = ws != -1;
    int sig = known && WIFSIGNALED(ws) ? WTERMSIG(ws) : 0;
    char signame[32] = "", when[32] = "";
    if (sig) {
        const char *abbrev = sigabbrev_np(sig);
        snprintf(signame, sizeof signame, "SIG%s", abbrev ? abbrev : "?");
    }
    if (f->session) {
        time_t t = (time_t)f->session->started_at;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    int64_t duration = f->ended && !(f->end.flags & RAW_END_RECOVERED) ? (int64_t)f->end.end_ns
                                                                        : recovered_end(d);
    uint64_t stalls, stall_ns;
    ingest_stalls(g, &stalls, &stall_ns);
    char exit_status[16];
    snprintf(exit_status, sizeof exit_status, "%d", known ? exit_status_of(ws) : 0);
    char prod[GORT_REC_PRODUCER_MAX + 1];
    return db_meta(d, "schema_version", "2") && db_meta(d, "command", f->command) &&
           db_meta(d, "producer", producer_name(h, prod, sizeof prod)) &&
           db_meta(d, "program", f->program) &&
           db_meta_int(d, "pid", f->session ? f->session->program_pid : 0) &&
           db_meta(d, "started_at", when) &&
           db_meta(d, "clock", region_clock_name(h)) &&
           db_meta_int(d, "duration_ns", duration) &&
           db_meta_int(d, "events", (int64_t)ingest_events(g)) &&
           db_meta_int(d, "events_lost", (int64_t)f->lost) &&
           db_meta_int(d, "producer_waits", (int64_t)f->waits) &&
           db_meta_int(d, "records_malformed", (int64_t)f->malformed) &&
           db_meta_int(d, "stalls", (int64_t)stalls) &&
           db_meta_int(d, "stall_ns", (int64_t)stall_ns) &&
           db_meta_int(d, "attach_ns", h ? (int64_t)h->attach_ns : 0) &&
           db_meta_int(d, "load_cpu_ns", (int64_t)fi->load_cpu_ns) &&
           db_meta_int(d, "raw_bytes", (int64_t)f->file_end) &&
           db_meta(d, "exit_status", known ? exit_status : NULL) &&
           db_meta(d, "signal", sig ? signame : NULL) &&
           db_meta(d, "ended", how_it_ended(d, ws)) &&
           db_meta_int(d, "stack_depth", h ? h->stack_depth : 0) &&
           db_meta_int(d, "profile_hz", h ? h->profile_hz : 0) &&
           db_meta(d, "drop", h && (h->flags & GORT_H_DROP) ? "1" : "0") &&
           db_meta_int(d, "buffer_bytes", h ? (int64_t)(h->ring_words * 8) : 0) &&
           db_meta(d, "recovered", fi->recovered ? "1" : "0") &&
           db_meta(d, "gort_version", GORT_VERSION);
}

/* Symbols, summary tables, meta, indexes, commit: a loaded trace made complete (tracer.h). */
bool record_finish(trace_db *d, ingest *g, loader *L, const finish_info *fi, char *err,
                   size_t errlen) {
    const load_facts *f = loader_facts(L);
    const frame_ref *frames;
    size_t nframes = ingest_frames(g, &frames);
    if (f->malformed)
        fprintf(stderr, "gort record: warning: %llu malformed records (dropped, each with what its "
                "thread had written after it)\n",
                (unsigned long long)f->malformed);
    if (ingest_events(g) == 0) /* one line: the program was probably not built for gort */
        fprintf(stderr, "gort record: warning: %s emitted no events (%s)\n",
                f->program && *f->program ? f->program : "the program",
                f->region && f->region->producer_pid
                    ? "it attached, but nothing it traces happened"
                    : "it is neither linked with libgort nor built by gort go build");
    if (f->ended && f->end.unringed_lost)
        fprintf(stderr, "gort record: warning: %llu events lost: more than %u threads emitted at "
                "once\n", (unsigned long long)f->end.unringed_lost, f->region ? f->region->nrings : 0);
    if (f->region && !symbolize_frames(d, f->region, frames, nframes, err, errlen)) return false;
    if (!ingest_write_derived(g) || !write_meta(d, g, f, fi)) {
        snprintf(err, errlen, "database: %s", sqlite3_errmsg(d->db));
        return false;
    }
    trace_counts counts;
    ingest_counts(g, &counts);
    if (!db_finish(d, &counts, err, errlen)) return false;
    if (!db_meta_int(d, "finish_ns", (int64_t)(mono_now() - fi->end_mono))) {
        snprintf(err, errlen, "database: %s", sqlite3_errmsg(d->db));
        return false;
    }
    return db_exec(d, "COMMIT", err, errlen);
}

/* Releases everything; removes the temporary database, the raw file and the region unless
 * the run completed (then the caller cleared the paths). */
static void cleanup(run *r) {
    stop_loader(r);
    loader_free(r->load);
    r->load = NULL;
    ingest_free(r->ing);
    r->ing = NULL;
    db_close(&r->db);
    raw_reader_close(&r->rd);
    if (r->tmp_path[0]) unlink(r->tmp_path);
    if (r->tmp_lock >= 0) close(r->tmp_lock);
    r->tmp_lock = -1;
    if (r->raw.fd >= 0) {
        raw_close(&r->raw);
        if (r->raw_path[0]) unlink(r->raw_path);
    }
    if (r->region.h) region_destroy(&r->region);
    if (r->sigfd >= 0) close(r->sigfd);
    if (r->life_fd >= 0) close(r->life_fd);
    sigprocmask(SIG_SETMASK, &r->old_mask, NULL);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
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

/* Creates the raw file, the temporary database and the load stage reading the one into the
 * other. False with err set. */
static bool open_files(run *r, record_args *a, char *err, size_t errlen) {
    snprintf(r->raw_path, sizeof r->raw_path, "%s%s", a->output, RAW_SUFFIX);
    if (!raw_create(&r->raw, r->raw_path, err, errlen)) {
        r->raw_path[0] = 0;
        return false;
    }
    if (!out_temp_create(CMD, a->output, r->tmp_path, sizeof r->tmp_path, &r->tmp_lock, err, errlen)) {
        r->tmp_path[0] = 0;
        return false;
    }
    if (!db_create(&r->db, r->tmp_path, err, errlen)) return false;
    if (!raw_reader_open(&r->rd, r->raw_path)) {
        snprintf(err, errlen, "cannot read %.400s: %s", r->raw_path, strerror(errno));
        return false;
    }
    r->ing = ingest_new(&r->db);
    r->load = r->ing ? loader_new(r->ing, &r->rd) : NULL;
    if (!r->load) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    return true;
}

/* gort record: returns the program's exit status (128 + signal), or env(1)'s statuses for
 * its own failures: 125 bad input or a recorder error (then the program is killed and no file
 * is left), 126 the program cannot be run, 127 it was not found. */
static int cmd_record(int argc, char **argv) {
    record_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0) return rc ? GORT_EXIT_RECORD_FAILED : GORT_EXIT_OK;
    if (a.recover) return record_recover(a.recover, a.force);
    rc = resolve_program(&a);
    if (rc >= 0) return rc;
    if (check_output(&a) >= 0) return GORT_EXIT_RECORD_FAILED;

    run r;
    memset(&r, 0, sizeof r);
    r.sigfd = -1;
    r.life_fd = -1;
    r.region.fd = -1;
    r.raw.fd = -1;
    r.rd.fd = -1;
    r.tmp_lock = -1;
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.cv, NULL);
    char err[512];
    sigprocmask(SIG_SETMASK, NULL, &r.old_mask);
    snprintf(r.tmp_path, sizeof r.tmp_path, "%s.tmp-%d", a.output, (int)getpid());
    if (!region_create(&r.region, &a.opt, err, sizeof err)) {
        r.tmp_path[0] = 0;
        return fail_run(&r, err);
    }
    if (!open_files(&r, &a, err, sizeof err)) return fail_run(&r, err);
    if (!take_signals(&r)) return fail_run(&r, "cannot set up signal handling");
    r.started_at = time(NULL);
    if (!write_session(&r, &a)) {
        snprintf(err, sizeof err, "cannot write %.400s: %s", r.raw_path, strerror(errno));
        return fail_run(&r, err);
    }
    if (!start_program(&r, &a, err, sizeof err)) {
        int e = r.exec_errno;
        fail_run(&r, err);
        return e == ENOENT ? GORT_EXIT_NOT_FOUND : e ? GORT_EXIT_CANNOT_RUN : GORT_EXIT_RECORD_FAILED;
    }
    if (!write_session(&r, &a) || !start_loader(&r)) {
        snprintf(err, sizeof err, "cannot write %.400s: %s", r.raw_path, strerror(errno));
        return fail_run(&r, err);
    }
    if (!drain_while_running(&r)) {
        if (atomic_load(&r.load_failed))
            snprintf(err, sizeof err, "database: %s", sqlite3_errmsg(r.db.db));
        else
            snprintf(err, sizeof err, "cannot write %.400s: %s", r.raw_path, strerror(errno));
        return fail_run(&r, err);
    }
    bool tty = isatty(STDERR_FILENO);
    if (tty) /* indexing ten million events takes seconds: say what is going on */
        fprintf(stderr, "gort record: %llu events, writing indexes\033[K",
                (unsigned long long)ingest_events(r.ing));
    finish_info fi = { false, r.load_cpu_ns, r.end_mono };
    bool finished = record_finish(&r.db, r.ing, r.load, &fi, err, sizeof err);
    if (tty) fprintf(stderr, "\r\033[K");
    if (!finished) return fail_run(&r, err);
    db_close(&r.db);
    if (!out_put_in_place(r.tmp_path, a.output, a.replaces, err, sizeof err)) return fail_run(&r, err);
    r.tmp_path[0] = 0;
    const load_facts *f = loader_facts(r.load);
    fprintf(stderr, "gort record: %llu events, %llu lost, %.3f s, %s\n",
            (unsigned long long)ingest_events(r.ing), (unsigned long long)f->lost,
            (double)f->end.end_ns / 1e9, a.output);
    int status = exit_status_of(r.status);
    cleanup(&r); /* removes the raw file and the region: the trace is complete */
    return status;
}
