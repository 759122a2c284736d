import { describe, expect, it } from 'vitest';
import { createPacer, earliestSend, PRIORITY_COMMAND } from '../../src/platforms/pacer.js';
import type { ChannelLimits } from '../../src/platforms/port.js';

/** A virtual clock: `sleep` waits on it, `advance` moves it and wakes sleepers in order. */
function virtualClock() {
  let t = 0;
  let seq = 0;
  const timers: { at: number; seq: number; resolve: () => void }[] = [];
  const flush = () => new Promise<void>((r) => setImmediate(r));
  return {
    now: () => t,
    sleep(ms: number, signal?: AbortSignal): Promise<void> {
      return new Promise<void>((resolve) => {
        const timer = { at: t + ms, seq: seq++, resolve };
        timers.push(timer);
        signal?.addEventListener(
          'abort',
          () => {
            const i = timers.indexOf(timer);
            if (i !== -1) timers.splice(i, 1);
            resolve();
          },
          { once: true },
        );
      });
    },
    async advance(ms: number): Promise<void> {
      const target = t + ms;
      for (;;) {
        await flush();
        timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
        const next = timers[0];
        if (!next || next.at > target) break;
        timers.shift();
        t = next.at;
        next.resolve();
      }
      t = target;
      await flush();
    },
  };
}

const NON_MOD: ChannelLimits = { max: 20, windowMs: 30_000, minSpacingMs: 1000 };
const FAR = Number.MAX_SAFE_INTEGER;

/** Largest number of grants in any half-open window (t - windowMs, t]. */
function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  for (const t of times) best = Math.max(best, times.filter((u) => u > t - windowMs && u <= t).length);
  return best;
}

function setup() {
  const clock = virtualClock();
  const pacer = createPacer({ now: clock.now, sleep: clock.sleep });
  const log: { label: string; ok: boolean; at: number }[] = [];
  const acquire = (label: string, limits: ChannelLimits, deadline = FAR, signal?: AbortSignal, key = 'twitch:chan') =>
    pacer.acquire(key, limits, deadline, signal).then((ok) => {
      log.push({ label, ok, at: clock.now() });
      return ok;
    });
  const granted = () => log.filter((l) => l.ok).map((l) => l.at);
  return { clock, pacer, log, acquire, granted };
}

