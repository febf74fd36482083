//! The WebAssembly boundary, and the only file that says `wasm_bindgen`. Only bytes and numbers cross
//! it: pixels in, flat `Float32Array`s of faces out. JavaScript owns the camera, the DOM and the canvas.
//!
//! Layout of a face in every returned array ([`FACE_LEN`] numbers):
//! `x, y, w, h, score, then (x, y) for right eye, left eye, nose tip, mouth, right ear, left ear`,
//! in pixels of the frame passed in.

use wasm_bindgen::prelude::*;

use crate::detect::photo::PhotoDetector;
use crate::detect::{self, DetectOptions, Detector, Face};
use crate::error::Error;
use crate::frame::{check_rgba, Frame};
use crate::geometry::Rect;
use crate::image_io;
use crate::live::{LivePipeline, HOLD_BACK_MS};
use crate::metadata;
use crate::redact::{self, RedactOptions};

/// Numbers per face in the arrays `detect` returns.
pub const FACE_LEN: usize = 5 + 2 * detect::blazeface::NUM_KEYPOINTS;
/// Numbers per box in the arrays `redact` takes: x, y, w, h.
pub const BOX_LEN: usize = 4;

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

/// A BlazeFace detector built from the bytes of an ONNX model file, and for photos, the photo
/// pipeline around it (with RetinaFace once `setPhotoModel` gives it).
#[wasm_bindgen]
pub struct FaceDetector {
    photo: PhotoDetector,
    options: DetectOptions,
}

#[wasm_bindgen]
impl FaceDetector {
    /// Load a model (the 128 short-range or the 256 full-range BlazeFace file).
    #[wasm_bindgen(constructor)]
    pub fn new(model: &[u8], threshold: f32, overlap: f32) -> Result<FaceDetector, JsError> {
        let options = DetectOptions { threshold, overlap }
            .validated()
            .map_err(js)?;
        let photo = PhotoDetector::around(Detector::new(model).map_err(js)?);
        Ok(FaceDetector { photo, options })
    }

    /// One run of the network on an RGBA frame with every step timed by `clock` (a function returning
    /// milliseconds, such as `performance.now`), summed per kind of step, as JSON:
    /// `[{"kind": "1×1 conv", "steps": n, "flops": f, "ms": t}, ...]`. For the bench.
    pub fn profile(
        &mut self,
        rgba: &[u8],
        width: u32,
        height: u32,
        clock: &js_sys::Function,
    ) -> Result<String, JsError> {
        let frame = Frame::new(rgba, width, height).map_err(js)?;
        let mut now = js_clock(clock);
        let steps = self.photo.detector().profile(frame, &mut now).map_err(js)?;
        Ok(profile_json(&steps))
    }

    /// Give the photo pipeline its second detector, RetinaFace (the bytes of its ONNX file), which
    /// finds the small faces of crowds and group thumbnails.
    #[wasm_bindgen(js_name = setPhotoModel)]
    pub fn set_photo_model(&mut self, model: &[u8]) -> Result<(), JsError> {
        self.photo.set_retinaface(model).map_err(js)
    }

    /// Side of the square picture the network receives.
    #[wasm_bindgen(getter, js_name = inputSize)]
    pub fn input_size(&self) -> usize {
        self.photo.detector_ref().input_size()
    }

    /// Change the score threshold and the overlap (IoU) above which boxes merge; both 0..1.
    #[wasm_bindgen(js_name = setOptions)]
    pub fn set_options(&mut self, threshold: f32, overlap: f32) -> Result<(), JsError> {
        self.options = DetectOptions { threshold, overlap }
            .validated()
            .map_err(js)?;
        Ok(())
    }

    /// Faces in an RGBA frame, best first, [`FACE_LEN`] numbers each.
    pub fn detect(&mut self, rgba: &[u8], width: u32, height: u32) -> Result<Vec<f32>, JsError> {
        let frame = Frame::new(rgba, width, height).map_err(js)?;
        let faces = self
            .photo
            .detector()
            .detect(frame, self.options)
            .map_err(js)?;
        Ok(flatten(&faces))
    }

    /// Faces in a photo, searched more thoroughly than a live frame (see `detect::photo`).
    #[wasm_bindgen(js_name = detectPhoto)]
    pub fn detect_photo(
        &mut self,
        rgba: &[u8],
        width: u32,
        height: u32,
    ) -> Result<Vec<f32>, JsError> {
        let frame = Frame::new(rgba, width, height).map_err(js)?;
        let faces = self.photo.detect(frame, self.options).map_err(js)?;
        Ok(flatten(&faces))
    }

