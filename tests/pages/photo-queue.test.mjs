// The photo page's queue without a page: photos opened first come first, never more at once than
// there are workers; files refused before they are read; the worker's faces unpacked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_FILE_BYTES, PhotoQueue, facesFrom, refusal } from "../../www/js/page/photo-queue.js";
import { FACE_LEN } from "../../www/js/shared/protocol.js";

const file = (name, size = 1000) => ({ name, size });

test("photos open first come first, at most as many at once as there are workers", () => {
  const q = new PhotoQueue();
  const added = q.add([file("a.jpg"), file("b.jpg"), file("c.jpg")]);
  assert.deepEqual(added.map((p) => p.key), [1, 2, 3]);
  assert.deepEqual(q.take(2).map((p) => p.name), ["a.jpg", "b.jpg"]);
  assert.deepEqual(q.take(2), [], "both workers are busy");
  q.photos[0].status = "ready";
  q.finished();
  assert.deepEqual(q.take(2).map((p) => p.name), ["c.jpg"]);
  q.add([file("")]);
  assert.equal(q.photos[3].name, "pasted-photo.png", "a pasted picture has no name");
  assert.equal(q.photos[3].key, 4);
  q.finished(); q.finished(); q.finished();
  assert.equal(q.opening, 0, "never below none");
});

test("the summary counts finished photos and the faces the ready ones show", () => {
  const q = new PhotoQueue();
  q.add([file("a.jpg"), file("b.jpg"), file("c.jpg")]);
  q.photos[0].status = "ready";
  q.photos[0].review.faces = [{ score: 0.9 }, { score: 0.6 }];
  q.photos[1].status = "failed";
  assert.deepEqual(q.summary(0.75), { total: 3, done: 2, faces: 1 });
  assert.deepEqual(q.summary(0.5), { total: 3, done: 2, faces: 2 });
  assert.deepEqual(q.ready.map((p) => p.name), ["a.jpg"]);
});

test("an empty file or one too large is refused before it is read", () => {
  assert.equal(refusal(file("x", 0))[0], "photo.error.empty");
  assert.equal(refusal(file("x", MAX_FILE_BYTES + 1))[0], "photo.error.too-large");
  assert.equal(refusal(file("x", MAX_FILE_BYTES)), null);
});

test("the worker's faces are unpacked FACE_LEN numbers at a time; a ragged tail is dropped", () => {
  const flat = new Float32Array(FACE_LEN * 2 + 3);
  flat.set([10, 20, 30, 40, 0.5], 0);
  flat.set([1, 2, 3, 4, 0.25], FACE_LEN);
  assert.deepEqual(facesFrom(flat), [{ x: 10, y: 20, w: 30, h: 40, score: 0.5 }, { x: 1, y: 2, w: 3, h: 4, score: 0.25 }]);
  assert.deepEqual(facesFrom([]), []);
});
