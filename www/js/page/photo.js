// The photo page: load many photos, find their faces in the worker, let people review and fix the
// covers (uncover on purpose, draw covers, undo, zoom and pan, threshold), and save covered copies
// with no metadata — each one read back and checked after saving. Pixels stay in this tab.
//
// This file is the page's DOM: the list, the canvas, the buttons. What it shows is kept apart, in
// modules with no DOM that `node --test` checks (tests/pages/): the queue (photo-queue.js), each
// photo's review (photo-review.js), zoom and pan (photo-view.js) and saving (save.js).
import { PhotoPool } from "./photo-pool.js";
import { countRequests, registerOffline, showDownload, workersFor } from "./site.js";
import { Strings, translatePage } from "./i18n.js";
import { zip } from "./zip.js";
import { Review } from "./photo-review.js";
import { PhotoQueue, facesFrom, refusal } from "./photo-queue.js";
import { PhotoView } from "./photo-view.js";
import { offer, outputFormat, redactedName, savedProblems, uniqueName } from "./save.js";
import { PHOTO_DEFAULTS } from "../shared/protocol.js";

// The page in the visitor's language (js/i18n.js). Messages wait for the strings; the detector's own
// sentences (a file it cannot read) stay in English.
let strings = new Strings("en", {}, {});
const translated = translatePage().then((s) => { strings = s; updateOverall(); return s; }).catch(() => strings);
const tr = (key, vars) => strings.t(key, vars);
const trn = (key, n, vars) => strings.plural(key, n, vars);

const $ = (id) => document.getElementById(id);
/** Previews (what the review shows) are at most this many pixels on their long side. */
const PREVIEW_SIDE = 2048;

/** One worker per core, at most four, two on phones (js/photo-pool.js): photos are opened as many at a time. */
const pool = new PhotoPool(new URL("../worker/photo-worker.js", import.meta.url), workersFor(navigator.hardwareConcurrency, navigator.maxTouchPoints > 0));

const settings = { ...PHOTO_DEFAULTS, format: "auto" };
const queue = new PhotoQueue();
const photos = queue.photos;
let current = null;
let mode = "faces";
const view = new PhotoView();

// ---------------------------------------------------------------------------------------------
// Loading and the queue

/** Shown while the first worker downloads the detectors. */
function downloadProgress(progress) {
  $("loading").hidden = false;
  showDownload(strings, progress);
}

function addFiles(fileList) {
  const added = queue.add(fileList);
  if (!added.length) return;
  for (const p of added) {
    p.item = listItem(p);
    $("list").append(p.item);
  }
  updateOverall();
  processQueue();
}

/** Open waiting photos, as many at a time as the pool has workers, in the order they came. */
function processQueue() {
  for (const p of queue.take(pool.bridges.length)) {
    openPhoto(p).finally(() => {
      queue.finished();
      // For the bench and the tests: how many workers the page has used.
      document.body.dataset.photoWorkers = String(pool.started);
      processQueue();
    });
  }
}

async function openPhoto(p) {
  await translated;
  setStatus(p, "working", tr("photo.finding"));
  try {
    const refused = refusal(p.file);
    if (refused) throw new Error(tr(...refused));
    const started = performance.now();
    p.bytes = new Uint8Array(await p.file.arrayBuffer());
    const r = await pool.open({ key: p.key, bytes: p.bytes, previewSide: PREVIEW_SIDE }, downloadProgress)
      .finally(() => { $("loading").hidden = true; });
    $("small-faces").hidden = r.smallFaces;
    Object.assign(p, { width: r.width, height: r.height, metadata: r.metadata, previewWidth: r.previewWidth, previewHeight: r.previewHeight, detectMs: r.detectMs });
    p.review = new Review(r.width, r.height, facesFrom(r.faces));
    // Read, decode, turn upright, find faces, make the preview: published for the bench.
    p.item.dataset.openMs = String(Math.round(performance.now() - started));
    setStatus(p, "ready", facesText(p));
    if (!current) select(p);
  } catch (e) {
    p.bytes = null;
    setStatus(p, "failed", sentence(e));
  }
  updateOverall();
}

function sentence(e) {
  const text = (e?.message ?? String(e)).replace(/\.$/, "");
  return text.charAt(0).toUpperCase() + text.slice(1) + ".";
}

// ---------------------------------------------------------------------------------------------
// The list

