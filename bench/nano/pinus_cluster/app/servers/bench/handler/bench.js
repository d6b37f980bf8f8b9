"use strict";
// The pinus twin of bench/nano/cluster_server.ts's backend routes: a connector forwards
// bench.bench.<method> here (pinus RPC); sessions are BackendSessions of either connector.

class Bench {
  constructor(app) {
    this.app = app;
    this.channel = app.get("channelService").getChannel("all", true);
  }

  echo(msg) {
    return Promise.resolve(msg); // pinus handlers answer with a promise
  }

  async join(_msg, session) {
    // Channels hold uids, pushed through the uid's connector: bind one per session (session
    // ids are per connector, so the uid names the connector too).
    const uid = `${session.frontendId}:${session.id}`;
    await new Promise((resolve, reject) => session.bind(uid, (e) => (e ? reject(e) : resolve())));
    this.channel.add(uid, session.frontendId);
    return { joined: true };
  }

  async broadcast(msg) {
    const count = this.channel.getUserAmount();
    await this.channel.apushMessage("onBench", msg); // one RPC per connector holding members
    return { count };
  }

  mem() {
    if (global.gc) { for (let i = 0; i < 3; i++) global.gc(); }
    const m = process.memoryUsage();
    // sessions live on the connectors
    return Promise.resolve({ heap: m.heapUsed, rss: m.rss, sessions: 0 });
  }
}

// pinus-loader calls the `default` export with the app (what `export default` compiles to).
exports.default = function (app) {
  return new Bench(app);
};
