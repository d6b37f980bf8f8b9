import { test } from "node:test";
import assert from "node:assert/strict";
import { Fifo } from "./fifo.ts";
import { prng } from "../../tests/_helpers.ts";

test("Fifo keeps order through wrap-around, growth and remove (against an array)", () => {
  for (const capacity of [1, 3, 4, 5, 64, 100]) {
    const rnd = prng(capacity);
    const q = new Fifo<number>(capacity);
    const model: number[] = [];
    let next = 0;
    for (let step = 0; step < 5000; step++) {
      const r = rnd();
      if (r < 0.55) {
        q.push(next);
        model.push(next++);
      } else if (r < 0.95) {
        assert.equal(q.shift(), model.shift());
      } else if (model.length > 0) {
        const victim = model[Math.floor(rnd() * model.length)]!;
        assert.equal(q.remove((x) => x === victim), true);
        model.splice(model.indexOf(victim), 1);
      }
      assert.equal(q.length, model.length);
      assert.equal(q.peek(), model[0]);
    }
    assert.deepEqual(q.drain(), model);
  }
});
