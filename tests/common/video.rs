//! The video anonymiser's test clip, made from real photos (the faces of the group photos, the
//! astronaut and the cameraman, cut out with a soft edge, over photos without people), with what a
//! phone video carries and is hardest to cover:
//! - faces gliding across the frame, two of them crossing;
//! - a face entering and leaving at each of the four edges (3.8 px a frame in a 10 s clip);
//! - a face flashing in a single frame, twice;
//! - a small face, 20 px tall, drifting;
//! - on the file: an AAC tone, a display rotation, and location, date, device and title tags.
//!
//! Frames are drawn as displayed (upright); [`encode`] stores them turned when the clip carries a
//! rotation, as a phone held upright does. Every face's box is known in every frame.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use super::edges::people;
use super::motion::{Person, Shot};
use super::{load, Img};

/// What each face is doing, for counts per scenario.
pub const SCENES: [&str; 5] = [
    "gliding",
    "crossing",
    "entering at an edge",
    "flashing for one frame",
    "small",
];

/// A clip: its displayed size, frame count and pictures.
pub struct VideoClip {
    pub width: u32,
    pub height: u32,
    pub frames: u32,
    backgrounds: Vec<Img>,
    people: Vec<Person>,
}

impl VideoClip {
    /// A clip `width`×`height` (as displayed) of `frames` frames at 30 fps.
    pub fn new(width: u32, height: u32, frames: u32) -> VideoClip {
        let backgrounds = ["rocket.jpg", "motorcycle_left.png", "coffee.png"]
            .iter()
            .map(|name| {
                let b = load(name);
                b.crop_resized(0, 0, b.width, b.height, width, height)
            })
            .collect();
        let people = people();
        VideoClip {
            width,
            height,
            frames,
            backgrounds,
            people,
        }
    }

    /// Frame `i`, upright, with every face's box and scenario.
    pub fn frame(&self, i: u32) -> Shot {
        let (w, h) = (self.width as f32, self.height as f32);
        let unit = w.min(h) / 720.0; // sizes are given for a 720-pixel short side
        let mut shot = Shot {
            img: self.backgrounds[(i as usize * 3 / self.frames.max(1) as usize).min(2)].clone(),
            faces: Vec::new(),
            scenes: Vec::new(),
            occluders: Vec::new(),
        };
        let n = self.frames as f32;
        let t = i as f32;
        // Gliding: one face left to right across the upper third, 6 px a frame (scaled), looping.
        let span = w + 200.0 * unit;
        let x = (t * 6.0 * unit) % span - 150.0 * unit;
        self.place(&mut shot, 24, SCENES[0], x, 0.2 * h, 120.0 * unit);
        // Crossing: two faces passing each other in the lower middle.
        let c = (t / n) * (w * 0.6);
        self.place(&mut shot, 3, SCENES[1], 0.15 * w + c, 0.55 * h, 90.0 * unit);
        self.place(
            &mut shot,
            7,
            SCENES[1],
            0.75 * w - c,
            0.58 * h,
            100.0 * unit,
        );
        // Entering at an edge: one edge per quarter of the clip, coming wholly into view and
        // leaving the same way (3.8 px a frame in a 10 s clip, faster in shorter ones).
        let quarter = (n / 4.0).max(1.0);
        let edge = ((t / quarter) as u32).min(3);
        let u = t - edge as f32 * quarter;
        let face_h = 110.0 * unit;
        let speed = 1.3 * face_h / (quarter / 2.0);
        let depth = speed * u.min(quarter - 1.0 - u).max(0.0);
        let who = 9 + edge as usize;
        let fw = self.face_w(who, face_h);
        let (ex, ey) = match edge {
            0 => (depth - fw, 0.4 * h),
            1 => (0.45 * w, depth - face_h),
            2 => (w - depth, 0.35 * h),
            _ => (0.3 * w, h - depth),
        };
        self.place(&mut shot, who, SCENES[2], ex, ey, face_h);
        // Flashing: a face in a single frame, at a third and at two thirds of the clip.
        if i == self.frames / 3 || i == 2 * self.frames / 3 {
            self.place(
                &mut shot,
                14 + (i % 5) as usize,
                SCENES[3],
                0.6 * w,
                0.15 * h,
                100.0 * unit,
            );
        }
        // Small: 20 px tall whatever the frame size, drifting 0.5 px a frame.
        self.place(&mut shot, 16, SCENES[4], 0.12 * w + 0.5 * t, 0.12 * h, 20.0);
        shot
    }

