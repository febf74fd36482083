//! Faces in photos, where they can be many, small and far from the camera. Two detectors, fused:
//!
//! - **RetinaFace** (MobileNet-0.25, trained on WIDER FACE's crowds) over a pyramid: the photo is
//!   scaled so that faces 10 pixels tall become about 20 (the model's smallest prior is 16), within
//!   a budget of pixels, then searched in overlapping tiles of one planned size; each further level is
//!   a quarter of the one before, until the whole photo fits one tile, so that a face too large for
//!   a tile at one level lies whole in a tile of the next.
//! - **BlazeFace full-range**: the photo reduced to at most [`DETECT_SIDE`] pixels, searched as a
//!   whole and in square tiles at three sizes (MediaPipe's model, strong on near and large faces).
//!
//! Faces cut by a tile's inner edge are dropped (with the overlap each lies whole in a neighbouring
//! tile, or at the next level). Scores are calibrated so that one threshold serves both detectors
//! ([`calibrated_retina_score`]); the candidates are merged with MediaPipe's weighted NMS and mapped
//! back to the photo's pixels. Detection runs on scaled copies; covering happens at full size.

use super::blazeface::Candidate;
use super::retinaface::{RetinaFace, SIZE_STEP};
use super::{nms, resize_rgba, DetectOptions, Detector, Face};
use crate::error::Result;
use crate::frame::Frame;
use crate::geometry::{Point, Rect};

/// Default minimum probability for the photo pipeline, on the common scale of both detectors.
/// Measured with `examples/eval_photo.rs` (six real group photos at full size and shrunk down to
/// faces of 13 pixels, two strips of crowd thumbnails, a composite crowd and six hard copies of it;
/// 245 faces): fused, at 0.7 recall 1.000 and precision 0.950 (13 false faces), at 0.75 recall
/// 1.000 and precision 0.965 (9), at 0.8 recall 0.992 (a face under 16 pixels missed) and
/// precision 0.988. Missing a face costs more than covering a wall, and 0.75 misses none.
pub const PHOTO_THRESHOLD: f32 = 0.75;

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

/// RetinaFace tiles are this many pixels square (at the level's scale).
const RETINA_TILE: u32 = 640;
/// Neighbouring RetinaFace tiles overlap by this many pixels: faces up to this size lie whole in
/// one of them; larger ones are found at the next, coarser level.
const RETINA_OVERLAP: u32 = 160;
/// The first pyramid level enlarges a photo at most this much: 10-pixel faces become 20.
const MAX_UPSCALE: f32 = 2.0;
/// Pixels the first pyramid level may hold; larger photos are searched at a smaller scale (a
/// 12-megapixel photo at 0.58, which finds faces from about 16 pixels up in the original).
const RETINA_BUDGET: f32 = 4.0e6;
/// Coarser pyramid levels are this much smaller on each side.
const LEVEL_STEP: f32 = 4.0;
/// The RetinaFace score that counts as just a face, mapped to the common threshold (see
/// [`calibrated_retina_score`]).
pub const RETINA_THRESHOLD: f32 = 0.5;

/// A RetinaFace score on the photo pipeline's common scale, where [`PHOTO_THRESHOLD`] is the line
/// for both detectors: piecewise linear and increasing, [`RETINA_THRESHOLD`] going to
/// [`PHOTO_THRESHOLD`], 0 to 0 and 1 to 1.
pub fn calibrated_retina_score(score: f32) -> f32 {
    if score < RETINA_THRESHOLD {
        score / RETINA_THRESHOLD * PHOTO_THRESHOLD
    } else {
        PHOTO_THRESHOLD
            + (score - RETINA_THRESHOLD) / (1.0 - RETINA_THRESHOLD) * (1.0 - PHOTO_THRESHOLD)
    }
}

/// The RetinaFace score that [`calibrated_retina_score`] maps to `calibrated` (its inverse).
pub(crate) fn uncalibrated_retina_score(calibrated: f32) -> f32 {
    if calibrated < PHOTO_THRESHOLD {
        calibrated / PHOTO_THRESHOLD * RETINA_THRESHOLD
    } else {
        RETINA_THRESHOLD
            + (calibrated - PHOTO_THRESHOLD) / (1.0 - PHOTO_THRESHOLD) * (1.0 - RETINA_THRESHOLD)
    }
}

/// The photo pipeline: BlazeFace full-range, and RetinaFace when its model is given, with the
/// RetinaFace networks planned so far (one per input size; tiles share one size).
pub struct PhotoDetector {
    full_range: Detector,
    retina_model: Option<Vec<u8>>,
    retina: Vec<RetinaFace>,
}

impl PhotoDetector {
    /// The pipeline over a BlazeFace full-range model and, if given, a RetinaFace model (without it,
    /// BlazeFace alone: small faces are missed).
    pub fn new(full_range: &[u8], retinaface: Option<&[u8]>) -> Result<Self> {
        let full_range = Detector::new(full_range)?;
        let retina = match retinaface {
            // Planned once now, so that a wrong file is refused here rather than at the first photo.
            Some(bytes) => vec![RetinaFace::load(bytes, SIZE_STEP, SIZE_STEP)?],
            None => Vec::new(),
        };
        Ok(PhotoDetector {
            full_range,
            retina_model: retinaface.map(<[u8]>::to_vec),
            retina,
        })
    }

