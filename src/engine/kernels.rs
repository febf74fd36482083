//! The arithmetic of a small convolutional network, on channels-last (HWC) tensors: dense and
//! depthwise convolution, max-pooling, addition, activations (ReLU, leaky ReLU), channel
//! concatenation, nearest-neighbour upsampling and softmax. Pure functions over slices; the planner
//! decides what runs when and the runner calls them. Inner loops work on fixed blocks of [`LANES`] output channels so that the
//! compiler turns them into SIMD (wasm `simd128`, x86 SSE) without `unsafe`.

/// Output channels computed together; weights are packed in blocks of this many channels.
pub const LANES: usize = 8;
/// Pixels computed together by the 1×1 kernel (4 × [`LANES`] accumulators fit in 16 registers).
const PIXELS: usize = 4;

/// Height, width and channels of a channels-last tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub h: usize,
    pub w: usize,
    pub c: usize,
}

impl Shape {
    pub fn pixels(self) -> usize {
        self.h * self.w
    }

    pub fn len(self) -> usize {
        self.h * self.w * self.c
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// [`Shape::len`], or None when it overflows (shapes read from a file are checked with this).
    pub fn checked_len(self) -> Option<usize> {
        self.h.checked_mul(self.w)?.checked_mul(self.c)
    }
}

/// Kernel size, stride and padding of a convolution or pooling window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub k: usize,
    pub stride: usize,
    pub pad_top: usize,
    pub pad_left: usize,
}

impl Window {
    /// Input rows or columns `[first, last)` of the window whose output index is `o`, clipped to
    /// `0..len`, and the kernel index of `first`.
    #[inline]
    fn span(self, o: usize, pad: usize, len: usize) -> (usize, usize, usize) {
        let start = o * self.stride;
        let first = start.max(pad);
        let last = (start + self.k).min(len + pad);
        (first - pad, last.max(first) - pad, first - start)
    }
}

/// An activation applied to each value as it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Act {
    #[default]
    None,
    /// `max(x, 0)`.
    Relu,
    /// `max(x, alpha·x)`: leaky ReLU, for `0 ≤ alpha ≤ 1` (the planner refuses other slopes).
    Leaky(f32),
}

impl Act {
    #[inline(always)]
    pub fn apply(self, v: f32) -> f32 {
        match self {
            Act::None => v,
            Act::Relu => v.max(0.0),
            Act::Leaky(alpha) => v.max(v * alpha),
        }
    }

    #[inline(always)]
    pub fn apply4(self, v: F4) -> F4 {
        match self {
            Act::None => v,
            Act::Relu => v.relu(),
            Act::Leaky(alpha) => v.max(v.mul(F4::splat(alpha))),
        }
    }
}

/// What happens to a convolution's output before it is stored: a residual added to its first
/// channels (a skip connection, possibly from a tensor with fewer channels), then the activation.
#[derive(Clone, Copy, Default)]
pub struct Epilogue<'a> {
    /// The tensor to add, with its channel count (at most the output's).
    pub residual: Option<(&'a [f32], usize)>,
    pub act: Act,
}

impl Epilogue<'_> {
    /// Store one pixel's block of [`LANES`] channels starting at `first_channel`.
    #[inline(always)]
    fn store(&self, acc: [F4; 2], pixel: usize, first_channel: usize, out: &mut [f32], c: usize) {
        let at = pixel * c + first_channel;
        if first_channel + LANES <= c {
            let mut acc = acc;
            if let Some((res, rc)) = self.residual {
                if first_channel + LANES <= rc {
                    let r = &res[pixel * rc + first_channel..][..LANES];
                    acc[0] = acc[0].add(F4::load(&r[..4]));
                    acc[1] = acc[1].add(F4::load(&r[4..]));
                } else {
                    return self.store_partial(acc, pixel, first_channel, out, c);
                }
            }
            if self.act != Act::None {
                acc = [self.act.apply4(acc[0]), self.act.apply4(acc[1])];
            }
            let dst = &mut out[at..at + LANES];
            let (lo, hi) = dst.split_at_mut(4);
            acc[0].store(lo);
            acc[1].store(hi);
        } else {
            self.store_partial(acc, pixel, first_channel, out, c);
        }
    }

    #[cold]
    fn store_partial(
        &self,
        acc: [F4; 2],
        pixel: usize,
        first_channel: usize,
        out: &mut [f32],
        c: usize,
    ) {
        let mut values = [0.0; LANES];
        let (lo, hi) = values.split_at_mut(4);
        acc[0].store(lo);
        acc[1].store(hi);
        let n = LANES.min(c - first_channel);
        let dst = &mut out[pixel * c + first_channel..][..n];
        dst.copy_from_slice(&values[..n]);
        if let Some((res, rc)) = self.residual {
            if first_channel < rc {
                let m = n.min(rc - first_channel);
                for (d, s) in dst.iter_mut().zip(&res[pixel * rc + first_channel..][..m]) {
                    *d += s;
                }
            }
        }
        for d in dst.iter_mut() {
            *d = self.act.apply(*d);
        }
    }

    /// The same epilogue for the pixels from `first` on (a row of a larger output).
    fn at_pixel(&self, first: usize) -> Self {
        Epilogue {
            residual: self.residual.map(|(r, rc)| (&r[first * rc..], rc)),
            act: self.act,
        }
    }
}

