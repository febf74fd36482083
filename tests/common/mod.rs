//! Shared helpers for the integration tests: the fetched public photos, composites made from them,
//! and JPEGs carrying EXIF blocks built byte by byte.
#![allow(dead_code, unused_imports)]

pub mod camera;
pub mod edges;
pub mod motion;
pub mod protect;
pub mod video;

use std::path::PathBuf;

use unseen::image_io;

/// An RGBA image owned by a test.
#[derive(Clone)]
pub struct Img {
    pub rgba: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

impl Img {
    pub fn filled(width: u32, height: u32, rgb: [u8; 3]) -> Img {
        let rgba = (0..width * height)
            .flat_map(|_| [rgb[0], rgb[1], rgb[2], 255])
            .collect();
        Img {
            rgba,
            width,
            height,
        }
    }

    pub fn frame(&self) -> unseen::Frame<'_> {
        unseen::Frame::new(&self.rgba, self.width, self.height).expect("test image is consistent")
    }

    pub fn px(&self, x: u32, y: u32) -> [u8; 4] {
        let i = ((y * self.width + x) * 4) as usize;
        [
            self.rgba[i],
            self.rgba[i + 1],
            self.rgba[i + 2],
            self.rgba[i + 3],
        ]
    }

    /// The region (x, y, w, h) resized to `out_w`×`out_h` (bilinear).
    pub fn crop_resized(&self, x: u32, y: u32, w: u32, h: u32, out_w: u32, out_h: u32) -> Img {
        let mut rgba = Vec::with_capacity((out_w * out_h * 4) as usize);
        for oy in 0..out_h {
            for ox in 0..out_w {
                let sx = (x as f32 + (ox as f32 + 0.5) * w as f32 / out_w as f32 - 0.5)
                    .clamp(0.0, (self.width - 1) as f32);
                let sy = (y as f32 + (oy as f32 + 0.5) * h as f32 / out_h as f32 - 0.5)
                    .clamp(0.0, (self.height - 1) as f32);
                let (x0, y0) = (sx as u32, sy as u32);
                let (x1, y1) = ((x0 + 1).min(self.width - 1), (y0 + 1).min(self.height - 1));
                let (fx, fy) = (sx - x0 as f32, sy - y0 as f32);
                for c in 0..4 {
                    let p = |x, y| self.px(x, y)[c] as f32;
                    let v = (p(x0, y0) * (1.0 - fx) + p(x1, y0) * fx) * (1.0 - fy)
                        + (p(x0, y1) * (1.0 - fx) + p(x1, y1) * fx) * fy;
                    rgba.push(v.round() as u8);
                }
            }
        }
        Img {
            rgba,
            width: out_w,
            height: out_h,
        }
    }

    /// Paste `other` with its top-left corner at (x, y), clipped.
    pub fn paste(&mut self, other: &Img, x: u32, y: u32) {
        for oy in 0..other.height {
            for ox in 0..other.width {
                let (tx, ty) = (x + ox, y + oy);
                if tx < self.width && ty < self.height {
                    let i = ((ty * self.width + tx) * 4) as usize;
                    self.rgba[i..i + 4].copy_from_slice(&other.px(ox, oy));
                }
            }
        }
    }

    /// Turned 90° counter-clockwise (what a phone held sideways records before EXIF says "rotate 90° CW").
    pub fn rotated_ccw(&self) -> Img {
        let (w, h) = (self.height, self.width);
        let mut rgba = vec![0; (w * h * 4) as usize];
        for y in 0..self.height {
            for x in 0..self.width {
                let (nx, ny) = (y, self.width - 1 - x);
                let i = ((ny * w + nx) * 4) as usize;
                rgba[i..i + 4].copy_from_slice(&self.px(x, y));
            }
        }
        Img {
            rgba,
            width: w,
            height: h,
        }
    }