    /// The pipeline around a BlazeFace detector already loaded, without RetinaFace until
    /// [`PhotoDetector::set_retinaface`].
    pub fn around(detector: Detector) -> Self {
        PhotoDetector {
            full_range: detector,
            retina_model: None,
            retina: Vec::new(),
        }
    }

    /// Add (or replace) the RetinaFace model.
    pub fn set_retinaface(&mut self, bytes: &[u8]) -> Result<()> {
        self.retina = vec![RetinaFace::load(bytes, SIZE_STEP, SIZE_STEP)?];
        self.retina_model = Some(bytes.to_vec());
        Ok(())
    }

    /// The BlazeFace detector inside (full-range in the photo pipeline).
    pub fn detector(&mut self) -> &mut Detector {
        &mut self.full_range
    }

    /// The BlazeFace detector inside, to look at.
    pub fn detector_ref(&self) -> &Detector {
        &self.full_range
    }

    /// Faces in a photo, best first, in the photo's pixels.
    pub fn detect(&mut self, frame: Frame<'_>, options: DetectOptions) -> Result<Vec<Face>> {
        self.detect_with(frame, options, true, true)
    }

    /// [`PhotoDetector::detect`] with either detector left out (for measuring each alone).
    pub fn detect_with(
        &mut self,
        frame: Frame<'_>,
        options: DetectOptions,
        blazeface: bool,
        retinaface: bool,
    ) -> Result<Vec<Face>> {
        let options = options.validated()?;
        let mut found: Vec<Candidate> = Vec::new();
        if blazeface {
            found.extend(
                detect_photo(&mut self.full_range, frame, options)?
                    .iter()
                    .map(to_candidate),
            );
        }
        if retinaface && self.retina_model.is_some() {
            found.extend(self.retina_candidates(frame, options)?);
        }
        Ok(merged_faces(found, options.overlap))
    }

    /// RetinaFace over the pyramid, scores calibrated, in the photo's pixels.
    fn retina_candidates(
        &mut self,
        frame: Frame<'_>,
        options: DetectOptions,
    ) -> Result<Vec<Candidate>> {
        let (w, h) = (frame.width(), frame.height());
        let first = MAX_UPSCALE.min((RETINA_BUDGET / (w as f32 * h as f32)).sqrt());
        // Below this RetinaFace score a candidate cannot reach the threshold once calibrated.
        let floor = uncalibrated_retina_score(options.threshold);
        let mut out = Vec::new();
        let mut scale = first;
        loop {
            let (lw, lh) = (
                ((w as f32 * scale).round() as u32).max(1),
                ((h as f32 * scale).round() as u32).max(1),
            );
            let level_pixels = resize_rgba(frame, lw, lh);
            let level = Frame::new(&level_pixels, lw, lh)?;
            let single = lw <= RETINA_TILE && lh <= RETINA_TILE;
            // A thin photo gets thin tiles: no network runs over padding.
            let (tw, th) = (round_up(lw).min(RETINA_TILE), round_up(lh).min(RETINA_TILE));
            let stride = RETINA_TILE - RETINA_OVERLAP;
            let origins: Vec<(u32, u32)> = starts(lh, th.min(lh), stride)
                .into_iter()
                .flat_map(|y0| {
                    starts(lw, tw.min(lw), stride)
                        .into_iter()
                        .map(move |x0| (x0, y0))
                })
                .collect();
            let tile = |net: &mut RetinaFace, (x0, y0): (u32, u32)| -> Result<Vec<Candidate>> {
                let (cw, ch) = (tw.min(lw - x0), th.min(lh - y0));
                let mut tile_pixels = Vec::new();
                crop(level, x0, y0, cw, ch, &mut tile_pixels);
                let mut kept = Vec::new();
                for mut c in net.candidates(Frame::new(&tile_pixels, cw, ch)?, floor)? {
                    // Each level but the last answers for faces up to the tiles' overlap: larger
                    // ones are found at the next level, at a size the model sees best.
                    let too_large = !single && c.rect.w.max(c.rect.h) > RETINA_OVERLAP as f32;
                    if too_large || cut_by_inner_edge(&c.rect, x0, y0, cw, ch, lw, lh) {
                        continue;
                    }
                    c.score = calibrated_retina_score(c.score);
                    let back = |p: Point| Point {
                        x: (p.x + x0 as f32) / scale,
                        y: (p.y + y0 as f32) / scale,
                    };
                    let corner = back(Point {
                        x: c.rect.x,
                        y: c.rect.y,
                    });
                    c.rect = Rect::new(corner.x, corner.y, c.rect.w / scale, c.rect.h / scale);
                    c.keypoints = c.keypoints.map(back);
                    kept.push(c);
                }
                Ok(kept)
            };
            let workers = parallelism().min(origins.len()).max(1);
            let mut nets = self.retina_nets(th as usize, tw as usize, workers)?;
            let per = origins.len().div_ceil(workers);
            let found = over_chunks(&mut nets, &origins, per, &tile);
            self.retina = nets;
            out.extend(found?);
            if single {
                break;
            }
            scale /= LEVEL_STEP;
        }
        Ok(out)
    }

