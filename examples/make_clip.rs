//! Writes the fake-camera clip the browser tests and the bench feed to Chromium
//! (`--use-file-for-fake-video-capture`), made from real photos, plus its ground truth:
//!
//!   cargo run --release --example make_clip -- OUT_DIR
//!
//! OUT_DIR/two-faces.y4m: 640×480, 30 fps, the two-face frame of the Rust tests, still (so any frame
//! Chromium shows is the known picture), and OUT_DIR/two-faces.json: the frame's face boxes and its
//! RGBA pixels' source, for pixel checks.
//!
//! OUT_DIR/motion.y4m: the leak test's clip, 640×480, 30 fps, 150 frames of real faces moving fast,
//! entering from the frame's edge, hidden behind an occluder and shown across cuts between shots, each
//! frame carrying its index as a barcode; OUT_DIR/motion.json: each frame's face boxes and occluders;
//! OUT_DIR/motion-{0,50,95,140}.png: one frame of each shot, to look at.
//!
//! OUT_DIR/edges.y4m, OUT_DIR/edges.json: protect mode's adversarial clip (`tests/common/edges.rs`),
//! 420 frames of faces entering, leaving and parked at all four edges, large faces cut by an edge,
//! crossings, an occluder and cuts, each face with the scenario it belongs to; OUT_DIR/edges-N.png: a
//! frame of each scenario.
//!
//! OUT_DIR/video-landscape.mp4 (1280×720, 4 s), video-portrait.mov (a phone video stored sideways
//! with a 90° flag), video-hevc.mov (HEVC, as an iPhone writes it), video-street.webm (VP9 and Opus)
//! and video-bench.mp4 (1280×720, 10 s): the video anonymiser's clips (`tests/common/video.rs`),
//! with a tone and a phone's location, date, device and title tags.
//!
//! Also the photos the photo-page test and the bench load: OUT_DIR/crowd-gps-rot6.jpg, the
//! 1600×1000 composite crowd stored turned on its side with EXIF orientation 6 and a GPS position
//! (as a phone writes it), OUT_DIR/crowd-12mp.jpg, a 4400×2750 (12.1 megapixel) copy, and
//! OUT_DIR/crowd.json, the upright crowd's face boxes; and OUT_DIR/corpus/, the hostile files of
//! `tests/common::hostile_corpus`, with OUT_DIR/corpus.json saying what each should get.

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::Write;

fn main() -> std::io::Result<()> {
    let out = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "tests/data/generated".into()),
    );
    std::fs::create_dir_all(&out)?;
    let (frame, faces) = common::two_face_frame();
    write_y4m(&out.join("two-faces.y4m"), &frame, 10)?;
    std::fs::write(
        out.join("two-faces.png"),
        unseen::image_io::encode(
            &frame.rgba,
            frame.width,
            frame.height,
            unseen::image_io::OutputFormat::Png,
        )
        .map_err(std::io::Error::other)?,
    )?;
    write_truth(&out.join("two-faces.json"), &frame, &faces)?;
    let motion = common::motion::Clip::new();
    write_clip(
        &out,
        "motion",
        common::motion::FRAMES,
        |i| motion.frame(i),
        &[0, 50, 95, 140],
    )?;
    // The video anonymiser's clips (tests/common/video.rs), as a phone would write them.
    for (name, file) in [
        ("landscape", "video-landscape.mp4"),
        ("portrait", "video-portrait.mov"),
        ("bench", "video-bench.mp4"),
        ("hevc", "video-hevc.mov"),
        ("webm", "video-street.webm"),
    ] {
        let clip = common::video::clip(name);
        common::video::encode(&clip, &out.join(file), common::video::rotation(name));
    }
    let edges = common::edges::EdgeClip::new();
    write_clip(
        &out,
        "edges",
        common::edges::FRAMES,
        |i| edges.frame(i),
        &[45, 105, 157, 230, 300, 360, 400],
    )?;
    let (crowd, crowd_faces) = common::crowd();
    std::fs::write(
        out.join("crowd-gps-rot6.jpg"),
        common::jpeg_with_exif(&crowd.rotated_ccw(), 6),
    )?;
    let big = crowd.crop_resized(0, 0, crowd.width, crowd.height, 4400, 2750);
    std::fs::write(
        out.join("crowd-12mp.jpg"),
        unseen::image_io::encode(
            &big.rgba,
            big.width,
            big.height,
            unseen::image_io::OutputFormat::Jpeg { quality: 90 },
        )
        .map_err(std::io::Error::other)?,
    )?;
    write_truth(&out.join("crowd.json"), &crowd, &crowd_faces)?;
    // The hostile corpus, for the photo page's test: the files and what each should get.
    let corpus_dir = out.join("corpus");
    std::fs::create_dir_all(&corpus_dir)?;
    let mut expect = Vec::new();
    for (name, bytes, e) in common::hostile_corpus() {
        std::fs::write(corpus_dir.join(name), bytes)?;
        let e = match e {
            common::Expect::Processed { has_face: true } => "face",
            common::Expect::Processed { has_face: false } => "processed",
            common::Expect::Refused => "refused",
            common::Expect::Either => "either",
        };
        expect.push(format!("{{\"name\":\"{name}\",\"expect\":\"{e}\"}}"));
    }
    std::fs::write(out.join("corpus.json"), format!("[{}]\n", expect.join(",")))?;
    Ok(())
}

