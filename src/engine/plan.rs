//! The planner: an ONNX graph (from `onnx.rs`) becomes a fixed list of steps (`run.rs`) over
//! tensors of known sizes, for one input size. It knows operators, never models.
//!
//! At load time it rewrites the graph as a runtime would:
//! - every tensor stays channels-last, so NHWC↔NCHW Transposes cost nothing and Reshapes of
//!   channels-last tensors are views;
//! - shape arithmetic (Shape, Gather, Unsqueeze, Slice, Cast, Concat of sizes, Constant, Identity) is
//!   folded for the input size in use, so a Resize or Reshape whose size is computed from the graph
//!   becomes a constant;
//! - a channel-padding Concat with zeros is never built: the Add that consumes it adds the real
//!   channels only;
//! - a 1×1 convolution followed by Add (a skip connection) and an activation is one step, and an
//!   activation after a convolution or an Add is folded into it.

use std::collections::HashMap;

use super::kernels::{self, Act, Shape, Window};
use super::onnx::{Attribute, Constant, ConstantData, Graph, Node};
use super::run::Step;
use super::{shown, unsupported, MAX_FLOATS, MAX_NODES, MAX_TENSOR_LEN};
use crate::error::{Error, Result};

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
    Padded {
        id: usize,
        channels: usize,
        shape: Shape,
    },
}

/// A graph output: its name, tensor and dimensions after the batch.
#[derive(Debug, Clone)]
pub struct Output {
    pub name: String,
    pub tensor: usize,
    pub dims: Vec<usize>,
}

/// The graph as steps, with every tensor's size.
pub struct Plan {
    pub steps: Vec<Step>,
    /// Length in floats of each tensor.
    pub lens: Vec<usize>,
    pub input: usize,
    /// The input as the runner takes it: channels-last.
    pub input_shape: Shape,
    pub outputs: Vec<Output>,
}

/// Plan `graph` for an input of `size` (height, width) where the file leaves them open; a file that
/// fixes them is planned at its own size, and a `size` that disagrees is refused.
pub fn plan(graph: &Graph, size: Option<(usize, usize)>) -> Result<Plan> {
    Planner::plan(graph, size, true)
}

/// [`plan`] with no step fused into another (each activation and Add a step of its own): the
/// reference the fused plan is checked against.
pub fn plan_unfused(graph: &Graph, size: Option<(usize, usize)>) -> Result<Plan> {
    Planner::plan(graph, size, false)
}

struct Planner<'g> {
    graph: &'g Graph,
    values: HashMap<&'g str, Value>,
    /// Constants computed while planning (Constant nodes, Identity of a constant, shape arithmetic).
    folded: HashMap<&'g str, Constant>,
    /// How many times each name is read by a node or is a graph output.
    uses: HashMap<&'g str, usize>,
    steps: Vec<Step>,
    lens: Vec<usize>,
    /// Tensors also seen under another name through a Transpose or Reshape: never changed in place.
    viewed: Vec<usize>,
    /// Floats needed so far (see [`MAX_FLOATS`]).
    floats: usize,
    /// Whether activations and skip connections are folded into the step before.
    fuse: bool,
}

/// A list from the file, as it may appear in a message: its first few values.
fn shown_list<T: std::fmt::Debug>(list: &[T]) -> String {
    let more = if list.len() > 6 { ", …" } else { "" };
    format!("{:?}{more}", &list[..list.len().min(6)])
}

/// The input's layout and channels-last shape: `[1, h, w, c]` or `[1, c, h, w]` (batch 1 or open),
/// open sizes taken from `size`.
fn input_layout(dims: &[i64], size: Option<(usize, usize)>) -> Result<(Shape, bool)> {
    let refuse = || Error::Model("its input is not one picture of 3 colour channels".into());
    let dim = |d: i64, given: Option<usize>| -> Result<usize> {
        match (d, given) {
            (-1, Some(g)) => Ok(g),
            (-1, None) => Err(Error::Model(
                "its input size is open and none was given".into(),
            )),
            (d, given) => {
                let d = usize::try_from(d)
                    .ok()
                    .filter(|&d| d > 0)
                    .ok_or_else(refuse)?;
                match given {
                    Some(g) if g != d => Err(Error::Model(format!(
                        "its input is fixed at {d} pixels, not {g}"
                    ))),
                    _ => Ok(d),
                }
            }
        }
    };
    let (h, w) = (size.map(|s| s.0), size.map(|s| s.1));
    match *dims {
        [b, hd, wd, 3] if b == 1 || b == -1 => Ok((
            Shape {
                h: dim(hd, h)?,
                w: dim(wd, w)?,
                c: 3,
            },
            false,
        )),
        [b, 3, hd, wd] if b == 1 || b == -1 => Ok((
            Shape {
                h: dim(hd, h)?,
                w: dim(wd, w)?,
                c: 3,
            },
            true,
        )),
        _ => Err(refuse()),
    }
}

fn ints_constant(values: Vec<i64>) -> Constant {
    Constant {
        dims: vec![values.len()],
        data: ConstantData::Int(values),
    }
}

