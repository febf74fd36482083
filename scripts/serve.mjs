// A tiny static file server for www/: correct MIME types (application/wasm for streaming compilation),
// no caching surprises, loopback only. Used by `./build.sh serve`, the browser tests and the bench.
//   node scripts/serve.mjs [port] [root]      port 0 picks a free one; prints "serving http://..."
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".wasm": "application/wasm",
  ".onnx": "application/octet-stream",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
};

/** Serve `root`; `mounts` maps URL prefixes ("/peers/ort/") to other folders (the bench's peers). */
export function serve(root, port = 0, host = "127.0.0.1", mounts = {}) {
  const roots = Object.entries(mounts).map(([prefix, dir]) => [prefix, resolve(dir)]);
  const server = createServer(async (req, res) => {
    try {
      let path = decodeURIComponent(new URL(req.url, "http://x").pathname);
      let base = resolve(root);
      for (const [prefix, dir] of roots) {
        if (path.startsWith(prefix)) { base = dir; path = path.slice(prefix.length - 1); break; }
      }
      let file = normalize(join(base, path));
      if (!file.startsWith(base)) throw new Error("outside root");
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      const body = await readFile(file);
      res.writeHead(200, {
        "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
      });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch {
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("not found");
    }
  });
  return new Promise((ok) => server.listen(port, host, () => ok(server)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2] ?? 8080);
  const root = process.argv[3] ?? new URL("../www", import.meta.url).pathname;
  const server = await serve(root, port);
  console.log(`serving http://127.0.0.1:${server.address().port}/ from ${root} (Ctrl-C to stop)`);
}
