//! Faces over time, for live protection that fails closed: a face the detector misses for a few frames
//! (a turn of the head, motion blur, a hand) stays covered. Each face becomes a track; a track not
//! seen in this frame is held for [`HOLD_MS`], moved along its last velocity and grown as it ages, so
//! the cover stays over a face that keeps moving. Does not detect (that is `detect`) nor paint (that is
//! `redact`).

use crate::geometry::Rect;

/// How long a face missed by the detector stays covered. At least half a second, by design.
pub const HOLD_MS: f64 = 800.0;
/// How long a face last seen cut by the frame's edge stays covered once missed: detectors find a face
/// half out of the picture only now and then, and a face parked there must stay covered.
pub const EDGE_HOLD_MS: f64 = 3000.0;
/// A box within this share of its size from the frame's edge counts as cut by it.
pub const EDGE_MARGIN: f32 = 0.1;
/// A held box grows to at most this many times its size.
const MAX_HELD_GROWTH: f32 = 1.5;
/// A detection continues a track when their IoU is above this (or its centre lies in the track).
const MATCH_IOU: f32 = 0.2;
/// A held box grows by this fraction of its size per second unseen, to cover unpredicted motion.
const GROWTH_PER_SECOND: f32 = 1.0;
/// A held box grows by at least this factor, the moment it is first missed.
const MIN_HELD_GROWTH: f32 = 1.15;
/// Velocity estimates are smoothed with this weight for the newest measurement.
const VELOCITY_SMOOTHING: f32 = 0.5;
/// Frames further apart than this do not update velocity (the camera was paused, the tab hidden).
const MAX_VELOCITY_GAP_MS: f64 = 500.0;

#[derive(Debug, Clone, Copy)]
struct Track {
    rect: Rect,
    /// What to cover while the face is detected: `rect`, or more when the face seems partly hidden.
    cover: Rect,
    /// Pixels per millisecond.
    vx: f32,
    vy: f32,
    last_seen: f64,
    /// Whether `vx` and `vy` have been measured yet.
    moving: bool,
    /// Frames in a row the face has been detected in, up to now.
    run: u32,
    /// Its last box of the whole face, and when: a detector may find only part of a face cut by the
    /// frame's edge (an eye and a brow, a box half as tall), and a face does not shrink that much in
    /// a frame, so that box stays covered for [`HOLD_MS`] while the boxes are that much smaller.
    whole: (Rect, f64),
}

/// A box smaller than this share of its track's last whole box (in height or width) is taken to be
/// of part of the face.
const PART_OF_FACE: f32 = 0.8;

/// Tracks of the faces seen recently.
#[derive(Debug, Clone)]
pub struct Tracker {
    tracks: Vec<Track>,
    /// The frame's width and height, for telling faces cut by its edge (0 when unknown).
    frame: (f32, f32),
    /// When the previous frame was taken.
    previous: f64,
}

impl Default for Tracker {
    fn default() -> Self {
        Tracker {
            tracks: Vec::new(),
            frame: (0.0, 0.0),
            previous: f64::NEG_INFINITY,
        }
    }
}

/// What one frame does to the tracks.
#[derive(Debug, Clone, PartialEq)]
pub struct Tracked {
    /// The boxes to cover in this frame: every detection as it is, and every face missed but seen
    /// within [`HOLD_MS`], moved and grown.
    pub cover: Vec<Rect>,
    /// This frame's detections, each with how long its face has been found without a break.
    pub found: Vec<Found>,
}

/// A detection and its face's recent history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Found {
    pub rect: Rect,
    /// Frames in a row this face has been detected in, this one included (1 for a face found now).
    pub run: u32,
    /// Where and when its track last saw it before, if it continues a track: the face passed between
    /// the two boxes in the frames taken meanwhile, found there or not.
    pub before: Option<(Rect, f64)>,
}

impl Tracker {
    pub fn new() -> Self {
        Tracker::default()
    }

    /// Say how large the frames are, so that faces cut by their edge are held longer and faces whose
    /// predicted box has left the frame are let go ([`EDGE_HOLD_MS`]).
    pub fn set_frame_size(&mut self, width: u32, height: u32) {
        self.frame = (width as f32, height as f32);
    }

    /// Forget every track (a new camera, a new clip).
    pub fn reset(&mut self) {
        *self = Tracker {
            frame: self.frame,
            ..Tracker::default()
        };
    }

