#![no_main]
//! Arbitrary bytes as a photo file: decode, read metadata, detect, cover, encode (see `checks.rs`).
#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::photo_bytes(data));
