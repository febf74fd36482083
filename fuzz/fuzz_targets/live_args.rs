#![no_main]
//! Arbitrary arguments for the wasm entry points' checks: sizes, buffers, options, boxes (see
//! `checks.rs`).
#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::live_args(data));
