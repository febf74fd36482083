// Our detector and two peers side by side in one page, on the same frames, one call of each in turn so
// all see the same noise. Ours: FaceDetector.detect (letterbox in Rust, inference, decoding, NMS).
// onnxruntime-web on the same .onnx file: letterbox with the browser's drawImage, float conversion,
// and session.run (its output is not decoded, which favours it slightly). MediaPipe's own web face
// detector (@mediapipe/face_detection, CPU inference; its own short-range model, and its sparse
// full-range model rather than our 256 one): FaceDetection.send on a canvas, the whole detection.
// The same build the site's workers pick (relaxed SIMD where the browser runs it).
import { loadWasm } from "/js/worker/unseen-wasm.js";
import { relaxedSimd } from "/js/shared/wasm-build.js";
import * as ort from "/peers/ort/ort.wasm.min.mjs";

const { Engine, FaceDetector, LiveSession, simdPeakWork, instance } = await loadWasm();
const init = async () => instance;
window.relaxedSimd = relaxedSimd;

ort.env.wasm.numThreads = 1;
ort.env.wasm.simd = true;
ort.env.wasm.wasmPaths = "/peers/ort/";

async function bytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

async function frameOf(url) {
  const bitmap = await createImageBitmap(await (await fetch(url)).blob());
  const ctx = new OffscreenCanvas(bitmap.width, bitmap.height).getContext("2d", { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  return { bitmap, rgba: new Uint8Array(ctx.getImageData(0, 0, bitmap.width, bitmap.height).data.buffer), width: bitmap.width, height: bitmap.height };
}

function peerInput(frame, size, ctx) {
  const scale = size / Math.max(frame.width, frame.height);
  const w = Math.round(frame.width * scale), h = Math.round(frame.height * scale);
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, size, size);
  ctx.drawImage(frame.bitmap, (size - w) / 2, (size - h) / 2, w, h);
  const px = ctx.getImageData(0, 0, size, size).data;
  const input = new Float32Array(size * size * 3);
  for (let i = 0, j = 0; i < px.length; i += 4, j += 3) {
    input[j] = px[i] / 127.5 - 1;
    input[j + 1] = px[i + 1] / 127.5 - 1;
    input[j + 2] = px[i + 2] / 127.5 - 1;
  }
  return new ort.Tensor("float32", input, [1, size, size, 3]);
}

/** MediaPipe's face detector with `model` ("short" or "full") on CPU inference, or an error message
 *  when it cannot run here. Its minDetectionConfidence option is left alone: setting it breaks the
 *  graph in this version (TensorsToDetectionsCalculator: options_.has_num_classes()). */
async function mediapipe(model) {
  try {
    const detector = new window.FaceDetection({ locateFile: (file) => `/peers/mediapipe/${file}` });
    detector.setOptions({ model, useCpuInference: true });
    let found = 0;
    detector.onResults((r) => { found = r.detections.length; });
    await detector.initialize();
    return { detect: async (image) => { await detector.send({ image }); return found; }, close: () => detector.close() };
  } catch (e) {
    return { error: String(e?.message ?? e) };
  }
}

/** Time `n` interleaved calls of ours and the peers on `frame` with the model at `modelUrl`. */
async function compare(modelUrl, size, mediapipeModel, frame, n) {
  const model = await bytes(modelUrl);
  const ours = new FaceDetector(model, 0.6, 0.3);
  const session = await ort.InferenceSession.create(model, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
  const ctx = new OffscreenCanvas(size, size).getContext("2d", { willReadFrequently: true });
  const inputName = session.inputNames[0];
  const mp = await mediapipe(mediapipeModel);
  const canvas = document.createElement("canvas");
  canvas.width = frame.width;
  canvas.height = frame.height;
  canvas.getContext("2d").drawImage(frame.bitmap, 0, 0);
  const oursMs = [], peerMs = [], mediapipeMs = [];
  let oursFaces = 0, peerBest = 0, mediapipeFaces = 0;
  for (let i = 0; i < n + 10; i++) {
    let t = performance.now();
    const faces = ours.detect(frame.rgba, frame.width, frame.height);
    const a = performance.now() - t;
    t = performance.now();
    const out = await session.run({ [inputName]: peerInput(frame, size, ctx) });
    const b = performance.now() - t;
    if (mp.detect) {
      t = performance.now();
      mediapipeFaces = await mp.detect(canvas);
      if (i >= 10) mediapipeMs.push(performance.now() - t);
    }
    if (i >= 10) { oursMs.push(a); peerMs.push(b); } // the first calls warm everything up
    oursFaces = faces.length / 17;
    const logits = Object.values(out).find((o) => o.dims.at(-1) === 1 && o.dims[1] === 512).data;
    peerBest = Math.max(...logits.map((v) => 1 / (1 + Math.exp(-v))));
  }
  ours.free();
  await session.release();
  await mp.close?.();
  return { oursMs, peerMs, oursFaces, peerBest, mediapipeMs, mediapipeFaces, mediapipeError: mp.error ?? null };
}

window.runInferBench = async ({ frameUrl, n }) => {
  await init();
  const frame = await frameOf(frameUrl);
  return {
    short: await compare("/source-models/face_detection_front_128x128.onnx", 128, "short", frame, n),
    full: await compare("/source-models/face_detection_back_256x256.onnx", 256, "full", frame, n),
  };
};
/** The machine's peak for wasm f32x4 multiply-add (a register-only loop in our module), best of 5,
 *  in GFLOP/s. */
function simdPeak() {
  simdPeakWork(1e6);
  let best = 0;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const flops = simdPeakWork(2e7);
    best = Math.max(best, flops / ((performance.now() - t) * 1e6));
  }
  return best;
}

/** Per kind of step, time and GFLOP/s summed over `runs` profiled runs (after 5 unprofiled ones). */
function sumProfiles(runOnce, runs) {
  for (let i = 0; i < 5; i++) runOnce();
  const kinds = new Map();
  for (let i = 0; i < runs; i++) {
    for (const p of JSON.parse(runOnce())) {
      const k = kinds.get(p.kind) ?? { kind: p.kind, steps: p.steps, flops: 0, ms: 0 };
      k.flops += p.flops;
      k.ms += p.ms;
      kinds.set(p.kind, k);
    }
  }
  return [...kinds.values()].map((k) => ({ kind: k.kind, steps: k.steps, ms: k.ms / runs, gflops: k.flops / (k.ms * 1e6) }));
}

/** A real photo as RetinaFace's input at `h`×`w`: channels-last for ours, channels-first for the
 *  peer, blue-green-red less the training mean. */
async function retinaInput(url, h, w) {
  const bitmap = await createImageBitmap(await (await fetch(url)).blob(), { resizeWidth: w, resizeHeight: h });
  const ctx = new OffscreenCanvas(w, h).getContext("2d", { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  const px = ctx.getImageData(0, 0, w, h).data;
  const nhwc = new Float32Array(h * w * 3), nchw = new Float32Array(h * w * 3);
  const mean = [104, 117, 123];
  for (let i = 0; i < h * w; i++) {
    const bgr = [px[4 * i + 2], px[4 * i + 1], px[4 * i]];
    for (let c = 0; c < 3; c++) {
      nhwc[3 * i + c] = bgr[c] - mean[c];
      nchw[c * h * w + i] = bgr[c] - mean[c];
    }
  }
  return { nhwc, nchw };
}

/** RetinaFace at the photo pipeline's tile size: ours and onnxruntime-web interleaved, and our
 *  profile. */
window.runRetinaBench = async ({ modelUrl, photoUrl, size, n }) => {
  await init();
  const model = await bytes(modelUrl);
  const ours = new Engine(model, size, size);
  const session = await ort.InferenceSession.create(model, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
  const { nhwc, nchw } = await retinaInput(photoUrl, size, size);
  const tensor = new ort.Tensor("float32", nchw, [1, 3, size, size]);
  const oursMs = [], peerMs = [];
  for (let i = 0; i < n + 3; i++) {
    let t = performance.now();
    ours.run(nhwc);
    const a = performance.now() - t;
    t = performance.now();
    await session.run({ [session.inputNames[0]]: tensor });
    const b = performance.now() - t;
    if (i >= 3) { oursMs.push(a); peerMs.push(b); }
  }
  const profile = sumProfiles(() => ours.profile(nhwc, () => performance.now()), 5);
  ours.free();
  await session.release();
  return { oursMs, peerMs, profile };
};

/** The peak, and the profile of each BlazeFace model on the frame. */
window.runProfileBench = async ({ frameUrl, runs }) => {
  await init();
  const frame = await frameOf(frameUrl);
  const peak = simdPeak();
  const out = { peak_gflops: peak };
  for (const [name, url] of [["short", "/source-models/face_detection_front_128x128.onnx"], ["full", "/source-models/face_detection_back_256x256.onnx"]]) {
    const d = new FaceDetector(await bytes(url), 0.6, 0.3);
    out[name] = sumProfiles(() => d.profile(frame.rgba, frame.width, frame.height, () => performance.now()), runs);
    d.free();
  }
  return out;
};

/** `n` live frames through one LiveSession as fast as they run (protect mode, held back as the page
 *  does, every other second of simulated time, the frame shifted a little each time): wasm memory
 *  after warm-up and at the end. */
window.runMemoryBench = async ({ frameUrl, n }) => {
  const wasm = await init();
  const frame = await frameOf(frameUrl);
  const session = new LiveSession(await bytes("/models/face_detection_front_128x128.onnx"), 0.6, 0.3);
  const pixels = new Uint8Array(frame.rgba.length);
  let after100 = 0, faces = 0;
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    // Shift the picture by up to 8 pixels so the tracker sees motion, and cover every other second.
    const shift = (i % 9) * 4;
    pixels.set(frame.rgba.subarray(shift), 0);
    const now = i * 33.3;
    const found = session.process(pixels, frame.width, frame.height, now, Math.floor(i / 30) % 2 === 1, session.holdBackFor(now));
    faces += found.length / 17;
    if (i === 99) after100 = wasm.memory.buffer.byteLength;
  }
  const end = wasm.memory.buffer.byteLength;
  session.free();
  return { frames: n, seconds: (performance.now() - started) / 1000, memoryAfter100: after100, memoryAtEnd: end, growth: end - after100, meanFaces: faces / n };
};
window.benchReady = true;
