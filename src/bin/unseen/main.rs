//! The `unseen` command line: a thin shell over the library. `main` only turns `run`'s result into an
//! exit status; every file's error is one line on stderr naming the file, and the other files go on.
//!
//! Exit status: 0 when every file was processed, 1 when any file failed, 2 for a usage error.

mod video;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use serde_json::json;

use unseen::detect::photo::PhotoDetector;
use unseen::image_io::{self, OutputFormat};
use unseen::redact::{self, DEFAULT_MASK_SCALE};
use unseen::{metadata, models, DetectOptions, Detector, Error, Face, Frame, RedactOptions};

#[derive(Parser)]
#[command(
    name = "unseen",
    version,
    about = "Find faces in photos and cover them, on your own machine."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the faces in each image as one JSON object per line.
    Detect {
        #[command(flatten)]
        detection: DetectionArgs,
        /// Image files (JPEG, PNG, WebP, GIF, BMP, TIFF).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print what each image carries besides its pixels (camera, date, place, software, blocks).
    Inspect {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write a copy of an image or a video (or of every image and video in a folder) with the faces
    /// covered and no metadata. Videos (MP4, MOV, WebM, MKV) need ffmpeg; their faces are tracked
    /// through the whole video, and the sound, frame count and timing are kept.
    Redact {
        #[command(flatten)]
        detection: DetectionArgs,
        /// How faces are covered. Blur and pixelate can be partly undone by recognition software;
        /// solid is the safe choice for anything you share.
        #[arg(long, value_enum, default_value_t = StyleArg::Solid)]
        style: StyleArg,
        /// The outline of each cover.
        #[arg(long, value_enum, default_value_t = ShapeArg::Ellipse)]
        shape: ShapeArg,
        /// Each side of the face box is multiplied by this (1 to 4) [default: 1.3 for images, 1.6
        /// for videos].
        #[arg(long)]
        mask_scale: Option<f32>,
        /// Leave the sound out of videos (voices identify people too).
        #[arg(long)]
        no_audio: bool,
        /// The image or video to read, or a folder of them.
        input: PathBuf,
        /// The file to write (.jpg or .png for an image; .mp4, .mov, .mkv or .webm for a video), or
        /// a folder when INPUT is a folder.
        output: PathBuf,
    },
}

#[derive(clap::Args)]
struct DetectionArgs {
    /// `live`: the short-range model over the whole image (close-ups, selfies);
    /// `photo`: the photo pipeline (RetinaFace and BlazeFace full-range), for groups, crowds and
    /// small faces.
    #[arg(long, value_enum, default_value_t = ModelArg::Photo)]
    model: ModelArg,
    /// Minimum face probability, 0 to 1 [default: 0.6 for live, 0.75 for photo].
    #[arg(long)]
    threshold: Option<f32>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ModelArg {
    Live,
    Photo,
}

#[derive(Clone, Copy, ValueEnum)]
enum StyleArg {
    Solid,
    Pixelate,
    Blur,
}

#[derive(Clone, Copy, ValueEnum)]
enum ShapeArg {
    Box,
    Ellipse,
}

/// A detector for one pipeline.
enum Pipeline {
    Live(Box<Detector>),
    Photo(Box<PhotoDetector>),
}

/// A detector for one pipeline, with its options.
struct Finder {
    pipeline: Pipeline,
    options: DetectOptions,
}

impl Finder {
    fn new(args: &DetectionArgs) -> Result<Self, Error> {
        let default = match args.model {
            ModelArg::Live => unseen::detect::DEFAULT_THRESHOLD,
            ModelArg::Photo => unseen::detect::photo::PHOTO_THRESHOLD,
        };
        let threshold = args.threshold.unwrap_or(default);
        let options = DetectOptions {
            threshold,
            ..DetectOptions::default()
        }
        .validated()?;
        let pipeline = match args.model {
            ModelArg::Live => Pipeline::Live(Box::new(Detector::new(models::SHORT_RANGE)?)),
            ModelArg::Photo => Pipeline::Photo(Box::new(PhotoDetector::new(
                models::FULL_RANGE,
                Some(models::RETINAFACE),
            )?)),
        };
        Ok(Finder { pipeline, options })
    }

    fn find(&mut self, frame: Frame<'_>) -> Result<Vec<Face>, Error> {
        match &mut self.pipeline {
            Pipeline::Live(detector) => detector.detect(frame, self.options),
            Pipeline::Photo(photo) => photo.detect(frame, self.options),
        }
    }
}

fn main() -> ExitCode {
    // A panic would be a bug; still, the user sees one line, never a backtrace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!(
            "unseen: internal error: {}",
            info.payload_as_str().unwrap_or("unexpected failure")
        );
    }));
    let cli = Cli::parse();
    match run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("unseen: {e}");
            ExitCode::from(2)
        }
    }
}

