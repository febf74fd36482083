// The video page: read a video file with Mediabunny, find the faces of every frame in workers
// (pass 1), link them into tracks, then cover every frame and encode it with WebCodecs (pass 2),
// keeping the sound, the timing and the rotation, and writing no tags. The saved file is read back
// and checked before it is offered. Decoded frames are never kept: only boxes are.
import { Bridge } from "./bridge.js";
import { countRequests, registerOffline, workersFor } from "./site.js";
import { offer, redactedName } from "./save.js";
import { Strings, translatePage } from "./i18n.js";
import {
  ALL_FORMATS, AudioSampleSink, AudioSampleSource, BlobSource, EncodedAudioPacketSource, EncodedPacketSink, Input,
  Mp4OutputFormat, Output, QUALITY_HIGH, StreamTarget, VideoSample, VideoSampleSink, VideoSampleSource,
  WebMOutputFormat, canEncodeAudio, canEncodeVideo,
} from "../../vendor/mediabunny.min.mjs";

// The page in the visitor's language (js/i18n.js). Messages wait for the strings; the detector's own
// sentences stay in English.
let strings = new Strings("en", {}, {});
const translated = translatePage().then((s) => { strings = s; return s; }).catch(() => strings);
const tr = (key, vars) => strings.t(key, vars);

const $ = (id) => document.getElementById(id);
/** Files larger than this are refused before they are read (the covered copy is built in memory). */
const MAX_FILE_BYTES = 4 * 1024 ** 3;
/** Frames larger than 8K are refused. */
const MAX_PIXELS = 7680 * 4320;
/** Frames each worker may have waiting. */
const IN_FLIGHT = 2;
/** An MP4's index larger than this is not read (a damaged size). */
const MAX_INDEX_BYTES = 64 << 20;
/** Tracks shown with a thumbnail in the review. */
const MAX_THUMBNAILS = 60;

const workerCount = workersFor(navigator.hardwareConcurrency);
const workers = Array.from({ length: workerCount }, () => new Bridge(new URL("../worker/video-worker.js", import.meta.url)));
/** The worker that holds the plan and covers frames. */
const painter = workers[0];

let job = null;

class Cancelled extends Error {}

function say(text) {
  $("message").hidden = !text;
  $("message-text").textContent = text ?? "";
}

function fmtTime(seconds) {
  if (!Number.isFinite(seconds)) return tr("video.unknown");
  const m = Math.floor(seconds / 60);
  const s = seconds - 60 * m;
  return m
    ? tr("video.time.min", { m, s: strings.number(s, { maximumFractionDigits: 0 }) })
    : tr("video.time.s", { s: strings.number(s, { minimumFractionDigits: 1, maximumFractionDigits: 1 }) });
}

function fact(dl, term, value) {
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  dd.textContent = value;
  dl.append(dt, dd);
}

/** What a udta atom's text says (QuickTime: 2-byte length, 2-byte language, then the text). */
function atomText(value) {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) {
    const text = new TextDecoder().decode(value.length > 4 ? value.subarray(4) : value);
    return text.replace(/[^\x20-\x7e\u00a0-\uffff]/g, "").trim();
  }
  return "";
}

/** A 3GPP location box's position (ETSI TS 126 244 §8.2.4: version and flags, language, a name
 *  ended by 0, role, then longitude, latitude and altitude in 16.16 fixed point), as text. */
function loci(value) {
  if (!(value instanceof Uint8Array) || value.length < 20) return "";
  let at = 6;
  while (at < value.length && value[at] !== 0) at++;
  at += 2; // the name's 0, the role
  if (at + 8 > value.length) return "";
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const lon = view.getInt32(at) / 65536;
  const lat = view.getInt32(at + 4) / 65536;
  return `${lat.toFixed(4)}, ${lon.toFixed(4)}`;
}

