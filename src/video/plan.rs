//! What to cover in each frame of a video file, once every frame has been searched. Unlike a live
//! camera, a file's whole future is known, so covering looks both ways:
//! - **Linking:** detections become tracks, frame by frame, each detection continuing the track whose
//!   predicted box it overlaps; a track missed for up to [`MAX_GAP_MS`] is continued across the gap.
//! - **Bridging:** between two sightings of a track, its box is interpolated (and grown), so a face
//!   missed for a few frames stays covered.
//! - **Lead and trail:** before a track's first sighting and after its last, its box is carried on
//!   along its velocity, grown, for [`LEAD_MS`]; a face found at the frame's edge is carried back
//!   out past that edge (it came in from there, partly in view before any detector found it) for up
//!   to [`EDGE_LEAD_MS`], until its box has left the frame.
//!
//! Pure: boxes in, boxes out. Detecting is `video::detect`'s, painting is `redact`'s.

use crate::geometry::Rect;
use crate::track::EDGE_MARGIN;

/// A track missed for longer than this is ended; a detection after it starts a new track.
pub const MAX_GAP_MS: f64 = 1000.0;
/// How long before its first sighting and after its last a track stays covered.
pub const LEAD_MS: f64 = 500.0;
/// How long at most a track found at the frame's edge is carried back out past it.
pub const EDGE_LEAD_MS: f64 = 2000.0;
/// Faces smaller than this many pixels tall are found only on the frames the small-face search
/// runs on (`video::detect::SMALL_FACE_EVERY`), and not on all of them: their tracks bridge gaps of
/// up to [`SMALL_GAP_MS`] and are covered for [`SMALL_LEAD_MS`] before and after.
pub const SMALL_FACE: f32 = 48.0;
/// See [`SMALL_FACE`].
pub const SMALL_GAP_MS: f64 = 3000.0;
/// See [`SMALL_FACE`].
pub const SMALL_LEAD_MS: f64 = 2000.0;
/// A box carried on past its sightings grows by this fraction of its size per second.
const GROWTH_PER_SECOND: f32 = 1.0;
/// ... to at most this many times its size.
const MAX_GROWTH: f32 = 2.0;
/// A box interpolated across a gap grows by at least this factor.
const GAP_GROWTH: f32 = 1.2;
/// A detection continues a track when their IoU is above this, or its centre is within the track's
/// predicted box.
const MATCH_IOU: f32 = 0.2;
/// A detection continues a track only if their sizes differ by less than this factor.
const MAX_SIZE_RATIO: f32 = 2.0;
/// A sighting's box is joined with its neighbours' line when they are at most this many frames apart.
const NEIGHBOURS: u32 = 4;
/// While linking, whether a track is small is judged on this many of its latest sightings.
const RECENT_SIGHTINGS: usize = 15;
/// Velocity is measured over at most this many sightings at each end of a track.
const VELOCITY_SIGHTINGS: usize = 6;

/// One face over time: where it was seen, frame by frame (sorted, at most one box a frame).
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    pub sightings: Vec<(u32, Rect)>,
}

impl Track {
    /// The first frame the track was seen in.
    pub fn first(&self) -> u32 {
        self.sightings.first().map_or(0, |s| s.0)
    }

    /// The last frame the track was seen in.
    pub fn last(&self) -> u32 {
        self.sightings.last().map_or(0, |s| s.0)
    }

    /// Whether the face is small (see [`SMALL_FACE`]): its median height over all its sightings.
    pub fn is_small(&self) -> bool {
        median_height(&self.sightings) < SMALL_FACE
    }

    /// The largest box the track was seen at, and the frame: for a thumbnail.
    pub fn best(&self) -> Option<(u32, Rect)> {
        self.sightings
            .iter()
            .copied()
            .max_by(|a, b| a.1.area().total_cmp(&b.1.area()))
    }