    /// Turned `degrees` counter-clockwise about its centre on a canvas of the same size (bilinear; the
    /// corners that come from outside are grey). Returns the image and a function mapping points.
    pub fn rotated(&self, degrees: f32) -> (Img, impl Fn(f32, f32) -> (f32, f32)) {
        let (s, c) = degrees.to_radians().sin_cos();
        let (cx, cy) = (self.width as f32 / 2.0, self.height as f32 / 2.0);
        let mut out = Img::filled(self.width, self.height, [110, 110, 110]);
        for y in 0..self.height {
            for x in 0..self.width {
                // Inverse map: output (x, y) comes from the source point turned back by `degrees`.
                let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
                let (sx, sy) = (c * dx - s * dy + cx - 0.5, s * dx + c * dy + cy - 0.5);
                if sx < 0.0
                    || sy < 0.0
                    || sx > (self.width - 1) as f32
                    || sy > (self.height - 1) as f32
                {
                    continue;
                }
                let (x0, y0) = (sx as u32, sy as u32);
                let (x1, y1) = ((x0 + 1).min(self.width - 1), (y0 + 1).min(self.height - 1));
                let (fx, fy) = (sx - x0 as f32, sy - y0 as f32);
                let i = ((y * self.width + x) * 4) as usize;
                for ch in 0..3 {
                    let p = |x, y| self.px(x, y)[ch] as f32;
                    let v = (p(x0, y0) * (1.0 - fx) + p(x1, y0) * fx) * (1.0 - fy)
                        + (p(x0, y1) * (1.0 - fx) + p(x1, y1) * fx) * fy;
                    out.rgba[i + ch] = v.round() as u8;
                }
            }
        }
        let map = move |x: f32, y: f32| {
            let (dx, dy) = (x - cx, y - cy);
            (c * dx + s * dy + cx, -s * dx + c * dy + cy)
        };
        (out, map)
    }

    /// Every channel multiplied by `gain` (a dark copy for `gain` < 1).
    pub fn darkened(&self, gain: f32) -> Img {
        let mut out = self.clone();
        for (i, v) in out.rgba.iter_mut().enumerate() {
            if i % 4 != 3 {
                *v = (*v as f32 * gain).round() as u8;
            }
        }
        out
    }

    /// Through a JPEG encoder at `quality` and back.
    pub fn jpeg_round_trip(&self, quality: u8) -> Img {
        let rgb: Vec<u8> = self
            .rgba
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality)
            .encode(
                &rgb,
                self.width,
                self.height,
                image::ExtendedColorType::Rgb8,
            )
            .expect("encode test JPEG");
        let d = image_io::decode(&bytes).expect("decode test JPEG");
        Img {
            rgba: d.rgba,
            width: d.width,
            height: d.height,
        }
    }

    pub fn mirrored(&self) -> Img {
        let mut out = self.clone();
        for y in 0..self.height {
            for x in 0..self.width {
                let i = ((y * self.width + (self.width - 1 - x)) * 4) as usize;
                out.rgba[i..i + 4].copy_from_slice(&self.px(x, y));
            }
        }
        out
    }
}

/// A file fetched by `scripts/fetch.sh testdata` (`./build.sh test` runs it first).
pub fn fetched(name: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fetched")
        .join(name);
    assert!(
        p.is_file(),
        "{} is missing: run `scripts/fetch.sh testdata` (./build.sh test does)",
        p.display()
    );
    p
}

pub fn load(name: &str) -> Img {
    let bytes = std::fs::read(fetched(name)).expect("read test photo");
    let d = image_io::decode(&bytes).expect("decode test photo");
    Img {
        rgba: d.rgba,
        width: d.width,
        height: d.height,
    }
}

/// The astronaut's face in scikit-image's `astronaut.png` (NASA, public domain), measured by hand:
/// forehead to chin and ear to ear.
pub const ASTRONAUT_FACE: (f32, f32, f32, f32) = (175.0, 75.0, 100.0, 105.0);