/// Ground truth as JSON: the picture's size and its face boxes.
fn write_truth(
    path: &std::path::Path,
    img: &common::Img,
    faces: &[(f32, f32, f32, f32)],
) -> std::io::Result<()> {
    let boxes: Vec<String> = faces
        .iter()
        .map(|(x, y, w, h)| format!("{{\"x\":{x},\"y\":{y},\"w\":{w},\"h\":{h}}}"))
        .collect();
    std::fs::write(
        path,
        format!(
            "{{\"width\":{},\"height\":{},\"faces\":[{}]}}\n",
            img.width,
            img.height,
            boxes.join(",")
        ),
    )
}

/// A YUV 4:2:0 clip of `frames` copies of `img`.
fn write_y4m(path: &std::path::Path, img: &common::Img, frames: usize) -> std::io::Result<()> {
    let mut y4m = Y4m::create(path, img.width, img.height)?;
    let yuv = common::camera::to_yuv420(img);
    for _ in 0..frames {
        y4m.frame(&yuv)?;
    }
    y4m.finish()
}

/// A Y4M file being written: a header, then frames of YUV 4:2:0 planes.
struct Y4m(std::io::BufWriter<std::fs::File>);

impl Y4m {
    fn create(path: &std::path::Path, width: u32, height: u32) -> std::io::Result<Y4m> {
        let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
        writeln!(f, "YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg")?;
        Ok(Y4m(f))
    }

    fn frame(&mut self, yuv: &[u8]) -> std::io::Result<()> {
        self.0.write_all(b"FRAME\n")?;
        self.0.write_all(yuv)
    }

    fn finish(mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Writes OUT_DIR/NAME.y4m (640×480, 30 fps), OUT_DIR/NAME.json (each frame's faces, what each is
/// doing, and the occluders) and OUT_DIR/NAME-I.png for each frame I of `stills`.
fn write_clip(
    out: &std::path::Path,
    name: &str,
    frames: u32,
    frame: impl Fn(u32) -> common::motion::Shot,
    stills: &[u32],
) -> std::io::Result<()> {
    use common::motion::{BARCODE_AT, BARCODE_CELL, BARCODE_CELLS};
    let mut y4m = Y4m::create(&out.join(format!("{name}.y4m")), 640, 480)?;
    let mut truth = Vec::new();
    for i in 0..frames {
        let shot = frame(i);
        y4m.frame(&common::camera::to_yuv420(&shot.img))?;
        let boxes = |v: &[(f32, f32, f32, f32)]| {
            v.iter()
                .map(|(x, y, w, h)| format!("{{\"x\":{x},\"y\":{y},\"w\":{w},\"h\":{h}}}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        let scenes = shot
            .scenes
            .iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(",");
        truth.push(format!(
            "{{\"faces\":[{}],\"scenes\":[{scenes}],\"occluders\":[{}]}}",
            boxes(&shot.faces),
            boxes(&shot.occluders)
        ));
        if stills.contains(&i) {
            std::fs::write(
                out.join(format!("{name}-{i}.png")),
                unseen::image_io::encode(
                    &shot.img.rgba,
                    640,
                    480,
                    unseen::image_io::OutputFormat::Png,
                )
                .map_err(std::io::Error::other)?,
            )?;
        }
    }
    y4m.finish()?;
    std::fs::write(
        out.join(format!("{name}.json")),
        format!(
            "{{\"width\":640,\"height\":480,\"fps\":30,\"barcode\":{{\"at\":[{}],\"cell\":{BARCODE_CELL},\"cells\":{BARCODE_CELLS}}},\"frames\":[{}]}}\n",
            BARCODE_AT.map(|(x, y)| format!("[{x},{y}]")).join(","),
            truth.join(",\n")
        ),
    )
}
