/*
 * sep_floor.c — the floor of any CSV work: read the files and count every field separator (',')
 * and line feed, nothing else. Best of N runs; prints bytes, separators, line feeds and seconds.
 *
 *   cc -O3 bench/sep_floor.c -o sep_floor && ./sep_floor [--runs N] FILE...
 *
 * Not part of the CMake build: a measurement used by bench/bench_audit.sh.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 20)

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    int runs = 3, first = 1;
    if (argc > 2 && !strcmp(argv[1], "--runs")) {
        runs = atoi(argv[2]);
        first = 3;
    }
    if (first >= argc || runs < 1) {
        fprintf(stderr, "usage: sep_floor [--runs N] FILE...\n");
        return 2;
    }
    static unsigned char buf[CHUNK];
    double best = 1e30;
    unsigned long long bytes = 0, seps = 0, lfs = 0;
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        bytes = seps = lfs = 0;
        for (int i = first; i < argc; i++) {
            int fd = open(argv[i], O_RDONLY);
            if (fd < 0) {
                perror(argv[i]);
                return 1;
            }
            ssize_t n;
            while ((n = read(fd, buf, CHUNK)) > 0) {
                unsigned long long c = 0, l = 0;
                for (ssize_t k = 0; k < n; k++) {
                    c += buf[k] == ',';
                    l += buf[k] == '\n';
                }
                seps += c;
                lfs += l;
                bytes += (unsigned long long)n;
            }
            close(fd);
        }
        double s = now() - t0;
        if (s < best) best = s;
    }
    printf("bytes %llu separators %llu linefeeds %llu seconds %.3f\n", bytes, seps, lfs, best);
    return 0;
}
