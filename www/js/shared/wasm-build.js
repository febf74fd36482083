// Which WebAssembly build this browser runs, its compilation as it downloads, and its start with its
// JavaScript bindings. There are two kinds of build: `live` (www/pkg-live*: the live camera alone, for
// the live page and <unseen-camera>) and `full` (www/pkg*: the image codecs, the photo and video
// pipelines and the faceprint network besides, for the photo, video and watchlist pages). Each comes
// with relaxed SIMD, whose kernels use fused multiply-add, where the browser runs it, else with plain
// SIMD. The live views compile their build in the page while their worker starts, and hand the worker
// the compiled module (live-core.js: loadDetector); the workers compile it themselves otherwise
// (worker/unseen-wasm.js, worker/unseen-wasm-live.js). The service worker (sw.js) asks the same
// question with the same probe, so it caches only the builds that are used.
import { checkLayout } from "./protocol.js";

// (module (func (result v128) f32.const 0 f32x4.splat f32.const 0 f32x4.splat f32.const 0 f32x4.splat
//   f32x4.relaxed_madd))
export const RELAXED_SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 28, 1, 26, 0,
  67, 0, 0, 0, 0, 253, 19, 67, 0, 0, 0, 0, 253, 19, 67, 0, 0, 0, 0, 253, 19, 253, 133, 2, 11]);
export const relaxedSimd = WebAssembly.validate(RELAXED_SIMD_PROBE);

/** The URL of each kind of build, as this browser runs it. */
export const WASM_URLS = Object.freeze({
  live: new URL(relaxedSimd ? "../../pkg-live-relaxed/unseen_bg.wasm" : "../../pkg-live/unseen_bg.wasm", import.meta.url),
  full: new URL(relaxedSimd ? "../../pkg-relaxed/unseen_bg.wasm" : "../../pkg/unseen_bg.wasm", import.meta.url),
});

const compiling = {};
/** The build of kind `kind` ("live" or "full"), compiled as it downloads (once per page or worker);
 *  from its bytes when the server does not call it application/wasm, which streaming compilation
 *  requires. */
export function compileWasm(kind) {
  const url = WASM_URLS[kind];
  if (!url) return Promise.reject(new Error(`there is no WebAssembly build called ${kind}`));
  compiling[kind] ??= (async () => {
    const response = await fetch(url).catch(() => {
      throw new Error("the face detector's code could not be downloaded: check the connection (once a page has been used online, it works offline)");
    });
    if (!response.ok) throw new Error(`the face detector's code could not be downloaded (HTTP ${response.status})`);
    try {
      return await WebAssembly.compileStreaming(response.clone());
    } catch (e) {
      if (response.headers.get("Content-Type") === "application/wasm") throw e;
      return WebAssembly.compile(await response.arrayBuffer());
    }
  })();
  return compiling[kind];
}

/** A worker's loader for the build of kind `kind`, whose wasm-bindgen `bindings` it imported. The
 *  loader starts the build on first call (no top-level await: a module worker must set its message
 *  handler at once, or the first messages are lost), from `module` when the page has compiled it (a
 *  WebAssembly.Module), else downloaded and compiled here; it resolves with the package's exports
 *  and `instance`, what its init returned. A package whose face layout is not protocol.js's (a cache
 *  mixing two versions of the site) is refused with one sentence. */
export function wasmLoader(bindings, kind) {
  let loading = null;
  return (module = null) => {
    loading ??= (module instanceof WebAssembly.Module ? Promise.resolve(module) : compileWasm(kind)).then(async (compiled) => {
      const instance = await bindings.default({ module_or_path: compiled });
      checkLayout(bindings.faceLength());
      return { ...bindings, instance };
    });
    return loading;
  };
}
