// One photo's review, without a page: the faces found, which are left uncovered on purpose, the
// covers drawn by hand, and undo. photo.js draws it and feeds it clicks and keys;
// tests/pages/photo-review.test.mjs checks it under plain `node --test`.

/** How many changes undo remembers. */
export const MAX_UNDO = 200;

export class Review {
  /** A photo of `width`×`height` pixels and the faces found in it ({x, y, w, h, score}). */
  constructor(width, height, faces = []) {
    this.width = width;
    this.height = height;
    this.faces = faces.map(({ x, y, w, h, score }) => ({ x, y, w, h, score, uncovered: false }));
    /** Covers drawn by hand, {x, y, w, h} in the photo's pixels. */
    this.manual = [];
    this.history = [];
  }

  /** The faces shown at `threshold`. */
  visible(threshold) {
    return this.faces.filter((f) => f.score >= threshold);
  }

  /** At `threshold`: faces shown, faces left uncovered, covers drawn. */
  counts(threshold) {
    const faces = this.visible(threshold);
    return { faces: faces.length, open: faces.filter((f) => f.uncovered).length, drawn: this.manual.length };
  }

  /** What to cover, as x, y, w, h after one another: faces shown and not left uncovered, and every
   *  cover drawn. */
  coverBoxes(threshold) {
    const boxes = [];
    for (const f of this.visible(threshold)) if (!f.uncovered) boxes.push(f.x, f.y, f.w, f.h);
    for (const m of this.manual) boxes.push(m.x, m.y, m.w, m.h);
    return boxes;
  }

  get canUndo() { return this.history.length > 0; }

  /** Remember the state before a change. */
  remember() {
    this.history.push({ uncovered: this.faces.map((f) => f.uncovered), manual: this.manual.map((m) => ({ ...m })) });
    if (this.history.length > MAX_UNDO) this.history.shift();
  }

  /** Undo the last change; false when there is none. */
  undo() {
    const last = this.history.pop();
    if (!last) return false;
    this.faces.forEach((f, i) => { f.uncovered = last.uncovered[i]; });
    this.manual = last.manual;
    return true;
  }

  /** Leave face `face` (one of `this.faces`) uncovered, or cover it again. */
  setUncovered(face, uncovered) {
    if (!this.faces.includes(face) || face.uncovered === uncovered) return;
    this.remember();
    face.uncovered = uncovered;
  }

  /** Draw a cover, clipped to the photo; one smaller than 2 pixels a side is not added. Returns its
   *  index, or -1. */
  addCover({ x, y, w, h }) {
    const x0 = Math.max(0, Math.min(x, x + w)), y0 = Math.max(0, Math.min(y, y + h));
    const x1 = Math.min(this.width, Math.max(x, x + w)), y1 = Math.min(this.height, Math.max(y, y + h));
    if (!(x1 - x0 >= 2 && y1 - y0 >= 2)) return -1;
    this.remember();
    this.manual.push({ x: x0, y: y0, w: x1 - x0, h: y1 - y0 });
    return this.manual.length - 1;
  }

  /** Remove drawn cover `i`. */
  removeCover(i) {
    if (!this.manual[i]) return;
    this.remember();
    this.manual.splice(i, 1);
  }

  /** Move cover `i` by (dx, dy) steps of 2 % of the photo's short side, or with `resize` grow or
   *  shrink it, always inside the photo. Not remembered for undo: the cover is being placed. */
  nudge(i, dx, dy, resize) {
    const m = this.manual[i];
    if (!m) return false;
    const step = Math.max(1, Math.min(this.width, this.height) * 0.02);
    if (resize) {
      m.w = Math.min(this.width - m.x, Math.max(step, m.w + dx * step));
      m.h = Math.min(this.height - m.y, Math.max(step, m.h + dy * step));
    } else {
      m.x = Math.min(this.width - m.w, Math.max(0, m.x + dx * step));
      m.y = Math.min(this.height - m.h, Math.max(0, m.y + dy * step));
    }
    return true;
  }

  /** A click at (x, y) in the photo's pixels: a drawn cover there is removed; else the smallest face
   *  shown there (faces in a crowd can nest) is left uncovered, or covered again. Returns what was
   *  changed: "cover", "face", or null. */
  clickAt(x, y, threshold) {
    const inside = (b) => x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h;
    const cover = this.manual.findIndex(inside);
    if (cover >= 0) {
      this.removeCover(cover);
      return "cover";
    }
    const hit = this.visible(threshold).filter(inside).sort((a, b) => a.w * a.h - b.w * b.h)[0];
    if (!hit) return null;
    this.setUncovered(hit, !hit.uncovered);
    return "face";
  }
}