/// A 640×480 "webcam" frame with two astronaut faces of different sizes on a grey wall.
pub fn two_face_frame() -> (Img, [(f32, f32, f32, f32); 2]) {
    let astronaut = load("astronaut.png");
    let mut frame = Img::filled(640, 480, [120, 120, 120]);
    // A 240×240 crop around the face, pasted at two sizes.
    let (cx, cy, side) = (125, 10, 240);
    let big = astronaut.crop_resized(cx, cy, side, side, 300, 300);
    let small = astronaut.crop_resized(cx, cy, side, side, 180, 180);
    frame.paste(&big, 20, 90);
    frame.paste(&small, 420, 150);
    let face_in = |scale: f32, ox: f32, oy: f32| {
        let (fx, fy, fw, fh) = ASTRONAUT_FACE;
        (
            ox + (fx - cx as f32) * scale,
            oy + (fy - cy as f32) * scale,
            fw * scale,
            fh * scale,
        )
    };
    (
        frame,
        [
            face_in(300.0 / 240.0, 20.0, 90.0),
            face_in(180.0 / 240.0, 420.0, 150.0),
        ],
    )
}

/// Overlap of a found rectangle with an expected (x, y, w, h).
pub fn iou(r: &unseen::Rect, e: (f32, f32, f32, f32)) -> f32 {
    r.iou(&unseen::Rect::new(e.0, e.1, e.2, e.3))
}

/// An EXIF APP1 segment: camera make and model, a date, an orientation, and a GPS position.
pub fn exif_segment(orientation: u16) -> Vec<u8> {
    // Big-endian TIFF. Each entry: tag, type (2 ASCII, 3 SHORT, 4 LONG, 5 RATIONAL), count, payload.
    fn ifd(entries: &[(u16, u16, u32, Vec<u8>)], start: u32) -> Vec<u8> {
        let table = 2 + 12 * entries.len() as u32 + 4;
        let mut head = (entries.len() as u16).to_be_bytes().to_vec();
        let mut data = Vec::new();
        for (tag, typ, count, payload) in entries {
            head.extend_from_slice(&tag.to_be_bytes());
            head.extend_from_slice(&typ.to_be_bytes());
            head.extend_from_slice(&count.to_be_bytes());
            if payload.len() <= 4 {
                let mut v = payload.clone();
                v.resize(4, 0);
                head.extend_from_slice(&v);
            } else {
                head.extend_from_slice(&(start + table + data.len() as u32).to_be_bytes());
                data.extend_from_slice(payload);
                if data.len() % 2 == 1 {
                    data.push(0);
                }
            }
        }
        head.extend_from_slice(&0u32.to_be_bytes());
        head.extend_from_slice(&data);
        head
    }
    let rational = |parts: &[u32]| {
        parts
            .iter()
            .flat_map(|n| [n.to_be_bytes(), 1u32.to_be_bytes()])
            .flatten()
            .collect::<Vec<u8>>()
    };
    let ascii = |s: &str| {
        let mut v = s.as_bytes().to_vec();
        v.push(0);
        v
    };
    let mut ifd0 = vec![
        (0x010F, 2, 8, ascii("TestCam")),
        (0x0110, 2, 8, ascii("Model 7")),
        (0x0112, 3, 1, orientation.to_be_bytes().to_vec()),
        (0x0131, 2, 9, ascii("Editor 1")),
        (0x0132, 2, 20, ascii("2024:05:01 12:34:56")),
        (0x8825, 4, 1, vec![0; 4]),
    ];
    let gps_at = 8 + ifd(&ifd0, 8).len() as u32;
    ifd0[5].3 = gps_at.to_be_bytes().to_vec();
    let gps = vec![
        (0x0001, 2, 2, ascii("N")),
        (0x0002, 5, 3, rational(&[51, 34, 12])),
        (0x0003, 2, 2, ascii("W")),
        (0x0004, 5, 3, rational(&[0, 10, 45])),
    ];
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&ifd(&ifd0, 8));
    tiff.extend_from_slice(&ifd(&gps, gps_at));
    let mut seg = vec![0xFF, 0xE1];
    seg.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    seg.extend_from_slice(b"Exif\0\0");
    seg.extend_from_slice(&tiff);
    seg
}

