//! `unseen`: find faces in pictures and cover them, on the user's own device.
//!
//! One pure core, compiled natively (the `unseen` CLI) and to WebAssembly (the site):
//! - [`image_io`]: untrusted bytes to upright pixels, and pixels to clean files;
//! - [`engine`]: our own inference engine for small vision networks (ONNX reader, planner, runner,
//!   SIMD kernels), knowing operators, never models;
//! - [`detect`]: pixels to faces (BlazeFace, decoded as MediaPipe does);
//! - [`faceprint`]: a face to the 128 numbers a recognition camera compares (watchlist page only);
//! - [`metadata`]: what a file carries besides pixels (shown before export, checked after);
//! - [`redact`]: faces to covered pixels;
//! - [`track`]: faces over time, so a face missed for a moment stays covered;
//! - [`live`]: one camera frame through detect, track and cover;
//! - [`video`]: a video file in two passes, detect then cover, with tracks that look both ways;
//! - [`geometry`], [`frame`], [`error`]: the types they share.
//!
//! `wasm/` is the only module that speaks wasm-bindgen; `bin/unseen/` is the CLI.

pub mod detect;
pub mod engine;
pub mod error;
pub mod faceprint;
pub mod frame;
pub mod geometry;
pub mod image_io;
pub mod live;
pub mod metadata;
#[cfg(not(target_arch = "wasm32"))]
pub mod models;
pub mod redact;
pub mod track;
pub mod video;
#[cfg(target_arch = "wasm32")]
mod wasm;

pub use detect::{DetectOptions, Detector, Face};
pub use error::{Error, Result};
pub use frame::Frame;
pub use geometry::{Letterbox, Point, Rect};
pub use redact::{cover_faces, RedactOptions, Shape, Style};
