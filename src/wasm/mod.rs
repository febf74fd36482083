//! The WebAssembly boundary, and with `files.rs` the only code that says `wasm_bindgen`. Only bytes
//! and numbers cross it: pixels in, flat `Float32Array`s of faces out. JavaScript owns the camera,
//! the DOM and the canvas. This file is the live page's build (`--no-default-features`); the
//! `files` feature adds `files.rs` for the other pages.
//!
//! Layout of a face in every returned array ([`FACE_LEN`] numbers):
//! `x, y, w, h, score, then (x, y) for right eye, left eye, nose tip, mouth, right ear, left ear`,
//! in pixels of the frame passed in.

use wasm_bindgen::prelude::*;

use crate::detect::{self, DetectOptions, Detector, Face};
use crate::error::Error;
use crate::live::{LivePipeline, HOLD_BACK_MS};
use crate::redact::{self, RedactOptions};

/// The photo, video and watchlist pages' exports; the live page's build goes without them.
#[cfg(feature = "files")]
mod files;

/// Numbers per face in the arrays `detect` returns.
pub const FACE_LEN: usize = 5 + 2 * detect::blazeface::NUM_KEYPOINTS;

fn js(e: Error) -> JsError {
    JsError::new(&e.to_string())
}

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// The machine's own peak for 4-wide float multiply-add in this module: `iterations` rounds of twelve
/// independent register-only updates. Returns the floating-point operations done (time the call to
/// get the rate); the checksum keeps the loop from being optimised away.
#[wasm_bindgen(js_name = simdPeakWork)]
pub fn simd_peak_work(iterations: u32) -> f64 {
    let (flops, checksum) = crate::engine::simd_peak_work(iterations);
    flops + 0.0 * checksum as f64
}

/// The engine alone, for the bench: any model our engine runs, planned for one input size, run on
/// channels-last floats, beside another runtime on the same file.
#[wasm_bindgen]
pub struct Engine {
    net: crate::engine::Network,
}

#[wasm_bindgen]
impl Engine {
    /// Plan `model` for an input of `height`×`width` where the file leaves the size open.
    #[wasm_bindgen(constructor)]
    pub fn new(model: &[u8], height: usize, width: usize) -> Result<Engine, JsError> {
        let net = crate::engine::Network::load(model, Some((height, width))).map_err(js)?;
        Ok(Engine { net })
    }

    /// Run on `height*width*channels` floats, channels-last.
    pub fn run(&mut self, input: &[f32]) -> Result<(), JsError> {
        self.net.run(input).map_err(js)
    }

    /// [`Engine::run`] with every step timed by `clock`, as `FaceDetector.profile` reports it.
    pub fn profile(&mut self, input: &[f32], clock: &js_sys::Function) -> Result<String, JsError> {
        let mut now = js_clock(clock);
        let steps = self.net.run_profiled(input, &mut now).map_err(js)?;
        Ok(profile_json(&steps))
    }
}

/// A JavaScript clock (such as `performance.now`) as a Rust one, in milliseconds; NaN if it fails.
fn js_clock(clock: &js_sys::Function) -> impl FnMut() -> f64 + '_ {
    || {
        clock
            .call0(&JsValue::NULL)
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(f64::NAN)
    }
}

fn profile_json(steps: &[crate::engine::StepProfile]) -> String {
    let rows: Vec<String> = steps
        .iter()
        .map(|p| {
            format!(
                "{{\"kind\":\"{}\",\"steps\":{},\"flops\":{},\"ms\":{}}}",
                p.kind, p.steps, p.flops, p.ms
            )
        })
        .collect();
    format!("[{}]", rows.join(","))
}

/// Numbers per face in arrays returned by `FaceDetector.detect` and `candidates`.
#[wasm_bindgen(js_name = faceLength)]
pub fn face_length() -> usize {
    FACE_LEN
}

/// The settings a live view starts from: `threshold`, `overlap` and `maskScale`. The pages hold the
/// same numbers in `www/js/shared/protocol.js` (they need them before a worker has loaded the wasm), and a
/// browser test checks that the two agree.
#[wasm_bindgen(js_name = liveDefaults)]
pub fn live_defaults() -> Result<JsValue, JsError> {
    numbers(&[
        ("threshold", detect::DEFAULT_THRESHOLD),
        ("overlap", detect::DEFAULT_OVERLAP),
        ("maskScale", redact::DEFAULT_MASK_SCALE),
    ])
}

