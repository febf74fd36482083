//! Pass 1 of a video: the faces in one frame. Each frame gets two searches, and every
//! [`SMALL_FACE_EVERY`]th frame a third:
//! - **BlazeFace full-range** over the whole frame (the live page's model, strong on near, large and
//!   turned faces; a few milliseconds);
//! - **RetinaFace** over the whole frame shrunk to at most [`WIDE_SIDE`] pixels on its long side
//!   (faces from about 30 pixels up in a 720p frame, and faces cut by the frame's edge);
//! - **small faces:** RetinaFace over the frame at full resolution, in tiles of at most
//!   [`TILE_PIXELS`] (faces from about 12 pixels up). It costs about four whole-frame searches, so
//!   it runs on one frame in [`SMALL_FACE_EVERY`]: a small face is far away and moves little, and
//!   the tracks (`video::plan`) carry it between the frames it was found in.
//!
//! Faces of the searches are merged with weighted NMS. Frames are independent: the caller may search
//! them in any order, on as many threads as it has, one `VideoDetector` each.

use crate::detect::photo::{crop, cut_by_inner_edge, merged_faces, round_up, starts, to_candidate};
use crate::detect::retinaface::RetinaNets;
use crate::detect::{resize_rgba, DetectOptions, Detector, Face};
use crate::error::Result;
use crate::frame::Frame;
use crate::geometry::Rect;

use super::{upright, Rotation};

/// Whole-frame RetinaFace searches a copy at most this many pixels on its long side.
pub const WIDE_SIDE: u32 = 640;
/// The small-face search runs at this multiple of the frame's size.
pub const SMALL_FACE_SCALE: f32 = 1.5;
/// The small-face search runs on frames whose index is a multiple of this.
pub const SMALL_FACE_EVERY: u32 = 12;
/// Small-face tiles hold at most this many pixels (the engine plans networks up to about 0.5 MP).
const TILE_PIXELS: u32 = 480_000;
/// Small-face tiles overlap by this many pixels: faces up to this size lie whole in one of them
/// (larger ones cut by a tile's inner edge are the whole-frame search's).
const TILE_OVERLAP: u32 = 96;
/// Default minimum probability, on the photo pipeline's common scale: a little below the photo's,
/// since a false cover on a few frames costs less in a video than a face shown.
pub const VIDEO_THRESHOLD: f32 = 0.65;

/// The detectors for video frames, with their buffers.
pub struct VideoDetector {
    full_range: Detector,
    retina: RetinaNets,
    /// The frame size the RetinaFace networks are planned for.
    frame: (u32, u32),
    shrunk: Vec<u8>,
    tile: Vec<u8>,
    upright: Vec<u8>,
    /// The scale of the small-face search.
    small_scale: f32,
}

impl VideoDetector {
    /// BlazeFace full-range and RetinaFace, from their ONNX files.
    pub fn new(full_range: &[u8], retinaface: &[u8]) -> Result<Self> {
        Ok(VideoDetector {
            full_range: Detector::new(full_range)?,
            retina: RetinaNets::new(retinaface)?,
            frame: (0, 0),
            shrunk: Vec::new(),
            tile: Vec::new(),
            upright: Vec::new(),
            small_scale: SMALL_FACE_SCALE,
        })
    }

    /// Search small faces at `scale` times the frame's size (for measuring; at most 3).
    pub fn set_small_scale(&mut self, scale: f32) {
        self.small_scale = scale.clamp(0.1, 3.0);
    }

    /// Faces of frame number `index`, stored as `rgba` (`width`×`height`) and shown turned by
    /// `rotation`: searched upright (the detectors know upright faces), as boxes in the stored frame.
    pub fn faces_in_stored(
        &mut self,
        rgba: &[u8],
        (width, height): (u32, u32),
        rotation: Rotation,
        index: u32,
        options: DetectOptions,
    ) -> Result<Vec<Rect>> {
        let found = if rotation == Rotation::default() {
            self.faces(Frame::new(rgba, width, height)?, index, options)?
        } else {
            let mut up = std::mem::take(&mut self.upright);
            let (uw, uh) = upright(rgba, width, height, rotation, &mut up)?;
            let found = self.faces(Frame::new(&up, uw, uh)?, index, options);
            self.upright = up;
            found?
        };
        Ok(found
            .iter()
            .map(|f| rotation.to_stored(f.rect, width, height))
            .collect())
    }

