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
//! frames later. When another edge has changed too, its band is searched at three-quarter resolution
//! (a glance, [`GLANCE_QUARTERS`]); when two or more have changed by something face-sized (a cut, a
//! camera turning), the whole frame is, at three-quarter resolution. On a slow page a shot of a few
//! camera frames may be processed only once: taking the edges in turn, or two a frame, a face half
//! out at an edge not searched in that frame was never looked for (Firefox showed one).
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

/// Glances (another changed edge's band, or the whole frame after a cut) search the frame shrunk to
/// this many quarters of [`SECOND_LOOK_WIDTH`]: 480 × 360 pixels at 640 × 480. At half (320 wide),
/// RetinaFace missed a face 81 pixels wide rising from the bottom edge, head bowed, in all but two
/// of the twelve frames where the full width found it; at three quarters it missed two. A
/// Chromium run painted that face uncovered twice while all four edges changed at once and the
/// bottom's full-width turn came every fourth frame processed.
pub const GLANCE_QUARTERS: u32 = 3;

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

    /// Faces in `frame` scoring at least `threshold` once calibrated to BlazeFace's scale, in the
    /// frame's pixels, along the edges [`Watch::choose`] picks: the edge whose turn it is (changed
    /// edges first); the edge nearest the first of `lost` (boxes of faces missed in the last frame,
    /// the most recently seen first) within a band's depth of an edge; and, at three-quarter
    /// resolution, another edge that has changed, or the whole frame when two or more have (a cut, a
    /// camera turning). A still picture costs one band a frame; the most a frame costs, two bands
    /// and the whole frame at three-quarter resolution, is about one and a half searches of the
    /// whole frame.
    pub fn faces_and_lost(
        &mut self,
        frame: Frame<'_>,
        threshold: f32,
        lost: &[Rect],
    ) -> Result<Vec<Face>> {
        let (w, h) = (frame.width() as f32, frame.height() as f32);
        let depth = BAND_DEPTH * w.min(h);
        let lost_edge = lost.iter().find_map(|r| nearest_edge(r, (w, h), depth));
        let mut found = Vec::new();
        for look in self.watch.choose(frame, lost_edge) {
            found.extend(self.look(frame, look, threshold)?);
        }
        Ok(found)
    }

    /// The faces one [`Look`] finds.
    fn look(&mut self, frame: Frame<'_>, look: Look, threshold: f32) -> Result<Vec<Face>> {
        let quick = (self.width * GLANCE_QUARTERS / 4).max(SIZE_STEP as u32);
        match look {
            Look::Band(edge) => self.search(frame, Some(edge), threshold, self.width),
            Look::QuickBand(edge) => self.search(frame, Some(edge), threshold, quick),
            Look::QuickWhole => self.search(frame, None, threshold, quick),
        }
    }

    /// Faces along `edge` of `frame` scoring at least `threshold` once calibrated to BlazeFace's
    /// scale, in the frame's pixels.
    pub fn faces_at(&mut self, frame: Frame<'_>, edge: Edge, threshold: f32) -> Result<Vec<Face>> {
        self.search(frame, Some(edge), threshold, self.width)
    }

    /// [`SecondLook::faces_at`] in `frame` shrunk to at most `width` pixels wide; without an edge,
    /// the whole frame.
    fn search(
        &mut self,
        frame: Frame<'_>,
        edge: Option<Edge>,
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
            Some(Edge::Left) => (0, 0, depth, sh),
            Some(Edge::Right) => (sw - depth, 0, depth, sh),
            Some(Edge::Top) => (0, 0, sw, depth),
            Some(Edge::Bottom) => (0, sh - depth, sw, depth),
            None => (0, 0, sw, sh),
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

/// One search of a frame's second look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Look {
    /// The band along an edge, at up to [`SECOND_LOOK_WIDTH`] pixels wide: the edge whose turn it
    /// is, or the edge nearest a face missed in the last frame.
    Band(Edge),
    /// The band along another edge that has changed since it was last searched, in the frame shrunk
    /// to [`GLANCE_QUARTERS`] of [`SECOND_LOOK_WIDTH`] (480 pixels wide at 640×480: natively 23 ms,
    /// against 10 at 320 wide and 28 for a band at the full width, AMD EPYC). The faces it is for,
    /// stepping in or cut in whole, are large; the edge's turn at the full width comes round too.
    QuickBand(Edge),
    /// The whole frame at that width, when two or more other edges have changed by something
    /// face-sized ([`Change::large`]): after a cut, or while the camera turns, every edge has
    /// changed, and on a slow page a shot of a few camera frames may be processed only once. At
    /// 640×480 it is 480×360 pixels against a full band's 640×192: about one and a half bands' worth
    /// of pixels. The edges it covers keep their turns at full width.
    QuickWhole,
}

/// The cells of an edge's band whose brightness moved by more than [`CELL_CHANGE`], and how many
/// columns and rows of the grid they span.
#[derive(Debug, Clone, Copy)]
struct Change {
    cells: usize,
    across: usize,
    down: usize,
}

