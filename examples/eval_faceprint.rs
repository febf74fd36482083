//! How well faceprints tell people apart, on real photos and degraded copies of them.
//!
//!   cargo run --release --example eval_faceprint -- DIR... [GROUP PHOTO...]
//!
//! Each DIR holds one folder per person (dlib's `examples/johns`), or photos named by person and a
//! number (`obama2.jpg`). Each photo is tried as it is and as four degraded copies: dark (a third of
//! the light, as in a dim room), JPEG quality 15, half size and quarter size (each side). The face
//! is found by the photo pipeline (the largest face in the photo), aligned and faceprinted; a photo
//! in which no face is found counts against every pair it is in.
//!
//! A FILE among the arguments is a group photo: every face in it is a different person, so every pair
//! of its faces (full version) counts as a different-person pair, reported on its own line.
//!
//! Prints, for each pair of versions, the share of same-person pairs closer than 0.6 and of
//! different-person pairs at 0.6 or farther, with the distances' median and spread.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use unseen::detect::photo::PhotoDetector;
use unseen::detect::resize_rgba;
use unseen::faceprint::{self, Faceprinter, LEN};
use unseen::image_io::{self, OutputFormat};
use unseen::{models, DetectOptions, Frame};

const VERSIONS: [&str; 5] = ["full", "dark", "jpeg15", "half", "quarter"];

struct Picture {
    rgba: Vec<u8>,
    width: u32,
    height: u32,
}

fn degrade(p: &Picture, version: &str) -> Result<Picture, String> {
    let frame = Frame::new(&p.rgba, p.width, p.height).map_err(|e| e.to_string())?;
    match version {
        "full" => Ok(Picture {
            rgba: p.rgba.clone(),
            width: p.width,
            height: p.height,
        }),
        "dark" => Ok(Picture {
            rgba: p
                .rgba
                .chunks_exact(4)
                .flat_map(|px| {
                    let d = |v: u8| (v as f32 / 3.0).round() as u8;
                    [d(px[0]), d(px[1]), d(px[2]), px[3]]
                })
                .collect(),
            width: p.width,
            height: p.height,
        }),
        "jpeg15" => {
            let bytes = image_io::encode(
                &p.rgba,
                p.width,
                p.height,
                OutputFormat::Jpeg { quality: 15 },
            )
            .map_err(|e| e.to_string())?;
            let d = image_io::decode(&bytes).map_err(|e| e.to_string())?;
            Ok(Picture {
                rgba: d.rgba,
                width: d.width,
                height: d.height,
            })
        }
        "half" | "quarter" => {
            let k = if version == "half" { 2 } else { 4 };
            let (w, h) = ((p.width / k).max(1), (p.height / k).max(1));
            Ok(Picture {
                rgba: resize_rgba(frame, w, h),
                width: w,
                height: h,
            })
        }
        _ => Err(format!("no version {version}")),
    }
}

/// Photos by person: folders of photos, or photos named by person and a number.
fn people(dir: &Path) -> Result<BTreeMap<String, Vec<PathBuf>>, String> {
    let mut out: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&path)
                .map_err(|e| e.to_string())?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "jpg" || e == "png"))
                .collect();
            files.sort();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            out.entry(name.into_owned()).or_default().extend(files);
        } else if path.extension().is_some_and(|e| e == "jpg" || e == "png") {
            let stem = path.file_stem().unwrap_or_default().to_string_lossy();
            let name = stem.trim_end_matches(|c: char| c.is_ascii_digit());
            out.entry(name.to_string()).or_default().push(path.clone());
        }
    }
    for files in out.values_mut() {
        files.sort();
    }
    Ok(out)
}

struct Stats {
    same: Vec<f32>,
    diff: Vec<f32>,
    /// Pairs with a photo in which no face was found.
    same_missing: usize,
    diff_missing: usize,
}

fn median(v: &mut [f32]) -> f32 {
    if v.is_empty() {
        return f32::NAN;
    }
    v.sort_by(f32::total_cmp);
    v[v.len() / 2]
}

