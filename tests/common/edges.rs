//! The adversarial clip for protect mode: 14 s at 30 fps of real faces (the 23 of the group photos,
//! the astronaut and the cameraman) doing what is hardest to cover in time:
//! - entering and leaving at all four edges at three speeds, 3, 8 and 20 pixels a frame (slow enough
//!   that a face is 40–80 % in view for many frames before and after any detector finds it);
//! - parked half out of the frame for seconds, some arriving by a cut;
//! - large faces cut by an edge: one with its lower half below the bottom edge gliding sideways and
//!   then gone at once, one parked at the right edge, with a face sliding in from the top meanwhile;
//! - faces crossing, one passing in front of the other, and a panel passing over a face;
//! - cuts every 5 frames between set-ups with faces half out of frame.
//!
//! Each frame carries its index as the same barcode as the motion clip (`motion::draw_barcode`).
//! `make_clip` writes it as the browser's fake camera (`edges.y4m`, `edges.json`); `tests/leak.rs`
//! runs it through the live pipeline natively.

use super::motion::{draw_barcode, Person, Shot};
use super::{load, Img, GROUP_FACES};

/// Frames in the clip (14 s at 30 fps).
pub const FRAMES: u32 = 420;
const W: f32 = 640.0;
const H: f32 = 480.0;

/// The scenarios, in the order of the clip, as the counts per scenario name them.
pub const SCENES: [&str; 9] = [
    "slow edges (3 px/frame)",
    "medium edges (8 px/frame)",
    "fast edges (20 px/frame)",
    "parked half out",
    "large at the bottom edge",
    "large at the right edge",
    "sliding in from the top",
    "crossing and occluded",
    "cuts at the edges",
];

/// The stretches of the clip, first frame and what happens in it (frames 270–329 hold three
/// scenarios at once).
pub const STRETCHES: [(u32, &str); 7] = [
    (0, SCENES[0]),
    (90, SCENES[1]),
    (150, SCENES[2]),
    (180, SCENES[3]),
    (270, "large at the edges, sliding in"),
    (330, SCENES[7]),
    (390, SCENES[8]),
];

/// The stretch of the clip frame `i` is in.
pub fn stretch(i: u32) -> &'static str {
    STRETCHES
        .iter()
        .rev()
        .find(|(first, _)| i >= *first)
        .map_or(SCENES[0], |s| s.1)
}

#[derive(Clone, Copy)]
enum Edge {
    Top,
    Bottom,
    Left,
    Right,
}

const EDGES: [Edge; 4] = [Edge::Top, Edge::Bottom, Edge::Left, Edge::Right];

/// The clip's pictures: backgrounds without people, and 25 people.
pub struct EdgeClip {
    backgrounds: Vec<Img>,
    people: Vec<Person>,
}

impl Default for EdgeClip {
    fn default() -> Self {
        Self::new()
    }
}

impl EdgeClip {
    pub fn new() -> EdgeClip {
        // No cat (chelsea.png): BlazeFace finds its face, rightly covered in protect mode, and a cover
        // that large near every edge hides whole scenarios from a check that reads the painted frames.
        let backgrounds = ["rocket.jpg", "motorcycle_left.png", "coffee.png"]
            .iter()
            .map(|name| {
                let b = load(name);
                b.crop_resized(0, 0, b.width, b.height, 640, 480)
            })
            .collect();
        let people = people();
        EdgeClip {
            backgrounds,
            people,
        }
    }

