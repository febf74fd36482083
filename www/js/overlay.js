// Drawing what the detector found over the shown frame: boxes, confidence, the 6 keypoints, and the
// raw candidates. Pure drawing: no state, no wasm.
export const FACE_LEN = 17;
const KEYPOINT_COLOURS = ["#ff1744", "#2979ff", "#ffea00", "#00e5ff", "#ff9100", "#d500f9"];

/** Faces from a flat Float32Array: x, y, w, h, score, then 6 (x, y) keypoints each. */
export function unpackFaces(flat) {
  const faces = [];
  for (let i = 0; i + FACE_LEN <= flat.length; i += FACE_LEN) {
    const keypoints = [];
    for (let k = 0; k < 6; k++) keypoints.push([flat[i + 5 + 2 * k], flat[i + 6 + 2 * k]]);
    faces.push({ x: flat[i], y: flat[i + 1], w: flat[i + 2], h: flat[i + 3], score: flat[i + 4], keypoints });
  }
  return faces;
}

export function unpackBoxes(flat) {
  const boxes = [];
  for (let i = 0; i + 4 <= flat.length; i += 4) boxes.push({ x: flat[i], y: flat[i + 1], w: flat[i + 2], h: flat[i + 3] });
  return boxes;
}

export function drawCandidates(ctx, candidates) {
  ctx.save();
  ctx.lineWidth = 1;
  for (const c of candidates) {
    ctx.strokeStyle = `rgba(255, 214, 0, ${0.2 + 0.6 * c.score})`;
    ctx.strokeRect(c.x, c.y, c.w, c.h);
  }
  ctx.restore();
}

export function drawFaces(ctx, faces, scale = 1) {
  ctx.save();
  const line = Math.max(2, 3 * scale);
  ctx.lineWidth = line;
  ctx.font = `600 ${Math.round(16 * scale)}px system-ui, sans-serif`;
  ctx.textBaseline = "bottom";
  for (const f of faces) {
    ctx.strokeStyle = "#00e676";
    ctx.strokeRect(f.x, f.y, f.w, f.h);
    const label = `face ${Math.round(f.score * 100)}%`;
    const width = ctx.measureText(label).width + 8;
    const top = Math.max(f.y, 20 * scale);
    ctx.fillStyle = "#00e676";
    ctx.fillRect(f.x - line / 2, top - 20 * scale, width, 20 * scale);
    ctx.fillStyle = "#000";
    ctx.fillText(label, f.x + 4, top - 2);
    f.keypoints.forEach(([x, y], k) => {
      ctx.fillStyle = KEYPOINT_COLOURS[k];
      ctx.beginPath();
      ctx.arc(x, y, Math.max(3, 4 * scale), 0, Math.PI * 2);
      ctx.fill();
    });
  }
  ctx.restore();
}