/// A JPEG of `img` carrying [`exif_segment`] right after its start marker.
pub fn jpeg_with_exif(img: &Img, orientation: u16) -> Vec<u8> {
    let plain = image_io::encode(
        &img.rgba,
        img.width,
        img.height,
        image_io::OutputFormat::Jpeg { quality: 90 },
    )
    .unwrap();
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&exif_segment(orientation));
    out.extend_from_slice(&plain[2..]);
    out
}

/// Names of metadata blocks found in a JPEG or PNG file (empty when it carries none).
pub use unseen::metadata::blocks as metadata_blocks;

/// The cameraman's face in scikit-image's `camera.png`, measured by hand.
pub const CAMERAMAN_FACE: (f32, f32, f32, f32) = (180.0, 118.0, 80.0, 88.0);

/// A 1600×1000 "crowd" on a background of photos without people: astronaut and cameraman faces at
/// sizes from about 40 to 160 pixels. Returns the picture and the face boxes.
pub fn crowd() -> (Img, Vec<(f32, f32, f32, f32)>) {
    let mut img = Img::filled(1600, 1000, [90, 90, 90]);
    for (name, x, y) in [
        ("coffee.png", 0, 0),
        ("motorcycle_left.png", 600, 0),
        ("rocket.jpg", 0, 420),
        ("coffee.png", 900, 500),
    ] {
        let bg = load(name);
        img.paste(&bg, x, y);
    }
    let astronaut = load("astronaut.png");
    let camera = load("camera.png");
    // (source, crop x, y, side, face box in source)
    let people = [
        (&astronaut, 125u32, 10u32, 240u32, ASTRONAUT_FACE),
        (&camera, 120, 62, 200, CAMERAMAN_FACE),
    ];
    let placements = [
        (0, 60, 80, 400),
        (1, 520, 60, 300),
        (0, 980, 120, 220),
        (1, 1300, 90, 180),
        (0, 140, 560, 160),
        (1, 480, 600, 130),
        (0, 800, 640, 110),
        (1, 1100, 700, 95),
        (0, 1380, 520, 80),
        (1, 300, 380, 100),
    ];
    let mut faces = Vec::new();
    for (who, px, py, size) in placements {
        let (src, cx, cy, side, face) = people[who];
        let person = src.crop_resized(cx, cy, side, side, size, size);
        img.paste(&person, px, py);
        let s = size as f32 / side as f32;
        faces.push((
            px as f32 + (face.0 - cx as f32) * s,
            py as f32 + (face.1 - cy as f32) * s,
            face.2 * s,
            face.3 * s,
        ));
    }
    (img, faces)
}

/// Recall and precision of found boxes against expected ones (a match needs IoU ≥ 0.3, one-to-one).
pub fn score(found: &[unseen::Rect], expected: &[(f32, f32, f32, f32)]) -> (f32, f32) {
    let mut used = vec![false; found.len()];
    let mut hits = 0;
    for e in expected {
        let best = found
            .iter()
            .enumerate()
            .filter(|(i, _)| !used[*i])
            .map(|(i, r)| (i, iou(r, *e)))
            .filter(|(_, v)| *v >= 0.3)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((i, _)) = best {
            used[i] = true;
            hits += 1;
        }
    }
    let recall = hits as f32 / expected.len().max(1) as f32;
    let precision = if found.is_empty() {
        1.0
    } else {
        hits as f32 / found.len() as f32
    };
    (recall, precision)
}

/// A PNG chunk: length, kind, data, CRC.
fn png_chunk(png: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
    png.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    png.extend_from_slice(&body);
    png.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// `data` as a zlib stream of stored (uncompressed) deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = if data.is_empty() {
        vec![&[]]
    } else {
        data.chunks(65535).collect()
    };
    for (i, block) in blocks.iter().enumerate() {
        out.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + byte as u32) % 65521;
        b = (b + a) % 65521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

