//! Faceprints, checked against the two references: dlib itself (Debian's libdlib-dev, through
//! `tests/reference/dlib_faceprint.cpp`, compiled here) for the numbers of the network on the same
//! chips, and tract-onnx for our engine on the same ONNX file. Then what the network is for: the
//! same person closer than 0.6, different people farther, on real photos.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{fetched, Img};
use tract_onnx::prelude::*;
use unseen::detect::photo::PhotoDetector;
use unseen::faceprint::dlib::onnx_from_dlib;
use unseen::faceprint::{self, Alignment, Faceprinter, CHIP, LEN};
use unseen::{models, DetectOptions, Face};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn model_path() -> PathBuf {
    root().join("models/dlib_face_recognition_resnet_model_v1.onnx")
}

fn printer() -> Faceprinter {
    let bytes = std::fs::read(model_path()).expect("the faceprint model (./build.sh makes it)");
    Faceprinter::new(&bytes).expect("load the faceprint model")
}

/// dlib's `examples/johns`: each person's chips (150×150, cut by dlib), by name.
fn johns() -> Vec<(String, Vec<Img>)> {
    let dir = fetched("johns/John_Simm/000288_00470387.jpg")
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap();
    let mut people: Vec<(String, Vec<Img>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&p)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            files.sort();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let rel =
                |f: &PathBuf| format!("johns/{name}/{}", f.file_name().unwrap().to_string_lossy());
            (
                name.clone(),
                files.iter().map(|f| common::load(&rel(f))).collect(),
            )
        })
        .collect();
    people.sort_by(|a, b| a.0.cmp(&b.0));
    people
}

fn rgb(img: &Img) -> Vec<u8> {
    img.rgba
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect()
}

/// dlib's faceprints of these chips, computed by dlib itself.
fn dlib_faceprints(chips: &[Vec<u8>]) -> Vec<[f32; LEN]> {
    let exe = root().join("target/dlib_faceprint");
    let source = root().join("tests/reference/dlib_faceprint.cpp");
    let stale = std::fs::metadata(&exe)
        .and_then(|e| Ok(e.modified()? < std::fs::metadata(&source)?.modified()?))
        .unwrap_or(true);
    if stale {
        let built = Command::new("g++")
            .args(["-O2", "-std=c++14", "-o"])
            .arg(&exe)
            .arg(&source)
            .arg("-ldlib")
            .status()
            .expect("g++ is needed to build the dlib reference");
        assert!(
            built.success(),
            "the dlib reference did not build: Debian's libdlib-dev is needed (.ci/run installs it)"
        );
    }
    let dir = std::env::temp_dir().join(format!("unseen-chips-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let files: Vec<PathBuf> = chips
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let f = dir.join(format!("{i}.rgb"));
            std::fs::write(&f, c).unwrap();
            f
        })
        .collect();
    let dat = root().join("models/dlib_face_recognition_resnet_model_v1.dat");
    let out = Command::new(&exe).arg(dat).args(&files).output().unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .map(|l| {
            let v: Vec<f32> = l.split(' ').map(|x| x.parse().unwrap()).collect();
            v.try_into().unwrap()
        })
        .collect()
}

/// Our network's numbers are dlib's, on the same chips: real faces (dlib's own chips) and the chips
/// our alignment cuts from real photos.
#[test]
fn network_gives_dlibs_faceprints() {
    let mut ours = printer();
    let mut chips: Vec<Vec<u8>> = johns()
        .iter()
        .flat_map(|(_, imgs)| imgs.iter().step_by(3).map(rgb))
        .collect();
    let mut detector = PhotoDetector::new(models::FULL_RANGE, Some(models::RETINAFACE)).unwrap();
    for name in ["people/obama.jpg", "people/biden.jpg", "group2.jpg"] {
        let img = common::load(name);
        for face in detector
            .detect(img.frame(), DetectOptions::default())
            .unwrap()
        {
            let a = Alignment::of(&face).expect("a face found has keypoints");
            chips.push(faceprint::chip(img.frame(), a));
        }
    }
    assert!(chips.len() >= 25, "{} chips", chips.len());
    let reference = dlib_faceprints(&chips);
    let mut worst = 0.0f32;
    for (chip, theirs) in chips.iter().zip(&reference) {
        let d = faceprint::distance(&ours.faceprint(chip).unwrap(), theirs);
        worst = worst.max(d);
    }
    println!(
        "{} chips: largest distance to dlib's faceprint {worst:.2e}",
        chips.len()
    );
    assert!(worst < 0.01, "a faceprint is {worst} from dlib's");
}

