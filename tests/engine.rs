//! Our inference engine against a reference: tract-onnx (a dev-dependency only) runs the same ONNX
//! files on the same inputs, real photos letterboxed by the detector, and every raw score and box
//! must agree. Also: the engine refuses models it cannot run with a sentence, never a panic.

mod common;

use common::{load, two_face_frame};
use tract_onnx::pb;
use tract_onnx::prelude::*;
use unseen::detect::blazeface::BlazeFace as Network;
use unseen::{models, Detector};

/// tract-onnx 0.23.9 types `ConstantOfShape` without a `value` attribute as f64 (the spec says
/// float32 zero), so the reference needs the attribute spelled out.
fn reference(bytes: &[u8], size: usize) -> TypedSimpleState {
    let onnx = tract_onnx::onnx();
    let mut proto = onnx.proto_model_for_read(&mut &bytes[..]).unwrap();
    for node in proto.graph.as_mut().unwrap().node.iter_mut() {
        if node.op_type == "ConstantOfShape" && node.attribute.is_empty() {
            node.attribute.push(pb::AttributeProto {
                name: "value".into(),
                r#type: pb::attribute_proto::AttributeType::Tensor as i32,
                t: Some(pb::TensorProto {
                    dims: vec![1],
                    data_type: pb::tensor_proto::DataType::Float as i32,
                    float_data: vec![0.0],
                    ..Default::default()
                }),
                ..Default::default()
            });
        }
    }
    onnx.model_for_proto_model(&proto)
        .and_then(|m| m.with_input_fact(0, f32::fact([1, size, size, 3]).into()))
        .and_then(|m| m.into_optimized())
        .and_then(|m| m.into_runnable())
        .and_then(|plan| plan.spawn())
        .unwrap()
}

/// Scores and boxes of the reference, in anchor order (the 512-anchor head first).
fn reference_outputs(
    plan: &mut TypedSimpleState,
    input: &[f32],
    size: usize,
) -> (Vec<f32>, Vec<f32>) {
    let tensor = Tensor::from_shape(&[1, size, size, 3], input).unwrap();
    let outputs = plan.run(tvec!(tensor.into())).unwrap();
    let mut heads: Vec<(usize, usize, Vec<f32>)> = outputs
        .iter()
        .map(|t| {
            let shape = t.shape().to_vec();
            (
                shape[1],
                shape[2],
                t.try_as_plain_ram()
                    .unwrap()
                    .as_slice::<f32>()
                    .unwrap()
                    .to_vec(),
            )
        })
        .collect();
    heads.sort_by_key(|h| std::cmp::Reverse(h.0));
    let pick = |anchors: usize, width: usize| {
        heads
            .iter()
            .find(|h| h.0 == anchors && h.1 == width)
            .unwrap()
            .2
            .clone()
    };
    let scores = [pick(512, 1), pick(384, 1)].concat();
    let boxes = [pick(512, 16), pick(384, 16)].concat();
    (scores, boxes)
}

fn assert_close(what: &str, ours: &[f32], theirs: &[f32]) {
    assert_eq!(ours.len(), theirs.len(), "{what}: lengths");
    let worst = ours
        .iter()
        .zip(theirs)
        .map(|(a, b)| (a - b).abs() / b.abs().max(1.0))
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-3, "{what}: values differ by up to {worst}");
}

#[test]
fn our_engine_agrees_with_tract_on_real_photos() {
    let photos = [
        ("astronaut", load("astronaut.png")),
        ("two faces", two_face_frame().0),
        ("coffee", load("coffee.png")),
    ];
    for (bytes, size) in [(models::SHORT_RANGE, 128), (models::FULL_RANGE, 256)] {
        let mut plan = reference(bytes, size);
        let mut ours = Network::load(bytes).unwrap();
        let mut detector = Detector::new(bytes).unwrap();
        for (photo, img) in &photos {
            detector.candidates(img.frame(), 0.5).unwrap();
            let input = detector.last_input().to_vec();
            let (scores, boxes) = reference_outputs(&mut plan, &input, size);
            let out = ours.run(&input).unwrap();
            assert_close(&format!("{size} {photo} scores"), out.scores, &scores);
            assert_close(&format!("{size} {photo} boxes"), out.boxes, &boxes);
            // A face is found, so the comparison covers high scores and not only background.
            if *photo != "coffee" {
                assert!(
                    scores.iter().any(|&s| s > 0.5),
                    "{size} {photo}: no anchor above 62 %"
                );
            }
        }
    }
}

/// The fuzzing seeds (fuzz/corpus/model_bytes/): tiny graphs in BlazeFace's shape with odd channel
/// counts, a channel-padded skip, a stride-2 depthwise layer and a max-pool shortcut.
#[test]
fn our_engine_agrees_with_tract_on_tiny_graphs() {
    let (img, _) = two_face_frame();
    for seed in ["tiny_plain.onnx", "tiny_strided.onnx"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/corpus/model_bytes")
            .join(seed);
        let bytes = std::fs::read(path).unwrap();
        let mut plan = reference(&bytes, 128);
        let mut ours = Network::load(&bytes).unwrap();
        let mut detector = Detector::new(&bytes).unwrap();
        detector.candidates(img.frame(), 0.5).unwrap();
        let input = detector.last_input().to_vec();
        let (scores, boxes) = reference_outputs(&mut plan, &input, 128);
        let out = ours.run(&input).unwrap();
        assert_close(&format!("{seed} scores"), out.scores, &scores);
        assert_close(&format!("{seed} boxes"), out.boxes, &boxes);
    }
}

