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

/** Whether `error` is WebDriver's report that WebKit's web process died (crashed or hung), or stalled
 *  so long that its answer to a script was lost (which comes before such a death). */
export const webProcessDied = (error) => (error?.name === "NoSuchSessionError" && /page crash or hang/.test(error.message)) ||
  (error?.name === "WebDriverError" && /^Could not parse script result/.test(error.message));

/** Runs `body(start)`, where `start` starts WebKit as `startWebKit` does, and, should WebKit's web
 *  process die in it, once more, saying so with what WebKit printed. WebKitGTK's web process under
 *  Xvfb died once in CI, 25 s into a test that passed in every local run; a second death fails the
 *  test, and any assertion fails it at once. */
export async function oneCrashAllowed(body) {
  for (let attempt = 1; ; attempt++) {
    let browser;
    try {
      return await body(async (options) => (browser = await startWebKit(options)));
    } catch (error) {
      if (!webProcessDied(error)) throw error;
      const said = `WebKit's web process died (${error.message}); what WebKit printed last:\n${browser?.log() ?? ""}`;
      if (attempt === 2) throw new Error(`${said}\nIt died on the second run too.`);
      console.log(`${said}\nRunning the test once more.`);
    }
  }
}

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
  // What the driver, MiniBrowser and WebKit's processes print, the last of it kept: when WebKit's web
  // process dies, it says why.
  let log = "";
  const driverProcess = spawn(DRIVER, [`--port=${port}`], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, DISPLAY: display } });
  for (const out of [driverProcess.stdout, driverProcess.stderr]) out.on("data", (d) => { log = (log + d).slice(-4000); });
  await sleep(800);
  // 2D canvases drawn on the CPU (the WebKitSettings property enable-2d-canvas-acceleration): under
  // Xvfb WebKitGTK 2.50 draws accelerated canvases with Skia on Mesa's software OpenGL, and there
  // reading one back (a canvas's captureStream, drawImage of a GPU image into a canvas) now and then
  // hit a release assertion in Skia's readPixels and killed the web process: SIGILL in about one
  // test run in three, at the same instruction in every core dump (2026-12-03). iPhones' WebKit
  // draws with Core Graphics, not Skia.
  let driver;
  try {
    driver = await new Builder().usingServer(`http://127.0.0.1:${port}`).withCapabilities({
      browserName: "MiniBrowser",
      "webkitgtk:browserOptions": { binary: MINIBROWSER, args: ["--automation", "--enable-media-stream=true", "--enable-mock-capture-devices=true", "--enable-2d-canvas-acceleration=false"] },
    }).build();
  } catch (e) {
    driverProcess.kill(); xvfb.kill(); server.close();
    throw e;
  }
  const run = (script, ...args) => driver.executeScript(script, ...args);
  return {
    origin, driver, run,
    /** The last few thousand characters the driver and WebKit's processes printed. */
    log: () => log,
    /** Open a page and wait until its module has run: WebDriver returns here before module scripts
     *  run. `ready` is a script that returns true once it has (by default: the site's pages fill in
     *  their request counter). */
    async open(path, ready = "return document.getElementById('requests')?.dataset.requests !== undefined") {
      await driver.get(`${origin}/${path}`);
      await driver.wait(() => run(ready), 60_000);
      await run("window.__errors = []; addEventListener('error', (e) => __errors.push(e.message)); addEventListener('unhandledrejection', (e) => __errors.push(String(e.reason)));");
    },
    errors: () => run("return window.__errors"),
    /** Wait until `script` returns true, asking every half second (asked back to back, a page
     *  busy with the camera never gets a breath). */
    waitFor: (script, timeout) => driver.wait(async () => (await run(script)) || (await sleep(500), false), timeout),
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