impl<'g> Planner<'g> {
    fn plan(graph: &'g Graph, size: Option<(usize, usize)>, fuse: bool) -> Result<Plan> {
        if graph.nodes.len() > MAX_NODES {
            return Err(Error::Model("its graph has too many operators".into()));
        }
        let mut uses = HashMap::new();
        for name in graph
            .nodes
            .iter()
            .flat_map(|n| &n.inputs)
            .chain(&graph.outputs)
        {
            *uses.entry(name.as_str()).or_insert(0) += 1;
        }
        let mut planner = Planner {
            graph,
            values: HashMap::new(),
            folded: HashMap::new(),
            uses,
            steps: Vec::new(),
            lens: Vec::new(),
            viewed: Vec::new(),
            floats: 0,
            fuse,
        };
        let [(input_name, dims)] = &graph.inputs[..] else {
            return Err(Error::Model("it does not have exactly one input".into()));
        };
        let (shape, nchw) = input_layout(dims, size)?;
        let input = planner.new_tensor(shape)?;
        planner.values.insert(
            input_name,
            Value::Tensor {
                id: input,
                shape,
                nchw,
            },
        );
        for node in &graph.nodes {
            planner.node(node)?;
        }
        let mut outputs = Vec::new();
        for name in &graph.outputs {
            let (tensor, dims) = match planner.values.get(name.as_str()) {
                Some(Value::Flat { id, dims }) => (*id, dims.clone()),
                Some(Value::Tensor {
                    id,
                    shape,
                    nchw: false,
                }) => (*id, vec![shape.h, shape.w, shape.c]),
                // Channels-first with one pixel (or one channel) is laid out as channels-last.
                Some(Value::Tensor {
                    id,
                    shape,
                    nchw: true,
                }) if shape.pixels() == 1 || shape.c == 1 => (*id, vec![shape.c, shape.h, shape.w]),
                _ => {
                    return Err(Error::Model(format!(
                        "its output {} is not a computed tensor",
                        shown(name)
                    )))
                }
            };
            outputs.push(Output {
                name: name.clone(),
                tensor,
                dims,
            });
        }
        Ok(Plan {
            steps: planner.steps,
            lens: planner.lens,
            input,
            input_shape: shape,
            outputs,
        })
    }

    fn new_tensor(&mut self, shape: Shape) -> Result<usize> {
        self.new_flat(shape.checked_len().unwrap_or(usize::MAX))
    }