/// A valid PNG declaring a huge image, with a few bytes of pixel data behind it.
pub fn png_declaring(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut png, b"IHDR", &ihdr);
    png_chunk(&mut png, b"IDAT", &zlib_stored(&[0; 8]));
    png_chunk(&mut png, b"IEND", &[]);
    png
}

/// `img` as an 8-bit palette PNG (colours quantised to 6×6×6 levels).
pub fn palette_png(img: &Img) -> Vec<u8> {
    let level = |v: u8| (v as u32 * 5 + 127) / 255;
    let mut palette = Vec::new();
    for r in 0..6u32 {
        for g in 0..6u32 {
            for b in 0..6u32 {
                palette.extend_from_slice(&[(r * 51) as u8, (g * 51) as u8, (b * 51) as u8]);
            }
        }
    }
    let mut raw = Vec::new();
    for y in 0..img.height {
        raw.push(0); // filter: none
        for x in 0..img.width {
            let p = img.px(x, y);
            raw.push((level(p[0]) * 36 + level(p[1]) * 6 + level(p[2])) as u8);
        }
    }
    let mut ihdr = img.width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&img.height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 3, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut png, b"IHDR", &ihdr);
    png_chunk(&mut png, b"PLTE", &palette);
    png_chunk(&mut png, b"IDAT", &zlib_stored(&raw));
    png_chunk(&mut png, b"IEND", &[]);
    png
}

pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// What a file in the hostile corpus should get.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Expect {
    /// Decoded and processed; `true` when the astronaut's face is in it and must be found.
    Processed { has_face: bool },
    /// Refused with one clear sentence.
    Refused,
    /// Damaged but partly readable: processed or refused, either is right.
    Either,
}

