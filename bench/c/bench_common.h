/* Shared bits of zmq_bench.c and nng_bench.c: clock, CLI selection, JSON output, percentiles.
 * Written for weft's benchmark anchors (not derived from libzmq's or nng's perf tools). */
#ifndef WEFT_BENCH_COMMON_H
#define WEFT_BENCH_COMMON_H

#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

#define MAX_PICKS 8

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What the command line selected. Empty lists mean "the defaults". */
struct picks {
  const char *scenarios[MAX_PICKS];
  int n_scenarios;
  const char *transports[MAX_PICKS];
  int n_transports;
  long sizes[MAX_PICKS];
  int n_sizes;
  long count;     /* 0 = calibrate to `seconds` */
  double seconds; /* target duration per scenario */
  int subs;       /* fan-out subscribers */
  int buffer;     /* nng only: send/recv buffer (messages) */
};

static void die(const char *what, const char *detail) {
  fprintf(stderr, "%s: %s\n", what, detail);
  exit(1);
}

static void usage(const char *prog, const char *scenarios, const char *transports) {
  fprintf(stderr,
          "usage: %s [--all] [--scenario S]... [--transport T]... [--size BYTES]...\n"
          "          [--count N] [--seconds S] [--subs N] [--buffer N]\n"
          "  scenarios:  %s\n  transports: %s\n"
          "  --all runs every scenario with the default transports and sizes 16, 1024, 65536.\n"
          "  --count fixes the message / round-trip count; otherwise each run is sized to take\n"
          "  about --seconds (default 1.5). Prints one JSON line per scenario.\n",
          prog, scenarios, transports);
}

static void parse_args(int argc, char **argv, struct picks *p, const char *scenarios,
                       const char *transports) {
  memset(p, 0, sizeof *p);
  p->seconds = 1.5;
  p->subs = 10;
  p->buffer = 128;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--all") == 0) continue;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      usage(argv[0], scenarios, transports);
      exit(0);
    }
    if (v == NULL) {
      usage(argv[0], scenarios, transports);
      die("missing value or unknown flag", a);
    }
    if (strcmp(a, "--scenario") == 0 && p->n_scenarios < MAX_PICKS)
      p->scenarios[p->n_scenarios++] = v;
    else if (strcmp(a, "--transport") == 0 && p->n_transports < MAX_PICKS)
      p->transports[p->n_transports++] = v;
    else if (strcmp(a, "--size") == 0 && p->n_sizes < MAX_PICKS)
      p->sizes[p->n_sizes++] = atol(v);
    else if (strcmp(a, "--count") == 0)
      p->count = atol(v);
    else if (strcmp(a, "--seconds") == 0)
      p->seconds = atof(v);
    else if (strcmp(a, "--subs") == 0)
      p->subs = atoi(v);
    else if (strcmp(a, "--buffer") == 0)
      p->buffer = atoi(v);
    else {
      usage(argv[0], scenarios, transports);
      die("unknown flag", a);
    }
    i++;
  }
  if (p->n_sizes == 0) {
    p->sizes[0] = 16;
    p->sizes[1] = 1024;
    p->sizes[2] = 65536;
    p->n_sizes = 3;
  }
  if (p->subs < 1 || p->subs > 64) die("--subs", "must be 1..64");
}

/* How many messages a throughput run should use: a fixed --count, or a pilot-measured rate times
 * the target duration. */
static long sized_count(double pilot_rate, double seconds, long pilot) {
  double n = pilot_rate * seconds;
  if (n < (double)pilot) n = (double)pilot;
  if (n > 50e6) n = 50e6;
  return (long)n;
}

static long pilot_count(long size) {
  return size <= 64 ? 100000 : size <= 4096 ? 30000 : 2000;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Sorts in place; p in [0, 1]. Nearest-rank percentile. */
static double percentile(double *v, long n, double p) {
  if (n == 0) return 0;
  long k = (long)(p * (double)n + 0.999999) - 1;
  if (k < 0) k = 0;
  if (k >= n) k = n - 1;
  return v[k];
}

static void print_throughput(const char *impl, const char *transport, long size, long count,
                             double secs) {
  double rate = (double)count / secs;
  printf("{\"impl\":\"%s\",\"scenario\":\"push_pull\",\"mode\":\"native\",\"transport\":\"%s\","
         "\"size\":%ld,\"count\":%ld,\"seconds\":%.3f,\"msg_per_s\":%.0f,\"mb_per_s\":%.1f}\n",
         impl, transport, size, count, secs, rate, rate * (double)size / 1e6);
  fflush(stdout);
}

/* This process's CPU time (user + system, all threads), seconds. */
static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* The cross-process receiver's line: print_throughput's keys plus CPU ns per message. */
static void print_throughput_cpu(const char *impl, const char *transport, long size, long count,
                                 double secs, double cpu) {
  double rate = (double)count / secs;
  printf("{\"impl\":\"%s\",\"scenario\":\"push_pull\",\"mode\":\"native\",\"transport\":\"%s\","
         "\"size\":%ld,\"count\":%ld,\"seconds\":%.3f,\"msg_per_s\":%.0f,\"mb_per_s\":%.1f,"
         "\"cpu_ns_per_msg\":%.0f}\n",
         impl, transport, size, count, secs, rate, rate * (double)size / 1e6, cpu * 1e9 / (double)count);
  fflush(stdout);
}

static void print_latency(const char *impl, const char *transport, long size, double *rtt_us,
                          long n) {
  double sum = 0;
  for (long i = 0; i < n; i++) sum += rtt_us[i];
  qsort(rtt_us, (size_t)n, sizeof(double), cmp_double);
  printf("{\"impl\":\"%s\",\"scenario\":\"req_rep\",\"mode\":\"native\",\"transport\":\"%s\","
         "\"size\":%ld,\"count\":%ld,\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,"
         "\"max_us\":%.1f,\"mean_us\":%.1f,"
         "\"rtt_per_s\":%.0f}\n",
         impl, transport, size, n, percentile(rtt_us, n, 0.50), percentile(rtt_us, n, 0.99),
         percentile(rtt_us, n, 0.999), n ? rtt_us[n - 1] : 0, n ? sum / (double)n : 0, n ? 1e6 * (double)n / sum : 0);
  fflush(stdout);
}

#endif
