// What every page of the site shares: the offline service worker with its "new version" offer, the
// request counter that lets anyone check that nothing is uploaded, and how many workers to start.

/** How many workers a page gives a device with `cores` logical cores (navigator.hardwareConcurrency):
 * one per core, at most four, and at most two on a touch device (a phone), where several
 * 12-megapixel photos decoded at once can run out of memory; two when the count is unknown. */
export function workersFor(cores, touch = false) {
  const n = Number.isInteger(cores) && cores > 0 ? cores : 2;
  return Math.max(1, Math.min(touch ? 2 : 4, n));
}

/** Register the service worker once the page is loaded and `idle()` has settled; when a new version
 *  is waiting, show `banner` with a reload button. */
export function registerOffline(banner, idle = () => Promise.resolve()) {
  if (!("serviceWorker" in navigator)) return;
  const offer = (worker) => {
    if (!worker || !navigator.serviceWorker.controller) return; // the first install needs no reload
    banner.hidden = false;
    banner.querySelector("button").onclick = () => worker.postMessage("skip-waiting");
  };
  // The first install downloads the site (about 1.2 MB, 0.71 MB gzip) beside what the visitor is
  // waiting for, which the page cannot yet take from it, and the wasm compiled about twice as slowly
  // beside it. So the service worker is registered once the page has loaded and `idle()` has settled.
  const loaded = document.readyState === "complete" ? Promise.resolve() : new Promise((ok) => addEventListener("load", ok, { once: true }));
  loaded.then(() => idle()).catch(() => {}).then(() => navigator.serviceWorker.register("sw.js")).then((registration) => {
    offer(registration.waiting);
    registration.addEventListener("updatefound", () => {
      const worker = registration.installing;
      worker?.addEventListener("statechange", () => { if (worker.state === "installed") offer(worker); });
    });
  }).catch(() => { /* no offline copy (private window, file://): the site still works online */ });
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (!banner.hidden && !reloading) { reloading = true; location.reload(); }
  });
}

/** Count every request the page and its workers make after the load event, and show it in `el`:
 *  how many, and how many went to another site (always 0), in the language of the strings `translated`
 *  resolves to (js/i18n.js; the page's own text stays until then). Workers report theirs through
 *  `bridges`. The counts are also in `el`'s data-requests and data-foreign. */
export function countRequests(el, bridges = [], translated = Promise.resolve(null)) {
  let strings = null;
  const seen = { all: 0, foreign: 0 };
  // Requests that started before the load event are the page itself; entries can arrive later.
  const loadedAt = () => performance.getEntriesByType("navigation")[0]?.loadEventStart || Infinity;
  const show = () => {
    if (strings) el.textContent = strings.t("privacy.count", { all: seen.all, foreign: seen.foreign });
    el.dataset.requests = String(seen.all);
    el.dataset.foreign = String(seen.foreign);
  };
  const add = (url) => {
    seen.all++;
    if (new URL(url, location.href).origin !== location.origin) seen.foreign++;
    show();
  };
  new PerformanceObserver((list) => list.getEntries().forEach((e) => { if (e.startTime >= loadedAt()) add(e.name); }))
    .observe({ type: "resource", buffered: true });
  for (const b of bridges) b.onnet = add;
  show();
  translated.then((s) => { strings = s; show(); }).catch(() => {});
}

/** A model download's progress in the page's #progress bar and #progress-text ("1.20 of 3.40 MB"),
 *  in the language of `strings` (i18n.js). */
export function showDownload(strings, { loaded, total }) {
  const bar = document.getElementById("progress");
  bar.max = total || loaded || 1;
  bar.value = loaded;
  const mb = (n) => strings.number(n / 1e6, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  document.getElementById("progress-text").textContent = strings.t("live.progress", { loaded: mb(loaded), total: total ? mb(total) : "?" });
}

/** Classroom mode, toggled by `button` (and left with full screen): the page's stage full screen
 *  where allowed, and large boxes and text (the body's `classroom` class) for the back of a room;
 *  `changed` redraws. */
export function classroomMode(button, changed) {
  const on = () => document.body.classList.contains("classroom");
  const set = (value) => {
    document.body.classList.toggle("classroom", value);
    button.setAttribute("aria-pressed", String(value));
    if (value && !document.fullscreenElement) document.documentElement.requestFullscreen?.().catch(() => {});
    if (!value && document.fullscreenElement) document.exitFullscreen?.().catch(() => {});
    changed();
  };
  button.addEventListener("click", () => set(!on()));
  document.addEventListener("fullscreenchange", () => { if (!document.fullscreenElement && on()) set(false); });
}
