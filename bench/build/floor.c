/* floor.c — the floor `sfdc build` is measured against: writing the same
 * files (same relative paths, same sizes) into a fresh directory with
 * plain open/write/close and mkdir, nothing else. Reads "SIZE PATH" lines
 * on stdin; writes below argv[1]. bench/build/run compiles and runs it. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void mkparents(char *path)
{
    for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            perror(path);
            exit(1);
        }
        *p = '/';
    }
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return fprintf(stderr, "usage: floor DIR < list\n"), 2;
    static char buf[1 << 20];
    memset(buf, 'x', sizeof buf);
    char line[4096], path[8192], last[8192] = "";
    while (fgets(line, sizeof line, stdin)) {
        long size;
        char rel[4096];
        if (sscanf(line, "%ld %4095s", &size, rel) != 2)
            continue;
        snprintf(path, sizeof path, "%s/%s", argv[1], rel);
        char *slash = strrchr(path, '/');
        size_t dlen = (size_t)(slash - path);
        if (strncmp(path, last, dlen) != 0 || last[dlen] != '\0') {
            mkparents(path);
            memcpy(last, path, dlen);
            last[dlen] = '\0';
        }
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (fd < 0) {
            perror(path);
            return 1;
        }
        while (size > 0) {
            ssize_t w = write(fd, buf, size < (long)sizeof buf ? (size_t)size : sizeof buf);
            if (w <= 0) {
                perror(path);
                return 1;
            }
            size -= w;
        }
        close(fd);
    }
    return 0;
}
