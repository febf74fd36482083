// Runs a wasm32-wasip1 program (a `cargo test --target wasm32-wasip1` test binary) under Node's WASI,
// so that the engine's wasm SIMD kernels are tested as WebAssembly, in V8, against the plain reference
// code in the same tests. Cargo calls it as the target's runner: node scripts/wasi-run.mjs FILE ARGS...
// The project's folder is the one folder the program may read, at its own path.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/wasi-run.mjs PROGRAM.wasm [ARGS...]');
  process.exit(2);
}
const root = process.cwd();
const wasi = new WASI({
  version: 'preview1',
  args: [file, ...args],
  env: { RUST_BACKTRACE: process.env.RUST_BACKTRACE ?? '0' },
  preopens: { [root]: root },
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(file));
// The crate's browser bindings (wasm-bindgen's imports) are linked in but never called by these
// tests: each is a function that says so if it ever is.
const imports = wasi.getImportObject();
for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
  if (kind !== "function" || imports[from]?.[name]) continue;
  (imports[from] ??= {})[name] = () => { throw new Error(`${from}.${name} is not available under WASI`); };
}
const instance = await WebAssembly.instantiate(module, imports);
process.exitCode = wasi.start(instance);