/** The tags a phone writes, in words: location, date, make, model, title, and how many others. */
function describeTags(tags) {
  const raw = tags.raw ?? {};
  const out = [];
  const pick = (...keys) => keys.map((k) => atomText(raw[k])).find((v) => v);
  const location = pick("©xyz", "com.apple.quicktime.location.ISO6709", "location") || loci(raw.loci);
  if (location) out.push([tr("video.tag.location"), location]);
  const date = tags.date ?? tags.created;
  if (date) out.push([tr("video.tag.date"), date.toISOString().slice(0, 19).replace("T", " ")]);
  const make = pick("©mak", "com.apple.quicktime.make", "make");
  if (make) out.push([tr("video.tag.make"), make]);
  const model = pick("©mod", "com.apple.quicktime.model", "model");
  if (model) out.push([tr("video.tag.model"), model]);
  if (tags.title) out.push([tr("video.tag.title"), tags.title]);
  const known = new Set(["©xyz", "com.apple.quicktime.location.ISO6709", "location", "©mak", "com.apple.quicktime.make", "make",
    "©mod", "com.apple.quicktime.model", "model", "©nam", "title", "©day", "date", "TITLE", "DATE", "loci"]);
  const others = Object.keys(raw).filter((k) => !known.has(k));
  if (others.length) out.push([tr("video.tag.others"), others.join(", ")]);
  return out;
}

/** When an MP4 or MOV file says it was made (its header's creation time), or null. */
async function creationTime(file) {
  const read = async (at, n) => new Uint8Array(await file.slice(at, at + n).arrayBuffer());
  const moov = await moovOf(read, file.size);
  if (!moov) return null;
  const seconds = (await painter.call("times", { moov: moov.bytes.buffer }, { transfer: [moov.bytes.buffer] })).find((t) => t > 0);
  return seconds ? new Date((seconds - 2082844800) * 1000) : null;
}

/** Top-level boxes of an MP4 or MOV of `size` bytes read by `read(at, n)`: [type, body start, end]. */
async function* mp4Boxes(read, size) {
  let at = 0;
  while (at + 8 <= size) {
    const head = await read(at, Math.min(16, size - at));
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const type = String.fromCharCode(...head.subarray(4, 8));
    let length = view.getUint32(0);
    let body = at + 8;
    if (length === 1 && head.length >= 16) { length = Number(view.getBigUint64(8)); body = at + 16; }
    if (length === 0) length = size - at;
    if (length < 8 || at + length > size) return;
    yield [type, body, at + length];
    at += length;
  }
}

/** The `moov` box's body (the file's index) and where it starts, or null (none, or too large). */
async function moovOf(read, size) {
  for await (const [type, start, end] of mp4Boxes(read, size)) {
    if (type === "moov") return end - start > MAX_INDEX_BYTES ? null : { start, bytes: await read(start, end - start) };
  }
  return null;
}

/** A file written in pieces at positions, as a muxer streams it: never one buffer of the whole file
 *  (a long video's copy is hundreds of MB); writes over bytes already written (a box's size, filled
 *  in at the end) are made in place. */
class Pieces {
  constructor() {
    this.parts = [];
    this.size = 0;
  }

  write(bytes, at) {
    for (const p of this.parts) {
      const from = Math.max(at, p.at);
      const to = Math.min(at + bytes.length, p.at + p.bytes.length);
      if (from < to) p.bytes.set(bytes.subarray(from - at, to - at), from - p.at);
    }
    if (at + bytes.length > this.size) {
      if (at > this.size) this.parts.push({ at: this.size, bytes: new Uint8Array(at - this.size) });
      const from = Math.max(at, this.size);
      this.parts.push({ at: from, bytes: bytes.slice(from - at) });
      this.size = at + bytes.length;
    }
  }

  read(at, length) {
    const out = new Uint8Array(Math.max(0, Math.min(length, this.size - at)));
    for (const p of this.parts) {
      const from = Math.max(at, p.at);
      const to = Math.min(at + out.length, p.at + p.bytes.length);
      if (from < to) out.set(p.bytes.subarray(from - p.at, to - p.at), from - at);
    }
    return out;
  }

  blob(type) {
    return new Blob(this.parts.map((p) => p.bytes), { type });
  }
}

