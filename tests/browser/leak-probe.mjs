// The leak count in the page, shared by tests/browser/leak.test.mjs and the bench. Installed before the
// page's scripts, it watches every paint of the live view (#view, or the canvas of <unseen-camera>)
// and every frame the camera delivers while playing a clip (tests/data/generated/motion.y4m or
// edges.y4m), whose frames carry their index as a barcode
// (tests/common/motion.rs). A painted frame is read back, its index decoded, and each 4×4 block inside
// the core of a visible face's ellipse (see CORE; faces per the clip's JSON) compared with the camera's own pixels for that index: a
// block equal to the camera's, and not flat, is a face shown uncovered. A paint without a readable
// index (covers can hide both barcodes) must be the fully blurred fallback, or show no face of any of
// the camera's recent frames.

import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { clipCamera, clipFrames } from "./clip-camera.mjs";
import { ROOT } from "./harness.mjs";

/** The leak clip, for the fake camera. */
export const MOTION_CLIP = join(ROOT, "tests/data/generated/motion.y4m");
/** The adversarial clip (tests/common/edges.rs): entries, exits and faces parked at all four edges,
 *  large faces cut by an edge, crossings, an occluder, cuts. */
export const EDGES_CLIP = join(ROOT, "tests/data/generated/edges.y4m");

/** The ground truth written beside a clip. */
export const clipTruth = (clip) => JSON.parse(readFileSync(clip.replace(/\.y4m$/, ".json"), "utf8"));

/** Open the live page of browser `b` (started on `clip`) with the leak probe installed and
 *  watching, protect on, and the camera started. `page` is the page to open (the embed page for
 *  <unseen-camera>), `model` the live page's model choice. */
export async function startProtected(b, { clip = MOTION_CLIP, page = "index.html", model = null } = {}) {
  await b.page.addInitScript(leakProbe, clipTruth(clip));
  await b.page.goto(`${b.origin}/${page}`);
  if (model) await b.page.locator("#model").selectOption(model);
  if (page === "index.html") await b.page.locator("#protect").check();
  await b.page.evaluate(() => { window.__leakProbe.on = true; });
  // The live page's Start button, or the one in <unseen-camera>'s shadow root (already in protect).
  await b.page.locator(page === "index.html" ? "#start" : "unseen-camera .start").click();
}

/** Stop watching and return the probe's count, of faces with at least `minInView` of their box in
 *  the frame. */
export const leakReport = (page, minInView = 0) => page.evaluate((m) => { window.__leakProbe.on = false; return window.__leakProbe.report(m); }, minInView);

/** The script that, run in an open live page (or the embed page) of an engine without a
 *  file-playing fake camera (Firefox, WebKit), installs the leak probe for `clip` and a camera
 *  playing its frames from `camera` ({ base, frames }: clip-camera.mjs), switches the live page's
 *  protect mode on (<unseen-camera mode="protect"> is on already) and starts watching. */
export function protectedClipScript(clip, camera) {
  const truth = clipTruth(clip);
  const options = { ...camera, fps: 30, width: truth.width, height: truth.height };
  return `(${leakProbe})(${JSON.stringify(truth)}); (${clipCamera})(${JSON.stringify(options)});
    const protect = document.getElementById("protect"); if (protect) protect.checked = true;
    window.__leakProbe.on = true;`;
}

/** A browser without a fake camera that plays files (Firefox's `startFirefox`, WebKit's
 *  `startWebKit`), started by `startBrowser` with `clip`'s frames served at /clip/ for the canvas
 *  camera (clip-camera.mjs): `body` gets the browser and the script that installs the leak probe and
 *  the camera; the browser and the frames are gone afterwards. */
