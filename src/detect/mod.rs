//! Pixels to faces: letterbox the frame into the model's square input, run the network, decode the
//! anchors, drop low scores, merge overlaps, map back to image pixels.
//!
//! `model` runs the network, `blazeface` knows its anchors and outputs, `nms` merges overlaps,
//! `photo` searches big photos for small faces.

pub mod blazeface;
pub mod model;
pub mod nms;
pub mod photo;

use blazeface::{Anchor, Candidate, Variant, NUM_KEYPOINTS};
use model::Network;

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
/// At most this many samples per axis are averaged for each model pixel when shrinking.
const MAX_TAPS: usize = 4;

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
        DetectOptions { threshold: DEFAULT_THRESHOLD, overlap: DEFAULT_OVERLAP }
    }
}

impl DetectOptions {
    /// Refuse NaN and out-of-range options with a sentence naming the option.
    pub fn validated(self) -> Result<Self> {
        for (name, v) in [("threshold", self.threshold), ("overlap", self.overlap)] {
            if !(0.0..=1.0).contains(&v) {
                return Err(Error::invalid(format!("the {name} must be a number from 0 to 1, not {v}")));
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
    net: Network,
    anchors: Vec<Anchor>,
    input: Vec<f32>,
    letterbox: Letterbox,
    /// Every candidate of the last frame scoring at least [`CANDIDATE_FLOOR`], before threshold and merge.
    last_candidates: Vec<Candidate>,
}

impl Detector {
    /// Load a BlazeFace ONNX file (short-range 128 or full-range 256; told apart by its input).
    pub fn new(model_bytes: &[u8]) -> Result<Self> {
        let net = Network::load(model_bytes)?;
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
        let kept: Vec<Candidate> =
            self.last_candidates.iter().filter(|c| c.score >= options.threshold).copied().collect();
        let merged = nms::weighted_nms(kept, options.overlap);
        Ok(merged.into_iter().map(|c| self.to_face(&c)).collect())
    }

    /// The last frame's candidates scoring at least [`CANDIDATE_FLOOR`] (or the threshold, if lower),
    /// before threshold and merge, in that frame's pixels.
    pub fn last_candidates(&self) -> Vec<Face> {
        self.last_candidates.iter().map(|c| self.to_face(c)).collect()
    }

    /// Every anchor's decoded box with a score of at least `min_score`, before merging, in the
    /// normalised coordinates of the model input. For "show the workings" views; use
    /// [`Detector::detect`] for faces.
    pub fn candidates(&mut self, frame: Frame<'_>, min_score: f32) -> Result<Vec<Candidate>> {
        let size = self.input_size();
        self.letterbox = letterbox_input(frame, size, &mut self.input);
        let variant = self.variant();
        let raw = self.net.run(&self.input)?;
        let mut out = Vec::new();
        blazeface::decode(variant, &self.anchors, raw.scores, raw.boxes, min_score, &mut out);
        Ok(out)
    }

    /// A candidate from the last frame, mapped to that frame's pixels.
    pub fn to_face(&self, c: &Candidate) -> Face {
        let lb = &self.letterbox;
        Face {
            rect: lb.rect_to_image(c.rect),
            score: c.score,
            landmarks: c.keypoints.map(|p| lb.to_image(p)),
        }
    }
}

/// Fill `input` (`size*size*3` floats, NHWC, `[-1, 1]`) with `frame` letterboxed into a square: aspect
/// kept, centred, black padding. Shrinking averages up to 4×4 bilinear samples per model pixel so that
/// small faces in large frames are not lost to aliasing.
pub fn letterbox_input(frame: Frame<'_>, size: usize, input: &mut Vec<f32>) -> Letterbox {
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    let lb = Letterbox::fit(frame.width(), frame.height(), size as u32);
    input.clear();
    input.resize(size * size * 3, PAD_VALUE);
    let src = frame.data();
    let inv = 1.0 / lb.scale;
    let taps = (inv.ceil() as usize).clamp(1, MAX_TAPS);
    let weight = 1.0 / (taps * taps) as f32 / 127.5;
    // Content area in model pixels (the rest stays padding).
    let x_start = lb.pad_x.floor().max(0.0) as usize;
    let x_end = ((size as f32 - lb.pad_x).ceil() as usize).min(size);
    let y_start = lb.pad_y.floor().max(0.0) as usize;
    let y_end = ((size as f32 - lb.pad_y).ceil() as usize).min(size);
    let max_x = (w - 1) as f32;
    let max_y = (h - 1) as f32;
    for oy in y_start..y_end {
        for ox in x_start..x_end {
            let mut acc = [0.0f32; 3];
            for ty in 0..taps {
                let my = oy as f32 + (ty as f32 + 0.5) / taps as f32;
                let sy = ((my - lb.pad_y) * inv - 0.5).clamp(0.0, max_y);
                let y0 = sy as usize;
                let y1 = (y0 + 1).min(h - 1);
                let fy = sy - y0 as f32;
                for tx in 0..taps {
                    let mx = ox as f32 + (tx as f32 + 0.5) / taps as f32;
                    let sx = ((mx - lb.pad_x) * inv - 0.5).clamp(0.0, max_x);
                    let x0 = sx as usize;
                    let x1 = (x0 + 1).min(w - 1);
                    let fx = sx - x0 as f32;
                    let p00 = (y0 * w + x0) * 4;
                    let p01 = (y0 * w + x1) * 4;
                    let p10 = (y1 * w + x0) * 4;
                    let p11 = (y1 * w + x1) * 4;
                    for c in 0..3 {
                        let top = src[p00 + c] as f32 * (1.0 - fx) + src[p01 + c] as f32 * fx;
                        let bottom = src[p10 + c] as f32 * (1.0 - fx) + src[p11 + c] as f32 * fx;
                        acc[c] += top * (1.0 - fy) + bottom * fy;
                    }
                }
            }
            let o = (oy * size + ox) * 3;
            for c in 0..3 {
                input[o + c] = acc[c] * weight - 1.0;
            }
        }
    }
    lb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_reject_nan_and_out_of_range() {
        assert!(DetectOptions::default().validated().is_ok());
        assert!(DetectOptions { threshold: f32::NAN, ..Default::default() }.validated().is_err());
        assert!(DetectOptions { overlap: -0.1, ..Default::default() }.validated().is_err());
        assert!(DetectOptions { threshold: 1.5, ..Default::default() }.validated().is_err());
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
    fn letterbox_input_keeps_left_right_order() {
        // Left half red, right half blue.
        let mut px = Vec::new();
        for _y in 0..4 {
            for x in 0..8 {
                px.extend_from_slice(if x < 4 { &[255, 0, 0, 255] } else { &[0, 0, 255, 255] });
            }
        }
        let mut input = Vec::new();
        letterbox_input(Frame::new(&px, 8, 4).unwrap(), 4, &mut input);
        let red_at_left = input[(2 * 4) * 3];
        let blue_at_right = input[(2 * 4 + 3) * 3 + 2];
        assert!(red_at_left > 0.9 && blue_at_right > 0.9);
    }
}
