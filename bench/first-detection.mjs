// First detection, taken apart: `node bench/first-detection.mjs [runs]` opens the live page cold (a
// new browser and profile each run) with the fake camera, clicks Start at DOMContentLoaded, as
// `./build.sh bench` does, and prints for each run when the page's scripts had run, when the page
// posted the load to its worker, when the camera opened, when the detector was loaded, and when the
// first face was painted, all from navigation; then the mean and median. One cold run swings by ±150 ms on a 2-core machine, so compare builds by
// running this in two checkouts in turns, not one run each.
import { cpus } from "node:os";
import { join } from "node:path";
import { start, ROOT } from "../tests/browser/harness.mjs";

const CLIP = join(ROOT, "tests/data/generated/two-faces.y4m");
const RUNS = Number(process.argv[2] ?? 8);
const CPU = cpus()[0]?.model.trim() ?? "unknown CPU";

const runs = [];
for (let i = 0; i < RUNS; i++) {
  const b = await start({ camera: CLIP });
  try {
    await b.page.addInitScript(() => {
      const t = (window.__t = { frames: [] });
      const media = navigator.mediaDevices;
      const open = media.getUserMedia.bind(media);
      media.getUserMedia = async (c) => { const s = await open(c); t.camera = performance.now(); return s; };
      const Base = window.Worker;
      window.Worker = class extends Base {
        constructor(...a) {
          super(...a);
          this.addEventListener("message", (e) => { if (e.data?.result?.inputSize) t.loaded ??= performance.now(); });
        }
        postMessage(m, ...rest) {
          if (m?.op === "load") t.posted ??= performance.now();
          return super.postMessage(m, ...rest);
        }
      };
      document.addEventListener("unseen:frame", (e) => t.frames.push({ faces: e.detail.faces.length, at: performance.now(), inferenceMs: e.detail.inferenceMs }));
      document.addEventListener("DOMContentLoaded", () => { t.scripts = performance.now(); document.getElementById("start").click(); });
    });
    await b.page.goto(`${b.origin}/index.html`);
    await b.page.waitForFunction(() => window.__t.frames.some((f) => f.faces > 0), null, { timeout: 60000 });
    const t = await b.page.evaluate(() => window.__t);
    const first = t.frames.find((f) => f.faces > 0);
    const run = { scripts: t.scripts, posted: t.posted, camera: t.camera, loaded: t.loaded, first_face: first.at, first_inference: first.inferenceMs };
    runs.push(run);
    console.log(Object.entries(run).map(([k, v]) => `${k} ${Math.round(v)} ms`).join(", ") + `   [${CPU}]`);
  } finally {
    await b.close();
  }
}
const firsts = runs.map((r) => r.first_face).sort((a, b) => a - b);
const mean = firsts.reduce((a, b) => a + b, 0) / firsts.length;
const median = firsts.length % 2 ? firsts[(firsts.length - 1) / 2] : (firsts[firsts.length / 2 - 1] + firsts[firsts.length / 2]) / 2;
console.log(`first face over ${runs.length} cold runs: mean ${Math.round(mean)} ms, median ${Math.round(median)} ms, ${Math.round(firsts[0])}–${Math.round(firsts.at(-1))} ms   [${CPU}]`);
