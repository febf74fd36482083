// Every module a page or worker runs is fetched in one round of requests, not one level of imports
// at a time: a page names its modules in <link rel="modulepreload">, a worker (and <unseen-camera>'s
// entry, which campaign pages load with one script tag) imports them all directly. On a slow network
// each level is a round trip before the camera's first face (the bench's first_detection_ms).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const WWW = new URL("../../www/", import.meta.url).pathname;

/** The relative static imports of the module at `file`, as absolute paths. */
function imports(file) {
  const src = readFileSync(file, "utf8");
  const found = [];
  for (const m of src.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+"(\.[^"]+)"|^\s*import\s+"(\.[^"]+)"/gm)) {
    found.push(resolve(dirname(file), m[1] ?? m[2]));
  }
  return found;
}

/** Every module reachable from `file` by static imports, `file` excluded. */
function graph(file) {
  const seen = new Set();
  const walk = (f) => {
    for (const g of imports(f)) {
      if (!seen.has(g)) {
        seen.add(g);
        walk(g);
      }
    }
  };
  walk(file);
  seen.delete(file);
  return seen;
}

const name = (f) => relative(WWW, f);

test("the import walker finds static imports of both forms and follows them", () => {
  const found = [...graph(join(WWW, "js/worker/worker.js"))].map(name).sort();
  // live-ops.js imports download.js and protocol.js; unseen-wasm-live.js imports wasm-build.js.
  for (const f of ["js/worker/live-ops.js", "js/shared/download.js", "js/shared/protocol.js", "js/shared/wasm-build.js"]) assert.ok(found.includes(f), f);
});

for (const page of readdirSync(WWW).filter((f) => f.endsWith(".html"))) {
  test(`${page} preloads every module its scripts import, and nothing else`, () => {
    const html = readFileSync(join(WWW, page), "utf8");
    const entries = [...html.matchAll(/<script type="module" src="([^"]+)"/g)].map((m) => join(WWW, m[1]));
    const preloads = new Set([...html.matchAll(/<link rel="modulepreload" href="([^"]+)"/g)].map((m) => join(WWW, m[1])));
    const needed = new Set(entries.flatMap((e) => [...graph(e)]).filter((f) => !entries.includes(f)));
    assert.deepEqual([...needed].filter((f) => !preloads.has(f)).map(name), [], "imported but not preloaded");
    assert.deepEqual([...preloads].filter((f) => !needed.has(f)).map(name), [], "preloaded but not imported");
  });
}

const direct = ["js/unseen-camera.js", ...readdirSync(join(WWW, "js/worker")).filter((f) => f === "worker.js" || f.endsWith("-worker.js")).map((f) => `js/worker/${f}`)];
for (const entry of direct) {
  test(`${entry} imports every module it runs directly`, () => {
    const file = join(WWW, entry);
    const first = new Set(imports(file));
    assert.deepEqual([...graph(file)].filter((f) => !first.has(f)).map(name), []);
  });
}
