/* Peer for hashport's bench comparison: libxcrypt's crypt_rn() (OpenWall's
 * crypt_blowfish for $2b$, glibc-compatible sha512crypt for $6$) on one thread.
 *
 *   bcrypt_c PREFIX COST SECONDS
 *
 * PREFIX is "$2b$" (COST = log2 rounds) or "$6$" (COST = rounds). Prints one JSON
 * line: {"prefix", "cost", "setting", "n", "per_sec", "cpu", "per_cpu_sec"}: hashes per
 * second of wall time and per second of this process's CPU time (the second is what a
 * busy shared machine distorts least). Build: cc -O2 bcrypt_c.c -lcrypt
 */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double clock_s(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
static double now(void) { return clock_s(CLOCK_MONOTONIC); }

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s PREFIX COST SECONDS\n", argv[0]);
        return 2;
    }
    const char *prefix = argv[1];
    unsigned long cost = strtoul(argv[2], NULL, 10);
    double seconds = atof(argv[3]);

    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    /* Fixed salt bytes: deterministic, and gensalt needs no entropy source. */
    const char rbytes[16] = "hashport-bench!!";
    if (!crypt_gensalt_rn(prefix, cost, rbytes, sizeof rbytes, setting, sizeof setting)) {
        perror("crypt_gensalt_rn");
        return 1;
    }

    struct crypt_data *data = calloc(1, sizeof *data);
    if (!data) return 1;
    const char *password = "benchmark password";
    unsigned long n = 0;
    double cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    double start = now(), elapsed;
    volatile char sink = 0;
    do {
        char *h = crypt_rn(password, setting, data, sizeof *data);
        if (!h || h[0] == '*') {
            fprintf(stderr, "crypt_rn failed for setting %s\n", setting);
            return 1;
        }
        sink ^= h[strlen(h) - 1];
        n++;
        elapsed = now() - start;
    } while (elapsed < seconds);
    double cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
    (void)sink;
    printf("{\"prefix\":\"%s\",\"cost\":%lu,\"setting\":\"%s\",\"n\":%lu,\"per_sec\":%.6f,"
           "\"cpu\":%.6f,\"per_cpu_sec\":%.6f}\n",
           prefix, cost, setting, n, (double)n / elapsed, cpu, (double)n / cpu);
    free(data);
    return 0;
}
