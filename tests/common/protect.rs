//! Protect mode run natively over a clip, frame by frame, as the page's worker runs it
//! (`unseen::live::LivePipeline`), counting the frames that show a face uncovered, per scenario.

use super::motion::{uncovered_blocks_per_face, Shot, BARCODE_AT, BARCODE_CELL, BARCODE_CELLS};
use unseen::live::LivePipeline;
use unseen::{DetectOptions, Detector};

/// One face shown uncovered in one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Leak {
    pub frame: u32,
    pub scene: &'static str,
    /// The share of the face's box inside the frame.
    pub in_view: f32,
    /// Its 4×4 blocks shown as the camera delivered them.
    pub blocks: usize,
}

/// How a clip is run.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    /// Passes over the clip (the camera loops it, so its end cuts to its start).
    pub passes: u32,
    /// Every `step`-th camera frame is processed (a page slower than the camera drops the rest).
    pub step: u32,
    /// Whether the steps wobble, one frame more or less than `step` (at least 1) at random, as a
    /// page's do: a shot a few frames long may then be processed only once or twice. The number
    /// seeds the wobble: each seed is another page's timing.
    pub uneven: Option<u32>,
    pub hold_back: usize,
    /// Faces with less than this share of their box in the frame are not counted.
    pub min_in_view: f32,
    /// Whether protect mode has its second look (RetinaFace), as on the page.
    pub second_look: bool,
}

/// What a run showed.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Every face shown uncovered.
    pub leaks: Vec<Leak>,
    /// For each frame shown, its index and the share of its pixels changed (covered).
    pub cover: Vec<(u32, f32)>,
    /// The frames shown with both frame-index barcodes changed ([`BARCODE_AT`]): a check that reads
    /// the painted frames cannot tell which frame they were. Covers that reach corners far from any
    /// face make these.
    pub unreadable: Vec<u32>,
}

/// Runs the `frames` frames of a clip as `run` says and returns every face shown uncovered.
pub fn leaks(model: &[u8], frame: impl Fn(u32) -> Shot, frames: u32, run: Run) -> Vec<Leak> {
    outcome(model, frame, frames, run).leaks
}

/// [`leaks`], how much of each frame was covered, and which frames lost both barcodes.
pub fn outcome(model: &[u8], frame: impl Fn(u32) -> Shot, frames: u32, run: Run) -> Outcome {
    let Run {
        passes,
        step,
        uneven,
        ..
    } = run;
    let mut seed = 0x9e37_79b9_u32 ^ uneven.unwrap_or(0).wrapping_mul(0x85eb_ca6b);
    let mut n = 0;
    let taken = std::iter::from_fn(|| {
        let at = n;
        n += if uneven.is_some() {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            (step + seed % 3).saturating_sub(1).max(1)
        } else {
            step.max(1)
        };
        (at < passes * frames).then_some(at)
    });
    outcome_of(model, frame, frames, taken, run)
}

/// [`outcome`] with the camera frames the page processes given one by one (counted on across
/// passes: `frames + 2` is the clip's frame 2 on its second pass), at 30 frames a second; `run`'s
/// passes, step and unevenness are not used.
pub fn outcome_of(
    model: &[u8],
    frame: impl Fn(u32) -> Shot,
    frames: u32,
    taken_frames: impl IntoIterator<Item = u32>,
    run: Run,
) -> Outcome {
    let Run {
        hold_back,
        min_in_view,
        second_look,
        ..
    } = run;
    let detector = Detector::new(model).expect("model loads");
    let mut live = LivePipeline::new(detector, DetectOptions::default()).expect("options");
    if second_look {
        live.set_second_look(unseen::models::RETINAFACE)
            .expect("RetinaFace loads");
    }
    let mut taken = std::collections::VecDeque::new();
    let mut out = Outcome::default();
    for at in taken_frames {
        let shot = frame(at % frames);
        let mut shown = shot.img.rgba.clone();
        live.process(
            &mut shown,
            shot.img.width,
            shot.img.height,
            at as f64 * 1000.0 / 30.0,
            true,
            hold_back,
        )
        .expect("a live frame");
        taken.push_back((at % frames, shot));
        if taken.len() <= hold_back {
            continue;
        }
        let (i, shot) = taken.pop_front().expect("a frame taken");
        let changed = shot
            .img
            .rgba
            .chunks_exact(4)
            .zip(shown.chunks_exact(4))
            .filter(|(a, b)| a != b)
            .count();
        out.cover
            .push((i, changed as f32 / (shown.len() / 4) as f32));
        let width = shot.img.width as usize;
        let barcode_changed = |(x, y): (u32, u32)| {
            (y as usize..(y + BARCODE_CELL) as usize).any(|row| {
                let at = 4 * (row * width + x as usize);
                let len = 4 * (BARCODE_CELLS * BARCODE_CELL) as usize;
                shot.img.rgba[at..at + len] != shown[at..at + len]
            })
        };
        if BARCODE_AT.into_iter().all(barcode_changed) {
            out.unreadable.push(i);
        }
        let per_face = uncovered_blocks_per_face(&shot.img, &shown, &shot);
        // For looking at: UNSEEN_SHOW=I,J,… writes what frames I, J, … looked like, taken and shown,
        // the first time each is shown; UNSEEN_SHOW=leaks, each frame showing a face at least half in view.
        if let Ok(list) = std::env::var("UNSEEN_SHOW") {
            let seen = std::env::temp_dir().join(format!("unseen-shown-{i}.png"));
            let leaked = list == "leaks"
                && per_face
                    .iter()
                    .enumerate()
                    .any(|(k, b)| *b > 0 && shot.in_view(k) >= 0.5);
            if leaked || (!seen.exists() && list.split(',').any(|v| v.trim() == i.to_string())) {
                for (what, rgba) in [("taken", &shot.img.rgba[..]), ("shown", &shown[..])] {
                    let png = unseen::image_io::encode(
                        rgba,
                        shot.img.width,
                        shot.img.height,
                        unseen::image_io::OutputFormat::Png,
                    )
                    .expect("a PNG");
                    let path = std::env::temp_dir().join(format!("unseen-{what}-{i}.png"));
                    std::fs::write(path, png).expect("written");
                }
            }
        }
        for (k, blocks) in per_face.into_iter().enumerate() {
            let in_view = shot.in_view(k);
            if blocks > 0 && in_view >= min_in_view {
                out.leaks.push(Leak {
                    frame: i,
                    scene: shot.scenes[k],
                    in_view,
                    blocks,
                });
            }
        }
    }
    out
}

/// Frames with a face uncovered, per scene of `scenes`.
pub fn frames_per_scene(leaks: &[Leak], scenes: &[&'static str]) -> Vec<(&'static str, usize)> {
    scenes
        .iter()
        .map(|s| {
            let mut frames: Vec<u32> = leaks
                .iter()
                .filter(|l| l.scene == *s)
                .map(|l| l.frame)
                .collect();
            frames.dedup();
            (*s, frames.len())
        })
        .collect()
}
