//! The runner: a planned list of steps over buffers allocated once, run frame after frame. Each step
//! names its tensors by index; the planner (`plan.rs`) chose the steps, their fusions and which
//! tensors share a buffer. Nothing here reads the file or allocates.

use super::kernels::{self, Act, Epilogue, Shape, Window};

/// One thing the network does, on tensors named by index.
#[derive(Debug)]
pub enum Step {
    /// A dense convolution (1×1, or k×k through gathered patches), with a fused skip connection and
    /// activation.
    Dense {
        input: usize,
        output: usize,
        shape: Shape,
        window: Window,
        out_shape: Shape,
        weights: Vec<f32>,
        bias: Vec<f32>,
        /// A tensor and its channel count, added before the activation.
        residual: Option<(usize, usize)>,
        act: Act,
        /// Room for one output row's input patches (k > 1 only).
        scratch: Vec<f32>,
    },
    /// One k×k filter per channel, then bias and activation.
    Depthwise {
        input: usize,
        output: usize,
        shape: Shape,
        window: Window,
        out_shape: Shape,
        weights: Vec<f32>,
        bias: Vec<f32>,
        act: Act,
    },
    MaxPool {
        input: usize,
        output: usize,
        shape: Shape,
        window: Window,
        out_shape: Shape,
    },
    /// Mean of each window (padding not counted).
    AvgPool {
        input: usize,
        output: usize,
        shape: Shape,
        window: Window,
        out_shape: Shape,
    },
    /// Mean of each channel over the whole picture.
    Mean {
        input: usize,
        output: usize,
        shape: Shape,
    },
    /// The input placed in zeros of `out_shape`, from row, column and channel `at`.
    Pad {
        input: usize,
        output: usize,
        shape: Shape,
        out_shape: Shape,
        at: (usize, usize, usize),
    },
    /// `a + b`, where `b` may have fewer channels (the rest are zeros), then the activation.
    Add {
        a: usize,
        b: usize,
        b_channels: usize,
        output: usize,
        shape: Shape,
        act: Act,
    },
    /// An activation on its own (when it could not be fused into the step before).
    Activate {
        input: usize,
        output: usize,
        len: usize,
        act: Act,
    },
    /// A tensor followed by zero channels up to `shape.c`.
    PadChannels {
        input: usize,
        channels: usize,
        output: usize,
        shape: Shape,
    },
    /// Parts laid one after another in each of `outer` runs: `(tensor, run length)`.
    Concat {
        parts: Vec<(usize, usize)>,
        outer: usize,
        output: usize,
    },
    /// Nearest-neighbour upsampling (a feature pyramid's top-down path).
    Resize {
        input: usize,
        shape: Shape,
        output: usize,
        out_shape: Shape,
    },
    /// Softmax over each run of `inner` values of `len`.
    Softmax {
        input: usize,
        output: usize,
        len: usize,
        inner: usize,
    },
}

impl Step {
    pub fn output(&self) -> usize {
        match self {
            Step::Dense { output, .. }
            | Step::Depthwise { output, .. }
            | Step::MaxPool { output, .. }
            | Step::AvgPool { output, .. }
            | Step::Mean { output, .. }
            | Step::Pad { output, .. }
            | Step::Add { output, .. }
            | Step::Activate { output, .. }
            | Step::PadChannels { output, .. }
            | Step::Concat { output, .. }
            | Step::Resize { output, .. }
            | Step::Softmax { output, .. } => *output,
        }
    }

    pub fn inputs(&self) -> Vec<usize> {
        match self {
            Step::Dense {
                input, residual, ..
            } => {
                let mut v = vec![*input];
                v.extend(residual.map(|r| r.0));
                v
            }
            Step::Depthwise { input, .. }
            | Step::MaxPool { input, .. }
            | Step::AvgPool { input, .. }
            | Step::Mean { input, .. }
            | Step::Pad { input, .. }
            | Step::Activate { input, .. }
            | Step::PadChannels { input, .. }
            | Step::Resize { input, .. }
            | Step::Softmax { input, .. } => vec![*input],
            Step::Add { a, b, .. } => vec![*a, *b],
            Step::Concat { parts, .. } => parts.iter().map(|p| p.0).collect(),
        }
    }

