/* nano_load: the load generator of the nano scenarios in C (Linux epoll, libc only), a twin of
 * bench/nano/load.mjs that costs far less CPU, so that on a small box the server under test gets
 * the cores. Same wire bytes (raw pomelo over raw WebSocket, client frames masked with the all-zero
 * key, frames built once and patched), same command line, same one-line JSON result.
 *
 *   nano_load pingpong --port P [--clients 1000] [--seconds 5] [--warmup 1] [--pid SERVER_PID]
 *                      [--threads 1]
 *   nano_load fanout --port P [--sessions 10000] [--rounds 5] [--pid SERVER_PID] [--threads 1]
 *
 * pingpong: --clients sessions; each sends connector.bench.echo, waits for the answer with that
 * id, sends the next (ids 1..127). The first answer of every session must be the echo. Requests/s
 * over --seconds after --warmup; loadCpu = cores this process used (CLOCK_PROCESS_CPUTIME_ID);
 * serverCpu = cores of --pid (/proc/PID/stat utime + stime, as load.mjs reads it).
 * fanout: a control session reads the server's heap (connector.bench.mem) before and after
 * --sessions idle sessions connect; all join the group (connector.bench.join); each of --rounds
 * broadcasts (connector.bench.broadcast) is timed from the trigger to the last push seen by any
 * thread. serverCpuMs / loadCpuMs: CPU milliseconds per round (median), read before the trigger
 * and after the last delivery (server: /proc/PID/task/TID/schedstat, ns; /proc/PID/stat as a
 * fallback).
 *
 * --threads N: N threads, each with its own epoll and a share of the sessions (--procs is accepted
 * as an alias, so load.mjs's arguments work). One thread is the default and is enough.
 * --parallel N: handshakes in flight at once while dialing (128, shared among the threads).
 *
 * Any session that fails after its handshake (error, close, kick) ends the run with exit 1 and a
 * message on stderr; dialing retries 5 times (100 ms, 200 ms, ... apart) like load.mjs, with 10 s
 * per attempt. Every wait has a deadline.
 *
 * Build: bench/c/build.sh (or cc -O2 -std=c11 -pthread -o bench/.out/nano_load bench/c/nano_load.c).
 * Written for weft's benchmarks (not derived from pomelo or pinus code). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000LL
#define SEC 1000000000LL
#define MAX_RETRIES 5
#define ATTEMPT_NS (10 * SEC)  /* one dial attempt: connect + upgrade + handshake */
#define HEARTBEAT_NS (10 * SEC) /* servers close silent sessions (pinus/weft: 2 x 30 s) */
#define MAX_FRAME (16u << 20)
#define MAX_HEAD 16384
#define MAX_QUEUED (64u << 20)
#ifndef READ_CHUNK
#define READ_CHUNK 65536 /* bytes per recv (a tiny one, -DREAD_CHUNK=3, exercises reassembly) */
#endif
#define TOKEN_CMD UINT32_MAX

#define PAYLOAD "{\"msg\":\"hello, nano\"}"

/* ---- small helpers ------------------------------------------------------------------------ */

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("nano_load: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  fflush(stderr);
  _exit(1);
}

static int64_t clock_ns(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return (int64_t)t.tv_sec * SEC + t.tv_nsec;
}
static int64_t now_ns(void) { return clock_ns(CLOCK_MONOTONIC); }
static int64_t self_cpu_ns(void) { return clock_ns(CLOCK_PROCESS_CPUTIME_ID); }

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n);
  if (!q) die("out of memory (%zu bytes)", n);
  return q;
}

/* Appends n bytes to a growable buffer. */
static void buf_put(uint8_t **b, uint32_t *len, uint32_t *cap, const uint8_t *src, size_t n) {
  if (n == 0) return;
  if ((size_t)*len + n > *cap) {
    size_t c = *cap ? *cap : 64;
    while (c < (size_t)*len + n) c *= 2;
    *b = xrealloc(*b, c);
    *cap = (uint32_t)c;
  }
  memcpy(*b + *len, src, n);
  *len += (uint32_t)n;
}

typedef struct {
  uint8_t *p;
  size_t n;
} Bytes;

/* A client frame (FIN, opcode op) masked with the zero key: the payload goes as it is. */
static Bytes ws_frame(uint8_t op, const uint8_t *payload, size_t n) {
  size_t head = n < 126 ? 6 : n < 65536 ? 8 : 14;
  uint8_t *out = calloc(1, head + n + 1);
  if (!out) die("out of memory");
  out[0] = (uint8_t)(0x80 | op);
  if (n < 126) {
    out[1] = (uint8_t)(0x80 | n);
  } else if (n < 65536) {
    out[1] = 0x80 | 126;
    out[2] = (uint8_t)(n >> 8);
    out[3] = (uint8_t)n;
  } else {
    out[1] = 0x80 | 127;
    for (int k = 0; k < 8; k++) out[2 + k] = (uint8_t)((uint64_t)n >> (56 - 8 * k));
  }
  if (n) memcpy(out + head, payload, n);
  return (Bytes){out, head + n};
}

/* One pomelo packet (type, u24 length, body) in one binary frame. */
static Bytes pomelo_frame(uint8_t type, const void *body, size_t n) {
  uint8_t *pk = malloc(4 + n);
  if (!pk) die("out of memory");
  pk[0] = type;
  pk[1] = (uint8_t)(n >> 16);
  pk[2] = (uint8_t)(n >> 8);
  pk[3] = (uint8_t)n;
  if (n) memcpy(pk + 4, body, n);
  Bytes f = ws_frame(0x2, pk, 4 + n);
  free(pk);
  return f;
}