/// The settings the photo page starts from: `threshold` and `maskScale` (see [`live_defaults`]).
#[wasm_bindgen(js_name = photoDefaults)]
pub fn photo_defaults() -> Result<JsValue, JsError> {
    numbers(&[
        ("threshold", crate::detect::photo::PHOTO_THRESHOLD),
        ("maskScale", redact::DEFAULT_MASK_SCALE),
    ])
}

/// An object of named numbers, each an `f32` given as the decimal it was written as (0.6, not
/// 0.60000002).
fn numbers(pairs: &[(&str, f32)]) -> Result<JsValue, JsError> {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let decimal = (f64::from(*v) * 1e6).round() / 1e6;
        js_sys::Reflect::set(&o, &JsValue::from_str(k), &JsValue::from_f64(decimal))
            .map_err(|_| JsError::new("could not list the defaults"))?;
    }
    Ok(o.into())
}

/// The picture `detector`'s network received last, as RGBA bytes.
fn network_input(detector: &Detector) -> Vec<u8> {
    detector
        .last_input()
        .chunks_exact(3)
        .flat_map(|p| {
            let byte = |v: f32| ((v + 1.0) * 127.5).round().clamp(0.0, 255.0) as u8;
            [byte(p[0]), byte(p[1]), byte(p[2]), 255]
        })
        .collect()
}

fn flatten(faces: &[Face]) -> Vec<f32> {
    let mut out = Vec::with_capacity(faces.len() * FACE_LEN);
    for f in faces {
        out.extend_from_slice(&[f.rect.x, f.rect.y, f.rect.w, f.rect.h, f.score]);
        for p in f.landmarks {
            out.extend_from_slice(&[p.x, p.y]);
        }
    }
    out
}

/// The live camera pipeline in one call per frame (see `live`): detect, track, and in protect mode
/// cover, in place.
#[wasm_bindgen]
pub struct LiveSession {
    inner: LivePipeline,
}

#[wasm_bindgen]
impl LiveSession {
    #[wasm_bindgen(constructor)]
    pub fn new(model: &[u8], threshold: f32, overlap: f32) -> Result<LiveSession, JsError> {
        let options = DetectOptions { threshold, overlap };
        let inner = LivePipeline::new(Detector::new(model).map_err(js)?, options).map_err(js)?;
        Ok(LiveSession { inner })
    }

    #[wasm_bindgen(getter, js_name = inputSize)]
    pub fn input_size(&self) -> usize {
        self.inner.detector.input_size()
    }

    /// The last frame's raw candidates (score at least 0.05), before threshold and merge; same layout
    /// as `process`.
    #[wasm_bindgen(js_name = lastCandidates)]
    pub fn last_candidates(&self) -> Vec<f32> {
        flatten(&self.inner.detector.last_candidates())
    }

    /// The anchor grid of the last frame: x, y of each distinct anchor centre in the frame's pixels.
    #[wasm_bindgen(js_name = anchorCentres)]
    pub fn anchor_centres(&self) -> Vec<f32> {
        self.inner
            .detector
            .anchor_grid()
            .0
            .iter()
            .flat_map(|p| [p.x, p.y])
            .collect()
    }

    /// How many anchors the network scores (several per centre).
    #[wasm_bindgen(getter, js_name = anchorCount)]
    pub fn anchor_count(&self) -> usize {
        self.inner.detector.anchor_grid().1
    }

    /// See `FaceDetector.lastInput`.
    #[wasm_bindgen(js_name = lastInput)]
    pub fn last_input(&self) -> Vec<u8> {
        network_input(&self.inner.detector)
    }

    #[wasm_bindgen(js_name = setOptions)]
    pub fn set_options(&mut self, threshold: f32, overlap: f32) -> Result<(), JsError> {
        self.inner.options = DetectOptions { threshold, overlap }
            .validated()
            .map_err(js)?;
        Ok(())
    }

    /// How faces are covered in protect mode.
    #[wasm_bindgen(js_name = setCover)]
    pub fn set_cover(
        &mut self,
        style: Style,
        shape: Shape,
        mask_scale: f32,
    ) -> Result<(), JsError> {
        self.inner.cover = cover_options(style, shape, mask_scale)?;
        Ok(())
    }

    /// Forget tracked faces (new camera or stream).
    pub fn reset(&mut self) {
        self.inner.reset();
    }

