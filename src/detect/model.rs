//! The inference engine, behind one small interface: load an ONNX BlazeFace file, run it on a
//! letterboxed NHWC input, hand back raw scores and boxes.
//!
//! The engine is our own and small: it reads the file (`onnx.rs`), turns the graph into a fixed list
//! of steps over buffers allocated once at load time, and runs them with the kernels in `kernels.rs`.
//! It knows exactly the operators BlazeFace uses (Conv, Relu, Add, MaxPool, ConstantOfShape + Concat
//! for channel padding, Transpose, Reshape) and refuses any other model with a sentence.
//!
//! At load time it rewrites the graph as a runtime would:
//! - every tensor stays channels-last, so the NHWC↔NCHW Transposes cost nothing and the final
//!   Reshapes are views;
//! - a channel-padding Concat with zeros is never built: the Add that consumes it adds the real
//!   channels only;
//! - a 1×1 convolution followed by Add (the skip connection) and ReLU is one step;
//! - buffers are shared between tensors whose lifetimes do not overlap, so nothing is allocated
//!   per frame.

use std::collections::HashMap;

use super::blazeface::{Variant, NUM_ANCHORS, NUM_COORDS};
use super::kernels::{self, Epilogue, Shape, Window};
use super::onnx::{self, Attribute, Graph, Node};
use crate::error::{Error, Result};

/// Model files larger than this are refused before parsing (BlazeFace files are under 1 MB).
pub const MAX_MODEL_BYTES: usize = 16 * 1024 * 1024;
/// Operators in a graph, at most (BlazeFace's full-range model has 149).
const MAX_NODES: usize = 4096;
/// Floats in one intermediate tensor, at most (BlazeFace-256's largest holds 393,216).
const MAX_TENSOR_LEN: usize = 1 << 24;
/// Floats a network may need in all — every tensor counted as if none shared a buffer, plus packed
/// weights and scratch space — checked before anything is allocated (BlazeFace-256: about 9 million).
const MAX_FLOATS: usize = 1 << 25;

/// A loaded BlazeFace network, ready to run frame after frame.
pub struct Network {
    variant: Variant,
    steps: Vec<Step>,
    /// Buffers, each shared by tensors whose lifetimes do not overlap.
    buffers: Vec<Vec<f32>>,
    /// Buffer of each tensor.
    buffer_of: Vec<usize>,
    /// Tensor holding the input.
    input: usize,
    /// (scores tensor, boxes tensor, anchors) for the finer head first, then the coarser one.
    heads: [(usize, usize, usize); 2],
    scores: Vec<f32>,
    boxes: Vec<f32>,
}

/// Raw outputs for all 896 anchors, in anchor order.
pub struct RawOutput<'a> {
    pub scores: &'a [f32],
    pub boxes: &'a [f32],
}

/// One thing the network does, on tensors named by index.
#[derive(Debug)]
enum Step {
    Dense {
        input: usize,
        output: usize,
        shape: Shape,
        window: Window,
        out_shape: Shape,
        weights: Vec<f32>,
        bias: Vec<f32>,
        /// A tensor and its channel count, added before the ReLU.
        residual: Option<(usize, usize)>,
        relu: bool,
        /// Room for one output row's input patches (k > 1 only).
        scratch: Vec<f32>,
    },
    Depthwise {
        input: usize,
        output: usize,
        shape: Shape,
        window: Window,
        out_shape: Shape,
        weights: Vec<f32>,
        bias: Vec<f32>,
        relu: bool,
    },
    MaxPool {
        input: usize,
        output: usize,
        shape: Shape,
        window: Window,
        out_shape: Shape,
    },
    Add {
        a: usize,
        b: usize,
        b_channels: usize,
        output: usize,
        shape: Shape,
        relu: bool,
    },
    Relu {
        input: usize,
        output: usize,
        len: usize,
    },
    PadChannels {
        input: usize,
        channels: usize,
        output: usize,
        shape: Shape,
    },
}

