//! Faceprints: what a face-recognition camera does after it finds a face. The face is turned upright
//! and scaled to a 150×150 "chip" (eyes, nose and mouth where the network expects them), and dlib's
//! face recognition network maps the chip to 128 numbers. Two faces whose faceprints lie closer
//! than [`THRESHOLD`] are taken for the same person.
//!
//! Only the watchlist page and the `faceprint` example use this. The live page and the `unseen`
//! CLI never compute a faceprint: the tool that covers faces does not match them.

pub mod dlib;

use crate::detect::Face;
use crate::engine::Network;
use crate::error::{Error, Result};
use crate::frame::Frame;
use crate::geometry::Point;

/// Side of the chip the network reads, in pixels.
pub const CHIP: usize = 150;
/// Numbers in a faceprint.
pub const LEN: usize = 128;
/// dlib's distance below which two faceprints are taken for the same person (99.38 % right on
/// LFW's pairs).
pub const THRESHOLD: f32 = 0.6;

/// The least detection score of a face that gets a faceprint. Covering errs towards covering too
/// much (the photo pipeline keeps faces from 0.5); matching must not match a patch of wall: on our
/// photos real faces score 0.99 or more and the pipeline's false faces 0.6 to 0.87.
pub const MIN_SCORE: f32 = 0.9;

/// Where dlib's chip puts the eye centres, nose tip and mouth centre, image left first, as our
/// detectors place them: the mean of the keypoints the photo pipeline finds on dlib's own 150×150
/// chips (the 55 of `examples/johns`), made symmetric. dlib cuts its chips by its 68-point mean face
/// (`get_face_chip_details`); the same points taken from that mean face (eyes 47.5 and 100.5 at
/// 46.6, nose 76.6, mouth centre 105.4) put the mouth 4 pixels lower than our detectors see it.
const TEMPLATE: [Point; 4] = [
    Point { x: 46.24, y: 45.64 },
    Point {
        x: 101.24,
        y: 45.64,
    },
    Point { x: 73.74, y: 77.33 },
    Point {
        x: 73.74,
        y: 101.19,
    },
];

/// How much each point counts in the fit: the eyes, which the detectors place best, most.
const WEIGHTS: [f32; 4] = [1.0, 1.0, 0.5, 0.5];

/// A similarity transform (rotation, uniform scale, shift) from chip pixels to picture pixels:
/// `x = a·u − b·v + tx`, `y = b·u + a·v + ty`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Alignment {
    pub a: f32,
    pub b: f32,
    pub tx: f32,
    pub ty: f32,
}

impl Alignment {
    /// The weighted least-squares similarity transform taking the chip's template onto the face's
    /// eyes, nose and mouth (the first four of its keypoints: the person's right eye, left eye,
    /// nose tip, mouth). `None` if the keypoints do not span a face (all in one place, or not
    /// finite).
    pub fn of(face: &Face) -> Option<Self> {
        let to = [
            face.landmarks[0],
            face.landmarks[1],
            face.landmarks[2],
            face.landmarks[3],
        ];
        if to.iter().any(|p| !p.x.is_finite() || !p.y.is_finite()) {
            return None;
        }
        let total: f32 = WEIGHTS.iter().sum();
        let mean = |pts: &[Point; 4]| {
            let (mut x, mut y) = (0.0, 0.0);
            for (p, w) in pts.iter().zip(WEIGHTS) {
                x += p.x * w;
                y += p.y * w;
            }
            Point {
                x: x / total,
                y: y / total,
            }
        };
        let (mf, mt) = (mean(&TEMPLATE), mean(&to));
        let (mut dot, mut cross, mut norm) = (0.0f32, 0.0f32, 0.0f32);
        for ((f, t), w) in TEMPLATE.iter().zip(&to).zip(WEIGHTS) {
            let (u, v) = (f.x - mf.x, f.y - mf.y);
            let (x, y) = (t.x - mt.x, t.y - mt.y);
            dot += w * (u * x + v * y);
            cross += w * (u * y - v * x);
            norm += w * (u * u + v * v);
        }
        let (a, b) = (dot / norm, cross / norm);
        // A face less than a pixel across in the picture is no face.
        if !(a.is_finite() && b.is_finite()) || a.hypot(b) < 0.005 {
            return None;
        }
        Some(Alignment {
            a,
            b,
            tx: mt.x - (a * mf.x - b * mf.y),
            ty: mt.y - (b * mf.x + a * mf.y),
        })
    }

    /// Picture pixels per chip pixel.
    pub fn scale(&self) -> f32 {
        self.a.hypot(self.b)
    }

    fn map(&self, u: f32, v: f32) -> (f32, f32) {
        (
            self.a * u - self.b * v + self.tx,
            self.b * u + self.a * v + self.ty,
        )
    }
}