    /// Give protect mode its second detector, RetinaFace (the photo page's model), which finds faces
    /// cut by the frame's edge. See `unseen::detect::second_look`.
    #[wasm_bindgen(js_name = setSecondLook)]
    pub fn set_second_look(&mut self, retinaface: &[u8]) -> Result<(), JsError> {
        self.inner.set_second_look(retinaface).map_err(js)
    }

    /// Whether protect mode has its second detector.
    #[wasm_bindgen(getter, js_name = hasSecondLook)]
    pub fn has_second_look(&self) -> bool {
        self.inner.has_second_look()
    }

    /// One camera frame taken at `nowMs`: returns the faces found ([`FACE_LEN`] numbers each). When
    /// `protect` is set, `rgba` afterwards holds a frame safe to show: the frame taken `holdBack`
    /// frames ago (0 to 8) with its faces covered, and the faces returned are that frame's; until
    /// then, this frame covered whole. See `unseen::live::LivePipeline::process`.
    pub fn process(
        &mut self,
        rgba: &mut [u8],
        width: u32,
        height: u32,
        now_ms: f64,
        protect: bool,
        hold_back: u32,
    ) -> Result<Vec<f32>, JsError> {
        let faces = self
            .inner
            .process(rgba, width, height, now_ms, protect, hold_back as usize)
            .map_err(js)?;
        Ok(flatten(&faces))
    }

    /// The faces found in the frame last passed to `process` (in protect mode, the faces of the newest
    /// frame, not of the held-back frame returned); same layout as `process`.
    #[wasm_bindgen(js_name = newestFaces)]
    pub fn newest_faces(&self) -> Vec<f32> {
        flatten(self.inner.newest_faces())
    }

    /// How many frames to hold back for the frame taken at `nowMs`: [`holdBackMs`] at the rate
    /// frames are being processed (4 to 8). Call once per camera frame, before `process`.
    #[wasm_bindgen(js_name = holdBackFor)]
    pub fn hold_back_for(&mut self, now_ms: f64) -> u32 {
        self.inner.hold_back_for(now_ms) as u32
    }

    /// Whether the last frame came back covered whole, as no frame held back was ready yet.
    #[wasm_bindgen(getter)]
    pub fn waiting(&self) -> bool {
        self.inner.waiting()
    }

    /// The regions covered in the last frame (x, y, w, h each, in pixels, clipped to the frame).
    pub fn covered(&self) -> Vec<f32> {
        self.inner
            .covered()
            .iter()
            .flat_map(|s| {
                [
                    s.x0 as f32,
                    s.y0 as f32,
                    s.width() as f32,
                    s.height() as f32,
                ]
            })
            .collect()
    }
}

/// How long a camera view runs late in protect mode, in milliseconds, so that a face entering from
/// the frame's edge is covered from its first frame.
#[wasm_bindgen(js_name = holdBackMs)]
pub fn hold_back_ms() -> f64 {
    HOLD_BACK_MS
}

/// How faces are covered.
#[wasm_bindgen]
#[derive(Clone, Copy)]
pub enum Style {
    Solid = "solid",
    Pixelate = "pixelate",
    Blur = "blur",
}

/// The outline of a cover.
#[wasm_bindgen]
#[derive(Clone, Copy)]
pub enum Shape {
    Box = "box",
    Ellipse = "ellipse",
}

/// A cover's style, shape and size from JavaScript, checked.
fn cover_options(style: Style, shape: Shape, mask_scale: f32) -> Result<RedactOptions, JsError> {
    RedactOptions {
        style: core_style(style)?,
        shape: core_shape(shape)?,
        mask_scale,
    }
    .validated()
    .map_err(js)
}

fn core_style(style: Style) -> Result<redact::Style, JsError> {
    match style {
        Style::Solid => Ok(redact::Style::Solid),
        Style::Pixelate => Ok(redact::Style::Pixelate),
        Style::Blur => Ok(redact::Style::Blur),
        Style::__Invalid => Err(js(Error::invalid(
            "the style must be solid, pixelate or blur",
        ))),
    }
}

fn core_shape(shape: Shape) -> Result<redact::Shape, JsError> {
    match shape {
        Shape::Box => Ok(redact::Shape::Box),
        Shape::Ellipse => Ok(redact::Shape::Ellipse),
        Shape::__Invalid => Err(js(Error::invalid("the shape must be box or ellipse"))),
    }
}
