/* zmq_curve_bench: libzmq + libsodium anchor figures for weft's CURVE (one JSON line each).
 *
 *   primitives   libsodium: crypto_scalarmult (X25519), crypto_box_beforenm, and
 *                crypto_box_easy_afternm / crypto_box_open_easy_afternm at 16 B, 1 KiB, 64 KiB
 *                (what CurveZMQ does per MESSAGE); ops/s and MB/s.
 *   push_pull    PUSH (a forked child process, connects) -> PULL (binds) over tcp, --mech curve
 *                or null, --size N; timed from the first message received to the last.
 *   handshakes   a forked REP (CURVE server) and, in a loop, a new REQ (CURVE client) that
 *                connects, does one 1-byte round trip and closes: connections per second.
 *
 * Build: bench/c/build.sh.  Run: bench/.out/zmq_curve_bench primitives|push_pull|handshakes ... */
#include "bench_common.h"

#include <sodium.h>
#include <sys/wait.h>
#include <zmq.h>

static void check(int rc, const char *what) {
  if (rc < 0) die(what, zmq_strerror(zmq_errno()));
}

static char server_public[41], server_secret[41], client_public[41], client_secret[41];

static void set_curve(void *sock, int server) {
  if (server) {
    int one = 1;
    check(zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one), "CURVE_SERVER");
    check(zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, server_secret, 40), "CURVE_SECRETKEY");
  } else {
    check(zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server_public, 40), "CURVE_SERVERKEY");
    check(zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, client_public, 40), "CURVE_PUBLICKEY");
    check(zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, client_secret, 40), "CURVE_SECRETKEY");
  }
}

/* Runs `fn` for at least `seconds`, growing the batch; returns ops per second. */
static double rate(double seconds, void (*fn)(long n, void *arg), void *arg) {
  long n = 1;
  for (;;) {
    double t0 = now_s();
    fn(n, arg);
    double dt = now_s() - t0;
    if (dt >= seconds) return (double)n / dt;
    n = dt < seconds / 20 ? n * 10 : (long)((double)n * seconds / dt * 1.1) + 1;
  }
}

static unsigned char pk[32], sk[32], key[32], nonce[24], out[32];
static unsigned char *plain, *boxed;
static long cur_size;

static void do_x25519(long n, void *arg) {
  (void)arg;
  for (long i = 0; i < n; i++) {
    if (crypto_scalarmult(out, sk, pk) != 0) die("crypto_scalarmult", "failed");
    sk[0] ^= out[0] & 1; /* keep the compiler honest */
  }
}
static void do_beforenm(long n, void *arg) {
  (void)arg;
  for (long i = 0; i < n; i++) crypto_box_beforenm(key, pk, sk);
}
static void do_seal(long n, void *arg) {
  (void)arg;
  for (long i = 0; i < n; i++) crypto_box_easy_afternm(boxed, plain, (size_t)cur_size, nonce, key);
}
static void do_open(long n, void *arg) {
  (void)arg;
  for (long i = 0; i < n; i++)
    if (crypto_box_open_easy_afternm(plain, boxed, (size_t)cur_size + 16, nonce, key) != 0)
      die("crypto_box_open_easy_afternm", "failed");
}

static void primitives(double seconds) {
  crypto_box_keypair(pk, sk);
  randombytes_buf(nonce, sizeof nonce);
  crypto_box_beforenm(key, pk, sk);
  printf("{\"impl\":\"libsodium\",\"scenario\":\"x25519\",\"ops_per_s\":%.0f}\n",
         rate(seconds, do_x25519, NULL));
  printf("{\"impl\":\"libsodium\",\"scenario\":\"beforenm\",\"ops_per_s\":%.0f}\n",
         rate(seconds, do_beforenm, NULL));
  long sizes[] = {16, 1024, 65536};
  for (int i = 0; i < 3; i++) {
    cur_size = sizes[i];
    plain = calloc((size_t)cur_size + 16, 1);
    boxed = calloc((size_t)cur_size + 16, 1);
    double s = rate(seconds, do_seal, NULL);
    do_seal(1, NULL);
    double o = rate(seconds, do_open, NULL);
    printf("{\"impl\":\"libsodium\",\"scenario\":\"seal\",\"size\":%ld,\"ops_per_s\":%.0f,"
           "\"mb_per_s\":%.1f}\n", cur_size, s, s * (double)cur_size / 1e6);
    printf("{\"impl\":\"libsodium\",\"scenario\":\"open\",\"size\":%ld,\"ops_per_s\":%.0f,"
           "\"mb_per_s\":%.1f}\n", cur_size, o, o * (double)cur_size / 1e6);
    free(plain);
    free(boxed);
  }
  fflush(stdout);
}

