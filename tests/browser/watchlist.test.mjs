// "What the camera does next" (watchlist.html) in headless Chromium, as a class would use it: consent
// first, a person enrolled from a photo, the same person recognised in another photo (an alert,
// answered "it is them"), someone else not recognised at 0.6 and "recognised" when the threshold is
// raised (a false alert), the camera's faces printed live, protect mode, axe-core's WCAG 2.1 AA rules,
// and after "Forget everything" nothing kept: not in the page, not in storage, not in the caches.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, axeViolations, start } from "./harness.mjs";

const CLIP = join(ROOT, "tests/data/generated/two-faces.y4m");
const PEOPLE = join(ROOT, "tests/data/fetched/people");


/** The next `unseen:watch` event's detail after `action` (a frame processed). */
async function nextWatch(page, action) {
  const waiting = page.evaluate(() => new Promise((resolve) => {
    document.addEventListener("unseen:watch", (e) => resolve(e.detail), { once: true });
  }));
  await action();
  return waiting;
}

const text = (page, id) => page.evaluate((i) => document.getElementById(i).textContent, id);

test("watchlist: enrol with consent, recognise, a false alert as the threshold rises, forget everything", { timeout: 600_000 }, async () => {
  const b = await start({ camera: CLIP });
  try {
    const { page } = b;
    await page.goto(`${b.origin}/watchlist.html`);
    assert.deepEqual(await axeViolations(page), [], "watchlist page, before anything");

    // Consent first: nothing can be enrolled before the box is ticked.
    assert.equal(await page.isDisabled("#enrol"), true);
    assert.equal(await page.isDisabled("#enrol-photo"), true);
    await page.locator("#agreed").check();
    assert.equal(await page.isDisabled("#enrol-photo"), false);

    // Enrol Obama from one photo (the faceprint network is fetched now, once).
    await page.setInputFiles("#enrol-photo", join(PEOPLE, "obama.jpg"));
    await page.waitForFunction(() => document.querySelectorAll("#list li").length === 1, null, { timeout: 180_000 });
    assert.match(await text(page, "list"), /Person 1/);
    assert.ok(b.requests.some((u) => u.endsWith("/models/dlib_face_recognition_resnet_model_v1.onnx")), "the network is fetched by this page");

    // Obama in another photo: recognised, an alert, answered "it is them".
    const same = await nextWatch(page, () => page.setInputFiles("#view-photo", join(PEOPLE, "obama2.jpg")));
    assert.equal(same.faces.length >= 1, true, JSON.stringify(same));
    const obama = same.faces.find((f) => f.printed);
    assert.ok(obama && obama.nearest === "Person 1" && obama.distance < 0.6, JSON.stringify(same.faces));
    await page.waitForSelector("#alert:not([hidden])");
    assert.match(await text(page, "alert-text"), /Person 1/);
    await page.click("#alert-match");
    assert.equal(await text(page, "count-alerts"), "1");
    assert.equal(await text(page, "count-matches"), "1");
    assert.deepEqual(await axeViolations(page), [], "watchlist page, a face recognised");

    // Biden: farther than 0.6, no alert; the threshold raised to 0.95, a false alert.
    const other = await nextWatch(page, () => page.setInputFiles("#view-photo", join(PEOPLE, "biden.jpg")));
    const biden = other.faces.find((f) => f.printed);
    assert.ok(biden && biden.distance > 0.6, JSON.stringify(other.faces));
    assert.equal(other.alerts.alerts, 1, "no alert at 0.6");
    const raised = await nextWatch(page, () => page.evaluate(() => {
      const t = document.getElementById("threshold");
      t.value = "0.95";
      t.dispatchEvent(new Event("input"));
    }));
    assert.equal(raised.alerts.alerts, 2, JSON.stringify(raised));
    await page.waitForSelector("#alert:not([hidden])");
    await page.click("#alert-false");
    assert.equal(await text(page, "count-false"), "1");

    // The arithmetic: 20,000 people, 2,000 faceprints, 1 in a million: 39.96, about 40 false alerts a day.
    assert.equal(await text(page, "false-alerts"), "40");
    await page.fill("#rate", "1000");
    assert.equal(await text(page, "false-alerts"), "17,296");

    // Protect mode: the event says so, and no label is drawn (the face's pixels are covered).
    const covered = await nextWatch(page, async () => { await page.locator("#protect").check(); });
    assert.equal(covered.mode, "protect");
    await page.locator("#protect").uncheck();

    // The camera: faces found and printed live.
    await page.click("#start");
    await page.waitForFunction(() => document.querySelectorAll("#faces li canvas.print").length > 0, null, { timeout: 120_000 });
    const live = await page.evaluate(() => new Promise((resolve) => {
      document.addEventListener("unseen:watch", (e) => { if (e.detail.faces.some((f) => f.printed)) resolve(e.detail); });
    }));
    assert.ok(live.faces.length >= 1 && live.printMs > 0, JSON.stringify(live));
    await page.click("#classroom");
    assert.deepEqual(await axeViolations(page), [], "watchlist page, camera in classroom mode");
    await page.click("#classroom");
    await page.click("#stop");

    // Forget everything: the list, the counts and the alert are gone at once.
    await page.click("#forget");
    assert.equal(await page.locator("#list li").count(), 0);
    assert.equal(await text(page, "count-alerts"), "0");
    assert.equal(await page.isHidden("#alert"), true);

    // Nothing kept anywhere the browser keeps things: no storage at all, and the caches hold only the
    // site's own files, each one a file of www/ (no picture, no faceprint, nothing made by the page).
    const kept = await page.evaluate(async () => {
      const dbs = indexedDB.databases ? await indexedDB.databases() : [];
      const cached = [];
      for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const r of await cache.keys()) cached.push(new URL(r.url).pathname);
      }
      const listing = await (await fetch("precache.js")).text();
      const { files, lazy } = JSON.parse(listing.slice(listing.indexOf("{"), listing.lastIndexOf("}") + 1));
      return { local: localStorage.length, session: sessionStorage.length, dbs: dbs.length, cookies: document.cookie, cached, site: [...files, ...lazy], lazy };
    }).catch((e) => ({ error: String(e) }));
    assert.equal(kept.error, undefined, kept.error);
    assert.equal(kept.local, 0, "localStorage");
    assert.equal(kept.session, 0, "sessionStorage");
    assert.equal(kept.dbs, 0, "IndexedDB");
    assert.equal(kept.cookies, "", "cookies");
    const site = new Set(kept.site.map((f) => `/${f.replace(/^\.\//, "")}`));
    const strangers = kept.cached.filter((p) => !site.has(p));
    assert.deepEqual(strangers, [], "the caches hold only the site's files");
    // The network is cached once this page has fetched it, and is never part of a first visit.
    assert.ok(kept.lazy.includes("models/dlib_face_recognition_resnet_model_v1.onnx"), "the faceprint network is fetched on demand only");
    assert.deepEqual(b.foreignRequests(), []);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
