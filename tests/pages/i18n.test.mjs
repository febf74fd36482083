// The site's languages, without a browser: every language has every key, the pages' English is the
// English of en.json, every key a script asks for exists, and the language is chosen as the README
// says. Runs in milliseconds under `node --test`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { WWW, allHtmlStrings, readLanguage, scriptKeys } from "../../scripts/i18n.mjs";
import { LANGUAGES, Strings, chooseLanguage } from "../../www/js/page/i18n.js";

const files = readdirSync(join(WWW, "i18n")).filter((f) => f.endsWith(".json")).map((f) => f.replace(/\.json$/, "")).sort();
const en = readLanguage("en");
const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test("the languages the code offers are the files in www/i18n", () => {
  assert.deepEqual([...LANGUAGES].sort(), files);
});

for (const lang of files.filter((l) => l !== "en")) {
  test(`${lang}: every key of en.json, no other, with the same placeholders`, () => {
    const table = readLanguage(lang);
    const missing = Object.keys(en).filter((k) => !(k in table));
    const extra = Object.keys(table).filter((k) => !(k in en));
    assert.deepEqual(missing, [], `${lang}.json lacks these keys`);
    assert.deepEqual(extra, [], `${lang}.json has keys en.json does not`);
    for (const [k, v] of Object.entries(table)) {
      assert.ok(typeof v === "string" && v.trim().length > 0, `${lang}: ${k} is empty`);
      assert.deepEqual(placeholders(v), placeholders(en[k]), `${lang}: ${k} has other placeholders than English`);
    }
  });
}

test("every marked element of every page has its English in en.json, word for word", () => {
  const html = allHtmlStrings();
  assert.ok(Object.keys(html).length > 100, `${Object.keys(html).length} marked strings`);
  for (const [k, v] of Object.entries(html)) assert.equal(en[k], v, `en.json's ${k} differs from the page's`);
});

test("every key a script asks for is in en.json", () => {
  const keys = [...scriptKeys()];
  assert.ok(keys.length > 10, `${keys.length} keys found in scripts`);
  assert.deepEqual(keys.filter((k) => !(k in en) && !(`${k}.other` in en)), []);
});

test("the language: ?lang= first, then the browser's languages by primary tag, else English", () => {
  assert.equal(chooseLanguage("fr", ["en-GB"]), "fr");
  assert.equal(chooseLanguage(null, ["de-DE", "fr-CA", "en"]), "fr");
  assert.equal(chooseLanguage("xx", ["en-US", "fr"]), "en");
  assert.equal(chooseLanguage(null, ["de", "ja"]), "en");
  assert.equal(chooseLanguage("FR", []), "fr");
  assert.equal(chooseLanguage(undefined, []), "en");
});

test("strings: placeholders, plurals and numbers in the language, English beneath a missing key", () => {
  const fr = new Strings("fr", readLanguage("fr"), en);
  assert.equal(fr.t("live.start"), "Démarrer la caméra");
  assert.equal(fr.plural("embed.found", 1), "1 visage trouvé. Rien ne quitte cet appareil.");
  assert.equal(fr.plural("embed.found", 3), "3 visages trouvés. Rien ne quitte cet appareil.");
  assert.equal(fr.number(0.3, { minimumFractionDigits: 2 }), "0,30");
  assert.equal(fr.t("privacy.count", { all: 1234, foreign: 0 }), "1\u202f234 depuis le chargement de cette page, 0 vers un autre site");
  const partial = new Strings("fr", { "live.start": "Démarrer" }, en);
  assert.equal(partial.t("live.stop"), "Stop camera");
  const english = new Strings("en", en, en);
  assert.equal(english.percent(0.6), "60%");
  assert.equal(english.plural("embed.covered", 0), "0 faces found, covered. Nothing leaves this device.");
});
