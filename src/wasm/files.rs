//! The exports of the photo, video and watchlist pages (their workers load the full build): image
//! files decoded and encoded, what they carry besides pixels, the photo and video pipelines, and the
//! faceprint network. The live page's build (`--no-default-features`, see build.sh) leaves this file
//! out, and with it the image codecs, so the page most visitors open first downloads and compiles
//! about half the code.

use wasm_bindgen::prelude::*;

use super::{core_shape, core_style, flatten, js, js_clock, network_input, profile_json};
use super::{Shape, Style, FACE_LEN};
use crate::detect::photo::PhotoDetector;
use crate::detect::{self, DetectOptions, Detector, Face};
use crate::error::Error;
use crate::frame::{check_rgba, Frame};
use crate::geometry::Rect;
use crate::image_io;
use crate::metadata;
use crate::redact::{self, RedactOptions};

/// Numbers per box in the arrays `redact` takes: x, y, w, h.
pub const BOX_LEN: usize = 4;

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
