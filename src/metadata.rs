//! What a photo file carries besides its pixels, so people see what export removes, and so that an
//! exported file can be re-read and shown to carry nothing. Reads only; every offset in the untrusted
//! bytes is bounds-checked, and anything malformed is simply not reported.

/// Metadata blocks a JPEG or PNG file carries, by name ("EXIF", "XMP", "IPTC", "ICC", "comment",
/// PNG's "tEXt", ...). Empty for a clean file.
pub fn blocks(bytes: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    if bytes.starts_with(&[0xFF, 0xD8]) {
        let mut i = 2;
        while i + 4 <= bytes.len() && bytes[i] == 0xFF {
            let marker = bytes[i + 1];
            if marker == 0xDA || marker == 0xD9 {
                break; // start of scan: the headers are over
            }
            let len = u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
            let start = (i + 4).min(bytes.len());
            let body = &bytes[start..(i + 2 + len).clamp(start, bytes.len())];
            match marker {
                0xE1 if body.starts_with(b"Exif") => found.push("EXIF".into()),
                0xE1 => found.push("XMP".into()),
                0xED => found.push("IPTC".into()),
                0xE2 => found.push("ICC".into()),
                0xFE => found.push("comment".into()),
                0xE3..=0xEF => found.push(format!("APP{}", marker - 0xE0)),
                _ => {}
            }
            if len < 2 {
                break;
            }
            i += 2 + len;
        }
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        let mut i = 8;
        while i + 8 <= bytes.len() {
            let len =
                u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]) as usize;
            let kind = String::from_utf8_lossy(&bytes[i + 4..i + 8]).into_owned();
            if ["eXIf", "tEXt", "iTXt", "zTXt", "iCCP", "tIME"].contains(&kind.as_str()) {
                found.push(kind);
            }
            i = i.saturating_add(12).saturating_add(len);
        }
    }
    found
}

/// The facts in an EXIF block that say most about a person: camera, time, place, software.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ExifSummary {
    pub make: Option<String>,
    pub model: Option<String>,
    pub software: Option<String>,
    /// When the photo was taken (or last changed), as the camera wrote it.
    pub date: Option<String>,
    /// Latitude and longitude in degrees (south and west negative).
    pub gps: Option<(f64, f64)>,
}

/// Read an EXIF block (as `image` returns it: the TIFF structure, with or without an "Exif\0\0" head).
pub fn summarize_exif(exif: &[u8]) -> ExifSummary {
    let tiff = exif.strip_prefix(b"Exif\0\0").unwrap_or(exif);
    let Some(t) = Tiff::new(tiff) else {
        return ExifSummary::default();
    };
    let mut s = ExifSummary::default();
    let Some(ifd0) = t.u32(4) else { return s };
    let mut exif_ifd = None;
    let mut gps_ifd = None;
    for (tag, typ, count, at) in t.entries(ifd0) {
        match tag {
            0x010F => s.make = t.ascii(typ, count, at),
            0x0110 => s.model = t.ascii(typ, count, at),
            0x0131 => s.software = t.ascii(typ, count, at),
            0x0132 => s.date = t.ascii(typ, count, at),
            0x8769 => exif_ifd = t.u32(at),
            0x8825 => gps_ifd = t.u32(at),
            _ => {}
        }
    }
    if let Some(ifd) = exif_ifd {
        for (tag, typ, count, at) in t.entries(ifd) {
            if tag == 0x9003 {
                s.date = t.ascii(typ, count, at).or(s.date.take());
            }
        }
    }
    if let Some(ifd) = gps_ifd {
        let (mut lat, mut lon, mut lat_ref, mut lon_ref) = (None, None, None, None);
        for (tag, typ, count, at) in t.entries(ifd) {
            match tag {
                0x0001 => lat_ref = t.ascii(typ, count, at),
                0x0002 => lat = t.degrees(typ, count, at),
                0x0003 => lon_ref = t.ascii(typ, count, at),
                0x0004 => lon = t.degrees(typ, count, at),
                _ => {}
            }
        }
        if let (Some(lat), Some(lon)) = (lat, lon) {
            let sign =
                |r: &Option<String>, neg: &str| if r.as_deref() == Some(neg) { -1.0 } else { 1.0 };
            s.gps = Some((lat * sign(&lat_ref, "S"), lon * sign(&lon_ref, "W")));
        }
    }
    s
}

