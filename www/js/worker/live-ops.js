// The live camera's work in a worker, shared by the live page's worker (worker.js) and the watchlist
// page's (watchlist-worker.js): the live session (detector, tracker, cover options), frames taken as
// ImageBitmaps and returned as pixels — covered when asked — with the faces found. Each worker names
// the wasm package it runs (useWasm): the live one, or the full one the watchlist needs.
import { download } from "../shared/download.js";
import { BLAZEFACE_MODELS, RETINAFACE_MODEL } from "../shared/protocol.js";

/** The worker's wasm loader (shared/wasm-build.js: wasmLoader), given by useWasm. */
let loadWasm = null;

/** Run the wasm package that `loader` loads; a worker calls this once, before its first message. */
export function useWasm(loader) {
  loadWasm = loader;
}

/** The wasm package's exports, once the first load has brought it. */
let LiveSession;
/** The wasm package's other exports (the watchlist worker's faceprint network). */
export let wasmExports = null;

/** Frames are processed with their long side at most this many pixels. */
const MAX_SIDE = 960;

let session = null;
/** The second detector's bytes once downloaded; its download while under way; why it failed. */
let secondLookBytes = null;
let secondLookLoading = null;
let secondLookError = null;
let canvas = null;
let ctx = null;

export const ops = {
  async load({ model, threshold, overlap, style, shape, maskScale, module = null, bytes: given = null }, id) {
    let wasm;
    // The model downloads while the wasm compiles, unless the page brought both (live-core.js).
    const downloading = given instanceof Uint8Array ? Promise.resolve(given)
      : download(BLAZEFACE_MODELS[model] ?? BLAZEFACE_MODELS.short, (progress) => postMessage({ id, progress }));
    downloading.catch(() => {});
    wasmExports = await loadWasm(module);
    ({ LiveSession, instance: wasm } = wasmExports);
    // For the bench's long run: how much memory the wasm instance holds.
    self.wasmMemoryBytes = () => wasm.memory.buffer.byteLength;
    const bytes = await downloading;
    session?.free();
    session = null;
    session = new LiveSession(bytes, threshold, overlap);
    session.setCover(style, shape, maskScale);
    if (secondLookBytes) session.setSecondLook(secondLookBytes);
    await warmUp();
    return { inputSize: session.inputSize };
  },
  options({ threshold, overlap, style, shape, maskScale }) {
    session.setOptions(threshold, overlap);
    session.setCover(style, shape, maskScale);
    return {};
  },
  reset() {
    session?.reset();
    return {};
  },
  frame({ bitmap, now, protect, still = false, wantInput, wantCandidates, wantAnchors }) {
    if (!session) throw new Error("the face detector is not loaded yet");
    const notYet = protectNotReady(protect, bitmap);
    if (notYet) return notYet;
    const { rgba, width, height } = pixels(bitmap);
    const reply = processPixels(rgba, width, height, { now, protect, still, wantInput, wantCandidates, wantAnchors });
    return { reply, transfer: [rgba.buffer, reply.faces.buffer] };
  },
};

/** Fail closed: until protect mode's second detector is in (one download, on a slow network several
 *  seconds), only the blurred stand-in is shown. The answer to send instead of a frame (the bitmap
 *  closed), or null when protect mode is ready or off. */
export function protectNotReady(protect, bitmap) {
  if (!protect || session.hasSecondLook) return null;
  bitmap.close();
  if (secondLookError) {
    const e = secondLookError;
    secondLookError = null;
    throw new Error(`Protect mode's second face detector could not be loaded (${e.message}), so the view stays blurred. It will be tried again.`);
  }
  secondLookLoading ??= download(RETINAFACE_MODEL).then((b) => {
    session?.setSecondLook(b);
    secondLookBytes = b;
  }).catch((e) => { secondLookError = e; }).finally(() => { secondLookLoading = null; });
  return { waiting: true, faces: new Float32Array(0), covered: new Float32Array(0), inferenceMs: 0 };
}

/** One blank camera-sized frame through the frame canvas and the session, then forgotten. The first
 *  frame through a fresh session pays for the wasm's first calls, the canvas and its buffers' first
 *  allocation (in Chromium about 60 ms beyond the usual 10); this way the load pays, while the
 *  camera is still opening. */
async function warmUp() {
  const { rgba, width, height } = pixels(await createImageBitmap(new ImageData(640, 480)));
  session.process(rgba, width, height, 0, false, 0);
  session.reset();
}

/** The live session, once loaded. */
export function liveSession() {
  return session;
}

/** The bitmap's pixels, its long side at most MAX_SIDE; the bitmap is closed. */
export function pixels(bitmap) {
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  if (!canvas || canvas.width !== width || canvas.height !== height) {
    canvas = new OffscreenCanvas(width, height);
    ctx = canvas.getContext("2d", { willReadFrequently: true });
  }
  ctx.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  return { rgba: new Uint8Array(ctx.getImageData(0, 0, width, height).data.buffer), width, height };
}

/** One frame through the live session: `rgba` is covered in place in protect mode. */
export function processPixels(rgba, width, height, { now, protect, still, wantInput, wantCandidates, wantAnchors }) {
  const started = performance.now();
  // A camera view runs 133 ms late in protect mode (as many frames as that is at the rate frames
  // are processed), so a face entering from the edge is covered from its first frame; a still
  // picture is shown at once.
  const faces = session.process(rgba, width, height, now, protect, still ? 0 : session.holdBackFor(now));
  const inferenceMs = performance.now() - started;
  return {
    rgba, width, height, faces, covered: session.covered(), inferenceMs, waiting: session.waiting,
    input: wantInput ? session.lastInput() : null,
    candidates: wantCandidates ? session.lastCandidates() : null,
    anchors: wantAnchors ? session.anchorCentres() : null,
    anchorCount: wantAnchors ? session.anchorCount : 0,
  };
}
