#!/usr/bin/env python3
"""A scriptable libzmq peer (through pyzmq) for weft's interop tests.

Driven over stdin/stdout with JSON lines: one command per input line, exactly one reply line per
command (`{"ok": true, ...}` or `{"ok": false, "error": "..."}`), in order. Asynchronous lines
(the startup banner and socket-monitor events) carry an "event" key instead of "ok". Every
blocking operation has a timeout, so the peer never hangs; end of stdin means exit.

Binary data travels as lowercase hex strings. Option values are ints, strings (sent as UTF-8
bytes) or {"hex": "..."} for raw bytes. See tests/interop/README.md for the full protocol.
"""

import json
import sys
import threading
import time

try:
    import zmq
    from zmq.utils.monitor import recv_monitor_message
except ImportError as exc:  # reported as a line, so the TS side can say what to install
    sys.stdout.write(json.dumps({"event": "fatal", "error": "pyzmq missing: %s" % exc}) + "\n")
    sys.stdout.flush()
    sys.exit(3)

DEFAULT_TIMEOUT_MS = 5000
DEFAULT_CLOSE_LINGER_MS = 1000

# Monitor event id -> name, from libzmq's zmq.h (stable ids only).
EVENT_NAMES = {
    0x0001: "CONNECTED",
    0x0002: "CONNECT_DELAYED",
    0x0004: "CONNECT_RETRIED",
    0x0008: "LISTENING",
    0x0010: "BIND_FAILED",
    0x0020: "ACCEPTED",
    0x0040: "ACCEPT_FAILED",
    0x0080: "CLOSED",
    0x0100: "CLOSE_FAILED",
    0x0200: "DISCONNECTED",
    0x0400: "MONITOR_STOPPED",
    0x0800: "HANDSHAKE_FAILED_NO_DETAIL",
    0x1000: "HANDSHAKE_SUCCEEDED",
    0x2000: "HANDSHAKE_FAILED_PROTOCOL",
    0x4000: "HANDSHAKE_FAILED_AUTH",
}

# Socket types the echo command knows how to answer, and how it treats the envelope.
ECHO_TYPES = {"REP", "ROUTER", "DEALER", "PAIR", "STREAM"}


class PeerError(Exception):
    """A command failed in a way the caller should see as {"ok": false}."""


class Output:
    """Serialises whole JSON lines onto stdout from the command loop and the monitor thread."""

    def __init__(self):
        self._lock = threading.Lock()

    def line(self, obj):
        text = json.dumps(obj, separators=(",", ":")) + "\n"
        with self._lock:
            sys.stdout.write(text)
            sys.stdout.flush()


def to_bytes(value):
    if isinstance(value, dict) and "hex" in value:
        return bytes.fromhex(value["hex"])
    if isinstance(value, str):
        return value.encode("utf-8")
    raise PeerError("expected a string or {\"hex\": ...}, got %r" % (value,))


def hex_frames(frames):
    return [bytes(f).hex() for f in frames]


def parse_frames(cmd):
    if "frames" in cmd:
        frames = cmd["frames"]
        if not isinstance(frames, list):
            raise PeerError("frames must be a list of hex strings")
        try:
            return [bytes.fromhex(f) for f in frames]
        except (TypeError, ValueError) as exc:
            raise PeerError("frames must be hex strings: %s" % exc)
    if "text" in cmd:  # convenience for hand-written tests
        return [t.encode("utf-8") for t in cmd["text"]]
    raise PeerError("send needs \"frames\" (hex list) or \"text\" (string list)")


def option_id(name):
    const = getattr(zmq, str(name).upper(), None)
    if not isinstance(const, int):
        raise PeerError("unknown socket option %r" % (name,))
    return const


def timeout_of(cmd):
    t = cmd.get("timeout", DEFAULT_TIMEOUT_MS)
    if not isinstance(t, (int, float)) or t < 0:
        raise PeerError("timeout must be a non-negative number of ms")
    return int(t)


class Monitor:
    """Reads the socket monitor on its own thread and prints each event as a line."""

    def __init__(self, sock, out):
        self._pair = sock.get_monitor_socket()
        self._out = out
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()

    def _run(self):
        try:
            while True:
                if not self._pair.poll(200):
                    continue
                msg = recv_monitor_message(self._pair)
                ev = int(msg["event"])
                name = EVENT_NAMES.get(ev, "UNKNOWN_%#x" % ev)
                self._out.line({
                    "event": name,
                    "id": ev,
                    "value": msg.get("value"),
                    "endpoint": (msg.get("endpoint") or b"").decode("utf-8", "replace"),
                })
                if ev == zmq.EVENT_MONITOR_STOPPED:
                    break
        except zmq.ZMQError as exc:
            self._out.line({"event": "monitor_error", "error": str(exc)})
        finally:
            self._pair.close(linger=0)

    @property
    def running(self):
        return self._thread.is_alive()

    def stop(self, sock):
        """Stops the monitor; returns False if its thread did not finish in time."""
        try:
            sock.disable_monitor()
        except zmq.ZMQError:
            pass
        if self._thread.ident is not None:
            self._thread.join(timeout=2.0)
        return not self._thread.is_alive()


