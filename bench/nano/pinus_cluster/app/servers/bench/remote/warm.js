"use strict";
// An app remote the connectors call once at start (see ../../connector/remote/warm.js).

exports.default = function (_app) {
  return { ping: () => Promise.resolve("pong") };
};
