// One live view, shared by the live page (app.js), the watchlist page (watchlist.js) and the
// <unseen-camera> element: the camera or a still picture, the worker behind a Bridge, the frame
// loop, and the fail-closed painting of each answer. What differs between them (what to load, what
// to draw over a frame, which event to send, how to say an error) comes in as hooks.
//
// Fail closed: in protect mode the canvas only ever receives pixels the worker has covered. A frame
// processed before protect was switched on is dropped; while the worker is slow, failing or loading,
// or holding back its first frames, the canvas shows a fully blurred frame instead.
import { Bridge } from "./bridge.js";
import { openCamera, stopCamera } from "./camera.js";
import { nextTurn, paintBlurred, sendFrame } from "./live-core.js";
import { unpackBoxes } from "./overlay.js";
import { LIVE_OPS } from "../shared/protocol.js";

/** While protect mode's second detector is still downloading, a still picture is sent again this often. */
const STILL_RETRY_MS = 200;

export class LiveView {
  /**
   * @param {object} o
   * @param {HTMLCanvasElement} o.canvas  where frames are painted
   * @param {HTMLVideoElement} o.video  the camera's picture (hidden or not)
   * @param {URL} o.worker  the live worker's module (worker/worker.js, worker/watchlist-worker.js)
   * @param {() => boolean} o.protecting  whether protect mode is on now
   * @param {() => string} o.want  what should be loaded now (e.g. the model's name): a change loads again
   * @param {(bridge: Bridge) => Promise} o.load  loads it in the worker
   * @param {(protect: boolean) => object} [o.frameOptions]  more of sendFrame's options
   * @param {(result: object, protect: boolean, frameMs: number) => void} o.painted  after a frame's pixels are on the canvas
   * @param {(error: Error) => void} o.failed  a frame, a load or the worker failed
   * @param {(error: Error) => void} [o.restarting]  the worker crashed or hung; a new one starts with the next frame
   * @param {() => void} [o.ended]  the camera stopped by itself (unplugged, taken by another app)
   */
  constructor({ canvas, video, worker, protecting, want, load, frameOptions = () => ({}), painted, failed, restarting = failed, ended = () => {} }) {
    Object.assign(this, { canvas, video, protecting, want, load, frameOptions, painted, failed, restarting, ended });
    this.bridge = new Bridge(worker);
    this.stream = null;
    /** An ImageBitmap when a still picture is shown instead of the camera. */
    this.still = null;
    /** What is loaded in the worker (want()'s answer), and the load under way. */
    this.loaded = null;
    this.loading = null;
    this.inFlight = false;
    /** Whether what is on the canvas now is safe to show in protect mode. */
    this.shownProtected = true;
    /** Frames painted since the page opened, for the events' `frame`. */
    this.frames = 0;
    /** The pending video-frame (or animation-frame) callback of the loop. */
    this.nextFrame = 0;
    // The worker crashed or hung: the bridge has thrown it away and the next frame starts a new one.
    // Until that one answers, protect mode shows only the blurred frame.
    this.bridge.onfail = (e) => {
      this.loaded = null;
      this.inFlight = false;
      if (this.protecting()) this.blur();
      if (this.stream || this.still) this.restarting(e);
    };
    this.onVisible = () => { if (!document.hidden && this.stream) this.loop(); };
    this.attach();
  }

  /** Pick the loop up again whenever the page is shown (a hidden tab gets no video frames). */
  attach() {
    document.addEventListener("visibilitychange", this.onVisible);
  }

  /** Load what want() names, unless it is loaded or loading. */
  async ensureLoaded() {
    const want = this.want();
    if (this.loaded === want) return;
    if (this.loading) return this.loading;
    this.loading = this.load(this.bridge)
      .then(() => { this.loaded = want; })
      .finally(() => { this.loading = null; });
    return this.loading;
  }

  /** Resolves once no load is under way, whatever its outcome. */
  settled() {
    return (this.loading ?? Promise.resolve()).catch(() => {});
  }

  /** Forget what is loaded (the model was changed): the next frame loads again. */
  reload() {
    this.loaded = null;
    if (this.protecting()) this.blur();
  }

  /** Paint a strongly blurred copy of the current source: safe to show, and shows that something is there. */
  blur() {
    paintBlurred(this.canvas, this.still ?? (this.video.readyState >= 2 ? this.video : null));
    this.shownProtected = true;
  }