function listItem(p) {
  const li = document.createElement("li");
  li.className = "photo-item";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "photo-name";
  button.textContent = p.name;
  button.disabled = true;
  button.addEventListener("click", () => select(p));
  const status = document.createElement("span");
  status.className = "photo-status";
  li.append(button, status);
  return li;
}

function setStatus(p, status, text) {
  p.status = status;
  p.item.dataset.status = status;
  p.item.querySelector(".photo-status").textContent = text;
  p.item.querySelector(".photo-name").disabled = status !== "ready";
}

function visibleFaces(p) {
  return p.review.visible(settings.threshold);
}

function facesText(p) {
  const { faces, open, drawn } = p.review.counts(settings.threshold);
  let text = faces === 0 ? tr("photo.faces.none") : trn("photo.faces.found", faces);
  if (open) text += trn("photo.faces.open", open);
  if (drawn) text += trn("photo.faces.drawn", drawn);
  return text;
}

function updateOverall() {
  const { total, done, faces } = queue.summary(settings.threshold);
  if (total) $("overall").textContent = `${trn("photo.overall.done", total, { done })} ${trn("photo.overall.faces", faces)}`;
  const ready = queue.ready;
  $("save-all").disabled = !ready.length;
  for (const p of ready) p.item.querySelector(".photo-status").textContent = facesText(p);
}

// ---------------------------------------------------------------------------------------------
// Review

function select(p) {
  current = p;
  placingIndex = -1;
  for (const q of photos) q.item.classList.toggle("current", q === p);
  $("review").hidden = false;
  $("review-title").textContent = tr("photo.review", { name: p.name });
  $("saved").textContent = "";
  view.show(p);
  showMetadata(p);
  refresh();
}

/** Everything that depends on the current photo's covers: list, summary, undo, the rendered preview. */
function refresh() {
  const p = current;
  if (!p) return;
  renderFaceList(p);
  $("faces-summary").textContent = `${facesText(p)}.`;
  $("undo").disabled = !p.review.canUndo;
  updateOverall();
  renderPreview(p);
}

/** Boxes to cover, in full-size pixels: faces above the threshold not left uncovered, and drawn covers. */
function coverBoxes(p) {
  return p.review.coverBoxes(settings.threshold);
}

let renderSeq = 0;
async function renderPreview(p) {
  const seq = ++renderSeq;
  const k = p.previewWidth / p.width;
  const boxes = coverBoxes(p).map((v) => v * k);
  try {
    const r = await pool.about(p.key, "render", { key: p.key, boxes, style: settings.style, shape: settings.shape, maskScale: settings.maskScale });
    if (seq !== renderSeq || current !== p) return;
    const bitmap = await createImageBitmap(new ImageData(new Uint8ClampedArray(r.rgba.buffer), r.width, r.height));
    if (seq !== renderSeq || current !== p) { bitmap.close(); return; }
    p.bitmap?.close();
    p.bitmap = bitmap;
    $("canvas").dataset.rendered = String(seq);
    draw();
  } catch (e) {
    if (seq === renderSeq) showMessage(tr("photo.error.preview", { reason: sentence(e) }));
  }
}

function renderFaceList(p) {
  const list = $("face-list");
  list.replaceChildren();
  visibleFaces(p).forEach((f, i) => {
    const li = document.createElement("li");
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = !f.uncovered;
    box.dataset.face = String(i);
    box.addEventListener("change", () => { p.review.setUncovered(f, !box.checked); refresh(); });
    label.append(box, ` ${tr(f.uncovered ? "photo.face.open" : "photo.face.covered", { i: i + 1, score: strings.percent(f.score) })}`);
    li.append(label);
    list.append(li);
  });
  p.review.manual.forEach((m, i) => {
    const li = document.createElement("li");
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = tr("photo.remove-drawn", { i: i + 1 });
    remove.addEventListener("click", () => { p.review.removeCover(i); placingIndex = -1; refresh(); });
    li.append(remove);
    list.append(li);
  });
  if (!list.children.length) {
    const li = document.createElement("li");
    li.textContent = tr("photo.faces.none-here");
    list.append(li);
  }
}

function undo() {
  placingIndex = -1;
  if (current?.review.undo()) refresh();
}

