//! What the fuzz targets check, kept apart from libFuzzer so that `tests/fuzz_corpus.rs` runs the same
//! checks over the committed seed corpus with stable Rust. Each function takes arbitrary bytes and
//! must return: any failure is a panic, which libFuzzer (or the test) reports with the input.
#![allow(dead_code)]

use std::sync::{Mutex, MutexGuard, OnceLock};

use unseen::detect::{self, photo};
use unseen::image_io::{self, OutputFormat};
use unseen::live::{LivePipeline, MAX_HOLD_BACK};
use unseen::{metadata, models, redact, DetectOptions, Detector, Frame, Rect, RedactOptions};

/// Photos larger than this many pixels are decoded and checked but not searched for faces: the
/// search costs time in proportion to the area and the fuzzer wants many inputs a second.
const SEARCH_PIXELS: u64 = 256 * 256;

/// The detector and live pipeline, built once for every input and never dropped.
fn detector() -> MutexGuard<'static, Detector> {
    static DETECTOR: OnceLock<Mutex<Detector>> = OnceLock::new();
    DETECTOR
        .get_or_init(|| {
            Mutex::new(Detector::new(models::SHORT_RANGE).expect("the short-range model loads"))
        })
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The photo pipeline (RetinaFace and BlazeFace full-range), built once.
fn photo_pipeline() -> MutexGuard<'static, photo::PhotoDetector> {
    static PHOTO: OnceLock<Mutex<photo::PhotoDetector>> = OnceLock::new();
    PHOTO
        .get_or_init(|| {
            let d = photo::PhotoDetector::new(models::FULL_RANGE, Some(models::RETINAFACE));
            Mutex::new(d.expect("the photo models load"))
        })
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn live() -> MutexGuard<'static, LivePipeline> {
    static LIVE: OnceLock<Mutex<LivePipeline>> = OnceLock::new();
    LIVE.get_or_init(|| {
        let detector = Detector::new(models::SHORT_RANGE).expect("the short-range model loads");
        Mutex::new(LivePipeline::new(detector, DetectOptions::default()).expect("default options"))
    })
    .lock()
    .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// An error must be one sentence: something to read, on one line.
fn one_sentence(e: &unseen::Error) {
    let text = e.to_string();
    assert!(!text.trim().is_empty(), "an empty error message");
    assert!(
        !text.contains('\n'),
        "a message over several lines: {text:?}"
    );
}

/// Arbitrary bytes as a photo file: its metadata read, then decoded; when it decodes, its faces
/// searched (live and photo pipelines), covered, and the result encoded as JPEG and PNG, each of
/// which must decode to the same size and carry no metadata block.
pub fn photo_bytes(data: &[u8]) {
    let _ = metadata::blocks(data);
    if let Some(exif) = image_io::read_exif(data) {
        let _ = metadata::summarize_exif(&exif);
    }
    let decoded = match image_io::decode(data) {
        Ok(d) => d,
        Err(e) => return one_sentence(&e),
    };
    let (w, h) = (decoded.width, decoded.height);
    assert_eq!(
        decoded.rgba.len() as u64,
        w as u64 * h as u64 * 4,
        "pixels match the size"
    );
    if w as u64 * h as u64 > SEARCH_PIXELS {
        return;
    }
    let frame = Frame::new(&decoded.rgba, w, h).expect("a decoded image is a valid frame");
    let mut d = detector();
    let mut faces = d.detect(frame, DetectOptions::default()).expect("detect");
    drop(d);
    faces.extend(
        photo_pipeline()
            .detect(frame, DetectOptions::default())
            .expect("photo"),
    );
    for f in &faces {
        assert!(
            f.rect.is_finite() && f.score.is_finite(),
            "a face with non-finite numbers"
        );
    }
    let boxes: Vec<Rect> = faces.iter().map(|f| f.rect).collect();
    let mut rgba = decoded.rgba.clone();
    redact::cover_faces(&mut rgba, w, h, &boxes, RedactOptions::default()).expect("cover");
    for format in [OutputFormat::Jpeg { quality: 80 }, OutputFormat::Png] {
        let bytes = image_io::encode(&rgba, w, h, format).expect("encode");
        let back = image_io::decode(&bytes).expect("our own output decodes");
        assert_eq!((back.width, back.height), (w, h), "size kept");
        assert!(
            metadata::blocks(&bytes).is_empty(),
            "metadata in our own output"
        );
    }
}

/// Reads numbers from the fuzzer's bytes (little-endian; zeros once they run out).
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let n = N.min(self.0.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        out
    }
    fn u8(&mut self) -> u8 {
        self.bytes::<1>()[0]
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.bytes())
    }
    fn f32(&mut self) -> f32 {
        f32::from_le_bytes(self.bytes())
    }
    fn f64(&mut self) -> f64 {
        f64::from_le_bytes(self.bytes())
    }
}