impl Step {
    fn output(&self) -> usize {
        match self {
            Step::Dense { output, .. }
            | Step::Depthwise { output, .. }
            | Step::MaxPool { output, .. }
            | Step::Add { output, .. }
            | Step::Relu { output, .. }
            | Step::PadChannels { output, .. } => *output,
        }
    }

    fn inputs(&self) -> Vec<usize> {
        match self {
            Step::Dense { input, residual, .. } => {
                let mut v = vec![*input];
                v.extend(residual.map(|r| r.0));
                v
            }
            Step::Depthwise { input, .. }
            | Step::MaxPool { input, .. }
            | Step::Relu { input, .. }
            | Step::PadChannels { input, .. } => vec![*input],
            Step::Add { a, b, .. } => vec![*a, *b],
        }
    }

    fn set_relu(&mut self) -> bool {
        match self {
            Step::Dense { relu, .. } | Step::Depthwise { relu, .. } | Step::Add { relu, .. } => {
                *relu = true;
                true
            }
            _ => false,
        }
    }
}

impl Network {
    /// Read and plan a BlazeFace ONNX file.
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
        let graph = onnx::read(bytes)?;
        let size = input_side(&graph)
            .ok_or_else(|| Error::Model("its input is not a 1×N×N×3 image".into()))?;
        let variant = Variant::from_input_size(size).ok_or_else(|| {
            Error::Model(format!(
                "its input is {size}×{size}; BlazeFace takes 128 or 256"
            ))
        })?;
        let plan = Planner::plan(&graph, size)?;
        let heads = find_heads(&plan.outputs)?;
        let (buffers, buffer_of) = share_buffers(&plan.steps, &plan.lens, plan.input, &plan.outputs);
        Ok(Network {
            variant,
            steps: plan.steps,
            buffers,
            buffer_of,
            input: plan.input,
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
        if input.len() != size * size * 3 {
            return Err(Error::Model(format!(
                "the network takes {} input values, not {}",
                size * size * 3,
                input.len()
            )));
        }
        let at = self.buffer_of[self.input];
        self.buffers[at][..input.len()].copy_from_slice(input);
        for step in &mut self.steps {
            run_step(step, &mut self.buffers, &self.buffer_of);
        }
        let mut offset = 0;
        for (scores_at, boxes_at, anchors) in self.heads {
            let s = &self.buffers[self.buffer_of[scores_at]][..anchors];
            let b = &self.buffers[self.buffer_of[boxes_at]][..anchors * NUM_COORDS];
            self.scores[offset..offset + anchors].copy_from_slice(s);
            self.boxes[offset * NUM_COORDS..(offset + anchors) * NUM_COORDS].copy_from_slice(b);
            offset += anchors;
        }
        Ok(RawOutput {
            scores: &self.scores,
            boxes: &self.boxes,
        })
    }
}

/// Run one step. The output buffer is taken out of the list while the step runs, so inputs can be
/// borrowed beside it; planning guarantees no step reads the buffer it writes.
fn run_step(step: &mut Step, buffers: &mut [Vec<f32>], buffer_of: &[usize]) {
    let out_at = buffer_of[step.output()];
    let mut out = std::mem::take(&mut buffers[out_at]);
    let buf = |t: usize| -> &[f32] { &buffers[buffer_of[t]] };
    match step {
        Step::Dense { input, shape, window, out_shape, weights, bias, residual, relu, scratch, .. } => {
            let epilogue = Epilogue {
                residual: residual.map(|(t, c)| (&buf(t)[..out_shape.pixels() * c], c)),
                relu: *relu,
            };
            let x = &buf(*input)[..shape.len()];
            let y = &mut out[..out_shape.len()];
            if window.k == 1 && window.stride == 1 {
                kernels::pointwise(x, shape.c, weights, bias, y, out_shape.c, epilogue);
            } else {
                kernels::dense(x, *shape, *window, weights, bias, y, *out_shape, epilogue, scratch);
            }
        }
        Step::Depthwise { input, shape, window, out_shape, weights, bias, relu, .. } => {
            let y = &mut out[..out_shape.len()];
            kernels::depthwise(&buf(*input)[..shape.len()], *shape, *window, weights, y, *out_shape);
            if bias.iter().any(|b| *b != 0.0) || *relu {
                for px in y.chunks_exact_mut(out_shape.c) {
                    for (v, b) in px.iter_mut().zip(bias.iter()) {
                        *v += *b;
                        if *relu {
                            *v = v.max(0.0);
                        }
                    }
                }
            }
        }
        Step::MaxPool { input, shape, window, out_shape, .. } => {
            let y = &mut out[..out_shape.len()];
            kernels::max_pool(&buf(*input)[..shape.len()], *shape, *window, y, *out_shape);
        }
        Step::Add { a, b, b_channels, shape, relu, .. } => {
            let y = &mut out[..shape.len()];
            let b = &buf(*b)[..shape.pixels() * *b_channels];
            kernels::add(&buf(*a)[..shape.len()], b, *b_channels, y, shape.c, *relu);
        }
        Step::Relu { input, len, .. } => kernels::relu(&buf(*input)[..*len], &mut out[..*len]),
        Step::PadChannels { input, channels, shape, .. } => {
            let x = &buf(*input)[..shape.pixels() * *channels];
            kernels::pad_channels(x, *channels, &mut out[..shape.len()], shape.c);
        }
    }
    buffers[out_at] = out;
}

/// What a name in the graph stands for while planning.
#[derive(Debug, Clone)]
enum Value {
    /// A tensor computed at run time, channels-last. `nchw` tells how the graph sees it: as
    /// `[1, c, h, w]` (true) or as `[1, h, w, c]` (false); the data is the same either way.
    Tensor { id: usize, shape: Shape, nchw: bool },
    /// A tensor seen as `[1, ..dims]` after a Reshape of a channels-last tensor.
    Flat { id: usize, dims: Vec<usize> },
    /// Zeros of shape `[1, c, h, w]` (ConstantOfShape), never stored.
    Zeros(Shape),
    /// A tensor followed by zero channels up to `shape.c` (Concat with zeros), built only if needed.
    Padded { id: usize, channels: usize, shape: Shape },
}

struct Plan {
    steps: Vec<Step>,
    /// Length in floats of each tensor.
    lens: Vec<usize>,
    input: usize,
    /// Graph outputs: tensor and dimensions after the batch.
    outputs: Vec<(usize, Vec<usize>)>,
}

struct Planner<'g> {
    graph: &'g Graph,
    values: HashMap<&'g str, Value>,
    /// How many times each name is read by a node or is a graph output.
    uses: HashMap<&'g str, usize>,
    steps: Vec<Step>,
    lens: Vec<usize>,
    /// Tensors also seen under another name through a Transpose or Reshape: never changed in place.
    viewed: Vec<usize>,
    /// Floats needed so far (see [`MAX_FLOATS`]).
    floats: usize,
}

