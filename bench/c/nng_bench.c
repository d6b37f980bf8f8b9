/* nng_bench: nng 1.5.x anchor figures for weft (one JSON line per scenario).
 *
 *   push_pull  Push0 (own thread, dials) -> Pull0 (listens), sizes x transports tcp/ipc (inproc on
 *              request); nng_sendmsg/nng_recvmsg (no copies on the receive side); send/recv buffers
 *              of --buffer messages (default 128) on both sockets. Timed from the first message
 *              received to the last; msg/s and MB/s (1e6 bytes).
 *   req_rep    Req0 -> Rep0 round trips over tcp (16 B by default); p50/p99/mean RTT in us.
 *
 * Cross-process (one end per process; bench/sp/compare.mjs pairs them with other programs):
 *   nng_bench --role pull|push|rep|req --endpoint URL --size N --count N
 *   pull listens and prints msg/s; push dials (retrying) and then waits to be stopped (nng_close
 *   does not linger); rep listens and echoes until an empty request; req prints p50/p99/p99.9.
 *
 * Build: bench/c/build.sh.  Run: bench/.out/nng_bench --all   (see --help). */
#include "bench_common.h"

#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <stdatomic.h>

static const char *IMPL = "nng";

static void check(int rc, const char *what) {
  if (rc != 0) die(what, nng_strerror(rc));
}

/* Listens on a fresh endpoint of the transport; writes the dialable URL to `out`. */
static void listen_any(nng_socket sock, const char *transport, char *out, size_t cap) {
  long tag = (long)(now_s() * 1e6) % 1000000000L;
  nng_listener l;
  if (strcmp(transport, "tcp") == 0) {
    check(nng_listen(sock, "tcp://127.0.0.1:0", &l, 0), "listen tcp");
    int port = 0;
    check(nng_listener_get_int(l, NNG_OPT_TCP_BOUND_PORT, &port), "tcp-bound-port");
    snprintf(out, cap, "tcp://127.0.0.1:%d", port);
    return;
  }
  if (strcmp(transport, "ipc") == 0)
    snprintf(out, cap, "ipc:///tmp/weft-nngbench-%d-%ld.sock", (int)getpid(), tag);
  else if (strcmp(transport, "inproc") == 0)
    snprintf(out, cap, "inproc://weft-nngbench-%ld", tag);
  else
    die("unknown transport", transport);
  check(nng_listen(sock, out, &l, 0), out);
}

/* ---- push_pull ------------------------------------------------------------------------------ */

struct sender {
  const char *url;
  long size;
  long count;
  int buffer;
  atomic_int done; /* the receiver has everything: closing now drops nothing */
};

static void *push_main(void *arg) {
  struct sender *s = arg;
  nng_socket push;
  check(nng_push0_open(&push), "push0 open");
  if (s->buffer > 0) check(nng_socket_set_int(push, NNG_OPT_SENDBUF, s->buffer), "send-buffer");
  check(nng_dial(push, s->url, NULL, 0), "dial push");
  for (long i = 0; i < s->count; i++) {
    nng_msg *m;
    check(nng_msg_alloc(&m, (size_t)s->size), "msg alloc");
    memset(nng_msg_body(m), 'x', (size_t)s->size);
    check(nng_sendmsg(push, m, 0), "sendmsg");
  }
  while (!atomic_load(&s->done)) usleep(1000); /* nng_close does not linger */
  nng_close(push);
  return NULL;
}

static double push_pull_once(const char *transport, long size, long count, int buffer) {
  nng_socket pull;
  check(nng_pull0_open(&pull), "pull0 open");
  if (buffer > 0) check(nng_socket_set_int(pull, NNG_OPT_RECVBUF, buffer), "recv-buffer");
  char url[256];
  listen_any(pull, transport, url, sizeof url);
  struct sender s = {.url = url, .size = size, .count = count, .buffer = buffer};
  atomic_init(&s.done, 0);
  pthread_t th;
  pthread_create(&th, NULL, push_main, &s);
  nng_msg *m;
  check(nng_recvmsg(pull, &m, 0), "recvmsg");
  nng_msg_free(m);
  double t0 = now_s();
  size_t last = 0;
  for (long i = 1; i < count; i++) {
    check(nng_recvmsg(pull, &m, 0), "recvmsg");
    last = nng_msg_len(m);
    nng_msg_free(m);
  }
  double t1 = now_s();
  if (count > 1 && (long)last != size) die("push_pull", "wrong message size");
  atomic_store(&s.done, 1);
  pthread_join(th, NULL);
  nng_close(pull);
  if (strcmp(transport, "ipc") == 0) unlink(url + strlen("ipc://"));
  return t1 - t0;
}

