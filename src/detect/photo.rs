//! Faces in photos, where they can be many, small and far from the camera. The photo is reduced to at
//! most [`DETECT_SIDE`] pixels on its long side, then searched by the full-range model as a whole and
//! in overlapping square tiles at three sizes, so that a face too small for the whole-photo pass is
//! large enough in some tile. Faces cut by a tile's inner edge are dropped (with the overlap, each face
//! lies whole in a neighbouring tile); the rest are merged with MediaPipe's weighted NMS and mapped
//! back to the photo's pixels. Detection runs on the reduced copy; covering happens at full size.

use super::blazeface::Candidate;
use super::{nms, DetectOptions, Detector, Face};
use crate::error::Result;
use crate::frame::Frame;
use crate::geometry::{Point, Rect};

/// Default minimum probability for the photo pipeline. The full-range model scores textures and pets
/// higher than the short-range one. Measured with `examples/eval_photo.rs` on a composite crowd made
/// from real photos and six hard copies of it (tilted ±25°, turned 90°, dark, JPEG quality 15, half
/// size; 69 faces): at 0.6 recall 1.00 and precision 0.93, at 0.7 recall 1.00 and precision 1.00, at
/// 0.8 recall 0.93 (small degraded faces score 0.75 to 0.79). False faces on four photos without
/// people: 8 at 0.6, 2 at 0.7 (the cat, a motorcycle part), 1 at 0.8. Missing a face costs more than
/// covering a cat, so 0.7.
pub const PHOTO_THRESHOLD: f32 = 0.7;

/// Photos are searched on a copy whose long side is at most this many pixels.
pub const DETECT_SIDE: u32 = 1600;
/// Tile sides, as fractions of the reduced photo's short side.
const TILE_FRACTIONS: [f32; 3] = [1.0, 0.5, 1.0 / 3.0];
/// Tiles smaller than this (in reduced-photo pixels) are not worth a pass. Small photos still get
/// their small tiles, enlarged to the model's input, which finds faces of 20 pixels in thumbnails.
const MIN_TILE: u32 = 96;
/// Neighbouring tiles overlap by this fraction of their side.
const TILE_OVERLAP: f32 = 0.4;
/// A face whose box comes within this fraction of a tile's side of an inner tile edge is taken as cut.
const EDGE_MARGIN: f32 = 0.02;

/// Faces in a photo, best first, in the photo's pixels.
pub fn detect_photo(
    detector: &mut Detector,
    frame: Frame<'_>,
    options: DetectOptions,
) -> Result<Vec<Face>> {
    let options = options.validated()?;
    let (w, h) = (frame.width(), frame.height());
    let scale = (DETECT_SIDE as f32 / w.max(h) as f32).min(1.0);
    let reduced_pixels;
    let (rw, rh) = (
        ((w as f32 * scale).round() as u32).max(1),
        ((h as f32 * scale).round() as u32).max(1),
    );
    let reduced = if scale < 1.0 {
        reduced_pixels = super::resize_rgba(frame, rw, rh);
        Frame::new(&reduced_pixels, rw, rh)?
    } else {
        frame
    };

    let mut found: Vec<Candidate> = Vec::new();
    let whole = detector.detect(reduced, options)?;
    found.extend(whole.iter().map(to_candidate));

    let short = rw.min(rh) as f32;
    let mut tile_pixels = Vec::new();
    for fraction in TILE_FRACTIONS {
        let side = (short * fraction).round() as u32;
        if side < MIN_TILE || (fraction == 1.0 && rw == rh) {
            continue;
        }
        let stride = ((side as f32 * (1.0 - TILE_OVERLAP)).round() as u32).max(1);
        for y0 in starts(rh, side, stride) {
            for x0 in starts(rw, side, stride) {
                let (tw, th) = (side.min(rw - x0), side.min(rh - y0));
                crop(reduced, x0, y0, tw, th, &mut tile_pixels);
                let tile = Frame::new(&tile_pixels, tw, th)?;
                for face in detector.detect(tile, options)? {
                    if cut_by_inner_edge(&face.rect, x0, y0, tw, th, rw, rh) {
                        continue;
                    }
                    let mut c = to_candidate(&face);
                    c.rect.x += x0 as f32;
                    c.rect.y += y0 as f32;
                    for p in c.keypoints.iter_mut() {
                        p.x += x0 as f32;
                        p.y += y0 as f32;
                    }
                    found.push(c);
                }
            }
        }
    }
    let merged = nms::weighted_nms(found, options.overlap);
    let back = 1.0 / scale;
    Ok(merged
        .into_iter()
        .map(|c| Face {
            rect: Rect::new(
                c.rect.x * back,
                c.rect.y * back,
                c.rect.w * back,
                c.rect.h * back,
            ),
            score: c.score,
            landmarks: c.keypoints.map(|p| Point {
                x: p.x * back,
                y: p.y * back,
            }),
        })
        .collect())
}