    /// Pixels per frame, measured over `sightings` (oldest first) by least squares on the centres.
    fn velocity(sightings: &[(u32, Rect)]) -> (f32, f32) {
        if sightings.len() < 2 {
            return (0.0, 0.0);
        }
        let n = sightings.len() as f32;
        let mean = |f: &dyn Fn(&(u32, Rect)) -> f32| sightings.iter().map(f).sum::<f32>() / n;
        let mt = mean(&|s| s.0 as f32);
        let mx = mean(&|s| s.1.center().x);
        let my = mean(&|s| s.1.center().y);
        let var = sightings
            .iter()
            .map(|s| (s.0 as f32 - mt).powi(2))
            .sum::<f32>();
        if var <= 0.0 {
            return (0.0, 0.0);
        }
        let cov = |f: &dyn Fn(&(u32, Rect)) -> f32, m: f32| {
            sightings
                .iter()
                .map(|s| (s.0 as f32 - mt) * (f(s) - m))
                .sum::<f32>()
        };
        (
            cov(&|s| s.1.center().x, mx) / var,
            cov(&|s| s.1.center().y, my) / var,
        )
    }
}

/// The plan for a whole video: its tracks, and how to turn them into covers frame by frame.
#[derive(Debug, Clone)]
pub struct CoverPlan {
    width: u32,
    height: u32,
    frames: u32,
    fps: f64,
    tracks: Vec<Track>,
    /// Per track: whether to cover it (a person who consents may be left uncovered on purpose).
    covered: Vec<bool>,
    /// Per track: whether its face is small ([`Track::is_small`], worked out once).
    small: Vec<bool>,
    /// Per frame: boxes drawn by hand over a span of frames.
    drawn: Vec<(u32, u32, Rect)>,
}

impl CoverPlan {
    /// Link the detections of each frame (`sightings[i]` for frame `i`) of a `width`×`height` video at
    /// `fps` frames a second into tracks.
    pub fn new(width: u32, height: u32, fps: f64, sightings: &[Vec<Rect>]) -> CoverPlan {
        let fps = if fps.is_finite() && fps > 0.0 {
            fps
        } else {
            30.0
        };
        let max_gap = frames_in(MAX_GAP_MS, fps);
        let small_gap = frames_in(SMALL_GAP_MS, fps);
        let mut tracks: Vec<Track> = Vec::new();
        // Tracks that may still continue, by index.
        let mut open: Vec<usize> = Vec::new();
        for (i, found) in sightings.iter().enumerate() {
            let i = i as u32;
            open.retain(|&t| {
                // While linking, a track's size is its recent sightings' (cheap at every frame).
                let s = &tracks[t].sightings;
                let recent = &s[s.len().saturating_sub(RECENT_SIGHTINGS)..];
                let gap = if median_height(recent) < SMALL_FACE {
                    small_gap
                } else {
                    max_gap
                };
                i - tracks[t].last() <= gap
            });
            // Every (track, detection) pair that may match, best first.
            let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
            for &t in &open {
                let predicted = predict(&tracks[t], i);
                for (d, rect) in found.iter().enumerate() {
                    if let Some(quality) = match_quality(&predicted, rect) {
                        pairs.push((quality, t, d));
                    }
                }
            }
            pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
            let mut taken_track = vec![false; tracks.len()];
            let mut taken_found = vec![false; found.len()];
            for (_, t, d) in pairs {
                if taken_track[t] || taken_found[d] {
                    continue;
                }
                taken_track[t] = true;
                taken_found[d] = true;
                tracks[t].sightings.push((i, found[d]));
            }
            for (d, rect) in found.iter().enumerate() {
                if !taken_found[d] && rect.is_finite() && rect.w > 0.0 && rect.h > 0.0 {
                    open.push(tracks.len());
                    tracks.push(Track {
                        sightings: vec![(i, *rect)],
                    });
                }
            }
        }
        let covered = vec![true; tracks.len()];
        let small = tracks.iter().map(Track::is_small).collect();
        CoverPlan {
            width,
            height,
            frames: sightings.len() as u32,
            fps,
            tracks,
            covered,
            small,
            drawn: Vec::new(),
        }
    }

    /// The tracks, in the order they were first seen.
    pub fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    /// Leave track `index` uncovered (`false`) or cover it again. Unknown indices are ignored.
    pub fn set_covered(&mut self, index: usize, covered: bool) {
        if let Some(c) = self.covered.get_mut(index) {
            *c = covered;
        }
    }