impl Change {
    /// Something has changed: at least [`CHANGED_CELLS`] cells.
    fn any(self) -> bool {
        self.cells >= CHANGED_CELLS
    }

    /// Something as large as a face a glance can find has changed: cells over two columns and two
    /// rows at least. A line of cells is not (a caption, a clock, a test clip's frame-index barcode,
    /// changing every frame).
    fn large(self) -> bool {
        self.any() && self.across >= 2 && self.down >= 2
    }
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
    /// Per edge, the grid when it was last searched at full resolution; empty before it ever was.
    seen: [Vec<u8>; 4],
    /// Per edge, the grid when it was last searched at either resolution.
    glanced: [Vec<u8>; 4],
    grid: Vec<u8>,
}

impl Watch {
    /// What to search in `frame`. Each edge has a priority: the frames it has waited, plus
    /// [`CHANGE_PRIORITY`] if it has changed since searched at full resolution. First, the band
    /// along the edge of the highest priority; then `lost` (a lost face's edge) unless it is the
    /// first; then the other changed edges that moved since searched at all, at three-quarter
    /// resolution: the whole frame when two or more of them moved by something face-sized, or else
    /// the band of the one waiting longest. Bands at full resolution count as searches (their turn
    /// and their grid); searches at three-quarter resolution only as glances.
    fn choose(&mut self, frame: Frame<'_>, lost: Option<Edge>) -> Vec<Look> {
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
        let changed: [bool; 4] =
            std::array::from_fn(|k| self.change(&self.seen[k], EDGES[k]).any());
        let moved: [Change; 4] = std::array::from_fn(|k| self.change(&self.glanced[k], EDGES[k]));
        let priority = |k: usize| {
            let waited = self.frames - self.last[k];
            waited + if changed[k] { CHANGE_PRIORITY } else { 0 }
        };
        // Ties go to the earlier edge in `EDGES`.
        let first = (0..EDGES.len())
            .rev()
            .max_by_key(|&k| priority(k))
            .unwrap_or(0);
        let lost = lost
            .and_then(|e| EDGES.iter().position(|&x| x == e))
            .filter(|&k| k != first);
        // The other edges changed since searched at full resolution and moved since searched at all,
        // the one waiting longest first.
        let mut left: Vec<usize> = (0..EDGES.len())
            .filter(|&k| changed[k] && moved[k].any() && k != first && Some(k) != lost)
            .collect();
        left.sort_by_key(|&k| std::cmp::Reverse(priority(k)));
        let mut looks = vec![Look::Band(EDGES[first])];
        looks.extend(lost.map(|k| Look::Band(EDGES[k])));
        if left.iter().filter(|&&k| moved[k].large()).count() >= 2 {
            looks.push(Look::QuickWhole);
        } else if let Some(&k) = left.first() {
            looks.push(Look::QuickBand(EDGES[k]));
            // Only that edge was glanced at.
            left.truncate(1);
        }
        for k in [first].into_iter().chain(lost) {
            self.last[k] = self.frames;
            self.seen[k].clone_from(&self.grid);
        }
        // Glanced at, an edge still counts as changed, and its turn at full resolution comes first;
        // it is glanced at again only if it moves again.
        for k in [first].into_iter().chain(lost).chain(left) {
            self.glanced[k].clone_from(&self.grid);
        }
        looks
    }

