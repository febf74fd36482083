// What the live page and the <unseen-camera> element share: the check for what the detector needs,
// the fully blurred frame shown whenever covered pixels are not ready (fail closed), and one frame's
// trip to the worker with a watchdog that replaces a worker which stops answering.

import { BLAZEFACE_MODELS, LIVE_OPS } from "../shared/protocol.js";
import { download } from "../shared/download.js";
import { compileWasm } from "../shared/wasm-build.js";

/** A frame taking longer than this means the worker hung: it is replaced. */
export const WATCHDOG_MS = 3000;
/** Side of the tiny copy a fully blurred frame is made from. */
const BLUR_CELLS = 12;

function simdSupported() {
  // (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt))
  return typeof WebAssembly === "object" && WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1,
    96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]));
}

function moduleWorkersSupported() {
  // A browser that knows module workers reads the options' `type` before it builds anything; the
  // getter then throws, so no worker is made and nothing is fetched.
  let read = false;
  try {
    new Worker("data:text/javascript,", { get type() { read = true; throw new Error("only asked"); } });
  } catch { /* thrown by the getter, or no module workers: what matters is whether `type` was read */ }
  return read;
}

/** The key (www/i18n) of the sentence naming the first feature the live detector needs that this
 *  browser lacks: WebAssembly SIMD, module workers, OffscreenCanvas; or null when it has them all. */
export function missingFeature() {
  if (!simdSupported()) return "live.error.simd";
  if (typeof Worker !== "function" || !moduleWorkersSupported()) return "live.error.module-workers";
  if (typeof OffscreenCanvas !== "function") return "live.error.offscreen-canvas";
  return null;
}

/** Load the live detector `args.model` in the worker behind `bridge` (LIVE_OPS.load's arguments).
 *  The worker is started first; while it fetches its script and modules (a round trip each), the
 *  page downloads and compiles the wasm and downloads the model, and then hands the worker both, so
 *  the worker only instantiates. `wasm` names the build that worker runs (shared/wasm-build.js):
 *  "live" for worker.js, "full" for the watchlist's worker. A browser that cannot send a compiled
 *  module to a worker sends the model alone, and the worker compiles the wasm itself; so it does when
 *  the page's compile fails, and then says why. `onprogress({ loaded, total })` follows the model's
 *  download. */
export async function loadDetector(bridge, args, { onprogress = null, wasm = "live" } = {}) {
  bridge.start();
  const [module, bytes] = await Promise.all([
    compileWasm(wasm).catch(() => null),
    download(BLAZEFACE_MODELS[args.model] ?? BLAZEFACE_MODELS.short, onprogress),
  ]);
  const load = (extra) => bridge.call(LIVE_OPS.load, { ...args, ...extra });
  if (!module) return load({ bytes });
  try {
    return await load({ module, bytes });
  } catch (e) {
    if (e?.name === "DataCloneError") return load({ bytes });
    throw e;
  }
}

/** Paint a strongly blurred copy of `source` (a video or an ImageBitmap) on `canvas`: safe to show,
 *  and shows that something is there. With no source, a dark frame. */
export function paintBlurred(canvas, source) {
  const ctx = canvas.getContext("2d");
  const w = source?.videoWidth || source?.width || canvas.width;
  const h = source?.videoHeight || source?.height || canvas.height;
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  if (!source) { ctx.fillStyle = "#222"; ctx.fillRect(0, 0, w, h); return; }
  const tiny = new OffscreenCanvas(BLUR_CELLS, Math.max(1, Math.round(BLUR_CELLS * h / w)));
  tiny.getContext("2d").drawImage(source, 0, 0, tiny.width, tiny.height);
  ctx.imageSmoothingEnabled = true;
  ctx.filter = "blur(8px)";
  ctx.drawImage(tiny, 0, 0, w, h);
  ctx.filter = "none";
}

/** Send the current picture of `source` to the worker behind `bridge`; resolves with its answer
 *  (pixels, covered when `protect`, and the faces). In protect mode a camera's pixels come back a
 *  few frames late (a `still` picture's at once), and covered whole until then. A worker silent for
 *  WATCHDOG_MS is replaced. */
export async function sendFrame(bridge, source, { now, protect, still = false, wantInput = false, wantCandidates = false, wantAnchors = false }) {
  const bitmap = await createImageBitmap(source);
  const watchdog = setTimeout(() => bridge.fail(new Error("the face detector stopped responding")), WATCHDOG_MS);
  try {
    return await bridge.call(LIVE_OPS.frame, { bitmap, now, protect, still, wantInput, wantCandidates, wantAnchors }, { transfer: [bitmap] });
  } finally {
    clearTimeout(watchdog);
  }
}

/** Schedule `turn` for the video's next frame (the next animation frame where the browser has no
 *  video-frame callbacks), replacing the callback `holder.nextFrame` already waits for, so there is
 *  only ever one loop. */
export function nextTurn(video, holder, turn) {
  if (video.requestVideoFrameCallback) {
    if (holder.nextFrame) video.cancelVideoFrameCallback(holder.nextFrame);
    holder.nextFrame = video.requestVideoFrameCallback(() => { holder.nextFrame = 0; turn(); });
  } else {
    cancelAnimationFrame(holder.nextFrame);
    holder.nextFrame = requestAnimationFrame(() => { holder.nextFrame = 0; turn(); });
  }
}