    /// Feed this frame's detections, taken at `now_ms`.
    pub fn update(&mut self, faces: &[Rect], now_ms: f64) -> Tracked {
        let now = if now_ms.is_finite() {
            now_ms
        } else {
            self.latest()
        };
        let mut matched = vec![false; self.tracks.len()];
        let mut fresh = Vec::new();
        let mut found = Vec::new();
        for face in faces
            .iter()
            .filter(|f| f.is_finite() && f.w > 0.0 && f.h > 0.0)
        {
            let best = self
                .tracks
                .iter()
                .enumerate()
                .filter(|(i, _)| !matched[*i])
                .map(|(i, t)| (i, continuity(&t.rect, face)))
                .filter(|(_, s)| *s > 0.0)
                .max_by(|a, b| a.1.total_cmp(&b.1));
            match best {
                Some((i, _)) => {
                    matched[i] = true;
                    let t = &mut self.tracks[i];
                    if t.last_seen < self.previous {
                        t.run = 0;
                    }
                    t.run += 1;
                    found.push(Found {
                        rect: *face,
                        run: t.run,
                        before: Some((t.rect, t.last_seen)),
                    });
                    // Where the track says the face is now is covered too: boxes of a face cut by
                    // the frame's edge jump about from frame to frame (and between detectors), a
                    // face smeared by fast motion is found behind where it is, and a face partly
                    // hidden is found smaller.
                    let (whole, when) = t.whole;
                    let part = face.h < PART_OF_FACE * whole.h || face.w < PART_OF_FACE * whole.w;
                    if !part || now - when > HOLD_MS {
                        t.whole = (*face, now);
                    }
                    t.cover = face.union(&moved(t, now)).union(&t.whole.0);
                    let dt = now - t.last_seen;
                    if dt > 0.0 && dt < MAX_VELOCITY_GAP_MS {
                        let (old, new) = (t.rect.center(), face.center());
                        let (vx, vy) = ((new.x - old.x) / dt as f32, (new.y - old.y) / dt as f32);
                        // The first measurement is taken as it is: smoothed towards the 0 a track
                        // starts with, a face coming in fast would be foreseen at half its speed.
                        let k = if t.moving { VELOCITY_SMOOTHING } else { 1.0 };
                        t.vx = t.vx * (1.0 - k) + vx * k;
                        t.vy = t.vy * (1.0 - k) + vy * k;
                        t.moving = true;
                    }
                    t.rect = *face;
                    t.last_seen = now;
                }
                None => {
                    found.push(Found {
                        rect: *face,
                        run: 1,
                        before: None,
                    });
                    fresh.push(Track {
                        rect: *face,
                        cover: *face,
                        run: 1,
                        vx: 0.0,
                        vy: 0.0,
                        moving: false,
                        last_seen: now,
                        whole: (*face, now),
                    })
                }
            }
        }
        let frame = self.frame;
        self.tracks.retain(|t| {
            let unseen = now - t.last_seen;
            if frame.0 <= 0.0 || unseen <= 0.0 {
                return unseen <= HOLD_MS;
            }
            // Gone once its predicted box has left the frame by a margin of its size.
            let m = moved(t, now).scaled(1.0 + 2.0 * EDGE_MARGIN);
            let left = m.right() < 0.0 || m.bottom() < 0.0 || m.x > frame.0 || m.y > frame.1;
            let hold = if cut_by_edge(&t.rect, frame) {
                EDGE_HOLD_MS
            } else {
                HOLD_MS
            };
            !left && unseen <= hold
        });
        self.tracks.extend(fresh);
        self.previous = self.previous.max(now);
        Tracked {
            cover: self.tracks.iter().map(|t| covered(t, now, frame)).collect(),
            found,
        }
    }

    /// The last boxes of faces missed in the newest frame, the most recently seen first.
    pub fn lost(&self) -> Vec<Rect> {
        let mut lost: Vec<&Track> = self
            .tracks
            .iter()
            .filter(|t| t.last_seen < self.previous)
            .collect();
        lost.sort_by(|a, b| b.last_seen.total_cmp(&a.last_seen));
        lost.into_iter().map(|t| t.rect).collect()
    }

