// Page wiring for "What the camera does next" (watchlist.html): the camera or a photo, each face's
// faceprint drawn as 128 bars, the watchlist (in this tab's memory only: watchlist-core.js), alerts
// and the class's answers, and the arithmetic of false alerts. Detection and faceprints run in
// watchlist-worker.js.
//
// The camera, the worker, the frame loop and fail-closed painting are the LiveView's (live-view.js),
// shared with the live page. Fail closed as the live page does: in protect mode the canvas only ever receives covered pixels,
// or the blurred stand-in; no box or label is drawn over the picture.
import { classroomMode, countRequests, registerOffline, showDownload } from "./site.js";
import { CameraError, cameraMessage } from "./camera.js";
import { unpackFaces } from "./overlay.js";
import { loadDetector, missingFeature } from "./live-core.js";
import { LiveView } from "./live-view.js";
import { LIVE_DEFAULTS, LIVE_OPS } from "../shared/protocol.js";
import { Strings, translatePage } from "./i18n.js";
import { AlertLog, DEFAULT_THRESHOLD, Watchlist, falseAlertsPerDay, splitPrints } from "./watchlist-core.js";

const $ = (id) => document.getElementById(id);
const watchlist = new Watchlist();
const alerts = new AlertLog();
const state = {
  /** The newest frame's faces and faceprints (for "Add the face in view"). */
  inView: [],
  shownAlert: null,
  sceneAt: 0,
  enrolled: 0,
};

let strings = new Strings("en", {}, {});
const translated = translatePage().then((s) => { strings = s; refresh(); return s; }).catch(() => strings);
const tr = (key, vars) => strings.t(key, vars);
const two = { minimumFractionDigits: 2, maximumFractionDigits: 2 };
const threshold = () => Number($("threshold").value) || DEFAULT_THRESHOLD;
const protecting = () => $("protect").checked;

function showMessage(text) { $("message-text").textContent = text; $("message").hidden = false; }
function hideMessage() { $("message").hidden = true; }

/** Load the full-range detector and the faceprint network in the worker, with their progress. */
async function loadModels(bridge) {
  const missing = missingFeature();
  if (missing) { await translated; throw new Error(tr(missing)); }
  $("loading").hidden = false;
  const progress = (p) => showDownload(strings, p);
  return loadDetector(bridge, { ...LIVE_DEFAULTS, model: "full" }, { onprogress: progress, wasm: "full" })
    .then(() => bridge.call("loadFaceprints", {}, { onprogress: progress }))
    .catch(async (e) => { await translated; throw new Error(tr("watch.error.load", { reason: e.message })); })
    .finally(() => { $("loading").hidden = true; });
}

/** A faceprint as 128 bars, above or below the middle line by its value. */
function drawPrint(canvas, print) {
  const c = canvas.getContext("2d");
  const { width, height } = canvas;
  c.fillStyle = "#111";
  c.fillRect(0, 0, width, height);
  if (!print) return;
  const bar = width / print.length;
  const mid = height / 2;
  for (let i = 0; i < print.length; i++) {
    const v = Math.max(-1, Math.min(1, print[i] * 4));
    c.fillStyle = v >= 0 ? "#00e676" : "#40c4ff";
    c.fillRect(i * bar, v >= 0 ? mid - v * mid : mid, Math.max(1, bar - 0.5), Math.abs(v) * mid);
  }
}

/** The distance to the nearest faceprint on the list as a bar, with the threshold as a line. */
function drawDistance(canvas, distance, limit) {
  const c = canvas.getContext("2d");
  const { width, height } = canvas;
  const max = 1.2;
  c.fillStyle = "#eee";
  c.fillRect(0, 0, width, height);
  if (Number.isFinite(distance)) {
    c.fillStyle = distance < limit ? "#b00020" : "#555";
    c.fillRect(0, 0, Math.min(1, distance / max) * width, height);
  }
  c.fillStyle = "#000";
  c.fillRect(Math.min(1, limit / max) * width - 1, 0, 3, height);
}

/** A faceprint's strip of bars, described for screen readers by `label`. */
function printStrip(print, label) {
  const strip = document.createElement("canvas");
  strip.width = 256;
  strip.height = 40;
  strip.className = "print";
  strip.setAttribute("role", "img");
  strip.setAttribute("aria-label", label);
  drawPrint(strip, print);
  return strip;
}

function faceItem(print, match) {
  const li = document.createElement("li");
  li.append(printStrip(print, tr(print ? "watch.print.label" : "watch.print.none")));
  const text = document.createElement("p");
  if (!print) text.textContent = tr("watch.print.none");
  else if (!match) text.textContent = tr("watch.nearest.empty");
  else text.textContent = tr(match.distance < threshold() ? "watch.nearest.alert" : "watch.nearest", {
    name: match.entry.label, distance: strings.number(match.distance, two),
  });
  li.append(text);
  if (print && match) {
    const bar = document.createElement("canvas");
    bar.width = 256;
    bar.height = 12;
    bar.className = "distance";
    bar.setAttribute("role", "img");
    bar.setAttribute("aria-label", text.textContent);
    drawDistance(bar, match.distance, threshold());
    li.append(bar);
  }
  return li;
}

