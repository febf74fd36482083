//! Live protection, frame by frame, over the leak test's clip (`common::motion`): fast motion, a face
//! entering from the frame's edge, an occluder, cuts. Each frame goes through the live pipeline the
//! page's worker runs (`unseen::live`), in protect mode, and the blocks of every visible face that
//! come out exactly as the camera delivered them are counted. The browser test
//! (`tests/browser/leak.test.mjs`) counts the same on the page itself.

mod common;

use common::motion::{self, Clip};
use unseen::{live::LivePipeline, models, DetectOptions, Detector};

/// (frame index, uncovered blocks) for each frame of two passes through the clip (the camera loops
/// it, so its end cuts to its start) that shows any face uncovered.
fn leaks(model: &[u8]) -> Vec<(u32, usize)> {
    let clip = Clip::new();
    let detector = Detector::new(model).expect("model loads");
    let mut live = LivePipeline::new(detector, DetectOptions::default()).expect("options");
    let mut leaks = Vec::new();
    for n in 0..2 * motion::FRAMES {
        let i = n % motion::FRAMES;
        let shot = clip.frame(i);
        let mut shown = shot.img.rgba.clone();
        live.process(&mut shown, 640, 480, n as f64 * 1000.0 / 30.0, true)
            .expect("a live frame");
        let leaked = motion::uncovered_blocks(&shot.img, &shown, &shot);
        if leaked > 0 {
            leaks.push((i, leaked));
        }
    }
    leaks
}

#[test]
fn short_range_protect_mode_leaks_only_an_entering_face() {
    let leaks = leaks(models::SHORT_RANGE);
    eprintln!("short-range, frames showing a face uncovered (index, 4×4 blocks): {leaks:?}");
    // Known limit: a face entering from the edge is shown for the frames before enough of it is in
    // view to be found (frames 46–49: 17 % to 60 % of the face). Everything else: none.
    let outside: Vec<_> = leaks
        .iter()
        .filter(|(i, _)| !(46..=49).contains(i))
        .collect();
    assert!(outside.is_empty(), "faces shown uncovered: {outside:?}");
    assert!(leaks.len() <= 8, "{} frames", leaks.len());
}

#[test]
fn full_range_protect_mode_leak_count() {
    let leaks = leaks(models::FULL_RANGE);
    eprintln!("full-range, frames showing a face uncovered (index, 4×4 blocks): {leaks:?}");
    let outside: Vec<_> = leaks
        .iter()
        .filter(|(i, _)| !(46..=50).contains(i) && !(96..=104).contains(i))
        .collect();
    assert!(outside.is_empty(), "faces shown uncovered: {outside:?}");
}