/// Four floats computed together: wasm SIMD when the module is built with `simd128`, plain arrays
/// (which the compiler vectorises) elsewhere.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod f4 {
    use core::arch::wasm32::*;

    #[derive(Clone, Copy)]
    pub struct F4(v128);

    #[allow(clippy::should_implement_trait)]
    impl F4 {
        #[inline(always)]
        pub fn splat(a: f32) -> F4 {
            F4(f32x4_splat(a))
        }
        /// `*a` in all four lanes, loaded straight into the vector (one broadcast load on x86).
        #[inline(always)]
        pub fn load_splat(a: &f32) -> F4 {
            // SAFETY: `a` is 4 readable bytes; wasm loads need no alignment.
            F4(unsafe { v128_load32_splat((a as *const f32).cast::<u32>()) })
        }
        /// The first 4 values of `s`.
        #[inline(always)]
        pub fn load(s: &[f32]) -> F4 {
            let s: &[f32; 4] = s[..4].try_into().unwrap_or(&[0.0; 4]);
            // SAFETY: `s` is 16 readable bytes; wasm loads need no alignment.
            F4(unsafe { v128_load(s.as_ptr().cast::<v128>()) })
        }
        /// The first 4 bytes of `px` (an RGBA pixel) as floats from 0 to 255.
        #[inline(always)]
        pub fn from_bytes(px: &[u8]) -> F4 {
            let px: &[u8; 4] = px[..4].try_into().unwrap_or(&[0; 4]);
            // SAFETY: `px` is 4 readable bytes; wasm loads need no alignment.
            let v = unsafe { v128_load32_zero(px.as_ptr().cast::<u32>()) };
            F4(f32x4_convert_u32x4(u32x4_extend_low_u16x8(
                u16x8_extend_low_u8x16(v),
            )))
        }
        #[inline(always)]
        pub fn store(self, d: &mut [f32]) {
            let d: &mut [f32; 4] = (&mut d[..4]).try_into().unwrap_or_else(|_| unreachable!());
            // SAFETY: `d` is 16 writable bytes; wasm stores need no alignment.
            unsafe { v128_store(d.as_mut_ptr().cast::<v128>(), self.0) }
        }
        /// `self + a·b`: one fused multiply-add where the module is built with relaxed SIMD (the
        /// browser picks that build when it runs it), a multiply and an add otherwise.
        #[inline(always)]
        pub fn mul_add(self, a: F4, b: F4) -> F4 {
            #[cfg(target_feature = "relaxed-simd")]
            return F4(f32x4_relaxed_madd(a.0, b.0, self.0));
            #[cfg(not(target_feature = "relaxed-simd"))]
            return F4(f32x4_add(self.0, f32x4_mul(a.0, b.0)));
        }
        /// [`F4::mul_add`]: in wasm the build, not the call, picks fused multiply-add.
        #[inline(always)]
        pub fn mul_add_fused(self, a: F4, b: F4) -> F4 {
            self.mul_add(a, b)
        }
        #[inline(always)]
        pub fn add(self, b: F4) -> F4 {
            F4(f32x4_add(self.0, b.0))
        }
        #[inline(always)]
        pub fn relu(self) -> F4 {
            F4(f32x4_pmax(self.0, f32x4_splat(0.0)))
        }
        #[inline(always)]
        pub fn mul(self, b: F4) -> F4 {
            F4(f32x4_mul(self.0, b.0))
        }
        #[inline(always)]
        pub fn max(self, b: F4) -> F4 {
            F4(f32x4_pmax(self.0, b.0))
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod f4 {
    #[derive(Clone, Copy)]
    pub struct F4([f32; 4]);

    #[allow(clippy::should_implement_trait)]
    impl F4 {
        #[inline(always)]
        pub fn splat(a: f32) -> F4 {
            F4([a; 4])
        }
        #[inline(always)]
        pub fn load_splat(a: &f32) -> F4 {
            F4([*a; 4])
        }
        #[inline(always)]
        pub fn load(s: &[f32]) -> F4 {
            let s: &[f32; 4] = s[..4].try_into().unwrap_or(&[0.0; 4]);
            F4(*s)
        }
        #[inline(always)]
        pub fn from_bytes(px: &[u8]) -> F4 {
            let px: &[u8; 4] = px[..4].try_into().unwrap_or(&[0; 4]);
            F4(px.map(f32::from))
        }
        #[inline(always)]
        pub fn store(self, d: &mut [f32]) {
            d[..4].copy_from_slice(&self.0);
        }
        #[inline(always)]
        pub fn mul_add(self, a: F4, b: F4) -> F4 {
            F4(std::array::from_fn(|i| self.0[i] + a.0[i] * b.0[i]))
        }
        /// `self + a·b` rounded once: one instruction in code compiled for a CPU with FMA (a slow
        /// library call without: only for [`super::pointwise`]'s FMA copy).
        #[inline(always)]
        pub fn mul_add_fused(self, a: F4, b: F4) -> F4 {
            F4(std::array::from_fn(|i| a.0[i].mul_add(b.0[i], self.0[i])))
        }
        #[inline(always)]
        pub fn add(self, b: F4) -> F4 {
            F4(std::array::from_fn(|i| self.0[i] + b.0[i]))
        }
        #[inline(always)]
        pub fn relu(self) -> F4 {
            F4(self.0.map(|v| v.max(0.0)))
        }
        #[inline(always)]
        pub fn mul(self, b: F4) -> F4 {
            F4(std::array::from_fn(|i| self.0[i] * b.0[i]))
        }
        #[inline(always)]
        pub fn max(self, b: F4) -> F4 {
            F4(std::array::from_fn(|i| self.0[i].max(b.0[i])))
        }
    }
}

pub use f4::F4;

/// Number of [`LANES`]-channel blocks holding `c` channels.
pub fn blocks(c: usize) -> usize {
    c.div_ceil(LANES)
}

/// Pack dense convolution weights `[cout][cin][k][k]` (ONNX order) as
/// `[block][ky][kx][cin][LANES]`, zero-padded to whole blocks.
pub fn pack_dense(weights: &[f32], cout: usize, cin: usize, k: usize) -> Vec<f32> {
    let nb = blocks(cout);
    let mut packed = vec![0.0; nb * k * k * cin * LANES];
    for co in 0..cout {
        for ci in 0..cin {
            for ky in 0..k {
                for kx in 0..k {
                    let src = ((co * cin + ci) * k + ky) * k + kx;
                    let dst = ((((co / LANES) * k + ky) * k + kx) * cin + ci) * LANES + co % LANES;
                    packed[dst] = weights[src];
                }
            }
        }
    }
    packed
}

/// Pack depthwise weights `[c][1][k][k]` as `[ky][kx][c]`.
pub fn pack_depthwise(weights: &[f32], c: usize, k: usize) -> Vec<f32> {
    let mut packed = vec![0.0; k * k * c];
    for ch in 0..c {
        for i in 0..k * k {
            packed[i * c + ch] = weights[ch * k * k + i];
        }
    }
    packed
}

/// Bias padded to whole blocks (zeros when the layer has none).
pub fn pack_bias(bias: Option<&[f32]>, cout: usize) -> Vec<f32> {
    let mut packed = vec![0.0; blocks(cout) * LANES];
    if let Some(b) = bias {
        packed[..cout].copy_from_slice(&b[..cout]);
    }
    packed
}

/// 1×1 convolution: `out[p][co] = bias[co] + Σ input[p][ci] · w[ci][co]`, then the epilogue.
/// `weights` as [`pack_dense`] with k = 1. Four pixels by one block of [`LANES`] channels at a time.
///
/// Natively on x86-64 CPUs with AVX2 and FMA (checked at run time), a copy compiled for them runs,
/// with fused multiply-add: most of the CLI's time is spent here. Elsewhere, and in wasm (whose
/// build picks fused multiply-add), the portable code.
pub fn pointwise(
    input: &[f32],
    cin: usize,
    weights: &[f32],
    bias: &[f32],
    out: &mut [f32],
    cout: usize,
    epilogue: Epilogue<'_>,
) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has AVX2 and FMA, checked just above.
        return unsafe { pointwise_avx2_fma(input, cin, weights, bias, out, cout, epilogue) };
    }
    pointwise_with::<false>(input, cin, weights, bias, out, cout, epilogue)
}

