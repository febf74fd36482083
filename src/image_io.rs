//! Untrusted bytes to upright RGBA pixels, and pixels back to a clean file. Decoding goes through
//! `image`'s `Limits` and a pixel-count check before anything large is allocated; EXIF orientation is
//! applied so faces are upright; encoding writes pixels only, never metadata.

use std::io::Cursor;

use image::codecs::png::PngEncoder;
use image::{
    DynamicImage, ExtendedColorType, ImageDecoder, ImageEncoder, ImageError, ImageFormat,
    ImageReader, Limits,
};

use crate::error::{Error, Result};
use crate::frame::{check_rgba, MAX_SIDE};

/// The most pixels an image may declare: room for 50-megapixel phone photos, refusing bombs.
pub const MAX_MEGAPIXELS: u64 = 64;
/// The most memory a decoder may allocate for one image.
pub const MAX_DECODE_BYTES: u64 = 640 * 1024 * 1024;
/// JPEG quality of exported files.
pub const DEFAULT_JPEG_QUALITY: u8 = 92;

/// An image decoded and turned upright.
pub struct Decoded {
    /// RGBA pixels, 4 bytes each, rows top to bottom.
    pub rgba: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// The container format the bytes were in.
    pub format: ImageFormat,
    /// The raw EXIF block the file carried, if any (to show the user what export removes).
    pub exif: Option<Vec<u8>>,
}

/// Formats a file can be saved as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Jpeg { quality: u8 },
    Png,
}

impl OutputFormat {
    /// The format a path's extension asks for.
    pub fn from_extension(ext: &str) -> Result<Self> {
        match ext.to_ascii_lowercase().as_str() {
            "jpg" | "jpeg" => Ok(OutputFormat::Jpeg { quality: DEFAULT_JPEG_QUALITY }),
            "png" => Ok(OutputFormat::Png),
            other => Err(Error::invalid(format!(
                "unseen saves .jpg and .png files, not '.{other}'; name the output file with one of those"
            ))),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Jpeg { .. } => "jpg",
            OutputFormat::Png => "png",
        }
    }
}

/// Formats that look like images but that we do not read, recognised by their first bytes, so that
/// the user hears what the file is rather than "unknown format".
fn unsupported_by_signature(bytes: &[u8]) -> Option<&'static str> {
    let head = &bytes[..bytes.len().min(512)];
    let brand = |brands: &[&[u8; 4]]| {
        head.len() >= 12 && &head[4..8] == b"ftyp" && brands.iter().any(|b| b[..] == head[8..12])
    };
    if brand(&[
        b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1",
    ]) {
        return Some("a HEIC/HEIF photo (the iPhone default)");
    }
    if brand(&[b"avif", b"avis"]) {
        return Some("an AVIF image");
    }
    if head.starts_with(b"%PDF") {
        return Some("a PDF document");
    }
    if head.starts_with(&[0xFF, 0x0A]) || head.starts_with(b"\0\0\0\x0CJXL ") {
        return Some("a JPEG XL image");
    }
    if head.starts_with(b"8BPS") {
        return Some("a Photoshop document");
    }
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    if text.contains("<svg") {
        return Some("an SVG drawing");
    }
    None
}

