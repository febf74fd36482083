// Zoom and pan on the photo page's canvas without a page: the photo point under the pointer stays
// under it while zooming, zoom stays between whole-photo and MAX_ZOOM, back at 1 the photo is centred.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_ZOOM, PhotoView } from "../../www/js/page/photo-view.js";

// A 4000×3000 photo with a 2048×1536 preview, on an 800×600 canvas.
const photo = { width: 4000, height: 3000, previewWidth: 2048, previewHeight: 1536 };
const near = (a, b, what) => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} against ${b}`);

test("a new photo is shown whole and centred, in the photo's shape", () => {
  const v = new PhotoView();
  assert.equal(v.canvasHeight(800, 2000), Math.round(800 * 0.7), "no photo yet: a placeholder shape");
  v.show(photo);
  assert.equal(v.canvasHeight(800, 2000), 600);
  assert.equal(v.canvasHeight(800, 400), 300, "at most 3/4 of the window");
  const L = v.place(800, 600);
  near(L.k * photo.width, 800, "the photo's width fills the canvas");
  near(L.ox, 0, "left edge");
  near(L.oy, 0, "top edge");
  const centre = v.toPhoto(400, 300, 800, 600);
  near(centre.x, 2000, "centre x");
  near(centre.y, 1500, "centre y");
});

test("zooming keeps the photo point under the pointer where it was", () => {
  const v = new PhotoView();
  v.show(photo);
  const before = v.toPhoto(123, 456, 800, 600);
  v.zoomBy(2.5, 800, 600, 123, 456);
  assert.equal(v.zoom, 2.5);
  const after = v.toPhoto(123, 456, 800, 600);
  near(after.x, before.x, "x under the pointer");
  near(after.y, before.y, "y under the pointer");
  near(v.place(800, 600).k * photo.width, 2000, "2.5 times as large");
});

test("zoom stays between the whole photo and MAX_ZOOM, and back at 1 the photo is centred again", () => {
  const v = new PhotoView();
  v.show(photo);
  for (let i = 0; i < 40; i++) v.zoomBy(1.25, 800, 600, 700, 100);
  assert.equal(v.zoom, MAX_ZOOM);
  v.panBy(50, -20, 800, 600);
  v.zoomBy(1e-6, 800, 600, 10, 10);
  assert.equal(v.zoom, 1);
  assert.deepEqual([v.cx, v.cy], [1024, 768]);
  for (const bad of [0, -1, NaN]) {
    v.zoomBy(bad, 800, 600);
    assert.equal(v.zoom, 1, `factor ${bad} is ignored`);
  }
});

test("panning moves the picture with the pointer", () => {
  const v = new PhotoView();
  v.show(photo);
  v.zoomBy(4, 800, 600);
  const before = v.toPhoto(400, 300, 800, 600);
  v.panBy(100, 0, 800, 600);
  const after = v.toPhoto(500, 300, 800, 600);
  near(after.x, before.x, "the point dragged 100 px right is under the pointer");
  near(after.y, before.y, "and at the same height");
});
