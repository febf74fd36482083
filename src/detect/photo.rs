//! Faces in photos, where they can be small, many and far from the camera. For now one pass of the
//! full-range model over the whole photo; tiling and scales come with the photo anonymiser.

use super::{DetectOptions, Detector, Face};
use crate::error::Result;
use crate::frame::Frame;

/// Faces in a photo, best first.
pub fn detect_photo(detector: &mut Detector, frame: Frame<'_>, options: DetectOptions) -> Result<Vec<Face>> {
    detector.detect(frame, options)
}
