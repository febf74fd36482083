//! Native timing of one live frame's parts (letterbox, network, decode + NMS), for finding where time
//! goes; the real speed figures come from the in-browser bench.
//!   cargo run --release --example time_live
#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;
use unseen::detect::{letterbox_input, DetectOptions, Detector};

fn main() {
    let (frame, _) = common::two_face_frame();
    for (name, model) in [
        ("short", unseen::models::SHORT_RANGE),
        ("full", unseen::models::FULL_RANGE),
    ] {
        let mut d = Detector::new(model).expect("model");
        let mut input = Vec::new();
        let n = 200;
        let t = Instant::now();
        for _ in 0..n {
            letterbox_input(frame.frame(), d.input_size(), &mut input);
        }
        let pre = t.elapsed().as_secs_f64() * 1000.0 / n as f64;
        let t = Instant::now();
        for _ in 0..n {
            d.detect(frame.frame(), DetectOptions::default())
                .expect("detect");
        }
        let all = t.elapsed().as_secs_f64() * 1000.0 / n as f64;
        println!("{name}: letterbox {pre:.2} ms, whole detect {all:.2} ms");
    }
}
