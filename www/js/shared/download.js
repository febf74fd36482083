// Downloads a model file once per page or worker, reporting bytes loaded of the total as it goes.
const cache = new Map();

/** The bytes at `url`; `onprogress({loaded, total})` is called for each chunk. */
export async function download(url, onprogress) {
  if (cache.has(url.href)) return cache.get(url.href);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`the model file could not be downloaded (HTTP ${response.status})`);
  const total = Number(response.headers.get("Content-Length")) || 0;
  const reader = response.body.getReader();
  const chunks = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onprogress?.({ loaded, total });
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) { bytes.set(c, at); at += c.length; }
  cache.set(url.href, bytes);
  return bytes;
}
