#!/usr/bin/env bash
# Builds the C anchors (bench/c/*_bench.c) and the nano load generator (bench/c/nano_load.c) into
# bench/.out/ with `cc -O2`. nano_load needs only libc, so it is built whatever else is missing;
# the anchors need the Debian dev packages libzmq3-dev (zmq_bench) and libnng-dev (nng_bench).
# Builds what it can, says clearly what is missing, and exits non-zero if anything was skipped.
set -u
cd "$(dirname "$0")/../.."
out=bench/.out
mkdir -p "$out"
CC=${CC:-cc}
status=0

if ! command -v "$CC" >/dev/null 2>&1; then
  echo "bench/c/build.sh: no C compiler ('$CC' not found): apt-get install gcc" >&2
  exit 1
fi

# has_header <header> : does the compiler find it?
has_header() { printf '#include <%s>\nint main(void){return 0;}\n' "$1" | "$CC" -x c -fsyntax-only - 2>/dev/null; }

build() { # build <name> <header> <lib> <package>
  local name=$1 header=$2 lib=$3 pkg=$4
  if ! has_header "$header"; then
    echo "bench/c/build.sh: skipping $name: <$header> not found: apt-get install $pkg" >&2
    status=1
    return
  fi
  if "$CC" -O2 -std=c11 -Wall -Wextra -o "$out/$name" "bench/c/$name.c" -l"$lib" -lpthread; then
    echo "built $out/$name"
  else
    echo "bench/c/build.sh: compiling $name failed (is lib$lib installed? apt-get install $pkg)" >&2
    status=1
  fi
}

# nano_load: libc only (epoll, pthreads).
if "$CC" -O2 -std=c11 -pthread -Wall -Wextra -o "$out/nano_load" bench/c/nano_load.c; then
  echo "built $out/nano_load"
else
  echo "bench/c/build.sh: compiling nano_load failed" >&2
  status=1
fi

build zmq_bench zmq.h zmq libzmq3-dev
build nng_bench nng/nng.h nng libnng-dev

# zmq_curve_bench: libzmq and libsodium (CURVE's crypto, measured per primitive).
if has_header zmq.h && has_header sodium.h; then
  if "$CC" -O2 -std=c11 -Wall -Wextra -o "$out/zmq_curve_bench" bench/c/zmq_curve_bench.c \
    -lzmq -lsodium -lpthread; then
    echo "built $out/zmq_curve_bench"
  else
    echo "bench/c/build.sh: compiling zmq_curve_bench failed" >&2
    status=1
  fi
else
  echo "bench/c/build.sh: skipping zmq_curve_bench: needs <zmq.h> and <sodium.h>: apt-get install libzmq3-dev libsodium-dev" >&2
  status=1
fi
exit $status