    /// `count` RetinaFace networks planned for `h`×`w`: those already planned at that size, and
    /// new ones; networks of other sizes are dropped.
    fn retina_nets(&mut self, h: usize, w: usize, count: usize) -> Result<Vec<RetinaFace>> {
        let mut nets: Vec<RetinaFace> = std::mem::take(&mut self.retina)
            .into_iter()
            .filter(|n| n.size() == (h, w))
            .collect();
        let Some(bytes) = self.retina_model.as_deref() else {
            return Err(crate::error::Error::invalid(
                "no RetinaFace model was given",
            ));
        };
        while nets.len() < count {
            nets.push(RetinaFace::load(bytes, h, w)?);
        }
        Ok(nets)
    }
}

/// Threads to search tiles on: every core natively, one in WebAssembly (the page runs photos in a
/// worker of its own).
fn parallelism() -> usize {
    #[cfg(not(target_arch = "wasm32"))]
    return rayon::current_num_threads();
    #[cfg(target_arch = "wasm32")]
    return 1;
}

/// `tile` over `origins` in chunks of `per`, one network a chunk: the chunks in parallel natively.
fn over_chunks<F>(
    nets: &mut [RetinaFace],
    origins: &[(u32, u32)],
    per: usize,
    tile: &F,
) -> Result<Vec<Candidate>>
where
    F: Fn(&mut RetinaFace, (u32, u32)) -> Result<Vec<Candidate>> + Sync,
{
    let chunk = |(net, chunk): (&mut RetinaFace, &[(u32, u32)])| -> Result<Vec<Candidate>> {
        let mut out = Vec::new();
        for &origin in chunk {
            out.extend(tile(net, origin)?);
        }
        Ok(out)
    };
    #[cfg(not(target_arch = "wasm32"))]
    let parts: Vec<Result<Vec<Candidate>>> = {
        use rayon::prelude::*;
        nets.par_iter_mut()
            .zip(origins.par_chunks(per))
            .map(chunk)
            .collect()
    };
    #[cfg(target_arch = "wasm32")]
    let parts: Vec<Result<Vec<Candidate>>> = nets
        .iter_mut()
        .zip(origins.chunks(per))
        .map(chunk)
        .collect();
    let mut out = Vec::new();
    for part in parts {
        out.extend(part?);
    }
    Ok(out)
}

/// `v` rounded up to a multiple of [`SIZE_STEP`].
pub(crate) fn round_up(v: u32) -> u32 {
    v.div_ceil(SIZE_STEP as u32) * SIZE_STEP as u32
}

/// Faces in a photo found by BlazeFace full-range alone, best first, in the photo's pixels.
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
        reduced_pixels = resize_rgba(frame, rw, rh);
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

/// Candidates merged by weighted NMS, as faces in the same pixels.
pub(crate) fn merged_faces(candidates: Vec<Candidate>, overlap: f32) -> Vec<Face> {
    nms::weighted_nms(candidates, overlap)
        .into_iter()
        .map(|c| Face {
            rect: c.rect,
            score: c.score,
            landmarks: c.keypoints,
        })
        .collect()
}

/// A face as a candidate for merging (see `nms::weighted_nms`).
pub(crate) fn to_candidate(f: &Face) -> Candidate {
    Candidate {
        rect: f.rect,
        keypoints: f.landmarks,
        score: f.score,
    }
}

/// Tile origins along an axis of `len` pixels: every `stride`, the last one flush with the end.
pub(crate) fn starts(len: u32, side: u32, stride: u32) -> Vec<u32> {
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
pub(crate) fn crop(frame: Frame<'_>, x0: u32, y0: u32, w: u32, h: u32, out: &mut Vec<u8>) {
    out.clear();
    let stride = frame.width() as usize * 4;
    for y in y0..y0 + h {
        let start = y as usize * stride + x0 as usize * 4;
        out.extend_from_slice(&frame.data()[start..start + w as usize * 4]);
    }
}

/// Whether a face found in a tile touches one of the tile's edges that is not the photo's edge.
pub(crate) fn cut_by_inner_edge(
    r: &Rect,
    x0: u32,
    y0: u32,
    tw: u32,
    th: u32,
    rw: u32,
    rh: u32,
) -> bool {
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
    fn retina_scores_map_onto_the_common_scale_and_back() {
        assert_eq!(calibrated_retina_score(RETINA_THRESHOLD), PHOTO_THRESHOLD);
        assert_eq!(calibrated_retina_score(0.0), 0.0);
        assert!((calibrated_retina_score(1.0) - 1.0).abs() < 1e-6);
        for i in 0..=20 {
            let s = i as f32 / 20.0;
            assert!(
                (uncalibrated_retina_score(calibrated_retina_score(s)) - s).abs() < 1e-5,
                "{s}"
            );
            assert!(calibrated_retina_score(s + 0.01) > calibrated_retina_score(s));
        }
    }

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
