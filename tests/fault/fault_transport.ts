/**
 * Transports whose dials go through a {@link FaultProxy}: the conformance suites run unchanged over
 * them (listeners bind for real; every tcp or ws dial reaches its target through a proxy that
 * injects the chosen fault). One proxy per target, kept until {@link FaultyTransports.close}.
 * @module
 */
import { WeftError } from "../../src/core/errors.ts";
import { parseEndpoint } from "../../src/core/endpoint.ts";
import type { Endpoint } from "../../src/core/endpoint.ts";
import { createRegistry } from "../../src/transport/registry.ts";
import type {
  ByteStream,
  DialOptions,
  ListenOptions,
  StreamListener,
  Transport,
  TransportRegistry,
} from "../../src/transport/types.ts";
import { WsTransport } from "../../src/transport/ws/transport.ts";
import { type Fault, FaultProxy } from "./fault_proxy.ts";

/** A tcp transport that listens with `inner` and dials through fault proxies. */
class ProxiedTcp implements Transport {
  readonly scheme: string;
  readonly #inner: Transport;
  readonly #owner: FaultyTransports;

  constructor(inner: Transport, owner: FaultyTransports) {
    this.scheme = inner.scheme;
    this.#inner = inner;
    this.#owner = owner;
  }

  async dial(endpoint: Endpoint, options?: DialOptions): Promise<ByteStream> {
    const proxy = await this.#owner.proxyFor(endpoint.host, endpoint.port);
    try {
      await proxy.preconnect(); // a refused target rejects here, as it would without the proxy
    } catch (error) {
      const code = (error as { code?: string }).code === "ETIMEDOUT" ? "ETIMEDOUT" : "ECONNREFUSED";
      throw new WeftError(code, `dial ${endpoint.url} (through the fault proxy) failed`, {
        cause: error,
      });
    }
    return this.#inner.dial(parseEndpoint(`tcp://127.0.0.1:${proxy.port}`), options);
  }

  listen(
    endpoint: Endpoint,
    accept: (stream: ByteStream) => void,
    options?: ListenOptions,
  ): Promise<StreamListener> {
    return this.#inner.listen(endpoint, accept, options);
  }
}

/**
 * A registry like `inner`, except that tcp and ws dials pass through fault proxies.
 *
 * @example
 * ```ts
 * import { FaultyTransports } from "./fault_transport.ts";
 * import { runtimeTransports } from "../../src/zmq.ts";
 * import { Pull, Push } from "../../src/zmq.ts";
 * import assert from "node:assert/strict";
 * const faulty = new FaultyTransports(runtimeTransports(), { chunkSize: 1 });
 * const pull = new Pull({ transports: faulty.registry });
 * await pull.bind("tcp://127.0.0.1:0");
 * const push = new Push({ transports: faulty.registry });
 * push.connect(pull.lastEndpoint!);
 * await push.send("byte by byte");
 * assert.equal(new TextDecoder().decode((await pull.receive())[0]), "byte by byte");
 * push.close();
 * pull.close();
 * await faulty.close();
 * ```
 */
export class FaultyTransports {
  readonly #proxies = new Map<string, Promise<FaultProxy>>();
  readonly #fault: Fault | ((index: number) => Fault);
  /** The registry to hand to sockets. */
  readonly registry: TransportRegistry;

  constructor(inner: TransportRegistry, fault: Fault | ((index: number) => Fault)) {
    this.#fault = fault;
    const tcp = inner.get("tcp");
    if (!tcp) throw new Error("no tcp transport on this runtime");
    const proxied = new ProxiedTcp(tcp, this);
    const transports = inner.schemes().map((s) => inner.get(s)!);
    this.registry = createRegistry([...transports, proxied, new WsTransport(proxied)]);
  }

  /** The proxies started so far (one per target), for their stats. */
  async proxies(): Promise<FaultProxy[]> {
    return await Promise.all(this.#proxies.values());
  }

  /** The proxy in front of `host:port`, started on first use. */
  proxyFor(host: string, port: number): Promise<FaultProxy> {
    const key = `${host}:${port}`;
    let proxy = this.#proxies.get(key);
    if (!proxy) {
      proxy = FaultProxy.start({ target: { host, port }, fault: this.#fault });
      this.#proxies.set(key, proxy);
    }
    return proxy;
  }

  /** Closes every proxy. */
  async close(): Promise<void> {
    const all = await this.proxies();
    this.#proxies.clear();
    await Promise.all(all.map((p) => p.close()));
  }
}