fn run(dirs: &[String]) -> Result<(), String> {
    let model = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/dlib_face_recognition_resnet_model_v1.onnx"
    );
    let bytes = std::fs::read(model).map_err(|e| format!("{model}: {e}"))?;
    let mut printer = Faceprinter::new(&bytes).map_err(|e| e.to_string())?;
    let mut detector = PhotoDetector::new(models::FULL_RANGE, Some(models::RETINAFACE))
        .map_err(|e| e.to_string())?;
    // (person, photo, version) -> faceprint, or None when no face was found.
    let mut prints: Vec<(String, usize, &str, Option<[f32; LEN]>)> = Vec::new();
    let mut photo = 0;
    let (mut group_pairs, mut group_ok, mut group_faces) = (0, 0, 0);
    let mut closest = f32::INFINITY;
    for file in dirs.iter().filter(|d| Path::new(d).is_file()) {
        let bytes = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
        let d = image_io::decode(&bytes).map_err(|e| format!("{file}: {e}"))?;
        let frame = Frame::new(&d.rgba, d.width, d.height).map_err(|e| e.to_string())?;
        let faces = detector
            .detect(frame, DetectOptions::default())
            .map_err(|e| e.to_string())?;
        let mut found = Vec::new();
        for f in faces.iter().filter(|f| f.score >= faceprint::MIN_SCORE) {
            if let Some(p) = printer.of_face(frame, f).map_err(|e| e.to_string())? {
                found.push(p);
            }
        }
        group_faces += found.len();
        for (i, a) in found.iter().enumerate() {
            for b in &found[i + 1..] {
                let d = faceprint::distance(a, b);
                closest = closest.min(d);
                group_pairs += 1;
                group_ok += (d >= faceprint::THRESHOLD) as usize;
            }
        }
    }
    for dir in dirs.iter().filter(|d| Path::new(d).is_dir()) {
        for (person, files) in people(Path::new(dir))? {
            for file in files {
                let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
                let d = image_io::decode(&bytes).map_err(|e| format!("{}: {e}", file.display()))?;
                let original = Picture {
                    rgba: d.rgba,
                    width: d.width,
                    height: d.height,
                };
                for version in VERSIONS {
                    let p = degrade(&original, version)?;
                    let frame =
                        Frame::new(&p.rgba, p.width, p.height).map_err(|e| e.to_string())?;
                    let faces = detector
                        .detect(frame, DetectOptions::default())
                        .map_err(|e| e.to_string())?;
                    let largest = faces
                        .iter()
                        .filter(|f| f.score >= faceprint::MIN_SCORE)
                        .max_by(|a, b| (a.rect.w * a.rect.h).total_cmp(&(b.rect.w * b.rect.h)));
                    let print = match largest {
                        Some(f) => printer.of_face(frame, f).map_err(|e| e.to_string())?,
                        None => None,
                    };
                    if print.is_none() {
                        eprintln!("no face: {} ({version})", file.display());
                    }
                    prints.push((person.clone(), photo, version, print));
                }
                photo += 1;
            }
        }
    }
    let mut table: BTreeMap<(usize, usize), Stats> = BTreeMap::new();
    for (i, a) in prints.iter().enumerate() {
        for b in &prints[i + 1..] {
            if a.1 == b.1 {
                continue; // the same photo in two versions: reported apart below
            }
            let va = VERSIONS.iter().position(|v| *v == a.2).unwrap_or(0);
            let vb = VERSIONS.iter().position(|v| *v == b.2).unwrap_or(0);
            let key = (va.min(vb), va.max(vb));
            let s = table.entry(key).or_insert(Stats {
                same: vec![],
                diff: vec![],
                same_missing: 0,
                diff_missing: 0,
            });
            let same = a.0 == b.0;
            match (a.3, b.3) {
                (Some(x), Some(y)) => {
                    let d = faceprint::distance(&x, &y);
                    if same {
                        s.same.push(d)
                    } else {
                        s.diff.push(d)
                    }
                }
                _ if same => s.same_missing += 1,
                _ => s.diff_missing += 1,
            }
        }
    }
    println!("| versions | same person < 0.6 | median | different people ≥ 0.6 | median |");
    println!("|---|---|---|---|---|");
    let (mut st, mut so, mut dt, mut dok) = (0, 0, 0, 0);
    for ((a, b), s) in table.iter_mut() {
        let same_total = s.same.len() + s.same_missing;
        let same_ok = s.same.iter().filter(|d| **d < faceprint::THRESHOLD).count();
        let diff_total = s.diff.len() + s.diff_missing;
        let diff_ok = s
            .diff
            .iter()
            .filter(|d| **d >= faceprint::THRESHOLD)
            .count();
        st += same_total;
        so += same_ok;
        dt += diff_total;
        dok += diff_ok;
        println!(
            "| {} – {} | {same_ok}/{same_total} ({:.1} %) | {:.3} | {diff_ok}/{diff_total} ({:.1} %) | {:.3} |",
            VERSIONS[*a],
            VERSIONS[*b],
            100.0 * same_ok as f32 / same_total.max(1) as f32,
            median(&mut s.same),
            100.0 * diff_ok as f32 / diff_total.max(1) as f32,
            median(&mut s.diff),
        );
    }
    println!(
        "| all | {so}/{st} ({:.1} %) | | {dok}/{dt} ({:.1} %) | |",
        100.0 * so as f32 / st.max(1) as f32,
        100.0 * dok as f32 / dt.max(1) as f32
    );
    if group_pairs > 0 {
        println!(
            "group photos: {group_faces} faces, {group_ok}/{group_pairs} pairs of different people at 0.6 or farther (closest {closest:.3})"
        );
    }
    // The same photo, full against each degraded copy: how far a degradation moves a faceprint.
    for version in &VERSIONS[1..] {
        let mut d: Vec<f32> = Vec::new();
        let mut missing = 0;
        for a in prints.iter().filter(|p| p.2 == "full") {
            match (
                a.3,
                prints
                    .iter()
                    .find(|b| b.1 == a.1 && b.2 == *version)
                    .and_then(|b| b.3),
            ) {
                (Some(x), Some(y)) => d.push(faceprint::distance(&x, &y)),
                _ => missing += 1,
            }
        }
        let n = d.len();
        println!(
            "same photo, full – {version}: median distance {:.3}, {} of {} under 0.6, no face in {missing}",
            median(&mut d),
            d.iter().filter(|x| **x < faceprint::THRESHOLD).count(),
            n + missing
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let dirs: Vec<String> = std::env::args().skip(1).collect();
    if dirs.is_empty() {
        eprintln!("usage: eval_faceprint DIR...");
        return ExitCode::from(2);
    }
    match run(&dirs) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("eval_faceprint: {e}");
            ExitCode::FAILURE
        }
    }
}
