//! Live protection, frame by frame, over the leak test's clip (`common::motion`): fast motion, a face
//! entering from the frame's edge, an occluder, cuts. Each frame goes through the live pipeline the
//! page's worker runs (`unseen::live`), in protect mode, and the blocks of every visible face that
//! come out exactly as the camera delivered them are counted. The browser test
//! (`tests/browser/leak.test.mjs`) counts the same on the page itself.

mod common;

use common::edges::{self, EdgeClip, SCENES};
use common::motion::{self, Clip};
use common::protect::{frames_per_scene, leaks as scene_leaks, outcome_of, Run};
use unseen::geometry::PixelSpan;
use unseen::live::{LivePipeline, HOLD_BACK_FRAMES, MAX_HOLD_BACK, MIN_HOLD_BACK};
use unseen::{models, DetectOptions, Detector};

/// (frame index, uncovered blocks) for each frame of two passes through the clip (the camera loops
/// it, so its end cuts to its start) that shows any face uncovered, with the view held back
/// `hold_back` frames. Also checks that what is shown is the frame taken `hold_back` frames before,
/// or during the first frames a whole covered frame.
fn leaks(model: &[u8], hold_back: usize) -> Vec<(u32, usize)> {
    let clip = Clip::new();
    let detector = Detector::new(model).expect("model loads");
    let mut live = LivePipeline::new(detector, DetectOptions::default()).expect("options");
    let mut leaks = Vec::new();
    let mut taken = std::collections::VecDeque::new();
    for n in 0..2 * motion::FRAMES {
        let shot = clip.frame(n % motion::FRAMES);
        let mut shown = shot.img.rgba.clone();
        let faces = live
            .process(
                &mut shown,
                640,
                480,
                n as f64 * 1000.0 / 30.0,
                true,
                hold_back,
            )
            .expect("a live frame");
        taken.push_back((n % motion::FRAMES, shot));
        if taken.len() <= hold_back {
            assert!(
                faces.is_empty(),
                "frame {n}: no faces before a frame is shown"
            );
            assert_eq!(
                live.covered(),
                &[PixelSpan {
                    x0: 0,
                    y0: 0,
                    x1: 640,
                    y1: 480
                }],
                "frame {n}: covered whole until a held-back frame is ready"
            );
            continue;
        }
        // The frame shown is the one taken `hold_back` frames ago: it has at least as many pixels in
        // common with the shown frame as any frame taken since (protect mode may cover most of it).
        let share = unchanged_share(&taken[0].1.img.rgba, &shown);
        let best_other = taken
            .iter()
            .skip(1)
            .map(|(_, s)| unchanged_share(&s.img.rgba, &shown))
            .fold(0.0, f32::max);
        assert!(
            share >= best_other,
            "frame {n} does not show frame {}: {share} of its pixels, {best_other} of a later one's",
            taken[0].0
        );
        let (i, shot) = taken.pop_front().expect("a frame taken");
        let leaked = motion::uncovered_blocks(&shot.img, &shown, &shot);
        if leaked > 0 {
            leaks.push((i, leaked));
        }
    }
    leaks
}

/// The share of pixels two frames have the same.
fn unchanged_share(a: &[u8], b: &[u8]) -> f32 {
    let same = a
        .chunks_exact(4)
        .zip(b.chunks_exact(4))
        .filter(|(p, q)| p == q)
        .count();
    same as f32 / (a.len() / 4) as f32
}

#[test]
fn short_range_protect_mode_leaks_no_face() {
    let leaks = leaks(models::SHORT_RANGE, HOLD_BACK_FRAMES);
    assert!(
        leaks.is_empty(),
        "frames showing a face uncovered (index, 4×4 blocks): {leaks:?}"
    );
}

#[test]
fn full_range_protect_mode_leaks_no_face() {
    let leaks = leaks(models::FULL_RANGE, HOLD_BACK_FRAMES);
    assert!(
        leaks.is_empty(),
        "frames showing a face uncovered (index, 4×4 blocks): {leaks:?}"
    );
}

