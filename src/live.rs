//! One live camera frame, start to end: detect, track, and in protect mode cover, in place. The wasm
//! `LiveSession` is a shell over [`LivePipeline`]; `tests/leak.rs` runs the same code over a clip.
//!
//! Protect mode fails closed:
//! - it covers every face scoring at least [`PROTECT_THRESHOLD`] even when the threshold chosen for
//!   showing faces is higher, since a covered patch of wall costs little and an uncovered face is the
//!   one failure that matters;
//! - it can show each frame a little late ([`HOLD_BACK_MS`]). No detector finds a face of
//!   which only a sliver is in view, so a face entering from the frame's edge is first found a few
//!   frames after it appears. Held back, those earlier frames are covered too, where the face was
//!   found later, stretched out to the edge it came in from;
//! - until a frame held back is ready, the frame shown is covered whole.

use std::collections::VecDeque;

use crate::detect::photo::{merged_faces, to_candidate};
use crate::detect::second_look::SecondLook;
use crate::detect::{DetectOptions, Detector, Face};
use crate::error::{Error, Result};
use crate::frame::Frame;
use crate::geometry::{PixelSpan, Rect};
use crate::redact::{self, RedactOptions, Shape, Style};
use crate::track::{Tracker, EDGE_MARGIN};

/// In protect mode, faces scoring at least this are covered whatever the chosen threshold. Chosen on
/// the leak clip (`tests/leak.rs`): at 0.6 the short-range model let whole faces of 80 pixels
/// through on 28 of 150 frames, at 0.4 none; below 0.35 random patches start to be covered.
pub const PROTECT_THRESHOLD: f32 = 0.4;

/// How long the camera view runs late in protect mode: 133 ms, 4 frames at 30 frames a second. On the
/// leak clip a face entering from the edge is first found when about 60 % of it is in view, 4 frames
/// after it shows (`tests/leak.rs`). It is a time, not a frame count: a face steps in as far in
/// 133 ms on a slow phone as on a fast laptop. [`LivePipeline::hold_back_for`] turns it into frames
/// at the rate frames are being processed.
pub const HOLD_BACK_MS: f64 = 133.0;

/// [`HOLD_BACK_MS`] at 30 frames a second, as the native tests run.
pub const HOLD_BACK_FRAMES: usize = 4;

/// However slow the device, at least this many frames are held back: one round of the second look,
/// which searches one or two of the four edges a frame at full resolution, changed edges first. A face stepping in at an
/// edge that BlazeFace misses is found by the second look up to four frames later; at 5 frames a second
/// (`tests/browser/throttle.test.mjs` at 4×) three frames held back let such a face show once.
pub const MIN_HOLD_BACK: usize = 4;

/// In protect mode a face is covered at least this many times its box, whatever the chosen mask
/// scale: detectors' boxes of turned, tilted or half-hidden faces miss a cheek or a brow.
pub const PROTECT_MASK_SCALE: f32 = 1.5;

/// In protect mode on a device processing 4 frames a second or fewer, faces are covered at least
/// this many times their box (see `Pacing::mask_scale`).
pub const SLOW_MASK_SCALE: f32 = 2.0;

/// The most frames a caller may ask to hold back.
pub const MAX_HOLD_BACK: usize = 8;

/// Frames held back take at most this many bytes together.
const MAX_HELD_BYTES: usize = 64 << 20;

/// A frame waiting to be shown, with what to cover in it.
struct Held {
    rgba: Vec<u8>,
    width: u32,
    height: u32,
    faces: Vec<Face>,
    /// The tracked faces when it was taken, covered in the chosen style and shape.
    cover: Vec<Rect>,
    /// Faces found in later frames that may already be in this one, covered as boxes.
    later: Vec<Rect>,
    /// When it was taken.
    taken_ms: f64,
}

/// The detector, the tracks of recent faces, and how faces are shown and covered.
pub struct LivePipeline {
    pub detector: Detector,
    pub options: DetectOptions,
    pub cover: RedactOptions,
    /// Protect mode's second detector, for faces cut by the frame's edge.
    second_look: Option<SecondLook>,
    tracker: Tracker,
    covered: Vec<PixelSpan>,
    held: VecDeque<Held>,
    /// Whether the last frame was covered whole, as no held-back frame was ready.
    waiting: bool,
    /// Buffers of frames already shown, reused for the next frames held back.
    spare: Vec<Vec<u8>>,
    /// The rate frames are being processed at, for [`LivePipeline::hold_back_for`].
    pacing: Pacing,
    /// The faces found in the newest frame (whatever frame is returned), for the watchlist page.
    newest: Vec<Face>,
}

