//! Faces over time, for live protection that fails closed: a face the detector misses for a few frames
//! (a turn of the head, motion blur, a hand) stays covered. Each face becomes a track; a track not
//! seen in this frame is held for [`HOLD_MS`], moved along its last velocity and grown as it ages, so
//! the cover stays over a face that keeps moving. Does not detect (that is `detect`) nor paint (that is
//! `redact`).

use crate::geometry::Rect;

/// How long a face missed by the detector stays covered. At least half a second, by design.
pub const HOLD_MS: f64 = 800.0;
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
    /// Pixels per millisecond.
    vx: f32,
    vy: f32,
    last_seen: f64,
}

/// Tracks of the faces seen recently.
#[derive(Debug, Default, Clone)]
pub struct Tracker {
    tracks: Vec<Track>,
}

impl Tracker {
    pub fn new() -> Self {
        Tracker::default()
    }

    /// Forget every track (a new camera, a new clip).
    pub fn reset(&mut self) {
        self.tracks.clear();
    }

    /// Feed this frame's detections, taken at `now_ms`; returns the boxes to cover: every detection as
    /// it is, and every face missed but seen within [`HOLD_MS`], moved and grown.
    pub fn update(&mut self, faces: &[Rect], now_ms: f64) -> Vec<Rect> {
        let now = if now_ms.is_finite() {
            now_ms
        } else {
            self.latest()
        };
        let mut matched = vec![false; self.tracks.len()];
        let mut fresh = Vec::new();
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
                    let dt = now - t.last_seen;
                    if dt > 0.0 && dt < MAX_VELOCITY_GAP_MS {
                        let (old, new) = (t.rect.center(), face.center());
                        let (vx, vy) = ((new.x - old.x) / dt as f32, (new.y - old.y) / dt as f32);
                        t.vx = t.vx * (1.0 - VELOCITY_SMOOTHING) + vx * VELOCITY_SMOOTHING;
                        t.vy = t.vy * (1.0 - VELOCITY_SMOOTHING) + vy * VELOCITY_SMOOTHING;
                    }
                    t.rect = *face;
                    t.last_seen = now;
                }
                None => fresh.push(Track {
                    rect: *face,
                    vx: 0.0,
                    vy: 0.0,
                    last_seen: now,
                }),
            }
        }
        self.tracks.retain(|t| now - t.last_seen <= HOLD_MS);
        self.tracks.extend(fresh);
        self.tracks.iter().map(|t| covered(t, now)).collect()
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

fn covered(t: &Track, now: f64) -> Rect {
    let age = (now - t.last_seen).max(0.0);
    if age == 0.0 {
        return t.rect;
    }
    let c = t.rect.center();
    let moved = Rect::from_center(
        c.x + t.vx * age as f32,
        c.y + t.vy * age as f32,
        t.rect.w,
        t.rect.h,
    );
    let growth = (1.0 + GROWTH_PER_SECOND * age as f32 / 1000.0).max(MIN_HELD_GROWTH);
    // Grow around the moved box and keep covering where the face was last seen too.
    let grown = moved.scaled(growth);
    union(&grown, &t.rect.scaled(MIN_HELD_GROWTH))
}

fn union(a: &Rect, b: &Rect) -> Rect {
    let x = a.x.min(b.x);
    let y = a.y.min(b.y);
    Rect::new(
        x,
        y,
        a.right().max(b.right()) - x,
        a.bottom().max(b.bottom()) - y,
    )
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
    fn a_detected_face_is_covered_as_it_is() {
        let mut t = Tracker::new();
        assert_eq!(t.update(&[FACE], 0.0), vec![FACE]);
    }

    #[test]
    fn a_missed_face_stays_covered_for_the_hold_time_then_goes() {
        let mut t = Tracker::new();
        t.update(&[FACE], 0.0);
        for ms in [33.0, 200.0, 500.0, HOLD_MS] {
            let c = t.update(&[], ms);
            assert_eq!(c.len(), 1, "at {ms} ms");
            assert!(
                contains(&c[0], &FACE.scaled(1.1)),
                "at {ms} ms the held box is grown: {:?}",
                c[0]
            );
        }
        assert!(t.update(&[], HOLD_MS + 1.0).is_empty());
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
        let c = t.update(&[], ms);
        assert_eq!(c.len(), 1);
        assert!(
            contains(&c[0], &truth),
            "{:?} does not cover {truth:?}",
            c[0]
        );
    }

    #[test]
    fn two_faces_keep_two_tracks_and_new_faces_are_added() {
        let mut t = Tracker::new();
        let other = Rect { x: 400.0, ..FACE };
        assert_eq!(t.update(&[FACE, other], 0.0).len(), 2);
        // One missed: still two covered.
        assert_eq!(t.update(&[other], 33.0).len(), 2);
        let third = Rect {
            x: 250.0,
            y: 300.0,
            ..FACE
        };
        assert_eq!(t.update(&[FACE, other, third], 66.0).len(), 3);
    }

    #[test]
    fn nonsense_input_is_ignored() {
        let mut t = Tracker::new();
        let bad = [
            Rect::new(f32::NAN, 0.0, 1.0, 1.0),
            Rect::new(0.0, 0.0, -5.0, 5.0),
        ];
        assert!(t.update(&bad, 0.0).is_empty());
        t.update(&[FACE], 10.0);
        assert_eq!(t.update(&[], f64::NAN).len(), 1);
        // Time going backwards does not drop or shrink anything.
        assert!(contains(&t.update(&[], 0.0)[0], &FACE));
        t.reset();
        assert!(t.update(&[], 20.0).is_empty());
    }
}
