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
//! Turns go first to edges whose picture has changed since they were last searched ([`Watch`]): a
//! face that steps in, or a cut to a new shot, is looked for in the next frame, not up to four
//! frames later, and when two edges or more have changed, two are searched a frame. On a slow page
//! a shot of a few camera frames may be only two frames processed; taking the edges in turn, a face
//! half out at the edge searched third was never looked for.
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
    watch: Watch,
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
            watch: Watch::default(),
            shrunk: Vec::new(),
            band: Vec::new(),
        })
    }

    /// Faces along one or two edges of `frame` scoring at least `threshold` once calibrated to
    /// BlazeFace's scale, in the frame's pixels: the edge whose turn it is, changed edges first
    /// ([`Watch::choose`]), and a second edge, either the one nearest the first of `lost` (boxes of
    /// faces missed in the last frame, the most recently seen first) within a band's depth of an
    /// edge, or another edge that has changed. At most two bands a frame, so a frame costs at most
    /// half a search of the whole of it.
    pub fn faces_and_lost(
        &mut self,
        frame: Frame<'_>,
        threshold: f32,
        lost: &[Rect],
    ) -> Result<Vec<Face>> {
        let (w, h) = (frame.width() as f32, frame.height() as f32);
        let depth = BAND_DEPTH * w.min(h);
        let lost_edge = lost.iter().find_map(|r| nearest_edge(r, (w, h), depth));
        let (first, extra) = self.watch.choose(frame, lost_edge);
        let mut found = self.faces_at(frame, first, threshold)?;
        match extra {
            Some(Extra::Lost(edge)) => found.extend(self.faces_at(frame, edge, threshold)?),
            Some(Extra::Changed(edge)) => {
                let quick = (self.width / 2).max(SIZE_STEP as u32);
                found.extend(self.search(frame, edge, threshold, quick)?);
            }
            None => {}
        }
        Ok(found)
    }

    /// Faces along `edge` of `frame` scoring at least `threshold` once calibrated to BlazeFace's
    /// scale, in the frame's pixels.
    pub fn faces_at(&mut self, frame: Frame<'_>, edge: Edge, threshold: f32) -> Result<Vec<Face>> {
        self.search(frame, edge, threshold, self.width)
    }

    /// [`SecondLook::faces_at`] in `frame` shrunk to at most `width` pixels wide.
    fn search(
        &mut self,
        frame: Frame<'_>,
        edge: Edge,
        threshold: f32,
        width: u32,
    ) -> Result<Vec<Face>> {
        let (w, h) = (frame.width(), frame.height());
        if self.frame != (w, h) {
            self.nets.clear();
            self.frame = (w, h);
        }
        let sw = w.min(width);
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

/// Frames are compared on a grid of this many cells across and down, each the mean brightness of
/// its pixels.
const GRID: (usize, usize) = (32, 24);

/// A cell has changed when its mean brightness moved by more than this (of 255): a face stepping a
/// third of the way into a cell of a plain wall, or a cut; a sensor's noise, averaged over the
/// hundreds of pixels of a cell, moves it by one or two.
const CELL_CHANGE: u8 = 16;

/// An edge has changed when at least this many of its cells have.
const CHANGED_CELLS: usize = 2;

/// An edge that has changed since it was last searched goes ahead of edges waiting this many frames
/// fewer: a full round, so a changed edge is searched next unless an edge unsearched for a round
/// more is waiting.
const CHANGE_PRIORITY: u64 = EDGES.len() as u64;

/// A frame's second band, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Extra {
    /// Along the edge nearest a face missed in the last frame, searched as the first band is.
    Lost(Edge),
    /// Along another edge that has changed since it was last searched, in the frame shrunk to at
    /// most half of [`SECOND_LOOK_WIDTH`] (320 pixels wide: a quarter of the cost at 640×480, 9 ms
    /// against 30 natively). The faces it is for, stepping in or cut in whole, are large; the
    /// edge's turn at the full width comes round too.
    Changed(Edge),
}

