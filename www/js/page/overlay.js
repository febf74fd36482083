// Drawing what the detector found over the shown frame: boxes, confidence, the 6 keypoints, and the
// raw candidates. Pure drawing: no state, no wasm.
import { FACE_LEN } from "../shared/protocol.js";
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

/** The "how detection works" steps, drawn over the frame. `step`: 1 anchors, 2 raw candidates with
 *  their scores, 3 the threshold's cut, 4 the merged faces. Returns the caption for the step. */
export function drawStep(ctx, step, strings, { anchors, anchorCount, candidates, faces, threshold, overlap }, scale = 1) {
  ctx.save();
  const kept = candidates.filter((c) => c.score >= threshold);
  let caption = "";
  if (step === 1) {
    ctx.fillStyle = "#00e5ff";
    const r = Math.max(1.5, 2 * scale);
    for (let i = 0; i + 1 < anchors.length; i += 2) {
      ctx.beginPath();
      ctx.arc(anchors[i], anchors[i + 1], r, 0, Math.PI * 2);
      ctx.fill();
    }
    caption = strings.t("steps.caption.1", { places: anchors.length / 2, anchors: anchorCount });
  } else if (step === 2) {
    ctx.lineWidth = Math.max(1, scale);
    ctx.font = `${Math.round(11 * scale)}px system-ui, sans-serif`;
    for (const c of candidates) {
      ctx.strokeStyle = `rgba(255, 214, 0, ${0.25 + 0.75 * c.score})`;
      ctx.strokeRect(c.x, c.y, c.w, c.h);
    }
    for (const c of [...candidates].sort((a, b) => b.score - a.score).slice(0, 12)) {
      ctx.fillStyle = "#ffd600";
      ctx.fillText(`${Math.round(c.score * 100)}%`, c.x + 2, c.y + c.h - 3);
    }
    caption = strings.t("steps.caption.2", { candidates: candidates.length, least: strings.percent(0.05) });
  } else if (step === 3) {
    ctx.lineWidth = Math.max(1, scale);
    ctx.setLineDash([4 * scale, 4 * scale]);
    ctx.strokeStyle = "rgba(255, 82, 82, 0.55)";
    for (const c of candidates) if (c.score < threshold) ctx.strokeRect(c.x, c.y, c.w, c.h);
    ctx.setLineDash([]);
    ctx.lineWidth = Math.max(2, 2 * scale);
    ctx.strokeStyle = "#00e676";
    for (const c of kept) ctx.strokeRect(c.x, c.y, c.w, c.h);
    caption = strings.t("steps.caption.3", { threshold: strings.percent(threshold), kept: kept.length, candidates: candidates.length });
  } else if (step === 4) {
    ctx.lineWidth = 1;
    ctx.strokeStyle = "rgba(0, 230, 118, 0.35)";
    for (const c of kept) ctx.strokeRect(c.x, c.y, c.w, c.h);
    ctx.restore();
    drawFaces(ctx, faces, scale);
    return strings.plural("steps.caption.4", faces.length, { overlap: strings.number(overlap, { minimumFractionDigits: 2 }), kept: kept.length });
  }
  ctx.restore();
  return caption;
}
