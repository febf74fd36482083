// Every string a visitor reads, in their language. One file per language in www/i18n/ (en.json is
// the reference: every other language has the same keys). The language is the first of the
// browser's languages that the site has, unless the page's address says ?lang=xx; `<unseen-camera
// lang="xx">` chooses its own. Numbers go through Intl.
//
// In the HTML, an element with data-i18n="key" gets the string as its text, data-i18n-html="key" as
// its markup (the site's own files only: <strong>, <em>, <kbd>, <a>), and
// data-i18n-attr="aria-label=key; title=key" as attributes. The English in the HTML is what shows
// before the strings arrive; a test keeps it equal to en.json.

/** The languages the site has, in www/i18n/. */
export const LANGUAGES = ["en", "fr"];

const cache = new Map();

/** Text as a page shows it: runs of white space as one space, none at the ends. */
export const squeeze = (s) => s.replace(/\s+/g, " ").trim();

/** The language to use: `?lang=` if the site has it, else the first of the browser's languages that
 *  it has (by primary subtag: fr-CA is fr), else English. */
export function chooseLanguage(wanted = new URLSearchParams(globalThis.location?.search ?? "").get("lang"),
  preferred = globalThis.navigator?.languages ?? []) {
  for (const tag of [wanted, ...preferred]) {
    const primary = String(tag ?? "").toLowerCase().split("-")[0];
    if (LANGUAGES.includes(primary)) return primary;
  }
  return "en";
}

async function fetchStrings(lang) {
  if (!cache.has(lang)) {
    cache.set(lang, fetch(new URL(`../../i18n/${lang}.json`, import.meta.url)).then((r) => {
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return r.json();
    }));
  }
  return cache.get(lang);
}

/** The strings of one language, with English beneath for any key it lacks. */
export class Strings {
  constructor(lang, table, english) { this.lang = lang; this.table = table; this.english = english; }

  /** The string `key`, with each {name} replaced by `vars[name]` (numbers formatted for the language,
   *  with its digit grouping: pass a pixel size as a string). */
  t(key, vars = {}) {
    const s = this.table[key] ?? this.english[key] ?? key;
    return s.replace(/\{(\w+)\}/g, (m, name) => {
      const v = vars[name];
      if (v === undefined) return m;
      return typeof v === "number" ? this.number(v) : String(v);
    });
  }

  /** `key.one`, `key.other`, … chosen for the count `n` by the language's plural rules; {n} is `n`. */
  plural(key, n, vars = {}) {
    const form = new Intl.PluralRules(this.lang).select(n);
    const k = (`${key}.${form}` in this.table || `${key}.${form}` in this.english) ? `${key}.${form}` : `${key}.other`;
    return this.t(k, { n, ...vars });
  }

  /** `n` written for the language, e.g. `number(0.3, { minimumFractionDigits: 2 })` → "0,30" in French. */
  number(n, options = {}) {
    return new Intl.NumberFormat(this.lang, options).format(n);
  }

  /** A share from 0 to 1 as a percentage: 0.6 → "60 %" in French, "60%" in English. */
  percent(share) {
    return new Intl.NumberFormat(this.lang, { style: "percent", maximumFractionDigits: 0 }).format(share);
  }

  /** Put the strings into every marked element under `root` (see the top of this file). An element
   *  whose text a script has changed meanwhile (a status line) keeps it. */
  apply(root) {
    for (const el of root.querySelectorAll("[data-i18n]")) {
      const now = squeeze(el.textContent);
      const key = el.dataset.i18n;
      if (now !== squeeze(this.english[key] ?? now) && now !== el.dataset.i18nShown) continue;
      el.textContent = this.t(key);
      el.dataset.i18nShown = el.textContent;
    }
    for (const el of root.querySelectorAll("[data-i18n-html]")) el.innerHTML = this.t(el.dataset.i18nHtml);
    for (const el of root.querySelectorAll("[data-i18n-attr]")) {
      for (const pair of el.dataset.i18nAttr.split(";")) {
        const [attr, key] = pair.split("=").map((s) => s.trim());
        if (attr && key) el.setAttribute(attr, this.t(key));
      }
    }
  }
}

/** The strings of `lang` (English if it cannot be had). */
export async function loadStrings(lang = "en") {
  let english = {};
  try { english = await fetchStrings("en"); } catch { /* the HTML's English stays; t() returns keys */ }
  if (lang === "en") return new Strings("en", english, english);
  try {
    return new Strings(lang, await fetchStrings(lang), english);
  } catch {
    return new Strings("en", english, english);
  }
}

/** For a page: choose the language, put its strings into the page and set <html lang>. */
export async function translatePage(doc = document) {
  const strings = await loadStrings(chooseLanguage());
  strings.apply(doc);
  doc.documentElement.lang = strings.lang;
  return strings;
}
