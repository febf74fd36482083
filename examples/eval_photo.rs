//! Recall and precision of the photo pipeline on composite crowds made from real photos, at several
//! thresholds, and the time each pass takes natively: `cargo run --release --example eval_photo`.
#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;
use unseen::detect::photo::detect_photo;
use unseen::{models, DetectOptions, Detector};

fn main() {
    let (crowd, truth) = common::crowd();
    let mut d = Detector::new(models::FULL_RANGE).expect("model");
    let empties: Vec<_> = ["coffee.png", "chelsea.png", "rocket.jpg", "motorcycle_left.png"].iter().map(|n| common::load(n)).collect();
    for threshold in [0.5, 0.6, 0.7, 0.75, 0.8] {
        let options = DetectOptions { threshold, ..Default::default() };
        let t = Instant::now();
        let faces = detect_photo(&mut d, crowd.frame(), options).expect("detect");
        let ms = t.elapsed().as_millis();
        let rects: Vec<_> = faces.iter().map(|f| f.rect).collect();
        let (recall, precision) = common::score(&rects, &truth);
        let false_on_empty: usize = empties.iter().map(|e| detect_photo(&mut d, e.frame(), options).unwrap().len()).sum();
        println!("threshold {threshold}: crowd recall {recall:.2} precision {precision:.2} ({} found, {ms} ms); faces on 4 photos without people: {false_on_empty}", faces.len());
    }
}
