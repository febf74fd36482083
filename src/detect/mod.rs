//! Pixels to faces: letterbox the frame into the model's square input, run the network, decode the
//! anchors, drop low scores, merge overlaps, map back to image pixels.
//!
//! The engine (`crate::engine`) runs the networks; `blazeface` knows BlazeFace's heads, anchors and
//! outputs, `retinaface` reads the photo detector's, `nms` merges overlaps, `photo` searches photos
//! for faces of every size, `second_look` finds faces cut by a live frame's edge.

pub mod blazeface;
pub mod nms;
pub mod photo;
pub mod retinaface;
pub mod second_look;

use blazeface::{Anchor, BlazeFace, Candidate, Variant, NUM_KEYPOINTS};

use crate::engine::kernels::F4;
use crate::error::{Error, Result};
use crate::frame::Frame;
use crate::geometry::{Letterbox, Point, Rect};

/// Default minimum face probability. MediaPipe uses 0.5; on our test photos cat faces and
/// face-like textures reached 0.52 with the short-range model while real faces, even in profile or
/// 25-pixel LFW crops, scored 0.77 or more (5th percentile), so 0.6 keeps every face and drops them.
pub const DEFAULT_THRESHOLD: f32 = 0.6;
pub use nms::DEFAULT_OVERLAP;

/// Candidates scoring below this are not kept even for the "show the workings" views.
pub const CANDIDATE_FLOOR: f32 = 0.05;

/// Value of the padding around a letterboxed image, in the model's `[-1, 1]` range: black.
const PAD_VALUE: f32 = -1.0;

/// How strict detection is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectOptions {
    /// Minimum probability for a face, 0..1.
    pub threshold: f32,
    /// IoU above which two candidates are one face, 0..1.
    pub overlap: f32,
}

impl Default for DetectOptions {
    fn default() -> Self {
        DetectOptions {
            threshold: DEFAULT_THRESHOLD,
            overlap: DEFAULT_OVERLAP,
        }
    }
}

impl DetectOptions {
    /// Refuse NaN and out-of-range options with a sentence naming the option.
    pub fn validated(self) -> Result<Self> {
        for (name, v) in [("threshold", self.threshold), ("overlap", self.overlap)] {
            if !(0.0..=1.0).contains(&v) {
                return Err(Error::invalid(format!(
                    "the {name} must be a number from 0 to 1, not {v}"
                )));
            }
        }
        Ok(self)
    }
}

/// A face found in an image, in that image's pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Face {
    pub rect: Rect,
    /// Probability that this is a face, 0..1.
    pub score: f32,
    /// Right eye, left eye, nose tip, mouth, right ear, left ear (the person's right and left).
    pub landmarks: [Point; NUM_KEYPOINTS],
}

/// A BlazeFace detector: one network and its anchors, with buffers reused from frame to frame.
pub struct Detector {
    net: BlazeFace,
    anchors: Vec<Anchor>,
    input: Vec<f32>,
    letterbox: Letterbox,
    /// Every candidate of the last frame scoring at least [`CANDIDATE_FLOOR`], before threshold and merge.
    last_candidates: Vec<Candidate>,
}

impl Detector {
    /// Load a BlazeFace ONNX file (short-range 128 or full-range 256; told apart by its input).
    pub fn new(model_bytes: &[u8]) -> Result<Self> {
        let net = BlazeFace::load(model_bytes)?;
        let variant = net.variant();
        let size = variant.input_size();
        Ok(Detector {
            net,
            anchors: blazeface::anchors(variant),
            input: vec![PAD_VALUE; size * size * 3],
            letterbox: Letterbox::fit(size as u32, size as u32, size as u32),
            last_candidates: Vec::new(),
        })
    }

    pub fn variant(&self) -> Variant {
        self.net.variant()
    }

    /// Side of the model's square input in pixels.
    pub fn input_size(&self) -> usize {
        self.net.variant().input_size()
    }

    /// The picture the network received last, `size*size*3` floats in `[-1, 1]`.
    pub fn last_input(&self) -> &[f32] {
        &self.input
    }

    /// Faces in `frame`, best first.
    pub fn detect(&mut self, frame: Frame<'_>, options: DetectOptions) -> Result<Vec<Face>> {
        let options = options.validated()?;
        let floor = options.threshold.min(CANDIDATE_FLOOR);
        self.last_candidates = self.candidates(frame, floor)?;
        let kept: Vec<Candidate> = self
            .last_candidates
            .iter()
            .filter(|c| c.score >= options.threshold)
            .copied()
            .collect();
        let merged = nms::weighted_nms(kept, options.overlap);
        Ok(merged.into_iter().map(|c| self.to_face(&c)).collect())
    }

