//! Build step (run by `build.sh`): dlib's face recognition network, from dlib's own file format to an
//! ONNX file our engine (and tract-onnx, the reference) runs (see `unseen::faceprint::dlib`).
//!
//!   cargo run --release --example faceprint_model -- dlib_face_recognition_resnet_model_v1.dat out.onnx

use std::process::ExitCode;

use unseen::faceprint::dlib::onnx_from_dlib;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [source, dest] = &args[..] else {
        eprintln!("usage: faceprint_model <dlib_face_recognition_resnet_model_v1.dat> <out.onnx>");
        return ExitCode::from(2);
    };
    let result = std::fs::read(source)
        .map_err(|e| format!("{source}: {e}"))
        .and_then(|b| onnx_from_dlib(&b).map_err(|e| format!("{source}: {e}")))
        .and_then(|onnx| {
            std::fs::write(dest, &onnx).map_err(|e| format!("{dest}: {e}"))?;
            Ok(onnx.len())
        });
    match result {
        Ok(n) => {
            println!("{dest}: {n} bytes (dlib's face recognition ResNet as ONNX)");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("faceprint_model: {e}");
            ExitCode::FAILURE
        }
    }
}
