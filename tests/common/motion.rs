//! The leak test's clip: 150 frames of real faces moving fast, entering from the frame's edge, hidden
//! behind an occluder and shown across cuts, each carrying its index as a barcode. `make_clip`
//! writes it as the browser's fake camera; `tests/leak.rs` runs it through the live pipeline.

/// The clip's pictures: backgrounds and people from the fetched test photos.
pub struct Clip {
    backgrounds: Vec<super::Img>,
    people: [Person; 2],
}

impl Clip {
    pub fn new() -> Clip {
        let backgrounds = ["coffee.png", "rocket.jpg", "motorcycle_left.png"]
            .iter()
            .map(|name| {
                let b = super::load(name);
                b.crop_resized(0, 0, b.width, b.height, 640, 480)
            })
            .collect();
        let people = [
            Person::new(
                &super::load("astronaut.png"),
                125,
                10,
                240,
                super::ASTRONAUT_FACE,
            ),
            Person::new(
                &super::load("camera.png"),
                120,
                62,
                200,
                super::CAMERAMAN_FACE,
            ),
        ];
        Clip {
            backgrounds,
            people,
        }
    }

    /// Frame `i` (0 ≤ i < [`FRAMES`]).
    pub fn frame(&self, i: u32) -> Shot {
        frame(i, &self.backgrounds, &self.people)
    }
}

/// Frames in the leak test's clip (5 s at 30 fps; Chromium plays it in a loop, so its end cuts to its
/// start).
pub const FRAMES: u32 = 150;
/// The frame-index barcode: [`BARCODE_CELLS`] square cells of this side, a white start cell, 10 index
/// bits (most significant first), an even-parity bit and a black end cell. Drawn twice, at the
/// bottom-left and top-right corners ([`BARCODE_AT`]), so that a large cover over one leaves the other.
pub const BARCODE_CELL: u32 = 12;
pub const BARCODE_CELLS: u32 = 13;
pub const BARCODE_AT: [(u32, u32); 2] = [(4, 464), (640 - 4 - BARCODE_CELLS * BARCODE_CELL, 4)];

/// One frame of the leak test's clip: the picture, its faces (x, y, w, h; a face entering the frame
/// reaches past its edge) and the occluders hiding parts of them.
pub struct Shot {
    pub img: super::Img,
    pub faces: Vec<(f32, f32, f32, f32)>,
    /// What each face is doing (one per face), for counts per scenario.
    pub scenes: Vec<&'static str>,
    pub occluders: Vec<(f32, f32, f32, f32)>,
}

impl Shot {
    /// The share of face `k`'s box inside the frame.
    pub fn in_view(&self, k: usize) -> f32 {
        let (x, y, w, h) = self.faces[k];
        let (iw, ih) = (self.img.width as f32, self.img.height as f32);
        let vis_w = (x + w).min(iw) - x.max(0.0);
        let vis_h = (y + h).min(ih) - y.max(0.0);
        (vis_w.max(0.0) * vis_h.max(0.0)) / (w * h)
    }
}

/// A person's head and shoulders to paste: a square crop of a test photo and the face box inside it.
pub struct Person {
    crop: super::Img,
    face: (f32, f32, f32, f32),
}

impl Person {
    pub fn new(src: &super::Img, x: u32, y: u32, side: u32, face: (f32, f32, f32, f32)) -> Person {
        Person {
            crop: src.crop_resized(x, y, side, side, side, side),
            face: (face.0 - x as f32, face.1 - y as f32, face.2, face.3),
        }
    }

    /// The head alone: the crop outside an ellipse around the face and its hair is made transparent,
    /// with a soft edge, so that no neighbour in a group photo comes along.
    pub fn head_only(mut self) -> Person {
        let (fx, fy, fw, fh) = self.face;
        let (cx, cy, rx, ry) = (fx + fw / 2.0, fy + 0.45 * fh, 0.8 * fw, 0.85 * fh);
        let side = self.crop.width;
        for y in 0..side {
            for x in 0..side {
                let (dx, dy) = ((x as f32 - cx) / rx, (y as f32 - cy) / ry);
                let r = (dx * dx + dy * dy).sqrt();
                let a = ((1.0 - r) / 0.08).clamp(0.0, 1.0);
                let i = ((y * side + x) * 4 + 3) as usize;
                self.crop.rgba[i] = (a * 255.0).round() as u8;
            }
        }
        self
    }

    /// The face box in the crop.
    pub fn face(&self) -> (f32, f32, f32, f32) {
        self.face
    }

    /// The crop's side in pixels.
    pub fn side(&self) -> u32 {
        self.crop.width
    }