    /// The kind of work this step does, for profiles: "1×1 conv", "k×k conv" (the first layer and
    /// other dense windows), "depthwise", or the operator's name.
    pub fn kind(&self) -> &'static str {
        match self {
            Step::Dense { window, .. } if window.k == 1 && window.stride == 1 => "1×1 conv",
            Step::Dense { .. } => "k×k conv",
            Step::Depthwise { .. } => "depthwise",
            Step::MaxPool { .. } => "max pool",
            Step::AvgPool { .. } | Step::Mean { .. } => "average pool",
            Step::Pad { .. } => "pad",
            Step::Add { .. } => "add",
            Step::Activate { .. } => "activation",
            Step::PadChannels { .. } => "pad channels",
            Step::Concat { .. } => "concat",
            Step::Resize { .. } => "resize",
            Step::Softmax { .. } => "softmax",
        }
    }

    /// Floating-point operations one run of this step does (a multiply-add counts as two).
    pub fn flops(&self) -> f64 {
        let n = |s: &Shape| s.len() as f64;
        match self {
            Step::Dense {
                shape,
                window,
                out_shape,
                ..
            } => 2.0 * (window.k * window.k * shape.c) as f64 * n(out_shape),
            Step::Depthwise {
                window, out_shape, ..
            } => 2.0 * (window.k * window.k) as f64 * n(out_shape),
            Step::MaxPool {
                window, out_shape, ..
            }
            | Step::AvgPool {
                window, out_shape, ..
            } => (window.k * window.k) as f64 * n(out_shape),
            Step::Mean { shape, .. } => n(shape),
            Step::Pad { .. } => 0.0,
            Step::Add { shape, .. } => n(shape),
            Step::Activate { len, .. } | Step::Softmax { len, .. } => *len as f64,
            Step::PadChannels { .. } | Step::Concat { .. } | Step::Resize { .. } => 0.0,
        }
    }

    /// Fold an activation into this step, if it computes values it can activate as it stores them.
    pub fn set_act(&mut self, new: Act) -> bool {
        match self {
            Step::Dense { act, .. } | Step::Depthwise { act, .. } | Step::Add { act, .. }
                if *act == Act::None =>
            {
                *act = new;
                true
            }
            _ => false,
        }
    }
}

/// Run one step. The output buffer is taken out of the list while the step runs, so inputs can be
/// borrowed beside it; planning guarantees no step reads the buffer it writes.
pub fn run_step(step: &mut Step, buffers: &mut [Vec<f32>], buffer_of: &[usize]) {
    let out_at = buffer_of[step.output()];
    let mut out = std::mem::take(&mut buffers[out_at]);
    let buf = |t: usize| -> &[f32] { &buffers[buffer_of[t]] };
    match step {
        Step::Dense {
            input,
            shape,
            window,
            out_shape,
            weights,
            bias,
            residual,
            act,
            scratch,
            ..
        } => {
            let epilogue = Epilogue {
                residual: residual.map(|(t, c)| (&buf(t)[..out_shape.pixels() * c], c)),
                act: *act,
            };
            let x = &buf(*input)[..shape.len()];
            let y = &mut out[..out_shape.len()];
            if window.k == 1 && window.stride == 1 {
                kernels::pointwise(x, shape.c, weights, bias, y, out_shape.c, epilogue);
            } else {
                kernels::dense(
                    x, *shape, *window, weights, bias, y, *out_shape, epilogue, scratch,
                );
            }
        }
        Step::Depthwise {
            input,
            shape,
            window,
            out_shape,
            weights,
            bias,
            act,
            ..
        } => {
            let y = &mut out[..out_shape.len()];
            kernels::depthwise(
                &buf(*input)[..shape.len()],
                *shape,
                *window,
                weights,
                bias,
                *act,
                y,
                *out_shape,
            );
        }
        Step::MaxPool {
            input,
            shape,
            window,
            out_shape,
            ..
        } => {
            let y = &mut out[..out_shape.len()];
            kernels::max_pool(&buf(*input)[..shape.len()], *shape, *window, y, *out_shape);
        }
        Step::AvgPool {
            input,
            shape,
            window,
            out_shape,
            ..
        } => {
            let y = &mut out[..out_shape.len()];
            kernels::avg_pool(&buf(*input)[..shape.len()], *shape, *window, y, *out_shape);
        }
        Step::Mean { input, shape, .. } => {
            kernels::mean(&buf(*input)[..shape.len()], shape.c, &mut out[..shape.c]);
        }
        Step::Pad {
            input,
            shape,
            out_shape,
            at,
            ..
        } => {
            let x = &buf(*input)[..shape.len()];
            kernels::pad(x, *shape, &mut out[..out_shape.len()], *out_shape, *at);
        }
        Step::Add {
            a,
            b,
            b_channels,
            shape,
            act,
            ..
        } => {
            let y = &mut out[..shape.len()];
            let b = &buf(*b)[..shape.pixels() * *b_channels];
            kernels::add(&buf(*a)[..shape.len()], b, *b_channels, y, shape.c, *act);
        }
        Step::Activate {
            input, len, act, ..
        } => kernels::activate(&buf(*input)[..*len], &mut out[..*len], *act),
        Step::PadChannels {
            input,
            channels,
            shape,
            ..
        } => {
            let x = &buf(*input)[..shape.pixels() * *channels];
            kernels::pad_channels(x, *channels, &mut out[..shape.len()], shape.c);
        }
        Step::Concat { parts, outer, .. } => {
            let views: Vec<(&[f32], usize)> = parts
                .iter()
                .map(|&(t, run)| (&buf(t)[..run * *outer], run))
                .collect();
            let total: usize = parts.iter().map(|p| p.1).sum::<usize>() * *outer;
            kernels::concat(&views, *outer, &mut out[..total]);
        }
        Step::Resize {
            input,
            shape,
            out_shape,
            ..
        } => {
            kernels::resize_nearest(
                &buf(*input)[..shape.len()],
                *shape,
                &mut out[..out_shape.len()],
                *out_shape,
            );
        }
        Step::Softmax {
            input, len, inner, ..
        } => kernels::softmax(&buf(*input)[..*len], *inner, &mut out[..*len]),
    }
    buffers[out_at] = out;
}