/** The sentence for a video this browser cannot decode. */
function cannotDecode(codec) {
  if (codec === "hevc") {
    return tr("video.error.hevc");
  }
  return tr("video.error.codec", { codec: codec ?? tr("video.unknown") });
}

/** Read the file's facts and show them; throws one sentence if it cannot be worked on here. */
async function open(file) {
  if (file.size > MAX_FILE_BYTES) throw new Error(tr("video.error.too-large"));
  const input = new Input({ source: new BlobSource(file), formats: ALL_FORMATS });
  let track;
  try {
    track = await input.getPrimaryVideoTrack();
  } catch {
    throw new Error(tr("video.error.not-video"));
  }
  if (!track) throw new Error(tr("video.error.no-video"));
  const [duration, stats, audio, tags, format] = await Promise.all([
    input.computeDuration(), track.computePacketStats(), input.getPrimaryAudioTrack(), input.getMetadataTags().catch(() => ({})), input.getFormat(),
  ]);
  const width = track.codedWidth;
  const height = track.codedHeight;
  if (!width || !height || width * height > MAX_PIXELS) throw new Error(tr("video.error.too-big"));
  $("facts").replaceChildren();
  const unknown = tr("video.unknown");
  const fps = strings.number(stats.averagePacketRate, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  fact($("facts"), tr("video.fact.duration"), fmtTime(duration));
  fact($("facts"), tr("video.fact.size"), tr("video.mb", { mb: strings.number(file.size / 1e6, { minimumFractionDigits: 1, maximumFractionDigits: 1 }) }));
  fact($("facts"), tr("video.fact.picture"), tr(track.rotation ? "video.picture.turned" : "video.picture", { width: String(track.displayWidth), height: String(track.displayHeight), rotation: track.rotation, fps }));
  fact($("facts"), tr("video.fact.codec"), tr(audio ? "video.codec.sound" : "video.codec.silent", { codec: track.codec ?? unknown, sound: audio?.codec ?? unknown, format: format.name }));
  $("carries").replaceChildren();
  await loadWorkers();
  const created = /mp4|quicktime|mov/i.test(format.name) ? await creationTime(file) : null;
  if (created) tags.created = created;
  const carried = describeTags(tags);
  for (const [k, v] of carried) fact($("carries"), k, v);
  if (!carried.length) fact($("carries"), tr("video.tags"), tr("video.tags.none"));
  $("about").hidden = false;
  if (!(await track.canDecode())) throw new Error(cannotDecode(track.codec));
  return { file, input, track, audio, width, height, rotation: track.rotation, fps: stats.averagePacketRate, frames: stats.packetCount, duration, formatName: format.name };
}

function progress(stage, done, total, started) {
  $("stage").textContent = stage;
  $("progress").value = total ? Math.min(1, done / total) : 0;
  const elapsed = (performance.now() - started) / 1000;
  const left = done > 0 && total ? (elapsed / done) * (total - done) : NaN;
  const share = strings.percent(done / total);
  $("progress-text").textContent = total ? (Number.isFinite(left) ? tr("video.progress.left", { share, left: fmtTime(left) }) : share) : "";
}

/** A stored frame's RGBA pixels. */
async function pixels(sample, width, height) {
  const buffer = new ArrayBuffer(width * height * 4);
  try {
    await sample.copyTo(buffer, { format: "RGBA", colorSpace: "srgb" });
  } catch {
    // Browsers that cannot convert while copying: through a canvas.
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    const frame = sample.toVideoFrame();
    ctx.drawImage(frame, 0, 0, width, height);
    frame.close();
    new Uint8Array(buffer).set(ctx.getImageData(0, 0, width, height).data);
  }
  return buffer;
}

async function loadWorkers() {
  $("stage").textContent = tr("video.stage.load");
  await Promise.all(workers.map((w) => w.call("load", {}, {
    onprogress: ({ loaded, total }) => { if (total) $("progress").value = loaded / total; },
  })));
}

/** Pass 1: every frame's faces, on every worker; returns the frames' timestamps and boxes. */
async function findFaces(v) {
  const started = performance.now();
  const sink = new VideoSampleSink(v.track);
  const timestamps = [];
  const boxes = [];
  const busy = workers.map(() => 0);
  const pending = new Set();
  let done = 0;
  let index = 0;
  for await (const sample of sink.samples()) {
    if (v.cancelled) { sample.close(); throw new Cancelled(); }
    const i = index++;
    timestamps.push(sample.timestamp);
    const rgba = await pixels(sample, v.width, v.height);
    sample.close();
    let w = busy.indexOf(Math.min(...busy));
    while (busy[w] >= IN_FLIGHT) {
      await Promise.race(pending);
      w = busy.indexOf(Math.min(...busy));
    }
    busy[w]++;
    const call = workers[w].call("faces", { rgba, width: v.width, height: v.height, rotation: v.rotation, index: i }, { transfer: [rgba] })
      .then((found) => { boxes[i] = found; done++; progress(tr("video.stage.find"), done, v.frames, started); })
      .finally(() => { busy[w]--; pending.delete(call); });
    pending.add(call);
  }
  await Promise.all(pending);
  if (!timestamps.length) throw new Error(tr("video.error.no-pictures"));
  return { timestamps, boxes };
}

/** Link pass 1's boxes into tracks in the painter worker. */
async function plan(v, found) {
  await painter.call("plan", { width: v.width, height: v.height, fps: v.fps || 30, frames: found.timestamps.length });
  await Promise.all(found.boxes.map((b, index) => painter.call("setFaces", { index, boxes: b ?? [] })));
  return painter.call("link");
}

/** Pass 2: cover every frame and encode it as stored, with the file's rotation flag; the sound
 *  copied (or, where the new container cannot hold it, re-encoded) unless removed; no tags. */
async function encode(v, found) {
  const started = performance.now();
  const webm = v.formatName.toLowerCase().includes("webm");
  let container = webm ? "webm" : "mp4";
  let codec = webm ? "vp9" : "avc";
  if (!webm && !(await canEncodeVideo("avc", { width: v.width, height: v.height }))) {
    container = "webm"; codec = "vp9"; // this browser writes no H.264: WebM it is
  }
  const format = container === "webm" ? new WebMOutputFormat() : new Mp4OutputFormat({ fastStart: false });
  const pieces = new Pieces();
  const target = new StreamTarget(new WritableStream({ write: (chunk) => pieces.write(chunk.data, chunk.position) }), { chunked: true });
  const output = new Output({ format, target });
  v.output = output;
  const video = new VideoSampleSource({ codec, quality: QUALITY_HIGH });
  output.addVideoTrack(video, { rotation: v.rotation, frameRate: v.fps || undefined });
  let sound = null;
  if (v.audio && !$("no-sound").checked) {
    if (format.getSupportedAudioCodecs().includes(v.audio.codec)) {
      const source = new EncodedAudioPacketSource(v.audio.codec);
      output.addAudioTrack(source);
      sound = async () => {
        const config = await v.audio.getDecoderConfig();
        let first = true;
        for await (const packet of new EncodedPacketSink(v.audio).packets()) {
          if (v.cancelled) throw new Cancelled();
          await source.add(packet, first ? { decoderConfig: config ?? undefined } : undefined);
          first = false;
        }
        source.close();
      };
    } else {
      const target = container === "webm" ? "opus" : "aac";
      if (!(await canEncodeAudio(target))) throw new Error(tr("video.error.sound", { container: container.toUpperCase() }));
      const source = new AudioSampleSource({ codec: target, quality: QUALITY_HIGH });
      output.addAudioTrack(source);
      sound = async () => {
        for await (const sample of new AudioSampleSink(v.audio).samples()) {
          if (v.cancelled) { sample.close(); throw new Cancelled(); }
          await source.add(sample);
          sample.close();
        }
        source.close();
      };
    }
  }
  await output.start();
  let painted = 0;
  const pictures = async () => {
    let index = 0;
    for await (const sample of new VideoSampleSink(v.track).samples()) {
      if (v.cancelled) { sample.close(); throw new Cancelled(); }
      // Pass 1 saw the same frames in the same order; one it did not see is covered whole.
      const i = index < found.timestamps.length && Math.abs(found.timestamps[index] - sample.timestamp) < 1e-6 ? index : found.timestamps.length;
      index++;
      const rgba = await pixels(sample, v.width, v.height);
      const covered = await painter.call("paint", { rgba, index: i }, { transfer: [rgba] });
      const out = new VideoSample(new Uint8Array(covered), {
        format: "RGBA", codedWidth: v.width, codedHeight: v.height, timestamp: sample.timestamp, duration: sample.duration,
      });
      sample.close();
      await video.add(out);
      out.close();
      painted++;
      progress(tr("video.stage.cover"), painted, found.timestamps.length, started);
    }
    video.close();
  };
  try {
    await Promise.all([pictures(), sound?.()]);
    await output.finalize();
  } catch (e) {
    await output.cancel().catch(() => {});
    throw e;
  }
  if (container === "mp4") await clearTimes(pieces);
  const blob = pieces.blob(container === "webm" ? "video/webm" : "video/mp4");
  return { blob, pieces, container, painted };
}

/** The MP4 writer stamps the time of saving into the file and track headers: set them to 0. */
async function clearTimes(pieces) {
  const found = await moovOf(async (at, n) => pieces.read(at, n), pieces.size);
  if (!found) throw new Error(tr("video.error.no-index"));
  const { moov, left } = await painter.call("clearTimes", { moov: found.bytes.buffer }, { transfer: [found.bytes.buffer] });
  pieces.write(new Uint8Array(moov), found.start);
  if (left.some((t) => t !== 0)) throw new Error(tr("video.error.dated"));
}

/** Read the covered copy back: frames, duration, shown size, sound and tags; throws one sentence. */
async function check(v, out) {
  const input = new Input({ source: new BlobSource(out.blob), formats: ALL_FORMATS });
  const track = await input.getPrimaryVideoTrack();
  if (!track) throw new Error(tr("video.error.saved-empty"));
  const [stats, duration, audio, tags] = await Promise.all([
    track.computePacketStats(), input.computeDuration(), input.getPrimaryAudioTrack(), input.getMetadataTags(),
  ]);
  const problems = [];
  if (stats.packetCount !== out.painted) problems.push(tr("video.check.frames", { got: stats.packetCount, want: out.painted }));
  if (track.displayWidth !== v.track.displayWidth || track.displayHeight !== v.track.displayHeight) problems.push(tr("video.check.size"));
  if (Math.abs(duration - v.duration) > 1.5 / (v.fps || 30) + 0.05) problems.push(tr("video.check.duration", { got: duration.toFixed(2), want: v.duration.toFixed(2) }));
  const wantSound = Boolean(v.audio) && !$("no-sound").checked;
  if (wantSound !== Boolean(audio)) problems.push(tr(wantSound ? "video.check.no-sound" : "video.check.sound"));
  const left = describeTags(tags);
  if (left.length) problems.push(tr("video.check.tags", { tags: left.map(([k]) => k.toLowerCase()).join(", ") }));
  if (out.container === "mp4") {
    const found = await moovOf(async (at, n) => out.pieces.read(at, n), out.pieces.size);
    const times = found ? await painter.call("times", { moov: found.bytes.buffer }, { transfer: [found.bytes.buffer] }) : [1];
    if (times.some((t) => t !== 0)) problems.push(tr("video.check.date"));
  }
  if (problems.length) throw new Error(tr("video.check.failed", { problems: problems.join("; ") }));
  return { frames: stats.packetCount, duration, sound: Boolean(audio) };
}

// ---------------------------------------------------------------------------------------------
// Review: a scrubber over the covered result, the tracks, and covers drawn by hand

async function showFrame(v, i) {
  const t = v.found.timestamps[i];
  $("scrub-time").textContent = `${fmtTime(t)} (frame ${i + 1} of ${v.found.timestamps.length})`;
  const sink = (v.previewSink ??= new VideoSampleSink(v.track));
  const sample = await sink.getSample(t);
  if (!sample) return;
  const rgba = await pixels(sample, v.width, v.height);
  sample.close();
  const covered = new Uint8ClampedArray(await painter.call("paint", { rgba, index: i }, { transfer: [rgba] }));
  drawTurned($("preview"), covered, v.width, v.height, v.rotation);
}

/** Draw stored RGBA on `canvas` as displayed (turned by `rotation` clockwise). */
function drawTurned(canvas, rgba, width, height, rotation) {
  const stored = new OffscreenCanvas(width, height);
  stored.getContext("2d").putImageData(new ImageData(rgba, width, height), 0, 0);
  const sideways = rotation % 180 !== 0;
  canvas.width = sideways ? height : width;
  canvas.height = sideways ? width : height;
  const ctx = canvas.getContext("2d");
  ctx.save();
  ctx.translate(canvas.width / 2, canvas.height / 2);
  ctx.rotate((rotation * Math.PI) / 180);
  ctx.drawImage(stored, -width / 2, -height / 2);
  ctx.restore();
}

/** A point on the preview (displayed pixels) in the stored frame's pixels. */
function toStored(v, x, y) {
  const { width: w, height: h } = v;
  switch (v.rotation) {
    case 90: return [y, h - x];
    case 180: return [w - x, h - y];
    case 270: return [w - y, x];
    default: return [x, y];
  }
}

async function thumbnails(v, tracks) {
  const list = $("tracks");
  list.replaceChildren();
  const sink = (v.previewSink ??= new VideoSampleSink(v.track));
  for (const t of tracks.slice(0, MAX_THUMBNAILS)) {
    const li = document.createElement("li");
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = t.covered;
    box.onchange = async () => {
      await painter.call("setCovered", { index: t.index, covered: box.checked });
      changed(v);
    };
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 64;
    canvas.setAttribute("aria-hidden", "true");
    const sample = await sink.getSample(v.found.timestamps[t.at]);
    if (sample) {
      const [x, y, w, h] = t.box;
      const side = Math.max(w, h) * 1.4;
      const ctx = canvas.getContext("2d");
      ctx.translate(32, 32);
      ctx.rotate((v.rotation * Math.PI) / 180);
      // The face's crop, kept in this page's memory only.
      sample.draw(ctx, x + w / 2 - side / 2, y + h / 2 - side / 2, side, side, -32, -32, 64, 64);
      sample.close();
    }
    label.append(box, canvas, ` ${tr("video.face", { i: t.index + 1, from: fmtTime(v.found.timestamps[t.first]), to: fmtTime(v.found.timestamps[t.last]) })}`);
    li.append(label);
    list.append(li);
  }
  if (tracks.length > MAX_THUMBNAILS) {
    const li = document.createElement("li");
    li.textContent = tr("video.more", { n: tracks.length - MAX_THUMBNAILS });
    list.append(li);
  }
  if (!tracks.length) list.append(Object.assign(document.createElement("li"), { textContent: tr("video.none") }));
}

function changed(v) {
  v.stale = true;
  $("apply").hidden = false;
  $("save").disabled = true;
  showFrame(v, Number($("scrub").value)).catch(() => {});
}

function setUpDrawing(v) {
  const canvas = $("preview");
  let from = null;
  canvas.onpointerdown = (e) => {
    const r = canvas.getBoundingClientRect();
    from = [(e.clientX - r.left) * (canvas.width / r.width), (e.clientY - r.top) * (canvas.height / r.height)];
    canvas.setPointerCapture(e.pointerId);
  };
  canvas.onpointerup = async (e) => {
    if (!from) return;
    const r = canvas.getBoundingClientRect();
    const to = [(e.clientX - r.left) * (canvas.width / r.width), (e.clientY - r.top) * (canvas.height / r.height)];
    const [a, b] = [toStored(v, ...from), toStored(v, ...to)];
    from = null;
    const box = [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1])];
    if (box[2] < 4 || box[3] < 4) return;
    const first = Number($("scrub").value);
    const seconds = Math.max(0.1, Number($("draw-seconds").value) || 2);
    const t = v.found.timestamps[first] + seconds;
    let last = first;
    while (last + 1 < v.found.timestamps.length && v.found.timestamps[last + 1] <= t) last++;
    await painter.call("draw", { first, last, box });
    changed(v);
  };
  $("clear-drawn").onclick = async () => { await painter.call("clearDrawn"); changed(v); };
  let pendingShow = null;
  $("scrub").oninput = () => {
    clearTimeout(pendingShow);
    pendingShow = setTimeout(() => showFrame(v, Number($("scrub").value)).catch(() => {}), 60);
  };
}

