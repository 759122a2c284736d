import { describe, expect, it } from 'vitest';
import {
  backlogWindows,
  capacityUse,
  maxInWindow,
  median,
  minSpacing,
  percentile,
  shareWithin,
  slotFreeAt,
  summarize,
  windowViolations,
} from '../../bench/metrics.js';
import { replaceSection } from '../../bench/report.js';
import { keyKind } from '../../bench/soak.js';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  it.each([
    { values: hundred, p: 50, want: 50 },
    { values: hundred, p: 95, want: 95 },
    { values: hundred, p: 99, want: 99 },
    { values: hundred, p: 100, want: 100 },
    { values: hundred, p: 0, want: 1 },
    { values: [7], p: 99, want: 7 },
    { values: [3, 1, 2], p: 50, want: 2 },
    { values: [10, 20], p: 50, want: 10 },
    { values: [10, 20], p: 51, want: 20 },
    { values: [5, 1, 4, 2, 3, 1000], p: 99, want: 1000 },
  ])('p$p of $values.length values → $want', ({ values, p, want }) => {
    expect(percentile(values, p)).toBe(want);
  });

  it('is NaN for no values, and does not reorder its input', () => {
    expect(percentile([], 50)).toBeNaN();
    const v = [3, 1, 2];
    percentile(v, 50);
    expect(v).toEqual([3, 1, 2]);
  });

  it('summarize and median agree with it', () => {
    expect(summarize([1, 2, 3, 4])).toEqual({ n: 4, p50: 2, p95: 4, p99: 4, max: 4, mean: 2.5 });
    expect(median([1, 2, 3, 4])).toBe(2.5);
    expect(median([9, 1, 5])).toBe(5);
    expect(summarize([]).n).toBe(0);
  });
});

describe('30 s window compliance', () => {
  const every = (n: number, gapMs: number, from = 0) => Array.from({ length: n }, (_, i) => from + i * gapMs);
  it.each([
    { name: '20 sends 1.5 s apart fit one window', times: every(20, 1500), max: 20, bad: 0 },
    { name: '21 sends 1 s apart: the 21st is refused', times: every(21, 1000), max: 21, bad: 1 },
    { name: 'a send exactly 30 s after the first no longer sees it', times: [...every(20, 1000), 30_000], max: 20, bad: 0 },
    { name: 'a send 29 999 ms after the first still sees it', times: [...every(20, 1000), 29_999], max: 21, bad: 1 },
    { name: '40 sends at once: 20 refused', times: every(40, 0), max: 40, bad: 20 },
    { name: 'two bursts 30 s apart', times: [...every(20, 10), ...every(20, 10, 31_000)], max: 20, bad: 0 },
    { name: 'none', times: [], max: 0, bad: 0 },
  ])('$name', ({ times, max, bad }) => {
    expect(maxInWindow(times, 30_000)).toBe(max);
    expect(windowViolations(times, 30_000, 20)).toBe(bad);
  });

  it('refused sends do not count against later ones (as on Twitch)', () => {
    // 25 at t=0 (5 refused), then one at t=30 000: the 20 kept have left the window
    expect(windowViolations([...Array(25).fill(0), 30_000], 30_000, 20)).toBe(5);
  });

  it('order of the input does not matter', () => {
    const t = [5000, 0, 2000, 1000];
    expect(maxInWindow(t, 1500)).toBe(2);
    expect(minSpacing(t)).toBe(1000);
    expect(minSpacing([1])).toBe(Infinity);
  });
});

