/* zmq_bench: libzmq anchor figures for weft (one JSON line per scenario).
 *
 *   push_pull  PUSH (own thread, connects) -> PULL (binds), sizes x transports tcp/ipc/inproc;
 *              timed from the first message received to the last; msg/s and MB/s (1e6 bytes).
 *   req_rep    REQ -> REP round trips over tcp (16 B by default); p50/p99/mean RTT in us.
 *   fanout     PUB -> N SUB (default 10) over tcp, 16 B; deliveries/s summed over subscribers.
 *              PUB drops at the HWM, so "sent" can exceed "delivered" / subscribers.
 *
 * Cross-process (one end per process; bench/zmq/compare.mjs pairs them with other programs):
 *   zmq_bench --role pull|push|rep|req --endpoint EP --size N --count N
 *   pull binds and prints msg/s from the first message to the last; push connects and sends with
 *   LINGER -1; rep binds and echoes until an empty request; req connects and prints p50/p99/p99.9.
 *
 * Build: bench/c/build.sh.  Run: bench/.out/zmq_bench --all   (see --help). */
#include "bench_common.h"

#include <pthread.h>
#include <stdatomic.h>
#include <zmq.h>

static const char *IMPL = "libzmq";

static void check(int rc, const char *what) {
  if (rc < 0) die(what, zmq_strerror(zmq_errno()));
}

/* Binds `sock` to a fresh endpoint of the transport and writes the resolved one to `out`. */
static void bind_any(void *sock, const char *transport, char *out, size_t cap) {
  char ep[256];
  if (strcmp(transport, "tcp") == 0)
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:*");
  else if (strcmp(transport, "ipc") == 0)
    snprintf(ep, sizeof ep, "ipc:///tmp/weft-zmqbench-%d-%ld.sock", (int)getpid(),
             (long)(now_s() * 1e6) % 1000000000L);
  else if (strcmp(transport, "inproc") == 0)
    snprintf(ep, sizeof ep, "inproc://weft-bench-%ld", (long)(now_s() * 1e6) % 1000000000L);
  else
    die("unknown transport", transport);
  check(zmq_bind(sock, ep), ep);
  size_t len = cap;
  check(zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, out, &len), "ZMQ_LAST_ENDPOINT");
}

/* ---- push_pull ------------------------------------------------------------------------------ */

struct sender {
  void *ctx;
  const char *endpoint;
  long size;
  long count;
};

static void *push_main(void *arg) {
  struct sender *s = arg;
  void *push = zmq_socket(s->ctx, ZMQ_PUSH);
  check(zmq_connect(push, s->endpoint), "connect push");
  char *buf = malloc((size_t)s->size + 1);
  memset(buf, 'x', (size_t)s->size + 1);
  for (long i = 0; i < s->count; i++) check(zmq_send(push, buf, (size_t)s->size, 0), "send");
  free(buf);
  zmq_close(push); /* LINGER -1: waits until the PULL side has everything */
  return NULL;
}

/* Returns seconds from the first to the last message; count-1 messages fall in that window. */
static double push_pull_once(const char *transport, long size, long count) {
  void *ctx = zmq_ctx_new();
  void *pull = zmq_socket(ctx, ZMQ_PULL);
  char ep[256];
  bind_any(pull, transport, ep, sizeof ep);
  struct sender s = {ctx, ep, size, count};
  pthread_t th;
  pthread_create(&th, NULL, push_main, &s);
  zmq_msg_t msg;
  zmq_msg_init(&msg);
  check(zmq_msg_recv(&msg, pull, 0), "recv");
  double t0 = now_s();
  for (long i = 1; i < count; i++) check(zmq_msg_recv(&msg, pull, 0), "recv");
  double t1 = now_s();
  if ((long)zmq_msg_size(&msg) != size) die("push_pull", "wrong message size");
  zmq_msg_close(&msg);
  pthread_join(th, NULL);
  zmq_close(pull);
  zmq_ctx_term(ctx);
  if (strcmp(transport, "ipc") == 0) unlink(ep + strlen("ipc://"));
  return t1 - t0;
}