/// Unusual and hostile image files, built from real photos or byte by byte: each name, its bytes,
/// and what it should get.
pub fn hostile_corpus() -> Vec<(&'static str, Vec<u8>, Expect)> {
    use image::{DynamicImage, ImageFormat, RgbaImage};
    use std::io::Cursor;
    let portrait = load("astronaut.png").crop_resized(100, 0, 300, 300, 256, 256);
    let dynamic = DynamicImage::ImageRgba8(
        RgbaImage::from_raw(256, 256, portrait.rgba.clone()).expect("size"),
    );
    let encoded = |image: &DynamicImage, format: ImageFormat| {
        let mut bytes = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut bytes), format)
            .expect("encode test image");
        bytes
    };
    let jpeg = image_io::encode(
        &portrait.rgba,
        256,
        256,
        image_io::OutputFormat::Jpeg { quality: 85 },
    )
    .expect("jpeg");
    let png = encoded(&dynamic, ImageFormat::Png);
    let face = Expect::Processed { has_face: true };
    let plain = Expect::Processed { has_face: false };

    // CMYK and progressive JPEGs, as cameras and print workflows write them.
    let cmyk: Vec<u8> = portrait
        .rgba
        .chunks_exact(4)
        .flat_map(|p| {
            let k = 255 - p[0].max(p[1]).max(p[2]);
            let c = |v: u8| {
                if k == 255 {
                    0
                } else {
                    ((255 - v as u32 - k as u32) * 255 / (255 - k as u32)) as u8
                }
            };
            [c(p[0]), c(p[1]), c(p[2]), k]
        })
        .collect();
    let mut cmyk_jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut cmyk_jpeg, 90)
        .encode(&cmyk, 256, 256, jpeg_encoder::ColorType::Cmyk)
        .expect("cmyk");
    let mut progressive = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut progressive, 85);
    encoder.set_progressive(true);
    encoder
        .encode(&portrait.rgba, 256, 256, jpeg_encoder::ColorType::Rgba)
        .expect("progressive");

    // A JPEG whose frame header declares 65000×65000 pixels.
    let mut jpeg_bomb = jpeg.clone();
    if let Some(i) = jpeg_bomb.windows(2).position(|w| w == [0xFF, 0xC0]) {
        jpeg_bomb[i + 5..i + 9].copy_from_slice(&[0xFD, 0xE8, 0xFD, 0xE8]);
    }
    // A PNG whose pixel data is damaged (its chunk CRC no longer matches).
    let mut corrupt_png = png.clone();
    if let Some(i) = corrupt_png.windows(4).position(|w| w == b"IDAT") {
        for b in &mut corrupt_png[i + 20..i + 60] {
            *b ^= 0x5A;
        }
    }
    // An animated GIF: two frames.
    let mut gif = Vec::new();
    {
        let mut encoder = image::codecs::gif::GifEncoder::new(&mut gif);
        let frame = |img: RgbaImage| image::Frame::new(img);
        let dark = RgbaImage::from_pixel(256, 256, image::Rgba([20, 20, 20, 255]));
        encoder
            .encode_frames([frame(dynamic.to_rgba8()), frame(dark)])
            .expect("gif");
    }
    let sixteen = encoded(
        &DynamicImage::ImageRgb16(dynamic.to_rgb16()),
        ImageFormat::Png,
    );
    let thin = |w: u32, h: u32| {
        encoded(
            &DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
                w,
                h,
                image::Rgb([200, 180, 160]),
            )),
            ImageFormat::Png,
        )
    };
    let random: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761).rotate_left(7) >> 11) as u8)
        .collect();
    let mut bad_exif = jpeg[..2].to_vec();
    bad_exif.extend_from_slice(&[0xFF, 0xE1, 0x00, 0x20]);
    bad_exif.extend_from_slice(b"Exif\0\0MM\0\x2a\xff\xff\xff\xf0garbage-offsets-here");
    bad_exif.extend_from_slice(&jpeg[2..]);

    vec![
        ("empty.jpg", Vec::new(), Expect::Refused),
        (
            "truncated.jpg",
            jpeg[..jpeg.len() / 2].to_vec(),
            Expect::Either,
        ),
        (
            "header-only.jpg",
            jpeg[..120.min(jpeg.len())].to_vec(),
            Expect::Refused,
        ),
        ("random.jpg", random, Expect::Refused),
        (
            "text.jpg",
            b"This is a shopping list, not a photo.\nMilk\nBread\n".to_vec(),
            Expect::Refused,
        ),
        ("corrupt-chunk.png", corrupt_png, Expect::Either),
        (
            "bomb-30000.png",
            png_declaring(30000, 30000),
            Expect::Refused,
        ),
        ("bomb-65000.jpg", jpeg_bomb, Expect::Refused),
        ("bad-exif.jpg", bad_exif, face),
        ("cmyk.jpg", cmyk_jpeg, face),
        ("progressive.jpg", progressive, face),
        ("16-bit.png", sixteen, face),
        ("palette.png", palette_png(&portrait), face),
        ("animated.gif", gif, face),
        ("webp.webp", encoded(&dynamic, ImageFormat::WebP), face),
        (
            "bmp.bmp",
            encoded(
                &DynamicImage::ImageRgb8(dynamic.to_rgb8()),
                ImageFormat::Bmp,
            ),
            face,
        ),
        (
            "tiff.tiff",
            encoded(
                &DynamicImage::ImageRgb8(dynamic.to_rgb8()),
                ImageFormat::Tiff,
            ),
            face,
        ),
        ("one-pixel.png", thin(1, 1), plain),
        ("wide-12000x12.png", thin(12000, 12), plain),
        ("tall-12x12000.png", thin(12, 12000), plain),
        ("png-named.jpg", png, face),
        (
            "photo.heic",
            b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec(),
            Expect::Refused,
        ),
    ]
}

/// Face boxes (x, y, w, h) in a picture's pixels.
pub type Boxes = Vec<(f32, f32, f32, f32)>;

