// Phone-class devices: the page under Chromium's CPU throttling at 4× and 8×, and each of its workers
// slowed as much through the worker's own DevTools target (see throttle()), over the motion clip in
// protect mode. The view must paint no face uncovered however slow the detector is
// (frames are skipped, never faces), and the page's frames-per-second figure must be the rate it
// really paints at.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { start } from "./harness.mjs";
import { MOTION_CLIP, clipTruth, leakProbe, leakReport } from "./leak-probe.mjs";

/** In a worker: make each reply wait (rate − 1) times as long as its work took, as a CPU `rate`
 *  times slower would. Resolves once the worker's message loop is wrapped. */
const SLOW_WORKER = (rate) => `new Promise((resolve) => {
  const wrap = () => {
    if (typeof self.onmessage !== "function") return setTimeout(wrap, 10);
    const real = self.onmessage, post = self.postMessage.bind(self);
    let started = 0;
    self.onmessage = (event) => { started = performance.now(); return real(event); };
    self.postMessage = (message, transfer) => {
      if (message && message.id !== undefined && started) {
        const until = performance.now() + (${rate} - 1) * (performance.now() - started);
        while (performance.now() < until) { /* a slower CPU */ }
      }
      post(message, transfer);
    };
    resolve(true);
  };
  wrap();
})`;

/** Throttle the page by `rate` with Chromium's CPU throttling, and every worker it starts by the
 *  same factor. Chromium 156 refuses Emulation.setCPUThrottlingRate on a worker's target
 *  ("Operation is only supported for pages, not workers"), and throttling the page leaves its
 *  workers at full speed (measured: the detector's time per frame 6.7 ms before, 6.8 ms after), so
 *  the test attaches to each worker's target and slows it itself (SLOW_WORKER). Returns the set of
 *  workers slowed. */
async function throttle(b, rate) {
  const cdp = await b.context.newCDPSession(b.page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate });
  const slowed = new Set();
  const pending = new Map();
  let id = 1;
  const slow = (sessionId, tries) => {
    pending.set(id, { sessionId, tries });
    cdp.send("Target.sendMessageToTarget", {
      sessionId,
      message: JSON.stringify({ id: id++, method: "Runtime.evaluate", params: { expression: SLOW_WORKER(rate), awaitPromise: true } }),
    }).catch(() => {});
  };
  cdp.on("Target.receivedMessageFromTarget", ({ sessionId, message }) => {
    const reply = JSON.parse(message);
    const asked = pending.get(reply.id);
    if (asked?.sessionId !== sessionId) return;
    if (reply.result?.result?.value === true) slowed.add(sessionId);
    // Asked before the worker's script had run (its globals not there yet): ask again.
    else if (asked.tries < 50) setTimeout(() => slow(sessionId, asked.tries + 1), 100);
  });
  cdp.on("Target.attachedToTarget", ({ sessionId, targetInfo }) => {
    if (targetInfo.type === "worker") slow(sessionId, 0);
  });
  // Attached without flattening, so that commands reach a worker through Target.sendMessageToTarget.
  await cdp.send("Target.setAutoAttach", { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  return slowed;
}

for (const rate of [4, 8]) {
  test(`CPU throttled ${rate}× (page and workers): protect mode paints no face uncovered and reports its real rate`, { timeout: 300_000 }, async () => {
    const b = await start({ camera: MOTION_CLIP });
    try {
      await b.page.addInitScript(leakProbe, clipTruth(MOTION_CLIP));
      await b.page.goto(`${b.origin}/index.html`);
      const throttled = await throttle(b, rate);
      await b.page.locator("#protect").check();
      await b.page.evaluate(() => { window.__leakProbe.on = true; });
      await b.page.locator("#start").click();
      // The whole clip (150 frames, 5 s) seen by the camera, and at least 60 frames painted (the
      // detector loads 8 times slower too).
      await b.page.waitForFunction(() => {
        const r = window.__leakProbe.report();
        return r.camera_frames === 150 && r.decoded >= 60;
      }, null, { timeout: 200000, polling: 1000 });
      // The rate the page shows beside the rate it paints at, over the same last second.
      const rates = await b.page.evaluate(() => ({ shown: Number(document.getElementById("fps").textContent), painted: window.__leakProbe.paintsInLast(1000) }));
      const any = await b.page.evaluate(() => window.__leakProbe.report(0));
      // The independent check's rule: faces at least half in view.
      const r = await leakReport(b.page, 0.5);
      console.log(`throttled ${rate}×: ${throttled.size} worker(s) slowed; ${r.compared} paints compared, ${r.blurred} blurred stand-ins; frames per second shown ${rates.shown}, painted ${rates.painted}`);
      const { leakShots } = await b.page.evaluate(() => window.__leakProbe);
      leakShots.slice(0, 5).forEach((url, i) => writeFileSync(join(tmpdir(), `unseen-throttle-${rate}-leak-${i}.png`), Buffer.from(url.split(",")[1], "base64")));
      if (any.leaks.length) console.log(`faces shown (any share in view): ${JSON.stringify(any.leaks)}; at least half in view: ${JSON.stringify(r.leaks)}; paints kept: ${join(tmpdir(), `unseen-throttle-${rate}-leak-*.png`)}`);
      assert.ok(throttled.size >= 1, "the detector's worker is slowed too");
      assert.ok(r.compared >= 50, `${r.compared} painted frames compared`);
      assert.equal(r.unreadable, 0);
      // None. Before the slow-device rule (src/live.rs: a face found anew is covered back to every
      // edge it could have walked in from since each held frame was taken), some runs showed one or
      // two frames of the face stepping in at the right edge at 16 px a camera frame (96 to 240 px
      // between two frames processed); with it, 4 runs of 4 showed no face at any share in view.
      assert.deepEqual(r.leaks, [], "faces at least half in view painted uncovered (frame index, blocks, frames painted around it)");
      assert.ok(Math.abs(rates.shown - rates.painted) <= Math.max(2, 0.3 * rates.painted), `shown ${rates.shown} frames per second, painted ${rates.painted}`);
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
  });
}