    fn latest(&self) -> f64 {
        self.tracks.iter().map(|t| t.last_seen).fold(0.0, f64::max)
    }
}

/// How well a detection continues a track: its IoU, or a small positive value when the detection's
/// centre lies inside the track (fast motion shrinks IoU), else 0.
fn continuity(track: &Rect, face: &Rect) -> f32 {
    let iou = track.iou(face);
    if iou > MATCH_IOU {
        return iou;
    }
    let c = face.center();
    let inside = c.x >= track.x && c.x <= track.right() && c.y >= track.y && c.y <= track.bottom();
    if inside {
        MATCH_IOU / 2.0
    } else {
        0.0
    }
}

/// Whether a box reaches within [`EDGE_MARGIN`] of its size of a `frame` = (width, height) edge.
fn cut_by_edge(r: &Rect, frame: (f32, f32)) -> bool {
    let (mx, my) = (EDGE_MARGIN * r.w, EDGE_MARGIN * r.h);
    r.x < mx || r.y < my || r.right() > frame.0 - mx || r.bottom() > frame.1 - my
}

/// The track's last box, moved along its velocity to `now`.
fn moved(t: &Track, now: f64) -> Rect {
    // Motion is foreseen no further than the usual hold: a face held longer (at the frame's edge) is
    // more likely to have stopped than to have gone on.
    let age = (now - t.last_seen).clamp(0.0, HOLD_MS) as f32;
    let c = t.rect.center();
    Rect::from_center(c.x + t.vx * age, c.y + t.vy * age, t.rect.w, t.rect.h)
}