/// The time between frames processed, smoothed, and the frames held back for it.
#[derive(Debug, Clone, Copy, Default)]
struct Pacing {
    last: Option<f64>,
    interval_ms: f64,
    frames: usize,
}

impl Pacing {
    /// Frames further apart than this are a pause (a hidden tab), not the rate.
    const MAX_INTERVAL_MS: f64 = 1000.0;
    /// The weight of the newest interval in the smoothed one.
    const SMOOTHING: f64 = 0.1;

    /// How much larger than its box a face is covered at this rate: [`PROTECT_MASK_SCALE`] at 20
    /// frames a second and faster, growing to [`SLOW_MASK_SCALE`] at 4 and slower. Frames far apart
    /// mean faces that moved far between them, found smeared and smaller than they are, and
    /// foreseen from further back.
    fn mask_scale(&self) -> f32 {
        let t = ((self.interval_ms - 50.0) / 200.0).clamp(0.0, 1.0) as f32;
        PROTECT_MASK_SCALE + t * (SLOW_MASK_SCALE - PROTECT_MASK_SCALE)
    }

    fn frames_for(&mut self, now_ms: f64) -> usize {
        if !now_ms.is_finite() {
            return self.frames.max(HOLD_BACK_FRAMES);
        }
        if let Some(last) = self.last {
            let dt = now_ms - last;
            if dt > 0.0 && dt < Self::MAX_INTERVAL_MS {
                self.interval_ms = if self.interval_ms > 0.0 {
                    self.interval_ms + Self::SMOOTHING * (dt - self.interval_ms)
                } else {
                    dt
                };
            }
        }
        self.last = Some(now_ms);
        if self.interval_ms <= 0.0 {
            self.frames = HOLD_BACK_FRAMES;
            return self.frames;
        }
        let ideal = HOLD_BACK_MS / self.interval_ms;
        // Changed only when the rate has moved well away: each change costs a frame (down) or shows
        // the blurred stand-in once (up).
        if self.frames == 0 || ideal > self.frames as f64 + 0.5 || ideal < self.frames as f64 - 1.5
        {
            self.frames = (ideal.ceil() as usize).clamp(MIN_HOLD_BACK, MAX_HOLD_BACK);
        }
        self.frames
    }
}

impl LivePipeline {
    pub fn new(detector: Detector, options: DetectOptions) -> Result<LivePipeline> {
        Ok(LivePipeline {
            detector,
            options: options.validated()?,
            cover: RedactOptions::default(),
            second_look: None,
            tracker: Tracker::new(),
            covered: Vec::new(),
            held: VecDeque::new(),
            waiting: false,
            spare: Vec::new(),
            pacing: Pacing::default(),
            newest: Vec::new(),
        })
    }

    /// Give protect mode its second look, RetinaFace (see [`SecondLook`]).
    pub fn set_second_look(&mut self, retinaface: &[u8]) -> Result<()> {
        self.second_look = Some(SecondLook::new(retinaface)?);
        Ok(())
    }

    /// Whether protect mode has its second look.
    pub fn has_second_look(&self) -> bool {
        self.second_look.is_some()
    }

    /// Forget tracked faces (a new camera or stream).
    pub fn reset(&mut self) {
        self.tracker.reset();
        self.drop_held();
        self.pacing = Pacing::default();
    }

    /// How many frames to hold back for a frame taken at `now_ms`, so that the view runs
    /// [`HOLD_BACK_MS`] late at the rate frames are being processed: 4 at 30 frames a second and
    /// slower (the floor, [`MIN_HOLD_BACK`]), 6 at 45, at most [`MAX_HOLD_BACK`]. Call once per
    /// frame, before [`LivePipeline::process`].
    pub fn hold_back_for(&mut self, now_ms: f64) -> usize {
        self.pacing.frames_for(now_ms)
    }

    /// Frames held back are never shown: they go back to the spare buffers.
    fn drop_held(&mut self) {
        while let Some(h) = self.held.pop_front() {
            self.spare.push(h.rgba);
        }
    }

