//! Videos: every face covered in every frame, in two passes over the file, keeping only boxes in
//! between (a ten-minute video is never held decoded):
//! - **pass 1** ([`detect`]): each frame searched, in any order, on every core;
//! - **plan** ([`plan`]): the boxes linked into tracks looking both ways, bridged across misses and
//!   carried back out to the edge each face came in from;
//! - **pass 2** ([`paint`]): each frame covered from the plan, then encoded by the caller.
//!
//! Decoding and encoding are the shells' (the CLI pipes frames through ffmpeg; the page uses
//! WebCodecs). Frames stay as stored; a phone's display rotation is applied only to the copy that
//! is searched ([`upright`]), and boxes are mapped back ([`Rotation::to_stored`]).

pub mod detect;
pub mod mp4;
pub mod plan;

use crate::error::{Error, Result};
use crate::frame::check_rgba;
use crate::geometry::Rect;
use crate::redact::{self, RedactOptions};
use crate::track::EDGE_MARGIN;

pub use detect::VideoDetector;
pub use plan::CoverPlan;

/// A video's covers are at least this many times the face's box: tracked and interpolated boxes
/// lag a moving face a little, and the detectors' boxes of one face differ (on the 10 s bench clip
/// through the page, 1.5 left a 4-pixel block of a chin bare in one frame of 3,000 faces).
pub const VIDEO_MASK_SCALE: f32 = 1.6;

/// How a stored frame is turned for display: clockwise quarter turns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rotation(u8);

impl Rotation {
    /// From degrees clockwise (a multiple of 90; others are refused).
    pub fn clockwise(degrees: i32) -> Result<Rotation> {
        if degrees % 90 != 0 {
            return Err(Error::invalid(format!(
                "a video rotated by {degrees} degrees cannot be read; only quarter turns are"
            )));
        }
        Ok(Rotation((degrees.rem_euclid(360) / 90) as u8))
    }

    /// Degrees clockwise, 0 to 270.
    pub fn degrees(&self) -> i32 {
        self.0 as i32 * 90
    }

    /// The displayed size of a stored `width`×`height` frame.
    pub fn shown(&self, width: u32, height: u32) -> (u32, u32) {
        if self.0 % 2 == 1 {
            (height, width)
        } else {
            (width, height)
        }
    }

    /// A box in the displayed frame mapped to the stored `width`×`height` frame.
    pub fn to_stored(&self, r: Rect, width: u32, height: u32) -> Rect {
        let (w, h) = (width as f32, height as f32);
        match self.0 {
            1 => Rect::new(r.y, h - r.x - r.w, r.h, r.w),
            2 => Rect::new(w - r.x - r.w, h - r.y - r.h, r.w, r.h),
            3 => Rect::new(w - r.y - r.h, r.x, r.h, r.w),
            _ => r,
        }
    }
}

/// The stored frame `rgba` (`width`×`height`) as displayed, into `out`; returns its size.
pub fn upright(
    rgba: &[u8],
    width: u32,
    height: u32,
    rotation: Rotation,
    out: &mut Vec<u8>,
) -> Result<(u32, u32)> {
    check_rgba(rgba.len(), width, height)?;
    let (ow, oh) = rotation.shown(width, height);
    out.clear();
    if rotation.0 == 0 {
        out.extend_from_slice(rgba);
        return Ok((ow, oh));
    }
    out.resize(rgba.len(), 0);
    let (w, h) = (width as usize, height as usize);
    for ys in 0..h {
        for xs in 0..w {
            let (xd, yd) = match rotation.0 {
                1 => (h - 1 - ys, xs),
                2 => (w - 1 - xs, h - 1 - ys),
                _ => (ys, w - 1 - xs),
            };
            let from = (ys * w + xs) * 4;
            let to = (yd * ow as usize + xd) * 4;
            out[to..to + 4].copy_from_slice(&rgba[from..from + 4]);
        }
    }
    Ok((ow, oh))
}

/// Pass 2 for one frame: cover in `rgba` (stored, `width`×`height`) what `plan` says for frame `i`,
/// in the chosen style and shape; covers near an edge are boxes stretched past it, as in the live
/// page. Returns the regions covered.
pub fn paint(
    rgba: &mut [u8],
    width: u32,
    height: u32,
    plan: &CoverPlan,
    i: u32,
    options: RedactOptions,
) -> Result<Vec<Rect>> {
    let covers: Vec<Rect> = plan.covers(i).into_iter().map(|(_, r)| r).collect();
    redact::cover_moving(
        rgba,
        (width, height),
        &covers,
        &[],
        options,
        (VIDEO_MASK_SCALE, EDGE_MARGIN),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_found_upright_map_back_to_the_stored_frame() {
        // A 6x4 stored frame with one marked pixel at (4, 1).
        let (w, h) = (6u32, 4u32);
        let mut rgba = vec![0u8; (w * h * 4) as usize];
        rgba[((w + 4) * 4) as usize] = 255;
        for degrees in [0, 90, 180, 270, -90] {
            let rotation = Rotation::clockwise(degrees).expect("quarter turn");
            let mut up = Vec::new();
            let (uw, uh) = upright(&rgba, w, h, rotation, &mut up).expect("rotate");
            assert_eq!((uw, uh), rotation.shown(w, h));
            let at = up
                .chunks_exact(4)
                .position(|p| p[0] == 255)
                .expect("marked") as u32;
            let shown = Rect::new((at % uw) as f32, (at / uw) as f32, 1.0, 1.0);
            assert_eq!(
                rotation.to_stored(shown, w, h),
                Rect::new(4.0, 1.0, 1.0, 1.0),
                "{degrees}"
            );
        }
        assert!(Rotation::clockwise(45).is_err());
    }
}