/// Which edges to search: how long each has waited, and whether its picture has changed since.
#[derive(Default)]
struct Watch {
    /// Frames chosen for so far.
    frames: u64,
    /// The frame size the grids are of.
    size: (u32, u32),
    /// Per edge (in the order of [`EDGES`]), the frame it was last searched in.
    last: [u64; 4],
    /// Per edge, the grid when it was last searched; empty before it ever was.
    seen: [Vec<u8>; 4],
    grid: Vec<u8>,
}

impl Watch {
    /// The edges to search in `frame`: first, the edge that has waited longest, counting a changed
    /// edge as having waited [`CHANGE_PRIORITY`] frames more; second, `lost` (a lost face's edge)
    /// unless it is the first, or else the next changed edge, if any. Both are counted as searched.
    fn choose(&mut self, frame: Frame<'_>, lost: Option<Edge>) -> (Edge, Option<Extra>) {
        let size = (frame.width(), frame.height());
        if self.size != size {
            *self = Watch {
                size,
                frames: self.frames,
                ..Watch::default()
            };
        }
        self.frames += 1;
        grid(frame, &mut self.grid);
        let changed: [bool; 4] = std::array::from_fn(|k| self.changed(k, EDGES[k]));
        let priority = |k: usize| {
            let waited = self.frames - self.last[k];
            waited + if changed[k] { CHANGE_PRIORITY } else { 0 }
        };
        // Ties go to the earlier edge in `EDGES`.
        let best = |skip: Option<usize>| {
            (0..EDGES.len())
                .filter(|&k| Some(k) != skip)
                .rev()
                .max_by_key(|&k| priority(k))
                .unwrap_or(0)
        };
        let first = best(None);
        let lost = lost
            .and_then(|e| EDGES.iter().position(|&x| x == e))
            .filter(|&k| k != first);
        let changed_too = Some(best(Some(first))).filter(|&k| changed[k]);
        let second = lost.or(changed_too);
        for k in std::iter::once(first).chain(second) {
            self.last[k] = self.frames;
            self.seen[k].clone_from(&self.grid);
        }
        let extra = match (lost, changed_too) {
            (Some(k), _) => Some(Extra::Lost(EDGES[k])),
            (None, Some(k)) => Some(Extra::Changed(EDGES[k])),
            (None, None) => None,
        };
        (EDGES[first], extra)
    }

    /// Whether the band along `edge` (index `k`) has changed since it was last searched.
    fn changed(&self, k: usize, edge: Edge) -> bool {
        let seen = &self.seen[k];
        if seen.len() != self.grid.len() {
            return true;
        }
        let (w, h) = (self.size.0 as f32, self.size.1 as f32);
        let depth = BAND_DEPTH * w.min(h);
        let (cw, ch) = (w / GRID.0 as f32, h / GRID.1 as f32);
        let in_band = |i: usize| {
            let x = ((i % GRID.0) as f32 + 0.5) * cw;
            let y = ((i / GRID.0) as f32 + 0.5) * ch;
            match edge {
                Edge::Left => x < depth,
                Edge::Right => x > w - depth,
                Edge::Top => y < depth,
                Edge::Bottom => y > h - depth,
            }
        };
        let moved = (0..self.grid.len())
            .filter(|&i| in_band(i) && self.grid[i].abs_diff(seen[i]) > CELL_CHANGE)
            .count();
        moved >= CHANGED_CELLS
    }
}