    /// Paste at `size` pixels with the crop's top-left corner at (x, y), which may lie outside the
    /// frame; with `blur` > 1, smeared horizontally over that many pixels (motion blur). Returns
    /// the face box (reaching past the frame's edge when the face does), or nothing when the face
    /// is wholly outside the frame.
    pub fn paste(
        &self,
        on: &mut super::Img,
        x: i32,
        y: i32,
        size: u32,
        blur: u32,
    ) -> Option<(f32, f32, f32, f32)> {
        let mut img = self
            .crop
            .crop_resized(0, 0, self.crop.width, self.crop.height, size, size);
        if blur > 1 {
            img = smeared(&img, blur);
        }
        for oy in 0..size as i32 {
            for ox in 0..size as i32 {
                let (tx, ty) = (x + ox, y + oy);
                if tx >= 0 && ty >= 0 && (tx as u32) < on.width && (ty as u32) < on.height {
                    let i = ((ty as u32 * on.width + tx as u32) * 4) as usize;
                    let p = img.px(ox as u32, oy as u32);
                    if p[3] == 255 {
                        on.rgba[i..i + 4].copy_from_slice(&p);
                    } else {
                        // A crop cut out with a soft edge: blended by its alpha.
                        let a = p[3] as f32 / 255.0;
                        for (o, &v) in on.rgba[i..i + 3].iter_mut().zip(&p[..3]) {
                            *o = (v as f32 * a + *o as f32 * (1.0 - a)).round() as u8;
                        }
                    }
                }
            }
        }
        let s = size as f32 / self.crop.width as f32;
        let (fx, fy) = (x as f32 + self.face.0 * s, y as f32 + self.face.1 * s);
        let (fw, fh) = (self.face.2 * s, self.face.3 * s);
        let inside =
            fx + fw > 0.0 && fy + fh > 0.0 && fx < on.width as f32 && fy < on.height as f32;
        inside.then_some((fx, fy, fw, fh))
    }
}

/// A horizontal box blur over `n` pixels: what a camera records of a face moving fast sideways.
fn smeared(img: &super::Img, n: u32) -> super::Img {
    let mut out = img.clone();
    for y in 0..img.height {
        for x in 0..img.width {
            let mut sum = [0u32; 3];
            for k in 0..n {
                let sx = (x + k).saturating_sub(n / 2).min(img.width - 1);
                let p = img.px(sx, y);
                for (s, v) in sum.iter_mut().zip(p) {
                    *s += v as u32;
                }
            }
            let i = ((y * img.width + x) * 4) as usize;
            for (o, s) in out.rgba[i..i + 3].iter_mut().zip(sum) {
                *o = (s / n) as u8;
            }
        }
    }
    out
}

/// Frame `i` of the leak test's clip. Four shots, each a test photo without people as background:
/// 0–39 a face crossing the frame and back at 18 px a frame, smeared; 40–79 a face entering from the
/// right edge and leaving by the left; 80–109 a face hidden and shown again by a passing occluder;
/// 110–149 cuts every 4 frames between three set-ups with faces in different places.
fn frame(i: u32, backgrounds: &[super::Img], people: &[Person]) -> Shot {
    let mut img = backgrounds[(i as usize / 40) % backgrounds.len()].clone();
    let mut faces = Vec::new();
    let mut occluders = Vec::new();
    let t = i as i32;
    match i {
        0..=39 => {
            let x = if t < 20 {
                10 + 18 * t
            } else {
                10 + 18 * (39 - t)
            };
            faces.extend(people[0].paste(&mut img, x, 60 + (t % 7), 240, 9));
        }
        40..=79 => {
            let x = 640 - 16 * (t - 40);
            faces.extend(people[1].paste(&mut img, x, 80, 260, 1));
        }
        80..=109 => {
            faces.extend(people[0].paste(&mut img, 220, 70, 220, 1));
            // A textured panel (a crop of the coffee photo) slides in from the left, covers the face
            // for a few frames, and slides out to the right.
            let ox = -260 + 24 * (t - 80);
            let panel = backgrounds[0].crop_resized(100, 100, 200, 300, 200, 300);
            for oy in 0..300i32 {
                for px in 0..200i32 {
                    let (tx, ty) = (ox + px, 40 + oy);
                    if (0..640).contains(&tx) && (0..480).contains(&ty) {
                        let o = ((ty as u32 * 640 + tx as u32) * 4) as usize;
                        img.rgba[o..o + 4].copy_from_slice(&panel.px(px as u32, oy as u32));
                    }
                }
            }
            occluders.push((ox as f32, 40.0, 200.0, 300.0));
        }
        _ => match (i - 110) / 4 % 3 {
            0 => faces.extend(people[0].paste(&mut img, 40, 150, 180, 1)),
            1 => faces.extend(people[1].paste(&mut img, 360, 60, 240, 1)),
            _ => {
                faces.extend(people[1].paste(&mut img, 30, 40, 200, 1));
                faces.extend(people[0].paste(&mut img, 400, 180, 200, 1));
            }
        },
    }
    draw_barcode(&mut img, i);
    let scene = match i {
        0..=39 => "fast crossing",
        40..=79 => "right edge entry",
        80..=109 => "occluder",
        _ => "cuts",
    };
    Shot {
        img,
        scenes: vec![scene; faces.len()],
        faces,
        occluders,
    }
}

