//! `unseen redact` for videos: a thin shell around `unseen::video`, with Debian's `ffmpeg` as the
//! decoder and encoder, run as subprocesses that pipe raw frames.
//!
//! 1. `ffprobe` reads the streams (size, rotation, frame rate, sound), within limits set before any
//!    frame is held.
//! 2. Pass 1: frames decoded as stored (not turned) flow to one `VideoDetector` per core; only boxes
//!    are kept.
//! 3. The boxes become a `CoverPlan`; pass 2 decodes again, covers each frame and pipes it to the
//!    encoder, which copies the sound and writes no metadata but the rotation.
//! 4. The output is read back with `ffprobe`: frame count, duration, streams and tags; a file that
//!    fails is deleted.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};

use serde_json::Value;
use unseen::video::{self, CoverPlan, Rotation, VideoDetector};
use unseen::{models, DetectOptions, Error, Rect, RedactOptions};

/// File extensions read as videos.
pub const EXTENSIONS: [&str; 7] = ["mp4", "mov", "m4v", "webm", "mkv", "avi", "3gp"];

/// Frames larger than this (8K) are refused before any is decoded.
const MAX_PIXELS: u64 = 7680 * 4320;
/// Stream and format tags an output may carry: what the muxer itself writes, naming no person,
/// place, time or device.
const HARMLESS_TAGS: [&str; 8] = [
    "DURATION",
    "major_brand",
    "minor_version",
    "compatible_brands",
    "handler_name",
    "vendor_id",
    "language",
    "rotate",
];

/// Whether `path` is named like a video.
pub fn is_video(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// What a video redaction is asked to do.
#[derive(Clone, Copy)]
pub struct VideoJob {
    pub cover: RedactOptions,
    pub threshold: f32,
    pub audio: bool,
}

/// What ffprobe says about a video.
#[derive(Debug)]
struct Probe {
    width: u32,
    height: u32,
    rotation: Rotation,
    /// The frame rate as ffmpeg writes it (`30000/1001`), and its value.
    rate: String,
    fps: f64,
    /// Video packets, which for every format ffmpeg writes is frames.
    frames: u64,
    duration: f64,
    start: f64,
    audio: Option<String>,
}

fn error(message: impl Into<String>) -> Error {
    Error::invalid(message.into())
}

/// ffmpeg or ffprobe, or the sentence that says it is missing.
fn tool(name: &str) -> Result<Command, Error> {
    match Command::new(name).arg("-version").stdout(Stdio::null()).stderr(Stdio::null()).status() {
        Ok(s) if s.success() => {
            let mut c = Command::new(name);
            c.args(["-hide_banner", "-v", "error"]);
            if name == "ffmpeg" {
                c.arg("-nostdin");
            }
            Ok(c)
        }
        _ => Err(Error::Io(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("videos need {name} (part of ffmpeg), which is not installed; install ffmpeg (for example `apt install ffmpeg`) and try again"),
        ))),
    }
}

/// The first line of a tool's complaint, for one-sentence errors.
fn first_line(stderr: &[u8]) -> String {
    String::from_utf8_lossy(stderr)
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("no reason given")
        .to_string()
}

fn probe_json(path: &Path) -> Result<Value, Error> {
    let out = tool("ffprobe")?
        .args([
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            "-count_packets",
        ])
        .arg(path)
        .output()?;
    if !out.status.success() {
        return Err(error(format!(
            "this is not a video ffmpeg can read ({})",
            first_line(&out.stderr)
        )));
    }
    serde_json::from_slice(&out.stdout).map_err(|_| error("ffprobe's answer could not be read"))
}

