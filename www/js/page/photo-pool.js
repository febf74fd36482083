// The photo page's workers: one per core (at most four; js/site.js workersFor), so that a folder of photos is searched on
// every core. Each worker loads the detectors once; the first load is awaited before another worker
// loads, so the models come over the network once and the others read them from the cache. A photo's
// preview lives in the worker that opened it, so its renders go back there. A second worker starts
// only when a photo is waiting and every started worker is busy: one photo costs one worker.
import { Bridge } from "./bridge.js";

export class PhotoPool {
  /** `size` workers running `url`; `makeBridge` is for tests, which give a worker of their own. */
  constructor(url, size, makeBridge = (u) => new Bridge(u)) {
    this.bridges = Array.from({ length: size }, () => makeBridge(url));
    /** Per bridge: the promise of its "load", while it holds. */
    this.loads = new Map();
    /** Per bridge: calls sent and not yet answered. */
    this.busy = new Map(this.bridges.map((b) => [b, 0]));
    /** The bridge holding each photo's preview, by key. */
    this.home = new Map();
    /** The bridges given work so far (a Bridge starts its worker at its first call). */
    this.used = new Set();
    for (const b of this.bridges) {
      b.onfail = () => {
        this.loads.delete(b);
        for (const [key, home] of this.home) if (home === b) this.home.delete(key);
      };
    }
  }

  /** How many workers have been given work. */
  get started() {
    return this.used.size;
  }

  /** Load the detectors in worker `b`; `onprogress` hears the download of the first worker only. */
  load(b = this.bridges[0], onprogress = null) {
    let loading = this.loads.get(b);
    if (!loading) {
      const first = b === this.bridges[0] ? null : this.load(this.bridges[0]);
      loading = Promise.resolve(first?.catch(() => {})).then(() => this.call(b, "load", {}, { onprogress: first ? null : onprogress }));
      this.loads.set(b, loading);
      loading.catch(() => this.loads.delete(b));
    }
    return loading;
  }

  /** The worker for a new photo: an idle one already used, else one not used yet, else the least
   * busy. Chosen and marked busy at once, so photos opened in the same moment spread out. */
  pick() {
    const idle = this.bridges.find((b) => this.used.has(b) && this.busy.get(b) === 0);
    const fresh = this.bridges.find((b) => !this.used.has(b));
    const b = idle ?? fresh ?? this.leastBusy(this.bridges);
    this.used.add(b);
    return b;
  }

  /** Open a photo (`args.key`, `args.bytes`) in a worker, which then keeps its preview. Answers with
   * what the worker found and whether its detectors include the second one, for small faces; if
   * not, that worker tries to fetch it again with its next photo. */
  async open(args, onprogress = null) {
    const b = this.pick();
    this.busy.set(b, this.busy.get(b) + 1);
    try {
      const { smallFaces } = await this.load(b, onprogress);
      if (!smallFaces) this.loads.delete(b);
      const r = await this.call(b, "open", args);
      this.home.set(args.key, b);
      return { ...r, smallFaces };
    } finally {
      this.busy.set(b, this.busy.get(b) - 1);
    }
  }

  /** A call about the photo `key` (render), sent to the worker that holds its preview. */
  about(key, op, args) {
    const b = this.home.get(key);
    if (!b) return Promise.reject(new Error("this photo is no longer open; load it again"));
    return this.call(b, op, args);
  }

  /** A call any loaded worker can answer (save), sent to the least busy. */
  async any(op, args, options) {
    const loaded = this.bridges.filter((b) => this.loads.has(b));
    const b = this.leastBusy(loaded.length ? loaded : this.bridges);
    await this.load(b);
    return this.call(b, op, args, options);
  }

  /** Of `bridges`, the one with the fewest calls waiting (the first of those). */
  leastBusy(bridges) {
    return bridges.reduce((a, c) => (this.busy.get(c) < this.busy.get(a) ? c : a));
  }

  async call(b, op, args, options) {
    this.busy.set(b, this.busy.get(b) + 1);
    try {
      return await b.call(op, args, options);
    } finally {
      this.busy.set(b, this.busy.get(b) - 1);
    }
  }
}
