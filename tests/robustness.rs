//! Unusual and hostile files (`common::hostile_corpus`): empty, truncated, header-only, random bytes,
//! text named .jpg, a damaged PNG chunk, PNG and JPEG decompression bombs, malformed EXIF, CMYK and
//! progressive JPEG, 16-bit and palette PNG, animated GIF, WebP, BMP, TIFF, 1×1, 12000×12 and
//! 12×12000 images, a PNG named .jpg, HEIC. Each is processed (faces found where there is one) or
//! refused with one clear sentence, quickly, by the library and by the CLI under a 1 GiB memory cap.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{hostile_corpus, Expect};
use unseen::detect::photo::{PhotoDetector, PHOTO_THRESHOLD};
use unseen::image_io::{decode, encode, OutputFormat};
use unseen::{cover_faces, models, DetectOptions, RedactOptions};

fn one_sentence(msg: &str) -> bool {
    !msg.is_empty() && !msg.contains('\n') && msg.len() < 200 && !msg.contains("panicked")
}

#[test]
fn the_library_processes_or_refuses_every_file_quickly() {
    let mut d = PhotoDetector::new(models::FULL_RANGE, Some(models::RETINAFACE)).unwrap();
    let options = DetectOptions {
        threshold: PHOTO_THRESHOLD,
        ..Default::default()
    };
    for (name, bytes, expect) in hostile_corpus() {
        let started = Instant::now();
        let outcome = decode(&bytes).and_then(|mut img| {
            let faces = d.detect(
                unseen::Frame::new(&img.rgba, img.width, img.height)?,
                options,
            )?;
            let boxes: Vec<_> = faces.iter().map(|f| f.rect).collect();
            cover_faces(
                &mut img.rgba,
                img.width,
                img.height,
                &boxes,
                RedactOptions::default(),
            )?;
            encode(
                &img.rgba,
                img.width,
                img.height,
                OutputFormat::Jpeg { quality: 85 },
            )?;
            Ok(faces.len())
        });
        let took = started.elapsed();
        assert!(took < Duration::from_secs(5), "{name} took {took:?}");
        match (expect, outcome) {
            (Expect::Processed { has_face }, Ok(n)) => {
                assert!(!has_face || n >= 1, "{name}: no face found")
            }
            (Expect::Processed { .. }, Err(e)) => panic!("{name} should be processed: {e}"),
            (Expect::Refused, Ok(_)) => panic!("{name} should be refused"),
            (Expect::Refused | Expect::Either, Err(e)) => {
                assert!(one_sentence(&e.to_string()), "{name}: {e:?}")
            }
            (Expect::Either, Ok(_)) => {}
        }
    }
}

#[test]
fn the_cli_processes_or_refuses_every_file_under_a_memory_cap() {
    let dir = std::env::temp_dir().join(format!("unseen-hostile-{}", std::process::id()));
    let out = dir.join("out");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("in")).unwrap();
    let corpus = hostile_corpus();
    for (name, bytes, _) in &corpus {
        std::fs::write(dir.join("in").join(name), bytes).unwrap();
    }
    // The address space is capped at 1 GiB: a bomb that allocated its declared size would die.
    let started = Instant::now();
    let run = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -v 1048576 && exec "$0" redact "$1" "$2""#)
        .arg(env!("CARGO_BIN_EXE_unseen"))
        .arg(dir.join("in"))
        .arg(&out)
        .output()
        .expect("run unseen");
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        took < Duration::from_secs(60),
        "the whole corpus took {took:?}"
    );
    assert_eq!(
        run.status.code(),
        Some(1),
        "some files are refused: {stderr}"
    );
    assert!(
        !stderr.contains("panicked")
            && !stderr.contains("backtrace")
            && !stderr.contains("memory allocation"),
        "{stderr}"
    );
    for (name, _, expect) in &corpus {
        let stem = name.rsplit_once('.').map_or(*name, |(s, _)| s);
        let lines: Vec<&str> = stderr
            .lines()
            .filter(|l| l.contains(&format!("/{name}:")))
            .collect();
        let written = std::fs::read_dir(&out).unwrap().flatten().any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!("{stem}-redacted."))
        });
        match expect {
            Expect::Processed { .. } => assert!(written && lines.is_empty(), "{name}: {lines:?}"),
            Expect::Refused => assert!(
                !written && lines.len() == 1 && one_sentence(lines[0]),
                "{name}: {lines:?}"
            ),
            Expect::Either => assert!(written != (lines.len() == 1), "{name}: {lines:?}"),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn photos_sharing_a_name_in_a_folder_get_copies_that_do_not_overwrite_each_other() {
    let dir = std::env::temp_dir().join(format!("unseen-same-stem-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("in")).unwrap();
    let corpus = hostile_corpus();
    let find = |n: &str| corpus.iter().find(|c| c.0 == n).unwrap().1.clone();
    std::fs::write(dir.join("in/beach.jpg"), find("progressive.jpg")).unwrap();
    std::fs::write(dir.join("in/beach.webp"), find("webp.webp")).unwrap();
    std::fs::write(dir.join("in/beach.png"), find("palette.png")).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_unseen"))
        .arg("redact")
        .arg(dir.join("in"))
        .arg(dir.join("out"))
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "beach-jpg-redacted.jpg",
            "beach-png-redacted.png",
            "beach-webp-redacted.jpg"
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}
