// The full wasm package (the photo, video and watchlist workers): its bindings imported here with the
// worker's other modules, and the module (shared/wasm-build.js picks the build) compiled from the
// first call, or given compiled by the page.
import * as bindings from "../../pkg/unseen.js";
import { wasmLoader } from "../shared/wasm-build.js";

/** The full package's exports and `instance`, loaded on first call (see wasmLoader). */
export const loadWasm = wasmLoader(bindings, "full");
