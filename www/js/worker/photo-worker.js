// The photo page's worker, the only JavaScript on that page that touches the wasm package. Opens
// photos from their files' bytes (decode, turn upright, read metadata, find faces, make a preview),
// draws covers on previews, and saves covered copies, then reads the saved bytes back to check them.
// Full-size pixels live here only while one photo is worked on; previews are kept by key.
import { loadWasm } from "./unseen-wasm.js";
import { download } from "../shared/download.js";
import { serveOps } from "./serve-ops.js";
import { BLAZEFACE_MODELS, RETINAFACE_MODEL } from "../shared/protocol.js";
// The modules those import, named here too so that all are fetched at once (see tests/pages/module-graph.test.mjs).
import "../shared/wasm-build.js";
import "../../pkg/unseen.js";

/** The wasm package's exports, once the first load has brought them. */
let FaceDetector, Photo, metadataOf, redact;

/** Faces are searched down to this score, so the page's threshold slider works without a new search. */
const FLOOR = 0.5;
const OVERLAP = 0.3;

let detector = null;
/** Whether the photo pipeline has its second detector (RetinaFace) for small faces. */
let smallFaces = false;
const previews = new Map();

function opened(bytes) {
  try {
    return new Photo(bytes);
  } catch (e) {
    throw new Error(e?.message ?? String(e));
  }
}

const ops = {
  async load(_args, id) {
    ({ FaceDetector, Photo, metadataOf, redact } = await loadWasm());
    if (!detector) {
      const bytes = await download(BLAZEFACE_MODELS.full, (progress) => postMessage({ id, progress }));
      detector = new FaceDetector(bytes, FLOOR, OVERLAP);
    }
    if (!smallFaces) {
      // Offline before any photo was opened online, the second detector is not cached yet: photos
      // are still searched, by BlazeFace alone, and the page says what that misses.
      try {
        detector.setPhotoModel(await download(RETINAFACE_MODEL, (progress) => postMessage({ id, progress })));
        smallFaces = true;
      } catch {
        smallFaces = false;
      }
    }
    return { floor: FLOOR, smallFaces };
  },

  /** Decode, read metadata, find faces (full-size pixels), and keep a preview under `key`. */
  open({ key, bytes, previewSide }) {
    if (!detector) throw new Error("the face detector is not loaded yet");
    const photo = opened(bytes);
    try {
      const metadata = photo.metadata();
      const started = performance.now();
      const faces = photo.findFaces(detector);
      const detectMs = performance.now() - started;
      const preview = photo.preview(previewSide);
      const entry = { rgba: preview.rgba, width: preview.width, height: preview.height };
      preview.free();
      previews.set(key, entry);
      return { width: photo.width, height: photo.height, metadata, faces: Array.from(faces), detectMs, previewWidth: entry.width, previewHeight: entry.height };
    } finally {
      photo.free();
    }
  },

  /** The preview under `key` with `boxes` (preview pixels, x y w h each) covered, as RGBA. */
  render({ key, boxes, style, shape, maskScale }) {
    const p = previews.get(key);
    if (!p) throw new Error("this photo is no longer open; load it again");
    const rgba = p.rgba.slice();
    redact(rgba, p.width, p.height, new Float32Array(boxes), style, shape, maskScale);
    return { reply: { rgba, width: p.width, height: p.height }, transfer: [rgba.buffer] };
  },

  forget({ key }) {
    previews.delete(key);
    return {};
  },

  /** Cover `boxes` (full-size pixels) at full size, encode with no metadata, then read the saved
   * bytes back: what they carry, and the size and orientation they decode to. */
  save({ bytes, boxes, style, shape, maskScale, format }) {
    const started = performance.now();
    const photo = opened(bytes);
    const out = photo.save(new Float32Array(boxes), style, shape, maskScale, format);
    const saveMs = performance.now() - started;
    const check = metadataOf(out);
    const back = opened(out);
    check.width = back.width;
    check.height = back.height;
    back.free();
    return { reply: { bytes: out, check, saveMs }, transfer: [out.buffer] };
  },
};

serveOps(ops);
