// Zoom and pan on the photo page's canvas, without a page: where the preview lands on a canvas of a
// given size, which photo pixel is under a point, zooming about a point and panning.
// tests/pages/photo-view.test.mjs checks it under plain `node --test`.

/** The closest zoom, in multiples of the whole-photo fit. */
export const MAX_ZOOM = 16;

export class PhotoView {
  constructor() {
    /** 1 shows the whole preview; up to MAX_ZOOM. */
    this.zoom = 1;
    /** The preview point (in preview pixels) at the canvas's centre. */
    this.cx = 0;
    this.cy = 0;
    this.photo = null;
  }

  /** Show a new photo whole: `previewWidth` × `previewHeight` drawn for a `width` × `height` photo. */
  show(photo) {
    this.photo = { width: photo.width, height: photo.height, previewWidth: photo.previewWidth, previewHeight: photo.previewHeight };
    this.zoom = 1;
    this.cx = photo.previewWidth / 2;
    this.cy = photo.previewHeight / 2;
  }

  /** The canvas's height in CSS pixels for its width: the photo's shape, at most 3/4 of the window. */
  canvasHeight(cssWidth, windowHeight) {
    const aspect = this.photo ? this.photo.previewHeight / this.photo.previewWidth : 0.7;
    return Math.min(Math.round(cssWidth * aspect), Math.round(windowHeight * 0.75));
  }

  /**
   * Where the preview lands on a `cssWidth` × `cssHeight` canvas: `s` CSS pixels per preview pixel,
   * `k` per full-size photo pixel, and the preview's origin at (`ox`, `oy`).
   */
  place(cssWidth, cssHeight) {
    const p = this.photo;
    const fit = p ? Math.min(cssWidth / p.previewWidth, cssHeight / p.previewHeight) : 1;
    const s = fit * this.zoom;
    const k = p ? s * p.previewWidth / p.width : s;
    return { s, k, ox: cssWidth / 2 - this.cx * s, oy: cssHeight / 2 - this.cy * s, cssWidth, cssHeight };
  }

  /** The full-size photo pixel under (px, py), a point in CSS pixels from the canvas's corner. */
  toPhoto(px, py, cssWidth, cssHeight) {
    const L = this.place(cssWidth, cssHeight);
    return { x: (px - L.ox) / L.k, y: (py - L.oy) / L.k };
  }

  /** Zoom by `factor` about (px, py), the canvas's centre when left out; back at 1 the photo is centred. */
  zoomBy(factor, cssWidth, cssHeight, px, py) {
    if (!this.photo || !(factor > 0)) return;
    const L = this.place(cssWidth, cssHeight);
    const zoom = Math.min(MAX_ZOOM, Math.max(1, this.zoom * factor));
    // Keep the preview point under (ax, ay) where it is.
    const ax = px ?? cssWidth / 2, ay = py ?? cssHeight / 2;
    const ux = (ax - L.ox) / L.s, uy = (ay - L.oy) / L.s;
    const s2 = L.s * zoom / this.zoom;
    this.zoom = zoom;
    this.cx = ux - (ax - cssWidth / 2) / s2;
    this.cy = uy - (ay - cssHeight / 2) / s2;
    if (zoom === 1) {
      this.cx = this.photo.previewWidth / 2;
      this.cy = this.photo.previewHeight / 2;
    }
  }

  /** Move the picture by (dx, dy) CSS pixels. */
  panBy(dx, dy, cssWidth, cssHeight) {
    const L = this.place(cssWidth, cssHeight);
    this.cx -= dx / L.s;
    this.cy -= dy / L.s;
  }
}