static void run_push_pull(const struct picks *p, const char *transport, long size) {
  long count = p->count;
  if (count <= 0) {
    long pilot = pilot_count(size);
    double secs = push_pull_once(transport, size, pilot);
    count = sized_count((double)(pilot - 1) / secs, p->seconds, pilot);
  }
  double secs = push_pull_once(transport, size, count);
  print_throughput(IMPL, transport, size, count - 1, secs);
}

/* ---- req_rep -------------------------------------------------------------------------------- */

struct echoer {
  void *ctx;
  void *rep;
};

static void *rep_main(void *arg) {
  struct echoer *e = arg;
  zmq_msg_t msg;
  zmq_msg_init(&msg);
  for (;;) {
    check(zmq_msg_recv(&msg, e->rep, 0), "rep recv");
    size_t n = zmq_msg_size(&msg);
    check(zmq_msg_send(&msg, e->rep, 0), "rep send");
    if (n == 0) break; /* the stop request */
  }
  zmq_msg_close(&msg);
  return NULL;
}

static void run_req_rep(const struct picks *p, const char *transport, long size) {
  void *ctx = zmq_ctx_new();
  struct echoer e = {ctx, zmq_socket(ctx, ZMQ_REP)};
  char ep[256];
  bind_any(e.rep, transport, ep, sizeof ep);
  pthread_t th;
  pthread_create(&th, NULL, rep_main, &e);
  void *req = zmq_socket(ctx, ZMQ_REQ);
  check(zmq_connect(req, ep), "connect req");
  char *buf = calloc(1, (size_t)size + 1);
  long cap = p->count > 0 ? p->count : 5000000;
  double *rtt = malloc(sizeof(double) * (size_t)cap);
  for (int i = 0; i < 1000; i++) { /* warm-up */
    check(zmq_send(req, buf, (size_t)size, 0), "req send");
    check(zmq_recv(req, buf, (size_t)size, 0), "req recv");
  }
  long n = 0;
  double start = now_s(), t = start;
  while (n < cap && (p->count > 0 || t - start < p->seconds)) {
    double t0 = now_s();
    check(zmq_send(req, buf, (size_t)size, 0), "req send");
    check(zmq_recv(req, buf, (size_t)size, 0), "req recv");
    t = now_s();
    rtt[n++] = (t - t0) * 1e6;
  }
  check(zmq_send(req, "", 0, 0), "req stop");
  check(zmq_recv(req, buf, (size_t)size, 0), "req stop reply");
  pthread_join(th, NULL);
  print_latency(IMPL, transport, size, rtt, n);
  free(rtt);
  free(buf);
  zmq_close(req);
  zmq_close(e.rep);
  zmq_ctx_term(ctx);
  if (strcmp(transport, "ipc") == 0) unlink(ep + strlen("ipc://"));
}

/* ---- fanout --------------------------------------------------------------------------------- */

struct publisher {
  void *pub; /* bound by main; handed to the thread (pthread_create is the memory barrier) */
  long size;
  atomic_int ready; /* set by main once every SUB has seen a probe */
  atomic_int stop;
  long sent;        /* data messages, counted after `ready` */
  double seconds;   /* publisher's own send window */
};

static void *pub_main(void *arg) {
  struct publisher *s = arg;
  void *pub = s->pub;
  char *buf = malloc((size_t)s->size);
  memset(buf, 'd', (size_t)s->size);
  while (!atomic_load(&s->ready)) { /* probes until every SUB's subscription has arrived */
    zmq_send(pub, "p", 1, 0);
    usleep(1000);
  }
  double t0 = now_s();
  long sent = 0;
  while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
    for (int i = 0; i < 256; i++) check(zmq_send(pub, buf, (size_t)s->size, 0), "pub send");
    sent += 256;
  }
  s->seconds = now_s() - t0;
  s->sent = sent;
  free(buf);
  int zero = 0;
  zmq_setsockopt(pub, ZMQ_LINGER, &zero, sizeof zero);
  zmq_close(pub);
  return NULL;
}