/// A name or list from the file, as it may appear in a message: quoted, escaped, and cut short
/// (a file can hold names of any length and any characters).
pub(super) fn shown(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((at, _)) => format!("{:?}…", &text[..at]),
        None => format!("{text:?}"),
    }
}

/// A list from the file, as it may appear in a message: its first few values.
fn shown_list<T: std::fmt::Debug>(list: &[T]) -> String {
    let more = if list.len() > 6 { ", …" } else { "" };
    format!("{:?}{more}", &list[..list.len().min(6)])
}

fn unsupported(what: String) -> Error {
    Error::Model(format!("{what}; this engine runs BlazeFace's operators only"))
}

impl<'g> Planner<'g> {
    fn plan(graph: &'g Graph, size: usize) -> Result<Plan> {
        if graph.nodes.len() > MAX_NODES {
            return Err(Error::Model("its graph has too many operators".into()));
        }
        let mut uses = HashMap::new();
        for name in graph.nodes.iter().flat_map(|n| &n.inputs).chain(&graph.outputs) {
            *uses.entry(name.as_str()).or_insert(0) += 1;
        }
        let mut planner = Planner {
            graph,
            values: HashMap::new(),
            uses,
            steps: Vec::new(),
            lens: Vec::new(),
            viewed: Vec::new(),
            floats: 0,
        };
        let shape = Shape { h: size, w: size, c: 3 };
        let input = planner.new_tensor(shape)?;
        let Some((input_name, _)) = graph.inputs.first() else {
            return Err(Error::Model("it has no input".into()));
        };
        planner
            .values
            .insert(input_name, Value::Tensor { id: input, shape, nchw: false });
        for node in &graph.nodes {
            planner.node(node)?;
        }
        let mut outputs = Vec::new();
        for name in &graph.outputs {
            let output = match planner.values.get(name.as_str()) {
                Some(Value::Flat { id, dims }) => (*id, dims.clone()),
                Some(Value::Tensor { id, shape, nchw: false }) => (*id, vec![shape.h, shape.w, shape.c]),
                _ => return Err(Error::Model(format!("its output {} is not a computed tensor", shown(name)))),
            };
            outputs.push(output);
        }
        Ok(Plan { steps: planner.steps, lens: planner.lens, input, outputs })
    }