/// Arbitrary arguments for what the wasm entry points call: a frame size and a buffer that may not
/// match it (zero, huge, off by one), options that may be NaN, negative or huge, boxes anywhere,
/// clock readings out of order. Each call must succeed or fail with one sentence.
pub fn live_args(data: &[u8]) {
    let mut r = Reader(data);
    let kind = r.u8();
    let (w, h, len) = match kind % 4 {
        // A small frame whose buffer matches.
        0 => {
            let (w, h) = (r.u8() as u32 % 200 + 1, r.u8() as u32 % 200 + 1);
            (w, h, (w * h * 4) as usize)
        }
        // A buffer one byte short or long.
        1 => {
            let (w, h) = (r.u8() as u32 + 1, r.u8() as u32 + 1);
            let n = (w * h * 4) as usize;
            (w, h, if r.u8() % 2 == 0 { n - 1 } else { n + 1 })
        }
        // Any size at all, with a small buffer.
        2 => (r.u32(), r.u32(), r.u32() as usize % 4096),
        // A long thin frame.
        _ => {
            let long = r.u32() % 40_000 + 1;
            if r.u8() % 2 == 0 {
                (long, 1, long as usize * 4)
            } else {
                (1, long, long as usize * 4)
            }
        }
    };
    let fill = r.u8();
    let mut rgba = vec![fill; len];
    let options = DetectOptions {
        threshold: r.f32(),
        overlap: r.f32(),
    };
    let cover = RedactOptions {
        style: [
            redact::Style::Solid,
            redact::Style::Pixelate,
            redact::Style::Blur,
        ][r.u8() as usize % 3],
        shape: [redact::Shape::Box, redact::Shape::Ellipse][r.u8() as usize % 2],
        mask_scale: r.f32(),
    };
    let boxes: Vec<Rect> = (0..r.u8() % 8)
        .map(|_| Rect::new(r.f32(), r.f32(), r.f32(), r.f32()))
        .collect();
    let (now, protect, max_side, min_score) = (r.f64(), r.u8() % 2 == 1, r.u32(), r.f32());
    // Read last, so the older seeds keep their meaning: 0 frames held back when absent.
    let (hold_back, repeats) = (r.u8() as usize % (MAX_HOLD_BACK + 2), r.u8() % 6 + 1);

    if let Err(e) = options.validated() {
        one_sentence(&e);
    }
    match redact::cover_faces(&mut rgba, w, h, &boxes, cover) {
        Ok(()) => assert_eq!(rgba.len(), len, "covering keeps the buffer"),
        Err(e) => one_sentence(&e),
    }
    match image_io::encode(&rgba, w, h, OutputFormat::Png) {
        Ok(_) => {}
        Err(e) => one_sentence(&e),
    }
    {
        let mut live = live();
        match options.validated() {
            Ok(o) => live.options = o,
            Err(e) => one_sentence(&e),
        }
        match cover.validated() {
            Ok(c) => live.cover = c,
            Err(e) => one_sentence(&e),
        }
        // The pipeline is kept from input to input, so frames held back meet frames of other sizes.
        for k in 0..repeats {
            match live.process(&mut rgba, w, h, now + k as f64, protect, hold_back) {
                Ok(faces) => assert!(faces.iter().all(|f| f.rect.is_finite())),
                Err(e) => one_sentence(&e),
            }
            assert_eq!(rgba.len(), len, "a live frame keeps its buffer");
            for span in live.covered() {
                assert!(
                    span.x1 <= w && span.y1 <= h,
                    "a covered region outside the frame"
                );
            }
        }
    }
    let Ok(frame) = Frame::new(&rgba, w, h) else {
        return;
    };
    match detect::preview(frame, max_side) {
        Ok((pixels, pw, ph)) => {
            assert_eq!(pixels.len() as u64, pw as u64 * ph as u64 * 4);
            assert!(pw.max(ph) <= max_side, "a preview larger than asked");
        }
        Err(e) => one_sentence(&e),
    }
    match detector().candidates(frame, min_score) {
        Ok(c) => assert!(c.iter().all(|c| c.score >= min_score)),
        Err(e) => one_sentence(&e),
    }
}

/// Arbitrary bytes as a model file (the wasm `FaceDetector` takes any bytes from JavaScript): read,
/// planned and, when it loads, run on a small frame; a refusal is one sentence, a run gives finite
/// faces or one sentence, and nothing panics or allocates without bound.
pub fn model_bytes(data: &[u8]) {
    let mut detector = match Detector::new(data) {
        Ok(d) => d,
        Err(e) => return one_sentence(&e),
    };
    let rgba = vec![96u8; 64 * 48 * 4];
    let frame = Frame::new(&rgba, 64, 48).expect("a valid frame");
    match detector.detect(frame, DetectOptions::default()) {
        Ok(faces) => {
            for f in &faces {
                assert!(
                    f.rect.is_finite() && f.score.is_finite(),
                    "a face with non-finite numbers: {f:?}"
                );
            }
        }
        Err(e) => one_sentence(&e),
    }
}
