// Reading the file a page saves, in browsers whose drivers have no download API we use (Firefox over
// WebDriver BiDi, WebKitGTK's WebDriver): `captureSaves` runs in the page before saving and keeps
// the Blob an `<a download>` is clicked with; `savedFile` (also run in the page) gives its name and
// bytes. Nothing is fetched (the pages' CSP allows no fetch from blob: URLs).

/** Run in the page: from now on, a click on an `<a download>` hands its Blob to `window.__saved`. */
export function captureSaves() {
  window.__saved = new Promise((resolve) => {
    const made = new Map();
    const createObjectURL = URL.createObjectURL;
    URL.createObjectURL = (blob) => {
      const url = createObjectURL(blob);
      made.set(url, blob);
      return url;
    };
    const click = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = function () {
      const blob = made.get(this.href);
      if (this.download && blob) resolve({ name: this.download, blob });
      else click.call(this);
    };
  });
}

/** Run in the page: the saved file's name and bytes (as an array of numbers, for the driver). */
export async function savedFile() {
  const { name, blob } = await window.__saved;
  return { name, bytes: Array.from(new Uint8Array(await blob.arrayBuffer())) };
}