    /// One frame taken at `now_ms`, detected and, when `protect` is set, covered.
    ///
    /// Without `protect`, `rgba` is left as it is and the faces scoring at least the chosen threshold
    /// are returned.
    ///
    /// With `protect`, `rgba` afterwards holds a frame that is safe to show: the frame taken
    /// `hold_back` frames ago (at most [`MAX_HOLD_BACK`]) with every face found in it, recently seen,
    /// or found since covered, and the faces found in that frame are returned; or, until that many
    /// frames have been taken (after protect is switched on, a reset, or a change of frame size), this
    /// frame covered whole and no faces.
    pub fn process(
        &mut self,
        rgba: &mut [u8],
        width: u32,
        height: u32,
        now_ms: f64,
        protect: bool,
        hold_back: usize,
    ) -> Result<Vec<Face>> {
        // Cleared first: after a frame that fails, no region from an earlier frame is reported.
        self.covered.clear();
        self.waiting = false;
        if hold_back > MAX_HOLD_BACK {
            return Err(Error::invalid(format!(
                "a live view can be held back at most {MAX_HOLD_BACK} frames, not {hold_back}"
            )));
        }
        let mut options = self.options;
        if protect {
            options.threshold = options.threshold.min(PROTECT_THRESHOLD);
        }
        let frame = Frame::new(rgba, width, height)?;
        let mut found = self.detector.detect(frame, options)?;
        if let (true, Some(second)) = (protect, self.second_look.as_mut()) {
            let more = second.faces_and_lost(frame, options.threshold, &self.tracker.lost())?;
            let both: Vec<Face> = found.iter().chain(&more).copied().collect();
            found = merged_faces(both.iter().map(to_candidate).collect(), options.overlap);
            // Merged, a face keeps all of every box it was found in: a band cuts a face that reaches
            // past it, and its box of the part in the band would shrink the merged cover.
            for f in &mut found {
                let merged = f.rect;
                for b in both
                    .iter()
                    .filter(|b| b.rect.iou(&merged) > options.overlap)
                {
                    f.rect = f.rect.union(&b.rect);
                }
            }
        }
        let shown: Vec<Face> = found
            .iter()
            .filter(|f| f.score >= self.options.threshold)
            .copied()
            .collect();
        self.newest.clone_from(&shown);
        // Tracks follow the faces in both modes, so switching protect on mid-stream covers at once.
        self.tracker.set_frame_size(width, height);
        let boxes: Vec<Rect> = found.iter().map(|f| f.rect).collect();
        let tracked = self.tracker.update(&boxes, now_ms);
        if !protect {
            self.drop_held();
            return Ok(shown);
        }
        if hold_back == 0 {
            self.drop_held();
            self.cover(rgba, width, height, &tracked.cover, &[])?;
            return Ok(shown);
        }
        if hold_back.saturating_add(1).saturating_mul(rgba.len()) > MAX_HELD_BYTES {
            return Err(Error::invalid(format!(
                "a live frame of {width}×{height} pixels is too large to hold back {hold_back} frames"
            )));
        }
        if self
            .held
            .front()
            .is_some_and(|h| (h.width, h.height) != (width, height))
        {
            self.drop_held();
        }
        // A face found anew may be in the frames held back, further out towards the edge it came in
        // from, less of it in view, or missed there: cover it in each of them, stretched out to each
        // edge it is near or could have come from since that frame was taken (on a slow device,
        // from well across the frame).
        let new_faces: Vec<Rect> = tracked
            .found
            .iter()
            .filter(|f| f.run as usize <= hold_back)
            .map(|f| f.rect)
            .collect();
        for held in &mut self.held {
            let seconds = ((now_ms - held.taken_ms) / 1000.0) as f32;
            for r in &new_faces {
                held.later.extend(r.ways_in(width, height, seconds));
            }
            // A face seen before this frame was taken and again now passed between the two boxes
            // meanwhile: a miss in this frame (motion blur, a turn of the head) leaves it covered.
            held.later.extend(tracked.found.iter().filter_map(|f| {
                let (box_then, then) = f.before?;
                (then < held.taken_ms).then(|| box_then.union(&f.rect))
            }));
        }
        let mut buffer = self.spare.pop().unwrap_or_default();
        buffer.clear();
        buffer.extend_from_slice(rgba);
        self.held.push_back(Held {
            rgba: buffer,
            width,
            height,
            faces: shown,
            cover: tracked.cover,
            later: Vec::new(),
            taken_ms: now_ms,
        });
        while self.held.len() > hold_back + 1 {
            if let Some(h) = self.held.pop_front() {
                self.spare.push(h.rgba);
            }
        }
        if self.held.len() <= hold_back {
            // Nothing is old enough to show: this frame, covered whole.
            let whole = Rect::new(0.0, 0.0, width as f32, height as f32);
            let standin = RedactOptions {
                style: Style::Pixelate,
                shape: Shape::Box,
                mask_scale: 1.0,
            };
            redact::cover_faces(rgba, width, height, &[whole], standin)?;
            self.covered.extend(whole.pixel_span(width, height));
            self.waiting = true;
            return Ok(Vec::new());
        }
        let Some(mut oldest) = self.held.pop_front() else {
            return Ok(Vec::new());
        };
        // Covered before it is copied out: should covering fail, `rgba` never holds it uncovered.
        self.cover(
            &mut oldest.rgba,
            width,
            height,
            &oldest.cover,
            &oldest.later,
        )?;
        rgba.copy_from_slice(&oldest.rgba);
        self.spare.push(oldest.rgba);
        Ok(oldest.faces)
    }