static void run_fanout(const struct picks *p, const char *transport, long size) {
  if (strcmp(transport, "tcp") != 0 && strcmp(transport, "ipc") != 0)
    die("fanout", "transport must be tcp or ipc");
  void *ctx = zmq_ctx_new();
  char ep[256];
  struct publisher s = {.pub = zmq_socket(ctx, ZMQ_PUB), .size = size};
  bind_any(s.pub, transport, ep, sizeof ep);
  atomic_init(&s.ready, 0);
  atomic_init(&s.stop, 0);
  int n = p->subs;
  void *subs[64];
  zmq_pollitem_t items[64];
  int seen[64] = {0};
  for (int i = 0; i < n; i++) {
    subs[i] = zmq_socket(ctx, ZMQ_SUB);
    check(zmq_setsockopt(subs[i], ZMQ_SUBSCRIBE, "", 0), "subscribe");
    check(zmq_connect(subs[i], ep), "connect sub");
    items[i] = (zmq_pollitem_t){subs[i], 0, ZMQ_POLLIN, 0};
  }
  pthread_t th;
  pthread_create(&th, NULL, pub_main, &s);
  char buf[65536 + 1];
  for (int ready = 0; ready < n;) {
    check(zmq_poll(items, n, 5000), "poll");
    for (int i = 0; i < n; i++)
      if ((items[i].revents & ZMQ_POLLIN) && zmq_recv(subs[i], buf, sizeof buf, ZMQ_DONTWAIT) >= 0
          && !seen[i]) {
        seen[i] = 1;
        ready++;
      }
  }
  atomic_store(&s.ready, 1);
  long delivered = 0;
  double t0 = now_s(), t = t0;
  while (t - t0 < p->seconds) {
    check(zmq_poll(items, n, 100), "poll");
    for (int i = 0; i < n; i++) {
      if (!(items[i].revents & ZMQ_POLLIN)) continue;
      int got;
      while ((got = zmq_recv(subs[i], buf, sizeof buf, ZMQ_DONTWAIT)) >= 0)
        if (got > 0 && buf[0] == 'd') delivered++;
    }
    t = now_s();
  }
  atomic_store(&s.stop, 1);
  pthread_join(th, NULL);
  double secs = t - t0;
  printf("{\"impl\":\"%s\",\"scenario\":\"fanout\",\"mode\":\"native\",\"transport\":\"%s\","
         "\"size\":%ld,\"subscribers\":%d,\"seconds\":%.3f,\"sent\":%ld,\"sent_per_s\":%.0f,"
         "\"delivered\":%ld,\"deliveries_per_s\":%.0f}\n",
         IMPL, transport, size, n, secs, s.sent, (double)s.sent / s.seconds, delivered,
         (double)delivered / secs);
  fflush(stdout);
  int zero = 0;
  for (int i = 0; i < n; i++) {
    zmq_setsockopt(subs[i], ZMQ_LINGER, &zero, sizeof zero);
    zmq_close(subs[i]);
  }
  zmq_ctx_term(ctx);
  if (strcmp(transport, "ipc") == 0) unlink(ep + strlen("ipc://"));
}

/* ---- one end per process (--role) ----------------------------------------------------------- */

static const char *transport_of(const char *ep) {
  return strncmp(ep, "ipc:", 4) == 0 ? "ipc" : strncmp(ep, "tcp:", 4) == 0 ? "tcp" : "other";
}

