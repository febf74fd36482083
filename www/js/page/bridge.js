// The page's one door to the worker: started lazily, one promise per call, progress callbacks, and a
// restart that fails every pending call so the page can fall back (and keep protecting) at once.
export class Bridge {
  constructor(url) {
    this.url = url;
    this.worker = null;
    this.pending = new Map();
    this.nextId = 1;
    /** Called with (error) when the worker dies. */
    this.onfail = null;
    /** Called with (url) for each request the worker makes. */
    this.onnet = null;
  }

  start() {
    if (this.worker) return;
    this.worker = new Worker(this.url, { type: "module" });
    this.worker.onmessage = ({ data }) => {
      if (data.net) { this.onnet?.(data.net); return; }
      const call = this.pending.get(data.id);
      if (!call) return;
      if (data.progress) { call.onprogress?.(data.progress); return; }
      this.pending.delete(data.id);
      if (data.error !== undefined) call.reject(new Error(data.error));
      else call.resolve(data.result);
    };
    this.worker.onerror = (event) => {
      event.preventDefault?.();
      this.fail(new Error(event.message || "the face detector stopped unexpectedly"));
    };
  }

  call(op, args = {}, { transfer = [], onprogress = null } = {}) {
    this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onprogress });
      try {
        this.worker.postMessage({ id, op, args }, transfer);
      } catch (e) {
        // Something in `args` cannot go to a worker (a DataCloneError): this call fails, not the worker.
        this.pending.delete(id);
        reject(e);
      }
    });
  }

  /** Throw the worker away (it hung or crashed): pending calls fail, the next call starts a new one. */
  fail(error) {
    this.worker?.terminate();
    this.worker = null;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const call of pending) call.reject(error);
    this.onfail?.(error);
  }
}
