// The camera: open it after a click, switch front/back, stop it, and turn every failure into a sentence
// a person can act on.
export class CameraError extends Error {
  constructor(kind, message) { super(message); this.kind = kind; }
}

const MESSAGES = {
  unsupported: "This browser cannot use a camera here (it needs a secure https page and camera support).",
  denied: "Camera permission was refused. Allow the camera in your browser's site settings and try again — or use a photo instead.",
  none: "No camera was found on this device.",
  busy: "The camera is busy: another app or tab may be using it. Close it and try again.",
  ended: "The camera stopped: it was unplugged, switched off or taken by another app.",
  failed: "The camera could not be started.",
};

export function cameraMessage(kind) {
  return MESSAGES[kind] ?? MESSAGES.failed;
}

export async function openCamera(facingMode = "user") {
  if (!navigator.mediaDevices?.getUserMedia) throw new CameraError("unsupported", MESSAGES.unsupported);
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
    throw new CameraError(kind, MESSAGES[kind]);
  }
}

export function stopCamera(stream) {
  for (const track of stream?.getTracks() ?? []) track.stop();
}
