// The watchlist page's logic without a browser: distances, the list in memory, alerts raised once per
// sighting and answered by the class, and the arithmetic of false alerts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AlertLog, LEN, SIGHTING_GAP_MS, Watchlist, distance, falseAlertsPerDay, splitPrints } from "../../www/js/page/watchlist-core.js";

const print = (f) => Float32Array.from({ length: LEN }, (_, i) => f(i));
const unit = (k, scale = 1) => print((i) => (i === k ? scale : 0));

test("distance is Euclidean, NaN without two whole faceprints", () => {
  assert.equal(distance(unit(0), unit(1)), Math.SQRT2);
  assert.equal(distance(unit(3), unit(3)), 0);
  assert.ok(Number.isNaN(distance(unit(0), null)));
  assert.ok(Number.isNaN(distance(unit(0), new Float32Array(3))));
});

test("the worker's flat faceprints split per face; a face it could not print is null", () => {
  const flat = new Float32Array(LEN * 3);
  flat.set(unit(2), 0);
  flat.fill(NaN, LEN, 2 * LEN);
  flat.set(unit(5), 2 * LEN);
  const prints = splitPrints(flat);
  assert.equal(prints.length, 3);
  assert.equal(prints[0][2], 1);
  assert.equal(prints[1], null);
  assert.equal(prints[2][5], 1);
  assert.deepEqual(splitPrints(new Float32Array(LEN - 1)), []);
});

test("the nearest person on the list; forgetting zeroes and drops every faceprint", () => {
  const list = new Watchlist();
  assert.equal(list.nearest(unit(0)), null);
  const a = list.add(unit(0), "A");
  const b = list.add(unit(1), "B");
  assert.throws(() => list.add(print(() => NaN), "C"));
  assert.equal(list.nearest(unit(1, 0.9)).entry, b);
  assert.equal(list.nearest(unit(0, 0.8)).entry, a);
  const kept = a.print;
  list.forget();
  assert.equal(list.size, 0);
  assert.ok(kept.every((v) => v === 0), "the faceprint's numbers are gone, not just unlisted");
});

test("a copy is enrolled: the caller's array changing later changes nothing", () => {
  const list = new Watchlist();
  const p = unit(4);
  list.add(p, "A");
  p.fill(7);
  assert.equal(list.nearest(unit(4)).distance, 0);
});

test("one alert per sighting, a new one after the face has been away; answers counted", () => {
  const list = new Watchlist();
  const a = list.add(unit(0), "A");
  const log = new AlertLog();
  const near = { entry: a, distance: 0.4 };
  const far = { entry: a, distance: 0.8 };
  assert.equal(log.update([near], 0.6, 0).length, 1);
  assert.equal(log.update([near], 0.6, 100).length, 0, "the same sighting");
  assert.equal(log.update([far], 0.6, 200).length, 0, "farther than the threshold: no alert");
  assert.equal(log.update([far], 0.9, 300).length, 0, "a higher threshold, still the same sighting");
  assert.equal(log.update([near], 0.6, 300 + SIGHTING_GAP_MS + 1).length, 1, "back after a gap");
  assert.equal(log.update([null, far], 0.6, 5000).length, 0);
  assert.deepEqual(log.counts(), { alerts: 2, matches: 0, falseAlerts: 0, unanswered: 2 });
  log.answer(1, "match");
  log.answer(2, "false");
  log.answer(2, "maybe");
  assert.deepEqual(log.counts(), { alerts: 2, matches: 1, falseAlerts: 1, unanswered: 0 });
  log.forget();
  assert.deepEqual(log.counts(), { alerts: 0, matches: 0, falseAlerts: 0, unanswered: 0 });
});

test("another photo or the camera started: whoever matches next is a new sighting", () => {
  const list = new Watchlist();
  const a = list.add(unit(0), "A");
  const log = new AlertLog();
  assert.equal(log.update([{ entry: a, distance: 0.3 }], 0.6, 0).length, 1);
  assert.equal(log.update([{ entry: a, distance: 0.3 }], 0.6, 10).length, 0);
  log.newScene();
  assert.equal(log.update([{ entry: a, distance: 0.5 }], 0.6, 20).length, 1);
  assert.equal(log.counts().alerts, 2);
});

test("false alerts per day: people × (1 − (1 − rate)^watchlist)", () => {
  assert.ok(Math.abs(falseAlertsPerDay({ people: 1000, watchlist: 1, rate: 0.01 }) - 10) < 1e-9);
  const v = falseAlertsPerDay({ people: 20000, watchlist: 2000, rate: 1e-6 });
  assert.ok(Math.abs(v - 20000 * (1 - (1 - 1e-6) ** 2000)) < 1e-9 && v > 39 && v < 40, String(v));
  assert.equal(falseAlertsPerDay({ people: 0, watchlist: 2000, rate: 1e-3 }), 0);
  assert.ok(Number.isNaN(falseAlertsPerDay({ people: -1, watchlist: 1, rate: 0.1 })));
  assert.ok(Number.isNaN(falseAlertsPerDay({ people: 1, watchlist: 1, rate: 2 })));
});
