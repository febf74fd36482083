// Page wiring for the live page: buttons and sliders, what is drawn over a frame, the figures, and
// the `unseen:frame` event. The camera, the worker, the frame loop and fail-closed painting are the
// LiveView's (live-view.js), shared with the watchlist page and <unseen-camera>; drawing is overlay.js's.
import { classroomMode, countRequests, registerOffline, showDownload } from "./site.js";
import { CameraError, cameraMessage } from "./camera.js";
import { drawCandidates, drawFaces, drawStep, unpackFaces } from "./overlay.js";
import { loadDetector, missingFeature } from "./live-core.js";
import { LiveView } from "./live-view.js";
import { LIVE_OPS } from "../shared/protocol.js";
import { Strings, translatePage } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const inputCanvas = $("input");
const inputCtx = inputCanvas.getContext("2d");

const state = {
  facing: "user",
  painted: [],          // times of recent paints, for frames per second
  step: 0,              // the "how detection works" step shown (0: off)
  seen: 0,              // faces seen this session (counted, never stored)
  inView: 0,
  recovering: false,    // the worker was replaced; its message goes once frames flow again
  lastCameraFailed: false,
};

const settings = () => ({
  model: $("model").value,
  threshold: Number($("threshold").value),
  overlap: Number($("overlap").value),
  style: $("style").value,
  shape: $("shape").value,
  maskScale: Number($("mask-scale").value),
});
const protecting = () => $("protect").checked;

// The visitor's language: the page's strings are put in as soon as they arrive (the English in the
// HTML shows until then); messages wait for them.
let strings = new Strings("en", {}, {});
const translated = translatePage().then((s) => { strings = s; onSettingsChanged(); return s; }).catch(() => strings);
const tr = (key, vars) => strings.t(key, vars);

function showMessage(text) {
  $("message-text").textContent = text;
  $("message").hidden = false;
  $("retry").hidden = !state.lastCameraFailed;
}
function hideMessage() { $("message").hidden = true; }

/** Load the chosen model in the worker, with its download's progress on the page (it starts while
 *  the camera opens: LiveView.start). Messages wait for the visitor's language; the load does not. */
async function loadModel(bridge) {
  const missing = missingFeature();
  if (missing) { await translated; throw new Error(tr(missing)); }
  $("loading").hidden = false;
  return loadDetector(bridge, settings(), { onprogress: (p) => showDownload(strings, p) }).then(({ inputSize }) => {
    inputCanvas.width = inputCanvas.height = inputSize;
    $("input-size").textContent = `${inputSize}×${inputSize}`;
  }).catch(async (e) => {
    await translated;
    throw new Error(tr("live.error.load", { reason: e.message }));
  }).finally(() => {
    $("loading").hidden = true;
  });
}

/** Draw over a painted frame (see mode only: boxes, candidates, the step shown), and show the
 *  network's input. */
function drawOver(result, protect) {
  const ctx = live.canvas.getContext("2d");
  if (protect) hideNetworkInput();
  const faces = unpackFaces(result.faces);
  const scale = Math.max(1, result.width / 640) * (document.body.classList.contains("classroom") ? 2 : 1);
  if (!protect && state.step && result.anchors) {
    const s = settings();
    const caption = drawStep(ctx, state.step, strings, {
      anchors: result.anchors, anchorCount: result.anchorCount, candidates: unpackFaces(result.candidates),
      faces, threshold: s.threshold, overlap: s.overlap,
    }, scale);
    if ($("step-caption").textContent !== caption) $("step-caption").textContent = caption;
  } else if (!protect) {
    if (result.candidates) drawCandidates(ctx, unpackFaces(result.candidates));
    drawFaces(ctx, faces, scale);
  }
  if (result.input && !protect) {
    const n = inputCanvas.width;
    inputCtx.putImageData(new ImageData(new Uint8ClampedArray(result.input.buffer), n, n), 0, 0);
  }
  return faces;
}

/** The network's input shows faces uncovered: blank it whenever protect is on. */
function hideNetworkInput() {
  inputCtx.fillStyle = "#222";
  inputCtx.fillRect(0, 0, inputCanvas.width, inputCanvas.height);
}

function updateStats(faces, inferenceMs) {
  const now = performance.now();
  state.painted.push(now);
  while (state.painted.length && state.painted[0] < now - 1000) state.painted.shift();
  // Faces seen this session: each time more faces are in view than a moment ago, the new ones count.
  // A number on this page only, never stored.
  if (faces.length > state.inView) state.seen += faces.length - state.inView;
  state.inView = faces.length;
  $("seen").textContent = String(state.seen);
  const count = String(faces.length);
  if ($("count").textContent !== count) $("count").textContent = count;
  $("infer").textContent = tr("live.ms", { ms: strings.number(inferenceMs, { minimumFractionDigits: 1, maximumFractionDigits: 1 }) });
  $("fps").textContent = live.still ? "–" : String(state.painted.length);
}

const live = new LiveView({
  canvas: $("view"),
  video: $("camera"),
  worker: new URL("../worker/worker.js", import.meta.url),
  protecting,
  want: () => $("model").value,
  load: loadModel,
  frameOptions: (protect) => {
    const wantCandidates = ($("candidates").checked || state.step > 0) && !protect;
    return { wantInput: !protect, wantCandidates, wantAnchors: state.step > 0 && !protect };
  },
  painted(result, protect, frameMs) {
    const faces = drawOver(result, protect);
    if (state.recovering) { state.recovering = false; hideMessage(); }
    updateStats(faces, result.inferenceMs);
    document.dispatchEvent(new CustomEvent("unseen:frame", { detail: live.frameDetail(result, faces, protect, frameMs) }));
  },
  failed: (e) => showMessage(state.recovering ? tr("live.restart") : e.message),
  restarting() {
    state.recovering = true;
    showMessage(tr("live.restart"));
  },
  ended() {
    showButtons();
    state.lastCameraFailed = true;
    showMessage(cameraMessage(strings, "ended"));
  },
});

