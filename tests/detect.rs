//! Detection on real photographs: the faces that are there are found, where they are, with their
//! landmarks in the right order; photos without people yield nothing.

mod common;

use common::{iou, load, two_face_frame, ASTRONAUT_FACE};
use unseen::detect::blazeface::Variant;
use unseen::{models, DetectOptions, Detector};

fn short() -> Detector {
    Detector::new(models::SHORT_RANGE).expect("short-range model loads")
}

fn full() -> Detector {
    Detector::new(models::FULL_RANGE).expect("full-range model loads")
}

#[test]
fn both_blazeface_models_load() {
    assert_eq!(short().variant(), Variant::ShortRange);
    assert_eq!(full().variant(), Variant::FullRange);
}

#[test]
fn finds_the_astronaut_and_her_landmarks() {
    let img = load("astronaut.png");
    for mut detector in [short(), full()] {
        let faces = detector
            .detect(img.frame(), DetectOptions::default())
            .unwrap();
        assert_eq!(faces.len(), 1, "{:?}: {faces:?}", detector.variant());
        let f = faces[0];
        assert!(
            iou(&f.rect, ASTRONAUT_FACE) > 0.6,
            "{:?}: {:?}",
            detector.variant(),
            f.rect
        );
        assert!(f.score > 0.8);
        let [right_eye, left_eye, nose, mouth, ..] = f.landmarks;
        // The person's right eye is on the image's left; eyes above nose above mouth.
        assert!(right_eye.x < left_eye.x);
        assert!(right_eye.y < nose.y && left_eye.y < nose.y && nose.y < mouth.y);
        for p in f.landmarks {
            assert!(
                p.x > f.rect.x - 10.0
                    && p.x < f.rect.right() + 10.0
                    && p.y > f.rect.y
                    && p.y < f.rect.bottom()
            );
        }
    }
}

#[test]
fn landmarks_follow_a_mirrored_face() {
    let img = load("astronaut.png").mirrored();
    let faces = short()
        .detect(img.frame(), DetectOptions::default())
        .unwrap();
    assert_eq!(faces.len(), 1);
    let [right_eye, left_eye, ..] = faces[0].landmarks;
    assert!(
        right_eye.x < left_eye.x,
        "keypoints are the person's, so the order holds in a mirror too"
    );
    let mirrored = (
        512.0 - ASTRONAUT_FACE.0 - ASTRONAUT_FACE.2,
        ASTRONAUT_FACE.1,
        ASTRONAUT_FACE.2,
        ASTRONAUT_FACE.3,
    );
    assert!(iou(&faces[0].rect, mirrored) > 0.6);
}

#[test]
fn finds_the_cameraman() {
    let img = load("camera.png");
    let faces = short()
        .detect(img.frame(), DetectOptions::default())
        .unwrap();
    assert_eq!(faces.len(), 1, "{faces:?}");
    let c = faces[0].rect.center();
    assert!(
        (190.0..260.0).contains(&c.x) && (130.0..200.0).contains(&c.y),
        "{:?}",
        faces[0].rect
    );
}

#[test]
fn finds_two_faces_of_different_sizes_in_a_webcam_frame() {
    let (frame, expected) = two_face_frame();
    let mut faces = short()
        .detect(frame.frame(), DetectOptions::default())
        .unwrap();
    assert_eq!(faces.len(), 2, "{faces:?}");
    faces.sort_by(|a, b| a.rect.x.total_cmp(&b.rect.x));
    for (f, e) in faces.iter().zip(expected) {
        assert!(iou(&f.rect, e) > 0.5, "{:?} vs {e:?}", f.rect);
    }
}

#[test]
fn photos_without_people_have_no_faces() {
    for name in [
        "coffee.png",
        "chelsea.png",
        "rocket.jpg",
        "motorcycle_left.png",
    ] {
        let img = load(name);
        let faces = short()
            .detect(img.frame(), DetectOptions::default())
            .unwrap();
        assert!(faces.is_empty(), "{name}: {faces:?}");
    }
}

