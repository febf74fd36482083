// Writes www/precache.js for the service worker: every file the site serves (models and wasm
// included) and a version that is the hash of their contents, so any change makes a new cache.
// Files in LAZY are not fetched at install (they are not part of a first visit): the service worker
// keeps each the first time a page asks for it.
//   node scripts/precache.mjs [www]
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const root = process.argv[2] ?? new URL("../www", import.meta.url).pathname;
const SKIP = new Set(["sw.js", "precache.js"]);
/** The full wasm build (the photo, video and watchlist pages' code; the live page runs the live
 *  build) and the photo page's second detector: fetched when a photo is first opened; the video page
 *  and the watchlist page with its faceprint network, which a first visit to the live page does not
 *  need; and every language but English, fetched by those who read it. */
const LAZY_FILES = new Set(["pkg/unseen_bg.wasm", "pkg-relaxed/unseen_bg.wasm", "models/retinaface_mnet025.onnx", "video.html", "js/page/video.js", "js/worker/video-worker.js",
  "vendor/mediabunny.min.mjs", "vendor/LICENSE-mediabunny.txt",
  "watchlist.html", "js/page/watchlist.js", "js/page/watchlist-core.js", "js/worker/watchlist-worker.js",
  "models/dlib_face_recognition_resnet_model_v1.onnx", "models/LICENSE-dlib-faceprint.txt"]);
const LAZY = { has: (f) => LAZY_FILES.has(f) || (f.startsWith("i18n/") && f !== "i18n/en.json") };

function walk(dir) {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return walk(path);
    const rel = relative(root, path).split("\\\\").join("/");
    return SKIP.has(rel) || rel.endsWith(".d.ts") ? [] : [rel];
  });
}

const files = walk(root);
const hash = createHash("sha256");
for (const f of files) hash.update(f).update("\0").update(readFileSync(join(root, f)));
const version = hash.digest("hex").slice(0, 16);
writeFileSync(join(root, "precache.js"),
  "// Written by scripts/precache.mjs at build time: what the service worker caches.\n" +
  `self.UNSEEN_PRECACHE = ${JSON.stringify({ version, files: ["./", ...files.filter((f) => !LAZY.has(f))], lazy: files.filter((f) => LAZY.has(f)) }, null, 1)};\n`);
console.log(`precache: ${files.length} files, version ${version}`);