static void push_pull(int curve, long size, long count) {
  void *ctx = zmq_ctx_new();
  void *pull = zmq_socket(ctx, ZMQ_PULL);
  if (curve) set_curve(pull, 1);
  check(zmq_bind(pull, "tcp://127.0.0.1:*"), "bind");
  char ep[256];
  size_t len = sizeof ep;
  check(zmq_getsockopt(pull, ZMQ_LAST_ENDPOINT, ep, &len), "LAST_ENDPOINT");
  fflush(stdout);
  pid_t child = fork();
  if (child < 0) die("fork", "failed");
  if (child == 0) {
    void *cctx = zmq_ctx_new();
    void *push = zmq_socket(cctx, ZMQ_PUSH);
    if (curve) set_curve(push, 0);
    check(zmq_connect(push, ep), "connect");
    char *buf = malloc((size_t)size + 1);
    memset(buf, 'x', (size_t)size + 1);
    for (long i = 0; i < count; i++) check(zmq_send(push, buf, (size_t)size, 0), "send");
    zmq_close(push);
    zmq_ctx_term(cctx);
    _exit(0);
  }
  zmq_msg_t msg;
  zmq_msg_init(&msg);
  double first = 0;
  for (long i = 0; i < count; i++) {
    check(zmq_msg_recv(&msg, pull, 0), "recv");
    if (i == 0) first = now_s();
  }
  double dt = now_s() - first;
  zmq_msg_close(&msg);
  waitpid(child, NULL, 0);
  double mps = (double)(count - 1) / dt;
  printf("{\"impl\":\"libzmq\",\"scenario\":\"push_pull\",\"mech\":\"%s\",\"size\":%ld,"
         "\"count\":%ld,\"msg_per_s\":%.0f,\"mb_per_s\":%.1f}\n",
         curve ? "curve" : "null", size, count, mps, mps * (double)size / 1e6);
  fflush(stdout);
  zmq_close(pull);
  zmq_ctx_term(ctx);
}

static void handshakes(long count) {
  void *ctx = zmq_ctx_new();
  void *rep = zmq_socket(ctx, ZMQ_REP);
  set_curve(rep, 1);
  check(zmq_bind(rep, "tcp://127.0.0.1:*"), "bind");
  char ep[256];
  size_t len = sizeof ep;
  check(zmq_getsockopt(rep, ZMQ_LAST_ENDPOINT, ep, &len), "LAST_ENDPOINT");
  fflush(stdout);
  pid_t child = fork();
  if (child < 0) die("fork", "failed");
  if (child == 0) {
    void *cctx = zmq_ctx_new();
    double t0 = now_s();
    for (long i = 0; i < count; i++) {
      void *req = zmq_socket(cctx, ZMQ_REQ);
      int zero = 0;
      zmq_setsockopt(req, ZMQ_LINGER, &zero, sizeof zero);
      set_curve(req, 0);
      check(zmq_connect(req, ep), "connect");
      check(zmq_send(req, "x", 1, 0), "send");
      char b[8];
      check(zmq_recv(req, b, sizeof b, 0), "recv");
      zmq_close(req);
    }
    double dt = now_s() - t0;
    printf("{\"impl\":\"libzmq\",\"scenario\":\"handshakes\",\"count\":%ld,"
           "\"per_s\":%.0f}\n", count, (double)count / dt);
    fflush(stdout);
    zmq_ctx_term(cctx);
    _exit(0);
  }
  char b[8];
  for (long i = 0; i < count; i++) {
    int n = zmq_recv(rep, b, sizeof b, 0);
    check(n, "rep recv");
    check(zmq_send(rep, b, 1, 0), "rep send");
  }
  waitpid(child, NULL, 0);
  zmq_close(rep);
  zmq_ctx_term(ctx);
}

int main(int argc, char **argv) {
  if (sodium_init() < 0) die("sodium_init", "failed");
  check(zmq_curve_keypair(server_public, server_secret), "zmq_curve_keypair");
  check(zmq_curve_keypair(client_public, client_secret), "zmq_curve_keypair");
  const char *what = argc > 1 ? argv[1] : "primitives";
  long size = 1024, count = 100000;
  int curve = 1;
  double seconds = 1.0;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--size") == 0) size = atol(argv[i + 1]);
    else if (strcmp(argv[i], "--count") == 0) count = atol(argv[i + 1]);
    else if (strcmp(argv[i], "--mech") == 0) curve = strcmp(argv[i + 1], "curve") == 0;
    else if (strcmp(argv[i], "--seconds") == 0) seconds = atof(argv[i + 1]);
    else die("unknown flag", argv[i]);
  }
  if (strcmp(what, "primitives") == 0) primitives(seconds);
  else if (strcmp(what, "push_pull") == 0) push_pull(curve, size, count);
  else if (strcmp(what, "handshakes") == 0) handshakes(count);
  else die("unknown scenario (primitives, push_pull, handshakes)", what);
  return 0;
}