static int role_main(int argc, char **argv) {
  const char *role = NULL, *ep = NULL;
  long size = 16, count = 100000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--role") == 0) role = argv[i + 1];
    else if (strcmp(argv[i], "--endpoint") == 0) ep = argv[i + 1];
    else if (strcmp(argv[i], "--size") == 0) size = atol(argv[i + 1]);
    else if (strcmp(argv[i], "--count") == 0) count = atol(argv[i + 1]);
    else die("unknown flag", argv[i]);
  }
  if (!role || !ep) die("--role", "needs --role and --endpoint");
  void *ctx = zmq_ctx_new();
  char *buf = malloc((size_t)size + 1);
  memset(buf, 'x', (size_t)size + 1);
  if (strcmp(role, "pull") == 0) {
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    check(zmq_bind(pull, ep), ep);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    check(zmq_msg_recv(&msg, pull, 0), "recv");
    double t0 = now_s(), c0 = cpu_s();
    for (long i = 1; i < count; i++) check(zmq_msg_recv(&msg, pull, 0), "recv");
    double t1 = now_s(), c1 = cpu_s();
    if ((long)zmq_msg_size(&msg) != size) die("pull", "wrong message size");
    zmq_msg_close(&msg);
    print_throughput_cpu(IMPL, transport_of(ep), size, count - 1, t1 - t0, c1 - c0);
    zmq_close(pull);
  } else if (strcmp(role, "push") == 0) {
    void *push = zmq_socket(ctx, ZMQ_PUSH);
    check(zmq_connect(push, ep), "connect push");
    for (long i = 0; i < count; i++) check(zmq_send(push, buf, (size_t)size, 0), "send");
    zmq_close(push); /* LINGER -1: waits until the PULL side has everything */
  } else if (strcmp(role, "rep") == 0) {
    struct echoer e = {ctx, zmq_socket(ctx, ZMQ_REP)};
    check(zmq_bind(e.rep, ep), ep);
    rep_main(&e);
    zmq_close(e.rep);
  } else if (strcmp(role, "req") == 0) {
    void *req = zmq_socket(ctx, ZMQ_REQ);
    check(zmq_connect(req, ep), "connect req");
    double *rtt = malloc(sizeof(double) * (size_t)count);
    for (int i = 0; i < 1000; i++) { /* warm-up */
      check(zmq_send(req, buf, (size_t)size, 0), "req send");
      check(zmq_recv(req, buf, (size_t)size, 0), "req recv");
    }
    for (long i = 0; i < count; i++) {
      double t0 = now_s();
      check(zmq_send(req, buf, (size_t)size, 0), "req send");
      check(zmq_recv(req, buf, (size_t)size, 0), "req recv");
      rtt[i] = (now_s() - t0) * 1e6;
    }
    check(zmq_send(req, "", 0, 0), "req stop");
    check(zmq_recv(req, buf, (size_t)size, 0), "req stop reply");
    print_latency(IMPL, transport_of(ep), size, rtt, count);
    free(rtt);
    zmq_close(req);
  } else {
    die("unknown --role", role);
  }
  free(buf);
  zmq_ctx_term(ctx);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--role") == 0) return role_main(argc, argv);
  struct picks p;
  parse_args(argc, argv, &p, "push_pull req_rep fanout", "tcp ipc inproc");
  static const char *all_scen[] = {"push_pull", "req_rep", "fanout"};
  static const char *all_tr[] = {"tcp", "ipc", "inproc"};
  const char *const *scen = p.n_scenarios ? p.scenarios : all_scen;
  int n_scen = p.n_scenarios ? p.n_scenarios : 3;
  for (int i = 0; i < n_scen; i++) {
    if (strcmp(scen[i], "push_pull") == 0) {
      const char *const *tr = p.n_transports ? p.transports : all_tr;
      int n_tr = p.n_transports ? p.n_transports : 3;
      for (int t = 0; t < n_tr; t++)
        for (int s = 0; s < p.n_sizes; s++) run_push_pull(&p, tr[t], p.sizes[s]);
    } else if (strcmp(scen[i], "req_rep") == 0 || strcmp(scen[i], "fanout") == 0) {
      /* 16 B over tcp unless sizes/transports were given explicitly */
      int n_tr = p.n_transports ? p.n_transports : 1;
      int explicit_size = 0;
      for (int a = 1; a < argc; a++) explicit_size |= strcmp(argv[a], "--size") == 0;
      int n_sz = explicit_size ? p.n_sizes : 1;
      for (int t = 0; t < n_tr; t++)
        for (int s = 0; s < n_sz; s++) {
          const char *tr = p.n_transports ? p.transports[t] : "tcp";
          long size = explicit_size ? p.sizes[s] : 16;
          if (scen[i][0] == 'r')
            run_req_rep(&p, tr, size);
          else
            run_fanout(&p, tr, size);
        }
    } else {
      die("unknown scenario", scen[i]);
    }
  }
  return 0;
}
