//! Decoding untrusted bytes: every supported format, EXIF orientation, and refusal of bad input with
//! one sentence, before anything large is allocated.

mod common;

use std::io::Cursor;
use std::time::Instant;

use common::{jpeg_with_exif, load, png_declaring, Img};
use image::{DynamicImage, ImageFormat};
use unseen::image_io::{decode, encode, OutputFormat};
use unseen::{models, DetectOptions, Detector, Error};

/// The top 400 rows of the astronaut photo: not square, so a rotation shows in the size.
fn astronaut_strip() -> Img {
    load("astronaut.png").crop_resized(0, 0, 512, 400, 512, 400)
}

#[test]
fn exif_orientation_6_is_turned_upright_and_the_face_found() {
    let upright = astronaut_strip();
    // The camera stored the picture sideways and says "rotate 90° clockwise to display".
    let jpeg = jpeg_with_exif(&upright.rotated_ccw(), 6);
    let d = decode(&jpeg).unwrap();
    assert_eq!((d.width, d.height), (512, 400), "orientation applied");
    assert!(
        d.exif.is_some(),
        "the EXIF block is reported so the user can see what export removes"
    );
    let img = Img {
        rgba: d.rgba,
        width: d.width,
        height: d.height,
    };
    let faces = Detector::new(models::SHORT_RANGE)
        .unwrap()
        .detect(img.frame(), DetectOptions::default())
        .unwrap();
    assert_eq!(faces.len(), 1);
    assert!(
        common::iou(&faces[0].rect, common::ASTRONAUT_FACE) > 0.5,
        "{:?}",
        faces[0].rect
    );
    let [right_eye, left_eye, nose, ..] = faces[0].landmarks;
    assert!(right_eye.y < nose.y && left_eye.y < nose.y, "upright");
}

#[test]
fn every_orientation_gives_the_same_upright_size() {
    let img = astronaut_strip();
    for orientation in 1..=8u16 {
        let stored = if orientation >= 5 {
            img.rotated_ccw()
        } else {
            img.clone()
        };
        let d = decode(&jpeg_with_exif(&stored, orientation)).unwrap();
        assert_eq!((d.width, d.height), (512, 400), "orientation {orientation}");
    }
}

#[test]
fn a_malformed_exif_block_does_not_cost_the_photo() {
    let mut jpeg = jpeg_with_exif(&astronaut_strip(), 6);
    // Break the TIFF header inside the EXIF block.
    let at = jpeg.windows(4).position(|w| w == b"MM\0\x2a").unwrap();
    jpeg[at..at + 4].copy_from_slice(b"XXXX");
    let d = decode(&jpeg).unwrap();
    assert_eq!(
        (d.width, d.height),
        (512, 400),
        "no orientation could be read, so none is applied"
    );
}

#[test]
fn every_supported_format_decodes() {
    let img = astronaut_strip().crop_resized(0, 0, 512, 400, 128, 100);
    let rgba = image::RgbaImage::from_raw(img.width, img.height, img.rgba.clone()).unwrap();
    let dynamic = DynamicImage::ImageRgba8(rgba);
    let variants: Vec<(&str, DynamicImage, ImageFormat)> = vec![
        ("png rgba8", dynamic.clone(), ImageFormat::Png),
        (
            "png rgb16",
            DynamicImage::ImageRgb16(dynamic.to_rgb16()),
            ImageFormat::Png,
        ),
        (
            "png gray",
            DynamicImage::ImageLuma8(dynamic.to_luma8()),
            ImageFormat::Png,
        ),
        (
            "jpeg",
            DynamicImage::ImageRgb8(dynamic.to_rgb8()),
            ImageFormat::Jpeg,
        ),
        ("webp", dynamic.clone(), ImageFormat::WebP),
        ("gif", dynamic.clone(), ImageFormat::Gif),
        (
            "bmp",
            DynamicImage::ImageRgb8(dynamic.to_rgb8()),
            ImageFormat::Bmp,
        ),
        (
            "tiff",
            DynamicImage::ImageRgb8(dynamic.to_rgb8()),
            ImageFormat::Tiff,
        ),
    ];
    for (name, image, format) in variants {
        let mut bytes = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut bytes), format)
            .unwrap();
        let d = decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((d.width, d.height), (128, 100), "{name}");
        assert_eq!(d.rgba.len(), 128 * 100 * 4, "{name}");
    }
}

#[test]
fn decompression_bombs_are_refused_at_once() {
    for (w, h) in [(30000, 30000), (100_000, 10), (9000, 9000)] {
        let started = Instant::now();
        let err = decode(&png_declaring(w, h)).err().expect("refused");
        assert!(
            matches!(err, Error::TooLarge { .. } | Error::TooLargeToDecode { .. }),
            "{w}x{h}: {err}"
        );
        assert!(started.elapsed().as_millis() < 500);
        assert!(err.to_string().contains("megapixels"), "{err}");
    }
}

#[test]
fn bad_bytes_get_one_clear_sentence() {
    let good = encode(
        &astronaut_strip().rgba,
        512,
        400,
        OutputFormat::Jpeg { quality: 80 },
    )
    .unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("text", b"this is not an image at all, just words".to_vec()),
        (
            "random",
            (0..4096u32)
                .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
                .collect(),
        ),
        ("truncated jpeg", good[..good.len() / 3].to_vec()),
        ("header only", good[..200].to_vec()),
        ("heic", b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec()),
        ("avif", b"\0\0\0\x1cftypavif\0\0\0\0avifmif1".to_vec()),
    ];
    for (name, bytes) in cases {
        match decode(&bytes) {
            Ok(d) => assert!(name == "truncated jpeg" && d.width == 512, "{name} decoded"),
            Err(e) => {
                let msg = e.to_string();
                assert!(
                    !msg.is_empty() && !msg.contains('\n') && msg.len() < 200,
                    "{name}: {msg:?}"
                );
            }
        }
    }
}

#[test]
fn the_exif_summary_names_camera_date_software_and_place() {
    let jpeg = jpeg_with_exif(&astronaut_strip(), 1);
    let exif = decode(&jpeg).unwrap().exif.expect("EXIF block");
    let s = unseen::metadata::summarize_exif(&exif);
    assert_eq!(s.make.as_deref(), Some("TestCam"));
    assert_eq!(s.model.as_deref(), Some("Model 7"));
    assert_eq!(s.software.as_deref(), Some("Editor 1"));
    assert_eq!(s.date.as_deref(), Some("2024:05:01 12:34:56"));
    let (lat, lon) = s.gps.expect("GPS");
    assert!((lat - (51.0 + 34.0 / 60.0 + 12.0 / 3600.0)).abs() < 1e-9);
    assert!(
        (lon + (10.0 / 60.0 + 45.0 / 3600.0)).abs() < 1e-9,
        "west is negative"
    );
    assert_eq!(unseen::metadata::blocks(&jpeg), ["EXIF"]);
}
