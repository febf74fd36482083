// The wasm package for this browser, for the workers (the only JavaScript that touches it): the build
// with relaxed SIMD, whose kernels use fused multiply-add, where the browser runs it; else the plain
// SIMD build. The service worker (sw.js) asks the same question with the same probe, so it caches
// the one build that is used.
import { checkLayout } from "../shared/protocol.js";

// (module (func (result v128) f32.const 0 f32x4.splat f32.const 0 f32x4.splat f32.const 0 f32x4.splat
//   f32x4.relaxed_madd))
export const RELAXED_SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 28, 1, 26, 0,
  67, 0, 0, 0, 0, 253, 19, 67, 0, 0, 0, 0, 253, 19, 67, 0, 0, 0, 0, 253, 19, 253, 133, 2, 11]);
export const relaxedSimd = WebAssembly.validate(RELAXED_SIMD_PROBE);

let loading = null;
/** The package's module, initialised: its exports, and `instance`, what its init returned. Loaded on
 *  first call (no top-level await: a module worker must set its message handler at once, or the
 *  first messages are lost). A package whose face layout is not protocol.js's (a cache mixing two
 *  versions of the site) is refused with one sentence. */
export function loadWasm() {
  loading ??= import(relaxedSimd ? "../../pkg-relaxed/unseen.js" : "../../pkg/unseen.js").then(async (m) => {
    const instance = await m.default();
    checkLayout(m.faceLength());
    return { ...m, instance };
  });
  return loading;
}
