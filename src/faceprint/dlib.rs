//! dlib's face recognition network, from dlib's own file format to an ONNX file our engine (and
//! tract-onnx, the reference) runs. `examples/faceprint_model.rs` writes it at build time; a missing
//! ONNX file is made from the `.dat` in memory the same way.
//!
//! dlib's network (`dnn_face_recognition_ex.cpp`): a 7×7 convolution, then 14 residual blocks of two
//! 3×3 convolutions (32, 64, 128, 256 and 256 filters; a block that halves the picture adds an
//! average-pooled copy of its input, zero-padded to the block's channels and size, as dlib's
//! `add_prev` does), an average over the picture and a 256→128 matrix. Its file holds, input layer
//! first, each layer's version string and parameters; the parameters of each tensor are
//! little-endian float32. Written as ONNX:
//! - each `affine` (batch norm frozen at training's end) is folded into the convolution before it;
//! - the input's mean subtraction and scale (dlib's `input_rgb_image_sized<150>`) are folded into the
//!   first convolution, which has no padding, so the network takes RGB values 0–255;
//! - the final matrix is a 1×1 convolution over the 1×1 average, so the graph needs no MatMul.
//!
//! The file's own records (filter counts, sizes, strides, padding) are checked against the known
//! architecture; anything else is refused with one sentence. The file is untrusted: every read is
//! bounds-checked and nothing is allocated beyond what the file holds.

use crate::error::Error;

/// dlib's `.dat` file as ONNX bytes.
pub fn onnx_from_dlib(bytes: &[u8]) -> crate::error::Result<Vec<u8>> {
    if bytes.len() > crate::engine::MAX_MODEL_BYTES {
        return Err(Error::FaceprintModel(
            "the dlib model file is larger than 32 MB".into(),
        ));
    }
    convert(bytes).map_err(|e| {
        Error::FaceprintModel(format!("this is not dlib's face recognition network: {e}"))
    })
}

/// Reads dlib's serialisation: integers as a length byte (high bit: negative) and that many bytes,
/// little-endian; strings as an integer length and the bytes; floats as mantissa and exponent.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn int(&mut self) -> Result<i64, String> {
        let head = *self.bytes.get(self.at).ok_or("the file ends early")?;
        let len = (head & 0x0f) as usize;
        let body = self
            .bytes
            .get(self.at + 1..self.at + 1 + len)
            .filter(|_| len <= 8)
            .ok_or("the file ends early or holds a malformed integer")?;
        self.at += 1 + len;
        let mut v: u64 = 0;
        for (i, b) in body.iter().enumerate() {
            v |= (*b as u64) << (8 * i);
        }
        let v = v as i64;
        Ok(if head & 0x80 != 0 { -v } else { v })
    }

    fn float(&mut self) -> Result<f64, String> {
        let mantissa = self.int()?;
        let exponent = self.int()?;
        Ok(mantissa as f64 * 2f64.powi(exponent as i32))
    }

    /// Moves past the next `name` record (a length-prefixed string) and returns its position.
    fn find(&mut self, name: &str) -> Result<(), String> {
        let mut pattern = vec![1u8, name.len() as u8];
        pattern.extend_from_slice(name.as_bytes());
        let from = self.at;
        let at = self.bytes[from..]
            .windows(pattern.len())
            .position(|w| w == pattern)
            .ok_or_else(|| format!("no {name} layer where one was expected"))?;
        self.at = from + at + pattern.len();
        Ok(())
    }

    /// A tensor: version 2, four dimensions, then the floats.
    fn tensor(&mut self) -> Result<Vec<f32>, String> {
        if self.int()? != 2 {
            return Err("a tensor of a version this converter does not read".into());
        }
        let mut len: usize = 1;
        for _ in 0..4 {
            let d = usize::try_from(self.int()?).map_err(|_| "a negative tensor size")?;
            len = len.checked_mul(d).ok_or("a tensor too large")?;
        }
        let end = len
            .checked_mul(4)
            .and_then(|n| n.checked_add(self.at))
            .ok_or("a tensor too large")?;
        let body = self
            .bytes
            .get(self.at..end)
            .ok_or("the file ends inside a tensor")?;
        self.at = end;
        Ok(body
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }
}

/// One convolution as ONNX wants it: `[out, in, k, k]` weights and a bias.
struct Conv {
    out: usize,
    inp: usize,
    k: usize,
    stride: usize,
    pad: usize,
    weights: Vec<f32>,
    bias: Vec<f32>,
}

