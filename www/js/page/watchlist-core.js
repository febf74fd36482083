// The watchlist page's logic, apart from the DOM, the camera and the worker (tested under node --test):
// faceprint distances, the watchlist held in this tab's memory, alerts raised as an operator sees them
// (one per sighting, not one per frame) and answered by the class, and the arithmetic of false alerts.

/** Numbers in a faceprint. */
export const LEN = 128;
/** dlib's distance below which two faceprints are taken for the same person. */
export const DEFAULT_THRESHOLD = 0.6;
/** A face that has been away this long and comes back raises a new alert. */
export const SIGHTING_GAP_MS = 2000;

/** Euclidean distance between two faceprints; NaN when either is missing. */
export function distance(a, b) {
  if (!a || !b || a.length !== LEN || b.length !== LEN) return NaN;
  let sum = 0;
  for (let i = 0; i < LEN; i++) { const d = a[i] - b[i]; sum += d * d; }
  return Math.sqrt(sum);
}

/** Each face's faceprint from the worker's flat array (LEN numbers per face; NaNs for a face too
 *  uncertain or too turned to be printed, given as null). */
export function splitPrints(flat) {
  const out = [];
  for (let i = 0; i + LEN <= (flat?.length ?? 0); i += LEN) {
    const p = flat.subarray ? flat.subarray(i, i + LEN) : flat.slice(i, i + LEN);
    out.push(Number.isFinite(p[0]) ? Float32Array.from(p) : null);
  }
  return out;
}

/** The people enrolled, in memory only: a label and a faceprint each. Nothing here is ever written to
 *  storage; `forget` zeroes the prints and drops them. */
export class Watchlist {
  constructor() {
    this.entries = [];
    this.nextId = 1;
  }

  get size() { return this.entries.length; }

  /** Enrol `print` as `label` (a copy is kept). Returns the entry. */
  add(print, label) {
    if (!print || print.length !== LEN || !Number.isFinite(print[0])) throw new Error("no faceprint to enrol");
    const entry = { id: this.nextId++, label: String(label), print: Float32Array.from(print) };
    this.entries.push(entry);
    return entry;
  }

  remove(id) {
    const i = this.entries.findIndex((e) => e.id === id);
    if (i < 0) return;
    this.entries[i].print.fill(0);
    this.entries.splice(i, 1);
  }

  /** The enrolled entry nearest to `print` and its distance, or null with an empty list or no print. */
  nearest(print) {
    let best = null;
    for (const entry of this.entries) {
      const d = distance(print, entry.print);
      if (Number.isFinite(d) && (!best || d < best.distance)) best = { entry, distance: d };
    }
    return best;
  }

  forget() {
    for (const e of this.entries) e.print.fill(0);
    this.entries = [];
  }
}

/** Alerts as the van's operator gets them. A face in view closer than the threshold to someone on the
 *  list raises one alert; it stays the same alert while that person keeps matching, and a new one is
 *  raised only after SIGHTING_GAP_MS without a match. Each alert is answered by the class, as an
 *  officer decides whether to stop someone: the right person, or someone else (a false alert). */
export class AlertLog {
  constructor() {
    this.alerts = [];
    /** Entry id → the alert under way for it and when it last matched. */
    this.open = new Map();
    this.nextId = 1;
  }

  /** This frame's nearest matches (`{ entry, distance }` per face, or null) at `threshold`, seen at
   *  `now` (ms). Returns the alerts raised by this frame. */
  update(matches, threshold, now) {
    const raised = [];
    for (const m of matches) {
      if (!m || !(m.distance < threshold)) continue;
      const open = this.open.get(m.entry.id);
      if (open && now - open.last <= SIGHTING_GAP_MS) {
        open.last = now;
        open.alert.distance = Math.min(open.alert.distance, m.distance);
        continue;
      }
      const alert = { id: this.nextId++, entryId: m.entry.id, label: m.entry.label, distance: m.distance, answer: null };
      this.alerts.push(alert);
      this.open.set(m.entry.id, { alert, last: now });
      raised.push(alert);
    }
    return raised;
  }

  /** A new scene (another photo, the camera started): whoever matches next is a new sighting. */
  newScene() {
    this.open.clear();
  }

  /** Record the class's answer to an alert: "match" (it was them) or "false" (someone else). */
  answer(id, answer) {
    const alert = this.alerts.find((a) => a.id === id);
    if (alert && (answer === "match" || answer === "false")) alert.answer = answer;
    return alert ?? null;
  }

  counts() {
    const n = (a) => this.alerts.filter((x) => x.answer === a).length;
    return { alerts: this.alerts.length, matches: n("match"), falseAlerts: n("false"), unanswered: n(null) };
  }

  forget() {
    this.alerts = [];
    this.open.clear();
  }
}

/** Expected false alerts in a day: each of `people` passing is compared with each of `watchlist`
 *  faceprints, and any comparison that is a false match (probability `rate` each, independently)
 *  raises an alert. Inputs outside their range give NaN. */
export function falseAlertsPerDay({ people, watchlist, rate }) {
  if (!(people >= 0) || !(watchlist >= 0) || !(rate >= 0 && rate <= 1)) return NaN;
  return people * (1 - Math.pow(1 - rate, watchlist));
}