/// The mean brightness of each cell of a [`GRID`] over `frame`, from every other pixel of every other
/// row, into `out`.
fn grid(frame: Frame<'_>, out: &mut Vec<u8>) {
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    let data = frame.data();
    let mut sums = vec![(0u32, 0u32); GRID.0 * GRID.1];
    for y in (0..h).step_by(2) {
        let row = (y * GRID.1 / h) * GRID.0;
        for x in (0..w).step_by(2) {
            let p = 4 * (y * w + x);
            let luma = (u32::from(data[p]) * 77
                + u32::from(data[p + 1]) * 150
                + u32::from(data[p + 2]) * 29)
                >> 8;
            let cell = &mut sums[row + x * GRID.0 / w];
            cell.0 += luma;
            cell.1 += 1;
        }
    }
    out.clear();
    out.extend(sums.iter().map(|&(sum, n)| (sum / n.max(1)) as u8));
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

    /// A 64×48 frame of grey `level`, with `blocks` (x, y, w, h) painted white.
    fn picture(level: u8, blocks: &[(usize, usize, usize, usize)]) -> Vec<u8> {
        let (w, h) = (64, 48);
        let mut rgba = vec![level; w * h * 4];
        for &(bx, by, bw, bh) in blocks {
            for y in by..by + bh {
                for x in bx..bx + bw {
                    rgba[4 * (y * w + x)..4 * (y * w + x) + 3].fill(255);
                }
            }
        }
        rgba
    }

    fn choose(watch: &mut Watch, rgba: &[u8], lost: Option<Edge>) -> (Edge, Option<Extra>) {
        watch.choose(Frame::new(rgba, 64, 48).expect("a frame"), lost)
    }

    #[test]
    fn a_still_picture_has_its_edges_searched_in_turn_one_a_frame() {
        let mut watch = Watch::default();
        let still = picture(90, &[]);
        // Never searched, every edge counts as changed: two a frame until all four have been.
        assert_eq!(
            choose(&mut watch, &still, None),
            (Edge::Left, Some(Extra::Changed(Edge::Top)))
        );
        assert_eq!(
            choose(&mut watch, &still, None),
            (Edge::Right, Some(Extra::Changed(Edge::Bottom)))
        );
        let turns: Vec<_> = (0..8).map(|_| choose(&mut watch, &still, None)).collect();
        let expected = [Edge::Left, Edge::Top, Edge::Right, Edge::Bottom];
        for (k, turn) in turns.iter().enumerate() {
            assert_eq!(*turn, (expected[k % 4], None), "frame {k}");
        }
    }

    #[test]
    fn a_cut_has_every_edge_searched_within_two_frames() {
        let mut watch = Watch::default();
        let still = picture(90, &[]);
        for _ in 0..7 {
            choose(&mut watch, &still, None);
        }
        let cut = picture(160, &[]);
        let (a, b) = choose(&mut watch, &cut, None);
        let (c, d) = choose(&mut watch, &cut, None);
        let changed = |extra| match extra {
            Some(Extra::Changed(e)) => Some(e),
            _ => None,
        };
        let mut searched: Vec<Edge> = [Some(a), changed(b), Some(c), changed(d)]
            .into_iter()
            .flatten()
            .collect();
        searched.sort_by_key(|e| EDGES.iter().position(|x| x == e));
        assert_eq!(searched, EDGES);
        // Then the picture is still again: one edge a frame.
        assert_eq!(choose(&mut watch, &cut, None).1, None);
    }

    #[test]
    fn an_edge_where_something_steps_in_is_searched_next() {
        let mut watch = Watch::default();
        let still = picture(90, &[]);
        for _ in 0..5 {
            choose(&mut watch, &still, None);
        }
        // The right edge was searched last frame, the bottom's turn is next; something bright steps
        // in at the right.
        let stepping_in = picture(90, &[(54, 20, 10, 8)]);
        assert_eq!(choose(&mut watch, &stepping_in, None), (Edge::Right, None));
        // Searched, it has not changed since: the turns go on.
        assert_eq!(choose(&mut watch, &stepping_in, None), (Edge::Bottom, None));
        // A few pixels at the top are not a change: the left edge's turn.
        let speck = picture(90, &[(54, 20, 10, 8), (30, 0, 2, 2)]);
        assert_eq!(choose(&mut watch, &speck, None), (Edge::Left, None));
    }

    #[test]
    fn a_lost_face_has_its_edge_searched_as_well() {
        let mut watch = Watch::default();
        let still = picture(90, &[]);
        for _ in 0..6 {
            choose(&mut watch, &still, None);
        }
        assert_eq!(
            choose(&mut watch, &still, Some(Edge::Bottom)),
            (Edge::Left, Some(Extra::Lost(Edge::Bottom)))
        );
        // Its own turn: one band.
        assert_eq!(
            choose(&mut watch, &still, Some(Edge::Top)),
            (Edge::Top, None)
        );
        // A new frame size starts afresh.
        let small = vec![90u8; 32 * 24 * 4];
        let frame = Frame::new(&small, 32, 24).expect("a frame");
        assert_eq!(
            watch.choose(frame, None),
            (Edge::Left, Some(Extra::Changed(Edge::Top)))
        );
    }

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
