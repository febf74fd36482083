// <unseen-camera>'s address for campaign pages, kept where the README has always given it:
//   <script type="module" src="unseen/js/unseen-camera.js"></script>
// The element itself is js/page/unseen-camera.js.
import "./page/unseen-camera.js";
// The modules the element imports, named here too so that a campaign page fetches them all at once
// rather than one level of imports at a time (see tests/pages/module-graph.test.mjs).
import "./page/camera.js";
import "./page/overlay.js";
import "./shared/protocol.js";
import "./shared/download.js";
import "./shared/wasm-build.js";
import "./page/live-core.js";
import "./page/live-view.js";
import "./page/bridge.js";
import "./page/i18n.js";
