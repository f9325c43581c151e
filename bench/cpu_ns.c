/*
 * cpu_ns — runs a command and prints the CPU time it used (user + system, all its threads,
 * from wait4's rusage) as "cpu_ns N" on stderr, its output passed through. bench/b_5_go.sh
 * compares programs by CPU time: on a machine shared with other work, the time a program
 * spends waiting for a CPU inflates its wall time, not its CPU time.
 *
 *   cpu_ns PROGRAM [ARGS...]     exit status: the program's (125 if it could not run)
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs argv[1..] and reports its CPU time. */
int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: cpu_ns PROGRAM [ARGS...]\n");
        return 125;
    }
    pid_t pid = fork();
    if (pid < 0) return 125;
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        _exit(125);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid) return 125;
    long long ns = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
                   (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
    fprintf(stderr, "cpu_ns %lld\n", ns);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
