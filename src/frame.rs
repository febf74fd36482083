//! A borrowed RGBA frame whose size has been checked against its buffer. Every entry point that takes
//! raw pixels (wasm, CLI, tests) builds one of these first, so nothing further down can index out of
//! bounds or be fooled by a width × height that does not match the bytes.

use crate::error::{Error, Result};

/// The largest side of any frame or image, in pixels.
pub const MAX_SIDE: u32 = 1 << 15;

/// Check that `len` bytes hold exactly `width`×`height` RGBA pixels.
pub fn check_rgba(len: usize, width: u32, height: u32) -> Result<()> {
    if width == 0 || height == 0 {
        return Err(Error::invalid(format!(
            "a frame of {width}×{height} pixels has nothing in it"
        )));
    }
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(Error::invalid(format!(
            "a frame of {width}×{height} pixels is larger than the {MAX_SIDE}-pixel side unseen accepts"
        )));
    }
    let expected = width as u64 * height as u64 * 4;
    if len as u64 != expected {
        return Err(Error::invalid(format!(
            "the pixel buffer holds {len} bytes, but {width}×{height} RGBA pixels need {expected}"
        )));
    }
    Ok(())
}

/// Read-only RGBA pixels with a checked size.
#[derive(Clone, Copy)]
pub struct Frame<'a> {
    data: &'a [u8],
    width: u32,
    height: u32,
}

impl<'a> Frame<'a> {
    pub fn new(data: &'a [u8], width: u32, height: u32) -> Result<Self> {
        check_rgba(data.len(), width, height)?;
        Ok(Frame {
            data,
            width,
            height,
        })
    }
    pub fn width(&self) -> u32 {
        self.width
    }
    pub fn height(&self) -> u32 {
        self.height
    }
    pub fn data(&self) -> &'a [u8] {
        self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_matching_buffers_only() {
        assert!(Frame::new(&[0; 16], 2, 2).is_ok());
        assert!(Frame::new(&[0; 15], 2, 2).is_err());
        assert!(Frame::new(&[], 0, 0).is_err());
        assert!(Frame::new(&[0; 4], 1, 1).is_ok());
        assert!(check_rgba(usize::MAX, u32::MAX, u32::MAX).is_err());
    }
}
