/**
 * Pure metric functions of the benchmark: percentiles, platform-window compliance, model
 * capacity use and the time a reply waited for a model slot. Times are epoch ms.
 */

export interface Interval {
  start: number;
  end: number;
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile (p in 0..100) of `values`; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((Math.min(100, Math.max(0, p)) / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)]!;
}

export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  const mean = n ? values.reduce((a, b) => a + b, 0) / n : Number.NaN;
  return { n, p50: percentile(values, 50), p95: percentile(values, 95), p99: percentile(values, 99), max: n ? Math.max(...values) : Number.NaN, mean };
}

/** Median of `values` (the mean of the two middle ones for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The most sends in any window of `windowMs`, counted the way Twitch counts: a send at `t`
 * sees the sends in `(t - windowMs, t]`.
 */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < t.length; hi++) {
    while (t[lo]! <= t[hi]! - windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/** Sends that found `limit` or more earlier sends in their window (the ones a platform would refuse). */
export function windowViolations(times: readonly number[], windowMs: number, limit: number): number {
  const t = [...times].sort((a, b) => a - b);
  let lo = 0;
  let bad = 0;
  const kept: number[] = [];
  // a refused send does not count against later ones, as on Twitch
  for (const at of t) {
    while (lo < kept.length && kept[lo]! <= at - windowMs) lo++;
    if (kept.length - lo >= limit) bad++;
    else kept.push(at);
  }
  return bad;
}

/** The smallest gap between consecutive sends (Infinity with fewer than two). */
export function minSpacing(times: readonly number[]): number {
  const t = [...times].sort((a, b) => a - b);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 1; i < t.length; i++) best = Math.min(best, t[i]! - t[i - 1]!);
  return best;
}

/** Total length of the overlap of `a` with the union of `windows` (windows must not overlap each other). */
function overlap(a: Interval, windows: readonly Interval[]): number {
  let sum = 0;
  for (const w of windows) sum += Math.max(0, Math.min(a.end, w.end) - Math.max(a.start, w.start));
  return sum;
}

/**
 * Share of the model's slot time that was busy during the backlogged `windows`:
 * busy slot-ms inside the windows / (slots x window ms). 1 means the bot never left a slot
 * idle while work was waiting. NaN when there is no backlogged time.
 */
export function capacityUse(busy: readonly Interval[], slots: number, windows: readonly Interval[]): number {
  const total = windows.reduce((s, w) => s + Math.max(0, w.end - w.start), 0);
  if (total <= 0 || slots <= 0) return Number.NaN;
  const used = busy.reduce((s, b) => s + overlap(b, windows), 0);
  return used / (slots * total);
}

/**
 * Backlogged windows from queue-depth samples: fixed bins of `binMs` in which every sample
 * saw at least `minDepth` jobs waiting (and at least one sample fell in the bin), merged.
 */
export function backlogWindows(samples: readonly { at: number; depth: number }[], binMs: number, minDepth = 1): Interval[] {
  if (samples.length === 0) return [];
  const s = [...samples].sort((a, b) => a.at - b.at);
  const t0 = s[0]!.at;
  const bins = new Map<number, boolean>();
  for (const x of s) {
    const b = Math.floor((x.at - t0) / binMs);
    bins.set(b, (bins.get(b) ?? true) && x.depth >= minDepth);
  }
  const out: Interval[] = [];
  for (const b of [...bins.keys()].sort((x, y) => x - y)) {
    if (!bins.get(b)) continue;
    const start = t0 + b * binMs;
    const last = out[out.length - 1];
    if (last && last.end === start) last.end = start + binMs;
    else out.push({ start, end: start + binMs });
  }
  return out;
}

/**
 * When a model slot became free for a request that started at `to`, looking back no further
 * than `from` (when its comment was sent): the end of the last moment in `[from, to)` at which
 * `slots` other requests were in flight, or `from` if there was none. `to - result` is the
 * time the bot itself took to start the request once it could have.
 */
export function slotFreeAt(others: readonly Interval[], slots: number, from: number, to: number): number {
  if (to <= from) return to;
  // in flight just before `to`
  const points: { at: number; delta: number }[] = [];
  let count = 0;
  for (const o of others) {
    if (o.start >= to || o.end <= from) continue;
    if (o.start < to && o.end >= to) count++;
    if (o.end > from && o.end < to) points.push({ at: o.end, delta: +1 }); // going back in time past an end: it was running
    if (o.start > from && o.start < to) points.push({ at: o.start, delta: -1 });
  }
  if (count >= slots) return to;
  // walk back from `to`, applying every change at one instant together (a slot handed over)
  points.sort((a, b) => b.at - a.at);
  for (let i = 0; i < points.length; ) {
    const at = points[i]!.at;
    for (; i < points.length && points[i]!.at === at; i++) count += points[i]!.delta;
    if (count >= slots) return at;
  }
  return from;
}

/** Share of `values` that are <= `limit` (NaN when empty). */
export function shareWithin(values: readonly number[], limit: number): number {
  if (values.length === 0) return Number.NaN;
  return values.filter((v) => v <= limit).length / values.length;
}