/* A REQUEST message with id 1 (one varint byte, patched later) in a DATA packet; *id_at gets the
 * id's offset in the frame. */
static Bytes request_frame(const char *route, const char *body, size_t *id_at) {
  size_t r = strlen(route), b = strlen(body), n = 3 + r + b;
  uint8_t *m = malloc(n);
  if (!m) die("out of memory");
  m[0] = 0x00; /* REQUEST, route not compressed */
  m[1] = 1;
  m[2] = (uint8_t)r;
  memcpy(m + 3, route, r);
  memcpy(m + 3 + r, body, b);
  Bytes f = pomelo_frame(4, m, n);
  free(m);
  if (id_at) *id_at = f.n - n + 1;
  return f;
}

/* The number after "key": in a JSON text (flat objects only, enough for the bench answers). */
static bool json_num(const char *s, const char *key, double *out) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\"", key);
  const char *p = strstr(s, pat);
  if (!p) return false;
  p += strlen(pat);
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
  if (*p++ != ':') return false;
  char *end;
  double v = strtod(p, &end);
  if (end == p) return false;
  *out = v;
  return true;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The lower median, as load.mjs takes it. */
static double median(const double *xs, int n) {
  if (n == 0) return NAN;
  double *s = malloc(sizeof(double) * (size_t)n);
  if (!s) die("out of memory");
  memcpy(s, xs, sizeof(double) * (size_t)n);
  qsort(s, (size_t)n, sizeof(double), cmp_double);
  double m = s[(n - 1) / 2];
  free(s);
  return m;
}

static void jnum(const char *key, double v, bool last) {
  if (isfinite(v)) printf("\"%s\":%.10g%s", key, v, last ? "" : ",");
  else printf("\"%s\":null%s", key, last ? "" : ",");
}

/* A small file's contents (NUL-terminated) or NULL. */
static char *slurp(const char *path, char *buf, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  ssize_t n = read(fd, buf, cap - 1);
  close(fd);
  if (n <= 0) return NULL;
  buf[n] = 0;
  return buf;
}

/* CPU seconds (utime + stime) of a process from /proc/PID/stat; NaN without one. */
static double proc_cpu_s(int pid) {
  if (pid <= 0) return NAN;
  char path[64], buf[4096];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  char *s = slurp(path, buf, sizeof buf);
  if (!s) return NAN;
  char *p = strrchr(s, ')');
  if (!p) return NAN;
  p += 2; /* fields from "state" (field 3) on; utime is field 14, stime 15 */
  unsigned long long ut = 0, st = 0;
  for (int f = 3; f <= 15 && *p; f++) {
    if (f == 14) ut = strtoull(p, NULL, 10);
    if (f == 15) st = strtoull(p, NULL, 10);
    p = strchr(p, ' ');
    if (!p) break;
    p++;
  }
  return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU nanoseconds of a process, summed over its live threads' /proc/PID/task/TID/schedstat
 * (nanosecond resolution, where /proc/PID/stat counts 10 ms ticks); the stat figure when the
 * schedstat files are missing; NaN without a pid. Threads that exit between two readings drop out
 * of the sum: the servers' threads are long-lived. */
static double proc_cpu_ns(int pid) {
  if (pid <= 0) return NAN;
  char path[300], buf[256];
  snprintf(path, sizeof path, "/proc/%d/task", pid);
  DIR *d = opendir(path);
  if (!d) return NAN;
  double sum = 0;
  int seen = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "/proc/%d/task/%.200s/schedstat", pid, e->d_name);
    char *s = slurp(path, buf, sizeof buf);
    if (!s) continue;
    sum += strtod(s, NULL);
    seen++;
  }
  closedir(d);
  if (seen == 0) return proc_cpu_s(pid) * 1e9;
  return sum;
}

/* ---- options and the shared frames --------------------------------------------------------- */

static struct {
  const char *mode;
  int port, clients, sessions, threads, rounds, pid, parallel;
  double seconds, warmup;
} O = {NULL, 0, 1000, 10000, 1, 5, 0, 128, 5, 1};

/* Built once at start, read-only afterwards. */
static Bytes F_HANDSHAKE, F_ACK, F_HEARTBEAT, F_ECHO, F_JOIN;
static size_t ECHO_ID_AT;
static int g_notify; /* eventfd: threads wake the main thread */

static const char UPGRADE[] =
    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

static void notify(int fd) {
  uint64_t one = 1;
  if (write(fd, &one, sizeof one) < 0 && errno != EAGAIN) die("eventfd write: %s", strerror(errno));
}

/* ---- connections and loops ----------------------------------------------------------------- */

enum { ST_IDLE, ST_RETRY, ST_CONNECTING, ST_UPGRADING, ST_HANDSHAKING, ST_READY, ST_CLOSED };
enum { ROLE_PINGPONG, ROLE_FANOUT, ROLE_CONTROL };
enum { CMD_NONE, CMD_GO, CMD_STOP, CMD_JOIN, CMD_ARM };

typedef struct {
  int fd;
  uint8_t state, attempts, id, checked;
  bool want_out;
  int64_t t_attempt;                 /* start of the attempt, or when to retry */
  uint8_t *in;                       /* unparsed bytes: HTTP head or a partial ws frame */
  uint32_t in_len, in_cap;
  uint8_t *pk;                       /* unparsed pomelo bytes: a packet split across ws frames */
  uint32_t pk_len, pk_cap;
  uint8_t *out;                      /* bytes the socket did not take yet */
  uint32_t out_len, out_cap;
  uint8_t *echo;                     /* pingpong: this session's request frame */
} Conn;

