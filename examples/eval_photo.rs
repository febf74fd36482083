//! How well the photo pipeline finds faces, per picture and per face height, for each detector alone
//! and fused, at several thresholds, with the time each search takes natively:
//!
//!   cargo run --release --example eval_photo [-- [--quick] [--threshold T] [--only fused|RetinaFace|BlazeFace]]
//!
//! Sets (see `tests/common`): six real group photos at full size and shrunk 2 to 16 times (faces
//! from about 250 down to 13 pixels tall) and two strips of crowd thumbnails; a composite crowd and
//! its hard copies (tilted ±25°, turned 90°, dark, JPEG quality 15, half size); four photos without
//! people for false faces. A face counts as found when a box overlaps it with IoU ≥ 0.3, one to one.
#[path = "../tests/common/mod.rs"]
mod common;

use common::{Boxes, Img};
use std::time::Instant;
use unseen::detect::photo::{PhotoDetector, PHOTO_THRESHOLD};
use unseen::{models, DetectOptions};

/// Face heights (pixels) each bucket holds, from its lower bound.
const BUCKETS: [(f32, &str); 4] = [
    (0.0, "< 16"),
    (16.0, "16–32"),
    (32.0, "32–64"),
    (64.0, "> 64"),
];

fn crowd_copies() -> Vec<(String, Img, Boxes)> {
    let (crowd, truth) = common::crowd();
    let mut out = vec![("crowd".to_string(), crowd.clone(), truth.clone())];
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
        out.push((format!("crowd tilt {deg:+}"), img, t));
    }
    let turned = crowd.rotated_ccw();
    let t = truth
        .iter()
        .map(|&(x, y, w, h)| (y, crowd.width as f32 - x - w, h, w))
        .collect();
    out.push(("crowd turned 90".into(), turned, t));
    out.push(("crowd dark".into(), crowd.darkened(0.3), truth.clone()));
    out.push((
        "crowd jpeg q15".into(),
        crowd.jpeg_round_trip(15),
        truth.clone(),
    ));
    let half = common::shrunk(&crowd, 2.0);
    out.push((
        "crowd half".into(),
        half,
        truth
            .iter()
            .map(|&(x, y, w, h)| (x / 2.0, y / 2.0, w / 2.0, h / 2.0))
            .collect(),
    ));
    out
}

fn bucket(h: f32) -> usize {
    BUCKETS.iter().rposition(|b| h >= b.0).unwrap_or(0)
}

/// Which expected faces some found box matches (IoU ≥ 0.3, one to one), and how many found boxes
/// match nothing.
fn matches(found: &[unseen::Rect], expected: &Boxes) -> (Vec<bool>, usize) {
    let mut used = vec![false; found.len()];
    let hit = expected
        .iter()
        .map(|e| {
            let best = found
                .iter()
                .enumerate()
                .filter(|(i, _)| !used[*i])
                .map(|(i, r)| (i, common::iou(r, *e)))
                .filter(|(_, v)| *v >= 0.3)
                .max_by(|a, b| a.1.total_cmp(&b.1));
            best.map(|(i, _)| used[i] = true).is_some()
        })
        .collect();
    (hit, used.iter().filter(|u| !**u).count())
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let mut sets = common::group_photos();
    sets.extend(crowd_copies());
    let empties: Vec<_> = [
        "coffee.png",
        "chelsea.png",
        "rocket.jpg",
        "motorcycle_left.png",
    ]
    .iter()
    .map(|n| (n.to_string(), common::load(n)))
    .collect();
    let mut photo =
        PhotoDetector::new(models::FULL_RANGE, Some(models::RETINAFACE)).expect("models load");
    let only = std::env::args().skip_while(|a| a != "--only").nth(1);
    let configs: Vec<(&str, bool, bool)> = [
        ("BlazeFace full-range", true, false),
        ("RetinaFace", false, true),
        ("fused", true, true),
    ]
    .into_iter()
    .filter(|c| only.as_deref().is_none_or(|o| c.0.starts_with(o)))
    .collect();
    let given: Option<f32> = std::env::args()
        .skip_while(|a| a != "--threshold")
        .nth(1)
        .and_then(|t| t.parse().ok());
    let thresholds: Vec<f32> = match given {
        Some(t) => vec![t],
        None if quick => vec![PHOTO_THRESHOLD],
        None => vec![0.6, 0.7, 0.8],
    };
    for &(config, blaze, retina) in &configs {
        for &threshold in &thresholds {
            let options = DetectOptions {
                threshold,
                ..Default::default()
            };
            let (mut found_in, mut expected_in) = ([0usize; 4], [0usize; 4]);
            let (mut extra_total, mut found_total, mut ms_total) = (0, 0, 0);
            println!("\n{config}, threshold {threshold}:");
            for (name, img, truth) in &sets {
                let t = Instant::now();
                let faces = photo
                    .detect_with(img.frame(), options, blaze, retina)
                    .expect("detect");
                let ms = t.elapsed().as_millis();
                ms_total += ms;
                let rects: Vec<_> = faces.iter().map(|f| f.rect).collect();
                let (hit, extra) = matches(&rects, truth);
                for (e, h) in truth.iter().zip(&hit) {
                    expected_in[bucket(e.3)] += 1;
                    found_in[bucket(e.3)] += *h as usize;
                }
                let hits = hit.iter().filter(|h| **h).count();
                for f in faces
                    .iter()
                    .filter(|f| truth.iter().all(|e| common::iou(&f.rect, *e) < 0.3))
                {
                    println!(
                        "      false {:.0}×{:.0} at ({:.0}, {:.0}), score {:.3}",
                        f.rect.w, f.rect.h, f.rect.x, f.rect.y, f.score
                    );
                }
                for (e, _) in truth.iter().zip(&hit).filter(|(_, h)| !**h) {
                    println!(
                        "      missed {:.0}×{:.0} at ({:.0}, {:.0})",
                        e.2, e.3, e.0, e.1
                    );
                }
                extra_total += extra;
                found_total += rects.len();
                let heights: Vec<f32> = truth.iter().map(|e| e.3).collect();
                let (lo, hi) = heights
                    .iter()
                    .fold((f32::MAX, 0.0f32), |(a, b), &h| (a.min(h), b.max(h)));
                println!(
                    "  {name:>18} {}×{}: {hits}/{} faces ({lo:.0}–{hi:.0} px), {extra} false, {ms} ms",
                    img.width,
                    img.height,
                    truth.len()
                );
            }
            let mut false_on_empty = 0;
            for (_, e) in &empties {
                false_on_empty += photo
                    .detect_with(e.frame(), options, blaze, retina)
                    .expect("detect")
                    .len();
            }
            let hits: usize = found_in.iter().sum();
            let expected: usize = expected_in.iter().sum();
            let by_height: Vec<String> = BUCKETS
                .iter()
                .enumerate()
                .map(|(i, b)| format!("{} px {}/{}", b.1, found_in[i], expected_in[i]))
                .collect();
            println!(
                "{config}, threshold {threshold}: recall {:.3} ({hits}/{expected}), precision {:.3} ({extra_total} false of {found_total}); by face height: {}; false faces on 4 photos without people: {false_on_empty}; {ms_total} ms in all",
                hits as f32 / expected as f32,
                1.0 - extra_total as f32 / found_total.max(1) as f32,
                by_height.join(", ")
            );
        }
    }
}
