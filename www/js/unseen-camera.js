// <unseen-camera>: the live demo as one element for a campaign's own page.
//
//   <script type="module" src="unseen/js/unseen-camera.js"></script>
//   <unseen-camera mode="protect"></unseen-camera>
//
// Attributes (all optional, all live):
//   mode       "see" (boxes and scores; the default) or "protect" (faces covered)
//   model      "short" (faces near the camera; the default) or "full" (faces far away)
//   threshold  minimum face probability, 0.05 to 0.99 (default 0.6)
//   cover      "solid" (default), "pixelate" or "blur";  shape: "ellipse" (default) or "box"
//   autostart  present: ask for the camera at once instead of showing a Start button
//   lang       the language of its buttons and messages, e.g. "fr" (default: the page's <html lang>,
//              else the browser's languages; see www/i18n/)
// Styling, for a campaign's colours and font: CSS custom properties set on the element or above it,
//   --unseen-font (system-ui), --unseen-ink (#111: borders, pressed buttons), --unseen-paper (#fff:
//   buttons), --unseen-accent (#1565c0: focus ring), --unseen-radius (.4rem), --unseen-stage (#222:
//   the picture's background);
// and parts for anything else: ::part(bar), ::part(button), ::part(start), ::part(stop),
//   ::part(protect), ::part(canvas), ::part(status). embed.html shows both.
// Events (bubbling, composed): "unseen:frame" with the same detail as the live page's event, and
// "unseen:error" with { message }. Methods: start(), stop().
//
// It fails closed like the page: in protect mode only pixels the worker has covered are painted; a
// fully blurred frame is shown while the detector loads or if it stops answering. The files must be
// served from the same site as the page (a worker cannot start from another origin): copy www/.
import { Bridge } from "./bridge.js";
import { CameraError, cameraMessage, openCamera, stopCamera } from "./camera.js";
import { drawFaces, unpackBoxes, unpackFaces } from "./overlay.js";
import { missingFeature, nextTurn, paintBlurred, sendFrame } from "./live-core.js";
import { Strings, chooseLanguage, loadStrings } from "./i18n.js";

const SHEET = new CSSStyleSheet();
SHEET.replaceSync(`
  :host { display: block; max-width: 640px; font-family: var(--unseen-font, system-ui, sans-serif); }
  canvas { width: 100%; height: auto; background: var(--unseen-stage, #222); border-radius: var(--unseen-radius, .4rem); display: block; }
  .bar { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .5rem 0; }
  button { font: inherit; padding: .45rem .9rem; border: 2px solid var(--unseen-ink, #111); background: var(--unseen-paper, #fff); color: var(--unseen-ink, #111); border-radius: var(--unseen-radius, .4rem); cursor: pointer; }
  button[aria-pressed="true"], button.primary { background: var(--unseen-ink, #111); color: var(--unseen-paper, #fff); }
  button:focus-visible { outline: 3px solid var(--unseen-accent, #1565c0); outline-offset: 2px; }
  .status { margin: 0; min-height: 1.4em; }
`);

const clamp = (v, lo, hi, fallback) => (Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : fallback);

