//! BlazeFace: SSD anchors and the decoding of raw network outputs into candidate faces, exactly as
//! MediaPipe does it, and which of the network's outputs are its two heads. The engine (`engine/`)
//! runs the network; `nms.rs` merges overlaps.
//!
//! Sources of every number below (MediaPipe, `mediapipe/modules/face_detection/`):
//! - `face_detection_short_range.pbtxt` / `face_detection_full_range*.pbtxt`: SsdAnchorsCalculatorOptions
//!   (num_layers 4, strides, anchor_offset 0.5, aspect_ratios 1.0, interpolated_scale_aspect_ratio 1.0,
//!   fixed_anchor_size true) and TensorsToDetectionsCalculatorOptions (num_boxes 896, num_coords 16,
//!   box_coord_offset 0, keypoint_coord_offset 4, num_keypoints 6, x/y/w/h_scale = input size,
//!   sigmoid_score true, score_clipping_thresh 100, reverse_output_order true).
//! - `calculators/tflite/ssd_anchors_calculator.cc`: layers with the same stride share one grid; per grid
//!   cell each layer adds one anchor for its aspect ratio and one interpolated anchor; order is
//!   y, then x, then anchor.
//! - `calculators/tensor/tensors_to_detections_calculator.cc`: the decoding in [`decode`].

use crate::engine::Network;
use crate::error::{Error, Result};
use crate::geometry::{Point, Rect};

/// Keypoints per face, in MediaPipe's order.
pub const NUM_KEYPOINTS: usize = 6;
/// Names of the keypoints, in the order the network gives them.
pub const KEYPOINT_NAMES: [&str; NUM_KEYPOINTS] = [
    "right eye",
    "left eye",
    "nose tip",
    "mouth",
    "right ear",
    "left ear",
];
/// Values per anchor in the box tensor: centre x, centre y, width, height, then 6 × (x, y).
pub const NUM_COORDS: usize = 4 + 2 * NUM_KEYPOINTS;
/// Anchors in both BlazeFace models.
pub const NUM_ANCHORS: usize = 896;
/// Raw scores are clipped to ±this before the sigmoid (`score_clipping_thresh`).
pub const SCORE_CLIP: f32 = 100.0;
/// Anchor centres sit in the middle of their grid cell (`anchor_offset_x/y`).
const ANCHOR_OFFSET: f32 = 0.5;
/// Anchors per layer per cell: aspect ratio 1.0 plus the interpolated one.
const ANCHORS_PER_LAYER: usize = 2;

/// A BlazeFace network: the engine's network, which of its outputs are the heads, and the raw
/// outputs of the last run in anchor order.
pub struct BlazeFace {
    net: Network,
    variant: Variant,
    /// (scores output, boxes output, anchors) for the finer head first (first in anchor order).
    heads: [(usize, usize, usize); 2],
    scores: Vec<f32>,
    boxes: Vec<f32>,
}

/// Raw outputs for all [`NUM_ANCHORS`] anchors, in anchor order.
pub struct RawOutput<'a> {
    pub scores: &'a [f32],
    pub boxes: &'a [f32],
}

/// Anchors in each head: the 16×16 (or 32×32) grid with 2 anchors a cell, then the coarser grid
/// with 6.
const HEAD_ANCHORS: [usize; 2] = [512, 384];

impl BlazeFace {
    /// Load a BlazeFace ONNX file: a `[1, N, N, 3]` input of 128 or 256, and heads of shape
    /// `[1, 512, 1]` + `[1, 512, 16]` and `[1, 384, 1]` + `[1, 384, 16]`, found by shape.
    pub fn load(bytes: &[u8]) -> Result<Self> {
        let net = Network::load(bytes, None)?;
        let shape = net.input_shape();
        let variant = Some(shape.h)
            .filter(|&h| h == shape.w)
            .and_then(Variant::from_input_size)
            .ok_or_else(|| {
                Error::Model(format!(
                    "its input is {}×{}; BlazeFace takes 128 or 256",
                    shape.w, shape.h
                ))
            })?;
        let find = |dims: [usize; 2]| {
            net.find_output(None, &dims).ok_or_else(|| {
                Error::Model(format!(
                    "it has no output of shape [1, {}, {}]",
                    dims[0], dims[1]
                ))
            })
        };
        let heads = [
            (
                find([HEAD_ANCHORS[0], 1])?,
                find([HEAD_ANCHORS[0], NUM_COORDS])?,
                HEAD_ANCHORS[0],
            ),
            (
                find([HEAD_ANCHORS[1], 1])?,
                find([HEAD_ANCHORS[1], NUM_COORDS])?,
                HEAD_ANCHORS[1],
            ),
        ];
        Ok(BlazeFace {
            net,
            variant,
            heads,
            scores: vec![0.0; NUM_ANCHORS],
            boxes: vec![0.0; NUM_ANCHORS * NUM_COORDS],
        })
    }