fn ratio(s: &str) -> Option<f64> {
    let (n, d) = s.split_once('/').unwrap_or((s, "1"));
    let (n, d): (f64, f64) = (n.parse().ok()?, d.parse().ok()?);
    (d > 0.0 && n > 0.0).then_some(n / d)
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

fn probe(path: &Path) -> Result<Probe, Error> {
    let json = probe_json(path)?;
    let streams = json["streams"].as_array().cloned().unwrap_or_default();
    let Some(v) = streams
        .iter()
        .find(|s| s["codec_type"] == "video" && s["disposition"]["attached_pic"] != 1)
    else {
        return Err(error("this file has no video stream"));
    };
    let (width, height) = (
        v["width"].as_u64().unwrap_or(0),
        v["height"].as_u64().unwrap_or(0),
    );
    if width == 0 || height == 0 {
        return Err(error(
            "the video's frame size is unknown; the file may be damaged",
        ));
    }
    if width * height > MAX_PIXELS {
        return Err(error(format!(
            "the video is {width}×{height} pixels, larger than the 8K (7680×4320) unseen accepts"
        )));
    }
    // A display matrix's rotation is counter-clockwise; the old `rotate` tag, clockwise.
    let side = v["side_data_list"]
        .as_array()
        .and_then(|l| l.iter().find_map(|d| number(&d["rotation"])));
    let degrees = match side {
        Some(ccw) => -ccw,
        None => number(&v["tags"]["rotate"]).unwrap_or(0.0),
    };
    let rotation = Rotation::clockwise(degrees.round() as i32)?;
    let frames = number(&v["nb_read_packets"]).unwrap_or(0.0) as u64;
    if frames == 0 {
        return Err(error("the video has no frames"));
    }
    let duration = number(&v["duration"])
        .or_else(|| number(&json["format"]["duration"]))
        .unwrap_or(0.0);
    // Constant rate when the container says so; otherwise the average, which keeps the duration.
    let r = v["r_frame_rate"].as_str().unwrap_or("");
    let avg = v["avg_frame_rate"].as_str().unwrap_or("");
    let (rate, fps) = match (ratio(r), ratio(avg)) {
        (Some(a), Some(b)) if (a - b).abs() < 0.01 => (r.to_string(), a),
        (_, Some(b)) => (avg.to_string(), b),
        (Some(a), None) => (r.to_string(), a),
        (None, None) if duration > 0.0 => {
            let fps = frames as f64 / duration;
            (format!("{fps}"), fps)
        }
        _ => {
            return Err(error(
                "the video's frame rate is unknown; the file may be damaged",
            ))
        }
    };
    let audio = streams
        .iter()
        .find(|s| s["codec_type"] == "audio")
        .map(|a| a["codec_name"].as_str().unwrap_or("unknown").to_string());
    Ok(Probe {
        width: width as u32,
        height: height as u32,
        rotation,
        rate,
        fps,
        frames,
        duration,
        start: number(&v["start_time"]).unwrap_or(0.0),
        audio,
    })
}

/// A decoder: ffmpeg writing the stored frames as RGBA to a pipe, every frame once.
struct Decoder {
    child: Child,
    stdout: ChildStdout,
    errors: Option<std::thread::JoinHandle<Vec<u8>>>,
}

impl Drop for Decoder {
    /// A decoder left early (an error elsewhere) is stopped, not left writing into a full pipe.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Decoder {
    fn start(path: &Path) -> Result<Decoder, Error> {
        let mut child = tool("ffmpeg")?
            .arg("-noautorotate")
            .arg("-i")
            .arg(path)
            .args([
                "-map",
                "0:v:0",
                "-vsync",
                "passthrough",
                "-f",
                "rawvideo",
                "-pix_fmt",
                "rgba",
                "-",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| error("ffmpeg gave no output"))?;
        let errors = drain(child.stderr.take());
        Ok(Decoder {
            child,
            stdout,
            errors: Some(errors),
        })
    }

    /// The next frame into `buf` (its length is the frame's); false at the end.
    fn next(&mut self, buf: &mut [u8]) -> Result<bool, Error> {
        let mut got = 0;
        while got < buf.len() {
            match self.stdout.read(&mut buf[got..])? {
                0 if got == 0 => return Ok(false),
                0 => return Err(error("the video ended in the middle of a frame")),
                n => got += n,
            }
        }
        Ok(true)
    }

    fn finish(mut self) -> Result<(), Error> {
        let status = self.child.wait()?;
        let stderr = self
            .errors
            .take()
            .and_then(|e| e.join().ok())
            .unwrap_or_default();
        if !status.success() {
            return Err(error(format!(
                "ffmpeg could not decode the video ({})",
                first_line(&stderr)
            )));
        }
        Ok(())
    }
}

/// Read a child's stderr to the end on a thread of its own, so it never blocks on a full pipe.
fn drain(stderr: Option<std::process::ChildStderr>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(mut e) = stderr {
            let _ = e.read_to_end(&mut v);
        }
        v
    })
}

/// Progress on stderr when it is a terminal.
fn progress(pass: &str, done: u64, total: u64) {
    if std::io::stderr().is_terminal() && (done.is_multiple_of(30) || done == total) {
        eprint!("\runseen: {pass}: frame {done} of {total}   ");
        if done == total {
            eprintln!();
        }
    }
}

/// Faces found in frames, by frame number.
type Sightings = Vec<(u32, Vec<Rect>)>;