class UnseenCamera extends HTMLElement {
  static observedAttributes = ["mode", "model", "threshold", "cover", "shape", "lang"];

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    root.adoptedStyleSheets = [SHEET];
    root.innerHTML = `
      <div class="bar" part="bar">
        <button class="primary start" type="button" part="button start" data-i18n="live.start">Start camera</button>
        <button class="stop" type="button" hidden part="button stop" data-i18n="live.stop">Stop camera</button>
        <button class="protect" type="button" aria-pressed="false" part="button protect" data-i18n="live.protect">Protect faces</button>
      </div>
      <canvas width="640" height="480" role="img" part="canvas" aria-label="What the camera sees, with the faces found" data-i18n-attr="aria-label=live.view"></canvas>
      <p class="status" role="status" aria-live="polite" part="status" data-i18n="embed.nothing-leaves">Nothing leaves this device.</p>
      <video playsinline muted hidden></video>`;
    this.canvas = root.querySelector("canvas");
    this.video = root.querySelector("video");
    this.statusLine = root.querySelector(".status");
    this.bridge = new Bridge(new URL("./worker.js", import.meta.url));
    this.bridge.onfail = () => { this.loadedModel = null; this.inFlight = false; };
    this.stream = null;
    this.loadedModel = null;
    this.loading = null;
    this.inFlight = false;
    this.shownProtected = true;
    this.frameNumber = 0;
    this.lastCount = -1;
    this.nextFrame = 0; // the pending video-frame (or animation-frame) callback of the loop
    this.strings = new Strings("en", {}, {});
    this.translated = Promise.resolve(this.strings);
    root.querySelector(".start").addEventListener("click", () => this.start());
    root.querySelector(".stop").addEventListener("click", () => this.stop());
    root.querySelector(".protect").addEventListener("click", () => {
      this.setAttribute("mode", this.protecting ? "see" : "protect");
    });
  }

  get protecting() { return this.getAttribute("mode") === "protect"; }

  get settings() {
    const pick = (name, allowed) => (allowed.includes(this.getAttribute(name)) ? this.getAttribute(name) : allowed[0]);
    return {
      model: pick("model", ["short", "full"]),
      threshold: clamp(Number(this.getAttribute("threshold") ?? 0.6), 0.05, 0.99, 0.6),
      overlap: 0.3,
      style: pick("cover", ["solid", "pixelate", "blur"]),
      shape: pick("shape", ["ellipse", "box"]),
      maskScale: 1.3,
    };
  }

  /** The element's language: its lang attribute, else the page's, else the browser's. */
  translate() {
    const own = this.getAttribute("lang") ?? this.parentElement?.closest("[lang]")?.getAttribute("lang");
    this.translated = loadStrings(chooseLanguage(own, navigator.languages)).then((strings) => {
      this.strings = strings;
      strings.apply(this.shadowRoot);
      return strings;
    }).catch(() => this.strings);
  }

  connectedCallback() {
    this.translate();
    this.syncButtons();
    if (this.hasAttribute("autostart")) this.start();
  }

  disconnectedCallback() {
    this.stop();
    this.bridge.worker?.terminate();
    this.bridge.worker = null;
  }

  attributeChangedCallback(name) {
    if (name === "lang") { if (this.isConnected) this.translate(); return; }
    this.syncButtons();
    if (name === "mode" && this.protecting && !this.shownProtected) this.blur();
    if (name === "model") { this.loadedModel = null; if (this.protecting) this.blur(); return; }
    if (this.loadedModel) this.bridge.call("options", this.settings).catch(() => {});
  }

  syncButtons() {
    const root = this.shadowRoot;
    root.querySelector(".protect").setAttribute("aria-pressed", String(this.protecting));
    root.querySelector(".start").hidden = !!this.stream;
    root.querySelector(".stop").hidden = !this.stream;
  }

  say(text) { this.statusLine.textContent = text; }

  fail(message) {
    this.say(message);
    this.dispatchEvent(new CustomEvent("unseen:error", { bubbles: true, composed: true, detail: { message } }));
  }

  blur() {
    paintBlurred(this.canvas, this.video.readyState >= 2 ? this.video : null);
    this.shownProtected = true;
  }

  async ensureModel() {
    const want = this.settings;
    if (this.loadedModel === want.model) return;
    if (this.loading) return this.loading;
    const strings = await this.translated;
    this.say(strings.t("embed.loading"));
    this.loading = this.bridge.call("load", want)
      .then(() => { this.loadedModel = want.model; this.say(strings.t("embed.nothing-leaves")); })
      .finally(() => { this.loading = null; });
    return this.loading;
  }

  async start() {
    this.stop();
    // Without what the detector needs, the camera is not asked for: one sentence says why.
    const missing = missingFeature();
    if (missing) { this.fail((await this.translated).t(missing)); return; }
    try {
      this.stream = await openCamera("user");
    } catch (e) {
      this.fail(cameraMessage(await this.translated, e instanceof CameraError ? e.kind : "failed"));
      return;
    }
    this.stream.getVideoTracks()[0]?.addEventListener("ended", () => { this.stop(); this.fail(cameraMessage(this.strings, "ended")); });
    this.video.srcObject = this.stream;
    await this.video.play().catch(() => {});
    this.syncButtons();
    this.bridge.call("reset").catch(() => {});
    this.blur();
    this.ensureModel().catch((e) => this.fail(this.strings.t("live.error.load", { reason: e.message })));
    this.loop();
  }

  stop() {
    stopCamera(this.stream);
    this.stream = null;
    this.video.srcObject = null;
    this.syncButtons();
  }

  /** One turn of the frame loop. Safe to call again: the callback already waiting is replaced, so
   *  there is only ever one loop (as on the live page). */
  loop() {
    if (!this.stream || !this.isConnected) return;
    if (this.protecting && !this.shownProtected) this.blur();
    this.processFrame();
    nextTurn(this.video, this, () => this.loop());
  }

  async processFrame() {
    if (this.inFlight || this.video.readyState < 2) return;
    this.inFlight = true;
    const started = performance.now();
    const protect = this.protecting;
    try {
      await this.ensureModel();
      const result = await sendFrame(this.bridge, this.video, { now: started, protect });
      if (this.protecting && !protect) return; // switched to protect meanwhile: never show it
      if (result.waiting) { this.blur(); return; } // the first frames are held back: blurred meanwhile
      const { width, height } = result;
      if (this.canvas.width !== width || this.canvas.height !== height) { this.canvas.width = width; this.canvas.height = height; }
      const ctx = this.canvas.getContext("2d");
      ctx.putImageData(new ImageData(new Uint8ClampedArray(result.rgba.buffer), width, height), 0, 0);
      this.shownProtected = protect;
      const faces = unpackFaces(result.faces);
      if (!protect) drawFaces(ctx, faces, Math.max(1, width / 640));
      if (faces.length !== this.lastCount) {
        this.lastCount = faces.length;
        this.say(this.strings.plural(protect ? "embed.covered" : "embed.found", faces.length));
      }
      this.dispatchEvent(new CustomEvent("unseen:frame", {
        bubbles: true, composed: true,
        detail: {
          frame: ++this.frameNumber, width, height, mode: protect ? "protect" : "see",
          faces: faces.map(({ x, y, w, h, score }) => ({ x, y, w, h, score })),
          covered: unpackBoxes(result.covered),
          inferenceMs: result.inferenceMs, frameMs: performance.now() - started,
        },
      }));
    } catch (e) {
      if (this.protecting) this.blur();
      this.fail(e.message);
    } finally {
      this.inFlight = false;
    }
  }
}

if (!customElements.get("unseen-camera")) customElements.define("unseen-camera", UnseenCamera);
