//! The `unseen` command line as a script sees it: JSON Lines on stdout in input order, one line per
//! bad file on stderr, exit status 1 when any file failed, clean output files.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{fetched, jpeg_with_exif, load, metadata_blocks, two_face_frame};
use unseen::image_io::{decode, encode, OutputFormat};

fn unseen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_unseen"))
        .args(args)
        .output()
        .expect("run unseen")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("unseen-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_frame(dir: &Path) -> PathBuf {
    let (frame, _) = two_face_frame();
    let path = dir.join("two faces.png");
    std::fs::write(
        &path,
        encode(&frame.rgba, frame.width, frame.height, OutputFormat::Png).unwrap(),
    )
    .unwrap();
    path
}

#[test]
fn detect_prints_one_json_line_per_file_in_order() {
    let dir = tmp("detect");
    let two = write_frame(&dir);
    let astronaut = fetched("astronaut.png");
    let coffee = fetched("coffee.png");
    let out = unseen(&[
        "detect",
        "--model",
        "live",
        two.to_str().unwrap(),
        astronaut.to_str().unwrap(),
        coffee.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["file"], two.to_str().unwrap());
    assert_eq!(lines[1]["file"], astronaut.to_str().unwrap());
    assert_eq!(
        (lines[0]["width"].as_u64(), lines[0]["height"].as_u64()),
        (Some(640), Some(480))
    );
    let counts: Vec<usize> = lines
        .iter()
        .map(|l| l["faces"].as_array().unwrap().len())
        .collect();
    assert_eq!(counts, [2, 1, 0]);
    let face = &lines[1]["faces"][0];
    for key in ["x", "y", "w", "h", "score"] {
        assert!(face[key].is_number(), "{key}");
    }
    let landmarks = face["landmarks"].as_array().unwrap();
    assert_eq!(landmarks.len(), 6);
    assert!(landmarks.iter().all(|p| p.as_array().unwrap().len() == 2));
}

#[test]
fn detect_reports_coordinates_of_the_upright_image() {
    let dir = tmp("upright");
    let strip = load("astronaut.png").crop_resized(0, 0, 512, 400, 512, 400);
    let path = dir.join("sideways.jpg");
    std::fs::write(&path, jpeg_with_exif(&strip.rotated_ccw(), 6)).unwrap();
    let out = unseen(&["detect", "--model", "live", path.to_str().unwrap()]);
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (line["width"].as_u64(), line["height"].as_u64()),
        (Some(512), Some(400))
    );
    let x = line["faces"][0]["x"].as_f64().unwrap();
    let y = line["faces"][0]["y"].as_f64().unwrap();
    assert!(
        (150.0..210.0).contains(&x) && (50.0..110.0).contains(&y),
        "{x},{y}"
    );
}

#[test]
fn bad_files_get_one_line_each_and_the_rest_still_run() {
    let dir = tmp("bad");
    let text = dir.join("notes.jpg");
    std::fs::write(&text, "this is text named .jpg").unwrap();
    let empty = dir.join("empty.png");
    std::fs::write(&empty, "").unwrap();
    let missing = dir.join("missing.png");
    let astronaut = fetched("astronaut.png");
    let out = unseen(&[
        "detect",
        text.to_str().unwrap(),
        empty.to_str().unwrap(),
        missing.to_str().unwrap(),
        astronaut.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    assert!(lines[0].contains("notes.jpg") && lines[0].contains("not an image"));
    assert!(lines[1].contains("empty.png") && lines[1].contains("empty"));
    assert!(lines[2].contains("missing.png") && lines[2].contains("no such file"));
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout.lines().count(),
        1,
        "the good file is still processed"
    );
}

#[test]
fn bad_options_are_usage_errors() {
    let astronaut = fetched("astronaut.png");
    let out = unseen(&["detect", "--threshold", "7", astronaut.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("threshold"));
    let out = unseen(&[
        "redact",
        "--mask-scale",
        "NaN",
        astronaut.to_str().unwrap(),
        "/tmp/x.png",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = unseen(&["redact", astronaut.to_str().unwrap(), "/tmp/out.gif"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(".jpg"));
}

#[test]
fn redact_writes_a_covered_copy_with_no_metadata() {
    let dir = tmp("redact");
    let (frame, expected) = two_face_frame();
    let input = dir.join("street.jpg");
    std::fs::write(&input, jpeg_with_exif(&frame, 1)).unwrap();
    assert!(metadata_blocks(&std::fs::read(&input).unwrap()).contains(&"EXIF".to_string()));
    for ext in ["jpg", "png"] {
        let output = dir.join(format!("street-redacted.{ext}"));
        let out = unseen(&[
            "redact",
            "--model",
            "live",
            input.to_str().unwrap(),
            output.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes = std::fs::read(&output).unwrap();
        assert_eq!(metadata_blocks(&bytes), Vec::<String>::new(), "{ext}");
        let d = decode(&bytes).unwrap();
        assert!(d.exif.is_none());
        // The centre of each face is now solid black; a far corner is the grey wall still.
        for (x, y, w, h) in expected {
            let i = (((y + h / 2.0) as u32 * d.width + (x + w / 2.0) as u32) * 4) as usize;
            assert!(
                d.rgba[i..i + 3].iter().all(|&v| v < 20),
                "{ext}: face centre {:?}",
                &d.rgba[i..i + 3]
            );
        }
        let corner = ((470 * d.width + 630) * 4) as usize;
        assert!(d.rgba[corner..corner + 3]
            .iter()
            .all(|&v| (110..=130).contains(&v)));
    }
}

#[test]
fn redact_a_folder_into_a_folder() {
    let dir = tmp("folder");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    write_frame(&input);
    std::fs::copy(fetched("astronaut.png"), input.join("astronaut.png")).unwrap();
    std::fs::write(input.join("broken.jpg"), b"\xFF\xD8\xFF\xE0 broken").unwrap();
    std::fs::write(
        input.join("readme.txt"),
        b"not an image, not even looked at",
    )
    .unwrap();
    let output = dir.join("out");
    let out = unseen(&[
        "redact",
        "--style",
        "pixelate",
        "--shape",
        "box",
        input.to_str().unwrap(),
        output.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the broken file fails, the others are written"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1);
    assert!(stderr.contains("broken.jpg"));
    let mut written: Vec<String> = std::fs::read_dir(&output)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    written.sort();
    assert_eq!(
        written,
        ["astronaut-redacted.png", "two faces-redacted.png"]
    );
}

#[test]
fn inspect_shows_what_a_file_carries_and_that_redacted_copies_carry_nothing() {
    let dir = tmp("inspect");
    let input = dir.join("with-gps.jpg");
    std::fs::write(&input, jpeg_with_exif(&load("astronaut.png"), 6)).unwrap();
    let output = dir.join("clean.jpg");
    assert!(
        unseen(&["redact", input.to_str().unwrap(), output.to_str().unwrap()])
            .status
            .success()
    );
    let out = unseen(&["inspect", input.to_str().unwrap(), output.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["make"], "TestCam");
    assert_eq!(lines[0]["blocks"], serde_json::json!(["EXIF"]));
    assert!(lines[0]["gps"][0].as_f64().unwrap() > 51.5);
    assert_eq!(lines[1]["blocks"], serde_json::json!([]));
    assert!(lines[1]["make"].is_null() && lines[1]["gps"].is_null());
}