    fn new_flat(&mut self, len: usize) -> Result<usize> {
        if len == 0 || len > MAX_TENSOR_LEN {
            return Err(Error::Model(
                "a tensor in its graph is empty or too large".into(),
            ));
        }
        self.reserve(len)?;
        self.lens.push(len);
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
                (MAX_FLOATS * 4) >> 20
            ))),
        }
    }

    fn name(node: &Node, i: usize) -> &str {
        node.inputs.get(i).map(String::as_str).unwrap_or("")
    }

    /// A constant by name: from the file, or folded while planning.
    fn constant(&self, name: &str) -> Option<&Constant> {
        self.folded
            .get(name)
            .or_else(|| self.graph.constants.get(name))
    }

    fn value(&self, node: &Node, i: usize) -> Result<Value> {
        let name = node.inputs.get(i).ok_or_else(|| {
            Error::Model(format!("a {} node lacks an input", shown(&node.op_type)))
        })?;
        self.values.get(name.as_str()).cloned().ok_or_else(|| {
            Error::Model(format!(
                "{} is used before it is computed (the graph is not in order)",
                shown(name)
            ))
        })
    }

    /// A channels-last tensor the graph sees as `[1, c, h, w]`, built from a padded value if need be.
    fn nchw(&mut self, node: &Node, i: usize) -> Result<(usize, Shape)> {
        match self.value(node, i)? {
            Value::Tensor {
                id,
                shape,
                nchw: true,
            } => Ok((id, shape)),
            Value::Padded {
                id,
                channels,
                shape,
            } => {
                let output = self.new_tensor(shape)?;
                self.steps.push(Step::PadChannels {
                    input: id,
                    channels,
                    output,
                    shape,
                });
                Ok((output, shape))
            }
            _ => Err(unsupported(format!(
                "a {} node takes an input this engine cannot lay out",
                shown(&node.op_type)
            ))),
        }
    }

    fn output_name(node: &'g Node) -> Result<&'g str> {
        node.outputs
            .first()
            .map(String::as_str)
            .ok_or_else(|| Error::Model(format!("a {} node has no output", shown(&node.op_type))))
    }

    fn define(&mut self, node: &'g Node, value: Value) -> Result<()> {
        let name = Self::output_name(node)?;
        self.values.insert(name, value);
        Ok(())
    }

    /// A step writing a new picture of `shape` (seen channels-first by the graph): its tensor is made,
    /// the step built around it and pushed, and the node's output defined as it.
    fn push_picture(
        &mut self,
        node: &'g Node,
        shape: Shape,
        step: impl FnOnce(usize) -> Step,
    ) -> Result<()> {
        let output = self.new_tensor(shape)?;
        self.steps.push(step(output));
        self.define(
            node,
            Value::Tensor {
                id: output,
                shape,
                nchw: true,
            },
        )
    }

    fn fold(&mut self, node: &'g Node, constant: Constant) -> Result<()> {
        let name = Self::output_name(node)?;
        self.folded.insert(name, constant);
        Ok(())
    }

    fn uses_of(&self, node: &Node, i: usize) -> usize {
        node.inputs
            .get(i)
            .and_then(|n| self.uses.get(n.as_str()))
            .copied()
            .unwrap_or(0)
    }

    /// Whether input `i` of `node` was written by the last step and is read by this node only, so
    /// the node can be folded into that step.
    fn fusable(&self, node: &Node, i: usize, id: usize) -> bool {
        self.fuse
            && self.uses_of(node, i) == 1
            && !self.viewed.contains(&id)
            && self.steps.last().is_some_and(|s| s.output() == id)
    }

    /// Whether every input of `node` is a constant, so the node can be computed now.
    fn all_constant(&self, node: &Node) -> bool {
        !node.inputs.is_empty()
            && node
                .inputs
                .iter()
                .all(|n| n.is_empty() || self.constant(n).is_some())
    }

    fn node(&mut self, node: &'g Node) -> Result<()> {
        if self.all_constant(node) && node.op_type != "Conv" {
            return self.fold_node(node);
        }
        match node.op_type.as_str() {
            "Conv" => self.conv(node),
            "Relu" => self.activation(node, Act::Relu),
            "LeakyRelu" => {
                let alpha = match node.attributes.get("alpha") {
                    None => 0.01,
                    Some(Attribute::Float(a)) => *a,
                    Some(_) => {
                        return Err(unsupported("a LeakyRelu's slope is not a number".into()))
                    }
                };
                if !(0.0..=1.0).contains(&alpha) {
                    return Err(unsupported(format!("a LeakyRelu has slope {alpha}")));
                }
                self.activation(node, Act::Leaky(alpha))
            }
            "Constant" => match node.attributes.get("value") {
                Some(Attribute::Tensor(t)) => self.fold(node, t.clone()),
                _ => Err(unsupported("a Constant that is not a tensor".into())),
            },
            "Identity" => {
                let value = self.value(node, 0)?;
                self.define(node, value)
            }
            "Add" => self.add(node),
            "MaxPool" => {
                let (input, shape) = self.nchw(node, 0)?;
                let window = window(node)?;
                let out_shape = out_shape(shape, window, node, shape.c)?;
                if node.int("ceil_mode").unwrap_or(0) != 0 {
                    return Err(unsupported("a MaxPool rounds up".into()));
                }
                self.push_picture(node, out_shape, |output| Step::MaxPool {
                    input,
                    output,
                    shape,
                    window,
                    out_shape,
                })
            }
            "AveragePool" => {
                let (input, shape) = self.nchw(node, 0)?;
                let window = window(node)?;
                let out_shape = out_shape(shape, window, node, shape.c)?;
                if node.int("ceil_mode").unwrap_or(0) != 0 {
                    return Err(unsupported("an AveragePool rounds up".into()));
                }
                let padded = node.ints("pads").is_some_and(|p| p.iter().any(|&v| v != 0));
                if padded && node.int("count_include_pad").unwrap_or(0) != 0 {
                    return Err(unsupported("an AveragePool counts its padding".into()));
                }
                self.push_picture(node, out_shape, |output| Step::AvgPool {
                    input,
                    output,
                    shape,
                    window,
                    out_shape,
                })
            }
            "GlobalAveragePool" => {
                let (input, shape) = self.nchw(node, 0)?;
                let out_shape = Shape {
                    h: 1,
                    w: 1,
                    c: shape.c,
                };
                self.push_picture(node, out_shape, |output| Step::Mean {
                    input,
                    output,
                    shape,
                })
            }
            "Pad" => self.pad(node),
            "Shape" => {
                let dims: Vec<i64> = match self.value(node, 0)? {
                    Value::Tensor {
                        shape, nchw: true, ..
                    }
                    | Value::Padded { shape, .. }
                    | Value::Zeros(shape) => {
                        vec![1, shape.c as i64, shape.h as i64, shape.w as i64]
                    }
                    Value::Tensor {
                        shape, nchw: false, ..
                    } => vec![1, shape.h as i64, shape.w as i64, shape.c as i64],
                    Value::Flat { dims, .. } => [1]
                        .into_iter()
                        .chain(dims.iter().map(|&d| d as i64))
                        .collect(),
                };
                self.fold(node, ints_constant(dims))
            }
            "Concat" => self.concat(node),
            "Transpose" => {
                let perm = node.ints("perm").unwrap_or(&[]);
                let (id, shape, nchw) = match self.value(node, 0)? {
                    Value::Tensor { id, shape, nchw } => (id, shape, nchw),
                    Value::Padded { .. } => {
                        let (id, shape) = self.nchw(node, 0)?;
                        (id, shape, true)
                    }
                    _ => {
                        return Err(unsupported(
                            "a Transpose of a constant or a flattened tensor".into(),
                        ))
                    }
                };
                let to_nchw = match (perm, nchw) {
                    ([0, 3, 1, 2], false) => true,
                    ([0, 2, 3, 1], true) => false,
                    _ => return Err(unsupported(format!("a Transpose {}", shown_list(perm)))),
                };
                self.viewed.push(id);
                self.define(
                    node,
                    Value::Tensor {
                        id,
                        shape,
                        nchw: to_nchw,
                    },
                )
            }
            "Reshape" => {
                let (id, from): (usize, Vec<usize>) = match self.value(node, 0)? {
                    Value::Tensor {
                        id,
                        shape,
                        nchw: false,
                    } => (id, vec![shape.h, shape.w, shape.c]),
                    Value::Flat { id, dims } => (id, dims),
                    _ => return Err(unsupported("a Reshape of a channels-first tensor".into())),
                };
                let target = self
                    .constant(Self::name(node, 1))
                    .and_then(Constant::ints)
                    .map(<[i64]>::to_vec)
                    .ok_or_else(|| {
                        unsupported("a Reshape takes a shape that is not a constant".into())
                    })?;
                let with_batch: Vec<usize> = [1].into_iter().chain(from.iter().copied()).collect();
                let dims = reshaped(&with_batch, &target)
                    .ok_or_else(|| unsupported(format!("a Reshape to {}", shown_list(&target))))?;
                match dims.split_first() {
                    Some((1, rest)) => {
                        self.viewed.push(id);
                        self.define(
                            node,
                            Value::Flat {
                                id,
                                dims: rest.to_vec(),
                            },
                        )
                    }
                    _ => Err(unsupported(format!("a Reshape to {}", shown_list(&target)))),
                }
            }
            "Resize" | "Upsample" => self.resize(node),
            "Softmax" => {
                let (id, dims) = match self.value(node, 0)? {
                    Value::Flat { id, dims } => (id, dims),
                    Value::Tensor {
                        id,
                        shape,
                        nchw: false,
                    } => (id, vec![shape.h, shape.w, shape.c]),
                    _ => return Err(unsupported("a Softmax over channels-first data".into())),
                };
                let rank = dims.len() as i64 + 1;
                let axis = node.int("axis").unwrap_or(-1);
                if axis != rank - 1 && axis != -1 {
                    return Err(unsupported("a Softmax not over the last axis".into()));
                }
                let (len, inner) = (dims.iter().product(), *dims.last().unwrap_or(&1));
                let output = self.new_flat(len)?;
                self.steps.push(Step::Softmax {
                    input: id,
                    output,
                    len,
                    inner,
                });
                self.define(node, Value::Flat { id: output, dims })
            }
            other => Err(unsupported(format!(
                "it uses the operator {}",
                shown(other)
            ))),
        }
    }

    /// An activation: folded into the step that computed its input when that step can, else a step
    /// of its own. Works on any layout, value by value.
    fn activation(&mut self, node: &'g Node, act: Act) -> Result<()> {
        let value = match self.value(node, 0)? {
            Value::Padded { .. } => {
                let (id, shape) = self.nchw(node, 0)?;
                Value::Tensor {
                    id,
                    shape,
                    nchw: true,
                }
            }
            v => v,
        };
        let (id, len) = match &value {
            Value::Tensor { id, shape, .. } => (*id, shape.len()),
            Value::Flat { id, dims } => (*id, dims.iter().product()),
            _ => {
                return Err(unsupported(format!(
                    "a {} of a constant",
                    shown(&node.op_type)
                )))
            }
        };
        let fused =
            self.fusable(node, 0, id) && self.steps.last_mut().is_some_and(|s| s.set_act(act));
        let id = if fused {
            id
        } else {
            let output = self.new_flat(len)?;
            self.steps.push(Step::Activate {
                input: id,
                output,
                len,
                act,
            });
            output
        };
        let value = match value {
            Value::Tensor { shape, nchw, .. } => Value::Tensor { id, shape, nchw },
            Value::Flat { dims, .. } => Value::Flat { id, dims },
            v => v,
        };
        self.define(node, value)
    }

    /// Concatenation: of channels (channels-first view), of flattened tensors along any axis, or of a
    /// tensor with zero channels (kept as a padded value, never built).
    fn concat(&mut self, node: &'g Node) -> Result<()> {
        let axis = node
            .int("axis")
            .ok_or_else(|| unsupported("a Concat has no axis".into()))?;
        if node.inputs.is_empty() || node.inputs.len() > 64 {
            return Err(unsupported("a Concat of no or too many tensors".into()));
        }
        if let (1, 2, Ok(Value::Zeros(z))) = (axis, node.inputs.len(), self.value(node, 1)) {
            let (id, shape) = self.nchw(node, 0)?;
            if z.h != shape.h || z.w != shape.w {
                return Err(unsupported(
                    "a Concat pads with zeros of another size".into(),
                ));
            }
            let padded = Shape {
                c: shape.c + z.c,
                ..shape
            };
            if padded.checked_len().is_none_or(|n| n > MAX_TENSOR_LEN) {
                return Err(Error::Model("a tensor in its graph is too large".into()));
            }
            return self.define(
                node,
                Value::Padded {
                    id,
                    channels: shape.c,
                    shape: padded,
                },
            );
        }
        if let Ok(Value::Flat { .. }) = self.value(node, 0) {
            return self.concat_flat(node, axis);
        }
        if axis != 1 {
            return Err(unsupported(
                "a Concat of pictures not along channels".into(),
            ));
        }
        let mut parts = Vec::new();
        let mut first: Option<Shape> = None;
        for i in 0..node.inputs.len() {
            let (id, shape) = self.nchw(node, i)?;
            if first.is_some_and(|f| f.h != shape.h || f.w != shape.w) {
                return Err(unsupported(
                    "a Concat of pictures of different sizes".into(),
                ));
            }
            first.get_or_insert(shape);
            parts.push((id, shape.c));
        }
        let Some(first) = first else {
            unreachable!("a Concat has inputs")
        };
        let shape = Shape {
            c: parts.iter().map(|p| p.1).sum(),
            ..first
        };
        self.push_picture(node, shape, |output| Step::Concat {
            parts,
            outer: shape.pixels(),
            output,
        })
    }

    fn concat_flat(&mut self, node: &'g Node, axis: i64) -> Result<()> {
        let mut flats = Vec::new();
        for i in 0..node.inputs.len() {
            match self.value(node, i)? {
                Value::Flat { id, dims } => flats.push((id, dims)),
                _ => {
                    return Err(unsupported(
                        "a Concat of a flattened tensor with another kind".into(),
                    ))
                }
            }
        }
        let rank = flats[0].1.len();
        let axis = if axis < 0 {
            axis + rank as i64 + 1
        } else {
            axis
        };
        let Some(at) = usize::try_from(axis)
            .ok()
            .filter(|&a| a >= 1 && a <= rank)
            .map(|a| a - 1)
        else {
            return Err(unsupported(
                "a Concat along the batch or a missing axis".into(),
            ));
        };
        let same = flats.iter().all(|(_, d)| {
            d.len() == rank
                && d.iter()
                    .zip(&flats[0].1)
                    .enumerate()
                    .all(|(i, (a, b))| i == at || a == b)
        });
        if !same {
            return Err(unsupported(
                "a Concat of tensors of different shapes".into(),
            ));
        }
        let outer: usize = flats[0].1[..at].iter().product();
        let parts: Vec<(usize, usize)> = flats
            .iter()
            .map(|(id, d)| (*id, d[at..].iter().product()))
            .collect();
        let mut dims = flats[0].1.clone();
        dims[at] = flats.iter().map(|(_, d)| d[at]).sum();
        let output = self.new_flat(dims.iter().product())?;
        self.steps.push(Step::Concat {
            parts,
            outer,
            output,
        });
        self.define(node, Value::Flat { id: output, dims })
    }

    /// Nearest-neighbour Resize (opset 11+: X, roi, scales, sizes; Upsample: X, scales) of a picture.
    fn resize(&mut self, node: &'g Node) -> Result<()> {
        let text = |key: &str, default: &str| match node.attributes.get(key) {
            None => Some(default.to_string()),
            Some(Attribute::Text(t)) => Some(t.clone()),
            Some(_) => None,
        };
        let nearest = text("mode", "nearest").as_deref() == Some("nearest")
            && text("coordinate_transformation_mode", "half_pixel").as_deref()
                == Some("asymmetric")
            && matches!(
                text("nearest_mode", "round_prefer_floor").as_deref(),
                Some("floor")
            );
        let upsample_nearest =
            node.op_type == "Upsample" && text("mode", "nearest").as_deref() == Some("nearest");
        if !nearest && !upsample_nearest {
            return Err(unsupported(format!(
                "a {} that is not nearest-neighbour with asymmetric coordinates rounded down",
                shown(&node.op_type)
            )));
        }
        let (input, shape) = self.nchw(node, 0)?;
        let (scales_at, sizes_at) = if node.op_type == "Upsample" {
            (1, usize::MAX)
        } else {
            (2, 3)
        };
        let sizes = node
            .inputs
            .get(sizes_at)
            .filter(|n| !n.is_empty())
            .and_then(|n| self.constant(n));
        let out_shape = if let Some(sizes) = sizes {
            match sizes.ints() {
                Some(&[1, c, h, w]) if c == shape.c as i64 => (h, w),
                _ => {
                    return Err(unsupported(
                        "a Resize to sizes this engine cannot read".into(),
                    ))
                }
            }
        } else {
            let scales = self
                .constant(Self::name(node, scales_at))
                .and_then(Constant::floats);
            match scales {
                Some(&[1.0, 1.0, sh, sw]) => (
                    (shape.h as f32 * sh).floor() as i64,
                    (shape.w as f32 * sw).floor() as i64,
                ),
                _ => {
                    return Err(unsupported(
                        "a Resize by scales this engine cannot read".into(),
                    ))
                }
            }
        };
        let size = |v: i64| {
            usize::try_from(v)
                .ok()
                .filter(|&v| v > 0 && v <= MAX_TENSOR_LEN)
        };
        let (Some(h), Some(w)) = (size(out_shape.0), size(out_shape.1)) else {
            return Err(unsupported("a Resize to an empty or huge size".into()));
        };
        let out_shape = Shape { h, w, c: shape.c };
        self.push_picture(node, out_shape, |output| Step::Resize {
            input,
            shape,
            output,
            out_shape,
        })
    }

    /// Compute a node whose inputs are all constants (shape arithmetic), now.
    fn fold_node(&mut self, node: &'g Node) -> Result<()> {
        let arg = |i: usize| self.constant(Self::name(node, i));
        let ints = |i: usize| arg(i).and_then(Constant::ints);
        let cannot = || {
            unsupported(format!(
                "a {} of constants this engine cannot compute",
                shown(&node.op_type)
            ))
        };
        let result = match node.op_type.as_str() {
            "Identity" => arg(0).cloned(),
            "Cast" => arg(0).map(|c| match (node.int("to"), &c.data) {
                (Some(6 | 7), ConstantData::Float(v)) => Constant {
                    dims: c.dims.clone(),
                    data: ConstantData::Int(v.iter().map(|&x| x as i64).collect()),
                },
                (Some(1), ConstantData::Int(v)) => Constant {
                    dims: c.dims.clone(),
                    data: ConstantData::Float(v.iter().map(|&x| x as f32).collect()),
                },
                _ => c.clone(),
            }),
            "Gather" if node.int("axis").unwrap_or(0) == 0 => match (ints(0), arg(1)) {
                (Some(data), Some(index)) => index
                    .ints()
                    .and_then(|idx| {
                        idx.iter()
                            .map(|&i| {
                                let i = if i < 0 { i + data.len() as i64 } else { i };
                                usize::try_from(i).ok().and_then(|i| data.get(i).copied())
                            })
                            .collect::<Option<Vec<i64>>>()
                    })
                    .map(|v| Constant {
                        dims: index.dims.clone(),
                        data: ConstantData::Int(v),
                    }),
                _ => None,
            },
            "Unsqueeze" => arg(0).and_then(|c| {
                let axes = node
                    .ints("axes")
                    .map(<[i64]>::to_vec)
                    .or_else(|| ints(1).map(<[i64]>::to_vec))?;
                let mut dims = c.dims.clone();
                for a in axes {
                    let a = if a < 0 { a + dims.len() as i64 + 1 } else { a };
                    let a = usize::try_from(a)
                        .ok()
                        .filter(|&a| a <= dims.len() && dims.len() < 8)?;
                    dims.insert(a, 1);
                }
                Some(Constant {
                    dims,
                    data: c.data.clone(),
                })
            }),
            "Concat" => {
                let mut all = Vec::new();
                for i in 0..node.inputs.len() {
                    all.extend_from_slice(ints(i).ok_or_else(cannot)?);
                }
                Some(ints_constant(all))
            }
            "Slice" => match (ints(0), ints(1), ints(2)) {
                (Some(data), Some(&[start]), Some(&[end])) => {
                    let axes_ok = ints(3).is_none_or(|a| a == [0]);
                    let step_ok = ints(4).is_none_or(|s| s == [1]);
                    let n = data.len() as i64;
                    let clamp = |v: i64| (if v < 0 { v + n } else { v }).clamp(0, n) as usize;
                    let (s, e) = (clamp(start), clamp(end));
                    (axes_ok && step_ok).then(|| ints_constant(data[s..e.max(s)].to_vec()))
                }
                _ => None,
            },
            "Constant" | "ConstantOfShape" => None,
            _ => None,
        };
        match (result, node.op_type.as_str()) {
            (Some(c), _) => self.fold(node, c),
            (None, "ConstantOfShape") => self.constant_of_shape(node),
            (None, _) => Err(cannot()),
        }
    }

    fn constant_of_shape(&mut self, node: &'g Node) -> Result<()> {
        let dims = self.constant_ints(node, 0)?;
        let zero = match node.attributes.get("value") {
            None => true,
            Some(Attribute::Tensor(t)) => t.floats().is_some_and(|v| v.iter().all(|x| *x == 0.0)),
            Some(_) => false,
        };
        match dims[..] {
            [1, c, h, w] if zero => self.define(node, Value::Zeros(Shape { h, w, c })),
            _ => Err(unsupported(
                "a ConstantOfShape is not zeros of shape [1, C, H, W]".into(),
            )),
        }
    }

    /// Input `i` of `node` as a list of sizes from a constant.
    fn constant_ints(&self, node: &Node, i: usize) -> Result<Vec<usize>> {
        let ints = self
            .constant(Self::name(node, i))
            .and_then(|c| c.ints())
            .ok_or_else(|| {
                unsupported(format!(
                    "a {} takes a shape that is not a constant",
                    shown(&node.op_type)
                ))
            })?;
        ints.iter()
            .map(|&v| {
                usize::try_from(v)
                    .ok()
                    .filter(|&v| v <= MAX_TENSOR_LEN)
                    .ok_or_else(|| {
                        unsupported(format!(
                            "a {} has a negative or huge size",
                            shown(&node.op_type)
                        ))
                    })
            })
            .collect()
    }

    fn conv(&mut self, node: &'g Node) -> Result<()> {
        let (input, shape) = self.nchw(node, 0)?;
        // Copied out of the constants (a few thousand floats at load), so that planning can go on.
        let weights = self
            .constant(Self::name(node, 1))
            .filter(|c| c.dims.len() == 4);
        let Some((w, dims)) = weights.and_then(|c| Some((c.floats()?.to_vec(), c.dims.clone())))
        else {
            return Err(unsupported(
                "a Conv's weights are not a constant 4-D float tensor".into(),
            ));
        };
        let w = &w[..];
        let (cout, cin_per_group, kh, kw) = (dims[0], dims[1], dims[2], dims[3]);
        let bias = match node.inputs.get(2).filter(|n| !n.is_empty()) {
            Some(b) => Some(
                self.constant(b.as_str())
                    .and_then(|c| c.floats())
                    .filter(|v| v.len() == cout)
                    .map(<[f32]>::to_vec)
                    .ok_or_else(|| {
                        unsupported("a Conv's bias is not a constant of its output channels".into())
                    })?,
            ),
            None => None,
        };
        let bias = bias.as_deref();
        if node
            .ints("dilations")
            .is_some_and(|d| d.iter().any(|&v| v != 1))
        {
            return Err(unsupported("a Conv is dilated".into()));
        }
        if kh != kw
            || node
                .ints("kernel_shape")
                .is_some_and(|k| k != [kh as i64, kw as i64])
        {
            return Err(unsupported("a Conv's kernel is not square".into()));
        }
        let group = usize::try_from(node.int("group").unwrap_or(1)).unwrap_or(0);
        let window = window(node)?;
        if window.k != kh {
            return Err(unsupported(
                "a Conv's kernel size disagrees with its weights".into(),
            ));
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
            kernels::blocks(cout)
                .saturating_mul(per_block)
                .saturating_add(scratch)
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
                act: Act::None,
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
                act: Act::None,
                scratch: if kh == 1 && window.stride == 1 {
                    Vec::new()
                } else {
                    vec![0.0; kernels::dense_scratch(window, shape, out_shape)]
                },
            }
        };
        self.steps.push(step);
        self.define(
            node,
            Value::Tensor {
                id: output,
                shape: out_shape,
                nchw: true,
            },
        )
    }

    /// Add two tensors. When one was just computed by a 1×1 convolution and is read only here, the
    /// other becomes that convolution's residual; a zero-padded tensor adds its real channels only.
    /// A Pad with zeros of a picture's channels, rows and columns, its pads an attribute (opset 10
    /// and before) or a constant input (opset 11 on).
    fn pad(&mut self, node: &'g Node) -> Result<()> {
        let mode = match node.attributes.get("mode") {
            None => "constant",
            Some(Attribute::Text(t)) => t.as_str(),
            Some(_) => "",
        };
        if mode != "constant" {
            return Err(unsupported(format!("a Pad in mode {}", shown(mode))));
        }
        let zero_value = match node.inputs.get(2).filter(|n| !n.is_empty()) {
            None => !matches!(node.attributes.get("value"), Some(Attribute::Float(v)) if *v != 0.0),
            Some(name) => self.constant(name).is_some_and(|c| match &c.data {
                ConstantData::Float(v) => v.iter().all(|&v| v == 0.0),
                ConstantData::Int(v) => v.iter().all(|&v| v == 0),
            }),
        };
        if !zero_value {
            return Err(unsupported("a Pad with a value other than zero".into()));
        }
        let pads: Vec<i64> = match node.inputs.get(1).filter(|n| !n.is_empty()) {
            Some(name) => self
                .constant(name)
                .and_then(Constant::ints)
                .map(<[i64]>::to_vec)
                .ok_or_else(|| unsupported("a Pad whose pads are computed".into()))?,
            None => node.ints("pads").map(<[i64]>::to_vec).unwrap_or_default(),
        };
        let small = |v: i64| usize::try_from(v).ok().filter(|&v| v <= 4096);
        let pads: Option<Vec<usize>> = pads.iter().map(|&v| small(v)).collect();
        let Some([0, c0, h0, w0, 0, c1, h1, w1]) = pads.as_deref().map(|p| {
            let mut a = [usize::MAX; 8];
            if p.len() == 8 {
                a.copy_from_slice(p);
            }
            a
        }) else {
            return Err(unsupported(
                "a Pad that is not of a picture's channels, rows and columns by whole positive amounts"
                    .into(),
            ));
        };
        let (input, shape) = self.nchw(node, 0)?;
        let out_shape = Shape {
            h: shape.h + h0 + h1,
            w: shape.w + w0 + w1,
            c: shape.c + c0 + c1,
        };
        self.push_picture(node, out_shape, |output| Step::Pad {
            input,
            output,
            shape,
            out_shape,
            at: (h0, w0, c0),
        })
    }

    fn add(&mut self, node: &'g Node) -> Result<()> {
        let operand = |value: Value| match value {
            Value::Tensor {
                id,
                shape,
                nchw: true,
            } => Some((id, shape, shape.c)),
            Value::Padded {
                id,
                channels,
                shape,
            } => Some((id, shape, channels)),
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
            if let Some(Step::Dense {
                window,
                residual: residual @ None,
                act: Act::None,
                ..
            }) = self.steps.last_mut()
            {
                if window.k == 1 && window.stride == 1 {
                    *residual = Some((other.0, other.2));
                    return self.define(
                        node,
                        Value::Tensor {
                            id,
                            shape,
                            nchw: true,
                        },
                    );
                }
            }
        }
        let (a, b) = if a.2 == a.1.c { (a, b) } else { (b, a) };
        if a.2 != a.1.c {
            return Err(unsupported("an Add of two zero-padded tensors".into()));
        }
        self.push_picture(node, a.1, |output| Step::Add {
            a: a.0,
            b: b.0,
            b_channels: b.2,
            output,
            shape: a.1,
            act: Act::None,
        })
    }
}

