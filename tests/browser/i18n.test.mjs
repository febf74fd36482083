// The site in a second language (www/i18n/): ?lang=fr and a French browser both give French pages,
// <html lang> follows, every marked string is the French one, numbers are written the French way,
// and <unseen-camera> follows its lang or the page's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { start, WWW } from "./harness.mjs";

const fr = JSON.parse(readFileSync(join(WWW, "i18n/fr.json"), "utf8"));
const en = JSON.parse(readFileSync(join(WWW, "i18n/en.json"), "utf8"));

/** Every element marked data-i18n on the page, as key → text shown. */
const shown = (page) => page.evaluate(() => Object.fromEntries(
  [...document.querySelectorAll("[data-i18n]")].map((el) => [el.dataset.i18n, el.textContent.replace(/\s+/g, " ").trim()])));

async function expectLanguage(page, lang, table, least = 15) {
  await page.waitForFunction((l) => document.documentElement.lang === l, lang, { timeout: 20000 });
  // The strings are put in together, right after <html lang> is set.
  const texts = await shown(page);
  assert.ok(Object.keys(texts).length >= least, `${Object.keys(texts).length} marked elements`);
  for (const [key, text] of Object.entries(texts)) assert.equal(text, table[key], `${key}`);
}

test("?lang=fr: every page in French, with <html lang=\"fr\">", { timeout: 120_000 }, async () => {
  const b = await start();
  try {
    for (const page of ["index.html", "photo.html", "video.html"]) {
      await b.page.goto(`${b.origin}/${page}?lang=fr`);
      await expectLanguage(b.page, "fr", fr);
    }
    await b.page.goto(`${b.origin}/index.html?lang=fr`);
    await expectLanguage(b.page, "fr", fr);
    assert.equal(await b.page.textContent("#start"), "Démarrer la caméra");
    assert.equal(await b.page.title(), fr["live.title"]);
    assert.equal(await b.page.getAttribute("nav", "aria-label"), fr["nav.label"]);
    // Numbers through Intl: the threshold as a French percentage, the counter in French.
    assert.equal(await b.page.textContent("#threshold-out"), "60\u00a0%");
    assert.match(await b.page.textContent("#requests"), /^\d+ depuis le chargement de cette page, 0 vers un autre site$/);
    // A message from a script, in French: a file that is not a picture.
    await b.page.setInputFiles("#photo", { name: "notes.jpg", mimeType: "image/jpeg", buffer: Buffer.from("not a picture") });
    await b.page.waitForSelector("#message:not([hidden])");
    assert.equal(await b.page.textContent("#message-text"), fr["live.error.picture"]);
    assert.deepEqual(b.errors, []);
    assert.deepEqual(b.foreignRequests(), []);
  } finally {
    await b.close();
  }
});

test("a French browser gets French; ?lang=en overrides it; an English browser gets English", { timeout: 120_000 }, async () => {
  const b = await start({ locale: "fr-FR" });
  try {
    await b.page.goto(`${b.origin}/index.html`);
    await expectLanguage(b.page, "fr", fr);
    await b.page.goto(`${b.origin}/index.html?lang=en`);
    await expectLanguage(b.page, "en", en);
  } finally {
    await b.close();
  }
  const e = await start({ locale: "en-US" });
  try {
    await e.page.goto(`${e.origin}/photo.html`);
    await expectLanguage(e.page, "en", en);
  } finally {
    await e.close();
  }
});

test("<unseen-camera> follows the page's language and its own lang attribute", { timeout: 120_000 }, async () => {
  const b = await start();
  try {
    const startText = () => b.page.evaluate(() => document.querySelector("unseen-camera").shadowRoot.querySelector(".start").textContent);
    await b.page.goto(`${b.origin}/embed.html?lang=fr`);
    await expectLanguage(b.page, "fr", fr, 3);
    await b.page.waitForFunction(() => document.querySelector("unseen-camera").shadowRoot.querySelector(".start").textContent === "Démarrer la caméra");
    await b.page.evaluate(() => document.querySelector("unseen-camera").setAttribute("lang", "en"));
    await b.page.waitForFunction(() => document.querySelector("unseen-camera").shadowRoot.querySelector(".start").textContent === "Start camera");
    assert.equal(await startText(), en["live.start"]);
    // The campaign's colours reach the element through its custom properties and parts.
    const look = await b.page.evaluate(() => {
      const button = document.querySelector("unseen-camera").shadowRoot.querySelector(".start");
      const s = getComputedStyle(button);
      return { background: s.backgroundColor, transform: s.textTransform, font: s.fontFamily };
    });
    assert.deepEqual(look, { background: "rgb(74, 20, 140)", transform: "uppercase", font: "Georgia, \"Times New Roman\", serif" });
  } finally {
    await b.close();
  }
});
