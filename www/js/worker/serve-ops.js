// A worker's message loop: each message names an op and an id; the reply carries the same id and
// either the result (transferring buffers when the op returns {reply, transfer}) or the error's sentence.
export function serveOps(ops, onerror = () => {}) {
  // Every request this worker makes (the wasm, the model) is reported to the page's request counter.
  new PerformanceObserver((list) => list.getEntries().forEach((e) => postMessage({ net: e.name }))).observe({ type: "resource", buffered: true });
  onmessage = async ({ data }) => {
    const { id, op, args } = data;
    try {
      if (!Object.hasOwn(ops, op)) throw new Error(`unknown request "${op}"`);
      const result = await ops[op](args, id);
      if (result && result.reply) postMessage({ id, result: result.reply }, result.transfer);
      else postMessage({ id, result });
    } catch (e) {
      onerror(args);
      postMessage({ id, error: e?.message ?? String(e) });
    }
  };
}