/// The engine against tract-onnx on the same ONNX file, value by value.
#[test]
fn engine_matches_tract() {
    let bytes = std::fs::read(model_path()).unwrap();
    let plan = tract_onnx::onnx()
        .model_for_read(&mut &bytes[..])
        .and_then(|m| m.into_optimized())
        .and_then(|m| m.into_runnable())
        .unwrap();
    let mut ours = printer();
    for (_, imgs) in johns().iter().take(2) {
        let chip = rgb(&imgs[0]);
        let planar: Vec<f32> = (0..3)
            .flat_map(|c| chip.iter().skip(c).step_by(3).map(|&b| b as f32))
            .collect();
        let input = Tensor::from_shape(&[1, 3, CHIP, CHIP], &planar).unwrap();
        let out = plan.run(tvec!(input.into())).unwrap();
        let theirs = out[0]
            .try_as_plain_ram()
            .unwrap()
            .as_slice::<f32>()
            .unwrap();
        let mine = ours.faceprint(&chip).unwrap();
        let worst = mine
            .iter()
            .zip(theirs)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-4, "differs from tract by {worst}");
    }
}

/// What the network is for, through the whole pipeline (photo detector, alignment, network) as the
/// checker runs it: five people photographed 11 times each (dlib's johns) and Obama three times
/// beside Biden, each photo as it is and as degraded copies (a third of the light, JPEG quality 15,
/// a quarter of the size each way). Same person closer than 0.6, different people farther.
#[test]
fn same_person_close_different_people_far() {
    let mut ours = printer();
    let mut detector = PhotoDetector::new(models::FULL_RANGE, Some(models::RETINAFACE)).unwrap();
    let mut photos: Vec<(String, Img)> = johns()
        .into_iter()
        .flat_map(|(n, imgs)| imgs.into_iter().step_by(2).map(move |i| (n.clone(), i)))
        .collect();
    for (who, file) in [
        ("obama", "obama.jpg"),
        ("obama", "obama2.jpg"),
        ("obama", "obama3.jpg"),
        ("biden", "biden.jpg"),
    ] {
        photos.push((who.into(), common::load(&format!("people/{file}"))));
    }
    let mut prints: Vec<(String, usize, [f32; LEN])> = Vec::new();
    for (k, (who, img)) in photos.iter().enumerate() {
        let (w, h) = (img.width / 4, img.height / 4);
        for version in [
            img.clone(),
            img.darkened(1.0 / 3.0),
            img.jpeg_round_trip(15),
            img.crop_resized(0, 0, img.width, img.height, w, h),
        ] {
            let faces = detector
                .detect(version.frame(), DetectOptions::default())
                .unwrap();
            let face = faces
                .iter()
                .filter(|f| f.score >= faceprint::MIN_SCORE)
                .max_by(|a, b| a.score.total_cmp(&b.score))
                .unwrap_or_else(|| panic!("no face in a copy of {who}'s photo {k}"));
            let print = ours.of_face(version.frame(), face).unwrap().unwrap();
            prints.push((who.clone(), k, print));
        }
    }
    let (mut same, mut same_ok, mut diff, mut diff_ok) = (0, 0, 0, 0);
    for (i, a) in prints.iter().enumerate() {
        for b in &prints[i + 1..] {
            let d = faceprint::distance(&a.2, &b.2);
            if a.0 == b.0 {
                same += 1;
                same_ok += (d < faceprint::THRESHOLD) as usize;
            } else {
                diff += 1;
                diff_ok += (d >= faceprint::THRESHOLD) as usize;
            }
        }
    }
    println!("same person: {same_ok}/{same} closer than 0.6; different: {diff_ok}/{diff} farther");
    assert!(same_ok as f32 >= 0.97 * same as f32);
    assert!(diff_ok as f32 >= 0.99 * diff as f32);
}

