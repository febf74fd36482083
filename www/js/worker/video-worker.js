// The video page's workers; the only JavaScript on that page that touches the wasm package. Every
// worker finds faces in the frames it is sent (pass 1); the first also holds the plan (the boxes
// of every frame, linked into tracks) and covers frames from it (pass 2). Frames come and go as
// RGBA, as stored in the file; only boxes stay.
import { loadWasm } from "./unseen-wasm.js";
import { download } from "../shared/download.js";
import { serveOps } from "./serve-ops.js";
import { BLAZEFACE_MODELS, RETINAFACE_MODEL } from "../shared/protocol.js";
// The modules those import, named here too so that all are fetched at once (see tests/pages/module-graph.test.mjs).
import "../shared/wasm-build.js";
import "../../pkg/unseen.js";

let wasm = null;
let finder = null;
let plan = null;

const ops = {
  /** Load the wasm and both detectors (a few MB the first time, then from the offline cache). */
  async load(_args, id) {
    wasm ??= await loadWasm();
    if (!finder) {
      const progress = (p) => postMessage({ id, progress: p });
      const [full, retina] = [await download(BLAZEFACE_MODELS.full, progress), await download(RETINAFACE_MODEL, progress)];
      finder = new wasm.VideoFinder(full, retina);
    }
    return true;
  },

  /** Pass 1: boxes (x, y, w, h each) of the faces in stored frame `index`. */
  faces({ rgba, width, height, rotation, index }) {
    if (!finder) throw new Error("the face detector is not loaded yet");
    return Array.from(finder.faces(new Uint8Array(rgba), width, height, rotation, index));
  },

  /** A new plan for a video of `frames` stored frames. */
  plan({ width, height, fps, frames }) {
    if (!wasm) throw new Error("the face detector is not loaded yet");
    plan?.free();
    plan = new wasm.VideoPlan(width, height, fps, frames);
    return true;
  },

  /** Boxes found in frame `index`, for the plan. */
  setFaces({ index, boxes }) {
    needPlan().setFaces(index, new Float32Array(boxes));
    return true;
  },

  /** Link the boxes into tracks; returns each track as {first, last, at, box, covered}. */
  link() {
    const p = needPlan();
    const n = p.link();
    return Array.from({ length: n }, (_, i) => trackOf(p, i));
  },

  setCovered({ index, covered }) {
    needPlan().setCovered(index, covered);
    return trackOf(plan, index);
  },

  draw({ first, last, box }) {
    needPlan().draw(first, last, box[0], box[1], box[2], box[3]);
    return true;
  },

  clearDrawn() {
    needPlan().clearDrawn();
    return true;
  },

  /** Pass 2: frame `index` (stored RGBA) with its faces covered. */
  paint({ rgba, index }) {
    const pixels = new Uint8Array(rgba);
    needPlan().paint(pixels, index);
    return { reply: pixels.buffer, transfer: [pixels.buffer] };
  },

  /** Set the creation and modification times of an MP4's index (`moov` body) to 0, and read them back. */
  clearTimes({ moov }) {
    const bytes = new Uint8Array(moov);
    wasm.mp4ClearTimes(bytes);
    const left = Array.from(wasm.mp4Times(bytes));
    return { reply: { moov: bytes.buffer, left }, transfer: [bytes.buffer] };
  },

  /** The creation and modification times of an MP4's index (`moov` body). */
  times({ moov }) {
    return Array.from(wasm.mp4Times(new Uint8Array(moov)));
  },
};

function needPlan() {
  if (!plan) throw new Error("no video is being worked on");
  return plan;
}

function trackOf(p, i) {
  const [first, last, at, x, y, w, h, covered] = p.track(i);
  return { index: i, first, last, at, box: [x, y, w, h], covered: covered === 1 };
}

serveOps(ops);