    /// Whether track `index` is covered.
    pub fn is_covered(&self, index: usize) -> bool {
        self.covered.get(index).copied().unwrap_or(false)
    }

    /// Cover `rect` in frames `first..=last` too, whatever was found there.
    pub fn draw(&mut self, first: u32, last: u32, rect: Rect) {
        if rect.is_finite() && rect.w > 0.0 && rect.h > 0.0 {
            self.drawn.push((first.min(last), first.max(last), rect));
        }
    }

    /// Remove the boxes drawn by hand.
    pub fn clear_drawn(&mut self) {
        self.drawn.clear();
    }

    /// The boxes to cover in frame `i`, each with the track it belongs to (`None` for boxes drawn by
    /// hand), before the mask scale. Boxes near an edge are stretched past it.
    pub fn covers(&self, i: u32) -> Vec<(Option<usize>, Rect)> {
        let mut out = Vec::new();
        for (t, track) in self.tracks.iter().enumerate() {
            if !self.covered[t] {
                continue;
            }
            if let Some(rect) = self.track_cover(track, self.small[t], i) {
                out.push((Some(t), rect));
            }
        }
        for &(first, last, rect) in &self.drawn {
            if (first..=last).contains(&i) {
                out.push((None, rect));
            }
        }
        out
    }

    /// Where `track` is to be covered in frame `i`, if at all.
    fn track_cover(&self, track: &Track, small: bool, i: u32) -> Option<Rect> {
        let s = &track.sightings;
        let (first, last) = (track.first(), track.last());
        let lead = frames_in(if small { SMALL_LEAD_MS } else { LEAD_MS }, self.fps);
        let edge_lead = frames_in(EDGE_LEAD_MS, self.fps);
        if i < first {
            let ends = &s[..s.len().min(VELOCITY_SIGHTINGS)];
            return self.carried(
                ends[0].1,
                Track::velocity(ends),
                first - i,
                lead,
                edge_lead,
                -1.0,
            );
        }
        if i > last {
            let ends = &s[s.len().saturating_sub(VELOCITY_SIGHTINGS)..];
            return self.carried(
                ends[ends.len() - 1].1,
                Track::velocity(ends),
                i - last,
                lead,
                edge_lead,
                1.0,
            );
        }
        let at = s.partition_point(|&(f, _)| f < i);
        let (fb, b) = s[at];
        if fb == i {
            // A detector's box is now and then off (a turn, blur, another detector's idea of a
            // face): the box is joined with what the sightings either side say, when they are near.
            let (before, after) = (at.checked_sub(1).map(|k| s[k]), s.get(at + 1).copied());
            return Some(self.near_edge(match (before, after) {
                (Some(a), Some(c)) if c.0 - a.0 <= NEIGHBOURS => b.union(&between(a, c, i)),
                _ => b,
            }));
        }
        let (fa, a) = s[at - 1];
        let mid = between((fa, a), (fb, b), i);
        let gap_s = (fb - fa) as f32 / self.fps as f32;
        let grow = (1.0 + GROWTH_PER_SECOND * gap_s / 2.0).clamp(GAP_GROWTH, MAX_GROWTH);
        Some(self.near_edge(mid.scaled(grow)))
    }

    /// `rect` carried `k` frames along `velocity` (pixels a frame) in `direction` (1 forward, -1
    /// backward), grown; `None` once past the lead, or, for a box at the edge, once it has left the
    /// frame or is past the longer edge lead.
    fn carried(
        &self,
        rect: Rect,
        velocity: (f32, f32),
        k: u32,
        lead: u32,
        edge_lead: u32,
        direction: f32,
    ) -> Option<Rect> {
        let at_edge = self.is_near_edge(&rect);
        if k > if at_edge { edge_lead } else { lead } {
            return None;
        }
        let kf = k as f32;
        let grow = (1.0 + GROWTH_PER_SECOND * kf / self.fps as f32).min(MAX_GROWTH);
        let c = rect.center();
        let moved = Rect::from_center(
            c.x + velocity.0 * kf * direction,
            c.y + velocity.1 * kf * direction,
            rect.w * grow,
            rect.h * grow,
        );
        let (w, h) = (self.width as f32, self.height as f32);
        let outside = moved.right() <= 0.0 || moved.bottom() <= 0.0 || moved.x >= w || moved.y >= h;
        if outside {
            return None;
        }
        if at_edge && k > lead && !self.is_near_edge(&moved) {
            // Carried back inwards: the face did not come in from this edge, and the short lead is over.
            return None;
        }
        Some(self.near_edge(moved))
    }

