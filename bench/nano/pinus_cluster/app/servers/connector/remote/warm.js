"use strict";
// Opens the RPC connections both ways before any client load. pinus-rpc connects a mailbox
// lazily, on the first call to a server, with a fixed 2 s connect timeout: when that first call
// is a burst of 5,000 joins, a connector or the backend is too busy to finish the MQTT handshake
// in 2 s, the mailbox is dropped, and every call queued behind it waits forever (the client sees
// its join time out after 30 s). The bench server calls this on start_all (app.js); calling the
// bench server back from here opens the other direction.

exports.default = function (app) {
  return {
    ping: async () => {
      for (const s of app.getServersByType("bench")) {
        await app.rpc.bench.warm.ping.toServer(s.id);
      }
      return app.getServerId();
    },
  };
};
