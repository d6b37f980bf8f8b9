/**
 * The launcher's dead-man switch: a tiny `sh` process, in its own process group, that reads
 * the process groups to guard (and a directory to remove) from a pipe the launcher holds. When
 * the pipe ends without a clean release — the launcher was SIGKILLed, crashed, or its runtime
 * exited without stopping the cluster — it stops what it guards: SIGTERM to the nodes, then to
 * `nats-server` once they are gone (within 5 s), SIGKILL after 3 s more, then removes the
 * directory. A pipe's end is the one signal a killed process still gives on every runtime.
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import type { Writable } from "node:stream";

// Lines in: "node PGID", "last PGID" (stopped after the nodes), "done PGID" (exited: forget
// it), "dir PATH". `release` forgets everything, then the pipe ends and the watchdog exits.
const SCRIPT = `
nodes=" "; last=" "; dir=""
while IFS= read -r line; do
  case "$line" in
    "node "*) nodes="$nodes\${line#node } " ;;
    "last "*) last="$last\${line#last } " ;;
    "done "*) p=" \${line#done } "; nodes=$(echo "$nodes" | sed "s/$p/ /"); last=$(echo "$last" | sed "s/$p/ /") ;;
    "dir "*) dir="\${line#dir }" ;;
    release) exit 0 ;;
  esac
done
alive() { for p in $1; do kill -0 -- "-$p" 2>/dev/null && return 0; done; return 1; }
stop() {
  for p in $1; do kill -s TERM -- "-$p" 2>/dev/null; done
  i=0; while alive "$1" && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
}
stop "$nodes"; stop "$last"; sleep 0.1
for p in $nodes $last; do kill -s KILL -- "-$p" 2>/dev/null; done
[ -n "$dir" ] && rm -rf -- "$dir"
exit 0
`;

/**
 * A started watchdog (see the module doc). `guard` a process group as soon as it is spawned,
 * `forget` it once it exited, `release()` at a clean stop.
 *
 * @example
 * ```ts
 * import { ClusterWatchdog } from "./cluster_watchdog.ts";
 * import { spawn } from "node:child_process";
 * const watchdog = new ClusterWatchdog();
 * const sleeper = spawn("sleep", ["30"], { detached: true, stdio: "ignore" });
 * watchdog.guard(sleeper.pid!, "node"); // killed with us if we die before stopping it
 * sleeper.kill("SIGTERM");
 * await new Promise((resolve) => sleeper.once("exit", resolve));
 * watchdog.forget(sleeper.pid!);
 * await watchdog.release(); // a clean stop: the watchdog exits and kills nothing
 * ```
 */
export class ClusterWatchdog {
  readonly #child: ChildProcess;
  readonly #pipe: Writable;
  readonly #exited: Promise<void>;
  #released = false;

  /** Starts the watchdog (`sh`, detached: Ctrl-C in a terminal does not reach it). */
  constructor() {
    this.#child = spawn("sh", ["-c", SCRIPT], {
      stdio: ["pipe", "ignore", "ignore"],
      detached: true,
    });
    this.#pipe = this.#child.stdin!;
    this.#pipe.on("error", () => {}); // it died: nothing left to tell it
    this.#exited = new Promise((resolve) => {
      this.#child.once("exit", () => resolve());
      this.#child.once("error", () => resolve());
    });
  }

  /** Stops process group `pgid` if the launcher dies: `node` first, `last` after the nodes. */
  guard(pgid: number, order: "node" | "last"): void {
    this.#tell(`${order} ${pgid}`);
  }

  /** Group `pgid` has exited: never signal it (its number may be reused). */
  forget(pgid: number): void {
    this.#tell(`done ${pgid}`);
  }

  /** Removes `path` (recursively) after stopping everything, if the launcher dies. */
  removeOnDeath(path: string): void {
    this.#tell(`dir ${path}`);
  }

  /** A clean stop: the watchdog exits without touching anything. Resolves once it has. */
  release(): Promise<void> {
    if (!this.#released) {
      this.#released = true;
      this.#tell("release");
      this.#pipe.end();
    }
    return this.#exited;
  }

  #tell(line: string): void {
    if (this.#released || this.#pipe.destroyed) return;
    this.#pipe.write(`${line}\n`);
  }
}
