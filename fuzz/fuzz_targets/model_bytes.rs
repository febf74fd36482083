#![no_main]
//! Arbitrary bytes as an ONNX model file: read, planned, run (see `checks.rs`).
#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::model_bytes(data));