    /// The last frame's candidates scoring at least [`CANDIDATE_FLOOR`] (or the threshold, if lower),
    /// before threshold and merge, in that frame's pixels.
    pub fn last_candidates(&self) -> Vec<Face> {
        self.last_candidates
            .iter()
            .map(|c| self.to_face(c))
            .collect()
    }

    /// Every anchor's decoded box with a score of at least `min_score`, before merging, in the
    /// normalised coordinates of the model input. For "show the workings" views; use
    /// [`Detector::detect`] for faces.
    pub fn candidates(&mut self, frame: Frame<'_>, min_score: f32) -> Result<Vec<Candidate>> {
        if !(0.0..=1.0).contains(&min_score) {
            return Err(Error::invalid(
                "the minimum score must be a number from 0 to 1",
            ));
        }
        let size = self.input_size();
        self.letterbox = letterbox_input(frame, size, &mut self.input);
        let variant = self.variant();
        let raw = self.net.run(&self.input)?;
        let mut out = Vec::new();
        blazeface::decode(
            variant,
            &self.anchors,
            raw.scores,
            raw.boxes,
            min_score,
            &mut out,
        );
        Ok(out)
    }

    /// Run the network on `frame` once with each step timed by `clock` (milliseconds), per kind of
    /// step: for the bench's profile.
    pub fn profile(
        &mut self,
        frame: Frame<'_>,
        clock: &mut dyn FnMut() -> f64,
    ) -> Result<Vec<crate::engine::StepProfile>> {
        let size = self.input_size();
        self.letterbox = letterbox_input(frame, size, &mut self.input);
        self.net.network().run_profiled(&self.input, clock)
    }

    /// The anchor grid of the last frame: each distinct anchor centre (several anchors share one
    /// centre) in that frame's pixels, coarse layers after fine ones, and the number of anchors.
    /// Centres over the letterbox padding fall outside the frame. For the "how detection works" view.
    pub fn anchor_grid(&self) -> (Vec<Point>, usize) {
        let mut centres: Vec<Point> = Vec::new();
        for a in &self.anchors {
            let p = self.letterbox.to_image(Point { x: a.cx, y: a.cy });
            if centres.last() != Some(&p) {
                centres.push(p);
            }
        }
        (centres, self.anchors.len())
    }

    /// A candidate from the last frame, mapped to that frame's pixels.
    pub fn to_face(&self, c: &Candidate) -> Face {
        let lb = &self.letterbox;
        let r = lb.rect_to_image(c.rect);
        Face {
            // BlazeFace's box is square, brow to mouth; a face runs from forehead to chin.
            rect: Rect::from_center(r.center().x, r.center().y, r.w, r.h * FACE_HEIGHT),
            score: c.score,
            landmarks: c.keypoints.map(|p| lb.to_image(p)),
        }
    }
}

/// A face's height (forehead to chin) over the height of BlazeFace's square box around it: 1.0 to
/// 1.45 on the leak clip's faces (`tests/leak.rs`). Boxes are made this much taller so that covers
/// reach the forehead and chin.
pub const FACE_HEIGHT: f32 = 1.2;

/// Fill `input` (`size*size*3` floats, NHWC, `[-1, 1]`) with `frame` letterboxed into a square: aspect
/// kept, centred, black padding. Each model pixel is the area-weighted mean of the source pixels it
/// covers (at least one pixel wide, so enlarging is bilinear), computed in two separable passes so
/// that every source pixel is read about once: small faces in large frames are not lost to aliasing,
/// and the cost stays proportional to the frame.
pub fn letterbox_input(frame: Frame<'_>, size: usize, input: &mut Vec<f32>) -> Letterbox {
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    let lb = Letterbox::fit(frame.width(), frame.height(), size as u32);
    input.clear();
    input.resize(size * size * 3, PAD_VALUE);
    let columns = area_taps(w, size, lb.scale, lb.pad_x);
    let rows = area_taps(h, size, lb.scale, lb.pad_y);
    let mut shrunk = ShrunkRows::new(frame, &columns);
    // One model row at a time (RGBA, four floats a pixel), scaled to [-1, 1] (RGB).
    let mut acc = vec![0.0f32; size * 4];
    for (oy, tap) in rows.iter().enumerate() {
        let Some(tap) = tap else { continue };
        shrunk.sum(tap, &mut acc);
        let out = &mut input[oy * size * 3..(oy + 1) * size * 3];
        for ((o, a), column) in out
            .chunks_exact_mut(3)
            .zip(acc.chunks_exact(4))
            .zip(&columns)
        {
            if column.is_some() {
                for (o, a) in o.iter_mut().zip(a) {
                    *o = a / 127.5 - 1.0;
                }
            }
        }
    }
    lb
}