/// The next `con` and `affine` layers, the affine folded into the convolution.
fn conv(r: &mut Reader, inp: usize, out: usize, k: usize, stride: usize) -> Result<Conv, String> {
    r.find("con_4")?;
    let params = r.tensor()?;
    let fields: Vec<i64> = (0..7).map(|_| r.int()).collect::<Result<_, _>>()?;
    // dlib pads by half the filter when the stride is 1, and not at all otherwise.
    let pad = if stride == 1 { k / 2 } else { 0 };
    let expected = [out, k, k, stride, stride, pad, pad].map(|v| v as i64);
    if fields != expected {
        return Err(format!(
            "a convolution is {fields:?} where the architecture has {expected:?}"
        ));
    }
    let n = out * inp * k * k;
    if params.len() != n + out {
        return Err("a convolution's parameters are not of the expected size".into());
    }
    r.find("affine_")?;
    let affine = r.tensor()?;
    if affine.len() != 2 * out {
        return Err("a batch norm's parameters are not of the expected size".into());
    }
    let (gamma, beta) = affine.split_at(out);
    let per = inp * k * k;
    let weights = (0..n).map(|i| params[i] * gamma[i / per]).collect();
    let bias = (0..out)
        .map(|o| params[n + o] * gamma[o] + beta[o])
        .collect();
    Ok(Conv {
        out,
        inp,
        k,
        stride,
        pad,
        weights,
        bias,
    })
}

/// A minimal ONNX (protobuf) writer: just the messages and fields this graph uses.
mod pb {
    pub fn varint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }
    pub fn key(out: &mut Vec<u8>, field: u32, wire: u32) {
        varint(out, ((field << 3) | wire) as u64);
    }
    pub fn int(out: &mut Vec<u8>, field: u32, v: i64) {
        key(out, field, 0);
        varint(out, v as u64);
    }
    pub fn bytes(out: &mut Vec<u8>, field: u32, b: &[u8]) {
        key(out, field, 2);
        varint(out, b.len() as u64);
        out.extend_from_slice(b);
    }
}

#[derive(Default)]
struct Graph {
    nodes: Vec<Vec<u8>>,
    initializers: Vec<Vec<u8>>,
    count: usize,
}

enum Attr<'a> {
    Ints(&'a str, &'a [i64]),
}

impl Graph {
    fn name(&mut self, prefix: &str) -> String {
        self.count += 1;
        format!("{prefix}{}", self.count)
    }

    fn node(&mut self, op: &str, inputs: &[&str], attrs: &[Attr]) -> String {
        let output = self.name(&op.to_lowercase());
        let mut n = Vec::new();
        for i in inputs {
            pb::bytes(&mut n, 1, i.as_bytes());
        }
        pb::bytes(&mut n, 2, output.as_bytes());
        pb::bytes(&mut n, 3, output.as_bytes());
        pb::bytes(&mut n, 4, op.as_bytes());
        for a in attrs {
            let mut m = Vec::new();
            match a {
                Attr::Ints(name, vs) => {
                    pb::bytes(&mut m, 1, name.as_bytes());
                    for v in *vs {
                        pb::int(&mut m, 8, *v);
                    }
                    pb::int(&mut m, 20, 7);
                }
            }
            pb::bytes(&mut n, 5, &m);
        }
        self.nodes.push(n);
        output
    }

    fn initializer(&mut self, dims: &[usize], data: &[f32]) -> String {
        let name = self.name("w");
        let mut t = Vec::new();
        for d in dims {
            pb::int(&mut t, 1, *d as i64);
        }
        pb::int(&mut t, 2, 1);
        pb::bytes(&mut t, 8, name.as_bytes());
        let raw: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        pb::bytes(&mut t, 9, &raw);
        self.initializers.push(t);
        name
    }

    fn conv(&mut self, x: &str, c: &Conv, relu: bool) -> String {
        let w = self.initializer(&[c.out, c.inp, c.k, c.k], &c.weights);
        let b = self.initializer(&[c.out], &c.bias);
        let (k, s, p) = (c.k as i64, c.stride as i64, c.pad as i64);
        let y = self.node(
            "Conv",
            &[x, &w, &b],
            &[
                Attr::Ints("kernel_shape", &[k, k]),
                Attr::Ints("strides", &[s, s]),
                Attr::Ints("pads", &[p, p, p, p]),
            ],
        );
        if relu {
            self.node("Relu", &[&y], &[])
        } else {
            y
        }
    }

    fn value_info(name: &str, dims: &[usize]) -> Vec<u8> {
        let mut shape = Vec::new();
        for d in dims {
            let mut dim = Vec::new();
            pb::int(&mut dim, 1, *d as i64);
            pb::bytes(&mut shape, 1, &dim);
        }
        let mut tensor = Vec::new();
        pb::int(&mut tensor, 1, 1);
        pb::bytes(&mut tensor, 2, &shape);
        let mut ty = Vec::new();
        pb::bytes(&mut ty, 1, &tensor);
        let mut v = Vec::new();
        pb::bytes(&mut v, 1, name.as_bytes());
        pb::bytes(&mut v, 2, &ty);
        v
    }

    fn model(self, input: (&str, &[usize]), output: (&str, &[usize])) -> Vec<u8> {
        let mut g = Vec::new();
        for n in &self.nodes {
            pb::bytes(&mut g, 1, n);
        }
        pb::bytes(&mut g, 2, b"dlib_face_recognition_resnet_model_v1");
        for t in &self.initializers {
            pb::bytes(&mut g, 5, t);
        }
        pb::bytes(&mut g, 11, &Self::value_info(input.0, input.1));
        pb::bytes(&mut g, 12, &Self::value_info(output.0, output.1));
        let mut m = Vec::new();
        pb::int(&mut m, 1, 5);
        pb::bytes(&mut m, 2, b"unseen faceprint_model (from dlib)");
        pb::bytes(&mut m, 7, &g);
        let mut opset = Vec::new();
        pb::int(&mut opset, 2, 10);
        pb::bytes(&mut m, 8, &opset);
        m
    }
}