static void run_push_pull(const struct picks *p, const char *transport, long size) {
  long count = p->count;
  if (count <= 0) {
    long pilot = pilot_count(size) / 20; /* nng is ~100x slower per message than libzmq */
    double secs = push_pull_once(transport, size, pilot, p->buffer);
    count = sized_count((double)(pilot - 1) / secs, p->seconds, pilot);
  }
  double secs = push_pull_once(transport, size, count, p->buffer);
  print_throughput(IMPL, transport, size, count - 1, secs);
}

/* ---- req_rep -------------------------------------------------------------------------------- */

static void *rep_main(void *arg) {
  nng_socket rep = *(nng_socket *)arg;
  for (;;) {
    nng_msg *m;
    check(nng_recvmsg(rep, &m, 0), "rep recv");
    size_t n = nng_msg_len(m);
    check(nng_sendmsg(rep, m, 0), "rep send"); /* the backtrace header rides along */
    if (n == 0) break;                         /* the stop request */
  }
  return NULL;
}

static void run_req_rep(const struct picks *p, const char *transport, long size) {
  nng_socket rep, req;
  check(nng_rep0_open(&rep), "rep0 open");
  char url[256];
  listen_any(rep, transport, url, sizeof url);
  pthread_t th;
  pthread_create(&th, NULL, rep_main, &rep);
  check(nng_req0_open(&req), "req0 open");
  check(nng_dial(req, url, NULL, 0), "dial req");
  long cap = p->count > 0 ? p->count : 5000000;
  double *rtt = malloc(sizeof(double) * (size_t)cap);
  long n = 0;
  double start = 0, t = 0;
  for (long i = -1000; i < cap; i++) { /* 1000 warm-up round trips first */
    if (i == 0) start = t = now_s();
    if (i >= 0 && p->count <= 0 && t - start >= p->seconds) break;
    double t0 = now_s();
    nng_msg *m;
    check(nng_msg_alloc(&m, (size_t)size), "msg alloc");
    check(nng_sendmsg(req, m, 0), "req send");
    check(nng_recvmsg(req, &m, 0), "req recv");
    nng_msg_free(m);
    t = now_s();
    if (i >= 0) rtt[n++] = (t - t0) * 1e6;
  }
  nng_msg *m;
  check(nng_msg_alloc(&m, 0), "msg alloc");
  check(nng_sendmsg(req, m, 0), "req stop");
  check(nng_recvmsg(req, &m, 0), "req stop reply");
  nng_msg_free(m);
  pthread_join(th, NULL);
  print_latency(IMPL, transport, size, rtt, n);
  free(rtt);
  nng_close(req);
  nng_close(rep);
  if (strcmp(transport, "ipc") == 0) unlink(url + strlen("ipc://"));
}

/* ---- one end per process (--role) ----------------------------------------------------------- */