/// Faces in the six group photos (`groupN.jpg`, 1920 pixels wide), forehead to chin: proposed by
/// two detectors at half size and every box checked by eye on the full photo (23 faces, none
/// missed, none extra).
pub const GROUP_FACES: [&[(f32, f32, f32, f32)]; 6] = [
    &[
        (826.0, 430.0, 208.0, 245.0),
        (419.0, 353.0, 184.0, 250.0),
        (1464.0, 209.0, 217.0, 226.0),
    ],
    &[
        (1437.0, 156.0, 208.0, 235.0),
        (361.0, 122.0, 177.0, 308.0),
        (900.0, 232.0, 171.0, 229.0),
    ],
    &[
        (1489.0, 287.0, 204.0, 300.0),
        (591.0, 330.0, 201.0, 273.0),
        (1072.0, 201.0, 233.0, 310.0),
    ],
    &[
        (647.0, 57.0, 192.0, 243.0),
        (984.0, 175.0, 181.0, 244.0),
        (248.0, 195.0, 177.0, 245.0),
        (1266.0, 148.0, 174.0, 235.0),
    ],
    &[
        (368.0, 875.0, 204.0, 296.0),
        (1422.0, 397.0, 184.0, 279.0),
        (1106.0, 199.0, 176.0, 243.0),
        (601.0, 426.0, 165.0, 240.0),
        (780.0, 99.0, 166.0, 235.0),
    ],
    &[
        (1477.0, 256.0, 222.0, 305.0),
        (664.0, 320.0, 201.0, 322.0),
        (249.0, 479.0, 219.0, 279.0),
        (1169.0, 299.0, 205.0, 281.0),
    ],
];

/// An image shrunk by area averaging (as a phone or a website makes a thumbnail) to `1/factor`.
pub fn shrunk(img: &Img, factor: f32) -> Img {
    let (w, h) = (
        ((img.width as f32 / factor).round() as u32).max(1),
        ((img.height as f32 / factor).round() as u32).max(1),
    );
    Img {
        rgba: unseen::detect::resize_rgba(img.frame(), w, h),
        width: w,
        height: h,
    }
}

/// The group photos at full size and shrunk 2, 4, 8, 12 and 16 times (faces from about 250 down to
/// 13 pixels tall), and two crowd strips of them side by side (faces of about 12 to 25 pixels), with
/// their faces. Returns (name, picture, faces).
pub fn group_photos() -> Vec<(String, Img, Boxes)> {
    let photos: Vec<Img> = (1..=6).map(|i| load(&format!("group{i}.jpg"))).collect();
    let scaled =
        |faces: &[(f32, f32, f32, f32)], f: f32, dx: f32, dy: f32| -> Vec<(f32, f32, f32, f32)> {
            faces
                .iter()
                .map(|&(x, y, w, h)| (x / f + dx, y / f + dy, w / f, h / f))
                .collect()
        };
    let mut out = Vec::new();
    for (i, img) in photos.iter().enumerate() {
        for f in [1.0, 2.0, 4.0, 8.0, 12.0, 16.0] {
            let small = if f == 1.0 {
                img.clone()
            } else {
                shrunk(img, f)
            };
            out.push((
                format!("group{} 1/{f}", i + 1),
                small,
                scaled(GROUP_FACES[i], f, 0.0, 0.0),
            ));
        }
    }
    // Strips of crowd thumbnails: the six photos in a row on white, at 1/10 and at 1/15.
    for f in [10.0, 15.0] {
        let thumbs: Vec<Img> = photos.iter().map(|p| shrunk(p, f)).collect();
        let width = thumbs.iter().map(|t| t.width + 4).sum::<u32>();
        let height = thumbs.iter().map(|t| t.height).max().unwrap_or(1) + 8;
        let mut strip = Img::filled(width, height, [255, 255, 255]);
        let (mut x, mut faces) = (0u32, Vec::new());
        for (i, t) in thumbs.iter().enumerate() {
            strip.paste(t, x + 2, 4);
            faces.extend(scaled(GROUP_FACES[i], f, (x + 2) as f32, 4.0));
            x += t.width + 4;
        }
        out.push((format!("strip 1/{f}"), strip, faces));
    }
    out
}
