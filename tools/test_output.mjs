// `npm test`'s compact view of a runner's output: one line per test file (its counts and time),
// the whole section only for a file with a failure, and the runner's own summary lines. Both
// runners' formats: Deno's `running N tests from ./file` sections with `... ok|FAILED|ignored`
// lines, then its ERRORS/FAILURES report; Bun's `file:` headers with `(pass)|(fail)|(skip)` lines.
// WEFT_TEST_VERBOSE=1 (or a non-compact caller) shows everything as it comes.

// deno-lint-ignore no-control-regex
const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, "");

/** A line sink for one runner: `push(chunk)` as output arrives, `end()` when it exits. */
export function compactView(label, write) {
  let partial = "";
  let section = null; // { file, lines, ok, failed, skipped, t0 }
  let report = false; // inside Deno's ERRORS/FAILURES report: shown whole
  const started = Date.now();

  const close = () => {
    if (!section) return;
    const s = section;
    section = null;
    const secs = ((Date.now() - s.t0) / 1e3).toFixed(1);
    const counts = `${s.ok} ok` + (s.failed ? `, ${s.failed} FAILED` : "") +
      (s.skipped ? `, ${s.skipped} skipped` : "");
    write(`  ${label.padEnd(4)} ${s.file.padEnd(56)} ${counts} (${secs} s)\n`);
    if (s.failed) write(s.lines.map((l) => `       | ${l}`).join("\n") + "\n");
  };

  const line = (raw) => {
    const l = strip(raw);
    const deno = /^running \d+ tests? from \.\/(\S+)/.exec(l);
    const bun = /^(\S+_test\.[mc]?[jt]sx?):$/.exec(l.trim());
    if (deno || bun) {
      close();
      section = { file: (deno ?? bun)[1], lines: [], ok: 0, failed: 0, skipped: 0, t0: Date.now() };
      return;
    }
    if (/^\s*ERRORS\s*$/.test(l)) {
      close();
      report = true;
    }
    if (
      /^(ok|FAILED) \| \d+ passed/.test(l) || /^\s*\d+ (pass|fail|skip|todo)$/.test(l) ||
      /^Ran \d+ tests? across/.test(l)
    ) {
      close();
      report = false;
      write(l + "\n");
      return;
    }
    if (report) return void write(l + "\n");
    if (!section) return; // type-check progress, the runner's banner
    section.lines.push(l);
    if (/^\S.* \.\.\. ok \(/.test(l) || /^\(pass\) /.test(l)) section.ok++;
    else if (/^\S.* \.\.\. FAILED/.test(l) || /^\(fail\) /.test(l)) section.failed++;
    else if (/^\S.* \.\.\. ignored/.test(l) || /^\((skip|todo)\) /.test(l)) section.skipped++;
    if (section.lines.length > 4000) section.lines.splice(0, 2000);
  };

  return {
    push(chunk) {
      partial += chunk.toString();
      let nl;
      while ((nl = partial.indexOf("\n")) >= 0) {
        line(partial.slice(0, nl));
        partial = partial.slice(nl + 1);
      }
    },
    end() {
      if (partial) line(partial);
      close();
      write(`  ${label}: done in ${((Date.now() - started) / 1e3).toFixed(0)} s\n`);
    },
  };
}
