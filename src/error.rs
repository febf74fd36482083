//! One error type for the whole crate, sorted by who is at fault: the input (a file or frame we were
//! given), the caller (arguments that break the API's contract), the model, or the machine (I/O).
//! Every message is one sentence a person can act on; callers print it as it is.

use std::fmt;

/// Everything that can go wrong in `unseen`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    // --- The input is at fault -------------------------------------------------------------------
    /// The bytes are a format we recognise but do not read (HEIC, AVIF, SVG, ...).
    #[error("this is {format}, which unseen cannot read; convert it to JPEG or PNG first")]
    UnsupportedFormat { format: String },

    /// A format the command-line tool reads but the site does not (TIFF: its decoder would add a
    /// sixth to the page's download).
    #[error("this page does not read {format} files; convert it to JPEG or PNG first, or use the unseen command-line tool, which does")]
    NotReadHere { format: String },

    /// The bytes are not an image in any format we know.
    #[cfg_attr(
        not(target_arch = "wasm32"),
        error("this is not an image unseen can read (supported: JPEG, PNG, WebP, GIF, BMP, TIFF)")
    )]
    #[cfg_attr(
        target_arch = "wasm32",
        error("this is not an image unseen can read here (supported: JPEG, PNG, WebP, GIF, BMP)")
    )]
    UnknownFormat,

    /// The file is empty.
    #[error("the file is empty")]
    Empty,

    /// The image is damaged or truncated.
    #[error("the image is damaged or incomplete ({0})")]
    Corrupt(String),

    /// The image declares more pixels than we agree to hold in memory.
    #[error(
        "the image is {width}×{height} pixels, more than the {limit} megapixels unseen accepts"
    )]
    TooLarge { width: u64, height: u64, limit: u64 },

    /// Decoding the image would need more memory than we allow.
    #[error("the image is too large to open safely (unseen accepts up to {limit} megapixels)")]
    TooLargeToDecode { limit: u64 },

    // --- The caller is at fault -----------------------------------------------------------------
    /// An argument breaks the API contract (wrong buffer length, NaN option, ...).
    #[error("{0}")]
    InvalidArgument(String),

    // --- The model is at fault ------------------------------------------------------------------
    /// The model file could not be loaded or run.
    #[error("the face-detection model could not be used: {0}")]
    Model(String),

    /// The faceprint network (the watchlist page's and the faceprint example's) could not be loaded.
    #[error("the faceprint network could not be used: {0}")]
    FaceprintModel(String),

    // --- The machine is at fault ----------------------------------------------------------------
    /// Reading or writing a file failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),

    /// Encoding the output image failed.
    #[error("the image could not be encoded: {0}")]
    Encode(String),
}

impl Error {
    /// Shorthand for [`Error::InvalidArgument`].
    pub fn invalid(msg: impl fmt::Display) -> Self {
        Error::InvalidArgument(msg.to_string())
    }
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;
