// `./build.sh bench`: measures the live page where users are, in headless Chromium with the fake camera
// clip, and prints a small table, then one JSON object as the last line (also bench/results.json).
// Figures, not pass/fail: the tests check behaviour, this reports speed and weight.
import { readFileSync, writeFileSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { cpus } from "node:os";
import { join } from "node:path";
import { start, ROOT, WWW } from "../tests/browser/harness.mjs";

const CLIP = join(ROOT, "tests/data/generated/two-faces.y4m");
const FRAMES = Number(process.env.BENCH_FRAMES ?? 300);

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))]; };
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

async function live() {
  const b = await start({ camera: CLIP });
  try {
    await b.page.addInitScript(() => {
      window.__frames = [];
      document.addEventListener("unseen:frame", (e) => window.__frames.push({ ...e.detail, at: performance.now() }));
      document.addEventListener("DOMContentLoaded", () => document.getElementById("start").click());
    });
    await b.page.goto(`${b.origin}/index.html`);
    await b.page.waitForFunction(() => window.__frames.some((f) => f.faces.length > 0), null, { timeout: 60000 });
    const firstDetection = await b.page.evaluate(() => window.__frames.find((f) => f.faces.length > 0).at);
    const measure = async (mode) => {
      const from = await b.page.evaluate(() => window.__frames.length);
      await b.page.waitForFunction(([from, n]) => window.__frames.length >= from + n, [from, FRAMES], { timeout: 600000 });
      const frames = await b.page.evaluate(([from, n]) => window.__frames.slice(from, from + n), [from, FRAMES]);
      if (!frames.every((f) => f.mode === mode)) throw new Error(`expected ${mode} frames`);
      const seconds = (frames.at(-1).at - frames[0].at) / 1000;
      return {
        fps: round((frames.length - 1) / seconds, 1),
        infer_ms: { p50: round(pct(frames.map((f) => f.inferenceMs), 50)), p95: round(pct(frames.map((f) => f.inferenceMs), 95)) },
        frame_ms: { p50: round(pct(frames.map((f) => f.frameMs), 50)), p95: round(pct(frames.map((f) => f.frameMs), 95)) },
        frames_with_both_faces: frames.filter((f) => f.faces.length === 2).length / frames.length,
      };
    };
    const see = await measure("see");
    await b.page.locator("#protect").check();
    await b.page.waitForFunction(() => window.__frames.at(-1)?.mode === "protect");
    const protect = await measure("protect");
    const memory = await b.page.evaluate(() => performance.memory?.usedJSHeapSize ?? null);
    // Everything the page loaded, by URL path, sized from the files served.
    const paths = [...new Set(b.requests.filter((u) => u.startsWith(b.origin)).map((u) => new URL(u).pathname))];
    let raw = 0, gzip = 0;
    for (const p of paths) {
      const file = join(WWW, p.endsWith("/") ? p + "index.html" : p);
      try { const bytes = readFileSync(file); raw += bytes.length; gzip += gzipSync(bytes, { level: 9 }).length; } catch { /* 404s are not weight */ }
    }
    return { see, protect, first_detection_ms: round(firstDetection, 0), page_bytes: { raw, gzip, files: paths.length }, js_heap_bytes: memory, foreign_requests: b.foreignRequests().length };
  } finally {
    await b.close();
  }
}

const liveResult = await live();
const results = {
  machine: `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, headless ${process.env.CHROMIUM}`,
  frames_per_mode: FRAMES,
  live_see: liveResult.see,
  live_protect: liveResult.protect,
  short_infer_ms: { ours_p50: liveResult.see.infer_ms.p50, ours_p95: liveResult.see.infer_ms.p95 },
  live_frame_ms: liveResult.protect.frame_ms,
  first_detection_ms: liveResult.first_detection_ms,
  page_bytes: liveResult.page_bytes,
  wasm_bytes: statSync(join(WWW, "pkg/unseen_bg.wasm")).size,
  foreign_requests: liveResult.foreign_requests,
};

const rows = [
  ["live, see mode", `${results.live_see.fps} fps`, `inference p50 ${results.live_see.infer_ms.p50} ms, p95 ${results.live_see.infer_ms.p95} ms`],
  ["live, protect mode", `${results.live_protect.fps} fps`, `whole frame p50 ${results.live_frame_ms.p50} ms, p95 ${results.live_frame_ms.p95} ms`],
  ["first detection", `${results.first_detection_ms} ms`, "from navigation, camera started at once"],
  ["page weight", `${(results.page_bytes.gzip / 1e6).toFixed(2)} MB gzip`, `${(results.page_bytes.raw / 1e6).toFixed(2)} MB raw, ${results.page_bytes.files} files`],
];
for (const [what, figure, detail] of rows) console.log(`${what.padEnd(20)} ${figure.padStart(16)}   ${detail}`);
writeFileSync(join(ROOT, "bench/results.json"), JSON.stringify(results, null, 2) + "\n");
console.log(JSON.stringify(results));