/// Decode untrusted bytes into upright RGBA pixels.
pub fn decode(bytes: &[u8]) -> Result<Decoded> {
    if bytes.is_empty() {
        return Err(Error::Empty);
    }
    if let Some(format) = unsupported_by_signature(bytes) {
        return Err(Error::UnsupportedFormat {
            format: format.into(),
        });
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(Error::Io)?;
    let format = reader.format().ok_or(Error::UnknownFormat)?;
    if format == ImageFormat::Tiff && !format.reading_enabled() {
        return Err(Error::NotReadHere {
            format: "TIFF".into(),
        });
    }
    if !format.reading_enabled() {
        return Err(Error::UnsupportedFormat {
            format: format!("a {format:?} image"),
        });
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(from_image_error)?;
    let (width, height) = decoder.dimensions();
    check_pixel_count(width, height)?;
    // A malformed EXIF block must not cost the user their photo: fall back to no rotation.
    let exif = decoder.exif_metadata().ok().flatten();
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(from_image_error)?;
    image.apply_orientation(orientation);
    let rgba = image.into_rgba8();
    let (width, height) = rgba.dimensions();
    Ok(Decoded {
        rgba: rgba.into_raw(),
        width,
        height,
        format,
        exif,
    })
}

fn check_pixel_count(width: u32, height: u32) -> Result<()> {
    if width as u64 * height as u64 > MAX_MEGAPIXELS * 1_000_000
        || width > MAX_SIDE
        || height > MAX_SIDE
    {
        return Err(Error::TooLarge {
            width: width as u64,
            height: height as u64,
            limit: MAX_MEGAPIXELS,
        });
    }
    if width == 0 || height == 0 {
        return Err(Error::Corrupt(format!(
            "it declares a size of {width}×{height} pixels"
        )));
    }
    Ok(())
}

fn from_image_error(e: ImageError) -> Error {
    match e {
        ImageError::Limits(_) => Error::TooLargeToDecode {
            limit: MAX_MEGAPIXELS,
        },
        ImageError::Unsupported(u) => Error::UnsupportedFormat {
            format: format!("an image with {u}"),
        },
        ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            Error::Corrupt("the file ends too early".into())
        }
        other => Error::Corrupt(first_sentence(&other.to_string())),
    }
}

/// Decoder messages can run long; keep the first clause, lower-case, no trailing full stop.
fn first_sentence(s: &str) -> String {
    let line = s.lines().next().unwrap_or("").trim().trim_end_matches('.');
    line.chars().take(160).collect()
}

/// The EXIF block of an image file, read from its headers without decoding the pixels (None when
/// there is none or the file cannot be read).
pub fn read_exif(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut decoder = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?
        .into_decoder()
        .ok()?;
    decoder.exif_metadata().ok().flatten()
}

/// Encode RGBA pixels into a file with no metadata at all: no EXIF, GPS, XMP, IPTC, ICC or comments.
pub fn encode(rgba: &[u8], width: u32, height: u32, format: OutputFormat) -> Result<Vec<u8>> {
    check_rgba(rgba.len(), width, height)?;
    let mut out = Vec::new();
    match format {
        OutputFormat::Jpeg { quality } => {
            // JPEG has no alpha: the encoder drops it (covers are opaque, photos nearly always are).
            // `jpeg-encoder` takes RGBA as it is and runs in half the time of `image`'s encoder
            // (12 megapixels: 125 ms against 230 ms natively). It writes a JFIF header and pixels,
            // no metadata.
            let (w, h) = match (u16::try_from(width), u16::try_from(height)) {
                (Ok(w), Ok(h)) => (w, h),
                _ => {
                    return Err(Error::Encode(
                        "a JPEG can be at most 65535 pixels a side".into(),
                    ))
                }
            };
            jpeg_encoder::Encoder::new(&mut out, quality.clamp(1, 100))
                .encode(rgba, w, h, jpeg_encoder::ColorType::Rgba)
                .map_err(|e| Error::Encode(e.to_string()))?;
        }
        OutputFormat::Png => {
            PngEncoder::new(&mut out)
                .write_image(rgba, width, height, ExtendedColorType::Rgba8)
                .map_err(|e| Error::Encode(e.to_string()))?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_formats_are_named() {
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
        assert!(
            matches!(decode(heic), Err(Error::UnsupportedFormat { format }) if format.contains("HEIC"))
        );
        let svg = b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>";
        assert!(
            matches!(decode(svg), Err(Error::UnsupportedFormat { format }) if format.contains("SVG"))
        );
        assert!(matches!(decode(b""), Err(Error::Empty)));
        assert!(matches!(
            decode(b"hello, this is text"),
            Err(Error::UnknownFormat)
        ));
    }

    #[test]
    fn encode_round_trips_png_pixels() {
        let px: Vec<u8> = (0..4 * 3 * 2).map(|i| (i * 10) as u8).collect();
        let png = encode(&px, 3, 2, OutputFormat::Png).unwrap();
        let back = decode(&png).unwrap();
        assert_eq!((back.width, back.height), (3, 2));
        assert_eq!(back.rgba, px);
        assert!(back.exif.is_none());
    }

    #[test]
    fn output_format_from_extension() {
        assert_eq!(
            OutputFormat::from_extension("JPG").unwrap().extension(),
            "jpg"
        );
        assert_eq!(
            OutputFormat::from_extension("png").unwrap(),
            OutputFormat::Png
        );
        assert!(OutputFormat::from_extension("gif").is_err());
    }
}
