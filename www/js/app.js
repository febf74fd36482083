// Page wiring for the live page: buttons and sliders, the frame loop, painting, and the
// `unseen:frame` event. The camera is in camera.js, drawing in overlay.js, the wasm behind bridge.js.
//
// Fail closed: in protect mode the canvas only ever receives pixels the worker has covered. A frame
// processed before protect was switched on is dropped; while the worker is slow, failing or loading,
// or holding back its first frames (protect mode runs 4 frames late), the canvas shows a fully blurred
// frame instead.
import { Bridge } from "./bridge.js";
import { countRequests, registerOffline } from "./site.js";
import { CameraError, cameraMessage, openCamera, stopCamera } from "./camera.js";
import { drawCandidates, drawFaces, drawStep, unpackBoxes, unpackFaces } from "./overlay.js";
import { missingFeature, nextTurn, paintBlurred as blur, sendFrame } from "./live-core.js";
import { Strings, translatePage } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const view = $("view");
const ctx = view.getContext("2d");
const inputCanvas = $("input");
const inputCtx = inputCanvas.getContext("2d");
const video = $("camera");

const bridge = new Bridge(new URL("./worker.js", import.meta.url));
const state = {
  stream: null,
  still: null,          // an ImageBitmap when showing a photo instead of the camera
  facing: "user",
  loaded: null,         // the model currently loaded in the worker ("short" | "full")
  loading: null,        // promise of the model load under way
  inFlight: false,
  frame: 0,
  painted: [],          // times of recent paints, for frames per second
  shownProtected: true, // whether what is on the canvas now is safe to show in protect mode
  step: 0,              // the "how detection works" step shown (0: off)
  seen: 0,              // faces seen this session (counted, never stored)
  inView: 0,
  nextFrame: 0,         // the pending video-frame (or animation-frame) callback of the loop
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

async function ensureModel() {
  const want = settings();
  if (state.loaded === want.model) return;
  if (state.loading) return state.loading;
  await translated;
  const missing = missingFeature();
  if (missing) throw new Error(tr(missing));
  $("loading").hidden = false;
  state.loading = bridge.call("load", want, {
    onprogress: ({ loaded, total }) => {
      $("progress").max = total || loaded;
      $("progress").value = loaded;
      const mb = (n) => strings.number(n / 1e6, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      $("progress-text").textContent = tr("live.progress", { loaded: mb(loaded), total: total ? mb(total) : "?" });
    },
  }).then(({ inputSize }) => {
    state.loaded = want.model;
    inputCanvas.width = inputCanvas.height = inputSize;
    $("input-size").textContent = `${inputSize}×${inputSize}`;
  }).catch((e) => {
    throw new Error(tr("live.error.load", { reason: e.message }));
  }).finally(() => {
    state.loading = null;
    $("loading").hidden = true;
  });
  return state.loading;
}

/** Paint a strongly blurred copy of the current source: safe to show, and shows that something is there. */
function paintBlurred() {
  blur(view, state.still ?? (video.readyState >= 2 ? video : null));
  state.shownProtected = true;
}

function paint(result, protect, wantCandidates) {
  const { width, height } = result;
  if (view.width !== width || view.height !== height) { view.width = width; view.height = height; }
  ctx.putImageData(new ImageData(new Uint8ClampedArray(result.rgba.buffer), width, height), 0, 0);
  state.shownProtected = protect;
  if (protect) hideNetworkInput();
  const faces = unpackFaces(result.faces);
  const scale = Math.max(1, width / 640) * (document.body.classList.contains("classroom") ? 2 : 1);
  if (!protect && state.step && result.anchors) {
    const s = settings();
    const caption = drawStep(ctx, state.step, strings, {
      anchors: result.anchors, anchorCount: result.anchorCount, candidates: unpackFaces(result.candidates),
      faces, threshold: s.threshold, overlap: s.overlap,
    }, scale);
    if ($("step-caption").textContent !== caption) $("step-caption").textContent = caption;
  } else if (!protect) {
    if (wantCandidates && result.candidates) drawCandidates(ctx, unpackFaces(result.candidates));
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
  $("fps").textContent = state.still ? "–" : String(state.painted.length);
}

/** Send one frame to the worker, paint the answer, announce it. */
async function processFrame() {
  const source = state.still ?? video;
  if (state.inFlight || (!state.still && video.readyState < 2)) return;
  state.inFlight = true;
  const started = performance.now();
  const protect = protecting();
  const wantCandidates = ($("candidates").checked || state.step > 0) && !protect;
  try {
    await ensureModel();
    const result = await sendFrame(bridge, source, { now: started, protect, still: Boolean(state.still), wantInput: !protect, wantCandidates, wantAnchors: state.step > 0 && !protect });
    // Protect was switched on while this unprotected frame was being processed: never show it.
    if (protecting() && !protect) return;
    // The first frames after protect is switched on: the worker is holding them back (a face coming
    // in from the edge is covered from its first frame), so the blurred stand-in shows meanwhile.
    if (result.waiting) {
      paintBlurred();
      // A still picture is sent once: send it again until protect mode's second detector is in.
      if (state.still) setTimeout(processFrame, 200);
      return;
    }
    const faces = paint(result, protect, wantCandidates);
    if (state.recovering) { state.recovering = false; hideMessage(); }
    const frameMs = performance.now() - started;
    updateStats(faces, result.inferenceMs);
    document.dispatchEvent(new CustomEvent("unseen:frame", {
      detail: {
        frame: ++state.frame,
        width: result.width,
        height: result.height,
        mode: protect ? "protect" : "see",
        faces: faces.map(({ x, y, w, h, score }) => ({ x, y, w, h, score })),
        covered: unpackBoxes(result.covered),
        inferenceMs: result.inferenceMs,
        frameMs,
      },
    }));
  } catch (e) {
    if (protecting()) paintBlurred();
    showMessage(state.recovering ? tr("live.restart") : e.message);
  } finally {
    state.inFlight = false;
  }
}

/** One turn of the frame loop. Safe to call again (the tab shown after being hidden): the callback
 *  already waiting is replaced, so there is only ever one loop. */
function loop() {
  if (!state.stream) return;
  if (protecting() && !state.shownProtected) paintBlurred();
  processFrame();
  nextTurn(video, state, loop);
}

async function startCamera() {
  hideMessage();
  stopEverything();
  state.lastCameraFailed = false;
  try {
    state.stream = await openCamera(state.facing);
  } catch (e) {
    state.lastCameraFailed = true;
    await translated;
    showMessage(cameraMessage(strings, e instanceof CameraError ? e.kind : "failed"));
    return;
  }
  const [track] = state.stream.getVideoTracks();
  track.addEventListener("ended", () => {
    if (!state.stream) return;
    stopEverything();
    state.lastCameraFailed = true;
    showMessage(cameraMessage(strings, "ended"));
  });
  video.srcObject = state.stream;
  await video.play().catch(() => {});
  $("start").hidden = true;
  $("stop").hidden = false;
  $("flip").hidden = !(navigator.mediaDevices.enumerateDevices && (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "videoinput").length > 1);
  bridge.call("reset").catch(() => {});
  paintBlurred();
  loop();
  ensureModel().catch((e) => showMessage(e.message));
}

function stopEverything() {
  stopCamera(state.stream);
  state.stream = null;
  video.srcObject = null;
  state.still?.close();
  state.still = null;
  $("start").hidden = false;
  $("stop").hidden = true;
  $("flip").hidden = true;
}

async function showStill(blob) {
  hideMessage();
  stopEverything();
  try {
    state.still = await createImageBitmap(blob, { imageOrientation: "from-image" });
  } catch {
    await translated;
    showMessage(tr("live.error.picture"));
    return;
  }
  bridge.call("reset").catch(() => {});
  processFrame();
}

function onSettingsChanged() {
  const two = { minimumFractionDigits: 2, maximumFractionDigits: 2 };
  $("threshold-out").textContent = strings.percent(Number($("threshold").value));
  $("overlap-out").textContent = strings.number(Number($("overlap").value), two);
  $("mask-scale-out").textContent = strings.number(Number($("mask-scale").value), two);
  if (!state.loaded) return;
  bridge.call("options", settings()).then(() => { if (state.still) processFrame(); }).catch(() => {});
}

$("start").addEventListener("click", startCamera);
$("retry").addEventListener("click", startCamera);
$("stop").addEventListener("click", () => { stopEverything(); ctx.fillStyle = "#222"; ctx.fillRect(0, 0, view.width, view.height); });
$("flip").addEventListener("click", () => { state.facing = state.facing === "user" ? "environment" : "user"; startCamera(); });
$("photo").addEventListener("change", (e) => { const f = e.target.files?.[0]; if (f) showStill(f); });
$("demo").addEventListener("click", async () => showStill(await (await fetch("demo/astronaut.jpg")).blob()));
$("protect").addEventListener("change", () => {
  if (protecting()) hideNetworkInput();
  if (protecting() && !state.shownProtected) paintBlurred();
  if (state.still) processFrame();
});
$("model").addEventListener("change", () => {
  state.loaded = null;
  if (protecting()) paintBlurred();
  ensureModel().then(() => { if (state.still) processFrame(); }).catch((e) => showMessage(e.message));
});
for (const id of ["threshold", "overlap", "style", "shape", "mask-scale"]) $(id).addEventListener("input", onSettingsChanged);
$("candidates").addEventListener("change", () => { if (state.still) processFrame(); });
// The worker crashed or hung: the bridge has thrown it away and the next frame starts a new one. Until
// that one answers, protect mode shows only the blurred frame; the message goes once frames flow.
bridge.onfail = () => {
  state.loaded = null;
  state.inFlight = false;
  if (!state.stream && !state.still) return;
  state.recovering = true;
  if (protecting()) paintBlurred();
  showMessage(tr("live.restart"));
};
document.addEventListener("visibilitychange", () => { if (!document.hidden && state.stream) loop(); });

/** Show step `n` of "how detection works" (0: off). Steps draw over unprotected frames only. */
function setStep(n) {
  state.step = n;
  for (const b of document.querySelectorAll(".step")) b.setAttribute("aria-pressed", String(Number(b.dataset.step) === n));
  if (n === 0) $("step-caption").textContent = "";
  else if (protecting()) $("step-caption").textContent = tr("steps.protected");
  else if (!state.stream && !state.still) $("step-caption").textContent = tr("steps.no-source");
  if (state.still) processFrame();
}
for (const b of document.querySelectorAll(".step")) b.addEventListener("click", () => setStep(Number(b.dataset.step)));
$("steps-demo").addEventListener("click", async () => {
  if (state.step === 0) setStep(1);
  showStill(await (await fetch("demo/astronaut.jpg")).blob());
});

/** Classroom mode: the stage full screen (where allowed), large boxes and text for the back of a room. */
function setClassroom(on) {
  document.body.classList.toggle("classroom", on);
  $("classroom").setAttribute("aria-pressed", String(on));
  if (on && !document.fullscreenElement) document.documentElement.requestFullscreen?.().catch(() => {});
  if (!on && document.fullscreenElement) document.exitFullscreen?.().catch(() => {});
  if (state.still) processFrame();
}
$("classroom").addEventListener("click", () => setClassroom(!document.body.classList.contains("classroom")));
document.addEventListener("fullscreenchange", () => {
  if (!document.fullscreenElement && document.body.classList.contains("classroom")) setClassroom(false);
});

// Presenter shortcuts; ignored while typing in a field or using a control that takes keys.
document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey || e.target.closest?.("input, select, textarea")) return;
  const nudge = (d) => {
    const t = $("threshold");
    t.value = String(Math.min(0.99, Math.max(0.05, Number(t.value) + d)));
    onSettingsChanged();
  };
  const keys = {
    s: () => (state.stream ? $("stop").click() : startCamera()),
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
registerOffline(document.getElementById("update"));
countRequests(document.getElementById("requests"), [bridge], translated);