    fn face_w(&self, who: usize, face_h: f32) -> f32 {
        let p = &self.people[who % self.people.len()];
        p.face().2 * face_h / p.face().3
    }

    /// Person `who` with the face's top-left corner at (x, y), `face_h` pixels tall.
    fn place(&self, shot: &mut Shot, who: usize, scene: &'static str, x: f32, y: f32, face_h: f32) {
        let p = &self.people[who % self.people.len()];
        let (fx, fy, _, fh) = p.face();
        let s = face_h / fh;
        let size = (p.side() as f32 * s).round().max(1.0) as u32;
        let (cx, cy) = ((x - fx * s).round() as i32, (y - fy * s).round() as i32);
        if let Some(face) = p.paste(&mut shot.img, cx, cy, size, 1) {
            shot.faces.push(face);
            shot.scenes.push(scene);
        }
    }
}

/// The tags a phone writes, which a redacted copy must not carry.
pub const TAGS: [(&str, &str); 5] = [
    ("location", "+51.5754-000.1832/"),
    ("creation_time", "2026-06-01T14:03:00Z"),
    ("make", "Apple"),
    ("model", "iPhone 15"),
    ("title", "Romford high street"),
];

/// Write `clip` to `path` as H.264 (or VP9 for `.webm`) with a 440 Hz tone (AAC, or Opus for WebM),
/// the phone's tags, and, for `rotation` 90, frames stored turned a quarter counter-clockwise with a
/// flag saying to turn them back for display. Needs ffmpeg.
pub fn encode(clip: &VideoClip, path: &Path, rotation: u32) {
    let webm = path.extension().is_some_and(|e| e == "webm");
    let (sw, sh) = if rotation % 180 == 90 {
        (clip.height, clip.width)
    } else {
        (clip.width, clip.height)
    };
    let seconds = clip.frames as f64 / 30.0;
    let mut cmd = Command::new("ffmpeg");
    cmd.args([
        "-hide_banner",
        "-v",
        "error",
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgba",
    ])
    .args(["-s", &format!("{sw}x{sh}"), "-framerate", "30", "-i", "-"])
    .args([
        "-f",
        "lavfi",
        "-i",
        &format!("sine=frequency=440:duration={seconds}"),
    ])
    .args(["-map", "0:v", "-map", "1:a"]);
    let hevc = path
        .file_name()
        .is_some_and(|n| n.to_string_lossy().contains("hevc"));
    if hevc {
        // As an iPhone writes it: HEVC tagged hvc1.
        cmd.args([
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-x265-params",
            "log-level=error",
        ])
        .args(["-tag:v", "hvc1", "-pix_fmt", "yuv420p", "-c:a", "aac"]);
    } else if webm {
        cmd.args([
            "-c:v",
            "libvpx-vp9",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-b:v",
            "2M",
            "-c:a",
            "libopus",
        ]);
    } else {
        cmd.args([
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "-c:a",
            "aac",
        ]);
    }
    for (k, v) in TAGS {
        cmd.args(["-metadata", &format!("{k}={v}")]);
    }
    let mut child = cmd
        .arg(path)
        .stdin(Stdio::piped())
        .spawn()
        .expect("ffmpeg runs (install ffmpeg)");
    let mut stdin = child.stdin.take().expect("stdin");
    for i in 0..clip.frames {
        let shot = clip.frame(i);
        let stored = if rotation % 180 == 90 {
            shot.img.rotated_ccw()
        } else {
            shot.img
        };
        stdin.write_all(&stored.rgba).expect("ffmpeg takes frames");
    }
    drop(stdin);
    assert!(
        child.wait().expect("ffmpeg").success(),
        "ffmpeg encoded the clip"
    );
    if rotation != 0 {
        // ffmpeg 5.1 cannot be told to write the flag; unseen's writer does, and ffprobe must read it.
        let turn = unseen::video::Rotation::clockwise(rotation as i32).expect("quarter turn");
        unseen::video::mp4::write_rotation(path, turn, sw, sh).expect("rotation written");
        let (w, h, _) = probe_shown(path);
        assert_eq!(
            (w, h),
            (clip.width, clip.height),
            "the clip is shown upright"
        );
    }
}

