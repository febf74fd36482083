//! Two things in an MP4's index (the `moov` box) that the tools writing the file do not do as a
//! redacted copy needs (ISO/IEC 14496-12 §8.2.2, §8.3.2, §8.4.2):
//! - the video track's display rotation (the matrix in its `tkhd` box), which a phone sets when it
//!   stores an upright video sideways and ffmpeg 5.1 cannot be told to write: [`rotation_at`]
//!   finds where it lies, [`matrix`] is what to write there, as ffmpeg's own writer does;
//! - the creation and modification times of the file and each track (`mvhd`, `tkhd`, `mdhd`), which
//!   the page's MP4 writer sets to the time of saving: [`clear_times`] sets them to 0 (unknown),
//!   [`times`] reads them back.

use super::Rotation;

/// Box header: size and type, and the body's range within `data`, for each box in `data`.
fn boxes(data: &[u8]) -> impl Iterator<Item = ([u8; 4], std::ops::Range<usize>)> + '_ {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        let header = data.get(at..at + 8)?;
        let size = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind = [header[4], header[5], header[6], header[7]];
        let (body, end) = match size {
            1 => {
                let large = data.get(at + 8..at + 16)?;
                let size = u64::from_be_bytes(large.try_into().ok()?) as usize;
                (at + 16, at.checked_add(size)?)
            }
            0 => (at + 8, data.len()),
            s if s >= 8 => (at + 8, at.checked_add(s)?),
            _ => return None,
        };
        if end > data.len() || body > end {
            return None;
        }
        at = end;
        Some((kind, body..end))
    })
}

fn child<'a>(data: &'a [u8], kind: &[u8; 4]) -> Option<(usize, &'a [u8])> {
    boxes(data)
        .find(|(k, _)| k == kind)
        .map(|(_, r)| (r.start, &data[r]))
}

/// Where the video track's 36-byte matrix lies in `moov` (the box's body), if it has one.
pub fn rotation_at(moov: &[u8]) -> Option<usize> {
    for (kind, range) in boxes(moov) {
        if &kind != b"trak" {
            continue;
        }
        let trak = &moov[range.clone()];
        let (_, mdia) = child(trak, b"mdia")?;
        let (_, hdlr) = child(mdia, b"hdlr")?;
        // version and flags (4), pre_defined (4), handler_type (4)
        if hdlr.get(8..12) != Some(b"vide") {
            continue;
        }
        let (tkhd_at, tkhd) = child(trak, b"tkhd")?;
        // version 0: 4 + 20 bytes of times and ids; version 1: 4 + 32; then 8 reserved, layer,
        // alternate group, volume and 2 reserved (16 in all).
        let before = match tkhd.first()? {
            0 => 4 + 20 + 16,
            1 => 4 + 32 + 16,
            _ => return None,
        };
        if tkhd.len() < before + 36 {
            return None;
        }
        return Some(range.start + tkhd_at + before);
    }
    None
}