    /// How the band along `edge` has changed since the grid `seen` (empty: never seen, so wholly).
    fn change(&self, seen: &[u8], edge: Edge) -> Change {
        if seen.len() != self.grid.len() {
            return Change {
                cells: self.grid.len(),
                across: GRID.0,
                down: GRID.1,
            };
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
        let moved: Vec<(usize, usize)> = (0..self.grid.len())
            .filter(|&i| in_band(i) && self.grid[i].abs_diff(seen[i]) > CELL_CHANGE)
            .map(|i| (i % GRID.0, i / GRID.0))
            .collect();
        let span = |of: fn(&(usize, usize)) -> usize| {
            let min = moved.iter().map(of).min().unwrap_or(0);
            moved.iter().map(of).max().map_or(0, |max| max - min + 1)
        };
        Change {
            cells: moved.len(),
            across: span(|c| c.0),
            down: span(|c| c.1),
        }
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

    fn choose(watch: &mut Watch, rgba: &[u8], lost: Option<Edge>) -> Vec<Look> {
        watch.choose(Frame::new(rgba, 64, 48).expect("a frame"), lost)
    }

    use Look::{Band, QuickBand, QuickWhole};

    /// The first frames of a still picture: every edge counts as changed until searched at full
    /// resolution, so the first frame searches the whole frame too, and then each edge has its
    /// band at full resolution, one a frame.
    fn start(watch: &mut Watch, still: &[u8]) {
        let first: Vec<_> = (0..4).map(|_| choose(watch, still, None)).collect();
        assert_eq!(first, every_edge_changed());
    }

    /// The looks of the four frames after every edge has changed (at the start, after a cut): the
    /// whole frame with the first band, then each other edge's band at full resolution in turn.
    fn every_edge_changed() -> [Vec<Look>; 4] {
        [
            vec![Band(Edge::Left), QuickWhole],
            vec![Band(Edge::Top)],
            vec![Band(Edge::Right)],
            vec![Band(Edge::Bottom)],
        ]
    }

    #[test]
    fn a_still_picture_has_its_edges_searched_in_turn_one_a_frame() {
        let mut watch = Watch::default();
        let still = picture(90, &[]);
        start(&mut watch, &still);
        let turns: Vec<_> = (0..8).map(|_| choose(&mut watch, &still, None)).collect();
        for (k, turn) in turns.iter().enumerate() {
            assert_eq!(*turn, [Band(EDGES[k % 4])], "frame {k}");
        }
    }

    #[test]
    fn a_cut_has_every_edge_searched_in_the_next_frame() {
        let mut watch = Watch::default();
        let still = picture(90, &[]);
        start(&mut watch, &still);
        for _ in 0..4 {
            choose(&mut watch, &still, None);
        }
        // A cut: the edge whose turn it is at full resolution, and the other three in the whole
        // frame at three-quarter resolution. They stay changed until each has had its band at full
        // resolution, one a frame, changed edges first; the whole frame is not searched again
        // unless they change again.
        let cut = picture(160, &[]);
        let after: Vec<_> = (0..4).map(|_| choose(&mut watch, &cut, None)).collect();
        assert_eq!(after, every_edge_changed());
        // A cut while a face is lost near the top: its band at full resolution too.
        assert_eq!(
            choose(&mut watch, &still, Some(Edge::Top)),
            [Band(Edge::Left), Band(Edge::Top), QuickWhole]
        );
    }

    #[test]
    fn an_edge_where_something_steps_in_is_searched_next() {
        let mut watch = Watch::default();
        let still = picture(90, &[]);
        start(&mut watch, &still);
        for _ in 0..3 {
            choose(&mut watch, &still, None);
        }
        // The right edge was searched last frame, the bottom's turn is next; something bright steps
        // in at the right.
        let stepping_in = picture(90, &[(54, 20, 10, 8)]);
        assert_eq!(choose(&mut watch, &stepping_in, None), [Band(Edge::Right)]);
        // Searched, it has not changed since: the turns go on.
        assert_eq!(choose(&mut watch, &stepping_in, None), [Band(Edge::Bottom)]);
        // A few pixels at the top are not a change: the left edge's turn.
        let speck = picture(90, &[(54, 20, 10, 8), (30, 0, 2, 2)]);
        assert_eq!(choose(&mut watch, &speck, None), [Band(Edge::Left)]);
        // Two edges changed: the second at three-quarter resolution.
        let two = picture(90, &[(54, 20, 10, 8), (0, 20, 10, 8), (20, 0, 20, 8)]);
        assert_eq!(
            choose(&mut watch, &two, None),
            [Band(Edge::Top), QuickBand(Edge::Left)]
        );
        // Three changed and a face lost at the bottom: the lost face's band at full resolution, and
        // the edge left over at three quarters.
        let three = picture(90, &[(0, 40, 64, 8), (20, 0, 20, 8)]);
        assert_eq!(
            choose(&mut watch, &three, Some(Edge::Bottom)),
            [Band(Edge::Right), Band(Edge::Bottom), QuickBand(Edge::Left)]
        );
    }

    #[test]
    fn a_line_changing_every_frame_never_has_the_whole_frame_searched() {
        // A line of cells along the bottom, there and gone each frame (a clock, a caption, a test
        // clip's barcode): a change at the left, bottom and right edges, but not one as large as a
        // face.
        let mut watch = Watch::default();
        let still = picture(90, &[]);
        start(&mut watch, &still);
        let line = picture(90, &[(0, 44, 64, 2)]);
        for n in 0..8 {
            let looks = choose(&mut watch, if n % 2 == 0 { &line } else { &still }, None);
            assert!(!looks.contains(&QuickWhole), "frame {n}: {looks:?}");
        }
        // A cut: the whole frame.
        let cut = picture(160, &[(0, 44, 64, 2)]);
        assert!(choose(&mut watch, &cut, None).contains(&QuickWhole));
    }

    #[test]
    fn a_lost_face_has_its_edge_searched_as_well() {
        let mut watch = Watch::default();
        let still = picture(90, &[]);
        start(&mut watch, &still);
        for _ in 0..2 {
            choose(&mut watch, &still, None);
        }
        assert_eq!(
            choose(&mut watch, &still, Some(Edge::Bottom)),
            [Band(Edge::Right), Band(Edge::Bottom)]
        );
        // Its own turn: one band.
        assert_eq!(
            choose(&mut watch, &still, Some(Edge::Left)),
            [Band(Edge::Left)]
        );
        // A new frame size starts afresh.
        let small = vec![90u8; 32 * 24 * 4];
        let frame = Frame::new(&small, 32, 24).expect("a frame");
        assert_eq!(watch.choose(frame, None), [Band(Edge::Left), QuickWhole]);
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
