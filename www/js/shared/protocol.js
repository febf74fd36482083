// What the pages and the workers agree on, in one place: the face layout the wasm returns, the
// settings a view starts from, and the live worker's requests. The numbers are the Rust core's
// (src/wasm/mod.rs: faceLength, liveDefaults, photoDefaults); a page has no wasm of its own to ask before
// its worker has loaded, so they are written here once, a worker refuses to run with a wasm whose
// face layout differs, and tests/browser/wasm.test.mjs checks that every number agrees.

/** Numbers per face in the wasm's flat arrays: x, y, w, h, score, then 6 (x, y) keypoints. */
export const FACE_LEN = 17;

/** The live views' starting settings (the live page, <unseen-camera>). */
export const LIVE_DEFAULTS = Object.freeze({ threshold: 0.6, overlap: 0.3, style: "solid", shape: "ellipse", maskScale: 1.3 });

/** The photo page's starting settings. */
export const PHOTO_DEFAULTS = Object.freeze({ threshold: 0.75, style: "solid", shape: "ellipse", maskScale: 1.3 });

/** BlazeFace's two models, by the name a live load asks for; the photo and video workers use full. */
export const BLAZEFACE_MODELS = Object.freeze({
  short: new URL("../../models/face_detection_front_128x128.onnx", import.meta.url),
  full: new URL("../../models/face_detection_back_256x256.onnx", import.meta.url),
});

/** The second detector, RetinaFace MobileNet-0.25, for small faces: the photo and video workers run
 *  it with full-range BlazeFace, and protect mode takes a second look with it at faces cut by the
 *  frame's edge. Never fetched on the live page's first visit; the service worker keeps it once used. */
export const RETINAFACE_MODEL = new URL("../../models/retinaface_mnet025.onnx", import.meta.url);

/** The requests a live worker (worker/worker.js, worker/watchlist-worker.js) answers, by name. */
export const LIVE_OPS = Object.freeze({
  /** Load a detector: { model, threshold, overlap, style, shape, maskScale } → { inputSize }; the
   *  page may send the wasm compiled (`module`) and the model's `bytes`, else the worker fetches them. */
  load: "load",
  /** Change the settings of the loaded detector. */
  options: "options",
  /** Forget every tracked face (a new camera or picture). */
  reset: "reset",
  /** One frame: { bitmap, now, protect, still, ... } → pixels (covered in protect mode) and faces. */
  frame: "frame",
});

/** The worker's check that its wasm has the layout this file was written for. */
export function checkLayout(wasmFaceLength) {
  if (wasmFaceLength !== FACE_LEN) {
    throw new Error("this page and its WebAssembly module are from different versions of the site: reload the page");
  }
}