#[test]
fn threshold_and_overlap_change_the_result() {
    let img = load("astronaut.png");
    let mut d = short();
    let none = d
        .detect(
            img.frame(),
            DetectOptions {
                threshold: 0.999,
                ..Default::default()
            },
        )
        .unwrap();
    assert!(none.is_empty());
    // Without merging, the raw candidates around one face are many.
    let raw = d.candidates(img.frame(), 0.5).unwrap();
    assert!(raw.len() > 1, "{}", raw.len());
    let unmerged = d
        .detect(
            img.frame(),
            DetectOptions {
                threshold: 0.5,
                overlap: 1.0,
            },
        )
        .unwrap();
    assert_eq!(unmerged.len(), raw.len());
}

#[test]
fn the_network_input_is_the_letterboxed_frame() {
    let (frame, _) = two_face_frame();
    let mut d = short();
    d.detect(frame.frame(), DetectOptions::default()).unwrap();
    let input = d.last_input();
    assert_eq!(input.len(), 128 * 128 * 3);
    // 640×480 in 128×128: 16 rows of black padding above and below, grey wall inside.
    assert_eq!(input[0], -1.0);
    assert_eq!(input[(127 * 128) * 3], -1.0);
    let wall = input[(20 * 128 + 126) * 3];
    assert!((wall - (120.0 / 127.5 - 1.0)).abs() < 0.02, "{wall}");
}

#[test]
fn bad_model_bytes_are_refused_with_a_sentence() {
    for bytes in [&b""[..], b"not a model", &models::SHORT_RANGE[..1000]] {
        let err = Detector::new(bytes).err().expect("refused").to_string();
        assert!(
            err.starts_with("the face-detection model could not be used"),
            "{err}"
        );
    }
}

#[test]
fn frames_that_do_not_match_their_size_are_refused() {
    let mut d = short();
    assert!(unseen::Frame::new(&[0; 10], 2, 2).is_err());
    let tiny = common::Img::filled(1, 1, [0, 0, 0]);
    assert!(d
        .detect(tiny.frame(), DetectOptions::default())
        .unwrap()
        .is_empty());
    let strip = common::Img::filled(4000, 3, [200, 100, 50]);
    assert!(d
        .detect(strip.frame(), DetectOptions::default())
        .unwrap()
        .is_empty());
}

#[test]
fn the_anchor_grid_lies_over_the_last_frame() {
    let (frame, _) = two_face_frame();
    let mut d = short();
    d.detect(frame.frame(), DetectOptions::default()).unwrap();
    let (centres, count) = d.anchor_grid();
    assert_eq!(count, 896, "BlazeFace short-range scores 896 anchors");
    assert_eq!(
        centres.len(),
        16 * 16 + 8 * 8,
        "on a 16×16 and an 8×8 grid of centres"
    );
    // 640×480 letterboxed into 128: scale 0.2, 80 frame pixels of padding above and below.
    let first = centres[0];
    assert!(
        (first.x - 20.0).abs() < 1e-3 && (first.y + 60.0).abs() < 1e-3,
        "{first:?}"
    );
    let last = *centres.last().unwrap();
    // The last centre is the coarse 8×8 grid's last cell: (7.5 / 8 · 128 − pad) / 0.2.
    assert!(
        (last.x - 600.0).abs() < 1e-3 && (last.y - 520.0).abs() < 1e-3,
        "{last:?}"
    );
}

/// Found by fuzzing (fuzz/corpus/live_args/nan-options): a NaN minimum score let every one of the 896
/// anchors through as a candidate, since no score is below NaN. It is refused now, in the core.
#[test]
fn candidates_refuse_a_minimum_score_outside_0_to_1() {
    let mut d = short();
    let img = common::Img::filled(64, 48, [90, 90, 90]);
    for bad in [f32::NAN, -0.1, 1.5, f32::INFINITY] {
        let err = d
            .candidates(img.frame(), bad)
            .expect_err("refused")
            .to_string();
        assert_eq!(err, "the minimum score must be a number from 0 to 1");
    }
    assert!(d.candidates(img.frame(), 0.5).is_ok());
}
