//! Frames in which a face of a test clip shows in a covered copy, per scenario, as one JSON line:
//! what the browser test and the bench ask of a video the page saved.
//!   cargo run --release --example video_leaks -- CLIP IN OUT
//! CLIP names the clip (`landscape`, `portrait`, `bench`; see `tests/common/video.rs`), IN is the
//! clip as `make_clip` wrote it, OUT the covered copy.
#[path = "../tests/common/mod.rs"]
mod common;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [name, input, output] = args.as_slice() else {
        eprintln!("usage: video_leaks CLIP IN OUT");
        std::process::exit(2);
    };
    let clip = common::video::clip(name);
    let scenes = common::video::leaks(&clip, input.as_ref(), output.as_ref());
    let json: Vec<_> = scenes
        .iter()
        .map(|(scene, leaked, seen)| serde_json::json!({"scene": scene, "leaked": leaked, "seen": seen}))
        .collect();
    println!("{}", serde_json::json!({ "clip": name, "scenes": json }));
}
