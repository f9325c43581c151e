/*
 * outfile.c — where the trace goes: the output name, the temporary file beside it, and the
 * rename that puts the finished trace in place.
 *
 * The recorder writes OUT.tmp-PID (PID its own) and renames it to OUT when the trace is
 * complete, so OUT is either the old file or a whole trace, never half of one. Three promises
 * follow, each kept here:
 *
 *  - Only a regular file is ever replaced. The rename replaces whatever has the name, so the
 *    name is checked before the program starts (out_check): a device node, FIFO, socket or
 *    directory is refused, an existing regular file needs --force. As root, `-o /dev/null`
 *    would otherwise delete /dev/null. A symbolic link is refused too, dangling or not:
 *    replacing the link would silently break whatever relies on it, and following it would
 *    write wherever it points (for root, anywhere). The user names the file itself.
 *    The check is repeated at the rename (out_put_in_place), so a special file that appears
 *    while the program runs is not replaced either: without --force the rename is
 *    RENAME_NOREPLACE (or link + unlink where the file system lacks it). Then the trace is
 *    discarded with one line: the name now holds something that is not ours to replace.
 *
 *  - No temporary outlives its recorder unnoticed. A recorder that fails removes its
 *    temporary; one that is killed (SIGKILL, a crash) cannot. Each recorder therefore holds
 *    an flock on its temporary for as long as it lives, and the next recording to the same
 *    output removes every OUT.tmp-PID that nobody holds, saying so on stderr (one line per
 *    file). The kernel drops the lock when its holder dies, so a lock that can be taken
 *    means a dead recorder, whatever happened to it. A recorder between creating its file
 *    and locking it is alive: a file is only taken as stale when its PID is not a live
 *    process (or is our own, which cannot be another recorder's).
 *
 *  - Nothing is replaced that was not ours: stale files are only those named exactly
 *    OUT.tmp-DIGITS and regular.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "tracer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

const char *out_file_kind(mode_t m) {
    if (S_ISDIR(m)) return "a directory";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISFIFO(m)) return "a FIFO";
    if (S_ISSOCK(m)) return "a socket";
    if (S_ISLNK(m)) return "a symbolic link";
    return "not a regular file";
}

int out_check(const char *cmd, const char *output, bool force, bool *replaces) {
    struct stat sb;
    *replaces = false;
    if (lstat(output, &sb) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) return -1; /* reported when it is created */
        return cli_error(cmd, "output %s: %s", output, strerror(errno));
    }
    if (S_ISLNK(sb.st_mode))
        return cli_error(cmd, "output %s is a symbolic link: name the file itself (gort record "
                         "replaces only regular files)", output);
    if (!S_ISREG(sb.st_mode))
        return cli_error(cmd, "output %s is %s: gort record writes only regular files", output,
                         out_file_kind(sb.st_mode));
    if (!force) return cli_error(cmd, "output %s exists (use --force to replace it)", output);
    *replaces = true;
    return -1;
}

/* Splits OUTPUT into its directory (malloc'd; "." when it has none) and its last name. */
static char *split_dir(const char *output, const char **base) {
    const char *slash = strrchr(output, '/');
    *base = slash ? slash + 1 : output;
    if (!slash) return strdup(".");
    if (slash == output) return strdup("/");
    return strndup(output, (size_t)(slash - output));
}

/* True when NAME is BASE.tmp-DIGITS; *pid gets DIGITS. */
static bool temp_name(const char *name, const char *base, long *pid) {
    size_t n = strlen(base);
    if (strncmp(name, base, n) != 0 || strncmp(name + n, ".tmp-", 5) != 0) return false;
    const char *d = name + n + 5;
    if (*d < '0' || *d > '9' || strlen(d) > 9) return false;
    char *end;
    *pid = strtol(d, &end, 10);
    return *end == '\0';
}

/* True when the temporary NAME (in directory DFD, of recorder PID) belongs to no live
 * recorder: its PID is not alive (or is ours) and nobody holds its lock. */
static bool temp_is_stale(int dfd, const char *name, long pid) {
    if (pid != (long)getpid() && (kill((pid_t)pid, 0) == 0 || errno != ESRCH)) return false;
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat sb;
    bool stale = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0;
    close(fd);
    return stale;
}

/* Removes the temporaries of OUTPUT left by recorders that died, one line on stderr each. */
static void remove_stale_temps(const char *cmd, const char *output) {
    const char *base;
    char *dir = split_dir(output, &base);
    DIR *d = dir ? opendir(dir) : NULL;
    if (!d) {
        free(dir);
        return; /* the directory's problem is reported when the temporary is created */
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long pid;
        if (!temp_name(e->d_name, base, &pid) || !temp_is_stale(dirfd(d), e->d_name, pid)) continue;
        if (unlinkat(dirfd(d), e->d_name, 0) == 0)
            fprintf(stderr, "gort %s: removed %s/%s, left by a recording that did not finish\n",
                    cmd, dir, e->d_name);
    }
    closedir(d);
    free(dir);
}

bool out_temp_create(const char *cmd, const char *output, char *tmp, size_t tmplen, int *lock_fd,
                     char *err, size_t errlen) {
    *lock_fd = -1;
    remove_stale_temps(cmd, output);
    if ((size_t)snprintf(tmp, tmplen, "%s.tmp-%d", output, (int)getpid()) >= tmplen) {
        snprintf(err, errlen, "cannot write %s: name too long", output);
        return false;
    }
    int fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "cannot write %s: %s", output, strerror(errno));
        return false;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, errlen, "cannot lock %s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return false;
    }
    *lock_fd = fd;
    return true;
}

/* Renames TMP to OUTPUT unless OUTPUT exists: renameat2's RENAME_NOREPLACE, or where the
 * file system has none, link (which never replaces) and unlink. */
static int rename_noreplace(const char *tmp, const char *output) {
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, output, RENAME_NOREPLACE) == 0) return 0;
    if (errno != EINVAL && errno != ENOSYS) return -1;
    if (link(tmp, output) != 0) return -1;
    unlink(tmp);
    return 0;
}

bool out_put_in_place(const char *tmp, const char *output, bool replaces, char *err,
                      size_t errlen) {
    struct stat sb;
    if (replaces && lstat(output, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "output %s became %s while recording: not replaced, the trace "
                 "is discarded", output, out_file_kind(sb.st_mode));
        return false;
    }
    int rc = replaces && lstat(output, &sb) == 0 ? rename(tmp, output) : rename_noreplace(tmp, output);
    if (rc == 0) return true;
    if (errno == EEXIST)
        snprintf(err, errlen, "output %s appeared while recording: not replaced, the trace "
                 "is discarded", output);
    else
        snprintf(err, errlen, "cannot write %s: %s", output, strerror(errno));
    return false;
}