static int role_main(int argc, char **argv) {
  const char *role = NULL, *url = NULL;
  long size = 16, count = 100000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--role") == 0) role = argv[i + 1];
    else if (strcmp(argv[i], "--endpoint") == 0) url = argv[i + 1];
    else if (strcmp(argv[i], "--size") == 0) size = atol(argv[i + 1]);
    else if (strcmp(argv[i], "--count") == 0) count = atol(argv[i + 1]);
    else die("unknown flag", argv[i]);
  }
  if (!role || !url) die("--role", "needs --role and --endpoint");
  const char *transport = strncmp(url, "ipc:", 4) == 0 ? "ipc" : "tcp";
  nng_socket sock;
  nng_msg *m;
  if (strcmp(role, "pull") == 0) {
    check(nng_pull0_open(&sock), "pull0 open");
    check(nng_socket_set_int(sock, NNG_OPT_RECVBUF, 128), "recv-buffer");
    check(nng_listen(sock, url, NULL, 0), url);
    check(nng_recvmsg(sock, &m, 0), "recvmsg");
    nng_msg_free(m);
    double t0 = now_s(), c0 = cpu_s();
    size_t last = (size_t)size;
    for (long i = 1; i < count; i++) {
      check(nng_recvmsg(sock, &m, 0), "recvmsg");
      last = nng_msg_len(m);
      nng_msg_free(m);
    }
    double t1 = now_s(), c1 = cpu_s();
    if ((long)last != size) die("pull", "wrong message size");
    print_throughput_cpu(IMPL, transport, size, count - 1, t1 - t0, c1 - c0);
  } else if (strcmp(role, "push") == 0) {
    check(nng_push0_open(&sock), "push0 open");
    check(nng_socket_set_int(sock, NNG_OPT_SENDBUF, 128), "send-buffer");
    check(nng_dial(sock, url, NULL, NNG_FLAG_NONBLOCK), "dial push");
    for (long i = 0; i < count; i++) {
      check(nng_msg_alloc(&m, (size_t)size), "msg alloc");
      memset(nng_msg_body(m), 'x', (size_t)size);
      check(nng_sendmsg(sock, m, 0), "sendmsg");
    }
    sleep(60); /* nng_close does not linger: the orchestrator stops this process */
  } else if (strcmp(role, "rep") == 0) {
    check(nng_rep0_open(&sock), "rep0 open");
    check(nng_listen(sock, url, NULL, 0), url);
    rep_main(&sock);
  } else if (strcmp(role, "req") == 0) {
    check(nng_req0_open(&sock), "req0 open");
    check(nng_dial(sock, url, NULL, NNG_FLAG_NONBLOCK), "dial req");
    double *rtt = malloc(sizeof(double) * (size_t)count);
    for (long i = -1000; i < count; i++) { /* 1000 warm-up round trips first */
      double t0 = now_s();
      check(nng_msg_alloc(&m, (size_t)size), "msg alloc");
      check(nng_sendmsg(sock, m, 0), "req send");
      check(nng_recvmsg(sock, &m, 0), "req recv");
      nng_msg_free(m);
      if (i >= 0) rtt[i] = (now_s() - t0) * 1e6;
    }
    check(nng_msg_alloc(&m, 0), "msg alloc");
    check(nng_sendmsg(sock, m, 0), "req stop");
    check(nng_recvmsg(sock, &m, 0), "req stop reply");
    nng_msg_free(m);
    print_latency(IMPL, transport, size, rtt, count);
    free(rtt);
  } else {
    die("unknown --role", role);
  }
  nng_close(sock);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--role") == 0) return role_main(argc, argv);
  struct picks p;
  parse_args(argc, argv, &p, "push_pull req_rep", "tcp ipc inproc");
  static const char *all_scen[] = {"push_pull", "req_rep"};
  static const char *all_tr[] = {"tcp", "ipc"};
  const char *const *scen = p.n_scenarios ? p.scenarios : all_scen;
  int n_scen = p.n_scenarios ? p.n_scenarios : 2;
  int explicit_size = 0;
  for (int a = 1; a < argc; a++) explicit_size |= strcmp(argv[a], "--size") == 0;
  for (int i = 0; i < n_scen; i++) {
    if (strcmp(scen[i], "push_pull") == 0) {
      const char *const *tr = p.n_transports ? p.transports : all_tr;
      int n_tr = p.n_transports ? p.n_transports : 2;
      for (int t = 0; t < n_tr; t++)
        for (int s = 0; s < p.n_sizes; s++) run_push_pull(&p, tr[t], p.sizes[s]);
    } else if (strcmp(scen[i], "req_rep") == 0) {
      int n_tr = p.n_transports ? p.n_transports : 1;
      int n_sz = explicit_size ? p.n_sizes : 1;
      for (int t = 0; t < n_tr; t++)
        for (int s = 0; s < n_sz; s++)
          run_req_rep(&p, p.n_transports ? p.transports[t] : "tcp",
                      explicit_size ? p.sizes[s] : 16);
    } else {
      die("unknown scenario", scen[i]);
    }
  }
  return 0;
}
