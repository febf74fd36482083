//! `unseen redact` on videos, as a user runs it: a clip made from real photos
//! (`tests/common/video.rs`) with faces gliding, crossing, entering at each edge, flashing for one
//! frame and small, with a tone, a rotation flag and a phone's tags. Every frame of the output is
//! read back and each face's pixels compared; the file's frames, duration, size, sound and tags too.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::video::{encode, leaks, TAGS};

fn unseen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_unseen"))
        .args(args)
        .output()
        .expect("run unseen")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("unseen-video-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// ffprobe's view of a file: streams and format, packets counted.
fn probe(path: &Path) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            "-count_packets",
        ])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    serde_json::from_slice(&out.stdout).expect("ffprobe json")
}

fn stream<'a>(p: &'a serde_json::Value, kind: &str) -> Option<&'a serde_json::Value> {
    p["streams"]
        .as_array()?
        .iter()
        .find(|s| s["codec_type"] == kind)
}

fn seconds(v: &serde_json::Value) -> f64 {
    if let Some(d) = v["duration"].as_str().and_then(|s| s.parse().ok()) {
        return d;
    }
    // Matroska and WebM keep a stream's duration as a tag, "00:00:01.507000000".
    v["tags"]["DURATION"]
        .as_str()
        .and_then(|s| {
            let mut parts = s.split(':').map(|p| p.parse::<f64>().ok());
            Some(parts.next()?? * 3600.0 + parts.next()?? * 60.0 + parts.next()??)
        })
        .unwrap_or(f64::NAN)
}

fn assert_clean_copy(input: &Path, output: &Path, audio: bool) {
    let (pi, po) = (probe(input), probe(output));
    let (vi, vo) = (
        stream(&pi, "video").expect("video in"),
        stream(&po, "video").expect("video out"),
    );
    assert_eq!(vo["nb_read_packets"], vi["nb_read_packets"], "frame count");
    let (di, dout) = (seconds(&pi["format"]), seconds(&po["format"]));
    assert!((di - dout).abs() < 0.05, "duration {dout} s for {di} s");
    assert_eq!(
        vo["side_data_list"][0]["rotation"], vi["side_data_list"][0]["rotation"],
        "display rotation"
    );
    match (audio, stream(&po, "audio")) {
        (true, Some(a)) => {
            let ai = stream(&pi, "audio").expect("audio in");
            assert!(
                (seconds(a) - seconds(ai)).abs() < 0.05,
                "sound lasts as long"
            );
        }
        (false, None) => {}
        (want, got) => panic!("sound wanted: {want}, present: {}", got.is_some()),
    }
    let text = serde_json::to_string(&po).expect("json");
    for (key, value) in TAGS {
        assert!(!text.contains(value), "{key} ({value}) is left in {text}");
    }
    for key in [
        "location",
        "creation_time",
        "make",
        "model",
        "title",
        "com.apple",
    ] {
        assert!(
            !text.contains(&format!("\"{key}")),
            "tag {key} left in {text}"
        );
    }
}

/// Write clip `name` to `dir/input`, run `unseen redact [flags] IN OUT` on it (IN and OUT are
/// `input` and `output`, or their folders with `folders`), and assert that no face shows in any
/// frame of the output; returns the input's and the output's paths.
fn redact_clip(
    name: &str,
    input: &str,
    output: &str,
    flags: &[&str],
    folders: bool,
) -> (PathBuf, PathBuf) {
    let dir = tmp(name);
    let clip = common::video::clip(name);
    let (input, output) = (dir.join(input), dir.join(output));
    std::fs::create_dir_all(input.parent().expect("in a folder")).expect("dir");
    encode(&clip, &input, common::video::rotation(name));
    let (from, to) = if folders {
        (input.parent(), output.parent())
    } else {
        (Some(input.as_path()), Some(output.as_path()))
    };
    let paths = [from, to].map(|p| p.expect("a path").to_str().expect("UTF-8").to_owned());
    let args: Vec<&str> = ["redact"]
        .into_iter()
        .chain(flags.iter().copied())
        .chain(paths.iter().map(String::as_str))
        .collect();
    let out = unseen(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let per_scene = leaks(&clip, &input, &output);
    eprintln!("{name}: frames with a face shown, per scenario: {per_scene:?}");
    for (scene, leaked, seen) in per_scene {
        assert_eq!(
            leaked, 0,
            "{scene}: a face shows in {leaked} of {seen} frames"
        );
    }
    (input, output)
}

#[test]
fn every_face_is_covered_in_every_frame_and_the_file_keeps_its_timing_and_sound_only() {
    let clip = common::video::clip("landscape");
    for scene in common::video::SCENES {
        let seen = (0..clip.frames).any(|i| clip.frame(i).scenes.contains(&scene));
        assert!(seen, "the clip has {scene}");
    }
    let (input, output) = redact_clip("landscape", "clip.mp4", "clip-redacted.mp4", &[], false);
    assert_clean_copy(&input, &output, true);
}

#[test]
fn a_phone_video_stored_sideways_keeps_its_rotation_and_every_face_is_covered() {
    let (input, output) = redact_clip(
        "portrait",
        "portrait.mov",
        "portrait-redacted.mp4",
        &["--no-audio"],
        false,
    );
    assert_clean_copy(&input, &output, false);
}

#[test]
fn webm_stays_webm_with_its_opus_sound() {
    let (input, output) = redact_clip(
        "webm",
        "in/street.webm",
        "out/street-redacted.webm",
        &[],
        true,
    );
    assert_clean_copy(&input, &output, true);
    assert_eq!(
        stream(&probe(&output), "audio").expect("audio")["codec_name"],
        "opus"
    );
}

#[test]
fn without_ffmpeg_a_video_gets_one_sentence_and_exit_status_1() {
    let dir = tmp("no-ffmpeg");
    let input = dir.join("clip.mp4");
    std::fs::write(&input, b"not really a video").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_unseen"))
        .args([
            "redact",
            input.to_str().unwrap(),
            dir.join("out.mp4").to_str().unwrap(),
        ])
        .env("PATH", dir.as_os_str())
        .output()
        .expect("run unseen");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("install ffmpeg"), "{stderr}");
}

#[test]
fn a_file_that_is_not_a_video_gets_one_sentence() {
    let dir = tmp("not-video");
    let input = dir.join("clip.mp4");
    std::fs::write(&input, b"not really a video").expect("write");
    let out = unseen(&[
        "redact",
        input.to_str().unwrap(),
        dir.join("out.mp4").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("not a video"), "{stderr}");
    assert!(!dir.join("out.mp4").exists());
}

#[test]
fn an_iphone_hevc_video_is_read_and_written_as_h264() {
    let (input, output) = redact_clip("hevc", "iphone-hevc.mov", "out.mp4", &[], false);
    assert_clean_copy(&input, &output, true);
    assert_eq!(
        stream(&probe(&output), "video").expect("video")["codec_name"],
        "h264"
    );
}
