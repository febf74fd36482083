// What the video tests check in a saved video, outside the browser that made it: every frame's
// faces against the input at their known positions (examples/video_leaks.rs, the Rust clip's own
// truth), and with ffprobe the frame count, duration, stored size, rotation, sound and tags.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { ROOT } from "./harness.mjs";

export function probe(path) {
  return JSON.parse(execFileSync("ffprobe", ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", "-count_packets", path]));
}

export const stream = (p, kind) => p.streams.find((s) => s.codec_type === kind);

export function leaks(clip, input, output) {
  const line = execFileSync("cargo", ["run", "--release", "--quiet", "--example", "video_leaks", "--", clip, input, output], { cwd: ROOT, maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "inherit"] });
  return JSON.parse(line).scenes;
}

export function assertCleanCopy(input, output, sound) {
  const [pi, po] = [probe(input), probe(output)];
  const [vi, vo] = [stream(pi, "video"), stream(po, "video")];
  assert.equal(vo.nb_read_packets, vi.nb_read_packets, "frame count");
  assert.ok(Math.abs(Number(po.format.duration) - Number(pi.format.duration)) < 0.05, `duration ${po.format.duration} for ${pi.format.duration}`);
  assert.equal(vo.side_data_list?.[0]?.rotation ?? 0, vi.side_data_list?.[0]?.rotation ?? 0, "display rotation");
  assert.equal(`${vo.width}x${vo.height}`, `${vi.width}x${vi.height}`, "stored size");
  if (sound) {
    const [ai, ao] = [stream(pi, "audio"), stream(po, "audio")];
    assert.ok(ao, "the sound is kept");
    assert.equal(ao.codec_name, ai.codec_name, "the sound is copied, not re-encoded");
    assert.ok(Math.abs(Number(ao.duration) - Number(ai.duration)) < 0.05, "the sound lasts as long");
  } else {
    assert.equal(stream(po, "audio"), undefined, "the sound is removed");
  }
  const text = JSON.stringify(po);
  for (const value of ["+51.5754", "2026-06-01", "Apple", "iPhone", "Romford"]) assert.ok(!text.includes(value), `${value} is left in ${text}`);
  for (const key of ["location", "creation_time", "make", "model", "title", "date"]) assert.ok(!text.includes(`"${key}"`), `tag ${key} left in ${text}`);
}