/// [`pointwise`] compiled for AVX2 and FMA; call only on a CPU that has them.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn pointwise_avx2_fma(
    input: &[f32],
    cin: usize,
    weights: &[f32],
    bias: &[f32],
    out: &mut [f32],
    cout: usize,
    epilogue: Epilogue<'_>,
) {
    pointwise_with::<true>(input, cin, weights, bias, out, cout, epilogue)
}

/// [`pointwise`]'s body, with fused multiply-add when `FUSED`.
#[inline(always)]
fn pointwise_with<const FUSED: bool>(
    input: &[f32],
    cin: usize,
    weights: &[f32],
    bias: &[f32],
    out: &mut [f32],
    cout: usize,
    epilogue: Epilogue<'_>,
) {
    let mad = |acc: F4, a: F4, w: F4| {
        if FUSED {
            acc.mul_add_fused(a, w)
        } else {
            acc.mul_add(a, w)
        }
    };
    let pixels = input.len() / cin;
    for (b, (block, bias)) in weights
        .chunks_exact(cin * LANES)
        .zip(bias.chunks_exact(LANES))
        .enumerate()
    {
        let (rows, _) = block.as_chunks::<LANES>();
        let bias = [F4::load(&bias[..4]), F4::load(&bias[4..])];
        let mut quads = input.chunks_exact(PIXELS * cin);
        let mut p = 0;
        for quad in quads.by_ref() {
            let (x0, rest) = quad.split_at(cin);
            let (x1, rest) = rest.split_at(cin);
            let (x2, x3) = rest.split_at(cin);
            let mut acc = [bias; PIXELS];
            for ((((w, a0), a1), a2), a3) in rows.iter().zip(x0).zip(x1).zip(x2).zip(x3) {
                let (w0, w1) = (F4::load(&w[..4]), F4::load(&w[4..]));
                for (acc, a) in acc.iter_mut().zip([a0, a1, a2, a3]) {
                    let a = F4::load_splat(a);
                    acc[0] = mad(acc[0], a, w0);
                    acc[1] = mad(acc[1], a, w1);
                }
            }
            for (r, acc) in acc.into_iter().enumerate() {
                epilogue.store(acc, p + r, b * LANES, out, cout);
            }
            p += PIXELS;
        }
        for x in quads.remainder().chunks_exact(cin) {
            let mut acc = bias;
            for (w, &a) in rows.iter().zip(x) {
                let a = F4::splat(a);
                acc[0] = mad(acc[0], a, F4::load(&w[..4]));
                acc[1] = mad(acc[1], a, F4::load(&w[4..]));
            }
            epilogue.store(acc, p, b * LANES, out, cout);
            p += 1;
        }
        debug_assert_eq!(p, pixels);
    }
}

