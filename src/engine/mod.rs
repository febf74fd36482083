//! Our own inference engine for small vision networks. It knows operators, never models: which
//! outputs a detector reads, and what they mean, is decided by the detector (`detect/`).
//!
//! Layered as tract splits tract-onnx, tract-core and tract-linalg, each layer pointing one way:
//! - `onnx.rs`, the reader: untrusted bytes to a plain graph (nodes, attributes, constants);
//! - `plan.rs`, the planner: the graph to a fixed list of steps for one input size, with shape
//!   arithmetic folded, layouts chosen and steps fused, and buffers shared between tensors whose
//!   lifetimes do not overlap;
//! - `run.rs`, the runner: the steps, run frame after frame with nothing allocated;
//! - `kernels.rs`: the arithmetic, in 4-wide SIMD.
//!
//! Operators: Conv (dense, depthwise, 1×1, any stride and padding), Relu, LeakyRelu, Add, MaxPool,
//! AveragePool, GlobalAveragePool, Pad (with zeros),
//! Concat (of channels, of flattened tensors, or zero padding), Resize and Upsample
//! (nearest-neighbour), Softmax, Transpose and Reshape (as views), Identity, Constant, and the shape
//! arithmetic a Resize or Reshape reads (Shape, Gather, Unsqueeze, Slice, Cast, Concat of sizes). Any
//! other operator is refused with one sentence naming it. tract-onnx, a dev-dependency, is the
//! reference every output is checked against (`tests/engine.rs`).

pub mod kernels;
pub mod onnx;
pub mod plan;
pub mod run;

use crate::error::{Error, Result};
use kernels::Shape;
pub use plan::Output;
use run::Step;

/// Model files larger than this are refused before parsing (the detectors are under 2 MB; dlib's
/// face recognition network, with float32 weights, 22.4 MB).
pub const MAX_MODEL_BYTES: usize = 32 * 1024 * 1024;
/// Operators in a graph, at most (RetinaFace MobileNet-0.25 has 234).
const MAX_NODES: usize = 4096;
/// Floats in one intermediate tensor, at most (RetinaFace's largest at 640×640 holds 819,200).
const MAX_TENSOR_LEN: usize = 1 << 24;
/// Floats a network may need in all — every tensor counted as if none shared a buffer, plus packed
/// weights and scratch space — checked before anything is allocated (BlazeFace-256: about 9 million;
/// RetinaFace at 640×640: about 18 million).
const MAX_FLOATS: usize = 1 << 25;

/// A name or list from the file, as it may appear in a message: quoted, escaped, and cut short
/// (a file can hold names of any length and any characters).
pub(crate) fn shown(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((at, _)) => format!("{:?}…", &text[..at]),
        None => format!("{text:?}"),
    }
}

fn unsupported(what: String) -> Error {
    Error::Model(format!("{what}, which this engine does not run"))
}

/// Time and work of one kind of step in one run (see [`Network::run_profiled`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StepProfile {
    pub kind: &'static str,
    pub steps: usize,
    pub flops: f64,
    pub ms: f64,
}

/// The machine's peak for 4-wide float multiply-add, measured: twelve independent accumulators (enough
/// to hide the latency of a multiply and an add)
/// updated `iterations` times in registers (no memory traffic), `acc = acc · m + a`. Returns the
/// floating-point operations done and a value that depends on every one of them, so the loop is not
/// optimised away; the caller times the call.
pub fn simd_peak_work(iterations: u32) -> (f64, f32) {
    use kernels::F4;
    let (m, a) = (F4::splat(0.999_999), F4::splat(1e-7));
    let mut acc = [F4::splat(1.0); 12];
    for _ in 0..iterations {
        for x in acc.iter_mut() {
            *x = a.mul_add(*x, m);
        }
    }
    let mut sum = [0.0f32; 4];
    for x in acc {
        let mut v = [0.0; 4];
        x.store(&mut v);
        for (s, v) in sum.iter_mut().zip(v) {
            *s += v;
        }
    }
    (iterations as f64 * 12.0 * 4.0 * 2.0, sum.iter().sum())
}