// ---------------------------------------------------------------------------------------------
// The whole job

/** Why this browser cannot work on videos here, in one sentence, or null. */
function missingFeature() {
  if (typeof VideoDecoder === "undefined" || typeof VideoEncoder === "undefined") {
    return tr("video.error.webcodecs");
  }
  if (typeof OffscreenCanvas === "undefined") {
    return tr("video.error.offscreen-canvas");
  }
  return null;
}

async function run(file) {
  if (job) job.cancelled = true;
  await translated;
  say(null);
  const missing = missingFeature();
  if (missing) { say(missing); return; }
  $("review").hidden = true;
  $("save").disabled = true;
  $("apply").hidden = true;
  $("saved").textContent = "";
  const v = { cancelled: false };
  job = v;
  $("work").hidden = false;
  const started = performance.now();
  try {
    Object.assign(v, await open(file));
    v.found = await findFaces(v);
    v.tracks = await plan(v, v.found);
    $("scrub").max = String(v.found.timestamps.length - 1);
    $("scrub").value = "0";
    $("review").hidden = false;
    setUpDrawing(v);
    // The review fills in beside pass 2; a frame it cannot show costs the preview, not the video.
    thumbnails(v, v.tracks).catch(() => {});
    showFrame(v, 0).catch(() => {});
    await produce(v);
    const seconds = (performance.now() - started) / 1000;
    $("saved").textContent = strings.plural(v.checked.sound ? "video.ready.sound" : "video.ready.silent", v.tracks.length, { frames: v.checked.frames, duration: fmtTime(v.checked.duration), took: fmtTime(seconds) });
  } catch (e) {
    if (!(e instanceof Cancelled) && job === v) say(e?.message ?? String(e));
  } finally {
    if (job === v) $("work").hidden = true;
  }
}

