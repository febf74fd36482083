//! The inference engine, behind one small interface: load an ONNX BlazeFace file, run it on a
//! letterboxed NHWC input, hand back raw scores and boxes. Only this file knows about tract, so a leaner
//! backend can replace it without touching detection, NMS or redaction.

use tract_onnx::pb;
use tract_onnx::prelude::*;

use super::blazeface::{Variant, NUM_ANCHORS, NUM_COORDS};
use crate::error::{Error, Result};

/// Model files larger than this are refused before parsing (BlazeFace files are under 1 MB).
pub const MAX_MODEL_BYTES: usize = 16 * 1024 * 1024;

/// A loaded, optimised BlazeFace network.
pub struct Network {
    /// The optimised plan's running state, reused from frame to frame.
    state: TypedSimpleState,
    variant: Variant,
    /// Which output holds what: index of (scores, boxes) for the 512-anchor and the 384-anchor heads.
    heads: [(usize, usize); 2],
    scores: Vec<f32>,
    boxes: Vec<f32>,
}

/// Raw outputs for all 896 anchors, in anchor order.
pub struct RawOutput<'a> {
    pub scores: &'a [f32],
    pub boxes: &'a [f32],
}

impl Network {
    /// Parse, repair, type and optimise a BlazeFace ONNX file.
    pub fn load(bytes: &[u8]) -> Result<Self> {
        if bytes.is_empty() {
            return Err(Error::Model("the model file is empty".into()));
        }
        if bytes.len() > MAX_MODEL_BYTES {
            return Err(Error::Model(format!(
                "the model file is larger than {} MB",
                MAX_MODEL_BYTES >> 20
            )));
        }
        let onnx = tract_onnx::onnx();
        let mut proto = onnx
            .proto_model_for_read(&mut &bytes[..])
            .map_err(|e| Error::Model(format!("it is not a readable ONNX file ({e})")))?;
        fix_constant_of_shape_type(&mut proto);
        let size = input_side(&proto)
            .ok_or_else(|| Error::Model("its input is not a 1×N×N×3 image".into()))?;
        let variant = Variant::from_input_size(size).ok_or_else(|| {
            Error::Model(format!(
                "its input is {size}×{size}; BlazeFace takes 128 or 256"
            ))
        })?;
        let model = onnx
            .model_for_proto_model(&proto)
            .and_then(|m| m.with_input_fact(0, f32::fact([1, size, size, 3]).into()))
            .and_then(|m| m.into_optimized())
            .map_err(|e| Error::Model(format!("{e:#}")))?;
        let heads = find_heads(&model)?;
        let state = model
            .into_runnable()
            .and_then(|plan| plan.spawn())
            .map_err(|e| Error::Model(format!("{e:#}")))?;
        Ok(Network {
            state,
            variant,
            heads,
            scores: vec![0.0; NUM_ANCHORS],
            boxes: vec![0.0; NUM_ANCHORS * NUM_COORDS],
        })
    }

    pub fn variant(&self) -> Variant {
        self.variant
    }

    /// Run on `size*size*3` floats in `[-1, 1]`, NHWC (as [`crate::detect::letterbox_input`] makes).
    pub fn run(&mut self, input: &[f32]) -> Result<RawOutput<'_>> {
        let size = self.variant.input_size();
        let tensor = Tensor::from_shape(&[1, size, size, 3], input)
            .map_err(|e| Error::Model(e.to_string()))?;
        let outputs = self
            .state
            .run(tvec!(tensor.into()))
            .map_err(|e| Error::Model(format!("{e:#}")))?;
        let mut offset = 0;
        for (scores_at, boxes_at) in self.heads {
            let s = outputs[scores_at]
                .try_as_plain_ram()
                .and_then(|v| v.as_slice::<f32>())
                .map_err(|e| Error::Model(e.to_string()))?;
            let b = outputs[boxes_at]
                .try_as_plain_ram()
                .and_then(|v| v.as_slice::<f32>())
                .map_err(|e| Error::Model(e.to_string()))?;
            self.scores[offset..offset + s.len()].copy_from_slice(s);
            self.boxes[offset * NUM_COORDS..(offset + s.len()) * NUM_COORDS].copy_from_slice(b);
            offset += s.len();
        }
        Ok(RawOutput {
            scores: &self.scores,
            boxes: &self.boxes,
        })
    }
}

/// tract-onnx 0.23.9 gives `ConstantOfShape` an f64 zero when the node has no `value` attribute; the
/// ONNX spec says the default is a float32 zero. BlazeFace's channel-padding `Pad` layers (exported from
/// TensorFlow as ConstantOfShape + Concat) then fail to type ("Impossible to unify F32 with F64").
/// Give those nodes the explicit float32 zero the spec implies. Returns how many nodes were changed.
pub fn fix_constant_of_shape_type(proto: &mut pb::ModelProto) -> usize {
    let Some(graph) = proto.graph.as_mut() else {
        return 0;
    };
    let mut fixed = 0;
    for node in graph
        .node
        .iter_mut()
        .filter(|n| n.op_type == "ConstantOfShape")
    {
        if node.attribute.iter().any(|a| a.name == "value") {
            continue;
        }
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
        fixed += 1;
    }
    fixed
}

/// Side N of the model's `[1, N, N, 3]` input, read from the proto.
fn input_side(proto: &pb::ModelProto) -> Option<usize> {
    let graph = proto.graph.as_ref()?;
    let initializers: Vec<&str> = graph.initializer.iter().map(|t| t.name.as_str()).collect();
    let input = graph
        .input
        .iter()
        .find(|i| !initializers.contains(&i.name.as_str()))?;
    let Some(pb::type_proto::Value::TensorType(t)) = input.r#type.as_ref()?.value.as_ref() else {
        return None;
    };
    let dims: Vec<i64> = t
        .shape
        .as_ref()?
        .dim
        .iter()
        .map(|d| match d.value {
            Some(pb::tensor_shape_proto::dimension::Value::DimValue(v)) => v,
            _ => -1,
        })
        .collect();
    match dims[..] {
        [1, h, w, 3] if h == w && h > 0 => usize::try_from(h).ok(),
        _ => None,
    }
}

/// Find the (scores, boxes) outputs of the two heads by shape: `[1, 512, 1]` + `[1, 512, 16]` first
/// (the finer grid, first in anchor order), then `[1, 384, 1]` + `[1, 384, 16]`.
fn find_heads(model: &TypedModel) -> Result<[(usize, usize); 2]> {
    let shapes: Vec<Vec<usize>> = (0..model.outputs.len())
        .map(|i| {
            model
                .output_fact(i)
                .ok()
                .and_then(|f| f.shape.as_concrete().map(|s| s.to_vec()))
                .unwrap_or_default()
        })
        .collect();
    let find = |shape: [usize; 3]| {
        shapes
            .iter()
            .position(|s| s[..] == shape)
            .ok_or_else(|| Error::Model(format!("it has no output of shape {shape:?}")))
    };
    Ok([
        (find([1, 512, 1])?, find([1, 512, NUM_COORDS])?),
        (find([1, 384, 1])?, find([1, 384, NUM_COORDS])?),
    ])
}
