//! Protect mode over the adversarial clip (`tests/common/edges.rs`) natively, both models: the frames
//! that show a face uncovered, per scenario, counting faces at least half in view (the check's rule)
//! and at least a quarter in view (harder).
//!   cargo run --release --example leak_scenes [-- HOLD_BACK]
#[path = "../tests/common/mod.rs"]
mod common;

use common::edges::{self, EdgeClip, SCENES};
use common::protect::{frames_per_scene, leaks_and_cover, Run};
use unseen::live::HOLD_BACK_FRAMES;

fn main() {
    let hold_back = std::env::args()
        .filter_map(|a| a.parse().ok())
        .next()
        .unwrap_or(HOLD_BACK_FRAMES);
    if let Some(n) = std::env::var("UNSEEN_FRAME")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
    {
        let clip = EdgeClip::new();
        let shot = clip.frame(n);
        println!("truth {:?}", shot.faces);
        let opts = unseen::DetectOptions {
            threshold: 0.05,
            ..Default::default()
        };
        for model in [unseen::models::SHORT_RANGE, unseen::models::FULL_RANGE] {
            let mut d = unseen::Detector::new(model).unwrap();
            for f in d.detect(shot.img.frame(), opts).unwrap() {
                println!("blaze {:?} {:.2}", f.rect, f.score);
            }
        }
        for w in [448, 480, 512, 544, 576, 640] {
            let mut s =
                unseen::detect::second_look::SecondLook::with_width(unseen::models::RETINAFACE, w)
                    .unwrap();
            for f in s.faces(shot.img.frame(), 0.3).unwrap() {
                if f.rect.x > 500.0 {
                    println!("second {w} {:?} {:.2}", f.rect, f.score);
                }
            }
        }
        return;
    }
    if std::env::args().any(|a| a == "--detect") {
        for (w, h) in [(448, 336), (512, 384), (576, 432)] {
            println!("RetinaFace at {w}×{h}:");
            retina_rates(w, h);
        }
        return;
    }
    let clip = EdgeClip::new();
    for (name, model) in [
        ("short-range", unseen::models::SHORT_RANGE),
        ("full-range", unseen::models::FULL_RANGE),
    ] {
        let step = std::env::var("UNSEEN_STEP")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        let run = Run {
            passes: 2,
            step,
            hold_back,
            min_in_view: 0.25,
            second_look: !std::env::args().any(|a| a == "--one"),
        };
        let (all, cover) = leaks_and_cover(model, |i| clip.frame(i), edges::FRAMES, run);
        let mean = cover.iter().map(|c| c.1).sum::<f32>() / cover.len() as f32;
        let worst = cover
            .iter()
            .fold((0, 0.0f32), |a, c| if c.1 > a.1 { *c } else { a });
        println!(
            "{name}: covered on average {:.0} % of the frame, at most {:.0} % (frame {})",
            100.0 * mean,
            100.0 * worst.1,
            worst.0
        );
        let half: Vec<_> = all.iter().filter(|l| l.in_view >= 0.5).cloned().collect();
        println!(
            "{name}, held back {hold_back} frames, 2 passes of {} frames:",
            edges::FRAMES
        );
        for ((scene, n_half), (_, n_quarter)) in frames_per_scene(&half, &SCENES)
            .into_iter()
            .zip(frames_per_scene(&all, &SCENES))
        {
            println!("  {scene:<28} {n_half:>4} frames (≥ 1/2 in view) {n_quarter:>4} (≥ 1/4)");
        }
        for l in &all {
            println!(
                "    frame {:>3} {:<28} {:>3.0} % in view, {} blocks",
                l.frame,
                l.scene,
                100.0 * l.in_view,
                l.blocks
            );
        }
    }
}

/// Per scene and share in view, how often the detector alone finds the face (IoU ≥ 0.3 with the
/// face's box clipped to the frame, or its centre inside), at protect mode's threshold.
#[allow(dead_code)]
pub fn detection_rates(model: &[u8]) {
    let clip = EdgeClip::new();
    let mut d = unseen::Detector::new(model).expect("model");
    let opts = unseen::DetectOptions {
        threshold: unseen::live::PROTECT_THRESHOLD,
        ..Default::default()
    };
    let mut table = std::collections::BTreeMap::<(&str, usize), (u32, u32)>::new();
    for i in 0..edges::FRAMES {
        let shot = clip.frame(i);
        let found = d.detect(shot.img.frame(), opts).expect("detect");
        for (k, &(x, y, w, h)) in shot.faces.iter().enumerate() {
            let v = shot.in_view(k);
            let bucket = ((v * 4.0).floor() as usize).min(4);
            let (x0, y0) = (x.max(0.0), y.max(0.0));
            let clipped =
                unseen::Rect::new(x0, y0, (x + w).min(640.0) - x0, (y + h).min(480.0) - y0);
            let hit = found.iter().any(|f| {
                let c = f.rect.center();
                f.rect.iou(&clipped) >= 0.3
                    || (c.x >= x0 && c.x <= x0 + clipped.w && c.y >= y0 && c.y <= y0 + clipped.h)
            });
            let e = table.entry((shot.scenes[k], bucket)).or_default();
            e.0 += hit as u32;
            e.1 += 1;
        }
    }
    for ((scene, b), (hit, n)) in table {
        println!(
            "  {scene:<28} in view {:>3}–{:<3} %: found {hit:>3} of {n:>3}",
            b * 25,
            (b + 1).min(4) * 25
        );
    }
}

#[allow(dead_code)]
pub fn retina_rates(w: usize, h: usize) {
    let clip = EdgeClip::new();
    let mut r = unseen::detect::retinaface::RetinaFace::load(
        unseen::models::RETINAFACE,
        h.div_ceil(32) * 32,
        w,
    )
    .expect("model");
    let mut table = std::collections::BTreeMap::<(&str, usize), (u32, u32)>::new();
    let mut ms = 0.0;
    for i in 0..edges::FRAMES {
        let shot = clip.frame(i);
        let small = unseen::detect::resize_rgba(shot.img.frame(), w as u32, h as u32);
        let t = std::time::Instant::now();
        let found = r
            .candidates(unseen::Frame::new(&small, w as u32, h as u32).unwrap(), 0.5)
            .expect("detect");
        ms += t.elapsed().as_secs_f64() * 1000.0;
        let sc = 640.0 / w as f32;
        for (k, &(x, y, fw, fh)) in shot.faces.iter().enumerate() {
            let v = shot.in_view(k);
            let bucket = ((v * 4.0).floor() as usize).min(4);
            let (x0, y0) = (x.max(0.0), y.max(0.0));
            let clipped =
                unseen::Rect::new(x0, y0, (x + fw).min(640.0) - x0, (y + fh).min(480.0) - y0);
            let hit = found.iter().any(|f| {
                let rr =
                    unseen::Rect::new(f.rect.x * sc, f.rect.y * sc, f.rect.w * sc, f.rect.h * sc);
                let c = rr.center();
                rr.iou(&clipped) >= 0.3
                    || (c.x >= x0 && c.x <= x0 + clipped.w && c.y >= y0 && c.y <= y0 + clipped.h)
            });
            let e = table.entry((shot.scenes[k], bucket)).or_default();
            e.0 += hit as u32;
            e.1 += 1;
        }
    }
    println!("  {:.1} ms a frame", ms / edges::FRAMES as f64);
    for ((scene, b), (hit, n)) in table {
        println!(
            "  {scene:<28} in view {:>3}–{:<3} %: found {hit:>3} of {n:>3}",
            b * 25,
            (b + 1).min(4) * 25
        );
    }
}