/// A loaded network, planned for one input size, ready to run frame after frame.
pub struct Network {
    steps: Vec<Step>,
    /// Buffers, each shared by tensors whose lifetimes do not overlap.
    buffers: Vec<Vec<f32>>,
    /// Buffer of each tensor.
    buffer_of: Vec<usize>,
    /// Length in floats of each tensor.
    lens: Vec<usize>,
    input: usize,
    input_shape: Shape,
    outputs: Vec<Output>,
}

impl Network {
    /// Read and plan an ONNX file. `size` (height, width) fills the input dimensions the file leaves
    /// open; where the file fixes them, `None` takes the file's.
    pub fn load(bytes: &[u8], size: Option<(usize, usize)>) -> Result<Self> {
        Self::load_planned(bytes, size, true)
    }

    /// [`Network::load`] with no step fused into another: the reference fused plans are checked
    /// against.
    pub fn load_unfused(bytes: &[u8], size: Option<(usize, usize)>) -> Result<Self> {
        Self::load_planned(bytes, size, false)
    }

    fn load_planned(bytes: &[u8], size: Option<(usize, usize)>, fuse: bool) -> Result<Self> {
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
        let plan = if fuse {
            plan::plan(&graph, size)?
        } else {
            plan::plan_unfused(&graph, size)?
        };
        let (sizes, buffer_of) =
            plan::share_buffers(&plan.steps, &plan.lens, plan.input, &plan.outputs);
        Ok(Network {
            steps: plan.steps,
            buffers: sizes.into_iter().map(|n| vec![0.0; n]).collect(),
            buffer_of,
            lens: plan.lens,
            input: plan.input,
            input_shape: plan.input_shape,
            outputs: plan.outputs,
        })
    }

    /// The input the network takes: height, width and channels, channels-last.
    pub fn input_shape(&self) -> Shape {
        self.input_shape
    }

    /// The graph's outputs, in file order, with their dimensions after the batch.
    pub fn outputs(&self) -> &[Output] {
        &self.outputs
    }

    /// Index of the first output with these dimensions (after the batch), and this name if given.
    pub fn find_output(&self, name: Option<&str>, dims: &[usize]) -> Option<usize> {
        self.outputs
            .iter()
            .position(|o| o.dims == dims && name.is_none_or(|n| n == o.name))
    }

    /// Run on `h*w*c` floats, channels-last (NHWC, whatever layout the file declares).
    pub fn run(&mut self, input: &[f32]) -> Result<()> {
        self.load_input(input)?;
        for step in &mut self.steps {
            run::run_step(step, &mut self.buffers, &self.buffer_of);
        }
        Ok(())
    }

    /// [`Network::run`], timing each step with `clock` (milliseconds): per kind of step (see
    /// [`run::Step::kind`]), its floating-point operations and the time it took, in order of first
    /// appearance. For the bench's profile; never on a hot path.
    pub fn run_profiled(
        &mut self,
        input: &[f32],
        clock: &mut dyn FnMut() -> f64,
    ) -> Result<Vec<StepProfile>> {
        self.load_input(input)?;
        let mut out: Vec<StepProfile> = Vec::new();
        for step in &mut self.steps {
            let started = clock();
            run::run_step(step, &mut self.buffers, &self.buffer_of);
            let ms = clock() - started;
            let (kind, flops) = (step.kind(), step.flops());
            match out.iter_mut().find(|p| p.kind == kind) {
                Some(p) => {
                    p.ms += ms;
                    p.flops += flops;
                    p.steps += 1;
                }
                None => out.push(StepProfile {
                    kind,
                    flops,
                    ms,
                    steps: 1,
                }),
            }
        }
        Ok(out)
    }

