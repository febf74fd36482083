// The wasm package for the workers (the only JavaScript that runs it). Both builds have the same
// JavaScript bindings (build.sh checks), so the bindings are imported here with the worker's other
// modules, and the module (shared/wasm-build.js picks the build) is compiled from the first call, or
// comes compiled from the page.
import * as bindings from "../../pkg/unseen.js";
import { checkLayout } from "../shared/protocol.js";
import { compileWasm } from "../shared/wasm-build.js";

let loading = null;
/** The package's module, initialised: its exports, and `instance`, what its init returned. Loaded on
 *  first call (no top-level await: a module worker must set its message handler at once, or the
 *  first messages are lost), from `module` when the page has compiled it (a WebAssembly.Module),
 *  else downloaded and compiled here. A package whose face layout is not protocol.js's (a cache
 *  mixing two versions of the site) is refused with one sentence. */
export function loadWasm(module = null) {
  loading ??= (module instanceof WebAssembly.Module ? Promise.resolve(module) : compileWasm()).then(async (compiled) => {
    const instance = await bindings.default({ module_or_path: compiled });
    checkLayout(bindings.faceLength());
    return { ...bindings, instance };
  });
  return loading;
}