/// Pass 1: the faces of every frame, on every core.
fn find_faces(path: &Path, p: &Probe, options: DetectOptions) -> Result<Vec<Vec<Rect>>, Error> {
    let size = (p.width, p.height);
    let frame_bytes = p.width as usize * p.height as usize * 4;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (to_workers, jobs) = mpsc::sync_channel::<(u32, Vec<u8>)>(workers * 2);
    let (spare_tx, spare_rx) = mpsc::channel::<Vec<u8>>();
    let jobs = Arc::new(Mutex::new(jobs));
    let mut handles = Vec::new();
    for _ in 0..workers {
        let (jobs, spare_tx) = (jobs.clone(), spare_tx.clone());
        let rotation = p.rotation;
        handles.push(std::thread::spawn(move || -> Result<Sightings, Error> {
            let mut detector = VideoDetector::new(models::FULL_RANGE, models::RETINAFACE)?;
            let mut found = Vec::new();
            loop {
                let job = jobs.lock().map_err(|_| error("a worker failed"))?.recv();
                let Ok((i, rgba)) = job else {
                    return Ok(found);
                };
                found.push((
                    i,
                    detector.faces_in_stored(&rgba, size, rotation, i, options)?,
                ));
                let _ = spare_tx.send(rgba);
            }
        }));
    }
    drop(spare_tx);
    let mut decoder = Decoder::start(path)?;
    let mut count = 0u32;
    let read = (|| -> Result<(), Error> {
        loop {
            let mut buf = spare_rx.try_recv().unwrap_or_else(|_| vec![0; frame_bytes]);
            if !decoder.next(&mut buf)? {
                return Ok(());
            }
            if to_workers.send((count, buf)).is_err() {
                return Err(error("a worker failed"));
            }
            count += 1;
            progress("finding faces", count as u64, p.frames);
        }
    })();
    drop(to_workers);
    let mut found = Vec::new();
    for h in handles {
        // A worker's own error says more than the reader's "a worker failed".
        found.extend(h.join().unwrap_or_else(|_| Err(error("a worker failed")))?);
    }
    read?;
    decoder.finish()?;
    let mut sightings = vec![Vec::new(); count as usize];
    for (i, faces) in found {
        sightings[i as usize] = faces;
    }
    Ok(sightings)
}

/// Redact one video into `output`, then read it back.
pub fn redact_video(input: &Path, output: &Path, job: VideoJob) -> Result<(), Error> {
    let p = probe(input)?;
    let options = DetectOptions {
        threshold: job.threshold,
        ..DetectOptions::default()
    }
    .validated()?;
    let sightings = find_faces(input, &p, options)?;
    let plan = CoverPlan::new(p.width, p.height, p.fps, &sightings);
    let result = encode(input, output, &p, &plan, job).and_then(|()| check(output, &p, job));
    if result.is_err() {
        let _ = std::fs::remove_file(output);
    }
    result
}

