//! Protect mode's second look at live frames: RetinaFace along the frame's edges. BlazeFace, made for
//! faces in full view, misses most faces cut by the frame's edge (half out of the picture, or half
//! below it); RetinaFace, trained on WIDER FACE's crowds, finds them, best at full resolution
//! (`examples/leak_scenes.rs --detect` measures both).
//!
//! Each frame it searches one band along one edge, at the frame's resolution up to
//! [`SECOND_LOOK_WIDTH`] pixels wide, taking the four edges in turn: a band is a fraction
//! ([`BAND_DEPTH`]) of the frame, so a frame's second look costs about a quarter of a search of the
//! whole frame at that resolution. A face found at an edge is held for seconds by the tracker, so one
//! look every four frames keeps it covered. Faces away from the edges are BlazeFace's.

use super::photo::crop;
use super::retinaface::{RetinaNets, SIZE_STEP};
use super::{resize_rgba, Face};
use crate::error::Result;
use crate::frame::Frame;

/// Frames wider than this are shrunk to it before the edges are searched.
pub const SECOND_LOOK_WIDTH: u32 = 640;

/// How deep each band reaches into the frame, as a share of the frame's shorter side: the visible
/// part of a face cut by the edge, up to a face as tall as 40 % of the frame.
pub const BAND_DEPTH: f32 = 0.4;

/// The edges, in the order they are searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    Left,
    Right,
    Top,
    Bottom,
}

const EDGES: [Edge; 4] = [Edge::Left, Edge::Top, Edge::Right, Edge::Bottom];

/// RetinaFace planned for the bands of the last frame size, and whose turn it is.
pub struct SecondLook {
    nets: RetinaNets,
    /// The widest picture searched.
    width: u32,
    /// The frame size the networks are planned for.
    frame: (u32, u32),
    turn: usize,
    shrunk: Vec<u8>,
    band: Vec<u8>,
}

impl SecondLook {
    /// Checks the model by planning it for a small input.
    pub fn new(retinaface: &[u8]) -> Result<Self> {
        Self::with_width(retinaface, SECOND_LOOK_WIDTH)
    }

    /// [`SecondLook::new`] searching pictures at most `width` pixels wide (at least 32).
    pub fn with_width(retinaface: &[u8], width: u32) -> Result<Self> {
        Ok(SecondLook {
            nets: RetinaNets::new(retinaface)?,
            width: width.max(SIZE_STEP as u32),
            frame: (0, 0),
            turn: 0,
            shrunk: Vec::new(),
            band: Vec::new(),
        })
    }

    /// The edge the next call searches.
    pub fn next_edge(&self) -> Edge {
        EDGES[self.turn % EDGES.len()]
    }

    /// Faces along the next edge of `frame` scoring at least `threshold` once calibrated to
    /// BlazeFace's scale, in the frame's pixels.
    pub fn faces(&mut self, frame: Frame<'_>, threshold: f32) -> Result<Vec<Face>> {
        let edge = self.next_edge();
        self.turn = (self.turn + 1) % EDGES.len();
        self.faces_at(frame, edge, threshold)
    }

    /// Faces along `edge` of `frame` (see [`SecondLook::faces`]).
    pub fn faces_at(&mut self, frame: Frame<'_>, edge: Edge, threshold: f32) -> Result<Vec<Face>> {
        let (w, h) = (frame.width(), frame.height());
        if self.frame != (w, h) {
            self.nets.clear();
            self.frame = (w, h);
        }
        let sw = w.min(self.width);
        let sh = ((h as u64 * sw as u64 / w as u64) as u32).max(1);
        let scale = w as f32 / sw as f32;
        let small = if sw == w {
            frame
        } else {
            self.shrunk = resize_rgba(frame, sw, sh);
            Frame::new(&self.shrunk, sw, sh)?
        };
        let depth = ((BAND_DEPTH * sw.min(sh) as f32).round() as u32).clamp(1, sw.min(sh));
        let (x0, y0, bw, bh) = match edge {
            Edge::Left => (0, 0, depth, sh),
            Edge::Right => (sw - depth, 0, depth, sh),
            Edge::Top => (0, 0, sw, depth),
            Edge::Bottom => (0, sh - depth, sw, depth),
        };
        crop(small, x0, y0, bw, bh, &mut self.band);
        let band = Frame::new(&self.band, bw, bh)?;
        Ok(self
            .nets
            .faces(band, threshold, (x0, y0), scale)?
            .iter()
            .map(|c| Face {
                rect: c.rect,
                score: c.score,
                landmarks: c.keypoints,
            })
            .collect())
    }
}