#[test]
fn a_model_with_an_operator_it_does_not_know_is_refused_by_name() {
    let mut bytes = models::SHORT_RANGE.to_vec();
    // The op_type field (number 4, 7 bytes long), not a tensor name that contains the word.
    let at = bytes
        .windows(9)
        .position(|w| w == b"\x22\x07MaxPool")
        .unwrap()
        + 2;
    bytes[at..at + 7].copy_from_slice(b"MaxPooX");
    let error = Network::load(&bytes).err().unwrap().to_string();
    assert!(error.contains("\"MaxPooX\""), "{error}");
}

#[test]
fn every_cut_of_a_model_file_is_refused_without_a_panic() {
    let bytes = models::SHORT_RANGE;
    for len in (0..bytes.len()).step_by(997).chain([bytes.len() - 1]) {
        assert!(Network::load(&bytes[..len]).is_err(), "cut at {len} loaded");
    }
    let mut flipped = bytes.to_vec();
    for at in (0..flipped.len()).step_by(4099) {
        flipped[at] ^= 0x5a;
        let _ = Network::load(&flipped);
    }
}

/// The site serves the models with float16 weights (examples/site_assets.rs). Rounding the weights
/// must not change what is found: raw outputs stay close to the originals' and the same faces come
/// out of the detector on real photos.
#[test]
fn float16_weights_keep_the_outputs_and_the_faces() {
    use unseen::engine::onnx::with_half_floats;
    use unseen::DetectOptions;
    let photos = [
        load("astronaut.png"),
        two_face_frame().0,
        load("coffee.png"),
    ];
    for bytes in [models::SHORT_RANGE, models::FULL_RANGE] {
        let half = with_half_floats(bytes).unwrap();
        assert!(
            half.len() < bytes.len() * 6 / 10,
            "{} → {} bytes",
            bytes.len(),
            half.len()
        );
        let (mut original, mut halved) =
            (Detector::new(bytes).unwrap(), Detector::new(&half).unwrap());
        for img in &photos {
            let a = original
                .detect(img.frame(), DetectOptions::default())
                .unwrap();
            let b = halved
                .detect(img.frame(), DetectOptions::default())
                .unwrap();
            assert_eq!(a.len(), b.len(), "{a:?} vs {b:?}");
            for (a, b) in a.iter().zip(&b) {
                assert!((a.score - b.score).abs() < 0.01, "{a:?} vs {b:?}");
                assert!(a.rect.iou(&b.rect) > 0.97, "{a:?} vs {b:?}");
            }
        }
    }
}

/// RetinaFace, the photo detector: every output (boxes, scores after softmax, landmarks) of our
/// engine against tract's on real photos, at two input sizes (the engine folds the graph's shape
/// arithmetic for each), one of them not square and one whose grids round up.
#[test]
fn our_engine_agrees_with_tract_on_retinaface() {
    use unseen::engine::Network as Engine;
    let photos = [
        ("astronaut", load("astronaut.png")),
        ("two faces", two_face_frame().0),
    ];
    for (h, w) in [(320, 480), (224, 160)] {
        let mut plan = tract_onnx::onnx()
            .model_for_read(&mut &models::RETINAFACE[..])
            .and_then(|m| m.with_input_fact(0, f32::fact([1, 3, h, w]).into()))
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .and_then(|plan| plan.spawn())
            .unwrap();
        let mut ours = Engine::load(models::RETINAFACE, Some((h, w))).unwrap();
        for (photo, img) in &photos {
            let rgba = unseen::detect::resize_rgba(img.frame(), w as u32, h as u32);
            let nhwc: Vec<f32> = rgba
                .chunks_exact(4)
                .flat_map(|p| {
                    [
                        p[2] as f32 - 104.0,
                        p[1] as f32 - 117.0,
                        p[0] as f32 - 123.0,
                    ]
                })
                .collect();
            let nchw: Vec<f32> = (0..3)
                .flat_map(|c| nhwc.iter().skip(c).step_by(3).copied().collect::<Vec<_>>())
                .collect();
            let tensor = Tensor::from_shape(&[1, 3, h, w], &nchw).unwrap();
            let theirs = plan.run(tvec!(tensor.into())).unwrap();
            ours.run(&nhwc).unwrap();
            for (i, name) in ["loc", "conf", "landmarks"].into_iter().enumerate() {
                let t = theirs[i]
                    .try_as_plain_ram()
                    .unwrap()
                    .as_slice::<f32>()
                    .unwrap()
                    .to_vec();
                let at = ours.outputs().iter().position(|o| o.name == name).unwrap();
                assert_eq!(
                    ours.outputs()[at].dims,
                    theirs[i].shape()[1..].to_vec(),
                    "{name} dims"
                );
                assert_close(&format!("{h}×{w} {photo} {name}"), ours.output(at), &t);
            }
            let conf = ours.output(
                ours.outputs()
                    .iter()
                    .position(|o| o.name == "conf")
                    .unwrap(),
            );
            assert!(
                conf.chunks_exact(2).any(|p| p[1] > 0.9),
                "{h}×{w} {photo}: no face above 0.9"
            );
        }
    }
}
