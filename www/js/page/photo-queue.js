// The photo page's queue, without a page: photos in the order they came, opened as many at a time
// as there are workers, each file checked before it is read, and the faces a worker sends back.
// tests/pages/photo-queue.test.mjs checks it under plain `node --test`.
import { Review } from "./photo-review.js";
import { FACE_LEN } from "../shared/protocol.js";

/** Files larger than this are refused before they are read. */
export const MAX_FILE_BYTES = 200 * 1024 * 1024;

/** Why a file is refused before it is read, as a string key and its values, or null. */
export function refusal(file) {
  if (file.size > MAX_FILE_BYTES) return ["photo.error.too-large", { mb: Math.round(file.size / 1e6), most: MAX_FILE_BYTES / 1e6 }];
  if (file.size === 0) return ["photo.error.empty", {}];
  return null;
}

/** The worker's faces (FACE_LEN numbers each, box first, then score) as boxes with scores; a ragged tail is dropped. */
export function facesFrom(flat) {
  const faces = [];
  for (let i = 0; i + FACE_LEN <= flat.length; i += FACE_LEN) {
    const [x, y, w, h, score] = flat.slice(i, i + 5);
    faces.push({ x, y, w, h, score });
  }
  return faces;
}

export class PhotoQueue {
  constructor() {
    /** Every photo: { key, file, name, status: waiting | opening | working | ready | failed, review }. */
    this.photos = [];
    this.nextKey = 1;
    /** Photos being opened now. */
    this.opening = 0;
  }

  /** Queue `files`; returns the new photos. */
  add(files) {
    const added = [...files].map((file) => ({ key: this.nextKey++, file, name: file.name || "pasted-photo.png", status: "waiting", review: new Review(0, 0) }));
    this.photos.push(...added);
    return added;
  }

  /** The waiting photos to open now, first come first, so that at most `slots` are open at once; each is marked opening. */
  take(slots) {
    const taken = [];
    for (const p of this.photos) {
      if (this.opening >= slots) break;
      if (p.status !== "waiting") continue;
      p.status = "opening";
      this.opening++;
      taken.push(p);
    }
    return taken;
  }

  /** A photo taken has finished opening, found or failed. */
  finished() {
    this.opening = Math.max(0, this.opening - 1);
  }

  get ready() {
    return this.photos.filter((p) => p.status === "ready");
  }

  /** How many photos are finished (ready or failed), and how many faces the ready ones show at `threshold`. */
  summary(threshold) {
    const done = this.photos.filter((p) => p.status === "ready" || p.status === "failed").length;
    const faces = this.ready.reduce((n, p) => n + p.review.visible(threshold).length, 0);
    return { total: this.photos.length, done, faces };
  }
}
