// The live page under the failures a long session meets, with protect on throughout and the leak probe
// (leak-probe.mjs) watching every paint: the worker crashing, the worker hanging, the tab hidden and
// shown, the screen rotated, the camera unplugged. After each, frames must flow again, and no paint may
// show any part of a face. And the detector's load in a browser that cannot send a compiled wasm
// module to a worker.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { start, ROOT } from "./harness.mjs";
import { MOTION_CLIP, leakReport, startProtected } from "./leak-probe.mjs";

test("live page: recovers from a crashed or hung worker, a hidden tab, a rotation and an unplugged camera", async () => {
  const b = await start({ camera: MOTION_CLIP });
  try {
    await b.page.addInitScript(() => {
      window.__frames = 0;
      document.addEventListener("unseen:frame", () => window.__frames++);
      // Every message the page shows, in order (some show for well under a second).
      window.__messages = [];
      document.addEventListener("DOMContentLoaded", () => {
        const box = document.getElementById("message");
        new MutationObserver(() => { if (!box.hidden) window.__messages.push(box.textContent.trim()); })
          .observe(box, { attributes: true, attributeFilter: ["hidden"] });
      });
    });
    await startProtected(b);
    const framesFlow = async (what) => {
      const from = await b.page.evaluate(() => window.__frames);
      await b.page.waitForFunction((from) => window.__frames >= from + 20, from, { timeout: 60000 })
        .catch(() => { throw new Error(`frames did not flow again after ${what}`); });
    };
    await framesFlow("starting");
    const detectorWorker = () => b.page.workers().find((w) => w.url().endsWith("/js/worker/worker.js"));
    const message = b.page.locator("#message");
    const messageShown = async (pattern) => {
      await b.page.waitForFunction((n) => window.__messages.length > n, shownBefore, { timeout: 15000 });
      const text = await b.page.evaluate(() => window.__messages.at(-1));
      assert.match(text, pattern);
      shownBefore = await b.page.evaluate(() => window.__messages.length);
    };
    let shownBefore = 0;

    // 1. The worker crashes: a message, a new worker, frames again, and the message gone.
    const crashed = detectorWorker();
    crashed.evaluate(() => setTimeout(() => { throw new Error("simulated crash"); })).catch(() => {});
    await messageShown(/face detector stopped and is being restarted/);
    await framesFlow("a worker crash");
    await message.waitFor({ state: "hidden", timeout: 10000 });
    assert.notEqual(detectorWorker(), crashed, "a new worker");

    // 2. The worker hangs: the watchdog replaces it.
    const hung = detectorWorker();
    hung.evaluate(() => { const t = Date.now(); while (Date.now() - t < 20000); }).catch(() => {});
    await messageShown(/face detector stopped and is being restarted/);
    await framesFlow("a hung worker");
    await message.waitFor({ state: "hidden", timeout: 10000 });

    // 3. The tab is hidden and shown, five times. Headless Chromium keeps every tab visible (another
    //    tab in front, a minimised window and a frozen lifecycle all left visibilityState "visible"), so
    //    the page is told through the same event a real browser sends, with document.hidden set to match.
    //    Each return to the tab must leave one frame loop, not one more each time.
    const callsPerFrame = () => b.page.evaluate(async () => {
      const video = document.getElementById("camera");
      let calls = 0;
      const original = HTMLVideoElement.prototype.requestVideoFrameCallback;
      video.requestVideoFrameCallback = function (cb) { calls++; return original.call(this, cb); };
      const start = window.__frames;
      await new Promise((r) => setTimeout(r, 2000));
      delete video.requestVideoFrameCallback;
      return calls / Math.max(1, window.__frames - start);
    });
    const perFrameBefore = await callsPerFrame();
    for (let i = 0; i < 5; i++) {
      await b.page.evaluate(async () => {
        const set = (hidden) => {
          Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
          Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (hidden ? "hidden" : "visible") });
          document.dispatchEvent(new Event("visibilitychange"));
        };
        set(true);
        await new Promise((r) => setTimeout(r, 200));
        set(false);
      });
    }
    await framesFlow("the tab being shown again");
    const perFrame = await callsPerFrame();
    assert.ok(perFrame < perFrameBefore * 1.5, `${perFrame.toFixed(2)} loop turns per frame after the tab was shown 5 times, ${perFrameBefore.toFixed(2)} before`);

    // 4. The device rotates: portrait, then landscape again.
    await b.page.setViewportSize({ width: 390, height: 844 });
    await framesFlow("turning to portrait");
    await b.page.setViewportSize({ width: 1280, height: 800 });
    await framesFlow("turning back");

    // 5. The camera is unplugged: its track ends. The page says so, offers to retry, and the retry works.
    await b.page.evaluate(() => document.getElementById("camera").srcObject.getVideoTracks()[0].dispatchEvent(new Event("ended")));
    await messageShown(/camera/i);
    await b.page.getByRole("button", { name: "Try the camera again" }).click();
    await framesFlow("plugging the camera back");

    const r = await leakReport(b.page);
    console.log(`leak probe through the failures: ${JSON.stringify(r)}`);
    assert.ok(r.compared >= 100, `${r.compared} painted frames compared`);
    assert.equal(r.unreadable, 0, "every paint is a decoded camera frame, the blurred fallback, or shows no recent face");
    assert.ok(r.blurred >= 2, "the blurred frame stood in while the worker was replaced");
    assert.deepEqual(r.leaks, [], "faces painted uncovered");
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test("live page: the wasm is downloaded once and compiled in the page; where a compiled module cannot go to a worker, the worker compiles it", async () => {
  for (const refuse of [false, true]) {
    const b = await start({ camera: join(ROOT, "tests/data/generated/two-faces.y4m") });
    // The page's and its worker's downloads of the wasm (the service worker's precache, which
    // fetches it too once the detector is in, aside).
    const wasm = [];
    b.context.on("request", (r) => { if (r.url().endsWith("_bg.wasm") && !r.serviceWorker()) wasm.push(r.url()); });
    try {
      if (refuse) {
        // A browser whose workers cannot take a WebAssembly.Module: postMessage throws, as structured
        // cloning does with something it cannot copy.
        await b.page.addInitScript(() => {
          const send = Worker.prototype.postMessage;
          Worker.prototype.postMessage = function (message, transfer) {
            if (message?.args?.module instanceof WebAssembly.Module) throw new DOMException("cannot clone a WebAssembly.Module here", "DataCloneError");
            return send.call(this, message, transfer);
          };
        });
      }
      await b.page.addInitScript(() => {
        window.__faces = [];
        document.addEventListener("unseen:frame", (e) => window.__faces.push(e.detail.faces.length));
      });
      await b.page.goto(`${b.origin}/index.html`);
      await b.page.getByRole("button", { name: "Start camera" }).click();
      await b.page.waitForFunction(() => window.__faces.some((n) => n === 2), null, { timeout: 60000 });
      // Refused: the page's compiled module is dropped and the worker downloads and compiles its own.
      assert.equal(wasm.length, refuse ? 2 : 1, `wasm downloads: ${wasm.join(", ")}`);
      assert.equal(await b.page.isVisible("#message"), false, "no error is shown");
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
  }
});