/// Runs a command; `Ok(false)` when some file failed (already reported).
fn run(cli: Cli) -> Result<bool, Error> {
    match cli.command {
        Command::Detect { detection, files } => detect_files(&detection, &files),
        Command::Inspect { files } => inspect_files(&files),
        Command::Redact {
            detection,
            style,
            shape,
            mask_scale,
            no_audio,
            input,
            output,
        } => {
            let cover = |mask_scale: f32| {
                RedactOptions {
                    style: match style {
                        StyleArg::Solid => redact::Style::Solid,
                        StyleArg::Pixelate => redact::Style::Pixelate,
                        StyleArg::Blur => redact::Style::Blur,
                    },
                    shape: match shape {
                        ShapeArg::Box => redact::Shape::Box,
                        ShapeArg::Ellipse => redact::Shape::Ellipse,
                    },
                    mask_scale,
                }
                .validated()
            };
            let options = cover(mask_scale.unwrap_or(DEFAULT_MASK_SCALE))?;
            let job = video::VideoJob {
                cover: cover(mask_scale.unwrap_or(unseen::video::VIDEO_MASK_SCALE))?,
                threshold: detection
                    .threshold
                    .unwrap_or(unseen::video::detect::VIDEO_THRESHOLD),
                audio: !no_audio,
            };
            redact_paths(&detection, options, job, &input, &output)
        }
    }
}

/// Run `f` on one file, reporting its error (or a panic) as one line naming the file.
fn each_file(path: &Path, f: impl FnOnce() -> Result<(), Error>) -> bool {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            eprintln!("unseen: {}: {e}", path.display());
            false
        }
        Err(_) => {
            eprintln!(
                "unseen: {}: this file could not be processed (internal error)",
                path.display()
            );
            false
        }
    }
}

fn read_image(path: &Path) -> Result<image_io::Decoded, Error> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::Io(std::io::Error::new(e.kind(), describe_io(&e))))?;
    image_io::decode(&bytes)
}

fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "this is a folder, not an image file".into(),
        _ => e.to_string(),
    }
}

fn detect_files(args: &DetectionArgs, files: &[PathBuf]) -> Result<bool, Error> {
    let mut finder = Finder::new(args)?;
    let mut all_ok = true;
    let stdout = std::io::stdout();
    for path in files {
        all_ok &= each_file(path, || {
            let img = read_image(path)?;
            let faces = finder.find(Frame::new(&img.rgba, img.width, img.height)?)?;
            let line = json!({
                "file": path.to_string_lossy(),
                "width": img.width,
                "height": img.height,
                "faces": faces.iter().map(face_json).collect::<Vec<_>>(),
            });
            writeln!(stdout.lock(), "{line}")?;
            Ok(())
        });
    }
    Ok(all_ok)
}

fn inspect_files(files: &[PathBuf]) -> Result<bool, Error> {
    let mut all_ok = true;
    let stdout = std::io::stdout();
    for path in files {
        all_ok &= each_file(path, || {
            let bytes = std::fs::read(path)
                .map_err(|e| Error::Io(std::io::Error::new(e.kind(), describe_io(&e))))?;
            let img = image_io::decode(&bytes)?;
            let s = img
                .exif
                .as_deref()
                .map(metadata::summarize_exif)
                .unwrap_or_default();
            let line = json!({
                "file": path.to_string_lossy(),
                "format": format!("{:?}", img.format).to_lowercase(),
                "width": img.width,
                "height": img.height,
                "blocks": metadata::blocks(&bytes),
                "make": s.make, "model": s.model, "software": s.software, "date": s.date,
                "gps": s.gps.map(|(lat, lon)| [lat, lon]),
            });
            writeln!(stdout.lock(), "{line}")?;
            Ok(())
        });
    }
    Ok(all_ok)
}

/// Two decimals are plenty for pixels and probabilities, and keep the output readable.
fn round(v: f32) -> f64 {
    (v as f64 * 100.0).round() / 100.0
}