/// A page processing about 3 frames a second, as WebKit's did on a loaded machine (2026-12-03): it
/// went from frame 37 of the fast crossing to frame 46, where a face steps in at the right edge at
/// 16 px a camera frame, 17 % of it in view and not found, and first found it at frame 58, nearly two
/// box sizes in from the edge. Reaching only one box size back to the edge, the cover missed the
/// frames held back before: 46 showed 4 blocks of that face, 47 (in a run a frame later) 40 and 48
/// 88. A face first found is now stretched in the frames held back to every edge it could have
/// walked in from since each was taken (`Rect::ways_in`). The page's frame numbers,
/// then other timings about as slow, with no block of any face shown.
#[test]
fn a_slow_page_covers_a_face_that_walked_in_between_its_looks() {
    let clip = Clip::new();
    let seen = [
        vec![
            0, 1, 8, 17, 29, 37, 46, 58, 67, 79, 90, 101, 112, 125, 137, 149,
        ],
        vec![0, 1, 8, 17, 29, 37, 47, 58, 67, 79, 90, 101, 112],
        vec![0, 1, 8, 17, 29, 39, 48, 58, 67, 79, 90, 101, 112],
    ];
    let run = |step, uneven| Run {
        passes: 2,
        step,
        uneven,
        hold_back: MIN_HOLD_BACK,
        min_in_view: 0.0,
        second_look: true,
    };
    for (name, model) in [
        ("short-range", models::SHORT_RANGE),
        ("full-range", models::FULL_RANGE),
    ] {
        for frames in &seen {
            let shown = outcome_of(
                model,
                |i| clip.frame(i),
                motion::FRAMES,
                frames.clone(),
                run(1, None),
            );
            assert!(
                shown.leaks.is_empty(),
                "{name}, frames {frames:?}: faces shown uncovered {:?}",
                shown.leaks
            );
        }
        for (step, seed) in [(8, 1), (9, 2), (10, 3), (12, 4)] {
            let leaks = scene_leaks(
                model,
                |i| clip.frame(i),
                motion::FRAMES,
                run(step, Some(seed)),
            );
            assert!(
                leaks.is_empty(),
                "{name}, about every {step} frames: faces shown uncovered {leaks:?}"
            );
        }
    }
}

/// Without holding back, a face entering from the edge shows for the frames before enough of it is
/// in view to be found (frames 46–49: 17 % to 60 % of the face), and nothing else does. This is why
/// the view is held back, and shows that the count above can find a leak.
#[test]
fn without_holding_back_only_the_entering_face_leaks() {
    let leaks = leaks(models::SHORT_RANGE, 0);
    eprintln!("short-range, not held back (index, 4×4 blocks): {leaks:?}");
    assert!(
        !leaks.is_empty(),
        "the entering face is found before it shows?"
    );
    let outside: Vec<_> = leaks
        .iter()
        .filter(|(i, _)| !(44..=50).contains(i))
        .collect();
    assert!(outside.is_empty(), "faces shown uncovered: {outside:?}");
}

/// Frames held back are never shown after the frame size changes or protect is switched off; asking
/// to hold back more than the limit is refused with a sentence.
#[test]
fn held_frames_are_dropped_when_the_view_changes() {
    let clip = Clip::new();
    let detector = Detector::new(models::SHORT_RANGE).expect("model loads");
    let mut live = LivePipeline::new(detector, DetectOptions::default()).expect("options");
    let whole = |w, h| {
        vec![PixelSpan {
            x0: 0,
            y0: 0,
            x1: w,
            y1: h,
        }]
    };
    let frame = clip.frame(60).img.rgba;
    let run = |live: &mut LivePipeline, rgba: &[u8], w: u32, h: u32, protect: bool| {
        let mut shown = rgba.to_vec();
        live.process(&mut shown, w, h, 0.0, protect, HOLD_BACK_FRAMES)
            .map(|_| live.covered().to_vec())
    };
    for _ in 0..HOLD_BACK_FRAMES {
        assert_eq!(
            run(&mut live, &frame, 640, 480, true).unwrap(),
            whole(640, 480)
        );
    }
    assert_ne!(
        run(&mut live, &frame, 640, 480, true).unwrap(),
        whole(640, 480)
    );
    // Rotated: the held 640×480 frames are dropped, the view starts again.
    let rotated = &frame[..480 * 640 * 4];
    assert_eq!(
        run(&mut live, rotated, 480, 640, true).unwrap(),
        whole(480, 640)
    );
    // Protect off and on again: nothing held from before is shown.
    assert!(run(&mut live, &frame, 640, 480, false).unwrap().is_empty());
    assert_eq!(
        run(&mut live, &frame, 640, 480, true).unwrap(),
        whole(640, 480)
    );
    let mut shown = frame.clone();
    let err = live
        .process(&mut shown, 640, 480, 0.0, true, MAX_HOLD_BACK + 1)
        .expect_err("too many frames");
    assert_eq!(err.to_string().lines().count(), 1);
}

