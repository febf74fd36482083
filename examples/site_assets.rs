//! Build step for the site (run by `build.sh`): writes what the browser downloads, smaller than the
//! sources it is made from.
//! - Each model (BlazeFace's two, RetinaFace, dlib's face recognition network) with its weights stored as float16 (half the bytes; the engine widens them
//!   back to float32 at load; `tests/engine.rs` checks the outputs stay with the originals').
//! - The demo picture as a JPEG without metadata instead of a PNG.
//!
//!   cargo run --release --example site_assets -- <models dir> <test photos dir> <www dir>

use std::path::Path;
use std::process::ExitCode;

use unseen::engine::onnx;
use unseen::image_io::{self, OutputFormat};

const MODELS: [&str; 4] = [
    "face_detection_front_128x128.onnx",
    "face_detection_back_256x256.onnx",
    "retinaface_mnet025.onnx",
    "dlib_face_recognition_resnet_model_v1.onnx",
];

fn run(models: &Path, photos: &Path, www: &Path) -> Result<(), String> {
    for name in MODELS {
        let source = std::fs::read(models.join(name)).map_err(|e| format!("{name}: {e}"))?;
        let half = onnx::with_half_floats(&source).map_err(|e| format!("{name}: {e}"))?;
        std::fs::write(www.join("models").join(name), &half).map_err(|e| format!("{name}: {e}"))?;
        println!(
            "{name}: {} → {} bytes (float16 weights)",
            source.len(),
            half.len()
        );
    }
    let png =
        std::fs::read(photos.join("astronaut.png")).map_err(|e| format!("astronaut.png: {e}"))?;
    let picture = image_io::decode(&png).map_err(|e| format!("astronaut.png: {e}"))?;
    let jpeg = image_io::encode(
        &picture.rgba,
        picture.width,
        picture.height,
        OutputFormat::Jpeg { quality: 85 },
    )
    .map_err(|e| format!("astronaut.jpg: {e}"))?;
    std::fs::write(www.join("demo/astronaut.jpg"), &jpeg)
        .map_err(|e| format!("astronaut.jpg: {e}"))?;
    println!(
        "astronaut.png: {} → astronaut.jpg {} bytes",
        png.len(),
        jpeg.len()
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [models, photos, www] = &args[..] else {
        eprintln!("usage: site_assets <models dir> <test photos dir> <www dir>");
        return ExitCode::from(2);
    };
    match run(Path::new(models), Path::new(photos), Path::new(www)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("site_assets: {e}");
            ExitCode::FAILURE
        }
    }
}