/// A TIFF structure in either byte order.
struct Tiff<'a> {
    b: &'a [u8],
    big: bool,
}

/// At most this many entries are read from one directory.
const MAX_ENTRIES: usize = 512;

impl<'a> Tiff<'a> {
    fn new(b: &'a [u8]) -> Option<Self> {
        match b.get(..4)? {
            b"MM\0\x2a" => Some(Tiff { b, big: true }),
            b"II\x2a\0" => Some(Tiff { b, big: false }),
            _ => None,
        }
    }
    fn u16(&self, at: usize) -> Option<u16> {
        let v: [u8; 2] = self.b.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.big {
            u16::from_be_bytes(v)
        } else {
            u16::from_le_bytes(v)
        })
    }
    fn u32(&self, at: usize) -> Option<usize> {
        let v: [u8; 4] = self.b.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.big {
            u32::from_be_bytes(v)
        } else {
            u32::from_le_bytes(v)
        } as usize)
    }
    /// (tag, type, count, offset of the value field) of each entry of the directory at `at`.
    fn entries(&self, at: usize) -> impl Iterator<Item = (u16, u16, usize, usize)> + '_ {
        let n = self.u16(at).unwrap_or(0) as usize;
        (0..n.min(MAX_ENTRIES)).map_while(move |i| {
            let e = at.checked_add(2 + 12 * i)?;
            Some((self.u16(e)?, self.u16(e + 2)?, self.u32(e + 4)?, e + 8))
        })
    }
    /// Where a value of `size` bytes lives: in the entry itself when it fits in 4 bytes.
    fn value_at(&self, size: usize, at: usize) -> Option<usize> {
        if size <= 4 {
            Some(at)
        } else {
            self.u32(at)
        }
    }
    fn ascii(&self, typ: u16, count: usize, at: usize) -> Option<String> {
        if typ != 2 || count == 0 || count > 1024 {
            return None;
        }
        let start = self.value_at(count, at)?;
        let raw = self.b.get(start..start.checked_add(count)?)?;
        let text: String = String::from_utf8_lossy(raw)
            .trim_end_matches('\0')
            .trim()
            .to_string();
        (!text.is_empty()).then_some(text)
    }
    /// Three rationals (degrees, minutes, seconds) as decimal degrees.
    fn degrees(&self, typ: u16, count: usize, at: usize) -> Option<f64> {
        if typ != 5 || count != 3 {
            return None;
        }
        let start = self.value_at(24, at)?;
        let part = |i: usize| {
            let (n, d) = (
                self.u32(start + 8 * i)? as f64,
                self.u32(start + 8 * i + 4)? as f64,
            );
            (d != 0.0).then_some(n / d)
        };
        let v = part(0)? + part(1)? / 60.0 + part(2)? / 3600.0;
        v.is_finite().then_some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_not_metadata() {
        assert!(blocks(b"").is_empty());
        assert!(blocks(&[0xFF, 0xD8, 0xFF, 0xE1, 0x00]).is_empty());
        assert!(blocks(&[0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x00, 0xFF]).len() <= 1);
        assert_eq!(
            summarize_exif(b"MM\0\x2a\xFF\xFF\xFF\xFF"),
            ExifSummary::default()
        );
        assert_eq!(
            summarize_exif(b"II\x2a\0\x08\0\0\0\xFF\xFF"),
            ExifSummary::default()
        );
        assert_eq!(summarize_exif(b""), ExifSummary::default());
    }
}