/// The face's 150×150 chip, RGB, rows top first: each chip pixel the mean of a few bilinear samples
/// spread over the picture pixels it covers (so a large face is shrunk without aliasing). Outside the
/// picture is black, as in dlib.
pub fn chip(frame: Frame<'_>, alignment: Alignment) -> Vec<u8> {
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    let data = frame.data();
    let samples = (alignment.scale().ceil() as usize).clamp(1, 6);
    let step = 1.0 / samples as f32;
    let at = |x: isize, y: isize, c: usize| -> f32 {
        if x < 0 || y < 0 || x as usize >= w || y as usize >= h {
            0.0
        } else {
            data[(y as usize * w + x as usize) * 4 + c] as f32
        }
    };
    let mut out = vec![0u8; CHIP * CHIP * 3];
    for v in 0..CHIP {
        for u in 0..CHIP {
            let mut sum = [0.0f32; 3];
            for sy in 0..samples {
                for sx in 0..samples {
                    let cu = u as f32 - 0.5 + (sx as f32 + 0.5) * step;
                    let cv = v as f32 - 0.5 + (sy as f32 + 0.5) * step;
                    // Far outside the picture is black, and stays a small number.
                    let (x, y) = alignment.map(cu, cv);
                    let (x, y) = (x.clamp(-2.0, w as f32 + 1.0), y.clamp(-2.0, h as f32 + 1.0));
                    let (x0, y0) = (x.floor(), y.floor());
                    let (fx, fy) = (x - x0, y - y0);
                    let (x0, y0) = (x0 as isize, y0 as isize);
                    for (c, s) in sum.iter_mut().enumerate() {
                        let top = at(x0, y0, c) * (1.0 - fx) + at(x0 + 1, y0, c) * fx;
                        let bottom = at(x0, y0 + 1, c) * (1.0 - fx) + at(x0 + 1, y0 + 1, c) * fx;
                        *s += top * (1.0 - fy) + bottom * fy;
                    }
                }
            }
            let n = (samples * samples) as f32;
            for c in 0..3 {
                out[(v * CHIP + u) * 3 + c] = (sum[c] / n).round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    out
}

/// dlib's face recognition network, loaded into our engine, with its input buffer.
pub struct Faceprinter {
    net: Network,
    output: usize,
    input: Vec<f32>,
}

impl Faceprinter {
    /// Load the network (the ONNX file `examples/faceprint_model.rs` writes from dlib's). Refused
    /// unless it reads a 150×150 RGB chip and gives 128 numbers.
    pub fn new(model: &[u8]) -> Result<Self> {
        let net = Network::load(model, None).map_err(|e| match e {
            Error::Model(why) => Error::FaceprintModel(why),
            other => other,
        })?;
        let shape = net.input_shape();
        if (shape.h, shape.w, shape.c) != (CHIP, CHIP, 3) {
            return Err(Error::FaceprintModel(
                "this is not a faceprint model: it does not read a 150×150 colour picture".into(),
            ));
        }
        let output = net
            .find_output(None, &[LEN, 1, 1])
            .or_else(|| net.find_output(None, &[LEN]))
            .ok_or_else(|| {
                Error::FaceprintModel(
                    "this is not a faceprint model: it gives no 128 numbers".into(),
                )
            })?;
        Ok(Faceprinter {
            net,
            output,
            input: vec![0.0; CHIP * CHIP * 3],
        })
    }

    /// The faceprint of a chip (150×150 RGB, as [`chip`] makes).
    pub fn faceprint(&mut self, chip: &[u8]) -> Result<[f32; LEN]> {
        if chip.len() != CHIP * CHIP * 3 {
            return Err(Error::InvalidArgument(format!(
                "a face chip is {CHIP}×{CHIP} RGB ({} bytes), not {} bytes",
                CHIP * CHIP * 3,
                chip.len()
            )));
        }
        for (x, b) in self.input.iter_mut().zip(chip) {
            *x = *b as f32;
        }
        self.net.run(&self.input)?;
        let mut out = [0.0; LEN];
        out.copy_from_slice(&self.net.output(self.output)[..LEN]);
        Ok(out)
    }

    /// The faceprint of a face found in a picture: aligned by its keypoints, then
    /// [`Faceprinter::faceprint`]. `None` if its keypoints do not span a face.
    pub fn of_face(&mut self, frame: Frame<'_>, face: &Face) -> Result<Option<[f32; LEN]>> {
        match Alignment::of(face) {
            Some(a) => self.faceprint(&chip(frame, a)).map(Some),
            None => Ok(None),
        }
    }
}

/// Euclidean distance between two faceprints.
pub fn distance(a: &[f32; LEN], b: &[f32; LEN]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f32>()
        .sqrt()
}
