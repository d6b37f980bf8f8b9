#!/usr/bin/env python3
"""zmq_peer.py plus a real libzmq ZAP handler: pyzmq's zmq.auth.thread.ThreadAuthenticator.

Adds two ops to zmq_peer.py's protocol (see tests/interop/README.md):
  {"op": "auth", "plain": {"user": "password"}, "allow": ["127.0.0.1"]}  start it (before bind)
  {"op": "auth_stop"}                                                    stop it
A PLAIN server in libzmq refuses every login without a ZAP handler, so PLAIN interop needs one.
"""

import sys

import zmq_peer
from zmq.auth.thread import ThreadAuthenticator


def op_auth(self, cmd):
    if getattr(self, "auth", None) is not None:
        raise zmq_peer.PeerError("the authenticator is already running")
    auth = ThreadAuthenticator(self.ctx)
    auth.start()
    if cmd.get("allow"):
        auth.allow(*[str(a) for a in cmd["allow"]])
    if "plain" in cmd:
        auth.configure_plain(domain=str(cmd.get("domain", "*")), passwords=dict(cmd["plain"]))
    self.auth = auth
    return {}


def op_auth_stop(self, cmd):
    auth = getattr(self, "auth", None)
    if auth is not None:
        auth.stop()
        self.auth = None
    return {"stopped": auth is not None}


_shutdown = zmq_peer.Peer.shutdown


def shutdown(self):
    # The authenticator holds a socket in the context: stop it before ctx.term().
    auth = getattr(self, "auth", None)
    if auth is not None:
        self.auth = None
        auth.stop()
    _shutdown(self)


zmq_peer.Peer.op_auth = op_auth
zmq_peer.Peer.op_auth_stop = op_auth_stop
zmq_peer.Peer.shutdown = shutdown

if __name__ == "__main__":
    sys.exit(zmq_peer.main())
