// The site as a static, offline-capable web app: after a first visit the service worker has cached
// the site (pages, code, the live wasm build, BlazeFace's models) under the build's version, the
// pages reload with the network cut off, the photo page works offline once it has been used online,
// and the request counter shows zero requests after load.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { start, ROOT, WWW } from "./harness.mjs";

const PHOTO = join(ROOT, "tests/data/generated/crowd-gps-rot6.jpg");

test("after one visit the site works offline, and nothing is requested after load", { timeout: 300_000 }, async () => {
  const b = await start();
  try {
    const { page, context } = b;
    await page.goto(`${b.origin}/index.html`);
    // The first visit installs the service worker, which caches everything and takes control.
    const cached = await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      for (let i = 0; i < 600 && !navigator.serviceWorker.controller; i++) await new Promise((r) => setTimeout(r, 100));
      const keys = await caches.keys();
      const cache = await caches.open(keys.find((k) => k.startsWith("unseen-")));
      return { keys, urls: (await cache.keys()).map((r) => new URL(r.url).pathname), controlled: !!navigator.serviceWorker.controller };
    });
    const version = readFileSync(join(WWW, "precache.js"), "utf8").match(/"version": "([0-9a-f]+)"/)[1];
    assert.deepEqual(cached.keys, [`unseen-${version}`], "one cache, named after this build");
    assert.ok(cached.controlled, "the page is controlled by the service worker");
    for (const f of ["/index.html", "/photo.html", "/pkg-live-relaxed/unseen_bg.wasm", "/models/face_detection_back_256x256.onnx", "/models/face_detection_front_128x128.onnx", "/js/worker/photo-worker.js"]) {
      assert.ok(cached.urls.includes(f), `${f} is cached`);
    }
    // Chromium runs relaxed SIMD: the plain builds are never fetched.
    for (const f of ["/pkg/unseen_bg.wasm", "/pkg-live/unseen_bg.wasm"]) assert.ok(!cached.urls.includes(f), `only the wasm builds the workers use are cached, not ${f}`);
    for (const f of ["/pkg/unseen.js", "/pkg-live/unseen.js"]) assert.ok(cached.urls.includes(f), `the bindings the plain and relaxed builds share are cached: ${f}`);
    // The photo page's wasm build and its second detector are not part of a first visit.
    assert.ok(!cached.urls.includes("/pkg-relaxed/unseen_bg.wasm"), "the full wasm build waits for a photo");
    assert.ok(!cached.urls.includes("/models/retinaface_mnet025.onnx"), "the small-face detector waits for a photo");

    // The request counter: zero after load, and zero to any other site.
    await page.reload();
    await page.waitForLoadState("load");
    await page.waitForTimeout(1000);
    assert.equal(await page.getAttribute("#requests", "data-requests"), "0");
    assert.equal(await page.getAttribute("#requests", "data-foreign"), "0");
    assert.match(await page.textContent(".privacy"), /airplane mode/);

    // Cut the network: both pages still load. The photo page's code (the full wasm build) is kept
    // the first time it is used online, so a photo gets one sentence saying so.
    await context.setOffline(true);
    await page.reload();
    assert.match(await page.title(), /unseen/);
    await page.goto(`${b.origin}/photo.html`);
    await page.setInputFiles("#files", PHOTO);
    await page.waitForSelector('#list li[data-status="failed"]', { timeout: 60_000 });
    assert.match(await page.textContent("#list li .photo-status"), /^The face detector's code could not be downloaded: check the connection \(once a page has been used online, it works offline\)\.$/);
    // The worker's own requests (its code, the wasm) are counted, and none left the site.
    assert.ok(Number(await page.getAttribute("#requests", "data-requests")) > 0, "the worker's requests are counted");
    assert.equal(await page.getAttribute("#requests", "data-foreign"), "0");

    // Online, the first photo brings the full build; when the small-face detector cannot come (here
    // its download fails), photos are still searched, by BlazeFace alone, and the page says what that
    // misses.
    await context.setOffline(false);
    await context.route("**/retinaface_mnet025.onnx", (route) => route.abort());
    await page.reload();
    await page.setInputFiles("#files", PHOTO);
    await page.waitForSelector('#list li[data-status="ready"]', { timeout: 180_000 });
    assert.match(await page.textContent("#list li .photo-status"), /10 faces found/);
    assert.ok(await page.isVisible("#small-faces"), "the page says small faces may be missed");
    await context.unroute("**/retinaface_mnet025.onnx");

    // With the small-face detector reachable, the next visit brings it, and the service worker keeps
    // it and the full build: offline again, a new visit to the photo page has both.
    await page.reload();
    await page.setInputFiles("#files", PHOTO);
    await page.waitForSelector('#list li[data-status="ready"]', { timeout: 180_000 });
    assert.ok(!(await page.isVisible("#small-faces")), "the small-face detector was downloaded");
    const kept = await page.evaluate(async () => {
      const cache = await caches.open((await caches.keys()).find((k) => k.startsWith("unseen-")));
      return (await cache.keys()).map((r) => new URL(r.url).pathname);
    });
    for (const f of ["/models/retinaface_mnet025.onnx", "/pkg-relaxed/unseen_bg.wasm"]) assert.ok(kept.includes(f), `the service worker kept ${f}`);
    await context.setOffline(true);
    await page.reload();
    await page.setInputFiles("#files", PHOTO);
    await page.waitForSelector('#list li[data-status="ready"]', { timeout: 180_000 });
    assert.match(await page.textContent("#list li .photo-status"), /10 faces found/);
    assert.ok(!(await page.isVisible("#small-faces")), "offline, the kept small-face detector is used");
    await context.setOffline(false);
    assert.deepEqual(b.foreignRequests(), []);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
