"""zmq_peer.py plus one op for CURVE tests: `curve_auth` starts pyzmq's ThreadAuthenticator (a
real RFC 27 ZAP handler inside this libzmq context) with an allow-list of client public keys,
loaded the way libzmq users do it: certificate files in a directory, `configure_curve(location=)`.

  {"op": "curve_auth", "allow": ["<Z85 public key>", ...]}   -> {"allowed": N}
  {"op": "curve_auth", "any": true}                          -> CURVE_ALLOW_ANY

Everything else is zmq_peer.py's protocol (see tests/interop/README.md)."""

import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))

import zmq  # noqa: E402
import zmq.auth  # noqa: E402
from zmq.auth.thread import ThreadAuthenticator  # noqa: E402

import zmq_peer  # noqa: E402


class CurvePeer(zmq_peer.Peer):
    def __init__(self, out):
        super().__init__(out)
        self.auth = None
        self.cert_dir = None

    def op_curve_auth(self, cmd):
        if self.auth is not None:
            raise zmq_peer.PeerError("the authenticator is already running")
        self.auth = ThreadAuthenticator(self.ctx)
        self.auth.start()
        if cmd.get("any"):
            self.auth.configure_curve(domain="*", location=zmq.auth.CURVE_ALLOW_ANY)
            return {"allowed": "any"}
        self.cert_dir = tempfile.mkdtemp(prefix="weft-curve-certs-")
        allow = cmd.get("allow") or []
        for i, key in enumerate(allow):
            with open(os.path.join(self.cert_dir, "client%d.key" % i), "w") as f:
                f.write('metadata\ncurve\n    public-key = "%s"\n' % key)
        self.auth.configure_curve(domain="*", location=self.cert_dir)
        return {"allowed": len(allow)}

    def shutdown(self):
        try:
            if self.auth is not None:
                self.auth.stop()  # before ctx.term(), which waits for its sockets
        finally:
            if self.cert_dir is not None:
                shutil.rmtree(self.cert_dir, ignore_errors=True)
            super().shutdown()


zmq_peer.Peer = CurvePeer

if __name__ == "__main__":
    sys.exit(zmq_peer.main())