/// The shown size of `path`'s video and its clockwise rotation, as ffprobe reads them.
pub fn probe_shown(path: &Path) -> (u32, u32, i64) {
    let probe = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_streams",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    let json: serde_json::Value = serde_json::from_slice(&probe.stdout).expect("json");
    let s = &json["streams"][0];
    let (mut w, mut h) = (
        s["width"].as_u64().unwrap_or(0) as u32,
        s["height"].as_u64().unwrap_or(0) as u32,
    );
    let rotation = -s["side_data_list"][0]["rotation"].as_i64().unwrap_or(0);
    if rotation.rem_euclid(180) == 90 {
        std::mem::swap(&mut w, &mut h);
    }
    (w, h, rotation.rem_euclid(360))
}

/// The frames of `path` as displayed (turned by its rotation flag), RGBA, one at a time: a decoder
/// streaming from ffmpeg, and the shown size.
pub struct Frames {
    child: std::process::Child,
    pub width: u32,
    pub height: u32,
}

impl Frames {
    pub fn open(path: &Path) -> Frames {
        let (width, height, _) = probe_shown(path);
        let child = Command::new("ffmpeg")
            .args(["-hide_banner", "-v", "error", "-i"])
            .arg(path)
            .args([
                "-map",
                "0:v:0",
                "-vsync",
                "passthrough",
                "-f",
                "rawvideo",
                "-pix_fmt",
                "rgba",
                "-",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .expect("ffmpeg runs");
        Frames {
            child,
            width,
            height,
        }
    }
}

impl Iterator for Frames {
    type Item = Vec<u8>;
    fn next(&mut self) -> Option<Vec<u8>> {
        use std::io::Read;
        let mut frame = vec![0u8; (self.width * self.height * 4) as usize];
        self.child.stdout.as_mut()?.read_exact(&mut frame).ok()?;
        Some(frame)
    }
}

impl Drop for Frames {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Blocks of a face's core that `shown` paints as `original` does (mean difference at most 8 of
/// 255 over a 4×4 block; both went through a lossy encoder) and that show something (not flat, in
/// both: dark hair under a black cover is close to it but shows nothing): one count per face of
/// `shot`. 0 everywhere when every face is covered.
pub fn uncovered_blocks(
    original: &[u8],
    shown: &[u8],
    width: u32,
    height: u32,
    shot: &Shot,
) -> Vec<usize> {
    const BLOCK: i32 = 4;
    let (w, h) = (width as i32, height as i32);
    shot.faces
        .iter()
        .map(|&(fx, fy, fw, fh)| {
            let (cx, cy) = (fx + fw / 2.0, fy + fh / 2.0);
            let (rx, ry) = (
                super::motion::CORE * fw / 2.0,
                super::motion::CORE * fh / 2.0,
            );
            let inside = |x: i32, y: i32| {
                let (dx, dy) = ((x as f32 - cx) / rx, (y as f32 - cy) / ry);
                dx * dx + dy * dy <= 1.0
            };
            let mut leaked = 0;
            let mut by = (fy.floor() as i32).max(0);
            while by + BLOCK <= h.min((fy + fh).ceil() as i32) {
                let mut bx = (fx.floor() as i32).max(0);
                while bx + BLOCK <= w.min((fx + fw).ceil() as i32) {
                    let corners = [
                        (bx, by),
                        (bx + BLOCK, by),
                        (bx, by + BLOCK),
                        (bx + BLOCK, by + BLOCK),
                    ];
                    if corners.iter().all(|&(x, y)| inside(x, y)) {
                        let mut diff = 0u32;
                        let (mut lo, mut hi) = (255u8, 0u8);
                        let (mut shown_lo, mut shown_hi) = (255u8, 0u8);
                        for y in by..by + BLOCK {
                            for x in bx..bx + BLOCK {
                                let i = ((y * w + x) * 4) as usize;
                                for c in 0..3 {
                                    diff += original[i + c].abs_diff(shown[i + c]) as u32;
                                }
                                let g = original[i + 1];
                                lo = lo.min(g);
                                hi = hi.max(g);
                                let g = shown[i + 1];
                                shown_lo = shown_lo.min(g);
                                shown_hi = shown_hi.max(g);
                            }
                        }
                        let mean = diff as f32 / (BLOCK * BLOCK * 3) as f32;
                        leaked +=
                            (mean <= 8.0 && hi - lo >= 12 && shown_hi - shown_lo >= 12) as usize;
                    }
                    bx += BLOCK;
                }
                by += BLOCK;
            }
            leaked
        })
        .collect()
}

/// Frames in which some face shows, per scenario, over the whole clip.
pub fn leaks(clip: &VideoClip, input: &Path, output: &Path) -> Vec<(&'static str, usize, usize)> {
    let originals = Frames::open(input);
    let shown = Frames::open(output);
    let (w, h) = (originals.width, originals.height);
    assert_eq!((shown.width, shown.height), (w, h), "shown size");
    let mut per_scene: Vec<(&'static str, usize, usize)> =
        SCENES.iter().map(|s| (*s, 0, 0)).collect();
    let mut shown = shown;
    for (i, orig) in originals.enumerate() {
        let out = shown
            .next()
            .unwrap_or_else(|| panic!("the output ends at frame {i}"));
        let shot = clip.frame(i as u32);
        let blocks = uncovered_blocks(&orig, &out, w, h, &shot);
        for (k, scene) in shot.scenes.iter().enumerate() {
            let entry = per_scene
                .iter_mut()
                .find(|e| e.0 == *scene)
                .expect("known scene");
            entry.2 += 1;
            if blocks[k] > 0 {
                entry.1 += 1;
                eprintln!(
                    "frame {i}: {scene} face {:?} shows {} blocks",
                    shot.faces[k], blocks[k]
                );
            }
        }
    }
    assert!(
        shown.next().is_none(),
        "the output has more frames than the input"
    );
    per_scene
}

/// The clips the tests and the bench use, by name: `landscape` (1280×720, 4 s), `portrait` (a phone
/// held upright: 360×640 shown, stored sideways with a 90° flag, 2 s), `hevc` (640×360, 1.5 s, to be
/// written as HEVC: name its file `*hevc*`), `webm` (the same, for a `.webm` file) and `bench`
/// (1280×720, 10 s).
pub fn clip(name: &str) -> VideoClip {
    match name {
        "portrait" => VideoClip::new(360, 640, 60),
        "bench" => VideoClip::new(1280, 720, 300),
        "hevc" | "webm" => VideoClip::new(640, 360, 45),
        _ => VideoClip::new(1280, 720, 120),
    }
}

/// The rotation flag each named clip is stored with.
pub fn rotation(name: &str) -> u32 {
    if name == "portrait" {
        90
    } else {
        0
    }
}
