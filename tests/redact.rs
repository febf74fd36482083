//! Redaction on real photos: every pixel inside each face's mask changes, and no pixel outside the
//! masks does, for every style and shape.

mod common;

use common::{load, two_face_frame};
use unseen::redact::{mask_region, DEFAULT_MASK_SCALE};
use unseen::{cover_faces, models, DetectOptions, Detector, RedactOptions, Shape, Style};

#[test]
fn covers_found_faces_and_nothing_else() {
    let (frame, _) = two_face_frame();
    let mut detector = Detector::new(models::SHORT_RANGE).unwrap();
    let faces = detector
        .detect(frame.frame(), DetectOptions::default())
        .unwrap();
    assert_eq!(faces.len(), 2);
    let boxes: Vec<_> = faces.iter().map(|f| f.rect).collect();
    for style in [Style::Solid, Style::Pixelate, Style::Blur] {
        for shape in [Shape::Box, Shape::Ellipse] {
            let options = RedactOptions {
                style,
                shape,
                mask_scale: DEFAULT_MASK_SCALE,
            };
            let mut out = frame.clone();
            cover_faces(&mut out.rgba, out.width, out.height, &boxes, options).unwrap();
            let regions: Vec<_> = boxes.iter().map(|b| mask_region(b, &options)).collect();
            let mut changed_inside = 0;
            let mut inside = 0;
            for y in 0..frame.height {
                for x in 0..frame.width {
                    let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
                    // A pixel the mask only partly covers is covered whole (failing closed).
                    let in_region = regions.iter().any(|r| {
                        px + 0.5 > r.x
                            && px - 0.5 < r.right()
                            && py + 0.5 > r.y
                            && py - 0.5 < r.bottom()
                    });
                    if !in_region {
                        assert_eq!(
                            frame.px(x, y),
                            out.px(x, y),
                            "{style:?}/{shape:?} changed ({x},{y}) outside every mask"
                        );
                    }
                }
            }
            // The face itself (the detected box, well inside the mask) is changed almost everywhere.
            for b in &boxes {
                for y in (b.y as u32 + 2)..(b.bottom() as u32 - 2) {
                    for x in (b.x as u32 + 2)..(b.right() as u32 - 2) {
                        inside += 1;
                        changed_inside += (frame.px(x, y) != out.px(x, y)) as u32;
                    }
                }
            }
            let share = changed_inside as f32 / inside as f32;
            // Solid: a few face pixels may already have been black; the others changed anyway.
            let needed = if style == Style::Solid { 0.99 } else { 0.9 };
            assert!(
                share >= needed,
                "{style:?}/{shape:?}: only {share:.3} of face pixels changed"
            );
        }
    }
}

#[test]
fn solid_leaves_nothing_of_the_face() {
    let img = load("astronaut.png");
    let mut detector = Detector::new(models::SHORT_RANGE).unwrap();
    let face = detector
        .detect(img.frame(), DetectOptions::default())
        .unwrap()[0];
    let mut out = img.clone();
    cover_faces(
        &mut out.rgba,
        out.width,
        out.height,
        &[face.rect],
        RedactOptions::default(),
    )
    .unwrap();
    // Every pixel of the face (the ellipse inscribed in the grown box covers the whole face box's
    // inner 80%) is now opaque black.
    let inner = face.rect.scaled(0.8);
    for y in inner.y as u32..inner.bottom() as u32 {
        for x in inner.x as u32..inner.right() as u32 {
            assert_eq!(out.px(x, y), [0, 0, 0, 255], "({x},{y})");
        }
    }
}

#[test]
fn blurred_faces_are_no_longer_detected() {
    let img = load("astronaut.png");
    let mut detector = Detector::new(models::SHORT_RANGE).unwrap();
    let face = detector
        .detect(img.frame(), DetectOptions::default())
        .unwrap()[0];
    let mut out = img.clone();
    let options = RedactOptions {
        style: Style::Blur,
        shape: Shape::Ellipse,
        mask_scale: DEFAULT_MASK_SCALE,
    };
    cover_faces(&mut out.rgba, out.width, out.height, &[face.rect], options).unwrap();
    let again = detector
        .detect(out.frame(), DetectOptions::default())
        .unwrap();
    assert!(again.is_empty(), "{again:?}");
}