/// A model that is not a faceprint model is refused with a sentence.
#[test]
fn refuses_other_models() {
    match Faceprinter::new(models::FULL_RANGE) {
        Err(e) => assert!(e.to_string().contains("not a faceprint model"), "{e}"),
        Ok(_) => panic!("BlazeFace taken for a faceprint model"),
    }
    // dlib's file: the real one converts to the file build.sh wrote; damaged ones get a sentence.
    let dat =
        std::fs::read(root().join("models/dlib_face_recognition_resnet_model_v1.dat")).unwrap();
    let onnx = onnx_from_dlib(&dat).unwrap();
    assert_eq!(onnx, std::fs::read(model_path()).unwrap());
    for bad in [&b"junk"[..], &dat[..dat.len() / 2], &dat[..400], &[]] {
        match onnx_from_dlib(bad) {
            Err(e) => assert!(
                e.to_string()
                    .starts_with("the faceprint network could not be used: this is not dlib's"),
                "{e}"
            ),
            Ok(_) => panic!("a damaged dlib file was converted"),
        }
    }
    let mut flipped = dat.clone();
    flipped[345] ^= 0x10; // the first tensor's declared size: 4736 floats become 640
    assert!(onnx_from_dlib(&flipped).is_err());
    let mut ours = printer();
    assert!(ours.faceprint(&[0u8; 10]).is_err());
    let face = Face {
        rect: unseen::Rect {
            x: 0.0,
            y: 0.0,
            w: 10.0,
            h: 10.0,
        },
        score: 1.0,
        landmarks: [unseen::Point { x: 5.0, y: 5.0 }; 6],
    };
    assert_eq!(Alignment::of(&face), None, "keypoints all in one place");
}

/// The faceprint example, as the checker runs it: one JSON line per file, each face with its box,
/// score and 128 numbers; a file it cannot read gets one sentence; the same person in two photos
/// (and in a degraded copy) closer than 0.6, two people farther.
#[test]
fn example_prints_json_lines() {
    let exe = root().join("target/release/examples/faceprint");
    assert!(
        exe.is_file(),
        "cargo test --release builds the faceprint example"
    );
    let dir = std::env::temp_dir().join(format!("unseen-faceprint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let obama2 = common::load("people/obama2.jpg");
    let dark = dir.join("obama2-dark.jpg");
    std::fs::write(
        &dark,
        unseen::image_io::encode(
            &obama2.darkened(0.33).rgba,
            obama2.width,
            obama2.height,
            unseen::image_io::OutputFormat::Jpeg { quality: 15 },
        )
        .unwrap(),
    )
    .unwrap();
    let junk = dir.join("junk.jpg");
    std::fs::write(&junk, b"not a picture").unwrap();
    let out = Command::new(&exe)
        .arg(fetched("people/obama.jpg"))
        .arg(&dark)
        .arg(fetched("people/biden.jpg"))
        .arg(&junk)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert!(!out.status.success(), "a file it cannot read fails the run");
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    let prints: Vec<Vec<f32>> = lines[..3]
        .iter()
        .map(|l| {
            assert_eq!(l.matches("\"faceprint\"").count(), 1, "one face: {l}");
            for key in ["\"file\"", "\"x\"", "\"y\"", "\"w\"", "\"h\"", "\"score\""] {
                assert!(l.contains(key), "{key} in {l}");
            }
            let numbers = &l[l.find("\"faceprint\": [").unwrap() + 14..l.rfind("]}]}").unwrap()];
            numbers.split(", ").map(|v| v.parse().unwrap()).collect()
        })
        .collect();
    assert!(prints.iter().all(|p| p.len() == LEN));
    let d = |a: &[f32], b: &[f32]| {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y) * (x - y))
            .sum::<f32>()
            .sqrt()
    };
    assert!(d(&prints[0], &prints[1]) < 0.6, "Obama, two photos");
    assert!(d(&prints[0], &prints[2]) > 0.6, "Obama and Biden");
    assert!(d(&prints[1], &prints[2]) > 0.6, "Obama and Biden");
    assert!(
        lines[3].contains("\"error\": \"this is not an image"),
        "{}",
        lines[3]
    );
}
