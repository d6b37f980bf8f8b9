"use strict";
// The pinus twin of bench/nano/server.ts's routes (see there).

class Bench {
  constructor(app) {
    this.app = app;
    this.channel = app.get("channelService").getChannel("all", true);
  }

  echo(msg) {
    return Promise.resolve(msg); // pinus handlers answer with a promise
  }

  async join(_msg, session) {
    // pinus channels hold uids: bind one per session, as a room would.
    const uid = String(session.id);
    await session.abind(uid);
    this.channel.add(uid, this.app.getServerId());
    return { joined: true };
  }

  async broadcast(msg) {
    const count = this.channel.getUserAmount();
    await this.channel.apushMessage("onBench", msg);
    return { count };
  }

  async mem() {
    for (let i = 0; i < 3; i++) {
      global.gc();
      await new Promise((r) => setTimeout(r, 20));
    }
    const m = process.memoryUsage();
    const sessions = this.app.get("sessionService").getSessionsCount();
    return { heap: m.heapUsed, rss: m.rss, sessions };
  }
}

// pinus-loader calls the `default` export with the app (what `export default` compiles to).
exports.default = function (app) {
  return new Bench(app);
};