fn face_json(f: &Face) -> serde_json::Value {
    json!({
        "x": round(f.rect.x),
        "y": round(f.rect.y),
        "w": round(f.rect.w),
        "h": round(f.rect.h),
        "score": (f.score as f64 * 10000.0).round() / 10000.0,
        "landmarks": f.landmarks.iter().map(|p| [round(p.x), round(p.y)]).collect::<Vec<_>>(),
    })
}

/// Image and video files a folder holds, by extension, sorted by name.
fn images_in(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    // Photo formats unseen cannot read are listed too, so each gets its sentence rather than being
    // skipped in silence (which would leave a photo unredacted without a word).
    const EXTENSIONS: [&str; 16] = [
        "jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff", "jfif", "heic", "heif", "avif",
        "svg", "jxl", "dng", "raw",
    ];
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
                || video::is_video(p)
        })
        .collect();
    files.sort();
    Ok(files)
}

fn redact_paths(
    args: &DetectionArgs,
    options: RedactOptions,
    job: video::VideoJob,
    input: &Path,
    output: &Path,
) -> Result<bool, Error> {
    let mut finder = Finder::new(args)?;
    if input.is_dir() {
        if output.exists() && !output.is_dir() {
            return Err(Error::invalid(format!(
                "{} is a file; give a folder to write into",
                output.display()
            )));
        }
        std::fs::create_dir_all(output)?;
        let mut all_ok = true;
        let files = images_in(input)?;
        let stem_of = |f: &Path| {
            f.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        for file in &files {
            let file = file.clone();
            let mut stem = stem_of(&file);
            // beach.jpg and beach.png in one folder must not overwrite each other's copy.
            if files.iter().filter(|f| stem_of(f) == stem).count() > 1 {
                let ext = file
                    .extension()
                    .map(|e| e.to_string_lossy().to_ascii_lowercase())
                    .unwrap_or_default();
                stem = format!("{stem}-{ext}");
            }
            if video::is_video(&file) {
                // WebM stays WebM (VP9 and Opus); every other video becomes MP4 (H.264).
                let webm = file
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("webm"));
                let ext = if webm { "webm" } else { "mp4" };
                let out = output.join(format!("{stem}-redacted.{ext}"));
                all_ok &= each_file(&file, || video::redact_video(&file, &out, job));
                continue;
            }
            // Keep the format of PNGs (lossless, maybe transparent); everything else becomes JPEG.
            let is_png = file
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("png"));
            let format = if is_png {
                OutputFormat::Png
            } else {
                OutputFormat::from_extension("jpg")?
            };
            let out = output.join(format!("{stem}-redacted.{}", format.extension()));
            all_ok &= each_file(&file, || {
                redact_file(&mut finder, options, &file, &out, format)
            });
        }
        Ok(all_ok)
    } else if video::is_video(input) {
        if !video::is_video(output) {
            return Err(Error::invalid(format!(
                "{} is not named like a video; name it .mp4, .mov, .mkv or .webm",
                output.display()
            )));
        }
        Ok(each_file(input, || video::redact_video(input, output, job)))
    } else {
        let ext = output.extension().and_then(|e| e.to_str()).unwrap_or("");
        let format = OutputFormat::from_extension(ext)?;
        Ok(each_file(input, || {
            redact_file(&mut finder, options, input, output, format)
        }))
    }
}

fn redact_file(
    finder: &mut Finder,
    options: RedactOptions,
    input: &Path,
    output: &Path,
    format: OutputFormat,
) -> Result<(), Error> {
    let mut img = read_image(input)?;
    let faces = finder.find(Frame::new(&img.rgba, img.width, img.height)?)?;
    let boxes: Vec<_> = faces.iter().map(|f| f.rect).collect();
    redact::cover_faces(&mut img.rgba, img.width, img.height, &boxes, options)?;
    let bytes = image_io::encode(&img.rgba, img.width, img.height, format)?;
    let io_error = |e: std::io::Error| {
        Error::Io(std::io::Error::new(
            e.kind(),
            format!("{}: {}", output.display(), describe_io(&e)),
        ))
    };
    std::fs::write(output, bytes).map_err(io_error)?;
    // Verified, not assumed: read back what was written and look for any metadata block.
    let written = std::fs::read(output).map_err(io_error)?;
    let left = metadata::blocks(&written);
    if !left.is_empty() {
        let _ = std::fs::remove_file(output);
        return Err(Error::Encode(format!(
            "the saved file still carried {}; it was deleted",
            left.join(", ")
        )));
    }
    Ok(())
}