    fn is_near_edge(&self, rect: &Rect) -> bool {
        rect.past_edges(self.width, self.height, EDGE_MARGIN) != *rect
    }

    /// `rect`, stretched past the edges it is near.
    fn near_edge(&self, rect: Rect) -> Rect {
        rect.past_edges(self.width, self.height, EDGE_MARGIN)
    }

    /// Frames in the video.
    pub fn frames(&self) -> u32 {
        self.frames
    }
}

/// The box at frame `i` on the straight line between two sightings.
fn between((fa, a): (u32, Rect), (fb, b): (u32, Rect), i: u32) -> Rect {
    let t = if fb > fa {
        (i as f32 - fa as f32) / (fb - fa) as f32
    } else {
        0.0
    };
    let lerp = |p: f32, q: f32| p + (q - p) * t;
    Rect::new(
        lerp(a.x, b.x),
        lerp(a.y, b.y),
        lerp(a.w, b.w),
        lerp(a.h, b.h),
    )
}

/// The median height of the boxes of `sightings` (infinite for none).
fn median_height(sightings: &[(u32, Rect)]) -> f32 {
    let mut heights: Vec<f32> = sightings.iter().map(|s| s.1.h).collect();
    heights.sort_by(f32::total_cmp);
    heights
        .get(heights.len() / 2)
        .copied()
        .unwrap_or(f32::INFINITY)
}

/// Whole frames in `ms` milliseconds at `fps`, at least one.
fn frames_in(ms: f64, fps: f64) -> u32 {
    ((ms / 1000.0 * fps).ceil() as u32).max(1)
}

/// Where `track` should be in frame `i`: its last box moved along its recent velocity.
fn predict(track: &Track, i: u32) -> Rect {
    let s = &track.sightings;
    let ends = &s[s.len().saturating_sub(VELOCITY_SIGHTINGS)..];
    let (vx, vy) = Track::velocity(ends);
    let (f, r) = s[s.len() - 1];
    let k = (i - f) as f32;
    let c = r.center();
    Rect::from_center(c.x + vx * k, c.y + vy * k, r.w, r.h)
}

