// The live page's worker, the only JavaScript on that page that touches the wasm package: the live
// session's operations (live-ops.js), one message at a time; every reply names the request it answers.
import { ops, useWasm } from "./live-ops.js";
import { serveOps } from "./serve-ops.js";
import { loadWasm } from "./unseen-wasm-live.js";
// The modules those import, named here too so that all are fetched at once (see tests/pages/module-graph.test.mjs).
import "../shared/download.js";
import "../shared/wasm-build.js";
import "../shared/protocol.js";
import "../../pkg-live/unseen.js";

useWasm(loadWasm);
serveOps(ops, (args) => args?.bitmap?.close?.());