describe('pacer', () => {
  it('spaces sends by minSpacingMs', async () => {
    const { clock, acquire, granted } = setup();
    for (let i = 0; i < 5; i++) void acquire(`m${i}`, NON_MOD);
    await clock.advance(10_000);
    expect(granted()).toEqual([0, 1000, 2000, 3000, 4000]);
  });

  it('never lets more than max through in any window', async () => {
    const { clock, acquire, granted } = setup();
    const limits = { max: 3, windowMs: 10_000, minSpacingMs: 0 };
    for (let i = 0; i < 7; i++) void acquire(`m${i}`, limits);
    await clock.advance(60_000);
    expect(granted()).toEqual([0, 0, 0, 10_000, 10_000, 10_000, 20_000]);
    expect(maxInWindow(granted(), 10_000)).toBe(3);
  });

  it.each([
    ['non-moderator', NON_MOD],
    ['moderator', { max: 100, windowMs: 30_000, minSpacingMs: 100 }],
    ['override 5/10 s', { max: 5, windowMs: 10_000, minSpacingMs: 1000 }],
  ])('holds the window and spacing under a random burst (%s)', async (_n, limits) => {
    const { clock, acquire, granted } = setup();
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let step = 0; step < 400; step++) {
      const burst = Math.floor(rand() * 4);
      for (let i = 0; i < burst; i++) void acquire(`s${step}.${i}`, limits, clock.now() + 5000);
      await clock.advance(Math.floor(rand() * 400));
    }
    await clock.advance(120_000);
    const times = granted();
    expect(times.length).toBeGreaterThan(limits.max);
    expect(maxInWindow(times, limits.windowMs)).toBeLessThanOrEqual(limits.max);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(limits.minSpacingMs);
  });

  it('answers false for a deadline it cannot meet, without recording a send', async () => {
    const { clock, acquire, log } = setup();
    const limits = { max: 1, windowMs: 10_000, minSpacingMs: 0 };
    void acquire('first', limits);
    void acquire('too-late', limits, 5000);
    void acquire('patient', limits);
    await clock.advance(30_000);
    expect(log).toEqual([
      { label: 'first', ok: true, at: 0 },
      { label: 'too-late', ok: false, at: 0 },
      { label: 'patient', ok: true, at: 10_000 },
    ]);
  });

  it('fails a queued waiter whose deadline falls before its turn', async () => {
    const { clock, acquire, log } = setup();
    void acquire('a', NON_MOD);
    void acquire('b', NON_MOD, FAR);
    void acquire('c', NON_MOD, 1500); // after b at 1000, c could go at 2000 at the earliest
    void acquire('d', NON_MOD, 2000); // and d then takes 2000
    await clock.advance(5000);
    expect(log.map((l) => `${l.label}:${l.ok}@${l.at}`)).toEqual(['a:true@0', 'c:false@0', 'b:true@1000', 'd:true@2000']);
  });

  it('a deadline in the past or an aborted signal answers false at once', async () => {
    const { clock, pacer } = setup();
    await clock.advance(1000);
    await expect(pacer.acquire('k', NON_MOD, 999)).resolves.toBe(false);
    await expect(pacer.acquire('k', NON_MOD, FAR, AbortSignal.abort())).resolves.toBe(false);
    await expect(pacer.acquire('k', NON_MOD, FAR)).resolves.toBe(true);
  });

  it('serves waiters in arrival order (FIFO), even with different deadlines', async () => {
    const { clock, acquire, log } = setup();
    const labels = ['one', 'two', 'three', 'four', 'five', 'six'];
    labels.forEach((l, i) => void acquire(l, { max: 2, windowMs: 3000, minSpacingMs: 100 }, 100_000 - i * 1000));
    await clock.advance(20_000);
    expect(log.map((l) => l.label)).toEqual(labels);
    expect(log.every((l) => l.ok)).toBe(true);
  });

  it("a moderator's command confirmation goes before the answers already waiting, within the same limits", async () => {
    const { clock, pacer, acquire, log, granted } = setup();
    const limits = { max: 2, windowMs: 3000, minSpacingMs: 100 };
    // the budget is spent: two answers out, three more waiting
    for (const l of ['a1', 'a2', 'a3', 'a4', 'a5']) void acquire(l, limits);
    await clock.advance(150);
    expect(log.map((l) => l.label)).toEqual(['a1', 'a2']);
    void pacer.acquire('twitch:chan', limits, FAR, undefined, PRIORITY_COMMAND).then((ok) => log.push({ label: 'cmd', ok, at: clock.now() }));
    await clock.advance(20_000);
    expect(log.map((l) => l.label)).toEqual(['a1', 'a2', 'cmd', 'a3', 'a4', 'a5']);
    // the command took an answer's slot, not an extra one
    expect(maxInWindow(granted(), limits.windowMs)).toBe(2);
  });

  it('an abort while waiting resolves false promptly and frees the slot', async () => {
    const { clock, acquire, log } = setup();
    const ctrl = new AbortController();
    void acquire('first', NON_MOD);
    void acquire('aborted', NON_MOD, FAR, ctrl.signal);
    void acquire('next', NON_MOD);
    await clock.advance(300);
    ctrl.abort();
    await clock.advance(0);
    expect(log.map((l) => `${l.label}:${l.ok}@${l.at}`)).toEqual(['first:true@0', 'aborted:false@300']);
    await clock.advance(5000);
    expect(log.at(-1)).toEqual({ label: 'next', ok: true, at: 1000 });
  });

  it('a send given back (the message was dropped unsent) no longer holds the next one back', async () => {
    const { clock, pacer, acquire, log } = setup();
    const first = await pacer.acquireAt('twitch:chan', NON_MOD, FAR);
    expect(first).toBe(0);
    void acquire('next', NON_MOD);
    void acquire('after', NON_MOD);
    await clock.advance(200);
    expect(log).toEqual([]);
    pacer.giveBack('twitch:chan', first!);
    await clock.advance(0);
    // served at once, and the one after it is spaced from it, not from the given-back send
    expect(log.map((l) => `${l.label}@${l.at}`)).toEqual(['next@200']);
    await clock.advance(5000);
    expect(log.map((l) => `${l.label}@${l.at}`)).toEqual(['next@200', 'after@1200']);
  });

  it('giving back frees the window too, and an unknown send or key is ignored', async () => {
    const { clock, pacer, acquire, log } = setup();
    const limits = { max: 1, windowMs: 10_000, minSpacingMs: 0 };
    const first = await pacer.acquireAt('twitch:chan', limits, FAR);
    pacer.giveBack('twitch:chan', 12345);
    pacer.giveBack('twitch:other', first!);
    void acquire('waiting', limits);
    await clock.advance(3000);
    expect(log).toEqual([]);
    pacer.giveBack('twitch:chan', first!);
    await clock.advance(0);
    expect(log).toEqual([{ label: 'waiting', ok: true, at: 3000 }]);
  });

  it('keeps keys independent', async () => {
    const { clock, acquire, log } = setup();
    void acquire('a1', NON_MOD, FAR, undefined, 'twitch:a');
    void acquire('b1', NON_MOD, FAR, undefined, 'twitch:b');
    void acquire('a2', NON_MOD, FAR, undefined, 'twitch:a');
    await clock.advance(2000);
    expect(log.map((l) => `${l.label}@${l.at}`)).toEqual(['a1@0', 'b1@0', 'a2@1000']);
  });

  it('works on the real clock by default', async () => {
    const pacer = createPacer();
    const limits = { max: 10, windowMs: 1000, minSpacingMs: 40 };
    const t0 = Date.now();
    const results = await Promise.all([0, 1, 2].map(() => pacer.acquire('k', limits, t0 + 5000)));
    expect(results).toEqual([true, true, true]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(75);
  });

  it.each([
    [[], 5, 5],
    [[0], 5, 1000],
    [[0, 1000], 1500, 2000],
  ])('earliestSend(%j, now=%d) = %d for non-moderator limits', (sends, now, expected) => {
    expect(earliestSend(sends, NON_MOD, now)).toBe(expected);
  });
});
