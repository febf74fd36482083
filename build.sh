#!/usr/bin/env bash
# unseen's one entry point.
#   ./build.sh          build the CLI (target/release/unseen) and the site (www/)
#   ./build.sh serve    build, then serve www/ on http://127.0.0.1:8080
#   ./build.sh test     build, then run every test: Rust (unit, photos, CLI) and the browser tests
#   ./build.sh bench    build, then measure speed and weight in headless Chromium
#   ./build.sh fuzz [S] fuzz each target (fuzz/) for S seconds (default 60); needs nightly Rust
# It installs what it can (the wasm32 target, the pinned wasm-bindgen-cli, the JavaScript test tools
# from package-lock.json, the model files) and names what it cannot.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen crate version in Cargo.toml
PORT="${PORT:-8080}"
CARGO_FUZZ_VERSION=0.13.2       # for ./build.sh fuzz only

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

need_tools() {
  command -v cargo >/dev/null || die "Rust is needed: install it with rustup (https://rustup.rs)"
  command -v node >/dev/null || die "Node.js (20 or later) and npm are needed"
  if ! rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null | cut -d' ' -f2)" != "$WASM_BINDGEN_VERSION" ]; then
    say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (once; a few minutes)"
    # Not --locked: its lock file pins a yanked webpki-roots release that cargo refuses.
    cargo install --quiet wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi
}

build() {
  need_tools
  say "fetching models (pinned, sha256-checked)"
  scripts/fetch.sh models
  say "building the CLI"
  cargo build --release
  # Two builds of the module: plain SIMD (every browser we target), and with relaxed SIMD, whose
  # fused multiply-add the kernels use (about a third faster where it runs); the page picks by
  # feature detection (www/js/shared/wasm-build.js) and the service worker caches only the one it picks.
  # Each comes whole (www/pkg*: the photo, video and watchlist pages) and live (www/pkg-live*: the
  # live camera alone, without the image codecs and the photo and video pipelines; about a quarter
  # of the bytes, so the page most visitors open first downloads and compiles that much less).
  wasm_build "" www/pkg
  wasm_build +relaxed-simd www/pkg-relaxed
  wasm_build "" www/pkg-live --no-default-features
  wasm_build +relaxed-simd www/pkg-live-relaxed --no-default-features
  # The plain and relaxed builds differ only in the kernels' instructions, so their JavaScript
  # bindings are the same: a worker imports www/pkg/unseen.js (or www/pkg-live/unseen.js) with its
  # own modules and gives it either module.
  local pkg
  for pkg in www/pkg www/pkg-live; do
    if [ -f "$pkg-relaxed/unseen.js" ]; then
      cmp -s "$pkg/unseen.js" "$pkg-relaxed/unseen.js" ||
        die "the two WebAssembly builds in $pkg and $pkg-relaxed have different JavaScript bindings; www/js/shared/wasm-build.js gives one set either module"
      rm -f "$pkg-relaxed/unseen.js" "$pkg-relaxed/unseen.d.ts" "$pkg-relaxed/unseen_bg.wasm.d.ts"
    fi
  done
  mkdir -p www/models www/demo
  cp models/LICENSE-blazeface.txt models/LICENSE-retinaface.txt www/models/
  # The built-in demo picture: NASA's astronaut portrait (public domain), from the test photos.
  scripts/fetch.sh testdata
  rm -f www/demo/astronaut.png
  # dlib's face recognition network, from dlib's format to ONNX (the watchlist page and the faceprint
  # example; never the live page or the CLI).
  cargo run --quiet --release --example faceprint_model -- \
    models/dlib_face_recognition_resnet_model_v1.dat models/dlib_face_recognition_resnet_model_v1.onnx
  cp models/LICENSE-dlib-faceprint.txt www/models/
  # The models with float16 weights and the demo picture as a JPEG: half the download.
  cargo run --quiet --release --example site_assets -- models tests/data/fetched www
  # The video page reads and writes MP4 and WebM with Mediabunny (npm, pinned in package-lock.json),
  # served from this site like everything else.
  js_tools
  mkdir -p www/vendor
  cp node_modules/mediabunny/dist/bundles/mediabunny.min.mjs www/vendor/
  cp node_modules/mediabunny/LICENSE www/vendor/LICENSE-mediabunny.txt
  # What the service worker caches for offline use, versioned by the files' hash.
  node scripts/precache.mjs www
}

wasm_unit_tests() { # the library's unit tests as WebAssembly in Node's V8, as the site runs them
  # Natively the kernels take their plain path; built for wasm32 with SIMD they take the v128 code the
  # site runs (and with relaxed SIMD its fused multiply-add), checked here by the same unit tests
  # against the plain reference convolution. wasm32-wasip1 gives the tests a std to run with; Node's
  # WASI runs them (scripts/wasi-run.mjs). Tests abort on the first failure there: rerun the command
  # with `-- --nocapture` to see which.
  if ! rustup target list --installed 2>/dev/null | grep -q '^wasm32-wasip1$'; then
    say "adding the wasm32-wasip1 target"
    rustup target add wasm32-wasip1
  fi
  local features node="node --no-warnings"
  # Node 20's V8 has relaxed SIMD behind a flag; later ones have it on and no flag.
  if node --v8-options | grep -- --experimental-wasm-relaxed-simd >/dev/null; then node+=" --experimental-wasm-relaxed-simd"; fi
  for features in +simd128 +simd128,+relaxed-simd; do
    say "unit tests as WebAssembly ($features) under Node's WASI"
    CARGO_TARGET_WASM32_WASIP1_RUNNER="$node scripts/wasi-run.mjs" \
      RUSTFLAGS="-C target-feature=$features" \
      cargo test --quiet --lib --target wasm32-wasip1 --target-dir "target/wasi${features//[+,]/-}"
  done
}

