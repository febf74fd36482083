// The video page in headless Chromium, as a person uses it: choose a phone video ("Choose a video"),
// see what it carries, wait, press "Save video". The saved file is then checked outside the browser:
// every frame's faces (at their known positions) against the input, with the Rust clip's own truth
// (examples/video_leaks.rs); frame count, duration, shown size, rotation and sound with ffprobe; and
// no location, date, device or title left.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { start, ROOT } from "./harness.mjs";
import { assertCleanCopy, leaks, probe, stream } from "./video-check.mjs";

const CLIPS = join(ROOT, "tests/data/generated");

/** Redact `file` on the page with sound kept or removed; returns the saved file's path and the page's facts. */
async function redactOnPage(file, { removeSound = false } = {}) {
  const site = await start();
  const dir = mkdtempSync(join(tmpdir(), "unseen-video-"));
  try {
    const { page } = site;
    await page.goto(`${site.origin}/video.html`);
    await page.getByLabel("Choose a video").setInputFiles(join(CLIPS, file));
    await page.locator("#about").waitFor({ state: "visible" });
    const carries = await page.locator("#carries").innerText();
    if (removeSound) await page.getByLabel(/Remove sound/).check();
    const save = page.getByRole("button", { name: "Save video" });
    await page.waitForFunction(() => !document.getElementById("save").disabled || !document.getElementById("message").hidden, null, { timeout: 240_000 });
    const message = await page.locator("#message").isVisible() ? await page.locator("#message").innerText() : "";
    assert.equal(message, "", "the page reports no error");
    const summary = await page.locator("#saved").innerText();
    const download = page.waitForEvent("download");
    await save.click();
    const saved = await download;
    const out = join(dir, saved.suggestedFilename());
    await saved.saveAs(out);
    assert.match(await page.locator("#saved").innerText(), /^Saved as /);
    const tracks = await page.locator("#tracks li").count();
    assert.deepEqual(site.foreignRequests(), [], "nothing went to another site");
    assert.deepEqual(site.errors, [], "no page errors");
    return { out, name: saved.suggestedFilename(), carries, summary, tracks, dir };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  } finally {
    await site.close();
  }
}

