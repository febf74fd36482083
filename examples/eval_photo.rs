//! Recall and precision of the photo pipeline on a composite crowd made from real photos and on the
//! hard copies of it that phones and the web produce (tilted 25° either way, turned 90°, dark,
//! JPEG quality 15, half size), and the false faces on four photos without people, at several
//! thresholds; with the time each search takes natively: `cargo run --release --example eval_photo`.
#[path = "../tests/common/mod.rs"]
mod common;

use common::Img;
use std::time::Instant;
use unseen::detect::photo::detect_photo;
use unseen::{models, DetectOptions, Detector};

type Boxes = Vec<(f32, f32, f32, f32)>;

fn variants() -> Vec<(&'static str, Img, Boxes)> {
    let (crowd, truth) = common::crowd();
    let mut out = vec![("crowd", crowd.clone(), truth.clone())];
    for deg in [25.0, -25.0] {
        let (img, map) = crowd.rotated(deg);
        let t = truth.iter().map(|&(x, y, w, h)| {
            let (cx, cy) = map(x + w / 2.0, y + h / 2.0);
            (cx - w / 2.0, cy - h / 2.0, w, h)
        });
        // Faces turned out of the picture are not expected.
        let inside = |b: &(f32, f32, f32, f32)| {
            b.1 + b.3 / 2.0 > 0.0
                && b.0 + b.2 / 2.0 > 0.0
                && b.0 + b.2 / 2.0 < img.width as f32
                && b.1 + b.3 / 2.0 < img.height as f32
        };
        let t: Vec<_> = t.filter(inside).collect();
        out.push((if deg > 0.0 { "tilt +25" } else { "tilt -25" }, img, t));
    }
    let turned = crowd.rotated_ccw();
    let t = truth
        .iter()
        .map(|&(x, y, w, h)| (y, crowd.width as f32 - x - w, h, w))
        .collect();
    out.push(("turned 90", turned, t));
    out.push(("dark", crowd.darkened(0.3), truth.clone()));
    out.push(("jpeg q15", crowd.jpeg_round_trip(15), truth.clone()));
    let half = crowd.crop_resized(
        0,
        0,
        crowd.width,
        crowd.height,
        crowd.width / 2,
        crowd.height / 2,
    );
    out.push((
        "half size",
        half,
        truth
            .iter()
            .map(|&(x, y, w, h)| (x / 2.0, y / 2.0, w / 2.0, h / 2.0))
            .collect(),
    ));
    out
}

fn main() {
    let sets = variants();
    let mut d = Detector::new(models::FULL_RANGE).expect("model");
    let empties: Vec<_> = [
        "coffee.png",
        "chelsea.png",
        "rocket.jpg",
        "motorcycle_left.png",
    ]
    .iter()
    .map(|n| (n, common::load(n)))
    .collect();
    for threshold in [0.6, 0.7, 0.8] {
        let options = DetectOptions {
            threshold,
            ..Default::default()
        };
        let (mut hits, mut expected, mut found_total, mut true_found) = (0.0, 0.0, 0.0, 0.0);
        for (name, img, truth) in &sets {
            let t = Instant::now();
            let faces = detect_photo(&mut d, img.frame(), options).expect("detect");
            let ms = t.elapsed().as_millis();
            let rects: Vec<_> = faces.iter().map(|f| f.rect).collect();
            let (recall, precision) = common::score(&rects, truth);
            hits += recall * truth.len() as f32;
            expected += truth.len() as f32;
            found_total += rects.len() as f32;
            true_found += precision * rects.len() as f32;
            println!("  {threshold} {name:>10}: recall {recall:.2} precision {precision:.2} ({} found, {ms} ms)", rects.len());
            for f in faces
                .iter()
                .filter(|f| !truth.iter().any(|e| common::iou(&f.rect, *e) >= 0.3))
            {
                println!(
                    "      extra {:.0}x{:.0} at ({:.0}, {:.0}), score {:.2}",
                    f.rect.w, f.rect.h, f.rect.x, f.rect.y, f.score
                );
            }
            if recall < 1.0 {
                let low = detect_photo(
                    &mut d,
                    img.frame(),
                    DetectOptions {
                        threshold: 0.2,
                        ..options
                    },
                )
                .expect("detect");
                for e in truth
                    .iter()
                    .filter(|e| !rects.iter().any(|r| common::iou(r, **e) >= 0.3))
                {
                    let best = low
                        .iter()
                        .filter(|f| common::iou(&f.rect, *e) >= 0.3)
                        .map(|f| f.score)
                        .fold(0.0, f32::max);
                    println!(
                        "      missed {:.0}x{:.0} face at ({:.0}, {:.0}): best score {best:.2}",
                        e.2, e.3, e.0, e.1
                    );
                }
            }
        }
        let mut false_on_empty = 0;
        for (name, e) in &empties {
            for f in detect_photo(&mut d, e.frame(), options).expect("detect") {
                println!(
                    "      false face on {name}: {:.0}x{:.0} at ({:.0}, {:.0}), score {:.2}",
                    f.rect.w, f.rect.h, f.rect.x, f.rect.y, f.score
                );
                false_on_empty += 1;
            }
        }
        println!(
            "threshold {threshold}: all copies recall {:.3} precision {:.3}; faces on 4 photos without people: {false_on_empty}",
            hits / expected,
            true_found / found_total.max(1.0)
        );
    }
}
