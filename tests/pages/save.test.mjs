// Saving without a page: the names of covered copies, the format chosen, and the check of a saved
// copy read back (no metadata, the photo's own size).
import { test } from "node:test";
import assert from "node:assert/strict";
import { outputFormat, redactedName, savedProblems, uniqueName } from "../../www/js/page/save.js";

test("a covered copy is named after its photo", () => {
  assert.equal(redactedName("IMG_0042.HEIC", "jpg"), "IMG_0042-redacted.jpg");
  assert.equal(redactedName("march.2026.png", "png"), "march.2026-redacted.png");
  assert.equal(redactedName(".jpg", "jpg"), "photo-redacted.jpg");
  assert.equal(redactedName("", "webm", "video"), "video-redacted.webm");
  assert.equal(redactedName("no-extension", "mp4", "video"), "no-extension-redacted.mp4");
});

test("two photos with one name are saved under two names", () => {
  const used = new Set();
  assert.equal(uniqueName(used, "a-redacted.jpg"), "a-redacted.jpg");
  assert.equal(uniqueName(used, "a-redacted.jpg"), "a-redacted-2.jpg");
  assert.equal(uniqueName(used, "a-redacted.jpg"), "a-redacted-3.jpg");
  assert.equal(uniqueName(used, "b-redacted.png"), "b-redacted.png");
  assert.equal(used.size, 4);
});

test("PNG stays PNG, everything else becomes JPEG, unless the visitor chose", () => {
  assert.equal(outputFormat("auto", "png"), "png");
  assert.equal(outputFormat("auto", "jpeg"), "jpg");
  assert.equal(outputFormat("auto", undefined), "jpg");
  assert.equal(outputFormat("png", "jpeg"), "png");
  assert.equal(outputFormat("jpg", "png"), "jpg");
});

test("a saved copy read back with metadata or another size is refused, a clean one passes", () => {
  const clean = { blocks: [], width: 4000, height: 3000 };
  assert.deepEqual(savedProblems(clean, 4000, 3000), []);
  const keys = (check) => savedProblems(check, 4000, 3000).map(([key]) => key);
  assert.deepEqual(keys({ ...clean, blocks: ["EXIF"] }), ["photo.check.blocks"]);
  assert.deepEqual(keys({ ...clean, gps: [51.5, -0.1] }), ["photo.check.camera"]);
  assert.deepEqual(keys({ ...clean, model: "Pixel" }), ["photo.check.camera"]);
  assert.deepEqual(keys({ ...clean, width: 3000, height: 4000 }), ["photo.check.size"]);
  assert.deepEqual(keys({ blocks: ["XMP"], date: "2026:11:30", width: 1, height: 1 }), ["photo.check.blocks", "photo.check.camera", "photo.check.size"]);
});