/** The faces in view, their faceprints and nearest matches, in the side panel. */
function showFaces() {
  const items = state.inView.map(({ print, match }) => faceItem(print, match));
  $("faces").replaceChildren(...items);
  $("no-faces").hidden = items.length > 0;
  updateEnrol();
}

function updateEnrol() {
  const agreed = $("agreed").checked;
  $("enrol").disabled = !agreed || !state.inView.some((f) => f.print);
  $("enrol-photo").disabled = !agreed;
  $("enrol-hint").textContent = tr(agreed ? "watch.enrol.ready" : "watch.enrol.hint");
}

function showList() {
  const items = watchlist.entries.map((entry) => {
    const li = document.createElement("li");
    const strip = printStrip(entry.print, tr("watch.print.of", { name: entry.label }));
    const name = document.createElement("span");
    name.textContent = entry.label;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = tr("watch.remove");
    remove.setAttribute("aria-label", tr("watch.remove.label", { name: entry.label }));
    remove.addEventListener("click", () => { watchlist.remove(entry.id); showList(); });
    li.append(name, " ", strip, " ", remove);
    return li;
  });
  $("list").replaceChildren(...items);
  $("list-empty").hidden = items.length > 0;
}

function showCounts() {
  const c = alerts.counts();
  $("count-alerts").textContent = String(c.alerts);
  $("count-matches").textContent = String(c.matches);
  $("count-false").textContent = String(c.falseAlerts);
  $("count-unanswered").textContent = String(c.unanswered);
}

function showAlert(alert) {
  state.shownAlert = alert;
  $("alert").hidden = !alert;
  if (alert) $("alert-text").textContent = tr("watch.alert.text", { name: alert.label, distance: strings.number(alert.distance, two) });
}

function answer(kind) {
  if (!state.shownAlert) return;
  alerts.answer(state.shownAlert.id, kind);
  const next = alerts.alerts.find((a) => a.answer === null) ?? null;
  showAlert(next);
  showCounts();
}

/** Boxes with each face's nearest match, over an unprotected picture only. */
function drawLabels(faces) {
  const view = live.canvas;
  const ctx = view.getContext("2d");
  const scale = Math.max(1, view.width / 640) * (document.body.classList.contains("classroom") ? 2 : 1);
  ctx.save();
  ctx.lineWidth = Math.max(2, 3 * scale);
  ctx.font = `600 ${Math.round(16 * scale)}px system-ui, sans-serif`;
  ctx.textBaseline = "bottom";
  faces.forEach((f, i) => {
    const m = state.inView[i]?.match;
    const hit = m && m.distance < threshold();
    ctx.strokeStyle = hit ? "#ff1744" : "#00e676";
    ctx.strokeRect(f.x, f.y, f.w, f.h);
    const label = !state.inView[i]?.print ? "" : m ? `${m.entry.label} ${strings.number(m.distance, two)}` : "";
    if (label) {
      const w = ctx.measureText(label).width + 8 * scale;
      ctx.fillStyle = hit ? "#ff1744" : "#00e676";
      ctx.fillRect(f.x, f.y - 22 * scale, w, 22 * scale);
      ctx.fillStyle = "#000";
      ctx.fillText(label, f.x + 4 * scale, f.y - 3 * scale);
    }
  });
  ctx.restore();
}

/** After a frame's pixels are painted: the faces and their faceprints, labels over the picture (see
 *  mode only), alerts, and the `unseen:watch` event. */
function painted(result, protect) {
  const newest = unpackFaces(result.newest);
  const prints = splitPrints(result.prints);
  state.inView = newest.map((face, i) => {
    const print = prints[i] ?? null;
    return { face, print, match: print ? watchlist.nearest(print) : null };
  });
  if (!protect) drawLabels(newest);
  // A photo is one scene however long it is looked at: one alert per person matched in it.
  const raised = alerts.update(state.inView.map((f) => f.match), threshold(), live.still ? state.sceneAt : performance.now());
  if (raised.length && !state.shownAlert) showAlert(raised[0]);
  showFaces();
  showCounts();
  hideMessage();
  document.dispatchEvent(new CustomEvent("unseen:watch", {
    detail: {
      mode: protect ? "protect" : "see",
      faces: state.inView.map(({ face, print, match }) => ({
        x: face.x, y: face.y, w: face.w, h: face.h, score: face.score,
        printed: Boolean(print), nearest: match ? match.entry.label : null, distance: match ? match.distance : null,
      })),
      listed: watchlist.size,
      alerts: alerts.counts(),
      printMs: result.printMs,
    },
  }));
}

