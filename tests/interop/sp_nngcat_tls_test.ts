/**
 * SP over TLS against real nng 1.5.2 (`nngcat`, built with mbedTLS): tls+tcp:// and wss://, both
 * directions, with REQ/REP and PUSH/PULL. nngcat's mbedTLS 2 cannot check an IP address in a
 * certificate, so when nngcat dials our 127.0.0.1 listener it does so with `-k`; when weft
 * dials nngcat it verifies the certificate (its own root, passed as `caCerts`), and a weft dial
 * that does not trust it fails.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  defaultTransports,
  InprocNamespace,
  Pull0,
  Push0,
  Rep0,
  Req0,
  type SpSocket,
} from "../../src/sp.ts";
import { makeTestCerts } from "../conformance/_tls_certs.ts";
import {
  freePort,
  type NngcatProcess,
  requirePeer,
  startNngcat,
  waitForListener,
} from "./_peers.ts";
import { text, within } from "../_helpers.ts";

const SCHEMES = ["tls+tcp", "wss"] as const;

const certs = makeTestCerts();
const dir = mkdtempSync(join(tmpdir(), "weft-sp-tls-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const certPath = join(dir, "cert.pem");
const keyPath = join(dir, "key.pem");
if (certs) {
  writeFileSync(certPath, certs.cert);
  writeFileSync(keyPath, certs.key);
}

/** Transports whose TLS listens with the test certificate and trusts it when dialing. */
const tls = () =>
  defaultTransports(new InprocNamespace(), {
    tls: { cert: certs!.cert, key: certs!.key, caCerts: [certs!.cert] },
  });

async function endpoint(scheme: typeof SCHEMES[number]): Promise<{ url: string; tcp: string }> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  return { url: scheme === "wss" ? `wss://${host}/sp` : `tls+tcp://${host}`, tcp: `tcp://${host}` };
}

/** Sockets and nngcats of one case, closed at its end whatever happened. */
class Case implements AsyncDisposable {
  readonly cats: NngcatProcess[] = [];
  readonly sockets: SpSocket[] = [];
  cat(args: string[]): NngcatProcess {
    const c = startNngcat(args);
    this.cats.push(c);
    return c;
  }
  socket<T extends SpSocket>(s: T): T {
    this.sockets.push(s);
    return s;
  }
  async [Symbol.asyncDispose](): Promise<void> {
    for (const s of this.sockets) s.close();
    await Promise.all(this.cats.map((c) => c.close()));
  }
}

const ready = (t: { skip?(m?: string): void }) =>
  requirePeer(t, "nngcat") && requirePeer(t, "openssl");

describe("SP over TLS with nngcat 1.5.2", () => {
  for (const scheme of SCHEMES) {
    test(`${scheme}: nngcat REP listens (--cert/--key), weft Req0 dials verifying it`, async (t) => {
      if (!ready(t)) return;
      await using c = new Case();
      const { url, tcp } = await endpoint(scheme);
      c.cat(["--rep0", "--listen", url, "--cert", certPath, "--key", keyPath, "--data", "pong"]);
      await waitForListener(tcp);
      const req = c.socket(new Req0({ transports: tls(), recvTimeout: 10_000 }));
      await req.dial(url);
      await req.send("ping");
      assert.equal(text(await req.recv()), "pong");
    });

    test(`${scheme}: weft Rep0 listens with a certificate, nngcat REQ dials (-k)`, async (t) => {
      if (!ready(t)) return;
      await using c = new Case();
      const { url } = await endpoint(scheme);
      const rep = c.socket(new Rep0({ transports: tls() }));
      await rep.listen(url);
      const cat = c.cat(["--req0", "--dial", url, "-k", "--data", "ping", "--quoted"]);
      assert.equal(text(await within(rep.recv())), "ping");
      await rep.send("pong");
      assert.equal(await cat.nextLine(), '"pong"');
    });

    test(`${scheme}: nngcat PUSH dials weft Pull0; weft Push0 dials nngcat PULL`, async (t) => {
      if (!ready(t)) return;
      await using c = new Case();
      const a = await endpoint(scheme);
      const pull = c.socket(new Pull0({ transports: tls() }));
      await pull.listen(a.url);
      c.cat(["--push0", "--dial", a.url, "-k", "--data", "to weft", "--count", "2", "-i", "1"]);
      assert.equal(text(await within(pull.recv())), "to weft");

      const b = await endpoint(scheme);
      const cat = c.cat([
        "--pull0",
        "--listen",
        b.url,
        "--cert",
        certPath,
        "--key",
        keyPath,
        "--quoted",
      ]);
      await waitForListener(b.tcp);
      const push = c.socket(new Push0({ transports: tls() }));
      await push.dial(b.url);
      await push.send("to nng");
      assert.equal(await cat.nextLine(), '"to nng"');
    });
  }

  test("a weft dial that does not trust nngcat's certificate fails the handshake", async (t) => {
    if (!ready(t)) return;
    await using c = new Case();
    const { url, tcp } = await endpoint("tls+tcp");
    c.cat(["--rep0", "--listen", url, "--cert", certPath, "--key", keyPath, "--data", "pong"]);
    await waitForListener(tcp);
    const req = c.socket(
      new Req0({
        transports: defaultTransports(new InprocNamespace(), {
          tls: { caCerts: [certs!.wrongCa] },
        }),
      }),
    );
    await assert.rejects(req.dial(url), (e: unknown) => (e as { code?: string }).code === "EPROTO");
  });
});
