//! The photo pipeline (RetinaFace and BlazeFace full-range, fused) on real group photos shrunk to
//! thumbnails with faces of 13 to 21 pixels, and on composite crowds made from real photos: every
//! face found, hardly anything else, also in a 12-megapixel copy; covering happens at full
//! resolution.

mod common;

use common::{crowd, load, score};
use unseen::detect::photo::{PhotoDetector, PHOTO_THRESHOLD};
use unseen::{cover_faces, models, DetectOptions, RedactOptions};

fn pipeline() -> PhotoDetector {
    PhotoDetector::new(models::FULL_RANGE, Some(models::RETINAFACE)).unwrap()
}

#[test]
fn finds_every_small_face_in_group_thumbnails_that_blazeface_alone_misses() {
    let sets: Vec<_> = common::group_photos()
        .into_iter()
        .filter(|(name, ..)| {
            name.ends_with("1/12") || name.ends_with("1/16") || name.starts_with("strip")
        })
        .collect();
    let mut d = pipeline();
    let (mut faces_in_all, mut missed_by_blazeface, mut false_faces) = (0, 0, 0);
    for (name, img, truth) in &sets {
        let fused = d.detect(img.frame(), options()).unwrap();
        let rects: Vec<_> = fused.iter().map(|f| f.rect).collect();
        let (recall, precision) = score(&rects, truth);
        assert_eq!(recall, 1.0, "{name}: {rects:?}");
        false_faces += rects.len() - (precision * rects.len() as f32).round() as usize;
        let alone = d.detect_with(img.frame(), options(), true, false).unwrap();
        let (recall, _) = score(&alone.iter().map(|f| f.rect).collect::<Vec<_>>(), truth);
        missed_by_blazeface += ((1.0 - recall) * truth.len() as f32).round() as usize;
        faces_in_all += truth.len();
    }
    assert!(
        missed_by_blazeface >= 5,
        "BlazeFace alone missed only {missed_by_blazeface} of {faces_in_all}"
    );
    assert!(false_faces <= 1, "{false_faces} false faces");
}

fn options() -> DetectOptions {
    DetectOptions {
        threshold: PHOTO_THRESHOLD,
        ..Default::default()
    }
}

#[test]
fn finds_every_face_in_a_crowd_and_nothing_else() {
    let (img, truth) = crowd();
    let mut d = pipeline();
    let faces = d.detect(img.frame(), options()).unwrap();
    let rects: Vec<_> = faces.iter().map(|f| f.rect).collect();
    let (recall, precision) = score(&rects, &truth);
    assert_eq!((recall, precision), (1.0, 1.0), "{rects:?}");
}

#[test]
fn finds_the_faces_in_tilted_dark_compressed_and_small_copies() {
    let (img, truth) = crowd();
    let mut d = pipeline();
    let half = img.crop_resized(0, 0, img.width, img.height, img.width / 2, img.height / 2);
    let half_truth: Vec<_> = truth
        .iter()
        .map(|&(x, y, w, h)| (x / 2.0, y / 2.0, w / 2.0, h / 2.0))
        .collect();
    let (tilted, map) = img.rotated(-25.0);
    let tilted_truth: Vec<_> = truth
        .iter()
        .map(|&(x, y, w, h)| {
            let (cx, cy) = map(x + w / 2.0, y + h / 2.0);
            (cx - w / 2.0, cy - h / 2.0, w, h)
        })
        .collect();
    for (name, copy, truth) in [
        ("dark", img.darkened(0.3), truth.clone()),
        ("JPEG quality 15", img.jpeg_round_trip(15), truth.clone()),
        ("half size", half, half_truth),
        ("tilted 25°", tilted, tilted_truth),
    ] {
        let faces = d.detect(copy.frame(), options()).unwrap();
        let rects: Vec<_> = faces.iter().map(|f| f.rect).collect();
        // Every face; RetinaFace takes a texture of the tilted or blocky background for a face at
        // most once a copy (examples/eval_photo.rs lists them).
        let (recall, precision) = score(&rects, &truth);
        assert_eq!(recall, 1.0, "{name}: {rects:?}");
        assert!(
            precision * rects.len() as f32 >= rects.len() as f32 - 1.0 - 1e-3,
            "{name}: {rects:?}"
        );
    }
}

#[test]
fn a_12_megapixel_copy_is_searched_on_a_reduced_copy_and_covered_at_full_size() {
    let (img, truth) = crowd();
    let big = img.crop_resized(0, 0, img.width, img.height, 4400, 2750);
    let s = 4400.0 / 1600.0;
    let truth: Vec<_> = truth
        .iter()
        .map(|(x, y, w, h)| (x * s, y * s, w * s, h * s))
        .collect();
    let mut d = pipeline();
    let faces = d.detect(big.frame(), options()).unwrap();
    let rects: Vec<_> = faces.iter().map(|f| f.rect).collect();
    assert_eq!(score(&rects, &truth), (1.0, 1.0), "{rects:?}");
    let mut out = big.clone();
    cover_faces(
        &mut out.rgba,
        out.width,
        out.height,
        &rects,
        RedactOptions::default(),
    )
    .unwrap();
    for (x, y, w, h) in &truth {
        assert_eq!(
            out.px((x + w / 2.0) as u32, (y + h / 2.0) as u32),
            [0, 0, 0, 255]
        );
    }
}

#[test]
fn photos_without_people_stay_empty() {
    let mut d = pipeline();
    for name in ["coffee.png", "rocket.jpg"] {
        let faces = d.detect(load(name).frame(), options()).unwrap();
        assert!(faces.is_empty(), "{name}: {faces:?}");
    }
}