/// Pass 2: decode again, cover from the plan, encode.
fn encode(
    input: &Path,
    output: &Path,
    p: &Probe,
    plan: &CoverPlan,
    job: VideoJob,
) -> Result<(), Error> {
    let ext = output
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let webm = ext == "webm";
    // MP4 and MOV keep the frames as stored and the rotation flag; ffmpeg 5.1 cannot write the flag
    // into Matroska and WebM, so frames go there upright.
    let flagged = ["mp4", "mov", "m4v", "3gp"].contains(&ext.as_str());
    let turned = !flagged && p.rotation != Rotation::default();
    let (ew, eh) = if turned {
        p.rotation.shown(p.width, p.height)
    } else {
        (p.width, p.height)
    };
    let mut cmd = tool("ffmpeg")?;
    cmd.args(["-y", "-f", "rawvideo", "-pix_fmt", "rgba"])
        .args(["-s", &format!("{ew}x{eh}")])
        .args(["-framerate", &p.rate])
        .args(["-itsoffset", &format!("{}", p.start.max(0.0))])
        .args(["-i", "-"])
        .arg("-i")
        .arg(input)
        .args(["-map", "0:v"]);
    if job.audio && p.audio.is_some() {
        cmd.args(["-map", "1:a"]);
        let codec = p.audio.as_deref().unwrap_or("");
        let fits = if webm {
            ["opus", "vorbis"].contains(&codec)
        } else {
            ["aac", "mp3", "opus", "alac", "ac3", "eac3", "flac"].contains(&codec)
        };
        match (fits, webm) {
            (true, _) => cmd.args(["-c:a", "copy"]),
            (false, true) => cmd.args(["-c:a", "libopus", "-b:a", "128k"]),
            (false, false) => cmd.args(["-c:a", "aac", "-b:a", "160k"]),
        };
    }
    let even = p.width.is_multiple_of(2) && p.height.is_multiple_of(2);
    if webm {
        cmd.args([
            "-c:v",
            "libvpx-vp9",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-row-mt",
            "1",
            "-crf",
            "30",
            "-b:v",
            "0",
        ]);
    } else {
        cmd.args(["-c:v", "libx264", "-preset", "veryfast", "-crf", "20"]);
    }
    cmd.args(["-pix_fmt", if even { "yuv420p" } else { "yuv444p" }])
        .args(["-map_metadata", "-1", "-map_chapters", "-1"])
        .args([
            "-fflags",
            "+bitexact",
            "-flags:v",
            "+bitexact",
            "-flags:a",
            "+bitexact",
        ]);
    if !webm {
        cmd.args(["-movflags", "+faststart"]);
    }
    let mut encoder = cmd
        .arg(output)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let encoder_errors = drain(encoder.stderr.take());
    let mut stdin = encoder
        .stdin
        .take()
        .ok_or_else(|| error("ffmpeg took no input"))?;
    let mut decoder = Decoder::start(input)?;
    let mut frame = vec![0u8; p.width as usize * p.height as usize * 4];
    let mut shown = Vec::new();
    let mut i = 0u32;
    let fed = (|| -> Result<(), Error> {
        while decoder.next(&mut frame)? {
            // A frame the plan does not know (the file changed under us) is covered whole.
            if i >= plan.frames() {
                frame.fill(0);
            } else {
                video::paint(&mut frame, p.width, p.height, plan, i, job.cover)?;
            }
            if turned {
                video::upright(&frame, p.width, p.height, p.rotation, &mut shown)?;
                stdin.write_all(&shown)?;
            } else {
                stdin.write_all(&frame)?;
            }
            i += 1;
            progress("covering", i as u64, p.frames);
        }
        Ok(())
    })();
    drop(stdin);
    let status = encoder.wait()?;
    let stderr = encoder_errors.join().unwrap_or_default();
    decoder.finish()?;
    fed.map_err(|e| match e {
        Error::Io(_) if !status.success() => error(format!(
            "ffmpeg could not encode the video ({})",
            first_line(&stderr)
        )),
        e => e,
    })?;
    if !status.success() {
        return Err(error(format!(
            "ffmpeg could not encode the video ({})",
            first_line(&stderr)
        )));
    }
    if i != plan.frames() {
        return Err(error(
            "the video gave a different number of frames the second time it was read",
        ));
    }
    if flagged && p.rotation != Rotation::default() {
        video::mp4::write_rotation(output, p.rotation, p.width, p.height)?;
    }
    Ok(())
}

/// Read the output back: as many frames, the same duration and shown size, sound as asked, and no
/// tags but the harmless.
fn check(output: &Path, p: &Probe, job: VideoJob) -> Result<(), Error> {
    let out = probe(output)?;
    let json = probe_json(output)?;
    if out.frames != p.frames {
        return Err(error(format!(
            "the saved video has {} frames, not {}; it was deleted",
            out.frames, p.frames
        )));
    }
    if p.rotation.shown(p.width, p.height) != out.rotation.shown(out.width, out.height) {
        return Err(error(
            "the saved video is shown at another size; it was deleted",
        ));
    }
    let tolerance = 1.5 / p.fps + 0.05;
    if p.duration > 0.0 && (out.duration - p.duration).abs() > tolerance {
        return Err(error(format!(
            "the saved video lasts {:.2} s, not {:.2} s; it was deleted",
            out.duration, p.duration
        )));
    }
    let wants_audio = job.audio && p.audio.is_some();
    if wants_audio != out.audio.is_some() {
        return Err(error(
            "the saved video's sound is not as asked; it was deleted",
        ));
    }
    let mut tags: Vec<String> = Vec::new();
    let mut collect = |v: &Value| {
        for (key, value) in v["tags"].as_object().into_iter().flatten() {
            // The muxer and encoder name themselves ("Lavf", "Lavc libx264"); nothing else may.
            let software = key.eq_ignore_ascii_case("encoder")
                && value.as_str().is_some_and(|s| s.starts_with("Lav"));
            if !software && !HARMLESS_TAGS.contains(&key.as_str()) {
                tags.push(key.clone());
            }
        }
    };
    collect(&json["format"]);
    for s in json["streams"].as_array().into_iter().flatten() {
        collect(s);
    }
    if !tags.is_empty() {
        tags.sort();
        tags.dedup();
        return Err(error(format!(
            "the saved video still carried {}; it was deleted",
            tags.join(", ")
        )));
    }
    Ok(())
}
