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
//!
//! A face lost near an edge is looked for at once: while the tracker holds a face that was missed
//! last frame, the band along the edge nearest it is searched too, whoever's turn it is
//! ([`SecondLook::faces_and_lost`]). A face moving fast, smeared, is missed by BlazeFace frames
//! running, and where it goes meanwhile no rule can foresee (it may turn back at the edge).

use super::photo::crop;
use super::retinaface::{RetinaNets, SIZE_STEP};
use super::{resize_rgba, Face};
use crate::error::Result;
use crate::frame::Frame;
use crate::geometry::Rect;

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

    /// [`SecondLook::faces`], and where the faces in `lost` (boxes of faces missed in the last
    /// frame, the most recently seen first) were: the band along the edge nearest the first of them
    /// within a band's depth of an edge is searched as well, unless it is this frame's turn anyway.
    /// At most two bands a frame, so a frame costs at most half a search of the whole of it.
    pub fn faces_and_lost(
        &mut self,
        frame: Frame<'_>,
        threshold: f32,
        lost: &[Rect],
    ) -> Result<Vec<Face>> {
        let turn = self.next_edge();
        let (w, h) = (frame.width() as f32, frame.height() as f32);
        let depth = BAND_DEPTH * w.min(h);
        let extra = lost
            .iter()
            .find_map(|r| nearest_edge(r, (w, h), depth))
            .filter(|e| *e != turn);
        let mut found = self.faces(frame, threshold)?;
        if let Some(edge) = extra {
            found.extend(self.faces_at(frame, edge, threshold)?);
        }
        Ok(found)
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

/// The edge of a `frame` = (width, height) nearest a box, if the box reaches within `depth` of it.
fn nearest_edge(r: &Rect, (w, h): (f32, f32), depth: f32) -> Option<Edge> {
    if !r.is_finite() {
        return None;
    }
    [
        (Edge::Left, r.x),
        (Edge::Right, w - r.right()),
        (Edge::Top, r.y),
        (Edge::Bottom, h - r.bottom()),
    ]
    .into_iter()
    .filter(|(_, d)| *d < depth)
    .min_by(|a, b| a.1.total_cmp(&b.1))
    .map(|(e, _)| e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_face_is_looked_for_along_its_nearest_edge() {
        let frame = (640.0, 480.0);
        let at = |x, y| Rect::new(x, y, 60.0, 90.0);
        assert_eq!(
            nearest_edge(&at(575.0, 170.0), frame, 192.0),
            Some(Edge::Right)
        );
        assert_eq!(
            nearest_edge(&at(-20.0, 170.0), frame, 192.0),
            Some(Edge::Left)
        );
        assert_eq!(
            nearest_edge(&at(300.0, 400.0), frame, 192.0),
            Some(Edge::Bottom)
        );
        assert_eq!(nearest_edge(&at(300.0, 5.0), frame, 192.0), Some(Edge::Top));
        assert_eq!(nearest_edge(&at(290.0, 195.0), frame, 192.0), None);
        assert_eq!(nearest_edge(&at(f32::NAN, 0.0), frame, 192.0), None);
    }
}