test("a phone video: every face covered in every frame, timing and sound kept, nothing hidden left", { timeout: 300_000 }, async () => {
  const input = join(CLIPS, "video-landscape.mp4");
  const r = await redactOnPage("video-landscape.mp4");
  try {
    assert.equal(r.name, "video-landscape-redacted.mp4");
    // ffmpeg's MP4 writer keeps the location, date and title (a MOV keeps the device too: below).
    for (const shown of ["Location", "Date", "Title"]) assert.match(r.carries, new RegExp(shown), `the page shows the ${shown}`);
    assert.match(r.carries, /51\.575/, "the position is read");
    assert.match(r.summary, /Ready: 120 frames/);
    assert.ok(r.tracks > 0, "the faces are listed for review");
    const scenes = leaks("landscape", input, r.out);
    for (const s of scenes) {
      assert.ok(s.seen > 0, `the clip has ${s.scene}`);
      assert.equal(s.leaked, 0, `${s.scene}: a face shows in ${s.leaked} of ${s.seen} frames`);
    }
    assertCleanCopy(input, r.out, true);
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});

test("a portrait phone video stored sideways keeps its rotation; sound removed on request", { timeout: 300_000 }, async () => {
  const input = join(CLIPS, "video-portrait.mov");
  const r = await redactOnPage("video-portrait.mov", { removeSound: true });
  try {
    assert.equal(r.name, "video-portrait-redacted.mp4");
    for (const shown of ["Location", "Date", "Device make", "Device model", "Title"]) assert.match(r.carries, new RegExp(shown), `the page shows the ${shown}`);
    for (const s of leaks("portrait", input, r.out)) assert.equal(s.leaked, 0, `${s.scene}: a face shows in ${s.leaked} of ${s.seen} frames`);
    assertCleanCopy(input, r.out, false);
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});

test("a WebM video stays WebM, its Opus sound copied", { timeout: 300_000 }, async () => {
  const input = join(CLIPS, "video-street.webm");
  const r = await redactOnPage("video-street.webm");
  try {
    assert.equal(r.name, "video-street-redacted.webm");
    for (const s of leaks("webm", input, r.out)) assert.equal(s.leaked, 0, `${s.scene}: a face shows in ${s.leaked} of ${s.seen} frames`);
    const po = probe(r.out);
    assert.equal(stream(po, "video").codec_name, "vp9");
    assert.equal(stream(po, "audio").codec_name, "opus");
    assert.equal(stream(po, "video").nb_read_packets, stream(probe(input), "video").nb_read_packets, "frame count");
    assert.ok(Math.abs(Number(po.format.duration) - Number(probe(input).format.duration)) < 0.05, "duration");
    const text = JSON.stringify(po);
    for (const value of ["+51.5754", "2026-06-01", "Apple", "iPhone", "Romford"]) assert.ok(!text.includes(value), `${value} is left in ${text}`);
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});

test("an HEVC video the browser cannot decode gets one sentence saying how to proceed", { timeout: 120_000 }, async () => {
  const site = await start();
  try {
    const { page } = site;
    await page.goto(`${site.origin}/video.html`);
    const decodes = await page.evaluate(async () => (await VideoDecoder.isConfigSupported({ codec: "hvc1.1.6.L63.90" })).supported);
    await page.getByLabel("Choose a video").setInputFiles(join(CLIPS, "video-hevc.mov"));
    await page.waitForFunction(() => !document.getElementById("save").disabled || !document.getElementById("message").hidden, null, { timeout: 100_000 });
    const message = await page.locator("#message").isVisible() ? await page.locator("#message").innerText() : "";
    if (decodes) {
      assert.equal(message, "", "a browser that decodes HEVC covers the video");
    } else {
      assert.match(message, /HEVC/);
      assert.match(message, /Most Compatible/);
      assert.match(message, /command-line tool/);
    }
    assert.deepEqual(site.errors, []);
  } finally {
    await site.close();
  }
});

test("a browser without WebCodecs gets one sentence, not a blank page", { timeout: 60_000 }, async () => {
  const site = await start();
  try {
    const { page } = site;
    await page.addInitScript(() => { delete globalThis.VideoDecoder; delete globalThis.VideoEncoder; });
    await page.goto(`${site.origin}/video.html`);
    await page.getByLabel("Choose a video").setInputFiles(join(CLIPS, "video-portrait.mov"));
    await page.locator("#message").waitFor({ state: "visible" });
    assert.match(await page.locator("#message").innerText(), /^This browser cannot decode and encode video in a page \(it has no WebCodecs\): .*command-line tool\.$/);
    assert.deepEqual(site.errors, []);
  } finally {
    await site.close();
  }
});

test("a file that is not a video gets one sentence", { timeout: 60_000 }, async () => {
  const site = await start();
  const dir = mkdtempSync(join(tmpdir(), "unseen-video-"));
  try {
    const { page } = site;
    await page.goto(`${site.origin}/video.html`);
    const bogus = join(dir, "clip.mp4");
    writeFileSync(bogus, "this is not a video at all");
    await page.getByLabel("Choose a video").setInputFiles(bogus);
    await page.locator("#message").waitFor({ state: "visible" });
    const text = await page.locator("#message").innerText();
    assert.match(text, /not a video/);
    assert.equal(text.trim().split(/(?<=\.)\s/).length, 1, `one sentence: ${text}`);
    assert.deepEqual(site.errors, []);
  } finally {
    await site.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("once a video was covered online, the video page works offline", { timeout: 300_000 }, async () => {
  const site = await start();
  const dir = mkdtempSync(join(tmpdir(), "unseen-video-"));
  try {
    const { page, context } = site;
    await page.goto(`${site.origin}/video.html`);
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      for (let i = 0; i < 600 && !navigator.serviceWorker.controller; i++) await new Promise((r) => setTimeout(r, 100));
    });
    const cover = async () => {
      await page.getByLabel("Choose a video").setInputFiles(join(CLIPS, "video-portrait.mov"));
      await page.waitForFunction(() => !document.getElementById("save").disabled || !document.getElementById("message").hidden, null, { timeout: 120_000 });
      return page.locator("#message").isVisible();
    };
    // The page's own files, Mediabunny, the wasm and both models are kept the first time they are used.
    await page.reload();
    assert.equal(await cover(), false, "covered online");
    await context.setOffline(true);
    await page.reload();
    assert.equal(await cover(), false, "covered offline");
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Save video" }).click();
    const out = join(dir, "offline.mp4");
    await (await download).saveAs(out);
    assert.equal(stream(probe(out), "video").nb_read_packets, stream(probe(join(CLIPS, "video-portrait.mov")), "video").nb_read_packets);
  } finally {
    await site.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
