// Smoke test of the WebAssembly builds as the site serves them: the modules load in headless Chromium,
// both models load, the face in a real photo is found where the native build finds it, by the full
// build (the photo page's) and by the live one (the live page's, which has no image codecs), and the
// face layout and defaults the pages hold (js/shared/protocol.js) are the Rust core's in both.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { start, ROOT } from "./harness.mjs";

test("the served wasm finds the astronaut's face", async () => {
  const b = await start();
  try {
    await b.page.goto(`${b.origin}/index.html`);
    const photo = readFileSync(join(ROOT, "tests/data/fetched/astronaut.png")).toString("base64");
    const result = await b.page.evaluate(async (photo) => {
      const wasm = await import("./pkg/unseen.js");
      await wasm.default();
      const bytes = Uint8Array.from(atob(photo), (c) => c.charCodeAt(0));
      const image = wasm.decodeImage(bytes);
      const out = {};
      for (const name of ["face_detection_front_128x128", "face_detection_back_256x256"]) {
        const model = new Uint8Array(await (await fetch(`models/${name}.onnx`)).arrayBuffer());
        const detector = new wasm.FaceDetector(model, 0.6, 0.3);
        out[name] = { size: detector.inputSize, faces: Array.from(detector.detect(image.rgba, image.width, image.height)) };
      }
      let error = null;
      try { wasm.decodeImage(new TextEncoder().encode("not an image")); } catch (e) { error = e.message; }
      // The live build: the live session alone, run on the pixels the full build decoded.
      const live = await import("./pkg-live/unseen.js");
      await live.default();
      const short = new Uint8Array(await (await fetch("models/face_detection_front_128x128.onnx")).arrayBuffer());
      const session = new live.LiveSession(short, 0.6, 0.3);
      let liveFaces = [];
      for (let i = 0; i < 3; i++) liveFaces = Array.from(session.process(image.rgba.slice(), image.width, image.height, i * 33, false, 0));
      out.live = { size: session.inputSize, faces: liveFaces };
      const protocol = await import("./js/shared/protocol.js");
      return {
        out, error,
        wasm: { faceLength: wasm.faceLength(), live: wasm.liveDefaults(), photo: wasm.photoDefaults() },
        liveWasm: { faceLength: live.faceLength(), live: live.liveDefaults(), codecs: ["decodeImage", "Photo", "FaceDetector"].filter((n) => n in live) },
        page: { faceLength: protocol.FACE_LEN, live: { ...protocol.LIVE_DEFAULTS }, photo: { ...protocol.PHOTO_DEFAULTS } },
      };
    }, photo);
    // What the pages take as the face layout and the defaults is what the Rust core says.
    assert.equal(result.wasm.faceLength, 17);
    assert.equal(result.page.faceLength, result.wasm.faceLength);
    for (const view of ["live", "photo"]) {
      for (const [name, value] of Object.entries(result.wasm[view])) {
        assert.equal(result.page[view][name], value, `protocol.js's ${view} ${name}`);
      }
    }
    assert.equal(result.liveWasm.faceLength, result.page.faceLength, "the live build's face layout");
    assert.deepEqual(result.liveWasm.live, result.wasm.live, "the live build's defaults");
    assert.deepEqual(result.liveWasm.codecs, [], "the live build leaves out the photo page's exports");
    for (const [name, { size, faces }] of Object.entries(result.out)) {
      assert.equal(faces.length, 17, `${name}: one face expected, got ${faces.length / 17}`);
      const [x, y, w, h, score] = faces;
      assert.ok(x > 150 && x < 200 && y > 50 && y < 110 && w > 80 && w < 130, `${name}: box ${x},${y},${w},${h}`);
      assert.ok(score > 0.8, `${name}: score ${score}`);
      assert.ok(size === 128 || size === 256);
    }
    assert.match(result.error, /not an image/);
    assert.deepEqual(b.foreignRequests(), []);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