typedef struct {
  int tid, ep, cmd_fd, role;
  Conn *conns;
  int n;
  /* dialing */
  int parallel, dial_next, inflight, low, nready;
  int *retry, nretry;
  int64_t next_scan, next_hb;
  uint8_t *scratch;
  size_t scratch_cap;
  bool running, stopping, quit;
  /* fanout */
  long expect, got_local, joined;
  int round;
  /* control */
  char *answer;
  uint32_t answer_len, answer_cap;
  bool answered;
  /* read by the main thread */
  atomic_int ready;
  atomic_long done, bad, got, joined_all;
  _Atomic int64_t last_ns;
  atomic_int cmd, cmd_arg;
  atomic_uint cmd_seq, ack_seq;
  unsigned handled;
  pthread_t th;
} Loop;

static void conn_fail(Loop *L, int i, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void want_out(Loop *L, Conn *c, bool on) {
  if (c->want_out == on) return;
  c->want_out = on;
  struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.u32 = (uint32_t)(c - L->conns)};
  if (epoll_ctl(L->ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) die("epoll_ctl: %s", strerror(errno));
}

static bool transient(int e) { return e == EAGAIN || e == EWOULDBLOCK || e == EINTR; }

/* Writes (or queues) bytes; false when the connection failed. */
static bool conn_send(Loop *L, int i, const uint8_t *p, size_t n) {
  Conn *c = &L->conns[i];
  if (c->out_len == 0 && c->state != ST_CONNECTING) {
    ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
    if (w == (ssize_t)n) return true;
    if (w < 0) {
      if (!transient(errno)) {
        conn_fail(L, i, "send: %s", strerror(errno));
        return false;
      }
      w = 0;
    }
    p += w;
    n -= (size_t)w;
  }
  if ((size_t)c->out_len + n > MAX_QUEUED) {
    conn_fail(L, i, "the server does not read (%u bytes queued)", c->out_len);
    return false;
  }
  buf_put(&c->out, &c->out_len, &c->out_cap, p, n);
  want_out(L, c, true);
  return true;
}

static void dial(Loop *L, int i);

static void conn_fail(Loop *L, int i, const char *fmt, ...) {
  Conn *c = &L->conns[i];
  char why[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  c->in_len = c->pk_len = c->out_len = 0;
  if (L->stopping) {
    c->state = ST_CLOSED;
    return;
  }
  char who[64];
  if (L->role == ROLE_CONTROL) snprintf(who, sizeof who, "control session");
  else snprintf(who, sizeof who, "session %d of thread %d", i, L->tid);
  if (c->state == ST_READY) die("%s: %s (after its handshake)", who, why);
  if (++c->attempts > MAX_RETRIES) die("%s: %s (after %d attempts)", who, why, c->attempts);
  c->state = ST_RETRY;
  c->t_attempt = now_ns() + c->attempts * 100 * MS;
  L->retry[L->nretry++] = i;
}

static void start_dials(Loop *L) {
  while (L->inflight < L->parallel && L->dial_next < L->n) {
    L->inflight++;
    dial(L, L->dial_next++);
  }
}

static void dial(Loop *L, int i) {
  Conn *c = &L->conns[i];
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    if (errno == EMFILE || errno == ENFILE)
      die("socket: %s: the open-file limit is too low for this many sessions (ulimit -n)", strerror(errno));
    die("socket: %s", strerror(errno));
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->fd = fd;
  c->state = ST_CONNECTING;
  c->t_attempt = now_ns();
  c->in_len = c->pk_len = c->out_len = 0;
  c->want_out = true;
  struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (uint32_t)i};
  if (epoll_ctl(L->ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl: %s", strerror(errno));
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)O.port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS)
    conn_fail(L, i, "connect: %s", strerror(errno));
}

static void on_ready(Loop *L, int i) {
  L->conns[i].state = ST_READY;
  L->nready++;
  L->inflight--;
  start_dials(L);
  if (L->nready == L->n) {
    atomic_store(&L->ready, 1);
    notify(g_notify);
  }
}

/* ---- what the sessions receive ------------------------------------------------------------- */

static bool on_response(Loop *L, int i, uint32_t id, const uint8_t *body, size_t n) {
  Conn *c = &L->conns[i];
  if (L->role == ROLE_PINGPONG) {
    if (id != c->id) atomic_fetch_add_explicit(&L->bad, 1, memory_order_relaxed);
    if (!c->checked) {
      /* The first answer of each session must be the echo (not an error body). */
      c->checked = 1;
      if (n != strlen(PAYLOAD) || memcmp(body, PAYLOAD, n) != 0)
        die("expected the echo %s, got %.*s", PAYLOAD, (int)(n > 300 ? 300 : n), body);
    }
    atomic_fetch_add_explicit(&L->done, 1, memory_order_relaxed);
    if (!L->running) return true;
    c->id = c->id == 127 ? 1 : c->id + 1;
    c->echo[ECHO_ID_AT] = c->id;
    return conn_send(L, i, c->echo, F_ECHO.n);
  }
  if (L->role == ROLE_FANOUT) { /* only bench.join is asked here */
    if (n >= 7 && memcmp(body, "{\"code\"", 7) == 0)
      die("connector.bench.join: error answer %.*s", (int)(n > 300 ? 300 : n), body);
    if (++L->joined == L->n) {
      atomic_store(&L->joined_all, 1);
      notify(g_notify);
    }
    return true;
  }
  L->answer_len = 0;
  buf_put((uint8_t **)&L->answer, &L->answer_len, &L->answer_cap, body, n);
  buf_put((uint8_t **)&L->answer, &L->answer_len, &L->answer_cap, (const uint8_t *)"", 1);
  L->answered = true;
  return true;
}

static void on_push(Loop *L, const uint8_t *body, size_t n) {
  if (L->role != ROLE_FANOUT) return;
  /* A late push of an earlier (timed-out) round does not count for this one. */
  const uint8_t *r = memmem(body, n, "\"round\":", 8);
  if (r) {
    size_t k = (size_t)(r - body) + 8;
    long v = 0;
    while (k < n && body[k] >= '0' && body[k] <= '9') v = v * 10 + (body[k++] - '0');
    if (v != L->round) return;
  }
  L->got_local++;
  atomic_store(&L->last_ns, now_ns());
  atomic_store(&L->got, L->got_local);
  if (L->got_local == L->expect) notify(g_notify);
}

static bool on_data(Loop *L, int i, const uint8_t *body, size_t n) {
  if (n < 1) {
    conn_fail(L, i, "empty DATA packet");
    return false;
  }
  uint8_t flag = body[0];
  int mtype = (flag >> 1) & 7;
  size_t at = 1;
  if (mtype == 2) { /* RESPONSE: id is a varint, least significant 7 bits first */
    uint32_t id = 0;
    for (int shift = 0;; shift += 7) {
      if (at >= n || shift > 28) {
        conn_fail(L, i, "bad response id");
        return false;
      }
      uint8_t b = body[at++];
      id |= (uint32_t)(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    return on_response(L, i, id, body + at, n - at);
  }
  if (mtype == 3) { /* PUSH: route (u16 code or u8 length + name), then the body */
    if (flag & 1) at += 2;
    else if (at < n) at += 1 + (size_t)body[at];
    else at = n + 1;
    if (at > n) {
      conn_fail(L, i, "truncated push");
      return false;
    }
    on_push(L, body + at, n - at);
  }
  return true;
}

static bool on_packet(Loop *L, int i, uint8_t type, const uint8_t *body, size_t n) {
  Conn *c = &L->conns[i];
  char text[512];
  size_t shown = n < sizeof text - 1 ? n : sizeof text - 1;
  switch (type) {
  case 1: { /* HANDSHAKE answer */
    memcpy(text, body, shown);
    text[shown] = 0;
    double code = 0;
    if (c->state != ST_HANDSHAKING) {
      conn_fail(L, i, "unexpected handshake packet");
      return false;
    }
    if (!json_num(text, "code", &code) || code != 200) {
      conn_fail(L, i, "handshake refused: %s", text);
      return false;
    }
    if (!conn_send(L, i, F_ACK.p, F_ACK.n)) return false;
    on_ready(L, i);
    return true;
  }
  case 3: /* HEARTBEAT: the server's; ours go out every 10 s on their own */
    return true;
  case 4:
    if (c->state != ST_READY) {
      conn_fail(L, i, "DATA packet before the handshake");
      return false;
    }
    return on_data(L, i, body, n);
  case 5:
    memcpy(text, body, shown);
    text[shown] = 0;
    conn_fail(L, i, "kicked by the server: %s", text);
    return false;
  default:
    conn_fail(L, i, "unexpected pomelo packet type %u", type);
    return false;
  }
}

/* Whole packets of p; returns the bytes used, or -1 when the connection failed. */
static long pomelo_packets(Loop *L, int i, const uint8_t *p, size_t n) {
  size_t at = 0;
  while (n - at >= 4) {
    size_t len = (size_t)p[at + 1] << 16 | (size_t)p[at + 2] << 8 | p[at + 3];
    if (n - at - 4 < len) break;
    if (!on_packet(L, i, p[at], p + at + 4, len)) return -1;
    at += 4 + len;
  }
  return (long)at;
}

/* The payload of a data frame: pomelo bytes, a packet possibly spanning frames. */
static bool on_pomelo_bytes(Loop *L, int i, const uint8_t *p, size_t n) {
  Conn *c = &L->conns[i];
  if (c->pk_len == 0) {
    long used = pomelo_packets(L, i, p, n);
    if (used < 0) return false;
    buf_put(&c->pk, &c->pk_len, &c->pk_cap, p + used, n - (size_t)used);
    return true;
  }
  buf_put(&c->pk, &c->pk_len, &c->pk_cap, p, n);
  long used = pomelo_packets(L, i, c->pk, c->pk_len);
  if (used < 0) return false;
  memmove(c->pk, c->pk + used, c->pk_len - (size_t)used);
  c->pk_len -= (uint32_t)used;
  return true;
}

/* Whole ws frames of buf; returns the bytes used, or -1 when the connection failed. */
static long ws_frames(Loop *L, int i, uint8_t *buf, size_t len) {
  size_t at = 0;
  while (len - at >= 2) {
    uint8_t op = buf[at] & 0x0f;
    bool masked = buf[at + 1] & 0x80;
    uint64_t plen = buf[at + 1] & 0x7f;
    size_t head = 2;
    if (plen == 126) {
      if (len - at < 4) break;
      plen = (uint64_t)buf[at + 2] << 8 | buf[at + 3];
      head = 4;
    } else if (plen == 127) {
      if (len - at < 10) break;
      plen = 0;
      for (int k = 0; k < 8; k++) plen = plen << 8 | buf[at + 2 + k];
      head = 10;
    }
    if (plen > MAX_FRAME) {
      conn_fail(L, i, "ws frame of %llu bytes", (unsigned long long)plen);
      return -1;
    }
    size_t key = at + head;
    if (masked) head += 4; /* servers must not mask; unmask anyway */
    if (len - at < head + plen) break;
    uint8_t *p = buf + at + head;
    if (masked)
      for (size_t k = 0; k < plen; k++) p[k] ^= buf[key + (k & 3)];
    at += head + plen;
    if (op <= 2) {
      if (!on_pomelo_bytes(L, i, p, plen)) return -1;
    } else if (op == 9) { /* ping: pong with the same payload */
      Bytes f = ws_frame(0xA, p, plen);
      bool ok = conn_send(L, i, f.p, f.n);
      free(f.p);
      if (!ok) return -1;
    } else if (op == 8) {
      unsigned code = plen >= 2 ? (unsigned)p[0] << 8 | p[1] : 0;
      conn_fail(L, i, "close frame from the server (code %u)", code);
      return -1;
    } /* pong (10) and others: nothing to do */
  }
  return (long)at;
}

static void on_readable(Loop *L, int i) {
  Conn *c = &L->conns[i];
  size_t left = c->in_len;
  if (L->scratch_cap < left + READ_CHUNK) {
    L->scratch_cap = left + READ_CHUNK;
    L->scratch = xrealloc(L->scratch, L->scratch_cap);
  }
  uint8_t *buf = L->scratch;
  if (left) memcpy(buf, c->in, left);
  ssize_t r = recv(c->fd, buf + left, L->scratch_cap - left, 0);
  if (r == 0) {
    conn_fail(L, i, "closed by the server");
    return;
  }
  if (r < 0) {
    if (!transient(errno)) conn_fail(L, i, "recv: %s", strerror(errno));
    return;
  }
  size_t len = left + (size_t)r, at = 0;
  if (c->state == ST_UPGRADING) {
    uint8_t *end = memmem(buf, len, "\r\n\r\n", 4);
    if (!end) {
      if (len > MAX_HEAD) conn_fail(L, i, "no end of the HTTP head in %zu bytes", len);
      else {
        c->in_len = 0;
        buf_put(&c->in, &c->in_len, &c->in_cap, buf, len);
      }
      return;
    }
    if (len < 12 || memcmp(buf, "HTTP/1.1 101", 12) != 0) {
      size_t line = (size_t)((uint8_t *)memchr(buf, '\r', len) - buf);
      conn_fail(L, i, "upgrade refused: %.*s", (int)(line > 200 ? 200 : line), buf);
      return;
    }
    c->state = ST_HANDSHAKING;
    if (!conn_send(L, i, F_HANDSHAKE.p, F_HANDSHAKE.n)) return;
    at = (size_t)(end - buf) + 4;
  }
  long used = ws_frames(L, i, buf + at, len - at);
  if (used < 0) return;
  at += (size_t)used;
  c->in_len = 0;
  buf_put(&c->in, &c->in_len, &c->in_cap, buf + at, len - at);
}

static void on_writable(Loop *L, int i) {
  Conn *c = &L->conns[i];
  if (c->state == ST_CONNECTING) {
    int err = 0;
    socklen_t l = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
    if (err) {
      conn_fail(L, i, "connect: %s", strerror(err));
      return;
    }
    c->state = ST_UPGRADING;
    want_out(L, c, false);
    conn_send(L, i, (const uint8_t *)UPGRADE, sizeof UPGRADE - 1);
    return;
  }
  if (c->out_len == 0) {
    want_out(L, c, false);
    return;
  }
  ssize_t w = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);
  if (w < 0) {
    if (!transient(errno)) conn_fail(L, i, "send: %s", strerror(errno));
    return;
  }
  memmove(c->out, c->out + w, c->out_len - (size_t)w);
  c->out_len -= (uint32_t)w;
  if (c->out_len == 0) want_out(L, c, false);
}

/* ---- the loop ------------------------------------------------------------------------------- */

static void handle_cmd(Loop *L) {
  unsigned seq = atomic_load(&L->cmd_seq);
  if (seq == L->handled) return;
  L->handled = seq;
  switch (atomic_load(&L->cmd)) {
  case CMD_GO:
    L->running = true;
    for (int i = 0; i < L->n; i++) {
      Conn *c = &L->conns[i];
      c->echo[ECHO_ID_AT] = c->id;
      conn_send(L, i, c->echo, F_ECHO.n);
    }
    break;
  case CMD_STOP:
    L->running = false;
    L->stopping = true;
    for (int i = 0; i < L->n; i++) conn_fail(L, i, "stopped");
    L->quit = true;
    break;
  case CMD_JOIN:
    for (int i = 0; i < L->n; i++) conn_send(L, i, F_JOIN.p, F_JOIN.n);
    break;
  case CMD_ARM:
    L->round = atomic_load(&L->cmd_arg);
    L->expect = L->n;
    L->got_local = 0;
    atomic_store(&L->got, 0);
    atomic_store(&L->last_ns, 0);
    break;
  }
  atomic_store(&L->ack_seq, seq);
  notify(g_notify);
}

static void loop_timers(Loop *L) {
  int64_t t = now_ns();
  for (int k = 0; k < L->nretry;) {
    int j = L->retry[k];
    if (L->conns[j].t_attempt <= t) {
      L->retry[k] = L->retry[--L->nretry];
      dial(L, j);
    } else {
      k++;
    }
  }
  if (L->nready < L->n && t >= L->next_scan) {
    L->next_scan = t + 250 * MS;
    while (L->low < L->n && L->conns[L->low].state == ST_READY) L->low++;
    for (int j = L->low; j < L->dial_next; j++) {
      Conn *c = &L->conns[j];
      if (c->state >= ST_CONNECTING && c->state < ST_READY && t - c->t_attempt > ATTEMPT_NS)
        conn_fail(L, j, "no pomelo handshake within %lld s", ATTEMPT_NS / SEC);
    }
  }
  if (t >= L->next_hb) {
    L->next_hb = t + HEARTBEAT_NS;
    for (int j = 0; j < L->n; j++)
      if (L->conns[j].state == ST_READY) conn_send(L, j, F_HEARTBEAT.p, F_HEARTBEAT.n);
  }
}

static void loop_poll(Loop *L, int64_t max_ns) {
  int64_t t = now_ns(), due = t + max_ns;
  if (L->next_hb < due) due = L->next_hb;
  if (L->nready < L->n && L->next_scan < due) due = L->next_scan;
  for (int k = 0; k < L->nretry; k++)
    if (L->conns[L->retry[k]].t_attempt < due) due = L->conns[L->retry[k]].t_attempt;
  int timeout = due <= t ? 0 : (int)((due - t + MS - 1) / MS);
  struct epoll_event ev[512];
  int k = epoll_wait(L->ep, ev, 512, timeout);
  if (k < 0 && errno != EINTR) die("epoll_wait: %s", strerror(errno));
  for (int e = 0; e < k; e++) {
    uint32_t tok = ev[e].data.u32;
    if (tok == TOKEN_CMD) {
      uint64_t v;
      if (read(L->cmd_fd, &v, sizeof v) < 0 && errno != EAGAIN) die("eventfd read: %s", strerror(errno));
      if (L->role != ROLE_CONTROL) handle_cmd(L);
      continue;
    }
    Conn *c = &L->conns[tok];
    if (c->fd < 0 || c->state < ST_CONNECTING || c->state == ST_CLOSED) continue; /* stale event */
    if (ev[e].events & EPOLLOUT) {
      on_writable(L, (int)tok);
      if (c->fd < 0) continue;
    }
    if (ev[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
      if (c->state == ST_CONNECTING) on_writable(L, (int)tok); /* reports the connect error */
      else on_readable(L, (int)tok);
    }
  }
  loop_timers(L);
}

static void loop_init(Loop *L, int tid, int role, int n, int parallel, int cmd_fd) {
  memset(L, 0, sizeof *L);
  L->tid = tid;
  L->role = role;
  L->n = n;
  L->parallel = parallel < 1 ? 1 : parallel;
  L->ep = epoll_create1(EPOLL_CLOEXEC);
  if (L->ep < 0) die("epoll_create1: %s", strerror(errno));
  L->cmd_fd = cmd_fd;
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = TOKEN_CMD};
  if (epoll_ctl(L->ep, EPOLL_CTL_ADD, cmd_fd, &ev) < 0) die("epoll_ctl: %s", strerror(errno));
  L->conns = calloc((size_t)(n ? n : 1), sizeof(Conn));
  L->retry = calloc((size_t)(n ? n : 1), sizeof(int));
  if (!L->conns || !L->retry) die("out of memory");
  for (int i = 0; i < n; i++) {
    L->conns[i].fd = -1;
    L->conns[i].id = 1;
    if (role == ROLE_PINGPONG) {
      L->conns[i].echo = malloc(F_ECHO.n);
      if (!L->conns[i].echo) die("out of memory");
      memcpy(L->conns[i].echo, F_ECHO.p, F_ECHO.n);
    }
  }
  L->next_hb = now_ns() + HEARTBEAT_NS;
  atomic_init(&L->ready, n == 0);
}

static void *worker_main(void *arg) {
  Loop *L = arg;
  start_dials(L);
  while (!L->quit) loop_poll(L, SEC);
  return NULL;
}

/* ---- the main thread: commands and waits ---------------------------------------------------- */

typedef bool (*Pred)(Loop *ws, int n);

static bool all_ready(Loop *ws, int n) {
  for (int i = 0; i < n; i++)
    if (!atomic_load(&ws[i].ready)) return false;
  return true;
}
static bool all_acked(Loop *ws, int n) {
  for (int i = 0; i < n; i++)
    if (atomic_load(&ws[i].ack_seq) != atomic_load(&ws[i].cmd_seq)) return false;
  return true;
}
static bool all_joined(Loop *ws, int n) {
  for (int i = 0; i < n; i++)
    if (!atomic_load(&ws[i].joined_all)) return false;
  return true;
}
static bool all_delivered(Loop *ws, int n) {
  for (int i = 0; i < n; i++)
    if (atomic_load(&ws[i].got) < ws[i].n) return false;
  return true;
}
static bool never(Loop *ws, int n) {
  (void)ws;
  (void)n;
  return false;
}

/* Serves the main loop (control session, wake-ups) until pred holds (true) or the deadline. */
static bool wait_for(Loop *M, Pred pred, Loop *ws, int n, int64_t deadline) {
  for (;;) {
    if (pred(ws, n)) return true;
    int64_t t = now_ns();
    if (t >= deadline) return false;
    loop_poll(M, deadline - t < SEC ? deadline - t : SEC);
  }
}

static void command(Loop *M, Loop *ws, int n, int cmd, int arg) {
  for (int i = 0; i < n; i++) {
    atomic_store(&ws[i].cmd, cmd);
    atomic_store(&ws[i].cmd_arg, arg);
    atomic_fetch_add(&ws[i].cmd_seq, 1);
    notify(ws[i].cmd_fd);
  }
  if (!wait_for(M, all_acked, ws, n, now_ns() + 30 * SEC)) die("load threads did not answer within 30 s");
}

/* Starts the load threads over `total` sessions (shares as load.mjs splits them over workers). */
static Loop *start_threads(int role, int total, int *count) {
  int t = O.threads < 1 ? 1 : O.threads;
  if (t > total) t = total;
  int per = (total + t - 1) / t;
  Loop *ws = calloc((size_t)t, sizeof(Loop));
  if (!ws) die("out of memory");
  int made = 0;
  for (int i = 0; i < t && i * per < total; i++) {
    int share = total - i * per < per ? total - i * per : per;
    int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (efd < 0) die("eventfd: %s", strerror(errno));
    loop_init(&ws[i], i, role, share, (O.parallel + t - 1) / t, efd);
    made++;
  }
  for (int i = 0; i < made; i++)
    if (pthread_create(&ws[i].th, NULL, worker_main, &ws[i]) != 0) die("pthread_create failed");
  *count = made;
  return ws;
}

static void stop_threads(Loop *M, Loop *ws, int n) {
  command(M, ws, n, CMD_STOP, 0);
  for (int i = 0; i < n; i++) pthread_join(ws[i].th, NULL);
}

static void sleep_serving(Loop *M, int64_t ns) { wait_for(M, never, NULL, 0, now_ns() + ns); }

/* ---- scenarios ------------------------------------------------------------------------------ */

static void pingpong(Loop *M) {
  int nt;
  int64_t t0 = now_ns();
  Loop *ws = start_threads(ROLE_PINGPONG, O.clients, &nt);
  if (!wait_for(M, all_ready, ws, nt, t0 + 120 * SEC)) die("the sessions were not all up after 120 s");
  command(M, ws, nt, CMD_GO, 0);
  sleep_serving(M, (int64_t)(O.warmup * SEC));
  int64_t a_t = now_ns(), a_cpu = self_cpu_ns();
  double a_srv = proc_cpu_s(O.pid);
  long a_done = 0;
  for (int i = 0; i < nt; i++) a_done += atomic_load(&ws[i].done);
  sleep_serving(M, (int64_t)(O.seconds * SEC));
  long b_done = 0, bad = 0;
  for (int i = 0; i < nt; i++) b_done += atomic_load(&ws[i].done), bad += atomic_load(&ws[i].bad);
  int64_t b_t = now_ns(), b_cpu = self_cpu_ns();
  double b_srv = proc_cpu_s(O.pid);
  stop_threads(M, ws, nt);
  double secs = (double)(b_t - a_t) / 1e9;
  long done = b_done - a_done;
  printf("{\"scenario\":\"pingpong\",");
  jnum("clients", O.clients, false);
  jnum("procs", nt, false);
  jnum("requests", (double)done, false);
  jnum("seconds", secs, false);
  jnum("rate", (double)done / secs, false);
  jnum("loadCpu", (double)(b_cpu - a_cpu) / 1e9 / secs, false);
  jnum("serverCpu", (b_srv - a_srv) / secs, false);
  jnum("mismatched", (double)bad, true);
  printf("}\n");
}

/* Asks the control session and returns the answer (error answers end the run). */
static const char *ctl(Loop *M, const char *route, const char *body) {
  Bytes f = request_frame(route, body, NULL);
  M->answered = false;
  bool ok = conn_send(M, 0, f.p, f.n);
  free(f.p);
  if (!ok) die("control session: sending %s failed", route);
  int64_t deadline = now_ns() + 30 * SEC;
  while (!M->answered) {
    int64_t t = now_ns();
    if (t >= deadline) die("%s: no answer within 30 s", route);
    loop_poll(M, deadline - t < SEC ? deadline - t : SEC);
  }
  if (strstr(M->answer, "\"code\"")) die("%s: error answer %s", route, M->answer);
  return M->answer;
}

typedef struct {
  double heap, rss, sessions;
} Mem;

static Mem mem(Loop *M) {
  const char *a = ctl(M, "connector.bench.mem", "{}");
  Mem m;
  if (!json_num(a, "heap", &m.heap) || !json_num(a, "rss", &m.rss) || !json_num(a, "sessions", &m.sessions))
    die("connector.bench.mem: expected {heap, rss, sessions}, got %s", a);
  return m;
}

static void fanout(Loop *M) {
  /* The control session: the main loop's one connection. */
  M->role = ROLE_CONTROL;
  start_dials(M);
  int64_t deadline = now_ns() + 60 * SEC;
  while (M->nready < 1) {
    int64_t t = now_ns();
    if (t >= deadline) die("control session: no handshake within 60 s");
    loop_poll(M, SEC);
  }
  mem(M);
  Mem before = mem(M);
  int64_t t0 = now_ns();
  int nt;
  Loop *ws = start_threads(ROLE_FANOUT, O.sessions, &nt);
  if (!wait_for(M, all_ready, ws, nt, t0 + 120 * SEC)) die("the sessions were not all up after 120 s");
  double connect_s = (double)(now_ns() - t0) / 1e9;
  sleep_serving(M, 500 * MS);
  mem(M);
  Mem after = mem(M);
  command(M, ws, nt, CMD_JOIN, 0);
  if (!wait_for(M, all_joined, ws, nt, now_ns() + 60 * SEC)) die("connector.bench.join: not all answered within 60 s");
  int R = O.rounds;
  double *ms = calloc((size_t)R + 1, sizeof(double)), *srv = calloc((size_t)R + 1, sizeof(double)),
         *own = calloc((size_t)R + 1, sizeof(double));
  long min_delivered = -1;
  for (int r = 0; r < R; r++) {
    command(M, ws, nt, CMD_ARM, r);
    double s0 = proc_cpu_ns(O.pid);
    int64_t c0 = self_cpu_ns();
    int64_t start = now_ns();
    char body[96];
    snprintf(body, sizeof body, "{\"text\":\"hello, everyone\",\"round\":%d}", r);
    const char *answer = ctl(M, "connector.bench.broadcast", body);
    double count = -1;
    if (!json_num(answer, "count", &count))
      die("connector.bench.broadcast: expected {\"count\":N}, got %s", answer);
    if ((long)count != O.sessions)
      fprintf(stderr, "nano_load: round %d: the server counted %ld sessions in the group, not %d\n", r,
              (long)count, O.sessions);
    bool all = wait_for(M, all_delivered, ws, nt, start + 10 * SEC);
    int64_t c1 = self_cpu_ns();
    double s1 = proc_cpu_ns(O.pid);
    long delivered = 0;
    int64_t last = 0;
    for (int i = 0; i < nt; i++) {
      delivered += atomic_load(&ws[i].got);
      int64_t l = atomic_load(&ws[i].last_ns);
      if (l > last) last = l;
    }
    if (!all)
      fprintf(stderr, "nano_load: round %d: %ld of %d deliveries after 10 s\n", r, delivered, O.sessions);
    ms[r] = last ? (double)(last - start) / 1e6 : 10000.0;
    srv[r] = (s1 - s0) / 1e6;
    own[r] = (double)(c1 - c0) / 1e6;
    if (min_delivered < 0 || delivered < min_delivered) min_delivered = delivered;
    sleep_serving(M, 200 * MS);
  }
  stop_threads(M, ws, nt);
  M->stopping = true;
  conn_fail(M, 0, "stopped");
  double best = median(ms, R);
  printf("{\"scenario\":\"fanout\",");
  jnum("sessions", O.sessions, false);
  jnum("procs", nt, false);
  jnum("connectSeconds", connect_s, false);
  jnum("heapBefore", before.heap, false);
  jnum("heapAfter", after.heap, false);
  jnum("sessionsSeen", after.sessions, false);
  jnum("bytesPerSession", (after.heap - before.heap) / O.sessions, false);
  jnum("rssPerSession", (after.rss - before.rss) / O.sessions, false);
  jnum("broadcastMs", best, false);
  jnum("delivered", (double)(min_delivered < 0 ? 0 : min_delivered), false);
  jnum("deliveriesPerSecond", (double)min_delivered / (best / 1000), false);
  printf("\"rounds\":[");
  for (int r = 0; r < R; r++) printf("%s%.10g", r ? "," : "", (double)(long long)(ms[r] * 100 + 0.5) / 100);
  printf("],");
  jnum("serverCpuMs", O.pid > 0 ? median(srv, R) : NAN, false);
  jnum("loadCpuMs", median(own, R), true);
  printf("}\n");
}

/* ---- start ---------------------------------------------------------------------------------- */

static void usage(const char *why) {
  fprintf(stderr,
          "nano_load: %s\n"
          "usage: nano_load pingpong --port P [--clients 1000] [--seconds 5] [--warmup 1] [--pid PID] [--threads 1]\n"
          "       nano_load fanout --port P [--sessions 10000] [--rounds 5] [--pid PID] [--threads 1]\n"
          "       (--procs N = --threads N; --parallel N handshakes in flight while dialing, 128)\n",
          why);
  exit(2);
}

static void parse_args(int argc, char **argv) {
  if (argc < 2) usage("no scenario");
  O.mode = argv[1];
  if (strcmp(O.mode, "pingpong") != 0 && strcmp(O.mode, "fanout") != 0) usage("the scenario is pingpong or fanout");
  for (int i = 2; i < argc; i += 2) {
    const char *k = argv[i];
    if (strncmp(k, "--", 2) != 0 || i + 1 >= argc) usage("flags go as --name value");
    k += 2;
    char *end;
    double v = strtod(argv[i + 1], &end);
    if (*end || end == argv[i + 1] || v < 0) usage("flag values are non-negative numbers");
    if (!strcmp(k, "port")) O.port = (int)v;
    else if (!strcmp(k, "clients")) O.clients = (int)v;
    else if (!strcmp(k, "sessions")) O.sessions = (int)v;
    else if (!strcmp(k, "threads") || !strcmp(k, "procs")) O.threads = v >= 1 ? (int)v : 1;
    else if (!strcmp(k, "rounds")) O.rounds = (int)v;
    else if (!strcmp(k, "pid")) O.pid = (int)v;
    else if (!strcmp(k, "parallel")) O.parallel = v >= 1 ? (int)v : 1;
    else if (!strcmp(k, "seconds")) O.seconds = v;
    else if (!strcmp(k, "warmup")) O.warmup = v;
    else usage("unknown flag");
  }
  if (!O.port) usage("--port is required");
  if (O.clients < 1 || O.sessions < 1 || O.rounds < 1 || O.seconds <= 0) usage("counts must be at least 1");
}

/* Raises the soft open-file limit to the hard one; says so when even that is too low. */
static void raise_files(long need) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0) die("getrlimit: %s", strerror(errno));
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0) die("setrlimit(RLIMIT_NOFILE): %s", strerror(errno));
  }
  if (rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur < need)
    die("the open-file limit is %ld (hard), below the %ld this run needs: raise it (ulimit -Hn 65536 as "
        "root, or LimitNOFILE) or ask for fewer sessions",
        (long)rl.rlim_cur, need);
}

int main(int argc, char **argv) {
  parse_args(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  bool pp = strcmp(O.mode, "pingpong") == 0;
  raise_files((pp ? O.clients : O.sessions) + 64L + 2L * O.threads);

  const char *hs = "{\"sys\":{\"type\":\"weft-bench\",\"version\":\"0.1.0\"}}";
  F_HANDSHAKE = pomelo_frame(1, hs, strlen(hs));
  F_ACK = pomelo_frame(2, NULL, 0);
  F_HEARTBEAT = pomelo_frame(3, NULL, 0);
  F_ECHO = request_frame("connector.bench.echo", PAYLOAD, &ECHO_ID_AT);
  F_JOIN = request_frame("connector.bench.join", "{}", NULL);

  g_notify = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (g_notify < 0) die("eventfd: %s", strerror(errno));
  Loop *M = calloc(1, sizeof(Loop));
  if (!M) die("out of memory");
  loop_init(M, -1, ROLE_CONTROL, pp ? 0 : 1, 1, g_notify);
  if (pp) pingpong(M);
  else fanout(M);
  fflush(stdout);
  return 0;
}