    pub fn variant(&self) -> Variant {
        self.variant
    }

    /// The engine's network inside.
    pub fn network(&mut self) -> &mut Network {
        &mut self.net
    }

    /// Run on `size*size*3` floats in `[-1, 1]`, NHWC (as [`crate::detect::letterbox_input`] makes).
    pub fn run(&mut self, input: &[f32]) -> Result<RawOutput<'_>> {
        self.net.run(input)?;
        let mut offset = 0;
        for (scores_at, boxes_at, anchors) in self.heads {
            self.scores[offset..offset + anchors]
                .copy_from_slice(&self.net.output(scores_at)[..anchors]);
            self.boxes[offset * NUM_COORDS..(offset + anchors) * NUM_COORDS]
                .copy_from_slice(&self.net.output(boxes_at)[..anchors * NUM_COORDS]);
            offset += anchors;
        }
        Ok(RawOutput {
            scores: &self.scores,
            boxes: &self.boxes,
        })
    }
}

/// Which BlazeFace network a model file is; told apart by its input size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// MediaPipe's short-range "front" model: 128×128 input, faces within about 2 m of the camera.
    ShortRange,
    /// MediaPipe's older full-range "back" model: 256×256 input, smaller and farther faces.
    FullRange,
}

impl Variant {
    /// The variant whose input is `size`×`size`, if any.
    pub fn from_input_size(size: usize) -> Option<Self> {
        match size {
            128 => Some(Variant::ShortRange),
            256 => Some(Variant::FullRange),
            _ => None,
        }
    }

    /// Side of the square input in pixels; also the box decoding scale.
    pub fn input_size(self) -> usize {
        match self {
            Variant::ShortRange => 128,
            Variant::FullRange => 256,
        }
    }

    /// Strides of the 4 anchor layers (`ssd_anchors_calculator` options).
    pub fn strides(self) -> [usize; 4] {
        match self {
            Variant::ShortRange => [8, 16, 16, 16],
            Variant::FullRange => [16, 32, 32, 32],
        }
    }
}

/// An anchor centre in normalised input coordinates. Its size is fixed to 1 (`fixed_anchor_size`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Anchor {
    pub cx: f32,
    pub cy: f32,
}

/// The SSD anchors in the order the network emits its outputs.
pub fn anchors(variant: Variant) -> Vec<Anchor> {
    let size = variant.input_size();
    let strides = variant.strides();
    let mut out = Vec::with_capacity(NUM_ANCHORS);
    let mut layer = 0;
    while layer < strides.len() {
        // Consecutive layers with the same stride share one grid.
        let stride = strides[layer];
        let mut same = 0;
        while layer + same < strides.len() && strides[layer + same] == stride {
            same += 1;
        }
        let cells = size.div_ceil(stride);
        for y in 0..cells {
            for x in 0..cells {
                for _ in 0..same * ANCHORS_PER_LAYER {
                    out.push(Anchor {
                        cx: (x as f32 + ANCHOR_OFFSET) / cells as f32,
                        cy: (y as f32 + ANCHOR_OFFSET) / cells as f32,
                    });
                }
            }
        }
        layer += same;
    }
    out
}

/// One decoded anchor: a box and keypoints in normalised input coordinates, and a probability.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub rect: Rect,
    pub keypoints: [Point; NUM_KEYPOINTS],
    pub score: f32,
}

/// Logistic sigmoid of a raw score clipped to ±[`SCORE_CLIP`].
pub fn score_of(raw: f32) -> f32 {
    let clipped = raw.clamp(-SCORE_CLIP, SCORE_CLIP);
    1.0 / (1.0 + (-clipped).exp())
}

