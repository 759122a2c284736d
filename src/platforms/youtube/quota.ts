/**
 * The YouTube Data API daily quota, spent like a token bucket. Pure functions of their
 * inputs (pass `now`); quota-store.ts keeps the state in Redis.
 *
 * - The bucket holds up to `burst` inserts' worth of units and starts each Pacific day full,
 *   so a burst of replies goes out at once.
 * - It refills at a steady rate that spreads the rest of the day's usable budget
 *   (daily - reserve - burst) over the expected stream length.
 * - Whatever the bucket says, inserts never spend more than (daily - reserve) units in one
 *   Pacific day; the reserve is left for videos.list and anything else.
 * YouTube resets the quota at midnight America/Los_Angeles, across DST changes too.
 */

export const PACIFIC_TZ = 'America/Los_Angeles';
const DAY_MS = 86_400_000;

export interface BucketParams {
  /** Units one insert costs. */
  cost: number;
  /** Bucket size in units (burst inserts × cost). */
  capacity: number;
  /** Units added per millisecond. */
  refillPerMs: number;
  /** Most units inserts may spend in one Pacific day. */
  dailyCap: number;
}

export interface BucketState {
  /** Units in the bucket at `ts`. */
  tokens: number;
  /** When `tokens` was measured (epoch ms). */
  ts: number;
  /** Units spent so far this Pacific day. */
  spent: number;
}

export type TakeResult =
  | { ok: true; state: BucketState }
  /** `daily`: nothing left until the Pacific reset; `burst`: wait `retryInMs` for the refill. */
  | { ok: false; reason: 'daily' | 'burst'; retryInMs: number; state: BucketState };

export interface QuotaSettings {
  YOUTUBE_QUOTA_PER_INSERT: number;
  YOUTUBE_DAILY_QUOTA: number;
  YOUTUBE_QUOTA_RESERVE: number;
  YOUTUBE_BURST: number;
  YOUTUBE_STREAM_HOURS: number;
}

export function bucketParams(s: QuotaSettings): BucketParams {
  const cost = s.YOUTUBE_QUOTA_PER_INSERT;
  const dailyCap = Math.max(0, s.YOUTUBE_DAILY_QUOTA - s.YOUTUBE_QUOTA_RESERVE);
  const capacity = Math.min(s.YOUTUBE_BURST * cost, dailyCap);
  const rest = Math.max(0, dailyCap - capacity);
  return { cost, capacity, dailyCap, refillPerMs: rest / (s.YOUTUBE_STREAM_HOURS * 3_600_000) };
}

/** Bucket level at `now` (the refill is computed lazily from the last measurement). */
export function refill(state: BucketState, now: number, p: BucketParams): BucketState {
  const elapsed = Math.max(0, now - state.ts);
  return { tokens: Math.min(p.capacity, state.tokens + elapsed * p.refillPerMs), ts: Math.max(now, state.ts), spent: state.spent };
}

/** Try to spend one insert. `state` undefined: first insert of the Pacific day (full bucket). */
export function takeInsert(state: BucketState | undefined, now: number, p: BucketParams): TakeResult {
  const current = refill(state ?? { tokens: p.capacity, ts: now, spent: 0 }, now, p);
  if (current.spent + p.cost > p.dailyCap) {
    return { ok: false, reason: 'daily', retryInMs: msUntilPacificMidnight(now), state: current };
  }
  // A tiny epsilon absorbs floating-point dust from the refill arithmetic.
  if (current.tokens + 1e-9 < p.cost) {
    const retryInMs = p.refillPerMs > 0 ? Math.ceil((p.cost - current.tokens) / p.refillPerMs) : msUntilPacificMidnight(now);
    return { ok: false, reason: 'burst', retryInMs, state: current };
  }
  return { ok: true, state: { tokens: current.tokens - p.cost, ts: current.ts, spent: current.spent + p.cost } };
}

/**
 * Posting limits that match the bucket: a burst of `burst` replies, then the time the
 * bucket needs to refill that burst; plus 1 s between two messages so a burst is not a
 * wall of text in the chat. Without refill (tiny budget) the window is a whole day.
 */
export const YOUTUBE_MIN_SPACING_MS = 1000;
export function limitsFromBucket(p: BucketParams): { max: number; windowMs: number; minSpacingMs: number } {
  const max = Math.max(1, Math.floor(p.capacity / p.cost));
  const windowMs = p.refillPerMs > 0 ? Math.ceil((max * p.cost) / p.refillPerMs) : DAY_MS;
  return { max, windowMs, minSpacingMs: YOUTUBE_MIN_SPACING_MS };
}

const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: PACIFIC_TZ, year: 'numeric', month: '2-digit', day: '2-digit' });
const partsFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: PACIFIC_TZ,
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});

/** The Pacific calendar day of an instant, "YYYY-MM-DD": the quota key's day. */
export function pacificDay(now: number): string {
  return dayFormat.format(new Date(now));
}

/** Offset of Pacific wall-clock time from UTC at an instant (ms; -8 h in winter, -7 h in summer). */
function pacificOffsetMs(instant: number): number {
  const parts = Object.fromEntries(partsFormat.formatToParts(new Date(instant)).map((x) => [x.type, x.value]));
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The next midnight in Los Angeles after `now` (epoch ms): YouTube's daily quota reset. */
export function nextPacificMidnight(now: number): number {
  const [y, m, d] = pacificDay(now).split('-').map(Number) as [number, number, number];
  const wallMidnight = Date.UTC(y, m - 1, d + 1);
  // Pacific midnight never falls in a DST gap (changes happen at 02:00), so one correction
  // with the offset at the candidate instant is exact.
  let guess = wallMidnight - pacificOffsetMs(wallMidnight);
  guess = wallMidnight - pacificOffsetMs(guess);
  return guess;
}

export function msUntilPacificMidnight(now: number): number {
  return nextPacificMidnight(now) - now;
}