    /// Faces in frame number `index` scoring at least `options.threshold`, in the frame's pixels.
    pub fn faces(
        &mut self,
        frame: Frame<'_>,
        index: u32,
        options: DetectOptions,
    ) -> Result<Vec<Face>> {
        let options = options.validated()?;
        let (w, h) = (frame.width(), frame.height());
        if self.frame != (w, h) {
            self.retina.clear();
            self.frame = (w, h);
        }
        let mut found: Vec<_> = self
            .full_range
            .detect(frame, options)?
            .iter()
            .map(to_candidate)
            .collect();
        // The whole frame, shrunk.
        let long = w.max(h);
        let (sw, sh) = if long > WIDE_SIDE {
            (
                ((w as u64 * WIDE_SIDE as u64 / long as u64) as u32).max(1),
                ((h as u64 * WIDE_SIDE as u64 / long as u64) as u32).max(1),
            )
        } else {
            (w, h)
        };
        let wide = if (sw, sh) == (w, h) {
            frame
        } else {
            self.shrunk = resize_rgba(frame, sw, sh);
            Frame::new(&self.shrunk, sw, sh)?
        };
        let scale = w as f32 / sw as f32;
        found.extend(self.retina.faces(wide, options.threshold, (0, 0), scale)?);
        // Small faces, at full resolution or more.
        let (lw, lh) = (
            (w as f32 * self.small_scale).round() as u32,
            (h as f32 * self.small_scale).round() as u32,
        );
        if lw > sw && index.is_multiple_of(SMALL_FACE_EVERY) {
            let level = if (lw, lh) == (w, h) {
                frame
            } else {
                self.shrunk = resize_rgba(frame, lw, lh);
                Frame::new(&self.shrunk, lw, lh)?
            };
            let back = 1.0 / self.small_scale;
            let (tw, th) = tile_size(lw, lh);
            for y0 in starts(lh, th, th - TILE_OVERLAP.min(th / 2)) {
                for x0 in starts(lw, tw, tw - TILE_OVERLAP.min(tw / 2)) {
                    let (cw, ch) = (tw.min(lw - x0), th.min(lh - y0));
                    crop(level, x0, y0, cw, ch, &mut self.tile);
                    let tile = Frame::new(&self.tile, cw, ch)?;
                    for c in self.retina.faces(tile, options.threshold, (0, 0), 1.0)? {
                        // A face whole in its tile counts, whatever its size: faces cut by the
                        // frame's edge are found best at full resolution too.
                        if !cut_by_inner_edge(&c.rect, x0, y0, cw, ch, lw, lh) {
                            let at =
                                |x: f32, y: f32| ((x + x0 as f32) * back, (y + y0 as f32) * back);
                            let mut c = c;
                            (c.rect.x, c.rect.y) = at(c.rect.x, c.rect.y);
                            (c.rect.w, c.rect.h) = (c.rect.w * back, c.rect.h * back);
                            for p in &mut c.keypoints {
                                (p.x, p.y) = at(p.x, p.y);
                            }
                            found.push(c);
                        }
                    }
                }
            }
        }
        Ok(merged_faces(found, options.overlap))
    }
}

/// The tile size for a `w`×`h` frame: as few tiles as fit [`TILE_PIXELS`] each, of equal size, each
/// side a multiple of the network's step.
fn tile_size(w: u32, h: u32) -> (u32, u32) {
    let mut cols = 1;
    let mut rows = 1;
    loop {
        let side = |len: u32, n: u32| {
            round_up((len + (n - 1) * TILE_OVERLAP).div_ceil(n)).min(round_up(len))
        };
        let (tw, th) = (side(w, cols), side(h, rows));
        if tw * th <= TILE_PIXELS || (tw <= 64 && th <= 64) {
            return (tw.min(w), th.min(h));
        }
        if tw >= th {
            cols += 1;
        } else {
            rows += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_cover_the_frame_within_the_budget() {
        for (w, h) in [
            (1280, 720),
            (1920, 1080),
            (720, 1280),
            (3840, 2160),
            (641, 100),
        ] {
            let (tw, th) = tile_size(w, h);
            assert!(tw * th <= TILE_PIXELS, "{w}x{h}: {tw}x{th}");
            assert!(tw <= w && th <= h);
            let xs = starts(w, tw, tw - TILE_OVERLAP.min(tw / 2));
            assert_eq!(xs.last().map(|x| x + tw), Some(w));
        }
    }
}