/// What to cover for a track at `now` in a `frame` = (width, height) (0 × 0 when unknown).
fn covered(t: &Track, now: f64, frame: (f32, f32)) -> Rect {
    let age = (now - t.last_seen).max(0.0);
    if age == 0.0 {
        return t.cover;
    }
    let moved = moved(t, now);
    if age > HOLD_MS {
        // Held this long only at the frame's edge ([`EDGE_HOLD_MS`]): a face that went on or went
        // back out has gone by now, and one still here is parked where it was last covered.
        return t.cover.union(&moved).scaled(MIN_HELD_GROWTH);
    }
    let growth =
        (1.0 + GROWTH_PER_SECOND * age as f32 / 1000.0).clamp(MIN_HELD_GROWTH, MAX_HELD_GROWTH);
    // Grow around the moved box and keep covering where the face was last covered too: not only its
    // last box, which for a face cut by the frame's edge may be of a part of it (an eye and a brow,
    // half as tall as the box before).
    let held = moved.scaled(growth).union(&t.cover.scaled(MIN_HELD_GROWTH));
    if frame.0 <= 0.0 || frame.1 <= 0.0 {
        return held;
    }
    // A face missed near the frame's edge may have turned and left through it, against the velocity
    // it came in with (a face that came in, looked and went back out): the way out is covered too.
    // Near by the face's own size (its last box, or its last whole box if that box was of a part),
    // not by its cover's, which has grown with the hold.
    let face = t.rect.union(&t.whole.0);
    held.union(&face.reaching_edges(frame.0 as u32, frame.1 as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FACE: Rect = Rect {
        x: 100.0,
        y: 100.0,
        w: 50.0,
        h: 50.0,
    };

    fn contains(outer: &Rect, inner: &Rect) -> bool {
        outer.x <= inner.x
            && outer.y <= inner.y
            && outer.right() >= inner.right()
            && outer.bottom() >= inner.bottom()
    }

    #[test]
    fn faces_missed_in_the_newest_frame_are_lost_most_recent_first() {
        let mut t = Tracker::new();
        let other = Rect::new(300.0, 300.0, 40.0, 40.0);
        t.update(&[FACE], 0.0);
        t.update(&[FACE, other], 33.0);
        assert!(t.lost().is_empty());
        t.update(&[FACE], 66.0);
        assert_eq!(t.lost(), vec![other]);
        t.update(&[], 100.0);
        assert_eq!(t.lost(), vec![FACE, other]);
    }

    #[test]
    fn a_face_found_in_part_stays_covered_whole_for_a_while() {
        let mut t = Tracker::new();
        t.set_frame_size(640, 480);
        t.update(&[FACE], 0.0);
        let eyes = Rect::new(100.0, 100.0, 50.0, 24.0);
        for ms in [33.0, 66.0, 100.0] {
            let c = t.update(&[eyes], ms).cover;
            assert!(contains(&c[0], &FACE), "at {ms} ms: {:?}", c[0]);
        }
        // Held once missed, too.
        assert!(contains(&t.update(&[], 133.0).cover[0], &FACE));
        // A face that really is that small by now is covered as it is found.
        let c = t.update(&[eyes], HOLD_MS + 200.0).cover;
        assert!(!contains(&c[0], &FACE), "{:?}", c[0]);
    }

    #[test]
    fn a_detected_face_is_covered_as_it_is() {
        let mut t = Tracker::new();
        assert_eq!(t.update(&[FACE], 0.0).cover, vec![FACE]);
    }

    #[test]
    fn a_missed_face_stays_covered_for_the_hold_time_then_goes() {
        let mut t = Tracker::new();
        t.update(&[FACE], 0.0);
        for ms in [33.0, 200.0, 500.0, HOLD_MS] {
            let c = t.update(&[], ms).cover;
            assert_eq!(c.len(), 1, "at {ms} ms");
            assert!(
                contains(&c[0], &FACE.scaled(1.1)),
                "at {ms} ms the held box is grown: {:?}",
                c[0]
            );
        }
        assert!(t.update(&[], HOLD_MS + 1.0).cover.is_empty());
    }

    #[test]
    fn a_held_face_follows_its_motion() {
        let mut t = Tracker::new();
        // Moving right at 0.3 px/ms (10 px a frame at 30 fps).
        for i in 0..5 {
            let ms = i as f64 * 33.0;
            t.update(
                &[Rect {
                    x: FACE.x + 0.3 * ms as f32,
                    ..FACE
                }],
                ms,
            );
        }
        let last_seen = 4.0 * 33.0;
        let ms = last_seen + 300.0;
        let truth = Rect {
            x: FACE.x + 0.3 * ms as f32,
            ..FACE
        };
        let c = t.update(&[], ms).cover;
        assert_eq!(c.len(), 1);
        assert!(
            contains(&c[0], &truth),
            "{:?} does not cover {truth:?}",
            c[0]
        );
    }

    #[test]
    fn a_face_seen_twice_is_foreseen_at_its_full_speed() {
        let mut t = Tracker::new();
        let at = |x: f32| Rect { x, ..FACE };
        // Seen twice, 33 ms apart, 20 px apart; then missed for 66 ms.
        t.update(&[at(100.0)], 0.0);
        t.update(&[at(120.0)], 33.0);
        let c = t.update(&[], 99.0).cover;
        assert!(contains(&c[0], &at(160.0)), "{:?}", c[0]);
    }

    #[test]
    fn a_face_missed_near_the_edge_is_covered_out_to_it() {
        let mut t = Tracker::new();
        t.set_frame_size(640, 480);
        // Came in from the right edge, moving left; then missed, as if it had turned back out.
        let at = |x: f32| Rect { x, ..FACE };
        t.update(&[at(580.0)], 0.0);
        t.update(&[at(560.0)], 33.0);
        let c = t.update(&[], 66.0).cover;
        assert_eq!(c.len(), 1);
        assert!(contains(&c[0], &at(590.0)), "{:?}", c[0]);
        assert!(c[0].right() >= 640.0, "{:?}", c[0]);
        // A face missed far from every edge is not stretched to one.
        let mut t = Tracker::new();
        t.set_frame_size(640, 480);
        t.update(&[at(300.0)], 0.0);
        let c = t.update(&[], 33.0).cover;
        assert!(c[0].right() < 400.0, "{:?}", c[0]);
    }

    #[test]
    fn each_detection_comes_with_its_run() {
        let mut t = Tracker::new();
        let runs = |t: &mut Tracker, faces: &[Rect], ms: f64| -> Vec<u32> {
            t.update(faces, ms).found.iter().map(|f| f.run).collect()
        };
        assert_eq!(runs(&mut t, &[FACE], 0.0), vec![1]);
        assert_eq!(runs(&mut t, &[FACE], 33.0), vec![2]);
        // Missed twice, then found again: a new run.
        t.update(&[], 66.0);
        t.update(&[], 100.0);
        assert_eq!(runs(&mut t, &[FACE], 133.0), vec![1]);
        // A second face joins.
        let other = Rect { x: 400.0, ..FACE };
        assert_eq!(runs(&mut t, &[FACE, other], 166.0), vec![2, 1]);
    }

    #[test]
    fn a_detection_is_covered_together_with_where_its_track_says_the_face_is() {
        let mut t = Tracker::new();
        t.update(&[FACE], 0.0);
        // Half of it hidden: the detector sees the visible half; the whole last box stays covered.
        let half = Rect { w: 25.0, ..FACE };
        let c = t.update(&[half], 33.0).cover;
        assert!(contains(&c[0], &FACE), "{:?}", c[0]);
        // It stays that size: the whole box stays covered for the hold time, then the cover shrinks
        // towards the half.
        let c = t.update(&[half], 66.0).cover;
        assert!(contains(&c[0], &FACE), "{:?}", c[0]);
        let c = t.update(&[half], HOLD_MS - 1.0).cover;
        assert!(contains(&c[0], &FACE), "{:?}", c[0]);
        let c = t.update(&[half], HOLD_MS + 33.0).cover;
        assert!(
            contains(&c[0], &half) && c[0].area() < FACE.area(),
            "{:?}",
            c[0]
        );
        // Moving fast to the right: found behind where its track says it is, both are covered.
        let mut t = Tracker::new();
        for i in 0..4 {
            t.update(
                &[Rect {
                    x: FACE.x + 20.0 * i as f32,
                    ..FACE
                }],
                33.0 * i as f64,
            );
        }
        let lagging = Rect {
            x: FACE.x + 60.0,
            ..FACE
        };
        let c = t.update(&[lagging], 4.0 * 33.0).cover;
        assert!(
            contains(&c[0], &lagging) && c[0].right() > lagging.right() + 10.0,
            "{:?}",
            c[0]
        );
    }

    #[test]
    fn a_face_cut_by_the_edge_is_held_longer_and_a_face_gone_past_it_is_let_go() {
        let mut t = Tracker::new();
        t.set_frame_size(640, 480);
        // Half out of the frame at the right edge, standing still: held for EDGE_HOLD_MS.
        let parked = Rect { x: 600.0, ..FACE };
        t.update(&[parked], 0.0);
        t.update(&[parked], 33.0);
        assert_eq!(t.update(&[], 33.0 + HOLD_MS + 100.0).cover.len(), 1);
        assert_eq!(t.update(&[], 33.0 + EDGE_HOLD_MS).cover.len(), 1);
        assert!(t.update(&[], 34.0 + EDGE_HOLD_MS).cover.is_empty());
        // Leaving by the left edge at 10 px a frame: let go once its predicted box is out.
        let mut t = Tracker::new();
        t.set_frame_size(640, 480);
        for i in 0..5 {
            let x = 20.0 - 10.0 * i as f32;
            t.update(&[Rect { x, ..FACE }], 33.0 * i as f64);
        }
        assert_eq!(t.update(&[], 200.0).cover.len(), 1, "still partly in");
        assert!(t.update(&[], 600.0).cover.is_empty(), "gone past the edge");
    }

    #[test]
    fn two_faces_keep_two_tracks_and_new_faces_are_added() {
        let mut t = Tracker::new();
        let other = Rect { x: 400.0, ..FACE };
        assert_eq!(t.update(&[FACE, other], 0.0).cover.len(), 2);
        // One missed: still two covered.
        assert_eq!(t.update(&[other], 33.0).cover.len(), 2);
        let third = Rect {
            x: 250.0,
            y: 300.0,
            ..FACE
        };
        assert_eq!(t.update(&[FACE, other, third], 66.0).cover.len(), 3);
    }

    #[test]
    fn nonsense_input_is_ignored() {
        let mut t = Tracker::new();
        let bad = [
            Rect::new(f32::NAN, 0.0, 1.0, 1.0),
            Rect::new(0.0, 0.0, -5.0, 5.0),
        ];
        assert!(t.update(&bad, 0.0).cover.is_empty());
        t.update(&[FACE], 10.0);
        assert_eq!(t.update(&[], f64::NAN).cover.len(), 1);
        // Time going backwards does not drop or shrink anything.
        assert!(contains(&t.update(&[], 0.0).cover[0], &FACE));
        t.reset();
        assert!(t.update(&[], 20.0).cover.is_empty());
    }
}
