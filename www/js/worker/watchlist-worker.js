// The watchlist page's worker: the live camera's session (live-ops.js: detection, tracking, protect
// mode's covers) and the faceprint network. It keeps no faceprint between messages: each frame's are
// returned to the page, which alone holds the watchlist, in memory.
import { ops as live, liveSession, pixels, processPixels, protectNotReady, useWasm, wasmExports } from "./live-ops.js";
import { loadWasm } from "./unseen-wasm.js";
import { download } from "../shared/download.js";
import { serveOps } from "./serve-ops.js";
import { FACE_LEN } from "../shared/protocol.js";
// The modules those import, named here too so that all are fetched at once (see tests/pages/module-graph.test.mjs).
import "../shared/wasm-build.js";
import "../../pkg/unseen.js";

/** dlib's face recognition network with float16 weights: fetched when this page first asks for it,
 *  and cached for offline use by the service worker from then on. */
const FACEPRINT_MODEL = new URL("../../models/dlib_face_recognition_resnet_model_v1.onnx", import.meta.url);
/** Faces printed per frame, at most (the nearest ones first: the largest). */
const MAX_FACES = 4;

let printer = null;
let printerLoading = null;

/** The faceprint of each face (the layout the wasm returns: protocol.js) in these pixels. */
function printsOf(rgba, width, height, faces) {
  const n = Math.min(MAX_FACES, Math.floor(faces.length / FACE_LEN));
  return printer.of(rgba, width, height, faces.subarray(0, n * FACE_LEN));
}

/** The faces sorted largest first (nearest the camera), so the first MAX_FACES are the ones printed. */
function largestFirst(faces) {
  const list = [];
  for (let i = 0; i + FACE_LEN <= faces.length; i += FACE_LEN) list.push(faces.subarray(i, i + FACE_LEN));
  list.sort((a, b) => b[2] * b[3] - a[2] * a[3]);
  const out = new Float32Array(list.length * FACE_LEN);
  list.forEach((f, i) => out.set(f, i * FACE_LEN));
  return out;
}

const ops = {
  load: live.load,
  options: live.options,
  reset: live.reset,
  async loadFaceprints(_, id) {
    printerLoading ??= download(FACEPRINT_MODEL, (progress) => postMessage({ id, progress })).then((bytes) => {
      printer = new wasmExports.Faceprints(bytes);
    }).finally(() => { printerLoading = null; });
    await printerLoading;
    return {};
  },
  /** One frame: its pixels (covered and held back in protect mode), the faces found in it, and the
   *  faces of the newest frame with their faceprints (made before any covering). */
  frame({ bitmap, now, protect, still = false }) {
    if (!liveSession()) throw new Error("the face detector is not loaded yet");
    const notYet = protectNotReady(protect, bitmap);
    if (notYet) return notYet;
    const { rgba, width, height } = pixels(bitmap);
    const original = protect ? rgba.slice() : rgba;
    const reply = processPixels(rgba, width, height, { now, protect, still });
    const newest = largestFirst(liveSession().newestFaces());
    const started = performance.now();
    reply.newest = newest;
    reply.prints = printer ? printsOf(original, width, height, newest) : new Float32Array(0);
    reply.printMs = performance.now() - started;
    return { reply, transfer: [rgba.buffer, reply.faces.buffer] };
  },
  /** The faces in a photo (for enrolment), largest first, with their faceprints. */
  async photo({ bytes }) {
    if (!printer) throw new Error("the faceprint network is not loaded yet");
    const { decodeImage } = wasmExports;
    const image = decodeImage(new Uint8Array(bytes));
    const { width, height } = image;
    const rgba = image.rgba;
    image.free();
    const session = liveSession();
    session.reset();
    const faces = largestFirst(session.process(rgba, width, height, 0, false, 0));
    session.reset();
    return { faces, prints: printsOf(rgba, width, height, faces) };
  },
};

useWasm(loadWasm);
serveOps(ops, (args) => args?.bitmap?.close?.());
