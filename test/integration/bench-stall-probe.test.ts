import { describe, expect, it } from 'vitest';
import { crossesStall, startStallProbe } from '../../bench/stall-probe.js';
import { preciseNow } from '../../test/fakes/clock.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the benchmark stall probe', () => {
  it('reports a moment its process could not run, on the caller\'s clock', async () => {
    const probe = await startStallProbe();
    await sleep(100);
    // nothing runs the probe for ~80 ms: what a stalled machine does to every process
    const from = preciseNow();
    process.kill(probe.pid, 'SIGSTOP');
    await sleep(80);
    process.kill(probe.pid, 'SIGCONT');
    const to = preciseNow();
    await sleep(100);
    const stalls = await probe.stop();
    const long = stalls.filter((s) => s.end - s.start >= 60);
    expect(long).toHaveLength(1);
    // the stall sits inside the window this process saw, give or take the 2 ms tick
    expect(long[0]!.start).toBeGreaterThanOrEqual(from - 3);
    expect(long[0]!.end).toBeLessThanOrEqual(to + 10);
    expect(crossesStall(stalls, from, to)).toBe(true);
    // stopping again gives the same answer (the scenario stops it once more in its finally)
    expect(await probe.stop()).toEqual(stalls);
  }, 10_000);

  it('an answer\'s window crosses a stall only when they overlap', () => {
    const stalls = [{ start: 100, end: 110 }];
    expect(crossesStall(stalls, 90, 101)).toBe(true);
    expect(crossesStall(stalls, 105, 106)).toBe(true);
    expect(crossesStall(stalls, 109, 130)).toBe(true);
    expect(crossesStall(stalls, 80, 100)).toBe(false);
    expect(crossesStall(stalls, 110, 120)).toBe(false);
    expect(crossesStall([], 0, 1e15)).toBe(false);
  });
});

describe('the fakes\' precise clock', () => {
  it('agrees with Date.now() and resolves below a millisecond', () => {
    const before = Date.now();
    const t = preciseNow();
    const after = Date.now();
    // Date.now() wanders against the monotonic clock by a couple of ms on this kind of VM
    expect(t).toBeGreaterThan(before - 5);
    expect(t).toBeLessThan(after + 5);
    const readings = Array.from({ length: 1000 }, () => preciseNow());
    for (let i = 1; i < readings.length; i++) expect(readings[i]!).toBeGreaterThanOrEqual(readings[i - 1]!);
    expect(readings.some((r) => !Number.isInteger(r))).toBe(true);
  });
});

describe('the fakes\' clock option (the benchmark passes preciseNow)', () => {
  it('stamps a chat request\'s arrival and end with the given clock', async () => {
    const { startFakeOllama } = await import('../../test/fakes/ollama.js');
    let tick = 1000.25;
    const ollama = await startFakeOllama({ clock: () => (tick += 1), ttftMs: 0 });
    try {
      const res = await fetch(`${ollama.host}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'qwen2.5:14b', messages: [{ role: 'user', content: 'hi' }], stream: false }) });
      expect(res.status).toBe(200);
      await res.text();
      await sleep(20);
      const [r] = ollama.requests;
      expect(r!.at).toBe(1001.25);
      expect(r!.endedAt! - r!.at).toBeGreaterThan(0);
      expect(Number.isInteger(r!.endedAt!)).toBe(false);
    } finally {
      await ollama.close();
    }
  });
});
