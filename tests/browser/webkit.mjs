// Debian's WebKitGTK for the browser tests: its WebDriver (WebKitWebDriver) driving MiniBrowser under
// a virtual X display (Xvfb), with WebKit's mock camera, through selenium-webdriver. Never a
// downloaded browser.
import { existsSync } from "node:fs";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { Builder, By } from "selenium-webdriver";
import { serve } from "../../scripts/serve.mjs";
import { WWW } from "./harness.mjs";
import { captureSaves, savedFile } from "./saved-file.mjs";

export const MINIBROWSER = process.env.MINIBROWSER || "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
const DRIVER = process.env.WEBKIT_WEBDRIVER || "/usr/bin/WebKitWebDriver";

const freePort = () => new Promise((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `mounts`: other folders served beside the site (URL prefix → folder), as scripts/serve.mjs takes. */
export async function startWebKit({ mounts = {} } = {}) {
  for (const [what, path] of [["MiniBrowser", MINIBROWSER], ["WebKitWebDriver", DRIVER], ["Xvfb", "/usr/bin/Xvfb"]]) {
    if (!existsSync(path)) throw new Error(`${what} is not installed at ${path}: apt-get install webkit2gtk-driver xvfb (.ci/run does)`);
  }
  const server = await serve(WWW, 0, "127.0.0.1", mounts);
  const origin = `http://127.0.0.1:${server.address().port}`;
  // Xvfb picks a free display itself and says which (one session's display is never the next's).
  const xvfb = spawn("/usr/bin/Xvfb", ["-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"], { stdio: ["ignore", "ignore", "ignore", "pipe"] });
  const display = await new Promise((resolve, reject) => {
    let text = "";
    xvfb.stdio[3].on("data", (d) => { text += d; if (text.includes("\n")) resolve(`:${text.trim()}`); });
    xvfb.on("exit", () => reject(new Error("Xvfb could not start")));
  });
  const port = await freePort();
  const driverProcess = spawn(DRIVER, [`--port=${port}`], { stdio: "ignore", env: { ...process.env, DISPLAY: display } });
  await sleep(800);
  let driver;
  try {
    driver = await new Builder().usingServer(`http://127.0.0.1:${port}`).withCapabilities({
      browserName: "MiniBrowser",
      "webkitgtk:browserOptions": { binary: MINIBROWSER, args: ["--automation", "--enable-media-stream=true", "--enable-mock-capture-devices=true"] },
    }).build();
  } catch (e) {
    driverProcess.kill(); xvfb.kill(); server.close();
    throw e;
  }
  const run = (script, ...args) => driver.executeScript(script, ...args);
  return {
    origin, driver, run,
    /** Open a page and wait until its module has run: WebDriver returns here before module scripts
     *  run. `ready` is a script that returns true once it has (by default: the site's pages fill in
     *  their request counter). */
    async open(path, ready = "return document.getElementById('requests')?.dataset.requests !== undefined") {
      await driver.get(`${origin}/${path}`);
      await driver.wait(() => run(ready), 60_000);
      await run("window.__errors = []; addEventListener('error', (e) => __errors.push(e.message)); addEventListener('unhandledrejection', (e) => __errors.push(String(e.reason)));");
    },
    errors: () => run("return window.__errors"),
    waitFor: (script, timeout) => driver.wait(() => run(script), timeout),
    /** Give a file input a file, as a person choosing it does. */
    async choose(id, path) {
      const input = await driver.findElement(By.id(id));
      await input.sendKeys(path);
    },
    /** Run `save` (in Node) and return the name and bytes of the file the page hands over. */
    async saved(save) {
      await run(`(${captureSaves})()`);
      await save();
      const { name, bytes } = await driver.executeAsyncScript(`(${savedFile})().then(arguments[arguments.length - 1])`);
      return { name, bytes: Uint8Array.from(bytes) };
    },
    async close() {
      await driver.quit().catch(() => {});
      const exited = (p) => new Promise((r) => (p.exitCode !== null ? r() : p.once("exit", r)));
      driverProcess.kill();
      xvfb.kill();
      await Promise.all([exited(driverProcess), exited(xvfb)]);
      server.close();
    },
  };
}