  /** Protect mode was switched (or the view shown again): blur what is not safe to show. */
  guard() {
    if (this.protecting() && !this.shownProtected) this.blur();
  }

  /** Open the camera facing `facing` and start the loop. Throws camera.js's CameraError. */
  async start(facing = "user") {
    this.stop();
    // The detector loads while the camera opens (each takes a few hundred milliseconds); a failure
    // is told below, once the camera is open.
    this.ensureLoaded().catch(() => {});
    this.stream = await openCamera(facing);
    const stream = this.stream;
    stream.getVideoTracks()[0]?.addEventListener("ended", () => {
      if (this.stream !== stream) return;
      this.stop();
      this.ended();
    });
    this.video.srcObject = stream;
    await this.video.play().catch(() => {});
    this.bridge.call(LIVE_OPS.reset).catch(() => {});
    this.blur();
    this.loop();
    this.ensureLoaded().catch((e) => this.failed(e));
  }

  /** Show `blob`, a picture file, instead of the camera. Throws when it is not a picture. */
  async showStill(blob) {
    this.stop();
    this.still = await createImageBitmap(blob, { imageOrientation: "from-image" });
    this.bridge.call(LIVE_OPS.reset).catch(() => {});
    this.processFrame();
  }

  /** Stop the camera and forget the still picture. */
  stop() {
    stopCamera(this.stream);
    this.stream = null;
    this.video.srcObject = null;
    this.still?.close();
    this.still = null;
  }

  /** Paint the canvas dark (after Stop). */
  clear() {
    const ctx = this.canvas.getContext("2d");
    ctx.fillStyle = "#222";
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  /** A still picture is processed once: process it again (the settings changed). */
  refresh() {
    if (this.still) this.processFrame();
  }

  /** Stop, and end the worker (the element left the page); attach() and the next frame start again. */
  dispose() {
    this.stop();
    document.removeEventListener("visibilitychange", this.onVisible);
    this.bridge.worker?.terminate();
    this.bridge.worker = null;
  }

  /** One turn of the frame loop. Safe to call again (the tab shown after being hidden): the callback
   *  already waiting is replaced, so there is only ever one loop. */
  loop() {
    if (!this.stream) return;
    this.guard();
    this.processFrame();
    nextTurn(this.video, this, () => this.loop());
  }

  /** Send one frame to the worker and paint the answer. */
  async processFrame() {
    const still = this.still;
    if (this.inFlight || (!still && this.video.readyState < 2)) return;
    this.inFlight = true;
    const started = performance.now();
    const protect = this.protecting();
    try {
      await this.ensureLoaded();
      const result = await sendFrame(this.bridge, still ?? this.video, { now: started, protect, still: Boolean(still), ...this.frameOptions(protect) });
      // Protect was switched on while this unprotected frame was being processed: never show it.
      if (this.protecting() && !protect) return;
      // The first frames after protect is switched on: the worker is holding them back (a face coming
      // in from the edge is covered from its first frame), so the blurred stand-in shows meanwhile.
      if (result.waiting) {
        this.blur();
        // A still picture is sent once: send it again until protect mode's second detector is in.
        if (still && this.still === still) setTimeout(() => this.processFrame(), STILL_RETRY_MS);
        return;
      }
      const { width, height } = result;
      if (this.canvas.width !== width || this.canvas.height !== height) { this.canvas.width = width; this.canvas.height = height; }
      this.canvas.getContext("2d").putImageData(new ImageData(new Uint8ClampedArray(result.rgba.buffer), width, height), 0, 0);
      this.shownProtected = protect;
      this.frames += 1;
      this.painted(result, protect, performance.now() - started);
    } catch (e) {
      if (this.protecting()) this.blur();
      this.failed(e);
    } finally {
      this.inFlight = false;
    }
  }

  /** The `unseen:frame` event's detail for a painted frame, with `faces` unpacked (overlay.js). */
  frameDetail(result, faces, protect, frameMs) {
    return {
      frame: this.frames,
      width: result.width,
      height: result.height,
      mode: protect ? "protect" : "see",
      faces: faces.map(({ x, y, w, h, score }) => ({ x, y, w, h, score })),
      covered: unpackBoxes(result.covered),
      inferenceMs: result.inferenceMs,
      frameMs,
    };
  }
}