export async function withClipCamera(startBrowser, clip, body) {
  const { dir, frames } = clipFrames(clip);
  try {
    const browser = await startBrowser({ mounts: { "/clip/": dir } });
    try {
      await body(browser, protectedClipScript(clip, { base: "/clip/", frames }));
    } finally {
      await browser.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The script whose value is true once the clip camera has played the clip through twice and at
 *  least `painted` paints were compared. */
export const clipPlayedTwice = (painted) => `return window.__clipCamera.loops >= 3 && window.__leakProbe.comparedSoFar() >= ${painted}`;

/** The script that stops watching and returns the probe's count for faces with at least
 *  `minInView` of their box in the frame. */
export const reportScript = (minInView) => `window.__leakProbe.on = false; return window.__leakProbe.report(${minInView});`;

/** What every engine must show on the adversarial edge clip: at least 150 paints compared, each
 *  one readable, most scenarios painted, and every face at least half in view covered in every
 *  scenario. `r` and `quarter`: the probe's reports for faces ≥ 1/2 and ≥ 1/4 in view. */
export function assertEdgeClip(r, quarter, label) {
  console.log(`${label}: ${r.compared} painted frames compared, ${r.blurred} blurred stand-ins, ${r.hidden} with both barcodes covered (no recent face shown), ${r.unreadable} unreadable`);
  for (const [scene, { painted, leaked }] of Object.entries(r.scenes)) {
    console.log(`  ${scene}: ${leaked} of ${painted} painted frames left a face ≥ 1/2 in view uncovered (${quarter.scenes[scene]?.leaked ?? 0} with faces ≥ 1/4 in view)`);
  }
  assert.ok(r.compared >= 150, `${r.compared} painted frames compared`);
  assert.equal(r.unreadable, 0, "every paint is a decoded camera frame, the blurred fallback, or shows no recent face");
  assert.ok(Object.keys(r.scenes).length >= 6, `scenarios painted: ${Object.keys(r.scenes)}`);
  // The goal is none. Measured: none in every scene with either model (the band along the edge
  // where a face was lost is searched at once, and a face found in part keeps its whole box
  // covered). The fast scene (a face smeared by 600 px a second) is allowed 2 frames for a page
  // slowed by a loaded machine, as it showed before those fixes; every other scene: none.
  for (const [scene, { leaked }] of Object.entries(r.scenes)) {
    if (scene.startsWith("fast")) continue;
    assert.equal(leaked, 0, `${scene}: faces at least half in view painted uncovered (frame index, blocks, frames painted around it): ${JSON.stringify(r.leaks)}`);
  }
  assert.ok(r.leaks.length <= 2, `faces at least half in view painted uncovered (frame index, blocks, frames painted around it): ${JSON.stringify(r.leaks)}`);
}

/** What every engine must show on the motion clip: at least `least` paints compared, each one
 *  readable, and not one block of any face painted as the camera delivered it. Protect mode's covers
 *  can hide both barcodes (a large face held across a cut): such a paint is checked against the
 *  camera's recent frames instead (`r.hidden`). */
export function assertMotionClip(r, least, label) {
  console.log(`${label}: ${r.compared} painted frames compared, ${r.hidden} with both barcodes covered, ${r.unreadable} unreadable`);
  assert.ok(r.compared >= least, `${r.compared} painted frames compared`);
  assert.equal(r.unreadable, 0, "every paint is a decoded camera frame, the blurred fallback, or shows no recent face");
  assert.deepEqual(r.leaks, [], "faces painted uncovered (frame index, blocks, frames painted around it)");
}

/** Runs in the page (passed to addInitScript with the clip's truth). */
export function leakProbe(truth) {
  const { barcode, width: W, height: H } = truth;
  const BLOCK = 4;
  // The part of a face compared: its ellipse (forehead to chin, ear to ear) at this share of its
  // radii, which holds the eyes, nose, mouth and cheeks; a sliver of hair or jaw at the rim of a
  // face's box is not counted (tests/common/motion.rs uses the same).
  const CORE = 0.8;
  // An unreadable paint is checked against this many of the camera's last frames (the view runs 4
  // frames late, and a slow page falls further behind).
  const RECENT = 24;
  const camera = new Map();       // index -> Map(face number -> pixels of its box in the camera frame)
  const shown = [];               // { index, faces: [pixels] } per painted, decoded frame
  // unreadable: paints whose index cannot be read (covers over both barcodes), that are not the
  // blurred fallback, and that show a face of one of the camera's recent frames (or cannot be
  // checked); hidden: such paints checked against every recent camera frame and showing none.
  const counts = { paints: 0, decoded: 0, blurred: 0, hidden: 0, unreadable: 0 };
  let compared = 0;               // decoded paints whose camera frame had been seen when painted
  const recent = [];              // the indices of the camera's last frames, newest last
  const unreadable = [];          // what the unreadable paints looked like (PNG data URLs), to see why
  const leakShots = [];           // what the first paints showing a face looked like (PNG data URLs)
  const hiddenShots = [];         // what the first paints with both barcodes covered looked like
  const luma = (d, i) => 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];

  /** The frame index from either barcode, or null when neither reads cleanly. */
  function decode(ctx) {
    for (const [x, y] of barcode.at) {
      const index = decodeAt(ctx, x, y + barcode.cell / 2 - 2);
      if (index !== null) return index;
    }
    return null;
  }

  function decodeAt(ctx, x, y) {
    const d = ctx.getImageData(x, y, barcode.cell * barcode.cells, 4).data;
    const stride = barcode.cell * barcode.cells * 4;
    const bits = [];
    for (let k = 0; k < barcode.cells; k++) {
      let sum = 0;
      for (let yy = 0; yy < 4; yy++) for (let xx = 0; xx < 4; xx++) {
        sum += luma(d, yy * stride + (k * barcode.cell + barcode.cell / 2 - 2 + xx) * 4);
      }
      const v = sum / 16;
      if (v > 60 && v < 190) return null;
      bits.push(v >= 190 ? 1 : 0);
    }
    if (bits[0] !== 1 || bits.at(-1) !== 0) return null;
    const index = bits.slice(1, 11).reduce((a, b) => a * 2 + b, 0);
    const ones = bits.slice(1, 11).filter(Boolean).length;
    if (ones % 2 !== bits[11] || index >= truth.frames.length) return null;
    return index;
  }

  const boxOf = (f) => {
    const x0 = Math.max(0, Math.floor(f.x)), y0 = Math.max(0, Math.floor(f.y));
    const x1 = Math.min(W, Math.ceil(f.x + f.w)), y1 = Math.min(H, Math.ceil(f.y + f.h));
    return { x0, y0, w: x1 - x0, h: y1 - y0 };
  };
  const faceBoxes = (index) => truth.frames[index].faces.map((f) => ({ f, box: boxOf(f) })).filter(({ box }) => box.w >= BLOCK && box.h >= BLOCK);
  const grab = (ctx, index) => faceBoxes(index).map(({ box }) => ctx.getImageData(box.x0, box.y0, box.w, box.h).data);

  const paintTimes = [];
  /** One paint of the view. `fromTiny`: it was drawn from a picture of at most 32×32 pixels (the
   *  blurred fallback is drawn from one of 12 cells across), which cannot show a face. A frame
   *  mostly under solid covers may look as flat, so flatness alone is not taken for the fallback. */
  function onPaint(ctx, fromTiny) {
    counts.paints++;
    paintTimes.push(performance.now());
    if (paintTimes.length > 120) paintTimes.shift();
    const index = decode(ctx);
    if (index === null) {
      if (fromTiny) counts.blurred++;
      else if (recent.length > 0 && recent.every((i) => leakedBlocks(i, grab(ctx, i), camera.get(i), 0).blocks === 0)) {
        counts.hidden++;
        if (hiddenShots.length < 40 && counts.hidden % 5 === 1) hiddenShots.push(ctx.canvas.toDataURL("image/png"));
      }
      else { counts.unreadable++; unreadable.push(ctx.canvas.toDataURL("image/png")); }
      return;
    }
    counts.decoded++;
    const faces = grab(ctx, index);
    shown.push({ index, faces });
    if (camera.has(index)) compared++;
    // The first few paints that show a face at least half in view, kept as pictures for looking at (the camera's frame
    // comes before its paint, which runs a few frames late).
    const ref = camera.get(index);
    if (ref && leakShots.length < 8 && leakedBlocks(index, faces, ref, 0.5).blocks > 0) {
      leakShots.push(ctx.canvas.toDataURL("image/png"));
    }
  }

  for (const name of ["putImageData", "drawImage"]) {
    const original = CanvasRenderingContext2D.prototype[name];
    CanvasRenderingContext2D.prototype[name] = function (...args) {
      const r = original.apply(this, args);
      const shown = this.canvas.id === "view" || this.canvas.getRootNode?.()?.host?.localName === "unseen-camera";
      const source = name === "drawImage" ? args[0] : null;
      const fromTiny = Boolean(source && (source.width ?? 0) * (source.height ?? 0) <= 32 * 32);
      if (shown && window.__leakProbe.on) onPaint(this, fromTiny);
      return r;
    };
  }

  // The camera's own frames, by index, read as the page's worker reads them.
  const cam = new OffscreenCanvas(W, H).getContext("2d", { willReadFrequently: true });
  function watchCamera(video) {
    const tick = () => {
      if (video.videoWidth === W && video.videoHeight === H) {
        cam.drawImage(video, 0, 0);
        const index = decode(cam);
        if (index !== null && !camera.has(index)) camera.set(index, grab(cam, index));
        if (index !== null && recent.at(-1) !== index) {
          recent.push(index);
          if (recent.length > RECENT) recent.shift();
        }
      }
      video.requestVideoFrameCallback(tick);
    };
    video.requestVideoFrameCallback(tick);
  }
  // The live page's camera, or the one inside <unseen-camera>'s (open) shadow root; the probe is
  // installed before the page's scripts (Chromium's init script) or after they ran (Firefox, WebKit).
  const findCamera = () => {
    const video = document.getElementById("camera") ?? document.querySelector("unseen-camera")?.shadowRoot?.querySelector("video");
    if (video) watchCamera(video);
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", findCamera);
  else findCamera();

  const inView = (f) => {
    const w = Math.min(W, f.x + f.w) - Math.max(0, f.x), h = Math.min(H, f.y + f.h) - Math.max(0, f.y);
    return Math.max(0, w) * Math.max(0, h) / (f.w * f.h);
  };

  /** The blocks of the faces at least `minInView` in view that a paint of frame `index` shows as
   *  the camera delivered them (`faces`: the paint's pixels in each face's box, `ref`: the camera's),
   *  and the scenes they belong to. */
  function leakedBlocks(index, faces, ref, minInView) {
    let blocks = 0;
    const scenes = new Set();
    faceBoxes(index).forEach(({ f, box }, k) => {
      if (inView(f) < minInView) return;
      const before = blocks;
      const [cx, cy, rx, ry] = [f.x + f.w / 2, f.y + f.h / 2, CORE * f.w / 2, CORE * f.h / 2];
      const inside = (x, y) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1 &&
        !truth.frames[index].occluders.some((o) => x >= o.x && x <= o.x + o.w && y >= o.y && y <= o.y + o.h);
      for (let by = 0; by + BLOCK <= box.h; by += BLOCK) for (let bx = 0; bx + BLOCK <= box.w; bx += BLOCK) {
        const [x, y] = [box.x0 + bx, box.y0 + by];
        if (![[x, y], [x + BLOCK, y], [x, y + BLOCK], [x + BLOCK, y + BLOCK]].every(([px, py]) => inside(px, py))) continue;
        // Shown as the camera delivered it: every pixel within a few levels of the camera's (a dark
        // block under a black cover differs by its brighter pixels), and the block not flat.
        let diff = 0, lo = 255, hi = 0;
        for (let yy = 0; yy < BLOCK; yy++) for (let xx = 0; xx < BLOCK; xx++) {
          const i = ((by + yy) * box.w + bx + xx) * 4;
          for (let c = 0; c < 3; c++) diff = Math.max(diff, Math.abs(faces[k][i + c] - ref[k][i + c]));
          const l = luma(ref[k], i); lo = Math.min(lo, l); hi = Math.max(hi, l);
        }
        if (diff <= 6 && hi - lo >= 12) blocks++;
      }
      if (blocks > before) scenes.add(truth.frames[index].scenes?.[truth.frames[index].faces.indexOf(f)] ?? "all");
    });
    return { blocks, scenes };
  }

  /** The count: painted frames showing any block of a face at least `minInView` in view as the
   *  camera delivered it; and per scene (when the clip names them), frames painted and leaked. */
  function report(minInView = 0) {
    const leaks = [];
    const scenes = {};
    let compared = 0, missingCamera = 0;
    for (const [k, { index, faces }] of shown.entries()) {
      const ref = camera.get(index);
      if (!ref) { missingCamera++; continue; }
      compared++;
      const leaked = leakedBlocks(index, faces, ref, minInView);
      for (const s of new Set(truth.frames[index].scenes ?? [])) {
        scenes[s] ??= { painted: 0, leaked: 0 };
        scenes[s].painted++;
        if (leaked.scenes.has(s)) scenes[s].leaked++;
      }
      // With the frames painted around it (the page's pace there: a gap of several camera frames
      // tells of a page that stalled).
      if (leaked.blocks > 0) leaks.push([index, leaked.blocks, shown.slice(Math.max(0, k - 6), k + 3).map((s) => s.index)]);
    }
    return { ...counts, compared, missing_camera_frame: missingCamera, camera_frames: camera.size, uncovered_frames: leaks.length, leaks, scenes };
  }

  /** How many times the view was painted in the last `ms` milliseconds. */
  const paintsInLast = (ms) => paintTimes.filter((t) => t >= performance.now() - ms).length;
  /** About how many paints `report` will compare, counted as they come (cheap enough to poll). */
  const comparedSoFar = () => compared;
  window.__leakProbe = { on: false, report, unreadable, leakShots, hiddenShots, paintsInLast, comparedSoFar };
}