    fn new_tensor(&mut self, shape: Shape) -> Result<usize> {
        if shape.checked_len().is_none_or(|n| n == 0 || n > MAX_TENSOR_LEN) {
            return Err(Error::Model("a tensor in its graph is empty or too large".into()));
        }
        self.reserve(shape.len())?;
        self.lens.push(shape.len());
        Ok(self.lens.len() - 1)
    }

    /// Count `n` more floats against [`MAX_FLOATS`] before they are allocated.
    fn reserve(&mut self, n: usize) -> Result<()> {
        match self.floats.checked_add(n) {
            Some(total) if total <= MAX_FLOATS => {
                self.floats = total;
                Ok(())
            }
            _ => Err(Error::Model(format!(
                "running it would need more than {} MB of memory",
                MAX_FLOATS * 4 >> 20
            ))),
        }
    }

    fn value(&self, node: &Node, i: usize) -> Result<Value> {
        let name = node
            .inputs
            .get(i)
            .ok_or_else(|| Error::Model(format!("a {} node lacks an input", node.op_type)))?;
        self.values.get(name.as_str()).cloned().ok_or_else(|| {
            Error::Model(format!("{} is used before it is computed (the graph is not in order)", shown(name)))
        })
    }

    /// A channels-last tensor the graph sees as `[1, c, h, w]`, built from a padded value if need be.
    fn nchw(&mut self, node: &Node, i: usize) -> Result<(usize, Shape)> {
        match self.value(node, i)? {
            Value::Tensor { id, shape, nchw: true } => Ok((id, shape)),
            Value::Padded { id, channels, shape } => {
                let output = self.new_tensor(shape)?;
                self.steps.push(Step::PadChannels { input: id, channels, output, shape });
                Ok((output, shape))
            }
            _ => Err(unsupported(format!("a {} node takes an input this engine cannot lay out", node.op_type))),
        }
    }

    fn define(&mut self, node: &'g Node, value: Value) -> Result<()> {
        let name = node
            .outputs
            .first()
            .ok_or_else(|| Error::Model(format!("a {} node has no output", node.op_type)))?;
        self.values.insert(name, value);
        Ok(())
    }

    fn uses_of(&self, node: &Node, i: usize) -> usize {
        node.inputs.get(i).and_then(|n| self.uses.get(n.as_str())).copied().unwrap_or(0)
    }

