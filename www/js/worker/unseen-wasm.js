// The wasm package for this browser, for the workers (the only JavaScript that touches it): the build
// with relaxed SIMD, whose kernels use fused multiply-add, where the browser runs it; else the plain
// SIMD build. The service worker (sw.js) asks the same question with the same probe, so it caches
// the one build that is used. Both builds have the same JavaScript bindings (build.sh checks), so
// the bindings are imported here with the worker's other modules, and the module is fetched and
// compiled from the first call.
import * as bindings from "../../pkg/unseen.js";
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
  const url = new URL(relaxedSimd ? "../../pkg-relaxed/unseen_bg.wasm" : "../../pkg/unseen_bg.wasm", import.meta.url);
  loading ??= compile(url).then(async (module) => {
    const instance = await bindings.default({ module_or_path: module });
    checkLayout(bindings.faceLength());
    return { ...bindings, instance };
  });
  return loading;
}

/** The wasm at `url`, compiled as it downloads; from its bytes when the server does not call it
 *  application/wasm, which streaming compilation requires. */
async function compile(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`the face detector's code could not be downloaded (HTTP ${response.status})`);
  try {
    return await WebAssembly.compileStreaming(response.clone());
  } catch (e) {
    if (response.headers.get("Content-Type") === "application/wasm") throw e;
    return WebAssembly.compile(await response.arrayBuffer());
  }
}
