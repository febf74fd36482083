// Saving a covered copy on the photo and video pages: its name, the check of the bytes read back
// after saving, and offering the file to the visitor. All but `offer` is plain data, checked by
// tests/pages/save.test.mjs under `node --test`.

/** `IMG_0042.HEIC` → `IMG_0042-redacted.jpg`; a name that is only an extension becomes `fallback`. */
export function redactedName(name, ext, fallback = "photo") {
  const stem = String(name ?? "").replace(/\.[^./\\]*$/, "") || fallback;
  return `${stem}-redacted.${ext}`;
}

/** `name`, or `name-2.ext`, `name-3.ext`… when `used` holds it already; the name chosen is added to `used`. */
export function uniqueName(used, name) {
  let unique = name;
  for (let n = 2; used.has(unique); n++) unique = /\.[a-z0-9]+$/i.test(name) ? name.replace(/(\.[a-z0-9]+)$/i, `-${n}$1`) : `${name}-${n}`;
  used.add(unique);
  return unique;
}

/** The format to save in: the visitor's choice, or PNG for a PNG and JPEG for everything else. */
export function outputFormat(choice, sourceFormat) {
  if (choice && choice !== "auto") return choice;
  return sourceFormat === "png" ? "png" : "jpg";
}

/**
 * What is wrong with a saved photo, read back (`check`: its metadata blocks, camera fields and size),
 * as string keys with their values: empty when it carries no metadata and has the photo's size.
 */
export function savedProblems(check, width, height) {
  const problems = [];
  if (check.blocks?.length) problems.push(["photo.check.blocks", { blocks: check.blocks.join(", ") }]);
  if (check.make || check.model || check.date || check.gps || check.software) problems.push(["photo.check.camera", {}]);
  if (check.width !== width || check.height !== height) {
    problems.push(["photo.check.size", { width: String(check.width), height: String(check.height), wantWidth: String(width), wantHeight: String(height) }]);
  }
  return problems;
}

/** Hand `blob` to the browser as a download called `name`. */
export function offer(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