describe('capacity use while backlogged', () => {
  it.each([
    { name: 'both slots busy the whole window', busy: [{ start: 0, end: 1000 }, { start: 0, end: 1000 }], slots: 2, want: 1 },
    { name: 'one of two slots busy', busy: [{ start: 0, end: 1000 }], slots: 2, want: 0.5 },
    { name: 'busy time outside the window does not count', busy: [{ start: -5000, end: 500 }, { start: 900, end: 9000 }], slots: 1, want: 0.6 },
    { name: 'back-to-back requests with a 50 ms gap', busy: [{ start: 0, end: 475 }, { start: 525, end: 1000 }], slots: 1, want: 0.95 },
    { name: 'idle', busy: [], slots: 4, want: 0 },
  ])('$name → $want', ({ busy, slots, want }) => {
    expect(capacityUse(busy, slots, [{ start: 0, end: 1000 }])).toBeCloseTo(want, 6);
  });

  it('is NaN when never backlogged', () => {
    expect(capacityUse([{ start: 0, end: 10 }], 1, [])).toBeNaN();
  });

  it('backlogged windows: bins in which every sample saw a waiting job, merged', () => {
    const samples = [
      { at: 0, depth: 3 },
      { at: 500, depth: 1 },
      { at: 1000, depth: 2 },
      { at: 1500, depth: 5 },
      { at: 2000, depth: 0 }, // bin 2 has an empty moment
      { at: 2500, depth: 4 },
      { at: 3000, depth: 1 },
      { at: 3900, depth: 1 },
    ];
    expect(backlogWindows(samples, 1000)).toEqual([
      { start: 0, end: 2000 },
      { start: 3000, end: 4000 },
    ]);
    expect(backlogWindows([], 1000)).toEqual([]);
    expect(backlogWindows(samples, 1000, 3)).toEqual([]);
  });
});

describe('slotFreeAt: when a model slot became free for a request', () => {
  it.each([
    { name: 'no other request: free since the comment was sent', others: [], slots: 1, want: 100 },
    { name: 'one slot busy until 400', others: [{ start: 0, end: 400 }], slots: 1, want: 400 },
    { name: 'two slots, only one busy: free all along', others: [{ start: 0, end: 400 }], slots: 2, want: 100 },
    { name: 'two slots both busy, one frees at 300', others: [{ start: 0, end: 300 }, { start: 50, end: 900 }], slots: 2, want: 300 },
    { name: 'slot handed over at once to another request (still busy) until 700', others: [{ start: 0, end: 300 }, { start: 300, end: 700 }], slots: 1, want: 700 },
    { name: 'saturated before the comment was sent only', others: [{ start: 0, end: 90 }], slots: 1, want: 100 },
  ])('$name', ({ others, slots, want }) => {
    expect(slotFreeAt(others, slots, 100, 1000)).toBe(want);
  });

  it('returns the request start when every slot is still taken then', () => {
    expect(slotFreeAt([{ start: 0, end: 2000 }], 1, 100, 1000)).toBe(1000);
  });
});

describe('shareWithin', () => {
  it.each([
    { values: [1000, 4999, 5000, 5001], want: 0.75 },
    { values: [6000], want: 0 },
    { values: [0], want: 1 },
  ])('$values → $want', ({ values, want }) => expect(shareWithin(values, 5000)).toBe(want));
  it('NaN when empty', () => expect(shareWithin([], 5000)).toBeNaN());
});

describe('replaceSection (BENCHMARKS.md)', () => {
  const S = '<!-- bench:start -->';
  const E = '<!-- bench:end -->';
  it('replaces only between its markers, leaving other sections as they are', () => {
    const doc = `# Benchmarks\n\n<!-- eval:router:start -->\nrouter\n<!-- eval:router:end -->\n\n${S}\nold\n${E}\n\ntail\n`;
    const out = replaceSection(doc, S, E, 'new 表 🌸');
    expect(out).toBe(`# Benchmarks\n\n<!-- eval:router:start -->\nrouter\n<!-- eval:router:end -->\n\n${S}\nnew 表 🌸\n${E}\n\ntail\n`);
  });
  it('appends both markers when missing', () => {
    expect(replaceSection('# Benchmarks\n', S, E, 'x')).toBe(`# Benchmarks\n\n${S}\nx\n${E}\n`);
  });
});

describe('keyKind (soak memory by kind of key)', () => {
  it.each([
    ['p:comments:twitch-0f1e-22', 'comments:<id>'],
    ['p:posted:twitch:abc:answer', 'posted:<id>'],
    ['p:comments:de:twitch:botan_ch:9f8e', 'comments:de:<id>'],
    ['p:events', 'events'],
    ['p:comments:events', 'comments:events'],
    ['p:outbox:123', 'outbox:<n>'],
    ['p:latest:youtube:UCxyz', 'latest:<id>'],
  ])('%s → %s', (key, kind) => expect(keyKind('p', key)).toBe(kind));
});