/** Pass 2 and the read-back; enables saving. */
async function produce(v) {
  $("save").disabled = true;
  $("work").hidden = false;
  v.out = await encode(v, v.found);
  v.checked = await check(v, v.out);
  v.stale = false;
  $("apply").hidden = true;
  $("save").disabled = false;
  $("work").hidden = true;
}

$("apply").onclick = async () => {
  const v = job;
  if (!v?.found) return;
  say(null);
  try {
    await produce(v);
    $("saved").textContent = tr("video.applied");
  } catch (e) {
    if (!(e instanceof Cancelled)) say(e?.message ?? String(e));
  }
};

$("save").onclick = () => {
  const v = job;
  if (!v?.out || v.stale) return;
  const name = redactedName(v.file.name, v.out.container, "video");
  offer(v.out.blob, name);
  $("saved").textContent = tr("video.saved", { name });
};

$("cancel").onclick = () => {
  if (!job) return;
  job.cancelled = true;
  job.output?.cancel().catch(() => {});
  $("work").hidden = true;
  say(tr("video.cancelled"));
};

$("file").onchange = () => { const f = $("file").files[0]; if (f) run(f); };
const drop = $("drop");
drop.ondragover = (e) => { e.preventDefault(); drop.classList.add("over"); };
drop.ondragleave = () => drop.classList.remove("over");
drop.ondrop = (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  const f = [...(e.dataTransfer?.files ?? [])][0];
  if (f) run(f);
};

for (const w of workers) w.onfail = (e) => { if (job) { job.cancelled = true; say(tr("video.error.worker", { reason: e.message })); } };
registerOffline($("update"));
countRequests($("requests"), workers, translated);
