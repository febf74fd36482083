//! Faceprints of the faces in photos, for tests and evaluation only: deliberately not a command of
//! the `unseen` CLI (the tool that covers faces ships no face-matching command).
//!
//!   cargo run --release --example faceprint -- FILE...
//!
//! Prints one JSON line per file: `{"file": "...", "faces": [{"x", "y", "w", "h", "score",
//! "faceprint": [128 numbers]}]}`, the most certain face first: faces found by the photo pipeline
//! (`unseen detect --model photo`) with a score of at least 0.9 (`faceprint::MIN_SCORE`),
//! each aligned by its keypoints to dlib's 150×150 chip and put through dlib's face recognition
//! network in our engine. A file that cannot be read gets `{"file": "...", "error": "one sentence"}`.
//! The network is `models/dlib_face_recognition_resnet_model_v1.onnx` (`./build.sh` makes it), or
//! the file named by `UNSEEN_FACEPRINT_MODEL`.

use std::io::Write;
use std::process::ExitCode;

use unseen::detect::photo::PhotoDetector;
use unseen::faceprint::dlib::onnx_from_dlib;
use unseen::faceprint::{self, Faceprinter};
use unseen::{image_io, models, DetectOptions, Frame};

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn faces_json(
    bytes: &[u8],
    detector: &mut PhotoDetector,
    printer: &mut Faceprinter,
) -> unseen::Result<String> {
    let picture = image_io::decode(bytes)?;
    let frame = Frame::new(&picture.rgba, picture.width, picture.height)?;
    let mut faces = detector.detect(frame, DetectOptions::default())?;
    // Only faces certain enough to be matched, the most certain first.
    faces.retain(|f| f.score >= faceprint::MIN_SCORE);
    faces.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut items = Vec::new();
    for face in &faces {
        let Some(print) = printer.of_face(frame, face)? else {
            continue;
        };
        let numbers: Vec<String> = print.iter().map(|v| format!("{v:.6}")).collect();
        items.push(format!(
            "{{\"x\": {:.1}, \"y\": {:.1}, \"w\": {:.1}, \"h\": {:.1}, \"score\": {:.4}, \"faceprint\": [{}]}}",
            face.rect.x,
            face.rect.y,
            face.rect.w,
            face.rect.h,
            face.score,
            numbers.join(", ")
        ));
    }
    Ok(format!("[{}]", items.join(", ")))
}

/// The network's ONNX file (`UNSEEN_FACEPRINT_MODEL`, else the one `./build.sh` writes in `models/`),
/// or, before any build has written it, made in memory from dlib's file (which `cargo` fetches).
fn faceprint_model() -> Result<(String, Vec<u8>), String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/models");
    let onnx = std::env::var("UNSEEN_FACEPRINT_MODEL")
        .unwrap_or_else(|_| format!("{dir}/dlib_face_recognition_resnet_model_v1.onnx"));
    if let Ok(bytes) = std::fs::read(&onnx) {
        return Ok((onnx, bytes));
    }
    let dat = format!("{dir}/dlib_face_recognition_resnet_model_v1.dat");
    let bytes = std::fs::read(&dat)
        .map_err(|e| format!("{dat}: {e} (scripts/fetch.sh models fetches it)"))?;
    let onnx = onnx_from_dlib(&bytes).map_err(|e| format!("{dat}: {e}"))?;
    Ok((dat, onnx))
}

fn main() -> ExitCode {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: faceprint FILE...");
        return ExitCode::from(2);
    }
    let setup = faceprint_model()
        .and_then(|(model, b)| Faceprinter::new(&b).map_err(|e| format!("{model}: {e}")))
        .and_then(|p| {
            PhotoDetector::new(models::FULL_RANGE, Some(models::RETINAFACE))
                .map(|d| (d, p))
                .map_err(|e| e.to_string())
        });
    let (mut detector, mut printer) = match setup {
        Ok(s) => s,
        Err(e) => {
            eprintln!("faceprint: {e}");
            return ExitCode::FAILURE;
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut failed = false;
    for file in &files {
        let result = std::fs::read(file)
            .map_err(|e| format!("cannot read it ({e})"))
            .and_then(|b| faces_json(&b, &mut detector, &mut printer).map_err(|e| e.to_string()));
        let line = match result {
            Ok(faces) => format!("{{\"file\": {}, \"faces\": {faces}}}", json_string(file)),
            Err(e) => {
                failed = true;
                format!(
                    "{{\"file\": {}, \"error\": {}}}",
                    json_string(file),
                    json_string(&e)
                )
            }
        };
        if writeln!(out, "{line}").is_err() {
            return ExitCode::FAILURE;
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
