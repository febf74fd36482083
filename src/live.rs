//! One live camera frame, start to end: detect, track, and in protect mode cover, in place. The wasm
//! `LiveSession` is a shell over [`LivePipeline`]; `tests/leak.rs` runs the same code over a clip.
//!
//! Protect mode fails closed: it covers every face scoring at least [`PROTECT_THRESHOLD`] even when the
//! threshold chosen for showing faces is higher, since a covered patch of wall costs little and an
//! uncovered face is the one failure that matters.

use crate::detect::{DetectOptions, Detector, Face};
use crate::error::Result;
use crate::frame::Frame;
use crate::geometry::{PixelSpan, Rect};
use crate::redact::{self, RedactOptions};
use crate::track::Tracker;

/// In protect mode, faces scoring at least this are covered whatever the chosen threshold. Chosen on
/// the leak clip (`tests/leak.rs`): at 0.6 the short-range model let whole faces of 80 pixels
/// through on 28 of 150 frames, at 0.4 none; below 0.35 random patches start to be covered.
pub const PROTECT_THRESHOLD: f32 = 0.4;

/// The detector, the tracks of recent faces, and how faces are shown and covered.
pub struct LivePipeline {
    pub detector: Detector,
    pub options: DetectOptions,
    pub cover: RedactOptions,
    tracker: Tracker,
    covered: Vec<PixelSpan>,
}

impl LivePipeline {
    pub fn new(detector: Detector, options: DetectOptions) -> Result<LivePipeline> {
        Ok(LivePipeline {
            detector,
            options: options.validated()?,
            cover: RedactOptions::default(),
            tracker: Tracker::new(),
            covered: Vec::new(),
        })
    }

    /// Forget tracked faces (a new camera or stream).
    pub fn reset(&mut self) {
        self.tracker.reset();
    }

    /// One frame taken at `now_ms`: the faces scoring at least the chosen threshold. When `protect` is
    /// set, every face found (down to [`PROTECT_THRESHOLD`]) or recently seen is covered in `rgba`
    /// before it returns.
    pub fn process(
        &mut self,
        rgba: &mut [u8],
        width: u32,
        height: u32,
        now_ms: f64,
        protect: bool,
    ) -> Result<Vec<Face>> {
        // Cleared first: after a frame that fails, no region from an earlier frame is reported.
        self.covered.clear();
        let mut options = self.options;
        if protect {
            options.threshold = options.threshold.min(PROTECT_THRESHOLD);
        }
        let found = self
            .detector
            .detect(Frame::new(rgba, width, height)?, options)?;
        let shown: Vec<Face> = found
            .iter()
            .filter(|f| f.score >= self.options.threshold)
            .copied()
            .collect();
        // Tracks follow the faces in both modes, so switching protect on mid-stream covers at once.
        let boxes: Vec<Rect> = found.iter().map(|f| f.rect).collect();
        let tracked = self.tracker.update(&boxes, now_ms);
        if protect {
            redact::cover_faces(rgba, width, height, &tracked, self.cover)?;
            self.covered.extend(
                tracked
                    .iter()
                    .filter_map(|r| redact::mask_region(r, &self.cover).pixel_span(width, height)),
            );
        }
        Ok(shown)
    }

    /// The regions covered in the last frame, clipped to it (none unless protecting).
    pub fn covered(&self) -> &[PixelSpan] {
        &self.covered
    }
}