function showButtons() {
  $("start").hidden = Boolean(live.stream);
  $("stop").hidden = !live.stream;
  $("flip").hidden = true;
}

async function startCamera() {
  hideMessage();
  state.lastCameraFailed = false;
  try {
    await live.start(state.facing);
  } catch (e) {
    showButtons();
    state.lastCameraFailed = true;
    await translated;
    showMessage(cameraMessage(strings, e instanceof CameraError ? e.kind : "failed"));
    return;
  }
  showButtons();
  $("flip").hidden = !(navigator.mediaDevices.enumerateDevices && (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "videoinput").length > 1);
}

function stopEverything() {
  live.stop();
  showButtons();
}

async function showStill(blob) {
  hideMessage();
  try {
    await live.showStill(blob);
  } catch {
    await translated;
    showMessage(tr("live.error.picture"));
  } finally {
    showButtons();
  }
}

function onSettingsChanged() {
  const two = { minimumFractionDigits: 2, maximumFractionDigits: 2 };
  $("threshold-out").textContent = strings.percent(Number($("threshold").value));
  $("overlap-out").textContent = strings.number(Number($("overlap").value), two);
  $("mask-scale-out").textContent = strings.number(Number($("mask-scale").value), two);
  if (!live.loaded) return;
  live.bridge.call(LIVE_OPS.options, settings()).then(() => live.refresh()).catch(() => {});
}

$("start").addEventListener("click", startCamera);
$("retry").addEventListener("click", startCamera);
$("stop").addEventListener("click", () => { stopEverything(); live.clear(); });
$("flip").addEventListener("click", () => { state.facing = state.facing === "user" ? "environment" : "user"; startCamera(); });
$("photo").addEventListener("change", (e) => { const f = e.target.files?.[0]; if (f) showStill(f); });
$("demo").addEventListener("click", async () => showStill(await (await fetch("demo/astronaut.jpg")).blob()));
$("protect").addEventListener("change", () => {
  if (protecting()) hideNetworkInput();
  live.guard();
  live.refresh();
});
$("model").addEventListener("change", () => {
  live.reload();
  live.ensureLoaded().then(() => live.refresh()).catch((e) => showMessage(e.message));
});
for (const id of ["threshold", "overlap", "style", "shape", "mask-scale"]) $(id).addEventListener("input", onSettingsChanged);
$("candidates").addEventListener("change", () => live.refresh());

/** Show step `n` of "how detection works" (0: off). Steps draw over unprotected frames only. */
function setStep(n) {
  state.step = n;
  for (const b of document.querySelectorAll(".step")) b.setAttribute("aria-pressed", String(Number(b.dataset.step) === n));
  if (n === 0) $("step-caption").textContent = "";
  else if (protecting()) $("step-caption").textContent = tr("steps.protected");
  else if (!live.stream && !live.still) $("step-caption").textContent = tr("steps.no-source");
  live.refresh();
}
for (const b of document.querySelectorAll(".step")) b.addEventListener("click", () => setStep(Number(b.dataset.step)));
$("steps-demo").addEventListener("click", async () => {
  if (state.step === 0) setStep(1);
  showStill(await (await fetch("demo/astronaut.jpg")).blob());
});

// Classroom mode (site.js): the stage full screen, large boxes and text for the back of a room.
classroomMode($("classroom"), () => live.refresh());

// Presenter shortcuts; ignored while typing in a field or using a control that takes keys.
document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey || e.target.closest?.("input, select, textarea")) return;
  const nudge = (d) => {
    const t = $("threshold");
    t.value = String(Math.min(0.99, Math.max(0.05, Number(t.value) + d)));
    onSettingsChanged();
  };
  const keys = {
    s: () => (live.stream ? $("stop").click() : startCamera()),
    p: () => { $("protect").checked = !$("protect").checked; $("protect").dispatchEvent(new Event("change")); },
    f: () => $("classroom").click(),
    c: () => { $("candidates").checked = !$("candidates").checked; $("candidates").dispatchEvent(new Event("change")); },
    0: () => setStep(0), 1: () => setStep(1), 2: () => setStep(2), 3: () => setStep(3), 4: () => setStep(4),
    ArrowUp: () => nudge(0.05),
    ArrowDown: () => nudge(-0.05),
  };
  const act = keys[e.key.length === 1 ? e.key.toLowerCase() : e.key];
  if (act) { e.preventDefault(); act(); }
});

// A browser without what the detector needs is told so at once, in one sentence, with the ways
// that still work (a photo needs the same detector, so only the message shows).
translated.then(() => {
  const missing = missingFeature();
  if (!missing) return;
  showMessage(tr(missing));
  for (const id of ["start", "retry", "demo", "steps-demo"]) $(id).disabled = true;
  $("photo").disabled = true;
});
// Not while the detector the visitor asked for downloads.
registerOffline(document.getElementById("update"), () => live.settled());
countRequests(document.getElementById("requests"), [live.bridge], translated);