class Peer:
    def __init__(self, out):
        self.out = out
        self.ctx = zmq.Context()
        self.sock = None
        self.type_name = None
        self.monitor = None
        self.stuck = False  # a monitor thread outlived its socket: skip ctx.term() at exit

    # -- helpers -------------------------------------------------------------------------------

    def need_socket(self):
        if self.sock is None:
            raise PeerError("no socket: send {\"op\":\"socket\",\"type\":...} first")
        return self.sock

    def recv_frames(self, timeout_ms):
        sock = self.need_socket()
        if not sock.poll(timeout_ms, zmq.POLLIN):
            raise PeerError("timeout: nothing received within %d ms" % timeout_ms)
        return sock.recv_multipart(copy=True)

    def send_frames(self, frames, timeout_ms):
        sock = self.need_socket()
        if not frames:
            raise PeerError("a message needs at least one frame")
        deadline = time.monotonic() + timeout_ms / 1000.0
        for i, frame in enumerate(frames):
            more = zmq.SNDMORE if i < len(frames) - 1 else 0
            while True:
                try:
                    sock.send(frame, zmq.NOBLOCK | more)
                    break
                except zmq.Again:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise PeerError("timeout: could not send within %d ms (HWM or no peer)"
                                        % timeout_ms)
                    sock.poll(max(1, int(left * 1000)), zmq.POLLOUT)

    # -- commands ------------------------------------------------------------------------------

    def op_socket(self, cmd):
        if self.sock is not None:
            raise PeerError("a socket is already open; close it first")
        type_name = str(cmd.get("type", "")).upper()
        type_id = getattr(zmq, type_name, None)
        if not type_name or not isinstance(type_id, int):
            raise PeerError("unknown socket type %r" % (cmd.get("type"),))
        sock = self.ctx.socket(type_id)
        try:
            for name, value in (cmd.get("options") or {}).items():
                self.set_option(sock, name, value)
        except Exception:
            sock.close(linger=0)
            raise
        self.sock = sock
        self.type_name = type_name
        return {"type": type_name}

    def set_option(self, sock, name, value):
        opt = option_id(name)
        if isinstance(value, bool):
            value = int(value)
        if not isinstance(value, int):
            value = to_bytes(value)
        sock.setsockopt(opt, value)

    def op_setsockopt(self, cmd):
        self.set_option(self.need_socket(), cmd.get("name"), cmd.get("value"))
        return {}

    def op_getsockopt(self, cmd):
        value = self.need_socket().getsockopt(option_id(cmd.get("name")))
        if isinstance(value, bytes):
            return {"value": value.hex()}
        return {"value": value}

    def op_bind(self, cmd):
        sock = self.need_socket()
        sock.bind(str(cmd["endpoint"]))
        last = sock.getsockopt(zmq.LAST_ENDPOINT)
        return {"endpoint": last.decode("utf-8") if isinstance(last, bytes) else last}

    def op_connect(self, cmd):
        self.need_socket().connect(str(cmd["endpoint"]))
        return {"endpoint": str(cmd["endpoint"])}

    def op_unbind(self, cmd):
        self.need_socket().unbind(str(cmd["endpoint"]))
        return {}

    def op_disconnect(self, cmd):
        self.need_socket().disconnect(str(cmd["endpoint"]))
        return {}

    def op_send(self, cmd):
        frames = parse_frames(cmd)
        self.send_frames(frames, timeout_of(cmd))
        return {"sent": len(frames)}

    def op_recv(self, cmd):
        return {"frames": hex_frames(self.recv_frames(timeout_of(cmd)))}

    def op_subscribe(self, cmd):
        self.need_socket().setsockopt(zmq.SUBSCRIBE, to_bytes({"hex": cmd.get("topic", "")}))
        return {}

    def op_unsubscribe(self, cmd):
        self.need_socket().setsockopt(zmq.UNSUBSCRIBE, to_bytes({"hex": cmd.get("topic", "")}))
        return {}

    def op_echo(self, cmd):
        # REP strips and restores the envelope itself; ROUTER/STREAM get [id, ...] and answer to
        # the same id; DEALER/PAIR have no envelope. So "send back what came" is right for all.
        if self.type_name not in ECHO_TYPES:
            raise PeerError("echo needs one of %s, socket is %s"
                            % (sorted(ECHO_TYPES), self.type_name))
        count = int(cmd.get("count", 1))
        timeout_ms = timeout_of(cmd)
        last = []
        for _ in range(count):
            last = self.recv_frames(timeout_ms)
            self.send_frames(last, timeout_ms)
        return {"count": count, "last": hex_frames(last)}

    def op_sendmany(self, cmd):
        # Payload i: size bytes of (i & 0xff), with the first 4 bytes = i as uint32 BE when
        # size >= 4 (so the receiver can check order). "prefix" frames (hex) go in front, e.g. a
        # ROUTER routing id or a PUB topic frame.
        count = int(cmd.get("count", 1))
        size = int(cmd.get("size", 16))
        prefix = [bytes.fromhex(p) for p in cmd.get("prefix", [])]
        timeout_ms = timeout_of(cmd)
        started = time.monotonic()
        for i in range(count):
            body = bytearray([i & 0xFF]) * size
            if size >= 4:
                body[0:4] = (i & 0xFFFFFFFF).to_bytes(4, "big")
            self.send_frames(prefix + [bytes(body)], timeout_ms)
        return {"count": count, "size": size, "seconds": round(time.monotonic() - started, 6)}

    def op_recvmany(self, cmd):
        count = int(cmd.get("count", 1))
        timeout_ms = timeout_of(cmd)
        total = 0
        last = []
        started = time.monotonic()
        for _ in range(count):
            last = self.recv_frames(timeout_ms)
            total += sum(len(f) for f in last)
        return {"count": count, "bytes": total, "last": hex_frames(last),
                "seconds": round(time.monotonic() - started, 6)}

    def op_recvnumbered(self, cmd):
        # Messages numbered 0..count-1 in their first 4 bytes (u32 BE): how many came in order.
        count = int(cmd.get("count", 1))
        timeout_ms = timeout_of(cmd)
        pause_every = int(cmd.get("pauseEvery", 0))
        pause_ms = int(cmd.get("pauseMs", 2))
        for i in range(count):
            try:
                frames = self.recv_frames(timeout_ms)
            except PeerError:
                return {"count": i, "error": "timeout"}
            got = int.from_bytes(frames[0][:4], "big")
            if got != i:
                return {"count": i, "error": "got #%d in place of #%d" % (got, i)}
            if pause_every and i % pause_every == pause_every - 1:
                time.sleep(pause_ms / 1000)  # a slow reader: the sender's pipe backs up
        return {"count": count}

    def op_monitor(self, cmd):
        sock = self.need_socket()
        if self.monitor is not None:
            raise PeerError("monitor already running")
        self.monitor = Monitor(sock, self.out)
        return {}

    def op_close(self, cmd):
        if self.sock is None:
            return {"closed": False}
        linger = int(cmd.get("linger", DEFAULT_CLOSE_LINGER_MS))
        if self.monitor is not None:
            if not self.monitor.stop(self.sock):
                self.stuck = True
            self.monitor = None
        self.sock.close(linger=linger)
        self.sock = None
        self.type_name = None
        return {"closed": True}

    def shutdown(self):
        try:
            self.op_close({"linger": 0})
        finally:
            if not self.stuck:
                self.ctx.term()