fn to_candidate(f: &Face) -> Candidate {
    Candidate {
        rect: f.rect,
        keypoints: f.landmarks,
        score: f.score,
    }
}

/// Tile origins along an axis of `len` pixels: every `stride`, the last one flush with the end.
fn starts(len: u32, side: u32, stride: u32) -> Vec<u32> {
    if side >= len {
        return vec![0];
    }
    let mut v: Vec<u32> = (0..)
        .map(|i| i * stride)
        .take_while(|&s| s + side < len)
        .collect();
    v.push(len - side);
    v
}

/// Copy a rectangle of `frame` into `out` (RGBA).
fn crop(frame: Frame<'_>, x0: u32, y0: u32, w: u32, h: u32, out: &mut Vec<u8>) {
    out.clear();
    let stride = frame.width() as usize * 4;
    for y in y0..y0 + h {
        let start = y as usize * stride + x0 as usize * 4;
        out.extend_from_slice(&frame.data()[start..start + w as usize * 4]);
    }
}

/// Whether a face found in a tile touches one of the tile's edges that is not the photo's edge.
fn cut_by_inner_edge(r: &Rect, x0: u32, y0: u32, tw: u32, th: u32, rw: u32, rh: u32) -> bool {
    let margin = EDGE_MARGIN * tw.max(th) as f32;
    (x0 > 0 && r.x < margin)
        || (y0 > 0 && r.y < margin)
        || (x0 + tw < rw && r.right() > tw as f32 - margin)
        || (y0 + th < rh && r.bottom() > th as f32 - margin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_cover_the_whole_axis() {
        assert_eq!(starts(100, 200, 50), vec![0]);
        assert_eq!(starts(1000, 400, 240), vec![0, 240, 480, 600]);
        for (len, side, stride) in [(1600, 533, 320), (1200, 600, 360), (257, 256, 1)] {
            let s = starts(len, side, stride);
            assert_eq!(*s.last().unwrap() + side, len);
            assert!(s.windows(2).all(|w| w[1] > w[0] && w[1] - w[0] <= stride));
        }
    }

    #[test]
    fn faces_on_inner_edges_are_cut_and_on_photo_edges_are_not() {
        let at_left = Rect::new(0.0, 50.0, 20.0, 20.0);
        assert!(cut_by_inner_edge(&at_left, 100, 0, 200, 200, 1000, 1000));
        assert!(!cut_by_inner_edge(&at_left, 0, 0, 200, 200, 1000, 1000));
        let middle = Rect::new(80.0, 80.0, 20.0, 20.0);
        assert!(!cut_by_inner_edge(&middle, 100, 100, 200, 200, 1000, 1000));
        let at_right = Rect::new(190.0, 80.0, 20.0, 20.0);
        assert!(cut_by_inner_edge(&at_right, 0, 0, 200, 200, 1000, 1000));
        assert!(!cut_by_inner_edge(&at_right, 800, 0, 200, 200, 1000, 1000));
    }
}