    /// Whether input `i` of `node` was written by the last step and is read by this node only, so
    /// the node can be folded into that step.
    fn fusable(&self, node: &Node, i: usize, id: usize) -> bool {
        self.uses_of(node, i) == 1
            && !self.viewed.contains(&id)
            && self.steps.last().is_some_and(|s| s.output() == id)
    }

    fn node(&mut self, node: &'g Node) -> Result<()> {
        match node.op_type.as_str() {
            "Conv" => self.conv(node),
            "Relu" => {
                let (id, shape) = self.nchw(node, 0)?;
                let fused = self.fusable(node, 0, id)
                    && self.steps.last_mut().is_some_and(Step::set_relu);
                let id = if fused {
                    id
                } else {
                    let output = self.new_tensor(shape)?;
                    self.steps.push(Step::Relu { input: id, output, len: shape.len() });
                    output
                };
                self.define(node, Value::Tensor { id, shape, nchw: true })
            }
            "Add" => self.add(node),
            "MaxPool" => {
                let (input, shape) = self.nchw(node, 0)?;
                let window = window(node)?;
                let out_shape = out_shape(shape, window, node, shape.c)?;
                if node.int("ceil_mode").unwrap_or(0) != 0 {
                    return Err(unsupported("a MaxPool rounds up".into()));
                }
                let output = self.new_tensor(out_shape)?;
                self.steps.push(Step::MaxPool { input, output, shape, window, out_shape });
                self.define(node, Value::Tensor { id: output, shape: out_shape, nchw: true })
            }
            "ConstantOfShape" => {
                let dims = self.constant_ints(node, 0)?;
                let zero = match node.attributes.get("value") {
                    None => true,
                    Some(Attribute::Tensor(t)) => t.floats().is_some_and(|v| v.iter().all(|x| *x == 0.0)),
                    Some(_) => false,
                };
                match dims[..] {
                    [1, c, h, w] if zero => self.define(node, Value::Zeros(Shape { h, w, c })),
                    _ => Err(unsupported("a ConstantOfShape is not zeros of shape [1, C, H, W]".into())),
                }
            }
            "Concat" => {
                if node.int("axis") != Some(1) || node.inputs.len() != 2 {
                    return Err(unsupported("a Concat is not of two tensors along channels".into()));
                }
                let (id, shape) = self.nchw(node, 0)?;
                match self.value(node, 1)? {
                    Value::Zeros(z) if z.h == shape.h && z.w == shape.w => {
                        let padded = Shape { c: shape.c + z.c, ..shape };
                        if padded.checked_len().is_none_or(|n| n > MAX_TENSOR_LEN) {
                            return Err(Error::Model("a tensor in its graph is too large".into()));
                        }
                        self.define(node, Value::Padded { id, channels: shape.c, shape: padded })
                    }
                    _ => Err(unsupported("a Concat does not pad channels with zeros".into())),
                }
            }
            "Transpose" => {
                let perm = node.ints("perm").unwrap_or(&[]);
                let (id, shape, nchw) = match self.value(node, 0)? {
                    Value::Tensor { id, shape, nchw } => (id, shape, nchw),
                    Value::Padded { .. } => {
                        let (id, shape) = self.nchw(node, 0)?;
                        (id, shape, true)
                    }
                    _ => return Err(unsupported("a Transpose of a constant".into())),
                };
                let to_nchw = match (perm, nchw) {
                    ([0, 3, 1, 2], false) => true,
                    ([0, 2, 3, 1], true) => false,
                    _ => return Err(unsupported(format!("a Transpose {}", shown_list(perm)))),
                };
                self.viewed.push(id);
                self.define(node, Value::Tensor { id, shape, nchw: to_nchw })
            }
            "Reshape" => {
                let dims = self.constant_ints(node, 1)?;
                let (id, len) = match self.value(node, 0)? {
                    Value::Tensor { id, shape, nchw: false } => (id, shape.len()),
                    Value::Flat { id, dims } => (id, dims.iter().product()),
                    _ => return Err(unsupported("a Reshape of a channels-first tensor".into())),
                };
                match dims.split_first() {
                    Some((1, rest)) if rest.iter().try_fold(1usize, |n, &d| n.checked_mul(d)) == Some(len) => {
                        self.viewed.push(id);
                        self.define(node, Value::Flat { id, dims: rest.to_vec() })
                    }
                    _ => Err(unsupported(format!("a Reshape to {}", shown_list(&dims)))),
                }
            }
            other => Err(unsupported(format!("it uses the operator {}", shown(other)))),
        }
    }

