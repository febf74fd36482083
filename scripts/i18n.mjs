// The site's strings, for translators and for the test that keeps them whole.
//
//   node scripts/i18n.mjs          write into www/i18n/en.json the English of every marked element
//                                  of the pages (data-i18n, data-i18n-html, data-i18n-attr), keeping
//                                  the keys only scripts use; then list, per language, the keys it lacks
//
// How to add a language: see "Languages" in the README.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { squeeze } from "../www/js/page/i18n.js";

export const WWW = join(dirname(fileURLToPath(import.meta.url)), "..", "www");
export const PAGES = readdirSync(WWW).filter((f) => f.endsWith(".html")).sort();

const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&#39;": "'", "&nbsp;": "\u00a0" };
const decode = (s) => s.replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (m) => ENTITIES[m]);

/** The English strings of one page's marked elements: key → string. */
export function htmlStrings(html) {
  const out = {};
  const put = (key, value) => {
    if (key in out && out[key] !== value) throw new Error(`${key} has two different English strings`);
    out[key] = value;
  };
  for (const m of html.matchAll(/<(\w+)\b([^>]*?)\sdata-i18n(-html)?="([^"]+)"([^>]*)>([\s\S]*?)<\/\1>/g)) {
    const [, , , markup, key, , inner] = m;
    put(key, markup ? squeeze(inner) : decode(squeeze(inner)));
  }
  for (const m of html.matchAll(/<\w+\b[^>]*\sdata-i18n-attr="([^"]+)"[^>]*>/g)) {
    for (const pair of m[1].split(";")) {
      const [attr, key] = pair.split("=").map((s) => s.trim());
      const value = m[0].match(new RegExp(`\\s${attr}="([^"]*)"`));
      if (!value) throw new Error(`${key}: the element has no ${attr} to translate`);
      put(key, decode(value[1]));
    }
  }
  return out;
}

/** Every page's marked strings together. */
export function allHtmlStrings() {
  const out = {};
  for (const page of PAGES) {
    for (const [k, v] of Object.entries(htmlStrings(readFileSync(join(WWW, page), "utf8")))) {
      if (k in out && out[k] !== v) throw new Error(`${k} differs between pages`);
      out[k] = v;
    }
  }
  return out;
}

/** The keys scripts ask for: t("key"), tr("key"), plural("key", …), strings.t(`key`) with a literal
 *  key, and ["key", { values }], a string to translate handed back by a module with no strings. */
export function scriptKeys() {
  const keys = new Set();
  const dir = join(WWW, "js");
  for (const f of readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith(".js"))) {
    const src = readFileSync(join(dir, String(f)), "utf8");
    for (const m of src.matchAll(/\b(?:t|tr|plural)\(\s*["'`]([a-z0-9.-]+)["'`]/g)) keys.add(m[1]);
    for (const m of src.matchAll(/\[\s*["']([a-z0-9-]+\.[a-z0-9.-]+)["']\s*,\s*\{/g)) keys.add(m[1]);
  }
  return keys;
}

export const readLanguage = (lang) => JSON.parse(readFileSync(join(WWW, "i18n", `${lang}.json`), "utf8"));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = join(WWW, "i18n", "en.json");
  const en = { ...readLanguage("en"), ...allHtmlStrings() };
  const sorted = Object.fromEntries(Object.entries(en).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(file, `${JSON.stringify(sorted, null, 2)}\n`);
  for (const lang of readdirSync(join(WWW, "i18n")).map((f) => f.replace(/\.json$/, "")).filter((l) => l !== "en")) {
    const table = readLanguage(lang);
    const missing = Object.keys(sorted).filter((k) => !(k in table));
    console.log(`${lang}: ${missing.length ? `lacks ${missing.join(", ")}` : "complete"}`);
  }
}
