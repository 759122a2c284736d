import { describe, expect, it } from 'vitest';
import {
  bucketParams,
  limitsFromBucket,
  msUntilPacificMidnight,
  nextPacificMidnight,
  pacificDay,
  takeInsert,
  type BucketState,
} from '../../src/platforms/youtube/quota.js';

const defaults = {
  YOUTUBE_QUOTA_PER_INSERT: 50,
  YOUTUBE_DAILY_QUOTA: 10_000,
  YOUTUBE_QUOTA_RESERVE: 500,
  YOUTUBE_BURST: 10,
  YOUTUBE_STREAM_HOURS: 4,
};

const H = 3_600_000;

describe('bucketParams', () => {
  it('defaults: 10-reply burst, the rest of (10,000 - 500) spread over 4 hours', () => {
    const p = bucketParams(defaults);
    expect(p).toMatchObject({ cost: 50, capacity: 500, dailyCap: 9500 });
    // 9000 units over 4 h: one insert every 80 s
    expect(50 / p.refillPerMs).toBeCloseTo(80_000, 0);
  });

  it('budget at or below the reserve: nothing to spend', () => {
    const p = bucketParams({ ...defaults, YOUTUBE_DAILY_QUOTA: 400 });
    expect(p.dailyCap).toBe(0);
    expect(takeInsert(undefined, 0, p)).toMatchObject({ ok: false, reason: 'daily' });
  });
});

describe('takeInsert', () => {
  const p = bucketParams(defaults);
  const t0 = Date.UTC(2024, 5, 20, 18, 0, 0); // 11:00 Pacific (PDT)

  function run(times: number[], start?: BucketState) {
    let s = start;
    return times.map((t) => {
      const r = takeInsert(s, t, p);
      s = r.state;
      return r.ok;
    });
  }

  it('a burst of 10 goes out at once, the 11th waits for the refill', () => {
    expect(run(Array.from({ length: 11 }, () => t0))).toEqual([...Array(10).fill(true), false]);
  });

  it('the refused one is told how long to wait, and succeeds after that wait', () => {
    let s: BucketState | undefined;
    for (let i = 0; i < 10; i++) s = takeInsert(s, t0, p).state;
    const refused = takeInsert(s, t0 + 1000, p);
    expect(refused).toMatchObject({ ok: false, reason: 'burst' });
    if (refused.ok) return;
    expect(refused.retryInMs).toBe(79_000);
    expect(takeInsert(refused.state, t0 + 1000 + refused.retryInMs - 1000, p).ok).toBe(false);
    expect(takeInsert(refused.state, t0 + 1000 + refused.retryInMs, p).ok).toBe(true);
  });

  it('steady pace: one per 80 s keeps going after the burst', () => {
    const times = [...Array.from({ length: 10 }, () => t0), ...Array.from({ length: 20 }, (_, i) => t0 + (i + 1) * 80_000)];
    expect(run(times).every(Boolean)).toBe(true);
  });

  it('the bucket never holds more than the burst, however long it rested', () => {
    let s: BucketState | undefined = { tokens: 0, ts: t0, spent: 0 };
    const results: boolean[] = [];
    for (let i = 0; i < 11; i++) {
      const r = takeInsert(s, t0 + 10 * H, p);
      s = r.state;
      results.push(r.ok);
    }
    expect(results.filter(Boolean)).toHaveLength(10);
  });

  it('the daily cap stops inserts until the Pacific reset, whatever the bucket holds', () => {
    const nearlyAll: BucketState = { tokens: 500, ts: t0, spent: 9450 };
    const ok = takeInsert(nearlyAll, t0, p);
    expect(ok.ok).toBe(true);
    const refused = takeInsert(ok.state, t0, p);
    expect(refused).toMatchObject({ ok: false, reason: 'daily' });
    if (!refused.ok) expect(t0 + refused.retryInMs).toBe(Date.UTC(2024, 5, 21, 7, 0, 0));
  });
});

describe('Pacific day and reset', () => {
  it.each([
    // [instant (UTC), Pacific day, next reset (UTC)]
    ['winter, PST (UTC-8)', Date.UTC(2024, 0, 15, 20, 0), '2024-01-15', Date.UTC(2024, 0, 16, 8, 0)],
    ['just before midnight PST', Date.UTC(2024, 0, 16, 7, 59, 59), '2024-01-15', Date.UTC(2024, 0, 16, 8, 0)],
    ['exactly midnight PST', Date.UTC(2024, 0, 16, 8, 0), '2024-01-16', Date.UTC(2024, 0, 17, 8, 0)],
    ['summer, PDT (UTC-7)', Date.UTC(2024, 6, 4, 6, 59), '2024-07-03', Date.UTC(2024, 6, 4, 7, 0)],
    ['UTC already next day, Pacific not', Date.UTC(2024, 6, 4, 3, 0), '2024-07-03', Date.UTC(2024, 6, 4, 7, 0)],
    ['day before spring forward: reset at PST midnight', Date.UTC(2024, 2, 9, 20, 0), '2024-03-09', Date.UTC(2024, 2, 10, 8, 0)],
    ['spring-forward day (23 h): reset at PDT midnight', Date.UTC(2024, 2, 10, 12, 0), '2024-03-10', Date.UTC(2024, 2, 11, 7, 0)],
    ['day before fall back: reset at PDT midnight', Date.UTC(2024, 10, 2, 20, 0), '2024-11-02', Date.UTC(2024, 10, 3, 7, 0)],
    ['fall-back day (25 h): reset at PST midnight', Date.UTC(2024, 10, 3, 12, 0), '2024-11-03', Date.UTC(2024, 10, 4, 8, 0)],
    ['new year in Pacific', Date.UTC(2025, 0, 1, 7, 30), '2024-12-31', Date.UTC(2025, 0, 1, 8, 0)],
  ])('%s', (_n, now, day, reset) => {
    expect(pacificDay(now)).toBe(day);
    expect(nextPacificMidnight(now)).toBe(reset);
    expect(msUntilPacificMidnight(now)).toBe(reset - now);
    expect(pacificDay(reset)).not.toBe(day);
    expect(pacificDay(reset - 1)).toBe(day);
  });

  it('a new Pacific day starts with a full bucket (the store keys state by day)', () => {
    const p = bucketParams(defaults);
    const lateNight = Date.UTC(2024, 0, 16, 7, 59);
    expect(pacificDay(lateNight)).not.toBe(pacificDay(lateNight + 2 * 60_000));
    // state undefined = first insert of the (new) day
    expect(takeInsert(undefined, lateNight + 2 * 60_000, p)).toMatchObject({ ok: true, state: { tokens: 450, spent: 50 } });
  });
});

describe('limitsFromBucket', () => {
  it.each([
    ['defaults', defaults, { max: 10, windowMs: 800_000, minSpacingMs: 1000 }],
    ['20-unit inserts, burst 5', { ...defaults, YOUTUBE_QUOTA_PER_INSERT: 20, YOUTUBE_BURST: 5 }, { max: 5, windowMs: Math.ceil((100 * 4 * H) / 9400), minSpacingMs: 1000 }],
    ['no refill left: one burst a day', { ...defaults, YOUTUBE_DAILY_QUOTA: 1000 }, { max: 10, windowMs: 86_400_000, minSpacingMs: 1000 }],
  ])('%s', (_n, s, expected) => {
    expect(limitsFromBucket(bucketParams(s))).toEqual(expected);
  });
});