    /// Input `i` of `node` as a list of sizes from a constant.
    fn constant_ints(&self, node: &Node, i: usize) -> Result<Vec<usize>> {
        let name = node.inputs.get(i).map(String::as_str).unwrap_or("");
        let ints = self
            .graph
            .constants
            .get(name)
            .and_then(|c| c.ints())
            .ok_or_else(|| unsupported(format!("a {} takes a shape that is not a constant", node.op_type)))?;
        ints.iter()
            .map(|&v| {
                usize::try_from(v)
                    .ok()
                    .filter(|&v| v <= MAX_TENSOR_LEN)
                    .ok_or_else(|| unsupported(format!("a {} has a negative or huge size", node.op_type)))
            })
            .collect()
    }

    fn conv(&mut self, node: &'g Node) -> Result<()> {
        let (input, shape) = self.nchw(node, 0)?;
        let name = |i: usize| node.inputs.get(i).map(String::as_str).unwrap_or("");
        let weights = self.graph.constants.get(name(1)).filter(|c| c.dims.len() == 4);
        let Some((w, dims)) = weights.and_then(|c| Some((c.floats()?, &c.dims))) else {
            return Err(unsupported("a Conv's weights are not a constant 4-D float tensor".into()));
        };
        let (cout, cin_per_group, kh, kw) = (dims[0], dims[1], dims[2], dims[3]);
        let bias = match node.inputs.get(2).filter(|n| !n.is_empty()) {
            Some(b) => Some(
                self.graph
                    .constants
                    .get(b.as_str())
                    .and_then(|c| c.floats())
                    .filter(|v| v.len() == cout)
                    .ok_or_else(|| unsupported("a Conv's bias is not a constant of its output channels".into()))?,
            ),
            None => None,
        };
        if node.ints("dilations").is_some_and(|d| d.iter().any(|&v| v != 1)) {
            return Err(unsupported("a Conv is dilated".into()));
        }
        if kh != kw || node.ints("kernel_shape").is_some_and(|k| k != [kh as i64, kw as i64]) {
            return Err(unsupported("a Conv's kernel is not square".into()));
        }
        let group = usize::try_from(node.int("group").unwrap_or(1)).unwrap_or(0);
        let window = window(node)?;
        if window.k != kh {
            return Err(unsupported("a Conv's kernel size disagrees with its weights".into()));
        }
        let out_shape = out_shape(shape, window, node, cout)?;
        let depthwise = group == shape.c && group == cout && cin_per_group == 1 && group > 1;
        if !depthwise && (group != 1 || cin_per_group != shape.c) {
            return Err(unsupported(format!("a Conv has {group} groups")));
        }
        let output = self.new_tensor(out_shape)?;
        let packed = if depthwise {
            w.len()
        } else {
            let per_block = kh * kh * shape.c * kernels::LANES + kernels::LANES;
            let scratch = kernels::dense_scratch(window, shape, out_shape);
            kernels::blocks(cout).saturating_mul(per_block).saturating_add(scratch)
        };
        self.reserve(packed)?;
        let step = if depthwise {
            Step::Depthwise {
                input,
                output,
                shape,
                window,
                out_shape,
                weights: kernels::pack_depthwise(w, cout, kh),
                bias: bias.map(<[f32]>::to_vec).unwrap_or_else(|| vec![0.0; cout]),
                relu: false,
            }
        } else {
            Step::Dense {
                input,
                output,
                shape,
                window,
                out_shape,
                weights: kernels::pack_dense(w, cout, shape.c, kh),
                bias: kernels::pack_bias(bias, cout),
                residual: None,
                relu: false,
                scratch: if kh == 1 && window.stride == 1 {
                    Vec::new()
                } else {
                    vec![0.0; kernels::dense_scratch(window, shape, out_shape)]
                },
            }
        };
        self.steps.push(step);
        self.define(node, Value::Tensor { id: output, shape: out_shape, nchw: true })
    }

