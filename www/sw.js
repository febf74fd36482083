// The service worker: after the first visit every file of the site — pages, code, the wasm and the
// models — comes from a cache named after the build's content hash, so the site works with no
// connection (a classroom with patchy wifi, airplane mode). A new build installs beside the old one
// and waits; the page offers to reload into it. Only this site's own GET requests are answered.
// The photo, video and watchlist pages' wasm build, the photo page's second detector and the video
// page (its code and Mediabunny) are not fetched at install: each is kept the first time it is used
// (online), and from then on comes from the cache.
importScripts("precache.js");
const { version, files: all, lazy = [] } = self.UNSEEN_PRECACHE;
// The same probe as js/shared/wasm-build.js: of each kind of wasm build (live, full), only the one
// the workers will load is cached.
const RELAXED_SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 28, 1, 26, 0,
  67, 0, 0, 0, 0, 253, 19, 67, 0, 0, 0, 0, 253, 19, 67, 0, 0, 0, 0, 253, 19, 253, 133, 2, 11]);
const unused = new Set(WebAssembly.validate(RELAXED_SIMD_PROBE)
  ? ["pkg/unseen_bg.wasm", "pkg-live/unseen_bg.wasm"]
  : ["pkg-relaxed/unseen_bg.wasm", "pkg-live-relaxed/unseen_bg.wasm"]);
const files = all.filter((f) => !unused.has(f));
const LAZY = new Set(lazy.map((f) => new URL(f, self.registration.scope).href));
const CACHE = `unseen-${version}`;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(files)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key.startsWith("unseen-") && key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const cached = await cache.match(request, { ignoreSearch: true });
    if (cached) return cached;
    const response = await fetch(request);
    const url = new URL(request.url);
    // A file kept on first use is written to the cache beside the page's own read, not before it:
    // the page gets the first bytes at once (the wasm compiles as it downloads).
    if (response.ok && LAZY.has(url.origin + url.pathname)) event.waitUntil(cache.put(request, response.clone()).catch(() => {}));
    return response;
  })());
});