/// Decode the raw outputs (`scores[i]`, `boxes[i*16..i*16+16]` for anchor `i`) into candidates whose
/// score is at least `min_score`. Raw box values are input pixels relative to the anchor centre:
/// centre = raw / scale + anchor, size = raw / scale.
pub fn decode(
    variant: Variant,
    anchors: &[Anchor],
    scores: &[f32],
    boxes: &[f32],
    min_score: f32,
    out: &mut Vec<Candidate>,
) {
    let scale = variant.input_size() as f32;
    for (i, anchor) in anchors.iter().enumerate() {
        let (Some(&raw_score), Some(b)) = (
            scores.get(i),
            boxes.get(i * NUM_COORDS..(i + 1) * NUM_COORDS),
        ) else {
            break;
        };
        let score = score_of(raw_score);
        if score < min_score || score.is_nan() {
            continue;
        }
        let cx = b[0] / scale + anchor.cx;
        let cy = b[1] / scale + anchor.cy;
        let w = b[2] / scale;
        let h = b[3] / scale;
        let mut keypoints = [Point::default(); NUM_KEYPOINTS];
        for (k, kp) in keypoints.iter_mut().enumerate() {
            kp.x = b[4 + 2 * k] / scale + anchor.cx;
            kp.y = b[5 + 2 * k] / scale + anchor.cy;
        }
        let rect = Rect::from_center(cx, cy, w, h);
        if rect.is_finite() {
            out.push(Candidate {
                rect,
                keypoints,
                score,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_variants_have_896_anchors() {
        assert_eq!(anchors(Variant::ShortRange).len(), NUM_ANCHORS);
        assert_eq!(anchors(Variant::FullRange).len(), NUM_ANCHORS);
    }

    #[test]
    fn short_range_anchor_order_is_y_then_x_then_anchor() {
        let a = anchors(Variant::ShortRange);
        // Stride 8: a 16×16 grid with 2 anchors per cell.
        assert_eq!(
            a[0],
            Anchor {
                cx: 0.5 / 16.0,
                cy: 0.5 / 16.0
            }
        );
        assert_eq!(a[1], a[0]);
        assert_eq!(
            a[2],
            Anchor {
                cx: 1.5 / 16.0,
                cy: 0.5 / 16.0
            }
        );
        assert_eq!(
            a[32],
            Anchor {
                cx: 0.5 / 16.0,
                cy: 1.5 / 16.0
            }
        );
        assert_eq!(
            a[511],
            Anchor {
                cx: 15.5 / 16.0,
                cy: 15.5 / 16.0
            }
        );
        // Stride 16 (three layers merged): an 8×8 grid with 6 anchors per cell.
        assert_eq!(
            a[512],
            Anchor {
                cx: 0.5 / 8.0,
                cy: 0.5 / 8.0
            }
        );
        assert_eq!(a[517], a[512]);
        assert_eq!(
            a[518],
            Anchor {
                cx: 1.5 / 8.0,
                cy: 0.5 / 8.0
            }
        );
        assert_eq!(
            a[895],
            Anchor {
                cx: 7.5 / 8.0,
                cy: 7.5 / 8.0
            }
        );
    }

    #[test]
    fn full_range_uses_the_same_grids_on_a_larger_input() {
        assert_eq!(anchors(Variant::ShortRange), anchors(Variant::FullRange));
    }

    #[test]
    fn score_is_clipped_sigmoid() {
        assert!((score_of(0.0) - 0.5).abs() < 1e-6);
        assert_eq!(score_of(1e9), score_of(SCORE_CLIP));
        assert!(score_of(-1e9) < 1e-30);
    }

    #[test]
    fn decode_offsets_by_anchor_and_divides_by_input_size() {
        let a = anchors(Variant::ShortRange);
        let mut scores = vec![-10.0; NUM_ANCHORS];
        let mut boxes = vec![0.0; NUM_ANCHORS * NUM_COORDS];
        scores[512] = 10.0;
        let b = &mut boxes[512 * NUM_COORDS..513 * NUM_COORDS];
        b[0] = 12.8; // +0.1 of the input
        b[1] = -6.4; // -0.05
        b[2] = 32.0; // 0.25 wide
        b[3] = 64.0; // 0.5 tall
        b[4] = 1.28; // right eye x: +0.01
        let mut out = Vec::new();
        decode(Variant::ShortRange, &a, &scores, &boxes, 0.5, &mut out);
        assert_eq!(out.len(), 1);
        let c = out[0];
        let centre = c.rect.center();
        assert!((centre.x - (0.0625 + 0.1)).abs() < 1e-5);
        assert!((centre.y - (0.0625 - 0.05)).abs() < 1e-5);
        assert!((c.rect.w - 0.25).abs() < 1e-6 && (c.rect.h - 0.5).abs() < 1e-6);
        assert!((c.keypoints[0].x - (0.0625 + 0.01)).abs() < 1e-6);
        assert!((c.keypoints[1].y - 0.0625).abs() < 1e-6);
    }

    #[test]
    fn decode_survives_short_or_nan_outputs() {
        let a = anchors(Variant::ShortRange);
        let mut out = Vec::new();
        decode(
            Variant::ShortRange,
            &a,
            &[f32::NAN; 3],
            &[0.0; 10],
            0.0,
            &mut out,
        );
        assert!(out.is_empty());
    }
}