    /// Add two tensors. When one was just computed by a 1×1 convolution and is read only here, the
    /// other becomes that convolution's residual; a zero-padded tensor adds its real channels only.
    fn add(&mut self, node: &'g Node) -> Result<()> {
        let operand = |value: Value| match value {
            Value::Tensor { id, shape, nchw: true } => Some((id, shape, shape.c)),
            Value::Padded { id, channels, shape } => Some((id, shape, channels)),
            _ => None,
        };
        let a = operand(self.value(node, 0)?);
        let b = operand(self.value(node, 1)?);
        let (Some(a), Some(b)) = (a, b) else {
            return Err(unsupported("an Add is not of two computed tensors".into()));
        };
        if a.1 != b.1 {
            return Err(unsupported("an Add of tensors of different shapes".into()));
        }
        for (i, (sum, other)) in [(0, (a, b)), (1, (b, a))] {
            let (id, shape, channels) = sum;
            if channels != shape.c || !self.fusable(node, i, id) {
                continue;
            }
            if let Some(Step::Dense { window, residual: residual @ None, relu: false, .. }) = self.steps.last_mut() {
                if window.k == 1 && window.stride == 1 {
                    *residual = Some((other.0, other.2));
                    return self.define(node, Value::Tensor { id, shape, nchw: true });
                }
            }
        }
        let (a, b) = if a.2 == a.1.c { (a, b) } else { (b, a) };
        if a.2 != a.1.c {
            return Err(unsupported("an Add of two zero-padded tensors".into()));
        }
        let output = self.new_tensor(a.1)?;
        self.steps.push(Step::Add { a: a.0, b: b.0, b_channels: b.2, output, shape: a.1, relu: false });
        self.define(node, Value::Tensor { id: output, shape: a.1, nchw: true })
    }
}

/// The window of a Conv or MaxPool node: square kernel, equal strides, ONNX pads
/// `[top, left, bottom, right]`.
fn window(node: &Node) -> Result<Window> {
    let kernel = node.ints("kernel_shape").unwrap_or(&[]);
    let strides = node.ints("strides").unwrap_or(&[1, 1]);
    let pads = node.ints("pads").unwrap_or(&[0, 0, 0, 0]);
    if node.attributes.get("auto_pad").is_some_and(|a| *a != Attribute::Other) {
        return Err(unsupported(format!("a {} uses auto_pad", node.op_type)));
    }
    let small = |v: i64| usize::try_from(v).ok().filter(|&v| v <= 64);
    match (kernel, strides, pads) {
        ([k, k2], [s, s2], [t, l, _, _]) if k == k2 && s == s2 => {
            let (Some(k), Some(stride), Some(pad_top), Some(pad_left)) = (small(*k), small(*s), small(*t), small(*l)) else {
                return Err(unsupported(format!("a {} has a window this engine does not run", node.op_type)));
            };
            if k == 0 || stride == 0 || pad_top >= k || pad_left >= k {
                return Err(unsupported(format!("a {} has a window this engine does not run", node.op_type)));
            }
            Ok(Window { k, stride, pad_top, pad_left })
        }
        _ => Err(unsupported(format!("a {} has a window this engine does not run", node.op_type))),
    }
}