    /// Frame `i` (0 ≤ i < [`FRAMES`]).
    pub fn frame(&self, i: u32) -> Shot {
        let mut f = Painter {
            img: self.backgrounds[(i as usize / 90) % self.backgrounds.len()].clone(),
            people: &self.people,
            faces: Vec::new(),
            scenes: Vec::new(),
            occluders: Vec::new(),
        };
        let t = i as f32;
        match i {
            // Four faces, one at each edge, in and out at 3 px a frame.
            0..=89 => {
                for (k, edge) in EDGES.into_iter().enumerate() {
                    let depth = tent(t, 90.0, 3.0);
                    f.at_edge(k, SCENES[0], edge, depth, 100.0 + 6.0 * k as f32, 0);
                }
            }
            // The same at 8 px a frame, twice, other faces.
            90..=149 => {
                let u = (i - 90) % 30;
                for (k, edge) in EDGES.into_iter().enumerate() {
                    let depth = tent(u as f32, 30.0, 8.0);
                    let who = 4 + k + 4 * ((i - 90) / 30) as usize;
                    f.at_edge(who, SCENES[1], edge, depth, 104.0 + 4.0 * k as f32, 0);
                }
            }
            // At 20 px a frame, smeared, twice.
            150..=179 => {
                let u = (i - 150) % 15;
                for (k, edge) in EDGES.into_iter().enumerate() {
                    let depth = tent(u as f32, 15.0, 20.0);
                    let who = 12 + k + 4 * ((i - 150) / 15) as usize;
                    let blur = if matches!(edge, Edge::Left | Edge::Right) {
                        7
                    } else {
                        1
                    };
                    f.at_edge(who, SCENES[2], edge, depth, 96.0, blur);
                }
            }
            // Parked half out for 3 s: top and bottom slide in at 4 px a frame to about 60 % in view
            // and sway by a few pixels; left and right are there from the cut, 55 % and 65 % in view.
            180..=269 => {
                let u = t - 180.0;
                let sway = 3.0 * (u / 7.0).sin();
                let parked = |h: f32, share: f32| (4.0 * u).min(h * share) + sway;
                f.at_edge(20, SCENES[3], Edge::Top, parked(110.0, 0.6), 110.0, 0);
                f.at_edge(21, SCENES[3], Edge::Bottom, parked(120.0, 0.6), 120.0, 0);
                f.at_edge(22, SCENES[3], Edge::Left, 0.55 * 105.0 + sway, 105.0, 0);
                f.at_edge(23, SCENES[3], Edge::Right, 0.65 * 115.0 - sway, 115.0, 0);
            }
            // Large faces cut by an edge. A face 230 px tall, its lower 45 % below the bottom edge,
            // glides right at 5 px a frame and is cut away at 310; one 200 px tall stands 60 % in view
            // at the right edge, drifting down, until 329; from 290 a face slides down from the top
            // edge at 3 px a frame.
            270..=329 => {
                let u = t - 270.0;
                if i < 310 {
                    f.place(24, SCENES[4], 200.0 + 5.0 * u, H - 0.55 * 230.0, 230.0, 0);
                }
                let big = f.person_w(1, 200.0);
                f.place(1, SCENES[5], W - 0.6 * big, 150.0 + 2.0 * u, 200.0, 0);
                if i >= 290 {
                    f.at_edge(5, SCENES[6], Edge::Top, 3.0 * (t - 290.0), 110.0, 0);
                }
            }
            // Two faces crossing at 10 px a frame, the second passing in front; a panel passes over a
            // third face at the left.
            330..=389 => {
                let u = t - 330.0;
                f.place(9, SCENES[7], 80.0 + 8.0 * u, 200.0, 110.0, 0);
                f.place(10, SCENES[7], 520.0 - 8.0 * u, 215.0, 120.0, 0);
                f.place(11, SCENES[7], 40.0, 40.0, 100.0, 0);
                let ox = -200.0 + 12.0 * u;
                f.panel(ox, 20.0, 160.0, 200.0);
            }
            // Cuts every 5 frames between set-ups with faces half out of frame.
            _ => match (i - 390) / 5 % 3 {
                0 => {
                    f.at_edge(13, SCENES[8], Edge::Bottom, 0.6 * 140.0, 140.0, 0);
                    f.at_edge(14, SCENES[8], Edge::Left, 0.6 * 120.0, 120.0, 0);
                }
                1 => {
                    f.at_edge(15, SCENES[8], Edge::Right, 0.55 * 130.0, 130.0, 0);
                    f.place(16, SCENES[8], 250.0, 150.0, 120.0, 0);
                }
                _ => {
                    f.at_edge(17, SCENES[8], Edge::Top, 0.6 * 120.0, 120.0, 0);
                    f.at_edge(18, SCENES[8], Edge::Bottom, 0.65 * 110.0, 110.0, 0);
                }
            },
        }
        draw_barcode(&mut f.img, i);
        Shot {
            img: f.img,
            faces: f.faces,
            scenes: f.scenes,
            occluders: f.occluders,
        }
    }
}