    fn load_input(&mut self, input: &[f32]) -> Result<()> {
        if input.len() != self.input_shape.len() {
            return Err(Error::Model(format!(
                "the network takes {} input values, not {}",
                self.input_shape.len(),
                input.len()
            )));
        }
        let at = self.buffer_of[self.input];
        self.buffers[at][..input.len()].copy_from_slice(input);
        Ok(())
    }

    /// The values of output `i` after the last [`Network::run`] (empty if there is no such output).
    pub fn output(&self, i: usize) -> &[f32] {
        match self.outputs.get(i) {
            Some(o) => &self.buffers[self.buffer_of[o.tensor]][..self.lens[o.tensor]],
            None => &[],
        }
    }
}

/// The planner's promises, checked on the real models: no two tensors alive at once share a buffer,
/// and the fused plan computes what the unfused graph does.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::models;

    /// A model's name, its bytes and the input size to plan it at.
    type Model = (&'static str, &'static [u8], Option<(usize, usize)>);

    fn networks() -> [Model; 3] {
        [
            ("short-range", models::SHORT_RANGE, None),
            ("full-range", models::FULL_RANGE, None),
            ("RetinaFace", models::RETINAFACE, Some((160, 224))),
        ]
    }

    fn input(len: usize) -> Vec<f32> {
        let mut s = 7u32;
        (0..len)
            .map(|_| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (s >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0
            })
            .collect()
    }

    #[test]
    fn no_two_live_tensors_share_a_buffer() {
        for (name, bytes, size) in networks() {
            let net = Network::load(bytes, size).unwrap();
            let n = net.lens.len();
            // Each tensor lives from the step that writes it (0 for the input) to the last that reads
            // it; the outputs live to the end.
            let mut born = vec![usize::MAX; n];
            let mut dies = vec![0usize; n];
            born[net.input] = 0;
            for (i, step) in net.steps.iter().enumerate() {
                born[step.output()] = born[step.output()].min(i + 1);
                for t in step.inputs() {
                    dies[t] = dies[t].max(i + 1);
                }
            }
            for o in &net.outputs {
                dies[o.tensor] = usize::MAX;
            }
            let live: Vec<usize> = (0..n).filter(|&t| born[t] != usize::MAX).collect();
            assert!(live.len() > 20, "{name}: {} tensors", live.len());
            let mut shared = 0;
            for (k, &a) in live.iter().enumerate() {
                assert!(
                    net.buffers[net.buffer_of[a]].len() >= net.lens[a],
                    "{name}: tensor {a} does not fit its buffer"
                );
                for &b in &live[k + 1..] {
                    if net.buffer_of[a] != net.buffer_of[b] {
                        continue;
                    }
                    shared += 1;
                    let (da, db) = (dies[a].max(born[a]), dies[b].max(born[b]));
                    assert!(
                        da < born[b] || db < born[a],
                        "{name}: tensors {a} and {b} share a buffer while both alive"
                    );
                }
            }
            // The check would find nothing if no buffer were ever shared.
            assert!(shared > 0, "{name}: no buffer is shared at all");
        }
    }

    #[test]
    fn fused_plans_compute_what_the_unfused_graph_does() {
        for (name, bytes, size) in networks() {
            let mut fused = Network::load(bytes, size).unwrap();
            let mut plain = Network::load_unfused(bytes, size).unwrap();
            assert!(
                fused.steps.len() < plain.steps.len(),
                "{name}: nothing was fused"
            );
            let x = input(fused.input_shape().len());
            fused.run(&x).unwrap();
            plain.run(&x).unwrap();
            for i in 0..fused.outputs().len() {
                let (a, b) = (fused.output(i), plain.output(i));
                assert_eq!(a.len(), b.len());
                for (j, (a, b)) in a.iter().zip(b).enumerate() {
                    assert!(
                        (a - b).abs() <= 1e-4 * b.abs().max(1.0),
                        "{name} output {i} at {j}: {a} vs {b}"
                    );
                }
            }
        }
    }
}