function showMetadata(p) {
  const m = p.metadata ?? {};
  const dl = $("metadata");
  dl.replaceChildren();
  const row = (term, value) => {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = value;
    dl.append(dt, dd);
  };
  const mp = strings.number(p.width * p.height / 1e6, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  row(tr("photo.meta.size"), tr("photo.meta.size.value", { width: String(p.width), height: String(p.height), mp }));
  if (m.make || m.model) row(tr("photo.meta.camera"), [m.make, m.model].filter(Boolean).join(" "));
  if (m.date) row(tr("photo.meta.taken"), m.date);
  if (m.gps) row(tr("photo.meta.gps"), tr("photo.meta.gps.value", { lat: m.gps[0].toFixed(5), lon: m.gps[1].toFixed(5) }));
  if (m.software) row(tr("photo.meta.software"), m.software);
  row(tr("photo.meta.blocks"), m.blocks?.length ? m.blocks.join(", ") : tr("photo.meta.blocks.none"));
}

// ---------------------------------------------------------------------------------------------
// Drawing, zoom and pan

/** Size the canvas to the photo's shape and return where the preview lands on it (PhotoView.place). */
function layout() {
  const canvas = $("canvas");
  const dpr = window.devicePixelRatio || 1;
  const cssWidth = canvas.clientWidth || 800;
  const cssHeight = view.canvasHeight(cssWidth, window.innerHeight);
  canvas.style.height = `${cssHeight}px`;
  if (canvas.width !== Math.round(cssWidth * dpr) || canvas.height !== Math.round(cssHeight * dpr)) {
    canvas.width = Math.round(cssWidth * dpr);
    canvas.height = Math.round(cssHeight * dpr);
  }
  return { dpr, ...view.place(cssWidth, cssHeight) };
}

function draw() {
  const p = current;
  const canvas = $("canvas");
  const ctx = canvas.getContext("2d");
  const L = layout();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = "#222";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (!p?.bitmap) return;
  ctx.setTransform(L.dpr, 0, 0, L.dpr, 0, 0);
  ctx.imageSmoothingEnabled = view.zoom < 2;
  ctx.drawImage(p.bitmap, L.ox, L.oy, p.previewWidth * L.s, p.previewHeight * L.s);
  // Full-size pixels to CSS pixels on the canvas: X = ox + k·x. Published for tests and tools.
  const k = L.k;
  Object.assign(canvas.dataset, { k: String(k), ox: String(L.ox), oy: String(L.oy) });
  const big = Math.max(2, Math.min(4, L.cssWidth / 300));
  ctx.lineWidth = big;
  ctx.font = `600 ${Math.round(6 * big)}px system-ui, sans-serif`;
  visibleFaces(p).forEach((f, i) => {
    const x = L.ox + f.x * k, y = L.oy + f.y * k;
    ctx.setLineDash(f.uncovered ? [3 * big, 2 * big] : []);
    ctx.strokeStyle = f.uncovered ? "#ff9100" : "#00e676";
    ctx.strokeRect(x, y, f.w * k, f.h * k);
    ctx.fillStyle = ctx.strokeStyle;
    ctx.fillText(f.uncovered ? tr("photo.canvas.uncovered", { i: i + 1 }) : String(i + 1), x, y - big);
  });
  ctx.setLineDash([]);
  ctx.strokeStyle = "#40c4ff";
  for (const m of p.review.manual) ctx.strokeRect(L.ox + m.x * k, L.oy + m.y * k, m.w * k, m.h * k);
  const placing = p.review.manual[placingIndex];
  if (placing) {
    ctx.setLineDash([2 * big, 2 * big]);
    ctx.strokeStyle = "#ffffff";
    ctx.strokeRect(L.ox + placing.x * k - big, L.oy + placing.y * k - big, placing.w * k + 2 * big, placing.h * k + 2 * big);
    ctx.setLineDash([]);
  }
  if (drag?.drawing) {
    const r = drag.rect;
    ctx.setLineDash([2 * big, 2 * big]);
    ctx.strokeRect(L.ox + r.x * k, L.oy + r.y * k, r.w * k, r.h * k);
    ctx.setLineDash([]);
  }
}

/** A point on the canvas (CSS pixels from its corner) in full-size photo pixels. */
function toPhoto(px, py) {
  const L = layout();
  return view.toPhoto(px, py, L.cssWidth, L.cssHeight);
}

function zoomBy(factor, px, py) {
  if (!current) return;
  const L = layout();
  view.zoomBy(factor, L.cssWidth, L.cssHeight, px, py);
  draw();
}

function panBy(dx, dy) {
  const L = layout();
  view.panBy(dx, dy, L.cssWidth, L.cssHeight);
  draw();
}

let drag = null;
/** The drawn cover being placed with the keyboard (an index into the photo's covers), or -1. */
let placingIndex = -1;

/** A cover in the middle of the view, to place with the keyboard. */
function addCover() {
  const p = current;
  if (!p) return;
  const L = layout();
  const centre = toPhoto(L.cssWidth / 2, L.cssHeight / 2);
  const side = Math.min(p.width, p.height) * 0.15;
  placingIndex = p.review.addCover({ x: Math.max(0, centre.x - side / 2), y: Math.max(0, centre.y - side / 2), w: side, h: side });
  refresh();
  $("canvas").focus();
  $("faces-summary").textContent = tr("photo.cover-added");
}

/** Arrow keys move (with Shift: resize) the cover being placed, by 2% of the photo's short side. */
function nudgeCover(dx, dy, resize) {
  if (!current?.review.nudge(placingIndex, dx, dy, resize)) return false;
  refresh();
  return true;
}

function canvasPoint(e) {
  const r = $("canvas").getBoundingClientRect();
  return { px: e.clientX - r.left, py: e.clientY - r.top };
}

function onPointerDown(e) {
  if (!current?.bitmap) return;
  const { px, py } = canvasPoint(e);
  $("canvas").setPointerCapture(e.pointerId);
  const start = toPhoto(px, py);
  drag = { px, py, start, moved: false, drawing: mode === "draw", rect: { x: start.x, y: start.y, w: 0, h: 0 } };
}

function onPointerMove(e) {
  if (!drag) return;
  const { px, py } = canvasPoint(e);
  if (Math.hypot(px - drag.px, py - drag.py) > 4) drag.moved = true;
  if (drag.drawing) {
    const at = toPhoto(px, py);
    const p = current;
    const x0 = Math.max(0, Math.min(drag.start.x, at.x)), y0 = Math.max(0, Math.min(drag.start.y, at.y));
    const x1 = Math.min(p.width, Math.max(drag.start.x, at.x)), y1 = Math.min(p.height, Math.max(drag.start.y, at.y));
    drag.rect = { x: x0, y: y0, w: Math.max(0, x1 - x0), h: Math.max(0, y1 - y0) };
    draw();
  } else if (drag.moved && view.zoom > 1) {
    panBy(px - (drag.lastX ?? drag.px), py - (drag.lastY ?? drag.py));
    drag.lastX = px;
    drag.lastY = py;
  }
}

function onPointerUp(e) {
  const d = drag;
  drag = null;
  if (!d || !current) return;
  const p = current;
  if (d.drawing) {
    if (d.moved && p.review.addCover(d.rect) >= 0) refresh();
    else draw();
    return;
  }
  if (d.moved) return;
  const { x, y } = toPhoto(canvasPoint(e).px, canvasPoint(e).py);
  const changed = p.review.clickAt(x, y, settings.threshold);
  if (changed === "cover") placingIndex = -1;
  if (changed) refresh();
}

function setMode(m) {
  mode = m;
  $("mode-faces").setAttribute("aria-pressed", String(m === "faces"));
  $("mode-draw").setAttribute("aria-pressed", String(m === "draw"));
  $("canvas").classList.toggle("drawing", m === "draw");
}

// ---------------------------------------------------------------------------------------------
// Saving

/** Cover and encode `p` at full size, then check the bytes that came out: no metadata, same size. */
async function saveCopy(p) {
  const format = outputFormat(settings.format, p.metadata?.format);
  const r = await pool.any("save", { bytes: p.bytes, boxes: coverBoxes(p), style: settings.style, shape: settings.shape, maskScale: settings.maskScale, format });
  const problems = savedProblems(r.check, p.width, p.height).map(([key, vars]) => tr(key, vars));
  if (problems.length) throw new Error(tr("photo.check.failed", { name: p.name, problems: problems.join("; ") }));
  return { name: redactedName(p.name, format), bytes: r.bytes, check: r.check };
}

async function saveCurrent() {
  const p = current;
  if (!p) return;
  const out = $("saved");
  out.dataset.verified = "";
  out.textContent = tr("photo.saving");
  try {
    const started = performance.now();
    const s = await saveCopy(p);
    out.dataset.saveMs = String(Math.round(performance.now() - started));
    const type = s.name.endsWith(".png") ? "image/png" : "image/jpeg";
    offer(new Blob([s.bytes], { type }), s.name);
    const mb = strings.number(s.bytes.length / 1e6, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    out.textContent = tr("photo.saved", { name: s.name, mb, width: String(s.check.width), height: String(s.check.height) });
    out.dataset.verified = "true";
  } catch (e) {
    out.textContent = sentence(e);
    out.dataset.verified = "false";
  }
}

async function saveAll() {
  const ready = queue.ready;
  const out = $("saved");
  $("review").hidden = false;
  out.dataset.verified = "";
  const files = [];
  const used = new Set();
  try {
    for (const [i, p] of ready.entries()) {
      out.textContent = tr("photo.saving-n", { i: i + 1, n: ready.length });
      const s = await saveCopy(p);
      files.push({ name: uniqueName(used, s.name), bytes: s.bytes });
    }
    offer(zip(files), "photos-redacted.zip");
    out.textContent = trn("photo.saved-zip", files.length);
    out.dataset.verified = "true";
  } catch (e) {
    out.textContent = sentence(e);
    out.dataset.verified = "false";
  }
}

// ---------------------------------------------------------------------------------------------
// Wiring

function showMessage(text) {
  $("message-text").textContent = text;
  $("message").hidden = !text;
}

function wire() {
  $("files").addEventListener("change", (e) => { addFiles(e.target.files); e.target.value = ""; });
  const drop = $("drop");
  document.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  document.addEventListener("dragleave", (e) => { if (!e.relatedTarget) drop.classList.remove("over"); });
  document.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    addFiles(e.dataTransfer?.files ?? []);
  });
  document.addEventListener("paste", (e) => {
    const files = [...(e.clipboardData?.files ?? [])];
    if (files.length) { e.preventDefault(); addFiles(files); }
  });

  const canvas = $("canvas");
  canvas.addEventListener("pointerdown", onPointerDown);
  canvas.addEventListener("pointermove", onPointerMove);
  canvas.addEventListener("pointerup", onPointerUp);
  canvas.addEventListener("pointercancel", () => { drag = null; draw(); });
  canvas.addEventListener("wheel", (e) => {
    if (!current) return;
    e.preventDefault();
    const { px, py } = canvasPoint(e);
    zoomBy(e.deltaY < 0 ? 1.25 : 0.8, px, py);
  }, { passive: false });
  canvas.addEventListener("keydown", (e) => {
    const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (placingIndex >= 0 && arrows[e.key]) {
      e.preventDefault();
      nudgeCover(...arrows[e.key], e.shiftKey);
      return;
    }
    if (placingIndex >= 0 && (e.key === "Enter" || e.key === "Escape")) {
      e.preventDefault();
      placingIndex = -1;
      refresh();
      return;
    }
    const step = 40;
    const keys = {
      "+": () => zoomBy(1.25), "=": () => zoomBy(1.25), "-": () => zoomBy(0.8), "0": () => zoomBy(1 / view.zoom),
      ArrowLeft: () => panBy(step, 0), ArrowRight: () => panBy(-step, 0), ArrowUp: () => panBy(0, step), ArrowDown: () => panBy(0, -step),
    };
    if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
  });
  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z" && current) { e.preventDefault(); undo(); }
  });
  window.addEventListener("resize", () => draw());

  $("mode-faces").addEventListener("click", () => setMode("faces"));
  $("mode-draw").addEventListener("click", () => setMode("draw"));
  $("undo").addEventListener("click", undo);
  $("add-cover").addEventListener("click", addCover);
  $("zoom-in").addEventListener("click", () => zoomBy(1.25));
  $("zoom-out").addEventListener("click", () => zoomBy(0.8));
  $("fit").addEventListener("click", () => zoomBy(1 / view.zoom));

  $("threshold").addEventListener("input", (e) => {
    settings.threshold = Number(e.target.value);
    $("threshold-out").textContent = strings.percent(settings.threshold);
    refresh();
  });
  $("style").addEventListener("change", (e) => {
    settings.style = e.target.value;
    $("style-warning").classList.toggle("warn", settings.style !== "solid");
    refresh();
  });
  $("shape").addEventListener("change", (e) => { settings.shape = e.target.value; refresh(); });
  $("mask-scale").addEventListener("input", (e) => {
    settings.maskScale = Number(e.target.value);
    $("mask-scale-out").textContent = settings.maskScale.toFixed(2);
    refresh();
  });
  $("format").addEventListener("change", (e) => { settings.format = e.target.value; });
  $("save").addEventListener("click", saveCurrent);
  $("save-all").addEventListener("click", saveAll);
}

wire();

registerOffline(document.getElementById("update"));
countRequests(document.getElementById("requests"), pool.bridges, translated);