/// The frame index `i` as a barcode (see [`BARCODE_CELL`]) on a black strip.
pub fn draw_barcode(img: &mut super::Img, i: u32) {
    let parity = (i & 0x3ff).count_ones() % 2;
    let mut bits = vec![1u32];
    bits.extend((0..10).rev().map(|b| (i >> b) & 1));
    bits.push(parity);
    bits.push(0);
    let strip = super::Img::filled(
        BARCODE_CELLS * BARCODE_CELL + 4,
        BARCODE_CELL + 4,
        [0, 0, 0],
    );
    for (x, y) in BARCODE_AT {
        img.paste(&strip, x - 2, y - 2);
        for (k, bit) in bits.iter().enumerate() {
            let v = if *bit == 1 { 255 } else { 0 };
            let cell = super::Img::filled(BARCODE_CELL, BARCODE_CELL, [v, v, v]);
            img.paste(&cell, x + k as u32 * BARCODE_CELL, y);
        }
    }
}

/// Blocks of [`BLOCK`]² pixels of a face, not flat, that `shown` paints exactly as the camera
/// delivered them in `original`: blocks wholly inside the core ([`CORE`]) of a face's ellipse (the
/// ellipse in its box, forehead to chin and ear to ear), inside the frame and outside every occluder. 0 when every visible face is covered.
pub fn uncovered_blocks(original: &super::Img, shown: &[u8], shot: &Shot) -> usize {
    uncovered_blocks_per_face(original, shown, shot)
        .iter()
        .sum()
}

/// [`uncovered_blocks`] for each face of the shot.
pub fn uncovered_blocks_per_face(original: &super::Img, shown: &[u8], shot: &Shot) -> Vec<usize> {
    let (w, h) = (original.width as i32, original.height as i32);
    let mut per_face = Vec::new();
    for &(fx, fy, fw, fh) in &shot.faces {
        let mut leaked = 0;
        let (cx, cy, rx, ry) = (
            fx + fw / 2.0,
            fy + fh / 2.0,
            CORE * fw / 2.0,
            CORE * fh / 2.0,
        );
        let inside = |x: f32, y: f32| {
            let (dx, dy) = ((x - cx) / rx, (y - cy) / ry);
            dx * dx + dy * dy <= 1.0
                && !shot
                    .occluders
                    .iter()
                    .any(|&(ox, oy, ow, oh)| x >= ox && x <= ox + ow && y >= oy && y <= oy + oh)
        };
        let x0 = (fx.floor() as i32).max(0);
        let y0 = (fy.floor() as i32).max(0);
        let mut by = y0;
        while by + BLOCK <= h.min((fy + fh).ceil() as i32) {
            let mut bx = x0;
            while bx + BLOCK <= w.min((fx + fw).ceil() as i32) {
                let corners = [
                    (bx, by),
                    (bx + BLOCK, by),
                    (bx, by + BLOCK),
                    (bx + BLOCK, by + BLOCK),
                ];
                if corners.iter().all(|&(x, y)| inside(x as f32, y as f32)) {
                    let rows = || {
                        (by..by + BLOCK).map(|y| {
                            let i = ((y * w + bx) * 4) as usize;
                            i..i + (BLOCK * 4) as usize
                        })
                    };
                    let same = rows().all(|r| original.rgba[r.clone()] == shown[r]);
                    // A flat block (black hair under a black cover) shows nothing of the face.
                    let luma = rows()
                        .flat_map(|r| {
                            original.rgba[r].chunks_exact(4).map(|p| {
                                0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32
                            })
                        })
                        .fold((255.0f32, 0.0f32), |(lo, hi), l| (lo.min(l), hi.max(l)));
                    leaked += (same && luma.1 - luma.0 >= 12.0) as usize;
                }
                bx += BLOCK;
            }
            by += BLOCK;
        }
        per_face.push(leaked);
    }
    per_face
}

/// The part of a face [`uncovered_blocks`] compares: its ellipse at this share of its radii, which
/// holds the eyes, nose, mouth and cheeks (a sliver of hair or jaw at the rim is not counted).
pub const CORE: f32 = 0.8;

/// Side of the blocks [`uncovered_blocks`] compares.
pub const BLOCK: i32 = 4;