/// The adversarial clip (`common::edges`), two passes, with protect mode's second look (RetinaFace),
/// at the camera's 30 frames a second, at 15 (a page processing every other frame, as the page does
/// on a 2-core machine), at 10, and at about 7.5 and 6 with the steps between frames processed
/// wobbling by a camera frame either way, as a page's do (two seeded timings). The goal, met by both models: no frame showing a face at
/// least half in view uncovered, in any scenario. The hardest cases:
/// - a face smeared by coming in at 20 px a camera frame, missed by BlazeFace three frames running at
///   15 frames a second: the band along the edge where it was lost is now searched at once;
/// - a shot of 5 camera frames, cut in with faces half out at the top and bottom, processed twice:
///   with the edges searched in turn, one edge a frame, the top was never searched in it (Firefox
///   showed that face once). Changed edges are now searched first, two a frame;
/// - the same shot processed once, at about 6 frames a second (seed 9): the second band went to the
///   edge where the last shot's face was lost, and the top was not searched (Firefox showed that
///   face in 4 of 10 runs). When more edges have changed than two bands search, the whole frame is
///   searched at three-quarter resolution.
fn edge_clip_leaks(model: &[u8], name: &str) {
    let clip = EdgeClip::new();
    for (step, uneven) in [(1, None), (2, None), (3, None), (4, Some(0)), (5, Some(9))] {
        let run = Run {
            passes: 2,
            step,
            uneven,
            hold_back: HOLD_BACK_FRAMES,
            min_in_view: 0.5,
            second_look: true,
        };
        let leaks = scene_leaks(model, |i| clip.frame(i), edges::FRAMES, run);
        let per_scene = frames_per_scene(&leaks, &SCENES);
        let every = if uneven.is_some() {
            "about every"
        } else {
            "every"
        };
        eprintln!("{name}, {every} {step} frames: frames with a face ≥ 1/2 in view uncovered, per scenario: {per_scene:?}");
        assert!(
            leaks.is_empty(),
            "{name}, {every} {step} frames: faces shown uncovered, per scenario {per_scene:?}: {leaks:?}"
        );
    }
}

#[test]
fn short_range_protect_mode_covers_every_edge_scenario() {
    edge_clip_leaks(models::SHORT_RANGE, "short-range");
}

#[test]
fn full_range_protect_mode_covers_every_edge_scenario() {
    edge_clip_leaks(models::FULL_RANGE, "full-range");
}

/// Without the second look and with nothing held back, the same clip leaks (this shows the count
/// above can fail).
#[test]
fn without_the_second_look_and_holding_back_faces_at_the_edges_leak() {
    let clip = EdgeClip::new();
    let run = Run {
        passes: 1,
        step: 1,
        uneven: None,
        hold_back: 0,
        min_in_view: 0.5,
        second_look: false,
    };
    let leaks = scene_leaks(models::SHORT_RANGE, |i| clip.frame(i), edges::FRAMES, run);
    let per_scene = frames_per_scene(&leaks, &SCENES);
    eprintln!("short-range, no second look, nothing held back: {per_scene:?}");
    assert!(
        per_scene.iter().filter(|(_, n)| *n > 0).count() >= 2,
        "{per_scene:?}"
    );
}