/// How far into the frame a face goes that comes in at `speed` px a frame and leaves the same way
/// over `period` frames: `speed·t` on the way in, as much on the way out.
fn tent(t: f32, period: f32, speed: f32) -> f32 {
    speed * t.min(period - 1.0 - t).max(0.0)
}

/// The 25 people of the test clips: the 23 faces of the group photos, the astronaut and the
/// cameraman, each cut out with a soft edge.
pub fn people() -> Vec<Person> {
    let mut people = Vec::new();
    for (i, faces) in GROUP_FACES.iter().enumerate() {
        let photo = load(&format!("group{}.jpg", i + 1));
        for &face in faces.iter() {
            people.push(head_and_shoulders(&photo, face));
        }
    }
    people.push(head_and_shoulders(
        &load("astronaut.png"),
        super::ASTRONAUT_FACE,
    ));
    people.push(head_and_shoulders(
        &load("camera.png"),
        super::CAMERAMAN_FACE,
    ));
    people
}

/// A person's head from a photo, cut out with a soft edge.
fn head_and_shoulders(photo: &Img, face: (f32, f32, f32, f32)) -> Person {
    let (x, y, w, h) = face;
    let side = (2.2 * w.max(h)).min(photo.width.min(photo.height) as f32) as u32;
    let cx = x + w / 2.0;
    let cy = y + h * 0.6;
    let x0 = (cx - side as f32 / 2.0).clamp(0.0, (photo.width - side) as f32) as u32;
    let y0 = (cy - side as f32 / 2.0).clamp(0.0, (photo.height - side) as f32) as u32;
    Person::new(photo, x0, y0, side, face).head_only()
}

/// One frame being drawn.
struct Painter<'a> {
    img: Img,
    people: &'a [Person],
    faces: Vec<(f32, f32, f32, f32)>,
    scenes: Vec<&'static str>,
    occluders: Vec<(f32, f32, f32, f32)>,
}

impl Painter<'_> {
    /// Width of person `who`'s face when its face is `face_h` tall.
    fn person_w(&self, who: usize, face_h: f32) -> f32 {
        let p = &self.people[who % self.people.len()];
        p.face().2 * face_h / p.face().3
    }

    /// Person `who` with the face's top-left corner at (x, y), `face_h` pixels tall.
    fn place(&mut self, who: usize, scene: &'static str, x: f32, y: f32, face_h: f32, blur: u32) {
        let p = &self.people[who % self.people.len()];
        let (fx, fy, _, fh) = p.face();
        let s = face_h / fh;
        let size = (p.side() as f32 * s).round() as u32;
        let (cx, cy) = ((x - fx * s).round() as i32, (y - fy * s).round() as i32);
        if let Some(face) = p.paste(&mut self.img, cx, cy, size, blur) {
            self.faces.push(face);
            self.scenes.push(scene);
        }
    }

    /// Person `who` at `edge`, `depth` pixels of its face inside the frame; placed along the edge so
    /// that the faces at the four edges never meet nor cover the barcodes' corners.
    fn at_edge(
        &mut self,
        who: usize,
        scene: &'static str,
        edge: Edge,
        depth: f32,
        face_h: f32,
        blur: u32,
    ) {
        let face_w = self.person_w(who, face_h);
        let (x, y) = match edge {
            Edge::Top => (220.0, depth - face_h),
            Edge::Bottom => (330.0, H - depth),
            Edge::Left => (depth - face_w, 130.0),
            Edge::Right => (W - depth, 170.0),
        };
        self.place(who, scene, x, y, face_h, blur);
    }

    /// A checkered panel over the frame, hiding what is behind it.
    fn panel(&mut self, x: f32, y: f32, w: f32, h: f32) {
        for py in 0..h as i32 {
            for px in 0..w as i32 {
                let (tx, ty) = (x as i32 + px, y as i32 + py);
                if (0..W as i32).contains(&tx) && (0..H as i32).contains(&ty) {
                    let o = ((ty as u32 * 640 + tx as u32) * 4) as usize;
                    let v = (((px / 8 + py / 8) % 2) * 120 + 60) as u8;
                    self.img.rgba[o..o + 3].copy_from_slice(&[v, v / 2 + 40, 200 - v]);
                }
            }
        }
        self.occluders.push((x, y, w, h));
    }
}
