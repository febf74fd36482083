// The photo page's worker pool without a page: its size per device, photos spread over the workers,
// the models loaded once over the network before other workers load, renders sent to the worker
// that holds the preview, and a dead worker's photos reported as no longer open.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PhotoPool } from "../../www/js/page/photo-pool.js";
import { workersFor } from "../../www/js/page/site.js";

/** A stand-in for a Bridge: answers each call after `ms`, and logs it. */
function fakes(log, { ms = 5, smallFaces = true } = {}) {
  let n = 0;
  return () => {
    const id = n++;
    return {
      id,
      onfail: null,
      call(op, args, options) {
        log.push({ worker: id, op, key: args?.key, at: Date.now() });
        return new Promise((resolve) => setTimeout(() => {
          if (op === "load") {
            options?.onprogress?.({ loaded: 1, total: 1 });
            resolve({ floor: 0.5, smallFaces });
          } else resolve({ worker: id, key: args?.key });
        }, ms));
      },
    };
  };
}

test("one worker per core, at most four, at most two on a touch device, two when the count is unknown", () => {
  assert.equal(workersFor(1), 1);
  assert.equal(workersFor(2), 2);
  assert.equal(workersFor(16), 4);
  assert.equal(workersFor(8, true), 2);
  assert.equal(workersFor(undefined), 2);
  assert.equal(workersFor(0), 2);
  assert.equal(workersFor(2.5), 2);
});

test("one photo uses one worker; photos opened together spread over the workers", async () => {
  const log = [];
  const pool = new PhotoPool("w.js", 3, fakes(log));
  const one = await pool.open({ key: 1 });
  assert.equal(one.worker, 0);
  assert.equal(pool.started, 1);
  await pool.open({ key: 2 });
  assert.equal(pool.started, 1, "an idle worker takes the next photo");
  const three = await Promise.all([3, 4, 5].map((key) => pool.open({ key })));
  assert.deepEqual(three.map((r) => r.worker).sort(), [0, 1, 2]);
  assert.equal(pool.started, 3);
});

test("the first worker's load comes first, so the models cross the network once", async () => {
  const log = [];
  const pool = new PhotoPool("w.js", 2, fakes(log, { ms: 20 }));
  let heard = 0;
  await Promise.all([1, 2].map((key) => pool.open({ key }, () => heard++)));
  const loads = log.filter((c) => c.op === "load");
  assert.deepEqual(loads.map((c) => c.worker), [0, 1]);
  assert.ok(loads[1].at >= loads[0].at + 15, "the second worker loads after the first has finished");
  assert.equal(heard, 1, "progress is heard from the first download only");
  assert.equal(log.filter((c) => c.op === "load" && c.worker === 0).length, 1, "each worker loads once");
});

test("renders go to the worker holding the preview; saves to any loaded worker", async () => {
  const log = [];
  const pool = new PhotoPool("w.js", 2, fakes(log));
  await Promise.all([1, 2].map((key) => pool.open({ key })));
  const homes = [1, 2].map((key) => log.find((c) => c.op === "open" && c.key === key).worker);
  for (const key of [1, 2]) {
    const r = await pool.about(key, "render", { key });
    assert.equal(r.worker, homes[key - 1]);
  }
  await pool.any("save", { key: 1 });
  assert.equal(log.filter((c) => c.op === "load").length, 2, "a save loads nothing more");
  await assert.rejects(pool.about(9, "render", { key: 9 }), /no longer open/);
});

test("a worker that dies loses its photos and loads again; a missing second detector is fetched again", async () => {
  const log = [];
  const pool = new PhotoPool("w.js", 1, fakes(log, { smallFaces: false }));
  const r = await pool.open({ key: 1 });
  assert.equal(r.smallFaces, false);
  await pool.open({ key: 2 });
  assert.equal(log.filter((c) => c.op === "load").length, 2, "the second detector is tried again");
  pool.bridges[0].onfail(new Error("gone"));
  await assert.rejects(pool.about(1, "render", { key: 1 }), /no longer open/);
});