const live = new LiveView({
  canvas: $("view"),
  video: $("camera"),
  worker: new URL("../worker/watchlist-worker.js", import.meta.url),
  protecting,
  want: () => "full",
  load: loadModels,
  painted,
  failed: (e) => showMessage(e.message),
  restarting: () => showMessage(tr("live.restart")),
  ended: () => { stopEverything(); showMessage(cameraMessage(strings, "ended")); },
});

function stopEverything() {
  live.stop();
  state.inView = [];
  showFaces();
  $("start").hidden = false;
  $("stop").hidden = true;
}

async function startCamera() {
  hideMessage();
  stopEverything();
  alerts.newScene();
  try {
    await live.start("user");
  } catch (e) {
    await translated;
    showMessage(cameraMessage(strings, e instanceof CameraError ? e.kind : "failed"));
    return;
  }
  $("start").hidden = true;
  $("stop").hidden = false;
}

async function showStill(blob) {
  hideMessage();
  stopEverything();
  alerts.newScene();
  state.sceneAt = performance.now();
  try {
    await live.showStill(blob);
  } catch {
    await translated;
    showMessage(tr("live.error.picture"));
  }
}

/** Enrol the face in view: the largest one with a faceprint. */
function enrolInView() {
  if (!$("agreed").checked) return;
  const face = state.inView.find((f) => f.print);
  if (!face) return;
  state.enrolled += 1;
  watchlist.add(face.print, tr("watch.person", { n: state.enrolled }));
  showList();
  live.refresh();
}

async function enrolFromPhoto(file) {
  if (!$("agreed").checked) return;
  hideMessage();
  try {
    await live.ensureLoaded();
    const { prints } = await live.bridge.call("photo", { bytes: await file.arrayBuffer() });
    const found = splitPrints(prints).filter(Boolean);
    if (!found.length) { showMessage(tr("watch.error.no-face")); return; }
    for (const print of found) {
      state.enrolled += 1;
      watchlist.add(print, tr("watch.person", { n: state.enrolled }));
    }
    showList();
    live.refresh();
  } catch (e) {
    showMessage(tr("watch.error.photo", { reason: e.message }));
  }
}

/** Empty the watchlist, the alerts and the faces in view at once. */
function forgetEverything() {
  watchlist.forget();
  alerts.forget();
  state.inView = [];
  state.enrolled = 0;
  showAlert(null);
  showList();
  showFaces();
  showCounts();
  $("enrol-photo").value = "";
  $("view-photo").value = "";
  live.bridge.call(LIVE_OPS.reset).catch(() => {});
  live.refresh();
}

function showSums() {
  const people = Number($("people").value);
  const size = Number($("watchlist-size").value);
  const oneIn = Number($("rate").value);
  const expected = falseAlertsPerDay({ people, watchlist: size, rate: oneIn >= 1 ? 1 / oneIn : NaN });
  $("false-alerts").textContent = Number.isFinite(expected) ? strings.number(expected, { maximumFractionDigits: expected < 10 ? 1 : 0 }) : "–";
}

function refresh() {
  $("threshold-out").textContent = strings.number(threshold(), two);
  showSums();
  showFaces();
  showList();
  showCounts();
}

// Classroom mode (site.js): the stage full screen, large boxes and text for the back of a room.
classroomMode($("classroom"), () => live.refresh());
$("start").addEventListener("click", startCamera);
$("stop").addEventListener("click", () => { stopEverything(); live.clear(); });
$("view-photo").addEventListener("change", (e) => { const f = e.target.files?.[0]; if (f) showStill(f); });
$("protect").addEventListener("change", () => {
  live.guard();
  live.refresh();
});
$("agreed").addEventListener("change", updateEnrol);
$("enrol").addEventListener("click", enrolInView);
$("enrol-photo").addEventListener("change", (e) => { const f = e.target.files?.[0]; if (f) enrolFromPhoto(f); });
$("forget").addEventListener("click", forgetEverything);
$("alert-match").addEventListener("click", () => answer("match"));
$("alert-false").addEventListener("click", () => answer("false"));
$("threshold").addEventListener("input", () => { refresh(); live.refresh(); });
for (const id of ["people", "watchlist-size", "rate"]) $(id).addEventListener("input", showSums);
// The tab is closing or being put away for good: nothing on the list survives it.
addEventListener("pagehide", () => { watchlist.forget(); alerts.forget(); });

translated.then(() => {
  const missing = missingFeature();
  if (!missing) return;
  showMessage(tr(missing));
  for (const id of ["start", "view-photo", "enrol", "enrol-photo"]) $(id).disabled = true;
});
refresh();
// Not while the detector the visitor asked for downloads.
registerOffline($("update"), () => live.settled());
countRequests($("requests"), [live.bridge], translated);
