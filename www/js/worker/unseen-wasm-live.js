// The live wasm package (the live page's and <unseen-camera>'s worker): the live session alone, a
// quarter of the full package's bytes. Its bindings are imported here with the worker's other
// modules; the module comes compiled from the page, or is compiled from the first call.
import * as bindings from "../../pkg-live/unseen.js";
import { wasmLoader } from "../shared/wasm-build.js";

/** The live package's exports and `instance`, loaded on first call (see wasmLoader). */
export const loadWasm = wasmLoader(bindings, "live");
