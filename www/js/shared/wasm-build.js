// Which WebAssembly build this browser runs, and its compilation as it downloads: the build with
// relaxed SIMD, whose kernels use fused multiply-add, where the browser runs it; else the plain SIMD
// build. The live views compile it in the page while their worker starts, and hand the worker the
// compiled module (live-core.js: loadDetector); the workers compile it themselves otherwise
// (worker/unseen-wasm.js). The service worker (sw.js) asks the same question with the same probe, so
// it caches the one build that is used.

// (module (func (result v128) f32.const 0 f32x4.splat f32.const 0 f32x4.splat f32.const 0 f32x4.splat
//   f32x4.relaxed_madd))
export const RELAXED_SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 28, 1, 26, 0,
  67, 0, 0, 0, 0, 253, 19, 67, 0, 0, 0, 0, 253, 19, 67, 0, 0, 0, 0, 253, 19, 253, 133, 2, 11]);
export const relaxedSimd = WebAssembly.validate(RELAXED_SIMD_PROBE);

/** The URL of the build this browser runs. */
export const WASM_URL = new URL(relaxedSimd ? "../../pkg-relaxed/unseen_bg.wasm" : "../../pkg/unseen_bg.wasm", import.meta.url);

let compiling = null;
/** The build, compiled as it downloads (once per page or worker); from its bytes when the server does
 *  not call it application/wasm, which streaming compilation requires. */
export function compileWasm() {
  compiling ??= (async () => {
    const response = await fetch(WASM_URL);
    if (!response.ok) throw new Error(`the face detector's code could not be downloaded (HTTP ${response.status})`);
    try {
      return await WebAssembly.compileStreaming(response.clone());
    } catch (e) {
      if (response.headers.get("Content-Type") === "application/wasm") throw e;
      return WebAssembly.compile(await response.arrayBuffer());
    }
  })();
  return compiling;
}
