# A TCP listener on 127.0.0.1 whose accept queue is full and never drained: a connect to it
# hangs (the kernel drops the SYNs), which is how the connect-timeout tests get a dial that
# never completes without leaving loopback. Prints the port, then waits for stdin to close.
import socket
import sys

listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(0)
port = listener.getsockname()[1]
fillers = []
for _ in range(4):  # more than the queue holds (backlog 0 keeps about one)
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    fillers.append(c)
print(port, flush=True)
sys.stdin.read()  # until the test closes our stdin (or exits)
