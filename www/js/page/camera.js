// The camera: open it after a click, switch front/back, stop it, and turn every failure into a sentence
// a person can act on.
export class CameraError extends Error {
  constructor(kind, message) { super(message); this.kind = kind; }
}

/** What went wrong, as a key of the site's strings (www/i18n): camera.<kind>. */
const KINDS = ["unsupported", "denied", "none", "busy", "ended", "failed"];

/** The sentence for a camera failure of `kind`, in the language of `strings` (js/i18n.js). */
export function cameraMessage(strings, kind) {
  return strings.t(`camera.${KINDS.includes(kind) ? kind : "failed"}`);
}

export async function openCamera(facingMode = "user") {
  if (!navigator.mediaDevices?.getUserMedia) throw new CameraError("unsupported", "no getUserMedia");
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode, width: { ideal: 640 }, height: { ideal: 480 } },
    });
  } catch (e) {
    const kind = {
      NotAllowedError: "denied", SecurityError: "denied",
      NotFoundError: "none", OverconstrainedError: "none",
      NotReadableError: "busy", AbortError: "busy",
    }[e?.name] ?? "failed";
    throw new CameraError(kind, e?.message ?? kind);
  }
}

export function stopCamera(stream) {
  for (const track of stream?.getTracks() ?? []) track.stop();
}
