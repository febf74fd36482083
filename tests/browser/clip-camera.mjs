// A camera that plays a test clip, for the engines whose own fake camera cannot: Firefox's is a
// synthetic pattern and WebKit's mock a colour bar, where Chromium plays a .y4m file. The clip's frames
// are written as JPEGs (by Debian's ffmpeg, which the video tests need anyway), served beside the
// site, and painted at the clip's rate on a canvas whose stream `getUserMedia` returns; the page
// then reads it as it reads any camera. Each frame keeps its barcode, so the leak probe
// (leak-probe.mjs) knows every frame as it does in Chromium.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Write the frames of `clip` (a .y4m) as JPEGs 0000.jpg, 0001.jpg, ... in a new temporary folder;
 *  returns the folder and the number of frames. */
export function clipFrames(clip) {
  const dir = mkdtempSync(join(tmpdir(), "unseen-clip-"));
  execFileSync("ffmpeg", ["-v", "error", "-i", clip, "-q:v", "2", "-start_number", "0", join(dir, "%04d.jpg")]);
  return { dir, frames: readdirSync(dir).filter((f) => f.endsWith(".jpg")).length };
}

/** Runs in the page, before the camera is started: `getUserMedia` returns the stream of a canvas
 *  that shows frame floor(t × fps) of the clip at time t (looping), its frames fetched from `base`
 *  (0000.jpg ...). `window.__clipCamera.loops` counts the passes begun. */
export function clipCamera({ base, frames, fps, width, height }) {
  const canvas = document.createElement("canvas");
  Object.assign(canvas, { width, height });
  canvas.style.cssText = "position:fixed;left:-10000px;top:0";
  document.body.append(canvas);
  const ctx = canvas.getContext("2d");
  const state = { loops: 0 };
  window.__clipCamera = state;
  const name = (i) => `${base}${String(i).padStart(4, "0")}.jpg`;
  let loading = null;
  const load = () => (loading ??= Promise.all(Array.from({ length: frames }, (_, i) => fetch(name(i)).then((r) => r.blob()))));
  let playing = false;

  async function play(blobs) {
    const t0 = performance.now();
    let shown = -1;
    for (;;) {
      const n = Math.floor((performance.now() - t0) * fps / 1000);
      const index = n % frames;
      if (index !== shown) {
        const bitmap = await createImageBitmap(blobs[index]);
        ctx.drawImage(bitmap, 0, 0);
        bitmap.close();
        if (index < shown || shown < 0) state.loops++;
        shown = index;
      }
      await new Promise((r) => setTimeout(r, 4));
    }
  }

  navigator.mediaDevices.getUserMedia = async () => {
    const blobs = await load();
    if (!playing) { playing = true; play(blobs); }
    return canvas.captureStream(fps);
  };
}