/// Source rows shrunk to the output's width, for [`letterbox_input`] and [`resize_rgba`]: each
/// computed once though neighbouring output rows share a source row (the two latest are kept; taps
/// move down the frame), with no buffer the size of the frame.
struct ShrunkRows<'a> {
    frame: Frame<'a>,
    columns: &'a [Option<Tap>],
    /// The two latest rows: source row number and its shrunk pixels; the older is replaced next.
    kept: [(usize, Vec<f32>); 2],
    older: usize,
}

impl<'a> ShrunkRows<'a> {
    fn new(frame: Frame<'a>, columns: &'a [Option<Tap>]) -> Self {
        let row = || (usize::MAX, vec![0.0; columns.len() * 4]);
        ShrunkRows {
            frame,
            columns,
            kept: [row(), row()],
            older: 0,
        }
    }

    /// One output row: the source rows `tap` covers, shrunk and summed by weight, into `acc`.
    fn sum(&mut self, tap: &Tap, acc: &mut [f32]) {
        acc.fill(0.0);
        for (k, &weight) in tap.weights.iter().enumerate() {
            let weight = F4::splat(weight);
            for (a, s) in acc
                .chunks_exact_mut(4)
                .zip(self.row(tap.start + k).chunks_exact(4))
            {
                F4::load(a).mul_add(F4::load(s), weight).store(a);
            }
        }
    }

    fn row(&mut self, y: usize) -> &[f32] {
        if let Some(i) = self.kept.iter().position(|(k, _)| *k == y) {
            return &self.kept[i].1;
        }
        let i = self.older;
        self.older = 1 - i;
        let w = self.frame.width() as usize * 4;
        let (kept_y, out) = &mut self.kept[i];
        *kept_y = y;
        shrink_row(&self.frame.data()[y * w..(y + 1) * w], self.columns, out);
        out
    }
}

/// A copy of `frame` at most `max_side` pixels on its long side (the same pixels when it is already
/// that small), with its size: what the photo page shows on screen.
pub fn preview(frame: Frame<'_>, max_side: u32) -> Result<(Vec<u8>, u32, u32)> {
    if max_side == 0 {
        return Err(Error::invalid("the preview size must be at least 1 pixel"));
    }
    let (w, h) = (frame.width(), frame.height());
    let scale = (max_side as f64 / w.max(h) as f64).min(1.0);
    if scale >= 1.0 {
        return Ok((frame.data().to_vec(), w, h));
    }
    let (pw, ph) = (
        ((w as f64 * scale).round() as u32).clamp(1, max_side),
        ((h as f64 * scale).round() as u32).clamp(1, max_side),
    );
    Ok((resize_rgba(frame, pw, ph), pw, ph))
}

