//! Protect mode over the adversarial clip (`tests/common/edges.rs`) natively, both models: the frames
//! that show a face uncovered, per scenario, counting faces at least half in view (the independent
//! check's rule) and at least a quarter in view (harder), and how much of each frame is covered.
//!
//!   cargo run --release --example leak_scenes [-- HOLD_BACK] [--one]
//!   cargo run --release --example leak_scenes -- --detect
//!
//! `UNSEEN_CAMERA=yuv`: each frame through 4:2:0 and back, as the browser's fake camera gives it.
//! `--one`: without protect mode's second look (BlazeFace alone). `UNSEEN_STEP=N`: process every
//! N-th camera frame (a page slower than the camera); with `UNSEEN_UNEVEN=S`, one frame more or less at random, seeded by the number S. `UNSEEN_MODEL=short` or `full`: that model alone. `UNSEEN_SHOW=I,J`: write frames I and J as
//! taken and as shown to the temp folder. `--detect`: how often each detector alone finds the clip's
//! faces, by share in view.
#[path = "../tests/common/mod.rs"]
mod common;

use common::edges::{self, EdgeClip, SCENES};
use common::motion::Shot;
use common::protect::{frames_per_scene, outcome, Run};
use unseen::live::{HOLD_BACK_FRAMES, PROTECT_THRESHOLD};
use unseen::{Rect, Result};

/// `shot` as the browser's fake camera gives it when `UNSEEN_CAMERA=yuv`, else as drawn.
fn as_camera(mut shot: Shot) -> Shot {
    if std::env::var("UNSEEN_CAMERA").is_ok_and(|v| v == "yuv") {
        shot.img = common::camera::through_yuv420(&shot.img);
    }
    shot
}

fn main() -> Result<()> {
    let clip = EdgeClip::new();
    if std::env::args().any(|a| a == "--detect") {
        return detection_rates(&clip);
    }
    let hold_back = std::env::args()
        .filter_map(|a| a.parse().ok())
        .next()
        .unwrap_or(HOLD_BACK_FRAMES);
    let step = std::env::var("UNSEEN_STEP")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    for (name, model) in [
        ("short-range", unseen::models::SHORT_RANGE),
        ("full-range", unseen::models::FULL_RANGE),
    ] {
        if std::env::var("UNSEEN_MODEL").is_ok_and(|m| !name.starts_with(&m)) {
            continue;
        }
        let run = Run {
            passes: 2,
            step,
            uneven: std::env::var("UNSEEN_UNEVEN")
                .ok()
                .map(|v| v.parse().unwrap_or(0)),
            hold_back,
            min_in_view: 0.25,
            second_look: !std::env::args().any(|a| a == "--one"),
        };
        let out = outcome(model, |i| as_camera(clip.frame(i)), edges::FRAMES, run);
        let (all, cover) = (&out.leaks, &out.cover);
        let mean = cover.iter().map(|c| c.1).sum::<f32>() / cover.len().max(1) as f32;
        let worst = cover
            .iter()
            .fold((0, 0.0f32), |a, c| if c.1 > a.1 { *c } else { a });
        println!(
            "{name}, held back {hold_back} frames, every {step} frames, 2 passes of {} frames: covered on average {:.0} % of the frame, at most {:.0} % (frame {})",
            edges::FRAMES,
            100.0 * mean,
            100.0 * worst.1,
            worst.0
        );
        let half: Vec<_> = all.iter().filter(|l| l.in_view >= 0.5).cloned().collect();
        for ((scene, n_half), (_, n_quarter)) in frames_per_scene(&half, &SCENES)
            .into_iter()
            .zip(frames_per_scene(all, &SCENES))
        {
            println!("  {scene:<28} {n_half:>4} frames (≥ 1/2 in view) {n_quarter:>4} (≥ 1/4)");
        }
        println!("  frames shown with both barcodes covered (a reader could not tell which frame), per stretch, and how much of the frame was covered:");
        for (first, name) in edges::STRETCHES {
            let n = out
                .unreadable
                .iter()
                .filter(|i| edges::stretch(**i) == name)
                .count();
            let here: Vec<f32> = cover
                .iter()
                .filter(|c| edges::stretch(c.0) == name)
                .map(|c| c.1)
                .collect();
            let shown = here.len();
            let mean = here.iter().sum::<f32>() / shown.max(1) as f32;
            println!(
                "    from frame {first:>3} {name:<32} {n:>4} of {shown}, covered on average {:.0} %",
                100.0 * mean
            );
        }
        for l in all {
            println!(
                "    frame {:>3} {:<28} {:>3.0} % in view, {} blocks",
                l.frame,
                l.scene,
                100.0 * l.in_view,
                l.blocks
            );
        }
    }
    Ok(())
}

/// Per scene and share in view, how often each detector alone finds a face (a box with IoU ≥ 0.3
/// with the face's box clipped to the frame, or its centre inside it), at protect mode's threshold.
fn detection_rates(clip: &EdgeClip) -> Result<()> {
    let options = unseen::DetectOptions {
        threshold: PROTECT_THRESHOLD,
        ..Default::default()
    };
    for (name, model) in [
        ("short-range", unseen::models::SHORT_RANGE),
        ("full-range", unseen::models::FULL_RANGE),
    ] {
        let mut d = unseen::Detector::new(model)?;
        println!("{name}:");
        rates(clip, |shot| {
            Ok(d.detect(shot.img.frame(), options)?
                .iter()
                .map(|f| f.rect)
                .collect())
        })?;
    }
    println!("RetinaFace over the whole frame at 640×480:");
    let mut r = unseen::detect::retinaface::RetinaFace::load(unseen::models::RETINAFACE, 480, 640)?;
    rates(clip, |shot| {
        Ok(r.candidates(shot.img.frame(), 0.5)?
            .iter()
            .map(|c| c.rect)
            .collect())
    })?;
    println!("the second look (RetinaFace along one or two edges a frame):");
    let mut s = unseen::detect::second_look::SecondLook::new(unseen::models::RETINAFACE)?;
    rates(clip, |shot| {
        Ok(s.faces_and_lost(shot.img.frame(), PROTECT_THRESHOLD, &[])?
            .iter()
            .map(|f| f.rect)
            .collect())
    })
}

fn rates(clip: &EdgeClip, mut find: impl FnMut(&Shot) -> Result<Vec<Rect>>) -> Result<()> {
    let mut table = std::collections::BTreeMap::<(&str, usize), (u32, u32)>::new();
    for i in 0..edges::FRAMES {
        let shot = clip.frame(i);
        let found = find(&shot)?;
        for (k, &(x, y, w, h)) in shot.faces.iter().enumerate() {
            let bucket = ((shot.in_view(k) * 4.0).floor() as usize).min(4);
            let (x0, y0) = (x.max(0.0), y.max(0.0));
            let clipped = Rect::new(x0, y0, (x + w).min(640.0) - x0, (y + h).min(480.0) - y0);
            let hit = found.iter().any(|r| {
                let c = r.center();
                r.iou(&clipped) >= 0.3
                    || (c.x >= x0 && c.x <= clipped.right() && c.y >= y0 && c.y <= clipped.bottom())
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
    Ok(())
}