/// Every creation and modification time in `moov` (the box's body): the file's, then each
/// track's header and media header's, as their byte ranges.
fn time_fields(moov: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut header = |base: usize, body: &[u8]| {
        let width = match body.first() {
            Some(0) => 4,
            Some(1) => 8,
            _ => return,
        };
        if body.len() >= 4 + 2 * width {
            out.push(base + 4..base + 4 + width);
            out.push(base + 4 + width..base + 4 + 2 * width);
        }
    };
    for (kind, range) in boxes(moov) {
        match &kind {
            b"mvhd" => header(range.start, &moov[range.clone()]),
            b"trak" => {
                let trak = &moov[range.clone()];
                if let Some((at, tkhd)) = child(trak, b"tkhd") {
                    header(range.start + at, tkhd);
                }
                if let Some((at, mdia)) = child(trak, b"mdia") {
                    if let Some((at2, mdhd)) = child(mdia, b"mdhd") {
                        header(range.start + at + at2, mdhd);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Set every creation and modification time in `moov` (the box's body) to 0; returns how many.
pub fn clear_times(moov: &mut [u8]) -> usize {
    let fields = time_fields(moov);
    for r in &fields {
        moov[r.clone()].fill(0);
    }
    fields.len()
}

/// Every creation and modification time in `moov` (the box's body), in seconds since 1904.
pub fn times(moov: &[u8]) -> Vec<u64> {
    time_fields(moov)
        .into_iter()
        .map(|r| moov[r].iter().fold(0u64, |v, &b| v << 8 | b as u64))
        .collect()
}

/// The display matrix for `rotation` of a stored `width`×`height` frame, big-endian.
pub fn matrix(rotation: Rotation, width: u32, height: u32) -> [u8; 36] {
    let one = 1i32 << 16;
    let (a, b, c, d, tx, ty) = match rotation.degrees() {
        90 => (0, one, -one, 0, height as i32, 0),
        180 => (-one, 0, 0, -one, width as i32, height as i32),
        270 => (0, -one, one, 0, 0, width as i32),
        _ => (one, 0, 0, one, 0, 0),
    };
    let values = [
        a,
        b,
        0,
        c,
        d,
        0,
        tx.wrapping_shl(16),
        ty.wrapping_shl(16),
        1 << 30,
    ];
    let mut out = [0u8; 36];
    for (o, v) in out.chunks_exact_mut(4).zip(values) {
        o.copy_from_slice(&v.to_be_bytes());
    }
    out
}

/// Where the top-level `moov` box's body starts and ends in a file whose top-level box headers
/// are read by `header(offset) -> Option<[u8; 16]>` and which is `len` bytes long.
pub fn find_moov(len: u64, mut header: impl FnMut(u64) -> Option<[u8; 16]>) -> Option<(u64, u64)> {
    let mut at = 0u64;
    while at + 8 <= len {
        let h = header(at)?;
        let size = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as u64;
        let (body, size) = match size {
            1 => (at + 16, u64::from_be_bytes(h[8..16].try_into().ok()?)),
            0 => (at + 8, len - at),
            s => (at + 8, s),
        };
        if size < 8 || at.checked_add(size)? > len {
            return None;
        }
        if &h[4..8] == b"moov" {
            return Some((body, at + size));
        }
        at += size;
    }
    None
}

/// Write `rotation` into the MP4 file at `path` (its frames stored `width`×`height`), in place.
/// Fails if the file has no video track with a matrix.
#[cfg(not(target_arch = "wasm32"))]
pub fn write_rotation(
    path: &std::path::Path,
    rotation: Rotation,
    width: u32,
    height: u32,
) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom, Write};
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)?;
    let len = file.metadata()?.len();
    let mut header = |at: u64| {
        let mut h = [0u8; 16];
        file.seek(SeekFrom::Start(at)).ok()?;
        let n = file.read(&mut h).ok()?;
        (n >= 8).then_some(h)
    };
    let missing = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the MP4 file has no video track to mark as rotated",
        )
    };
    let (start, end) = find_moov(len, &mut header).ok_or_else(missing)?;
    // The moov box holds only the index; a limit keeps a damaged size from allocating gigabytes.
    if end - start > 256 << 20 {
        return Err(missing());
    }
    let mut moov = vec![0u8; (end - start) as usize];
    file.seek(SeekFrom::Start(start))?;
    file.read_exact(&mut moov)?;
    let at = rotation_at(&moov).ok_or_else(missing)?;
    file.seek(SeekFrom::Start(start + at as u64))?;
    file.write_all(&matrix(rotation, width, height))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut v = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn times_are_found_in_the_file_track_and_media_headers_and_cleared() {
        let mut mvhd = vec![0u8; 100];
        mvhd[4..8].copy_from_slice(&3_800_000_000u32.to_be_bytes());
        let mut tkhd = vec![1u8; 4 + 32 + 16 + 36 + 8];
        tkhd[0] = 1; // version 1: 64-bit times
        let mdhd = {
            let mut v = vec![0u8; 24];
            v[8..12].copy_from_slice(&7u32.to_be_bytes());
            v
        };
        let mut trak = make_box(b"tkhd", &tkhd);
        trak.extend(make_box(b"mdia", &make_box(b"mdhd", &mdhd)));
        let mut moov = make_box(b"mvhd", &mvhd);
        moov.extend(make_box(b"trak", &trak));
        let found = times(&moov);
        assert_eq!(found.len(), 6);
        assert_eq!(found[0], 3_800_000_000);
        assert_eq!(found[5], 7);
        assert_eq!(clear_times(&mut moov), 6);
        assert!(times(&moov).iter().all(|&t| t == 0));
    }

    #[test]
    fn the_video_tracks_matrix_is_found_and_the_sound_tracks_is_not() {
        let track = |handler: &[u8; 4]| {
            let mut hdlr = vec![0u8; 8];
            hdlr.extend_from_slice(handler);
            hdlr.extend_from_slice(&[0; 12]);
            let mdia = make_box(b"mdia", &make_box(b"hdlr", &hdlr));
            let mut tkhd = vec![0u8; 4 + 20 + 16];
            tkhd.extend_from_slice(&matrix(Rotation::default(), 0, 0));
            tkhd.extend_from_slice(&[0; 8]);
            let mut trak = make_box(b"tkhd", &tkhd);
            trak.extend(mdia);
            make_box(b"trak", &trak)
        };
        let mut moov = make_box(b"mvhd", &[0; 100]);
        moov.extend(track(b"soun"));
        let video_at = moov.len();
        moov.extend(track(b"vide"));
        let at = rotation_at(&moov).expect("video track");
        assert_eq!(at, video_at + 8 + 8 + 40);
        assert_eq!(&moov[at..at + 36], &matrix(Rotation::default(), 0, 0));
        assert_eq!(rotation_at(&moov[..video_at]), None);
        assert_eq!(rotation_at(b"\x00\x00\x00\x04junk"), None);
    }
}