/// The picture size after a `k`-wide window with `stride` and no padding (or `k/2` at stride 1).
fn after(size: usize, k: usize, stride: usize) -> usize {
    let pad = if stride == 1 { k / 2 } else { 0 };
    (size + 2 * pad - k) / stride + 1
}

fn convert(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut r = Reader { bytes, at: 0 };
    r.find("input_rgb_image_sized")?;
    let mean = [r.float()?, r.float()?, r.float()?];
    let size = [r.int()?, r.int()?];
    if size != [150, 150] || mean.iter().any(|m| !(0.0..=255.0).contains(m)) {
        return Err("the input layer is not a 150×150 RGB picture".into());
    }
    let mut g = Graph::default();
    let input = "rgb";
    // First layer: (x - mean) / 256 folded in (no padding, so every window sees only pixels).
    let mut first = conv(&mut r, 3, 32, 7, 2)?;
    let per = 3 * 7 * 7;
    for o in 0..first.out {
        let w = &mut first.weights[o * per..(o + 1) * per];
        let mut shift = 0.0f64;
        for (i, w) in w.iter_mut().enumerate() {
            shift += *w as f64 * mean[i / 49] / 256.0;
            *w /= 256.0;
        }
        first.bias[o] -= shift as f32;
    }
    let mut x = g.conv(input, &first, true);
    x = g.node(
        "MaxPool",
        &[&x],
        &[
            Attr::Ints("kernel_shape", &[3, 3]),
            Attr::Ints("strides", &[2, 2]),
            Attr::Ints("pads", &[0, 0, 0, 0]),
        ],
    );
    let mut shape = (32usize, after(after(150, 7, 2), 3, 2));
    // (filters, halves the picture) for each block, input side first.
    let blocks = [
        (32, false),
        (32, false),
        (32, false),
        (64, true),
        (64, false),
        (64, false),
        (64, false),
        (128, true),
        (128, false),
        (128, false),
        (256, true),
        (256, false),
        (256, false),
        (256, true),
    ];
    for (n, down) in blocks {
        let stride = if down { 2 } else { 1 };
        let a = conv(&mut r, shape.0, n, 3, stride)?;
        let b = conv(&mut r, n, n, 3, 1)?;
        let y = g.conv(&x, &a, true);
        let y = g.conv(&y, &b, false);
        let block = (n, after(shape.1, 3, stride));
        let (skip, skip_shape) = if down {
            let pooled = g.node(
                "AveragePool",
                &[&x],
                &[
                    Attr::Ints("kernel_shape", &[2, 2]),
                    Attr::Ints("strides", &[2, 2]),
                    Attr::Ints("pads", &[0, 0, 0, 0]),
                ],
            );
            (pooled, (shape.0, (shape.1 - 2) / 2 + 1))
        } else {
            (x.clone(), shape)
        };
        r.find("add_prev_")?;
        // dlib adds tensors of different sizes as if the smaller were zero-padded at the end.
        let out = (block.0.max(skip_shape.0), block.1.max(skip_shape.1));
        let mut pad_to = |t: String, s: (usize, usize)| {
            if s == out {
                return t;
            }
            let (dc, dh) = ((out.0 - s.0) as i64, (out.1 - s.1) as i64);
            g.node(
                "Pad",
                &[&t],
                &[Attr::Ints("pads", &[0, 0, 0, 0, 0, dc, dh, dh])],
            )
        };
        let y = pad_to(y, block);
        let skip = pad_to(skip, skip_shape);
        let sum = g.node("Add", &[&y, &skip], &[]);
        x = g.node("Relu", &[&sum], &[]);
        shape = out;
    }
    x = g.node("GlobalAveragePool", &[&x], &[]);
    r.find("fc_2")?;
    let (outputs, inputs) = (r.int()?, r.int()?);
    if (outputs, inputs) != (128, 256) {
        return Err("the last layer is not a 256 → 128 matrix".into());
    }
    let w = r.tensor()?;
    if w.len() != 256 * 128 {
        return Err("the last layer's weights are not 256 × 128 (or it has a bias)".into());
    }
    // dlib stores it inputs × outputs; a 1×1 convolution wants outputs × inputs.
    let fc = Conv {
        out: 128,
        inp: 256,
        k: 1,
        stride: 1,
        pad: 0,
        weights: (0..128 * 256)
            .map(|i| w[(i % 256) * 128 + i / 256])
            .collect(),
        bias: vec![0.0; 128],
    };
    let faceprint = g.conv(&x, &fc, false);
    Ok(g.model((input, &[1, 3, 150, 150]), (&faceprint, &[1, 128, 1, 1])))
}