/// `frame` resized to `width`×`height` RGBA pixels with the same area averaging as [`letterbox_input`].
/// Works one output row at a time, so a 50-megapixel photo needs only a few rows of scratch space.
pub fn resize_rgba(frame: Frame<'_>, width: u32, height: u32) -> Vec<u8> {
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    let (ow, oh) = (width.max(1) as usize, height.max(1) as usize);
    let columns = area_taps(w, ow, ow as f32 / w as f32, 0.0);
    let rows = area_taps(h, oh, oh as f32 / h as f32, 0.0);
    let mut out = vec![0u8; ow * oh * 4];
    let mut shrunk = ShrunkRows::new(frame, &columns);
    let mut acc = vec![0.0f32; ow * 4];
    for (oy, row_tap) in rows.iter().enumerate() {
        let Some(row_tap) = row_tap else { continue };
        shrunk.sum(row_tap, &mut acc);
        for (o, a) in out[oy * ow * 4..(oy + 1) * ow * 4].iter_mut().zip(&acc) {
            *o = a.round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

/// One row of RGBA pixels shrunk (or stretched) along its length: each output pixel (four floats,
/// RGBA) the weighted sum of the pixels its tap covers; zeros where the tap is padding. The first
/// pass of both [`letterbox_input`] and [`resize_rgba`].
fn shrink_row(row: &[u8], columns: &[Option<Tap>], out: &mut [f32]) {
    for (tap, out) in columns.iter().zip(out.chunks_exact_mut(4)) {
        let mut acc = F4::splat(0.0);
        if let Some(tap) = tap {
            for (px, &weight) in row[tap.start * 4..].chunks_exact(4).zip(&tap.weights) {
                acc = acc.mul_add(F4::from_bytes(px), F4::splat(weight));
            }
        }
        acc.store(out);
    }
}

/// The source pixels one model pixel averages: from `start`, with weights summing to 1.
struct Tap {
    start: usize,
    weights: Vec<f32>,
}

/// For each of `out_len` model pixels along one axis, the source pixels (of `src_len`) it covers when
/// the source is scaled by `scale` and offset by `pad`; `None` for padding.
fn area_taps(src_len: usize, out_len: usize, scale: f32, pad: f32) -> Vec<Option<Tap>> {
    let inv = 1.0 / scale;
    (0..out_len)
        .map(|o| {
            let centre = (o as f32 + 0.5 - pad) * inv;
            if centre < 0.0 || centre >= src_len as f32 {
                return None;
            }
            let half = inv.max(1.0) / 2.0;
            let (lo, hi) = (
                (centre - half).max(0.0),
                (centre + half).min(src_len as f32),
            );
            let start = lo.floor() as usize;
            let end = (hi.ceil() as usize).min(src_len).max(start + 1);
            let mut weights: Vec<f32> = (start..end)
                .map(|i| (hi.min(i as f32 + 1.0) - lo.max(i as f32)).max(0.0))
                .collect();
            let total: f32 = weights.iter().sum();
            if total <= 0.0 {
                return None;
            }
            weights.iter_mut().for_each(|w| *w /= total);
            Some(Tap { start, weights })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_reject_nan_and_out_of_range() {
        assert!(DetectOptions::default().validated().is_ok());
        assert!(DetectOptions {
            threshold: f32::NAN,
            ..Default::default()
        }
        .validated()
        .is_err());
        assert!(DetectOptions {
            overlap: -0.1,
            ..Default::default()
        }
        .validated()
        .is_err());
        assert!(DetectOptions {
            threshold: 1.5,
            ..Default::default()
        }
        .validated()
        .is_err());
    }

    #[test]
    fn letterbox_input_pads_black_and_scales_to_unit_range() {
        // A white 4×2 frame: the content fills the middle half rows of an 8×8 input.
        let white = vec![255u8; 4 * 2 * 4];
        let mut input = Vec::new();
        let lb = letterbox_input(Frame::new(&white, 4, 2).unwrap(), 8, &mut input);
        assert_eq!(lb.pad_y, 2.0);
        let at = |x: usize, y: usize| input[(y * 8 + x) * 3];
        assert_eq!(at(0, 0), -1.0);
        assert_eq!(at(7, 1), -1.0);
        assert!((at(0, 2) - 1.0).abs() < 1e-5);
        assert!((at(7, 5) - 1.0).abs() < 1e-5);
        assert_eq!(at(3, 6), -1.0);
    }

    #[test]
    fn resize_averages_areas_and_keeps_flat_colours() {
        // Two columns, black and white, halved to one column: the mean grey.
        let px = [
            0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255,
        ];
        let out = resize_rgba(Frame::new(&px, 2, 2).unwrap(), 1, 1);
        assert!((127..=128).contains(&out[0]) && out[3] == 255, "{out:?}");
        let flat = vec![77u8; 37 * 23 * 4];
        let out = resize_rgba(Frame::new(&flat, 37, 23).unwrap(), 10, 6);
        assert!(out.iter().all(|&v| v == 77));
    }

    #[test]
    fn letterbox_input_keeps_left_right_order() {
        // Left half red, right half blue.
        let mut px = Vec::new();
        for _y in 0..4 {
            for x in 0..8 {
                px.extend_from_slice(if x < 4 {
                    &[255, 0, 0, 255]
                } else {
                    &[0, 0, 255, 255]
                });
            }
        }
        let mut input = Vec::new();
        letterbox_input(Frame::new(&px, 8, 4).unwrap(), 4, &mut input);
        let red_at_left = input[(2 * 4) * 3];
        let blue_at_right = input[(2 * 4 + 3) * 3 + 2];
        assert!(red_at_left > 0.9 && blue_at_right > 0.9);
    }
}
