// <unseen-camera>'s address for campaign pages, kept where the README has always given it:
//   <script type="module" src="unseen/js/unseen-camera.js"></script>
// The element itself is js/page/unseen-camera.js.
import "./page/unseen-camera.js";
