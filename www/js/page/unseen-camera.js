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
import { CameraError, cameraMessage } from "./camera.js";
import { drawFaces, unpackFaces } from "./overlay.js";
import { loadDetector, missingFeature } from "./live-core.js";
import { LiveView } from "./live-view.js";
import { LIVE_DEFAULTS, LIVE_OPS } from "../shared/protocol.js";
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
    this.statusLine = root.querySelector(".status");
    this.lastCount = -1;
    this.strings = new Strings("en", {}, {});
    this.translated = Promise.resolve(this.strings);
    this.live = new LiveView({
      canvas: root.querySelector("canvas"),
      video: root.querySelector("video"),
      worker: new URL("../worker/worker.js", import.meta.url),
      protecting: () => this.protecting,
      want: () => this.settings.model,
      load: async (bridge) => {
        // The load does not wait for the element's language; only its messages do.
        const loading = loadDetector(bridge, this.settings).then(() => null, (e) => e);
        const strings = await this.translated;
        this.say(strings.t("embed.loading"));
        const failed = await loading;
        if (failed) throw new Error(strings.t("live.error.load", { reason: failed.message }));
        this.say(strings.t("embed.nothing-leaves"));
      },
      painted: (result, protect, frameMs) => this.painted(result, protect, frameMs),
      failed: (e) => this.fail(e.message),
      ended: () => { this.syncButtons(); this.fail(cameraMessage(this.strings, "ended")); },
    });
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
      threshold: clamp(Number(this.getAttribute("threshold") ?? LIVE_DEFAULTS.threshold), 0.05, 0.99, LIVE_DEFAULTS.threshold),
      overlap: LIVE_DEFAULTS.overlap,
      style: pick("cover", ["solid", "pixelate", "blur"]),
      shape: pick("shape", ["ellipse", "box"]),
      maskScale: LIVE_DEFAULTS.maskScale,
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
    this.live.attach();
    this.translate();
    this.syncButtons();
    if (this.hasAttribute("autostart")) this.start();
  }

  disconnectedCallback() {
    this.live.dispose();
    this.syncButtons();
  }

  attributeChangedCallback(name) {
    if (name === "lang") { if (this.isConnected) this.translate(); return; }
    this.syncButtons();
    if (name === "mode") this.live.guard();
    if (name === "model") { this.live.reload(); return; }
    if (this.live.loaded) this.live.bridge.call(LIVE_OPS.options, this.settings).catch(() => {});
  }

  syncButtons() {
    const root = this.shadowRoot;
    root.querySelector(".protect").setAttribute("aria-pressed", String(this.protecting));
    root.querySelector(".start").hidden = !!this.live.stream;
    root.querySelector(".stop").hidden = !this.live.stream;
  }

  say(text) { this.statusLine.textContent = text; }

  fail(message) {
    this.say(message);
    this.dispatchEvent(new CustomEvent("unseen:error", { bubbles: true, composed: true, detail: { message } }));
  }

  async start() {
    this.stop();
    // Without what the detector needs, the camera is not asked for: one sentence says why.
    const missing = missingFeature();
    if (missing) { this.fail((await this.translated).t(missing)); return; }
    try {
      await this.live.start("user");
    } catch (e) {
      this.fail(cameraMessage(await this.translated, e instanceof CameraError ? e.kind : "failed"));
    } finally {
      this.syncButtons();
    }
  }

  stop() {
    this.live.stop();
    this.syncButtons();
  }

  /** Draw over a painted frame (boxes in see mode), say how many faces, send the event. */
  painted(result, protect, frameMs) {
    const faces = unpackFaces(result.faces);
    if (!protect) drawFaces(this.live.canvas.getContext("2d"), faces, Math.max(1, result.width / 640));
    if (faces.length !== this.lastCount) {
      this.lastCount = faces.length;
      this.say(this.strings.plural(protect ? "embed.covered" : "embed.found", faces.length));
    }
    this.dispatchEvent(new CustomEvent("unseen:frame", {
      bubbles: true, composed: true, detail: this.live.frameDetail(result, faces, protect, frameMs),
    }));
  }
}

if (!customElements.get("unseen-camera")) customElements.define("unseen-camera", UnseenCamera);