wasm_build() { # wasm_build [+relaxed-simd] DIR [cargo options]: one build of the module, packaged in DIR
  local extra="$1" dir="$2"
  shift 2
  say "building the WebAssembly module for $dir (+simd128${extra:+, $extra})"
  RUSTFLAGS="-C target-feature=+simd128${extra:+,$extra}" \
    cargo build --profile web --lib --target wasm32-unknown-unknown --target-dir "target/${dir#www/}" "$@"
  wasm_package "target/${dir#www/}/wasm32-unknown-unknown/web/unseen.wasm" "$dir"
}

wasm_package() { # wasm_package MODULE DIR: the JavaScript bindings and the optimised module in DIR
  local wasm="$1" dir="$2"
  mkdir -p "$dir"
  if [ ! -f "$dir/unseen_bg.wasm" ] || [ "$wasm" -nt "$dir/unseen_bg.wasm" ]; then
    wasm-bindgen --target web --out-dir "$dir" "$wasm"
    # Binaryen's optimiser from npm (pinned in package-lock.json; Debian's 108 is too old for
    # wasm-bindgen 0.2.130's output): about 9 % off the gzipped module; the in-browser bench
    # measured no slowdown.
    js_tools
    node node_modules/binaryen/bin/wasm-opt -O3 "$dir/unseen_bg.wasm" -o "$dir/unseen_bg.wasm"
  fi
}

js_tools() {
  if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/binaryen ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing the JavaScript test tools (npm ci)"
    npm ci --silent --no-audit --no-fund
  fi
}

chromium_path() {
  local c
  for c in "${CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    [ -n "$c" ] && [ -x "$c" ] && { echo "$c"; return; }
  done
  die "the browser tests need Debian's Chromium: apt-get install chromium (or set CHROMIUM=/path/to/it)"
}

case "${1:-build}" in
  build) build ;;
  serve)
    build
    say "serving www/ on http://127.0.0.1:$PORT/"
    exec node scripts/serve.mjs "$PORT" www ;;
  test)
    command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null ||
      die "the video tests need Debian's ffmpeg: apt-get install ffmpeg (.ci/run does)"
    say "formatting (cargo fmt --check)"
    cargo fmt --check || die "cargo fmt would change the files above: run cargo fmt"
    build
    say "lints (cargo clippy, warnings are errors)"
    cargo clippy --release --all-targets --quiet -- -D warnings
    # The WebAssembly boundary (src/wasm/) is only built for wasm32, in both of the site's builds.
    cargo clippy --release --lib --target wasm32-unknown-unknown --quiet -- -D warnings
    cargo clippy --release --lib --target wasm32-unknown-unknown --no-default-features --quiet -- -D warnings
    say "Rust tests"
    cargo test --release
    wasm_unit_tests
    say "making the fake-camera clip from real photos"
    cargo run --release --quiet --example make_clip -- tests/data/generated
    js_tools
    say "page code without a browser (node --test tests/pages)"
    node --test tests/pages/
    export CHROMIUM; CHROMIUM="$(chromium_path)"
    say "browser tests (headless Chromium: $CHROMIUM)"
    node --test --test-concurrency=1 tests/browser/ ;;
  bench)
    build
    cargo run --release --quiet --example make_clip -- tests/data/generated
    js_tools
    export CHROMIUM; CHROMIUM="$(chromium_path)"
    node bench/run.mjs ;;
  fuzz)
    need_tools
    scripts/fetch.sh models
    if ! rustup toolchain list | grep -q '^nightly'; then
      say "installing the nightly Rust toolchain (cargo-fuzz needs it)"
      rustup toolchain install nightly --profile minimal
    fi
    if [ "$(cargo fuzz --version 2>/dev/null | cut -d' ' -f2)" != "$CARGO_FUZZ_VERSION" ]; then
      say "installing cargo-fuzz $CARGO_FUZZ_VERSION (once)"
      cargo install --quiet --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
    fi
    seconds="${2:-60}"
    for target in photo_bytes live_args model_bytes; do
      say "fuzzing $target for $seconds s (new inputs in target/fuzz-corpus/$target; crashes in fuzz/artifacts/$target)"
      mkdir -p "target/fuzz-corpus/$target"
      cargo +nightly fuzz run --release "$target" "target/fuzz-corpus/$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
    done ;;
  *) die "usage: ./build.sh [build|serve|test|bench|fuzz [seconds]]" ;;
esac