/// Floats of scratch space [`dense`] needs for one output row.
pub fn dense_scratch(window: Window, shape: Shape, out_shape: Shape) -> usize {
    out_shape
        .w
        .saturating_mul(window.k * window.k)
        .saturating_mul(shape.c)
}

/// Dense k×k convolution with stride and zero padding (any k; used for the first layer). Each output
/// row's input patches are gathered into `scratch` ([`dense_scratch`] floats), then multiplied as a
/// 1×1 convolution. `weights` as [`pack_dense`].
#[allow(clippy::too_many_arguments)]
pub fn dense(
    input: &[f32],
    shape: Shape,
    window: Window,
    weights: &[f32],
    bias: &[f32],
    out: &mut [f32],
    out_shape: Shape,
    epilogue: Epilogue<'_>,
    scratch: &mut [f32],
) {
    let (k, cin) = (window.k, shape.c);
    let patch = k * k * cin;
    let row_len = out_shape.w * out_shape.c;
    for (oy, out_row) in out.chunks_exact_mut(row_len).enumerate().take(out_shape.h) {
        let (y0, y1, ky0) = window.span(oy, window.pad_top, shape.h);
        for (ox, patch) in scratch
            .chunks_exact_mut(patch)
            .enumerate()
            .take(out_shape.w)
        {
            patch.fill(0.0);
            let (x0, x1, kx0) = window.span(ox, window.pad_left, shape.w);
            for (iy, ky) in (y0..y1).zip(ky0..) {
                let src = &input[(iy * shape.w + x0) * cin..(iy * shape.w + x1) * cin];
                patch[(ky * k + kx0) * cin..][..src.len()].copy_from_slice(src);
            }
        }
        let patches = &scratch[..out_shape.w * patch];
        pointwise(
            patches,
            patch,
            weights,
            bias,
            out_row,
            out_shape.c,
            epilogue.at_pixel(oy * out_shape.w),
        );
    }
}