    /// Every anchor's box scoring at least `minScore`, before the threshold and the merge, for the
    /// "show the workings" views. Same layout as `detect`.
    pub fn candidates(
        &mut self,
        rgba: &[u8],
        width: u32,
        height: u32,
        min_score: f32,
    ) -> Result<Vec<f32>, JsError> {
        let frame = Frame::new(rgba, width, height).map_err(js)?;
        let detector = self.photo.detector();
        let raw = detector.candidates(frame, min_score).map_err(js)?;
        let faces: Vec<Face> = raw.iter().map(|c| detector.to_face(c)).collect();
        Ok(flatten(&faces))
    }

    /// The picture the network received last, as `inputSize`² RGBA pixels.
    #[wasm_bindgen(js_name = lastInput)]
    pub fn last_input(&self) -> Vec<u8> {
        network_input(self.photo.detector_ref())
    }
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

/// Cover faces in an RGBA frame, in place. `boxes` holds x, y, w, h for each face, in pixels; each
/// box is grown by `maskScale` about its centre and clipped at the frame edge.
#[wasm_bindgen]
pub fn redact(
    rgba: &mut [u8],
    width: u32,
    height: u32,
    boxes: &[f32],
    style: Style,
    shape: Shape,
    mask_scale: f32,
) -> Result<(), JsError> {
    if !boxes.len().is_multiple_of(BOX_LEN) {
        return Err(js(Error::invalid(format!(
            "boxes must hold 4 numbers per face, not {}",
            boxes.len()
        ))));
    }
    let faces: Vec<Rect> = boxes
        .chunks_exact(BOX_LEN)
        .map(|b| Rect::new(b[0], b[1], b[2], b[3]))
        .collect();
    let options = RedactOptions {
        style: core_style(style)?,
        shape: core_shape(shape)?,
        mask_scale,
    };
    redact::cover_faces(rgba, width, height, &faces, options).map_err(js)
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

/// A decoded, upright image: RGBA pixels and their size.
#[wasm_bindgen]
pub struct DecodedImage {
    rgba: Vec<u8>,
    width: u32,
    height: u32,
}

#[wasm_bindgen]
impl DecodedImage {
    #[wasm_bindgen(getter)]
    pub fn width(&self) -> u32 {
        self.width
    }
    #[wasm_bindgen(getter)]
    pub fn height(&self) -> u32 {
        self.height
    }
    /// The pixels (a copy that JavaScript owns).
    #[wasm_bindgen(getter)]
    pub fn rgba(&self) -> Vec<u8> {
        self.rgba.clone()
    }
}

/// Decode the bytes of an image file (JPEG, PNG, WebP, GIF, BMP), turned upright.
#[wasm_bindgen(js_name = decodeImage)]
pub fn decode_image(bytes: &[u8]) -> Result<DecodedImage, JsError> {
    let d = image_io::decode(bytes).map_err(js)?;
    Ok(DecodedImage {
        rgba: d.rgba,
        width: d.width,
        height: d.height,
    })
}

/// Encode RGBA pixels as a file with no metadata: `format` is "jpg" or "png".
#[wasm_bindgen(js_name = encodeImage)]
pub fn encode_image(
    rgba: &[u8],
    width: u32,
    height: u32,
    format: &str,
) -> Result<Vec<u8>, JsError> {
    let format = image_io::OutputFormat::from_extension(format).map_err(js)?;
    image_io::encode(rgba, width, height, format).map_err(js)
}

/// A photo opened from the bytes of its file: upright pixels at full size, what the file carried
/// besides pixels, and the face search. Held only while it is worked on (a 12-megapixel photo is
/// 48 MB of pixels); JavaScript keeps the file's bytes and a reduced preview.
#[wasm_bindgen]
pub struct Photo {
    image: image_io::Decoded,
    blocks: Vec<String>,
}

#[wasm_bindgen]
impl Photo {
    /// Decode a JPEG, PNG, WebP, GIF or BMP file and turn it upright.
    #[wasm_bindgen(constructor)]
    pub fn open(bytes: &[u8]) -> Result<Photo, JsError> {
        let image = image_io::decode(bytes).map_err(js)?;
        Ok(Photo {
            image,
            blocks: metadata::blocks(bytes),
        })
    }

    #[wasm_bindgen(getter)]
    pub fn width(&self) -> u32 {
        self.image.width
    }

    #[wasm_bindgen(getter)]
    pub fn height(&self) -> u32 {
        self.image.height
    }

    /// What the original file carried: `{format, blocks, make, model, software, date, gps}`, where
    /// `gps` is `[latitude, longitude]` or null.
    pub fn metadata(&self) -> Result<JsValue, JsError> {
        let format = format!("{:?}", self.image.format).to_lowercase();
        let summary = self
            .image
            .exif
            .as_deref()
            .map(metadata::summarize_exif)
            .unwrap_or_default();
        describe_metadata(&format, &self.blocks, &summary)
    }

    /// A copy at most `maxSide` pixels on its long side, for showing on screen.
    pub fn preview(&self, max_side: u32) -> Result<DecodedImage, JsError> {
        let frame =
            Frame::new(&self.image.rgba, self.image.width, self.image.height).map_err(js)?;
        let (rgba, width, height) = detect::preview(frame, max_side).map_err(js)?;
        Ok(DecodedImage {
            rgba,
            width,
            height,
        })
    }

    /// Faces found by the photo pipeline with `detector`'s options, in full-size pixels; same layout
    /// as `FaceDetector.detect`.
    #[wasm_bindgen(js_name = findFaces)]
    pub fn find_faces(&self, detector: &mut FaceDetector) -> Result<Vec<f32>, JsError> {
        detector.detect_photo(&self.image.rgba, self.image.width, self.image.height)
    }

    /// Cover `boxes` (x, y, w, h each, full-size pixels) and encode as "jpg" or "png" with no
    /// metadata. Consumes the photo: its pixels are covered in place rather than copied.
    pub fn save(
        mut self,
        boxes: &[f32],
        style: Style,
        shape: Shape,
        mask_scale: f32,
        format: &str,
    ) -> Result<Vec<u8>, JsError> {
        let format = image_io::OutputFormat::from_extension(format).map_err(js)?;
        let (w, h) = (self.image.width, self.image.height);
        redact(&mut self.image.rgba, w, h, boxes, style, shape, mask_scale)?;
        image_io::encode(&self.image.rgba, w, h, format).map_err(js)
    }
}

/// What a file's bytes carry besides pixels, to check a saved file: same object as
/// `Photo.metadata`, read without decoding the pixels.
#[wasm_bindgen(js_name = metadataOf)]
pub fn metadata_of(bytes: &[u8]) -> Result<JsValue, JsError> {
    let format = image::guess_format(bytes)
        .map(|f| format!("{f:?}").to_lowercase())
        .unwrap_or_else(|_| "unknown".into());
    let exif = image_io::read_exif(bytes);
    let summary = exif
        .as_deref()
        .map(metadata::summarize_exif)
        .unwrap_or_default();
    describe_metadata(&format, &metadata::blocks(bytes), &summary)
}

fn describe_metadata(
    format: &str,
    blocks: &[String],
    s: &metadata::ExifSummary,
) -> Result<JsValue, JsError> {
    let o = js_sys::Object::new();
    let set = |k: &str, v: JsValue| {
        js_sys::Reflect::set(&o, &JsValue::from_str(k), &v)
            .map(|_| ())
            .map_err(|_| JsError::new("could not describe the metadata"))
    };
    let text = |v: &Option<String>| v.as_deref().map(JsValue::from_str).unwrap_or(JsValue::NULL);
    set("format", JsValue::from_str(format))?;
    set(
        "blocks",
        blocks
            .iter()
            .map(|b| JsValue::from_str(b))
            .collect::<js_sys::Array>()
            .into(),
    )?;
    set("make", text(&s.make))?;
    set("model", text(&s.model))?;
    set("software", text(&s.software))?;
    set("date", text(&s.date))?;
    let gps = match s.gps {
        Some((lat, lon)) => [JsValue::from_f64(lat), JsValue::from_f64(lon)]
            .iter()
            .collect::<js_sys::Array>()
            .into(),
        None => JsValue::NULL,
    };
    set("gps", gps)?;
    Ok(o.into())
}

/// Pass 1 of a video, in one worker: the faces of stored frames, searched upright.
#[wasm_bindgen]
pub struct VideoFinder {
    inner: crate::video::VideoDetector,
    threshold: f32,
}

#[wasm_bindgen]
impl VideoFinder {
    /// BlazeFace full-range and RetinaFace, from their ONNX files.
    #[wasm_bindgen(constructor)]
    pub fn new(full_range: &[u8], retinaface: &[u8]) -> Result<VideoFinder, JsError> {
        Ok(VideoFinder {
            inner: crate::video::VideoDetector::new(full_range, retinaface).map_err(js)?,
            threshold: crate::video::detect::VIDEO_THRESHOLD,
        })
    }

    /// Boxes (x, y, w, h each, in the stored frame's pixels) of the faces in frame number `index`,
    /// stored as `rgba` (`width`×`height`) and shown turned `rotation` degrees clockwise.
    pub fn faces(
        &mut self,
        rgba: &[u8],
        width: u32,
        height: u32,
        rotation: i32,
        index: u32,
    ) -> Result<Vec<f32>, JsError> {
        check_rgba(rgba.len(), width, height).map_err(js)?;
        let rotation = crate::video::Rotation::clockwise(rotation).map_err(js)?;
        let options = DetectOptions {
            threshold: self.threshold,
            ..DetectOptions::default()
        };
        let found = self
            .inner
            .faces_in_stored(rgba, (width, height), rotation, index, options)
            .map_err(js)?;
        Ok(found.iter().flat_map(|r| [r.x, r.y, r.w, r.h]).collect())
    }
}

/// Frames a video may have: limits the plan's memory (over nine hours at 30 fps).
const MAX_VIDEO_FRAMES: u32 = 1_000_000;

/// The plan of a whole video: the boxes of pass 1 in, tracks and covers out, and pass 2's painting.
#[wasm_bindgen]
pub struct VideoPlan {
    width: u32,
    height: u32,
    fps: f64,
    sightings: Vec<Vec<Rect>>,
    plan: Option<crate::video::CoverPlan>,
}

#[wasm_bindgen]
impl VideoPlan {
    /// A plan for `frames` stored frames of `width`×`height` at `fps`.
    #[wasm_bindgen(constructor)]
    pub fn new(width: u32, height: u32, fps: f64, frames: u32) -> Result<VideoPlan, JsError> {
        check_rgba(width as usize * height as usize * 4, width, height).map_err(js)?;
        if frames == 0 || frames > MAX_VIDEO_FRAMES {
            return Err(js(Error::invalid(format!(
                "a video must have between 1 and {MAX_VIDEO_FRAMES} frames"
            ))));
        }
        Ok(VideoPlan {
            width,
            height,
            fps,
            sightings: vec![Vec::new(); frames as usize],
            plan: None,
        })
    }

    /// The boxes (x, y, w, h each) found in frame `index`.
    #[wasm_bindgen(js_name = setFaces)]
    pub fn set_faces(&mut self, index: u32, boxes: &[f32]) -> Result<(), JsError> {
        let Some(slot) = self.sightings.get_mut(index as usize) else {
            return Err(js(Error::invalid(
                "the frame number is past the video's end",
            )));
        };
        if !boxes.len().is_multiple_of(BOX_LEN) {
            return Err(js(Error::invalid("boxes must hold 4 numbers each")));
        }
        *slot = boxes
            .chunks_exact(BOX_LEN)
            .map(|b| Rect::new(b[0], b[1], b[2], b[3]))
            .filter(|r| r.is_finite())
            .collect();
        self.plan = None;
        Ok(())
    }

    /// Link the boxes into tracks (after every `setFaces`); returns how many tracks there are.
    pub fn link(&mut self) -> u32 {
        let plan = crate::video::CoverPlan::new(self.width, self.height, self.fps, &self.sightings);
        let n = plan.tracks().len() as u32;
        self.plan = Some(plan);
        n
    }

    fn linked(&mut self) -> Result<&mut crate::video::CoverPlan, JsError> {
        self.plan.as_mut().ok_or_else(|| {
            js(Error::invalid(
                "call link() before asking for tracks or covers",
            ))
        })
    }

    /// Track `index`: first frame, last frame, the frame it is largest in, and its box there
    /// (x, y, w, h), then 1 if it is covered, else 0.
    pub fn track(&mut self, index: u32) -> Result<Vec<f32>, JsError> {
        let plan = self.linked()?;
        let covered = plan.is_covered(index as usize);
        let Some(t) = plan.tracks().get(index as usize) else {
            return Err(js(Error::invalid("there is no such track")));
        };
        let (at, r) = t.best().unwrap_or((t.first(), Rect::default()));
        Ok(vec![
            t.first() as f32,
            t.last() as f32,
            at as f32,
            r.x,
            r.y,
            r.w,
            r.h,
            covered as u8 as f32,
        ])
    }

    /// Cover track `index` (true) or leave it uncovered on purpose (false).
    #[wasm_bindgen(js_name = setCovered)]
    pub fn set_covered(&mut self, index: u32, covered: bool) -> Result<(), JsError> {
        self.linked()?.set_covered(index as usize, covered);
        Ok(())
    }

    /// Cover the box (x, y, w, h, stored pixels) in frames `first` to `last` whatever was found.
    pub fn draw(
        &mut self,
        first: u32,
        last: u32,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    ) -> Result<(), JsError> {
        self.linked()?.draw(first, last, Rect::new(x, y, w, h));
        Ok(())
    }

    /// Remove every box drawn by hand.
    #[wasm_bindgen(js_name = clearDrawn)]
    pub fn clear_drawn(&mut self) -> Result<(), JsError> {
        self.linked()?.clear_drawn();
        Ok(())
    }

    /// Pass 2: cover frame `index` (stored RGBA) in place; returns the regions covered (x, y, w, h).
    pub fn paint(&mut self, rgba: &mut [u8], index: u32) -> Result<Vec<f32>, JsError> {
        let (w, h) = (self.width, self.height);
        check_rgba(rgba.len(), w, h).map_err(js)?;
        let plan = self.linked()?;
        if index >= plan.frames() {
            // A frame the plan does not know is covered whole: fail closed.
            rgba.fill(0);
            return Ok(vec![0.0, 0.0, w as f32, h as f32]);
        }
        // Solid ellipses at the video's mask scale (the page offers no other style).
        let covered =
            crate::video::paint(rgba, w, h, plan, index, RedactOptions::default()).map_err(js)?;
        Ok(covered.iter().flat_map(|r| [r.x, r.y, r.w, r.h]).collect())
    }
}

/// Set every creation and modification time in an MP4's `moov` box (its body) to 0, in place; returns
/// how many there were.
#[wasm_bindgen(js_name = mp4ClearTimes)]
pub fn mp4_clear_times(moov: &mut [u8]) -> u32 {
    crate::video::mp4::clear_times(moov) as u32
}

/// Every creation and modification time in an MP4's `moov` box (its body), in seconds since 1904.
#[wasm_bindgen(js_name = mp4Times)]
pub fn mp4_times(moov: &[u8]) -> Vec<f64> {
    crate::video::mp4::times(moov)
        .into_iter()
        .map(|t| t as f64)
        .collect()
}

/// dlib's face recognition network in our engine (`faceprint`): for the watchlist page only.
#[wasm_bindgen]
pub struct Faceprints {
    inner: crate::faceprint::Faceprinter,
}

#[wasm_bindgen]
impl Faceprints {
    #[wasm_bindgen(constructor)]
    pub fn new(model: &[u8]) -> Result<Faceprints, JsError> {
        Ok(Faceprints {
            inner: crate::faceprint::Faceprinter::new(model).map_err(js)?,
        })
    }

    /// The faceprint of each face in `faces` (the layout `process` returns) found in this RGBA
    /// frame: 128 numbers per face, in order; a face whose keypoints do not span a face, or that
    /// scores under `faceprint::MIN_SCORE`, gets 128 NaNs.
    pub fn of(
        &mut self,
        rgba: &[u8],
        width: u32,
        height: u32,
        faces: &[f32],
    ) -> Result<Vec<f32>, JsError> {
        let frame = Frame::new(rgba, width, height).map_err(js)?;
        if !faces.len().is_multiple_of(FACE_LEN) || faces.len() / FACE_LEN > MAX_FACEPRINTS {
            return Err(js(Error::invalid(format!(
                "faces come as {FACE_LEN} numbers each, at most {MAX_FACEPRINTS} at a time"
            ))));
        }
        let len = crate::faceprint::LEN;
        let mut out = Vec::with_capacity(faces.len() / FACE_LEN * len);
        for f in faces.chunks_exact(FACE_LEN) {
            let face = unflatten(f);
            let print = if face.score >= crate::faceprint::MIN_SCORE {
                self.inner.of_face(frame, &face).map_err(js)?
            } else {
                None
            };
            match print {
                Some(p) => out.extend_from_slice(&p),
                None => out.extend(std::iter::repeat_n(f32::NAN, len)),
            }
        }
        Ok(out)
    }
}

/// Faces faceprinted in one call, at most (each takes a few tens of milliseconds).
const MAX_FACEPRINTS: usize = 16;

/// A face from `FACE_LEN` numbers (see `flatten`).
fn unflatten(f: &[f32]) -> Face {
    let mut landmarks =
        [crate::geometry::Point { x: 0.0, y: 0.0 }; detect::blazeface::NUM_KEYPOINTS];
    for (i, p) in landmarks.iter_mut().enumerate() {
        *p = crate::geometry::Point {
            x: f[5 + 2 * i],
            y: f[6 + 2 * i],
        };
    }
    Face {
        rect: Rect {
            x: f[0],
            y: f[1],
            w: f[2],
            h: f[3],
        },
        score: f[4],
        landmarks,
    }
}
