//! Protect mode run natively over a clip, frame by frame, as the page's worker runs it
//! (`unseen::live::LivePipeline`), counting the frames that show a face uncovered, per scenario.

use super::motion::{uncovered_blocks_per_face, Shot};
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
    pub hold_back: usize,
    /// Faces with less than this share of their box in the frame are not counted.
    pub min_in_view: f32,
    /// Whether protect mode has its second look (RetinaFace), as on the page.
    pub second_look: bool,
}

/// Runs the `frames` frames of a clip as `run` says and returns every face shown uncovered.
pub fn leaks(model: &[u8], frame: impl Fn(u32) -> Shot, frames: u32, run: Run) -> Vec<Leak> {
    leaks_and_cover(model, frame, frames, run).0
}

/// [`leaks`], and for each frame shown the share of its pixels changed (covered).
pub fn leaks_and_cover(
    model: &[u8],
    frame: impl Fn(u32) -> Shot,
    frames: u32,
    run: Run,
) -> (Vec<Leak>, Vec<(u32, f32)>) {
    let Run {
        passes,
        step,
        hold_back,
        min_in_view,
        second_look,
    } = run;
    let detector = Detector::new(model).expect("model loads");
    let mut live = LivePipeline::new(detector, DetectOptions::default()).expect("options");
    if second_look {
        live.set_second_look(unseen::models::RETINAFACE)
            .expect("RetinaFace loads");
    }
    let mut taken = std::collections::VecDeque::new();
    let mut out = Vec::new();
    let mut cover = Vec::new();
    for n in (0..passes * frames).step_by(step.max(1) as usize) {
        let shot = frame(n % frames);
        let mut shown = shot.img.rgba.clone();
        live.process(
            &mut shown,
            shot.img.width,
            shot.img.height,
            n as f64 * 1000.0 / 30.0,
            true,
            hold_back,
        )
        .expect("a live frame");
        taken.push_back((n % frames, shot));
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
        cover.push((i, changed as f32 / (shown.len() / 4) as f32));
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
            if (leaked || list.split(',').any(|v| v.trim() == i.to_string())) && !seen.exists() {
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
                out.push(Leak {
                    frame: i,
                    scene: shot.scenes[k],
                    in_view,
                    blocks,
                });
            }
        }
    }
    (out, cover)
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
