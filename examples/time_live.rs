//! Native timing of one live frame's parts (letterbox, network, decode + NMS), and of the network's
//! steps by kind (1×1, depthwise, first layer ...), for finding where time goes; the real speed
//! figures come from the in-browser bench.
//!   cargo run --release --example time_live
#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;
use unseen::detect::{letterbox_input, DetectOptions, Detector};

fn main() {
    let (frame, _) = common::two_face_frame();
    let started = Instant::now();
    let mut clock = move || started.elapsed().as_secs_f64() * 1000.0;
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
        // Per kind of step, the best of n runs (the least disturbed by the rest of the machine).
        let mut best: Vec<(&'static str, f64, f64)> = Vec::new();
        for _ in 0..n {
            for p in d.profile(frame.frame(), &mut clock).expect("profile") {
                match best.iter_mut().find(|b| b.0 == p.kind) {
                    Some(b) => b.1 = b.1.min(p.ms),
                    None => best.push((p.kind, p.ms, p.flops)),
                }
            }
        }
        for (kind, ms, flops) in best {
            println!(
                "  {kind}: {ms:.3} ms, {:.1} GFLOP/s",
                flops / (ms * 1e6).max(1e-9)
            );
        }
    }
}