/// How well detection `rect` continues a track predicted at `predicted` (higher is better), or
/// `None` if it does not.
fn match_quality(predicted: &Rect, rect: &Rect) -> Option<f32> {
    let ratio = (rect.area() / predicted.area().max(1e-6)).sqrt();
    if !(1.0 / MAX_SIZE_RATIO..=MAX_SIZE_RATIO).contains(&ratio) {
        return None;
    }
    let iou = predicted.iou(rect);
    let c = rect.center();
    let inside = c.x >= predicted.x
        && c.x <= predicted.right()
        && c.y >= predicted.y
        && c.y <= predicted.bottom();
    (iou > MATCH_IOU || inside).then_some(iou)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f32, y: f32) -> Rect {
        Rect::new(x, y, 60.0, 60.0)
    }

    #[test]
    fn a_gliding_face_is_one_track_bridged_across_misses() {
        // 30 frames, 4 px a frame, missed in frames 10 to 14.
        let sightings: Vec<Vec<Rect>> = (0..30)
            .map(|i| {
                if (10..15).contains(&i) {
                    vec![]
                } else {
                    vec![square(100.0 + 4.0 * i as f32, 100.0)]
                }
            })
            .collect();
        let plan = CoverPlan::new(640, 480, 30.0, &sightings);
        assert_eq!(plan.tracks().len(), 1);
        for i in 10..15 {
            let covers = plan.covers(i);
            assert_eq!(covers.len(), 1);
            let truth = square(100.0 + 4.0 * i as f32, 100.0);
            assert!(
                covers[0].1.intersection(&truth) >= truth.area() * 0.999,
                "frame {i}"
            );
        }
    }

    #[test]
    fn two_faces_crossing_paths_stay_two_tracks() {
        let sightings: Vec<Vec<Rect>> = (0..40)
            .map(|i| {
                let d = 6.0 * i as f32;
                vec![square(100.0 + d, 200.0), square(400.0 - d, 260.0)]
            })
            .collect();
        let plan = CoverPlan::new(640, 480, 30.0, &sightings);
        assert_eq!(plan.tracks().len(), 2);
        for t in plan.tracks() {
            assert_eq!(t.sightings.len(), 40);
        }
    }

    #[test]
    fn a_face_found_at_the_edge_is_covered_back_out_past_it() {
        // Slides in from the left at 3 px a frame; found from frame 20, when its box starts at x=0.
        let truth = |i: u32| square(-60.0 + 3.0 * i as f32, 200.0);
        let sightings: Vec<Vec<Rect>> = (0..60)
            .map(|i| if i >= 20 { vec![truth(i)] } else { vec![] })
            .collect();
        let plan = CoverPlan::new(640, 480, 30.0, &sightings);
        for i in 0..20 {
            let t = truth(i);
            let visible = Rect::new(t.x.max(0.0), t.y, t.right().max(0.0) - t.x.max(0.0), t.h);
            if visible.w <= 0.0 {
                continue;
            }
            let covered: f32 = plan
                .covers(i)
                .iter()
                .map(|c| c.1.intersection(&visible))
                .sum();
            assert!(
                covered >= visible.area() * 0.999,
                "frame {i}: {covered} of {}",
                visible.area()
            );
        }
    }

    #[test]
    fn a_face_flashing_for_one_frame_is_covered_around_it() {
        let mut sightings = vec![Vec::new(); 30];
        sightings[20].push(square(300.0, 200.0));
        let plan = CoverPlan::new(640, 480, 30.0, &sightings);
        assert_eq!(plan.covers(20).len(), 1);
        assert_eq!(plan.covers(19).len(), 1);
        assert_eq!(plan.covers(21).len(), 1);
        assert!(plan.covers(0).is_empty(), "the lead is half a second");
    }

    #[test]
    fn small_faces_found_now_and_then_are_bridged_and_covered_longer() {
        // A 20-pixel face found only every 36 frames (the small-face search missed it in between).
        let sightings: Vec<Vec<Rect>> = (0..120)
            .map(|i| {
                if i % 36 == 18 {
                    vec![Rect::new(200.0, 100.0, 14.0, 20.0)]
                } else {
                    vec![]
                }
            })
            .collect();
        let plan = CoverPlan::new(1280, 720, 30.0, &sightings);
        assert_eq!(plan.tracks().len(), 1);
        for i in 0..120 {
            assert_eq!(plan.covers(i).len(), 1, "frame {i}");
        }
    }

    #[test]
    fn a_track_left_uncovered_on_purpose_has_no_cover_and_drawn_boxes_do() {
        let sightings = vec![vec![square(300.0, 200.0)]; 10];
        let mut plan = CoverPlan::new(640, 480, 30.0, &sightings);
        plan.set_covered(0, false);
        assert!(plan.covers(5).is_empty());
        plan.draw(7, 3, square(10.0, 10.0));
        assert_eq!(plan.covers(3).len(), 1);
        assert!(plan.covers(8).is_empty());
        plan.set_covered(0, true);
        assert_eq!(plan.covers(5).len(), 2);
    }

    #[test]
    fn boxes_that_are_not_numbers_are_ignored() {
        let sightings = vec![vec![
            Rect::new(f32::NAN, 0.0, 10.0, 10.0),
            Rect::new(0.0, 0.0, -1.0, 5.0),
        ]];
        let plan = CoverPlan::new(640, 480, f64::NAN, &sightings);
        assert!(plan.tracks().is_empty());
    }
}