def main():
    out = Output()
    peer = Peer(out)
    out.line({"event": "ready", "zmq": zmq.zmq_version(), "pyzmq": zmq.__version__})
    for raw in sys.stdin:
        raw = raw.strip()
        if not raw:
            continue
        reply = {"ok": True}
        cmd = {}
        try:
            cmd = json.loads(raw)
            if not isinstance(cmd, dict):
                raise PeerError("a command is a JSON object")
            op = cmd.get("op")
            if op == "exit":
                peer.shutdown()
                reply["op"] = "exit"
                if "id" in cmd:
                    reply["id"] = cmd["id"]
                out.line(reply)
                return 0
            handler = getattr(peer, "op_%s" % op, None) if isinstance(op, str) else None
            if handler is None:
                raise PeerError("unknown op %r" % (op,))
            reply.update(handler(cmd))
        except PeerError as exc:
            reply = {"ok": False, "error": str(exc)}
        except zmq.ZMQError as exc:
            reply = {"ok": False, "error": str(exc), "errno": exc.errno}
        except (KeyError, ValueError, TypeError) as exc:
            reply = {"ok": False, "error": "bad command: %s: %s" % (type(exc).__name__, exc)}
        if isinstance(cmd, dict):
            if "op" in cmd:
                reply["op"] = cmd["op"]
            if "id" in cmd:
                reply["id"] = cmd["id"]
        out.line(reply)
        # The monitor starts after its reply line, so the reply comes before any event.
        if reply.get("op") == "monitor" and reply.get("ok") and peer.monitor is not None:
            peer.monitor.start()
    peer.shutdown()  # stdin closed: the test runner went away
    return 0


if __name__ == "__main__":
    sys.exit(main())