    /// Cover tracked faces in the chosen style and shape, and faces found later as boxes.
    fn cover(
        &mut self,
        rgba: &mut [u8],
        width: u32,
        height: u32,
        tracked: &[Rect],
        later: &[Rect],
    ) -> Result<()> {
        let covered = redact::cover_moving(
            rgba,
            (width, height),
            tracked,
            later,
            self.cover,
            (self.pacing.mask_scale(), EDGE_MARGIN),
        )?;
        self.covered
            .extend(covered.iter().filter_map(|r| r.pixel_span(width, height)));
        Ok(())
    }

    /// Whether the last frame came back covered whole because no frame held back was ready yet: a
    /// page may show its own stand-in instead.
    /// The faces found in the frame last passed to [`LivePipeline::process`], in its pixels, even when
    /// the frame returned is an earlier one held back.
    pub fn newest_faces(&self) -> &[Face] {
        &self.newest
    }

    pub fn waiting(&self) -> bool {
        self.waiting
    }

    /// The regions covered in the last frame, clipped to it (none unless protecting).
    pub fn covered(&self) -> &[PixelSpan] {
        &self.covered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames held back after `n` frames at `fps`, each `jitter` ms early or late in turn.
    fn held_at(fps: f64, n: usize, jitter: f64) -> usize {
        let mut p = Pacing::default();
        let mut frames = 0;
        for i in 0..n {
            let wobble = if i % 2 == 0 { jitter } else { -jitter };
            frames = p.frames_for(i as f64 * 1000.0 / fps + wobble);
        }
        frames
    }

    #[test]
    fn the_hold_back_is_a_time_whatever_the_rate() {
        assert_eq!(held_at(30.0, 60, 0.0), 4);
        assert_eq!(held_at(24.0, 60, 0.0), 4);
        assert_eq!(held_at(10.0, 60, 0.0), MIN_HOLD_BACK);
        assert_eq!(held_at(45.0, 60, 0.0), 6);
        assert_eq!(held_at(3.0, 60, 0.0), MIN_HOLD_BACK);
        assert_eq!(held_at(60.0, 60, 0.0), MAX_HOLD_BACK);
        // A rate wobbling around 30 frames a second does not make it change from frame to frame.
        let mut p = Pacing::default();
        let counts: Vec<usize> = (0..300)
            .map(|i| p.frames_for(i as f64 * 33.3 + if i % 3 == 0 { 6.0 } else { -3.0 }))
            .skip(30)
            .collect();
        assert!(counts.iter().all(|&c| c == counts[0]), "{counts:?}");
    }

    #[test]
    fn covers_grow_as_frames_come_further_apart() {
        let scale_at = |fps: f64| {
            let mut p = Pacing::default();
            for i in 0..60 {
                p.frames_for(i as f64 * 1000.0 / fps);
            }
            p.mask_scale()
        };
        assert_eq!(scale_at(30.0), PROTECT_MASK_SCALE);
        assert_eq!(scale_at(20.0), PROTECT_MASK_SCALE);
        assert!(scale_at(8.0) > PROTECT_MASK_SCALE && scale_at(8.0) < SLOW_MASK_SCALE);
        assert!((scale_at(3.0) - SLOW_MASK_SCALE).abs() < 1e-6);
    }

    #[test]
    fn a_pause_does_not_count_as_the_rate() {
        let mut p = Pacing::default();
        for i in 0..60 {
            p.frames_for(i as f64 * 33.3);
        }
        // The tab was hidden for 5 s.
        assert_eq!(p.frames_for(60.0 * 33.3 + 5000.0), 4);
        assert_eq!(p.frames_for(f64::NAN), 4);
    }
}