/// Output shape of `window` over `shape` with the node's bottom and right padding.
fn out_shape(shape: Shape, window: Window, node: &Node, c: usize) -> Result<Shape> {
    let pads = node.ints("pads").unwrap_or(&[0, 0, 0, 0]);
    let pad = |i: usize| pads.get(i).and_then(|&v| usize::try_from(v).ok()).filter(|&v| v < window.k);
    let (Some(bottom), Some(right)) = (pad(2), pad(3)) else {
        return Err(unsupported(format!("a {} has padding this engine does not run", node.op_type)));
    };
    let side = |len: usize, before: usize, after: usize| {
        (len + before + after)
            .checked_sub(window.k)
            .map(|n| n / window.stride + 1)
    };
    match (side(shape.h, window.pad_top, bottom), side(shape.w, window.pad_left, right)) {
        (Some(h), Some(w)) => Ok(Shape { h, w, c }),
        _ => Err(unsupported(format!("a {} window is larger than its input", node.op_type))),
    }
}

/// Give each tensor a buffer, sharing buffers between tensors whose lifetimes do not overlap. A
/// step's output never shares with its own inputs. The input and the outputs are never shared.
fn share_buffers(steps: &[Step], lens: &[usize], input: usize, outputs: &[(usize, Vec<usize>)]) -> (Vec<Vec<f32>>, Vec<usize>) {
    let mut last_use = vec![0usize; lens.len()];
    for (i, step) in steps.iter().enumerate() {
        for t in step.inputs() {
            last_use[t] = i;
        }
    }
    let pinned: Vec<usize> = outputs.iter().map(|o| o.0).chain([input]).collect();
    let mut sizes: Vec<usize> = Vec::new();
    let mut buffer_of = vec![usize::MAX; lens.len()];
    let mut free: Vec<usize> = Vec::new();
    let fresh = |sizes: &mut Vec<usize>, len: usize| {
        sizes.push(len);
        sizes.len() - 1
    };
    buffer_of[input] = fresh(&mut sizes, lens[input]);
    for (i, step) in steps.iter().enumerate() {
        let t = step.output();
        if buffer_of[t] == usize::MAX {
            buffer_of[t] = if pinned.contains(&t) {
                fresh(&mut sizes, lens[t])
            } else if let Some(at) = free.pop() {
                sizes[at] = sizes[at].max(lens[t]);
                at
            } else {
                fresh(&mut sizes, lens[t])
            };
        }
        for t in step.inputs() {
            if last_use[t] == i && !pinned.contains(&t) && !free.contains(&buffer_of[t]) {
                free.push(buffer_of[t]);
            }
        }
    }
    for t in 0..lens.len() {
        if buffer_of[t] == usize::MAX {
            buffer_of[t] = fresh(&mut sizes, lens[t]);
        }
    }
    (sizes.into_iter().map(|n| vec![0.0; n]).collect(), buffer_of)
}

/// Side N of the model's `[1, N, N, 3]` input.
fn input_side(graph: &Graph) -> Option<usize> {
    match graph.inputs[..] {
        [(_, ref dims)] => match dims[..] {
            [1, h, w, 3] if h == w && h > 0 => usize::try_from(h).ok(),
            _ => None,
        },
        _ => None,
    }
}

/// Find the (scores, boxes) outputs of the two heads by shape: `[1, 512, 1]` + `[1, 512, 16]` first
/// (the finer grid, first in anchor order), then `[1, 384, 1]` + `[1, 384, 16]`.
fn find_heads(outputs: &[(usize, Vec<usize>)]) -> Result<[(usize, usize, usize); 2]> {
    let find = |shape: [usize; 2]| {
        outputs
            .iter()
            .find(|(_, dims)| dims[..] == shape)
            .map(|o| o.0)
            .ok_or_else(|| Error::Model(format!("it has no output of shape [1, {}, {}]", shape[0], shape[1])))
    };
    Ok([
        (find([512, 1])?, find([512, NUM_COORDS])?, 512),
        (find([384, 1])?, find([384, NUM_COORDS])?, 384),
    ])
}