/// The window of a Conv or MaxPool node: square kernel, equal strides, ONNX pads
/// `[top, left, bottom, right]`.
fn window(node: &Node) -> Result<Window> {
    let kernel = node.ints("kernel_shape").unwrap_or(&[]);
    let strides = node.ints("strides").unwrap_or(&[1, 1]);
    let pads = node.ints("pads").unwrap_or(&[0, 0, 0, 0]);
    if node
        .attributes
        .get("auto_pad")
        .is_some_and(|a| !matches!(a, Attribute::Text(t) if t == "NOTSET"))
    {
        return Err(unsupported(format!("a {} uses auto_pad", node.op_type)));
    }
    let small = |v: i64| usize::try_from(v).ok().filter(|&v| v <= 64);
    match (kernel, strides, pads) {
        ([k, k2], [s, s2], [t, l, _, _]) if k == k2 && s == s2 => {
            let (Some(k), Some(stride), Some(pad_top), Some(pad_left)) =
                (small(*k), small(*s), small(*t), small(*l))
            else {
                return Err(unsupported(format!(
                    "a {} has a window this engine does not run",
                    node.op_type
                )));
            };
            if k == 0 || stride == 0 || pad_top >= k || pad_left >= k {
                return Err(unsupported(format!(
                    "a {} has a window this engine does not run",
                    node.op_type
                )));
            }
            Ok(Window {
                k,
                stride,
                pad_top,
                pad_left,
            })
        }
        _ => Err(unsupported(format!(
            "a {} has a window this engine does not run",
            node.op_type
        ))),
    }
}