/// Depthwise k×k convolution (one filter per channel) with stride and zero padding, then `bias` and
/// `act`. `weights` as [`pack_depthwise`]. Four channels at a time along a row, their 3×3 filters held
/// in registers, two output pixels at a time at stride 1 (they share two of their three columns),
/// when the channel count allows; any other shape takes the plain path.
#[allow(clippy::too_many_arguments)]
pub fn depthwise(
    input: &[f32],
    shape: Shape,
    window: Window,
    weights: &[f32],
    bias: &[f32],
    act: Act,
    out: &mut [f32],
    out_shape: Shape,
) {
    if window.k == 3 && shape.c.is_multiple_of(4) {
        return depthwise_3x3(input, shape, window, weights, bias, act, out, out_shape);
    }
    let (k, c) = (window.k, shape.c);
    for oy in 0..out_shape.h {
        let (y0, y1, ky0) = window.span(oy, window.pad_top, shape.h);
        for ox in 0..out_shape.w {
            let (x0, x1, kx0) = window.span(ox, window.pad_left, shape.w);
            let dst = &mut out[(oy * out_shape.w + ox) * c..][..c];
            dst.copy_from_slice(&bias[..c]);
            for (iy, ky) in (y0..y1).zip(ky0..) {
                for (ix, kx) in (x0..x1).zip(kx0..) {
                    let x = &input[(iy * shape.w + ix) * c..][..c];
                    let w = &weights[(ky * k + kx) * c..][..c];
                    for ((d, a), w) in dst.iter_mut().zip(x).zip(w) {
                        *d += a * w;
                    }
                }
            }
            if act != Act::None {
                for d in dst.iter_mut() {
                    *d = act.apply(*d);
                }
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn depthwise_3x3(
    input: &[f32],
    shape: Shape,
    window: Window,
    weights: &[f32],
    bias: &[f32],
    act: Act,
    out: &mut [f32],
    out_shape: Shape,
) {
    let c = shape.c;
    let row = shape.w * c;
    let (stride, pad_left) = (window.stride, window.pad_left);
    // Output columns whose 3 input columns are all inside the image.
    let first_inner = pad_left.div_ceil(stride);
    let end_inner = match (shape.w + pad_left).checked_sub(3) {
        Some(span) => (span / stride + 1).min(out_shape.w).max(first_inner),
        None => first_inner,
    };
    for (oy, out_row) in out
        .chunks_exact_mut(out_shape.w * c)
        .enumerate()
        .take(out_shape.h)
    {
        let (y0, y1, ky0) = window.span(oy, window.pad_top, shape.h);
        for cb in (0..c).step_by(4) {
            let w: [F4; 9] = std::array::from_fn(|t| F4::load(&weights[t * c + cb..]));
            let b = F4::load(&bias[cb..]);
            let edge = |ox: usize, out_row: &mut [f32]| {
                let (x0, x1, kx0) = window.span(ox, pad_left, shape.w);
                let mut acc = b;
                for (iy, ky) in (y0..y1).zip(ky0..) {
                    for (ix, kx) in (x0..x1).zip(kx0..) {
                        acc =
                            acc.mul_add(F4::load(&input[iy * row + ix * c + cb..]), w[ky * 3 + kx]);
                    }
                }
                act.apply4(acc).store(&mut out_row[ox * c + cb..]);
            };
            if y1 - y0 < 3 {
                for ox in 0..out_shape.w {
                    edge(ox, out_row);
                }
                continue;
            }
            for ox in (0..first_inner).chain(end_inner..out_shape.w) {
                edge(ox, out_row);
            }
            let rows = &input[y0 * row + cb..];
            let (r0, rest) = rows.split_at(row);
            let (r1, r2) = rest.split_at(row);
            let mut ox = first_inner;
            if stride == 1 {
                // Two outputs from four input columns.
                while ox + 2 <= end_inner {
                    let p = (ox - pad_left) * c;
                    let (mut a0, mut a1) = (b, b);
                    for (r, w) in [r0, r1, r2].into_iter().zip(w.chunks_exact(3)) {
                        let s = &r[p..p + 3 * c + 4];
                        let (x0, x1, x2, x3) = (
                            F4::load(s),
                            F4::load(&s[c..]),
                            F4::load(&s[2 * c..]),
                            F4::load(&s[3 * c..]),
                        );
                        a0 = a0.mul_add(x0, w[0]).mul_add(x1, w[1]).mul_add(x2, w[2]);
                        a1 = a1.mul_add(x1, w[0]).mul_add(x2, w[1]).mul_add(x3, w[2]);
                    }
                    act.apply4(a0).store(&mut out_row[ox * c + cb..]);
                    act.apply4(a1).store(&mut out_row[(ox + 1) * c + cb..]);
                    ox += 2;
                }
            }
            for ox in ox..end_inner {
                let p = (ox * stride - pad_left) * c;
                let mut acc = b;
                for (r, w) in [r0, r1, r2].into_iter().zip(w.chunks_exact(3)) {
                    let s = &r[p..p + 2 * c + 4];
                    acc = acc
                        .mul_add(F4::load(s), w[0])
                        .mul_add(F4::load(&s[c..]), w[1])
                        .mul_add(F4::load(&s[2 * c..]), w[2]);
                }
                act.apply4(acc).store(&mut out_row[ox * c + cb..]);
            }
        }
    }
}

/// Max-pooling over k×k windows with stride; padding never wins (it counts as −∞). Four channels at
/// a time when the channel count allows.
pub fn max_pool(input: &[f32], shape: Shape, window: Window, out: &mut [f32], out_shape: Shape) {
    let c = shape.c;
    for oy in 0..out_shape.h {
        let (y0, y1, _) = window.span(oy, window.pad_top, shape.h);
        for ox in 0..out_shape.w {
            let (x0, x1, _) = window.span(ox, window.pad_left, shape.w);
            let dst = &mut out[(oy * out_shape.w + ox) * c..][..c];
            if c.is_multiple_of(4) && y1 > y0 && x1 > x0 {
                for cb in (0..c).step_by(4) {
                    let mut acc = F4::load(&input[(y0 * shape.w + x0) * c + cb..]);
                    for iy in y0..y1 {
                        for ix in x0..x1 {
                            acc = acc.max(F4::load(&input[(iy * shape.w + ix) * c + cb..]));
                        }
                    }
                    acc.store(&mut dst[cb..]);
                }
                continue;
            }
            dst.fill(f32::NEG_INFINITY);
            for iy in y0..y1 {
                for ix in x0..x1 {
                    let x = &input[(iy * shape.w + ix) * c..][..c];
                    for (d, a) in dst.iter_mut().zip(x) {
                        *d = d.max(*a);
                    }
                }
            }
        }
    }
}

/// Mean of each window, over the values inside the picture (padding is not counted: ONNX's
/// AveragePool with `count_include_pad = 0`).
pub fn avg_pool(input: &[f32], shape: Shape, window: Window, out: &mut [f32], out_shape: Shape) {
    let c = shape.c;
    for oy in 0..out_shape.h {
        let (y0, y1, _) = window.span(oy, window.pad_top, shape.h);
        for ox in 0..out_shape.w {
            let (x0, x1, _) = window.span(ox, window.pad_left, shape.w);
            let dst = &mut out[(oy * out_shape.w + ox) * c..][..c];
            dst.fill(0.0);
            for iy in y0..y1 {
                for ix in x0..x1 {
                    let x = &input[(iy * shape.w + ix) * c..][..c];
                    for (d, a) in dst.iter_mut().zip(x) {
                        *d += a;
                    }
                }
            }
            let count = ((y1 - y0) * (x1 - x0)).max(1) as f32;
            for d in dst.iter_mut() {
                *d /= count;
            }
        }
    }
}

/// Mean of each of the `c` channels over every pixel of `input` (GlobalAveragePool).
pub fn mean(input: &[f32], c: usize, out: &mut [f32]) {
    let out = &mut out[..c];
    out.fill(0.0);
    let mut pixels = 0usize;
    for x in input.chunks_exact(c) {
        for (d, a) in out.iter_mut().zip(x) {
            *d += a;
        }
        pixels += 1;
    }
    let n = pixels.max(1) as f32;
    for d in out.iter_mut() {
        *d /= n;
    }
}

/// `input` (of `shape`) placed in zeros of `out_shape`, its first value at row `at.0`, column `at.1`,
/// channel `at.2` (a Pad with zeros; the planner checks it fits).
pub fn pad(
    input: &[f32],
    shape: Shape,
    out: &mut [f32],
    out_shape: Shape,
    at: (usize, usize, usize),
) {
    out[..out_shape.len()].fill(0.0);
    for y in 0..shape.h {
        for x in 0..shape.w {
            let src = &input[(y * shape.w + x) * shape.c..][..shape.c];
            let o = ((y + at.0) * out_shape.w + x + at.1) * out_shape.c + at.2;
            out[o..o + shape.c].copy_from_slice(src);
        }
    }
}

/// `out = a + b` over `pixels` pixels, where `a` and `out` have `c` channels and `b` has `bc ≤ c`
/// (the missing channels of `b` are zeros: a channel-padded skip connection).
pub fn add(a: &[f32], b: &[f32], bc: usize, out: &mut [f32], c: usize, act: Act) {
    for ((dst, a), b) in out
        .chunks_exact_mut(c)
        .zip(a.chunks_exact(c))
        .zip(b.chunks_exact(bc))
    {
        dst.copy_from_slice(a);
        for (d, b) in dst.iter_mut().zip(b) {
            *d += b;
        }
        if act != Act::None {
            for d in dst.iter_mut() {
                *d = act.apply(*d);
            }
        }
    }
}

/// `out = act(x)`, value by value.
pub fn activate(x: &[f32], out: &mut [f32], act: Act) {
    for (d, a) in out.iter_mut().zip(x) {
        *d = act.apply(*a);
    }
}

/// Concatenation along an inner axis: `out` is `outer` runs, each the `outer`-th run of every part in
/// turn; part `i` is `(data, run length)`. Channels of channels-last tensors (outer = pixels), or
/// whole flattened tensors one after another (outer = 1).
pub fn concat(parts: &[(&[f32], usize)], outer: usize, out: &mut [f32]) {
    let mut at = 0;
    for o in 0..outer {
        for (data, run) in parts {
            out[at..at + run].copy_from_slice(&data[o * run..(o + 1) * run]);
            at += run;
        }
    }
}

/// Nearest-neighbour resize of a channels-last tensor, ONNX's `asymmetric` coordinates rounded down:
/// output pixel `(y, x)` takes input pixel `(⌊y·h/oh⌋, ⌊x·w/ow⌋)`.
pub fn resize_nearest(input: &[f32], shape: Shape, out: &mut [f32], out_shape: Shape) {
    let c = shape.c;
    for oy in 0..out_shape.h {
        let iy = (oy * shape.h / out_shape.h).min(shape.h - 1);
        for ox in 0..out_shape.w {
            let ix = (ox * shape.w / out_shape.w).min(shape.w - 1);
            out[(oy * out_shape.w + ox) * c..][..c]
                .copy_from_slice(&input[(iy * shape.w + ix) * c..][..c]);
        }
    }
}

/// Softmax over each run of `inner` values.
pub fn softmax(input: &[f32], inner: usize, out: &mut [f32]) {
    for (dst, x) in out.chunks_exact_mut(inner).zip(input.chunks_exact(inner)) {
        let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for (d, v) in dst.iter_mut().zip(x) {
            *d = (v - max).exp();
            sum += *d;
        }
        for d in dst.iter_mut() {
            *d /= sum;
        }
    }
}

/// `out[p] = a[p] followed by zeros`, over pixels: `a` has `ac` channels, `out` has `c`.
pub fn pad_channels(a: &[f32], ac: usize, out: &mut [f32], c: usize) {
    for (dst, a) in out.chunks_exact_mut(c).zip(a.chunks_exact(ac)) {
        dst[..ac].copy_from_slice(a);
        dst[ac..].fill(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plain reference convolution on channels-last tensors, straight from the definition.
    #[allow(clippy::too_many_arguments)]
    fn reference_conv(
        input: &[f32],
        shape: Shape,
        window: Window,
        w: &[f32],
        bias: &[f32],
        cout: usize,
        depthwise: bool,
        out_shape: Shape,
    ) -> Vec<f32> {
        let k = window.k;
        let mut out = vec![0.0; out_shape.len()];
        for oy in 0..out_shape.h {
            for ox in 0..out_shape.w {
                for co in 0..cout {
                    let mut acc = bias.get(co).copied().unwrap_or(0.0);
                    for ky in 0..k {
                        for kx in 0..k {
                            let iy = (oy * window.stride + ky) as isize - window.pad_top as isize;
                            let ix = (ox * window.stride + kx) as isize - window.pad_left as isize;
                            if iy < 0 || ix < 0 || iy >= shape.h as isize || ix >= shape.w as isize
                            {
                                continue;
                            }
                            let px = (iy as usize * shape.w + ix as usize) * shape.c;
                            if depthwise {
                                acc += input[px + co] * w[(co * k + ky) * k + kx];
                            } else {
                                for ci in 0..shape.c {
                                    acc +=
                                        input[px + ci] * w[((co * shape.c + ci) * k + ky) * k + kx];
                                }
                            }
                        }
                    }
                    out[(oy * out_shape.w + ox) * cout + co] = acc;
                }
            }
        }
        out
    }

    fn numbers(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (s >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0
            })
            .collect()
    }

    fn close(a: &[f32], b: &[f32]) {
        assert_eq!(a.len(), b.len());
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!((x - y).abs() < 1e-4, "at {i}: {x} vs {y}");
        }
    }

    #[test]
    fn bytes_become_floats_lane_by_lane_from_an_unaligned_start() {
        // The SIMD build widens four bytes in one go: every value, in order, from any offset.
        let bytes: Vec<u8> = (0..=255).chain([255, 0, 128, 1]).collect();
        for start in [0, 1, 3, 127, 252, 256] {
            let mut out = [0.0f32; 4];
            F4::from_bytes(&bytes[start..]).store(&mut out);
            let want: Vec<f32> = bytes[start..start + 4]
                .iter()
                .map(|&b| f32::from(b))
                .collect();
            assert_eq!(out.to_vec(), want, "from byte {start}");
        }
    }

    #[test]
    fn dense_convolution_matches_the_definition_with_stride_and_uneven_padding() {
        let shape = Shape { h: 9, w: 7, c: 3 };
        let window = Window {
            k: 5,
            stride: 2,
            pad_top: 1,
            pad_left: 1,
        };
        // ONNX pads [1, 1, 2, 2]: out = (9 + 3 - 5) / 2 + 1 = 4 rows, (7 + 3 - 5) / 2 + 1 = 3 columns.
        let out_shape = Shape { h: 4, w: 3, c: 11 };
        let input = numbers(shape.len(), 1);
        let w = numbers(11 * 3 * 25, 2);
        let bias = numbers(11, 3);
        let mut out = vec![0.0; out_shape.len()];
        let mut scratch = vec![0.0; dense_scratch(window, shape, out_shape)];
        dense(
            &input,
            shape,
            window,
            &pack_dense(&w, 11, 3, 5),
            &pack_bias(Some(&bias), 11),
            &mut out,
            out_shape,
            Epilogue::default(),
            &mut scratch,
        );
        close(
            &out,
            &reference_conv(&input, shape, window, &w, &bias, 11, false, out_shape),
        );
    }

    #[test]
    fn pointwise_convolution_matches_the_definition_with_residual_and_relu() {
        // 7 pixels: one block of 4 and a tail of 3; 13 output channels: one block and a partial one.
        let shape = Shape { h: 1, w: 7, c: 6 };
        let window = Window {
            k: 1,
            stride: 1,
            pad_top: 0,
            pad_left: 0,
        };
        let out_shape = Shape { h: 1, w: 7, c: 13 };
        let input = numbers(shape.len(), 4);
        let w = numbers(13 * 6, 5);
        let bias = numbers(13, 6);
        let residual = numbers(7 * 10, 7);
        let mut out = vec![0.0; out_shape.len()];
        let epilogue = Epilogue {
            residual: Some((&residual, 10)),
            act: Act::Relu,
        };
        pointwise(
            &input,
            6,
            &pack_dense(&w, 13, 6, 1),
            &pack_bias(Some(&bias), 13),
            &mut out,
            13,
            epilogue,
        );
        let mut expected = reference_conv(&input, shape, window, &w, &bias, 13, false, out_shape);
        for (p, px) in expected.chunks_exact_mut(13).enumerate() {
            for (c, v) in px.iter_mut().enumerate() {
                *v = (*v + if c < 10 { residual[p * 10 + c] } else { 0.0 }).max(0.0);
            }
        }
        close(&out, &expected);
    }

    #[test]
    fn pointwise_portable_and_fused_copies_both_match_the_definition() {
        // `pointwise` runs one of the two on this CPU; both are checked here whichever it is. The
        // fused copy outside code compiled for FMA calls the library's fused multiply-add.
        let (pixels, cin, cout) = (9, 37, 19);
        let shape = Shape {
            h: 1,
            w: pixels,
            c: cin,
        };
        let window = Window {
            k: 1,
            stride: 1,
            pad_top: 0,
            pad_left: 0,
        };
        let out_shape = Shape {
            h: 1,
            w: pixels,
            c: cout,
        };
        let input = numbers(shape.len(), 11);
        let w = numbers(cout * cin, 12);
        let bias = numbers(cout, 13);
        let (packed, packed_bias) = (pack_dense(&w, cout, cin, 1), pack_bias(Some(&bias), cout));
        let expected = reference_conv(&input, shape, window, &w, &bias, cout, false, out_shape);
        let plain = Epilogue {
            residual: None,
            act: Act::None,
        };
        let mut portable = vec![0.0; out_shape.len()];
        pointwise_with::<false>(
            &input,
            cin,
            &packed,
            &packed_bias,
            &mut portable,
            cout,
            plain,
        );
        close(&portable, &expected);
        let mut fused = vec![0.0; out_shape.len()];
        pointwise_with::<true>(&input, cin, &packed, &packed_bias, &mut fused, cout, plain);
        close(&fused, &expected);
    }

    /// Run [`depthwise`] on made-up numbers and compare with the definition.
    fn check_depthwise(shape: Shape, window: Window, out_shape: Shape, seed: u32) {
        let input = numbers(shape.len(), seed);
        let weights = numbers(shape.c * window.k * window.k, seed + 1);
        let bias = numbers(shape.c, seed + 2);
        let packed = pack_depthwise(&weights, shape.c, window.k);
        let expected = reference_conv(
            &input, shape, window, &weights, &bias, shape.c, true, out_shape,
        );
        for act in [Act::None, Act::Leaky(0.1)] {
            let mut out = vec![0.0; out_shape.len()];
            depthwise(
                &input, shape, window, &packed, &bias, act, &mut out, out_shape,
            );
            let expected: Vec<f32> = expected.iter().map(|&v| act.apply(v)).collect();
            close(&out, &expected);
        }
    }

    #[test]
    fn depthwise_convolution_matches_the_definition_at_stride_two() {
        // 10 channels: not a multiple of 4, so the plain path. ONNX pads [0, 0, 1, 1] with stride 2:
        // TensorFlow's "same" padding for even sizes.
        let window = Window {
            k: 3,
            stride: 2,
            pad_top: 0,
            pad_left: 0,
        };
        check_depthwise(
            Shape { h: 8, w: 6, c: 10 },
            window,
            Shape { h: 4, w: 3, c: 10 },
            8,
        );
    }

    #[test]
    fn depthwise_3x3_fast_path_matches_the_definition() {
        for (stride, pad, h, w) in [
            (1, 1, 7, 9),
            (1, 1, 5, 8),
            (1, 0, 6, 7),
            (2, 0, 8, 6),
            (2, 1, 9, 5),
            (1, 0, 3, 3),
        ] {
            let window = Window {
                k: 3,
                stride,
                pad_top: pad,
                pad_left: pad,
            };
            let out_shape = Shape {
                h: (h + 2 * pad - 3) / stride + 1,
                w: (w + 2 * pad - 3) / stride + 1,
                c: 8,
            };
            check_depthwise(Shape { h, w, c: 8 }, window, out_shape, 10);
        }
        // An image narrower than the window (ONNX pads [1, 0, 1, 1]): no column is inside.
        let window = Window {
            k: 3,
            stride: 1,
            pad_top: 1,
            pad_left: 0,
        };
        check_depthwise(
            Shape { h: 4, w: 2, c: 4 },
            window,
            Shape { h: 4, w: 1, c: 4 },
            12,
        );
    }

    #[test]
    fn max_pool_add_relu_and_channel_padding() {
        let shape = Shape { h: 2, w: 2, c: 2 };
        let input = [1.0, -1.0, 5.0, -2.0, 3.0, -3.0, 2.0, -0.5];
        let mut pooled = [0.0; 2];
        let window = Window {
            k: 2,
            stride: 2,
            pad_top: 0,
            pad_left: 0,
        };
        max_pool(
            &input,
            shape,
            window,
            &mut pooled,
            Shape { h: 1, w: 1, c: 2 },
        );
        assert_eq!(pooled, [5.0, -0.5]);
        let mut padded = [9.0; 3];
        pad_channels(&pooled, 2, &mut padded, 3);
        assert_eq!(padded, [5.0, -0.5, 0.0]);
        let mut sum = [0.0; 3];
        add(&[1.0, 0.0, -1.0], &pooled, 2, &mut sum, 3, Act::Relu);
        assert_eq!(sum, [6.0, 0.0, 0.0]);
        let mut r = [0.0; 3];
        activate(&[-1.0, 0.5, 2.0], &mut r, Act::Relu);
        assert_eq!(r, [0.0, 0.5, 2.0]);
        activate(&[-1.0, 0.5, 2.0], &mut r, Act::Leaky(0.1));
        assert_eq!(r, [-0.1, 0.5, 2.0]);
    }

    #[test]
    fn pointwise_leaky_relu_matches_the_definition_in_blocks_and_tails() {
        let (cin, cout) = (5, 11);
        let input = numbers(9 * cin, 20);
        let w = numbers(cout * cin, 21);
        let bias = numbers(cout, 22);
        let mut out = vec![0.0; 9 * cout];
        let epilogue = Epilogue {
            residual: None,
            act: Act::Leaky(0.1),
        };
        pointwise(
            &input,
            cin,
            &pack_dense(&w, cout, cin, 1),
            &pack_bias(Some(&bias), cout),
            &mut out,
            cout,
            epilogue,
        );
        let shape = Shape { h: 1, w: 9, c: cin };
        let window = Window {
            k: 1,
            stride: 1,
            pad_top: 0,
            pad_left: 0,
        };
        let mut expected = reference_conv(
            &input,
            shape,
            window,
            &w,
            &bias,
            cout,
            false,
            Shape { c: cout, ..shape },
        );
        expected
            .iter_mut()
            .for_each(|v| *v = if *v < 0.0 { *v * 0.1 } else { *v });
        close(&out, &expected);
    }

    #[test]
    fn concat_resize_and_softmax() {
        // Channels: 2 pixels of [a0 a1] and [b0].
        let mut out = [0.0; 6];
        concat(&[(&[1.0, 2.0, 3.0, 4.0], 2), (&[9.0, 8.0], 1)], 2, &mut out);
        assert_eq!(out, [1.0, 2.0, 9.0, 3.0, 4.0, 8.0]);
        // A 2×2 single-channel picture doubled, and a 3-wide one stretched to 5 (ONNX floor rule).
        let mut up = [0.0; 16];
        resize_nearest(
            &[1.0, 2.0, 3.0, 4.0],
            Shape { h: 2, w: 2, c: 1 },
            &mut up,
            Shape { h: 4, w: 4, c: 1 },
        );
        assert_eq!(up[..8], [1.0, 1.0, 2.0, 2.0, 1.0, 1.0, 2.0, 2.0]);
        assert_eq!(up[8..], [3.0, 3.0, 4.0, 4.0, 3.0, 3.0, 4.0, 4.0]);
        let mut odd = [0.0; 5];
        resize_nearest(
            &[1.0, 2.0, 3.0],
            Shape { h: 1, w: 3, c: 1 },
            &mut odd,
            Shape { h: 1, w: 5, c: 1 },
        );
        assert_eq!(odd, [1.0, 1.0, 2.0, 2.0, 3.0]);
        let mut p = [0.0; 4];
        softmax(&[0.0, 0.0, 1000.0, 0.0], 2, &mut p);
        assert_eq!(p, [0.5, 0.5, 1.0, 0.0]);
    }
}
