//! The fuzz targets' checks (`fuzz/src/checks.rs`) over the committed seed corpus and every past
//! finding (`fuzz/corpus/<target>/`, `fuzz/regressions/<target>/`), with stable Rust: what fuzzing
//! found once stays fixed. `./build.sh fuzz` runs the same checks under libFuzzer.

#[path = "../fuzz/src/checks.rs"]
mod checks;

use std::path::PathBuf;

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut out = Vec::new();
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for e in entries.flatten() {
            let bytes = std::fs::read(e.path()).expect("read a corpus file");
            out.push((e.path(), bytes));
        }
    }
    out.sort();
    out
}

#[test]
fn photo_bytes_corpus() {
    let inputs = inputs("photo_bytes");
    assert!(inputs.len() >= 15, "{} seed files", inputs.len());
    for (path, bytes) in inputs {
        eprintln!("{}", path.display());
        checks::photo_bytes(&bytes);
    }
}

#[test]
fn live_args_corpus() {
    let inputs = inputs("live_args");
    assert!(inputs.len() >= 5, "{} seed files", inputs.len());
    for (path, bytes) in inputs {
        eprintln!("{}", path.display());
        checks::live_args(&bytes);
    }
}

#[test]
fn model_bytes_corpus() {
    let inputs = inputs("model_bytes");
    assert!(inputs.len() >= 2, "{} seed files", inputs.len());
    for (path, bytes) in inputs {
        eprintln!("{}", path.display());
        checks::model_bytes(&bytes);
    }
}