/// Output shape of `window` over `shape` with the node's bottom and right padding.
fn out_shape(shape: Shape, window: Window, node: &Node, c: usize) -> Result<Shape> {
    let pads = node.ints("pads").unwrap_or(&[0, 0, 0, 0]);
    let pad = |i: usize| {
        pads.get(i)
            .and_then(|&v| usize::try_from(v).ok())
            .filter(|&v| v < window.k)
    };
    let (Some(bottom), Some(right)) = (pad(2), pad(3)) else {
        return Err(unsupported(format!(
            "a {} has padding this engine does not run",
            node.op_type
        )));
    };
    let side = |len: usize, before: usize, after: usize| {
        (len + before + after)
            .checked_sub(window.k)
            .map(|n| n / window.stride + 1)
    };
    match (
        side(shape.h, window.pad_top, bottom),
        side(shape.w, window.pad_left, right),
    ) {
        (Some(h), Some(w)) => Ok(Shape { h, w, c }),
        _ => Err(unsupported(format!(
            "a {} window is larger than its input",
            node.op_type
        ))),
    }
}

/// Give each tensor a buffer, sharing buffers between tensors whose lifetimes do not overlap. A
/// step's output never shares with its own inputs. The input and the outputs are never shared.
pub fn share_buffers(
    steps: &[Step],
    lens: &[usize],
    input: usize,
    outputs: &[Output],
) -> (Vec<usize>, Vec<usize>) {
    let mut last_use = vec![0usize; lens.len()];
    for (i, step) in steps.iter().enumerate() {
        for t in step.inputs() {
            last_use[t] = i;
        }
    }
    let pinned: Vec<usize> = outputs.iter().map(|o| o.tensor).chain([input]).collect();
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
    (sizes, buffer_of)
}

/// The dimensions of a Reshape of `from` (batch first) to `target`, where 0 keeps a dimension and
/// one -1 takes what is left; None when the counts do not agree.
fn reshaped(from: &[usize], target: &[i64]) -> Option<Vec<usize>> {
    let len: usize = from.iter().product();
    let mut dims = Vec::with_capacity(target.len());
    let mut open = None;
    for (i, &t) in target.iter().enumerate() {
        dims.push(match t {
            0 => *from.get(i)?,
            -1 if open.is_none() => {
                open = Some(i);
                1
            }
            t => usize::try_from(t)
                .ok()
                .filter(|&t| t > 0 && t <= MAX_TENSOR_LEN)?,
        });
    }
    let known = dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d))?;
    if let Some(i) = open {
        if known == 0 || !len.is_multiple_of(known) {
            return None;
        }
        dims[i] = len / known;
    }
    (dims.iter().product::<usize>() == len).then_some(dims)
}
