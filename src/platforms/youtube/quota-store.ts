import type { Redis } from 'ioredis';
import { nextPacificMidnight, pacificDay, takeInsert, type BucketParams, type BucketState, type TakeResult } from './quota.js';

/**
 * The day's quota in Redis, shared by every process of the deployment:
 * hash `<prefix>:youtube:quota:<YYYY-MM-DD Pacific>` with fields
 *   tokens, ts   the bucket level and when it was measured
 *   spent        units spent today (inserts, plus every read)
 *   reads        units spent today on reads (videos.list, videoCategories.list)
 *   exhausted    "1" once Google answered quotaExceeded today
 *   v            version for compare-and-set
 * It expires a day after its Pacific day ends. The bucket arithmetic is quota.ts (one
 * implementation); Redis only does an atomic compare-and-set of the result.
 */
const CAS = `
local v = redis.call('HGET', KEYS[1], 'v') or ''
if v ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'tokens', ARGV[2], 'ts', ARGV[3], 'spent', ARGV[4], 'v', tostring((tonumber(v) or 0) + 1))
redis.call('PEXPIREAT', KEYS[1], ARGV[5])
return 1
`;

/**
 * Count a read (units into both spent and reads). With a limit (ARGV[2] >= 0) the read is
 * refused (0) when it would take the day's reads past it; -1 when Google said quotaExceeded.
 */
const READ = `
if ARGV[2] ~= '-1' then
  if redis.call('HGET', KEYS[1], 'exhausted') == '1' then return -1 end
  local reads = tonumber(redis.call('HGET', KEYS[1], 'reads') or '0') or 0
  if reads + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return 0 end
end
redis.call('HINCRBY', KEYS[1], 'reads', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'spent', ARGV[1])
redis.call('HSET', KEYS[1], 'v', tostring((tonumber(redis.call('HGET', KEYS[1], 'v') or '0') or 0) + 1))
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return 1
`;

export type QuotaTake = TakeResult | { ok: false; reason: 'exceeded'; retryInMs: number };

export class QuotaStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly params: BucketParams,
  ) {}

  key(now: number): string {
    return `${this.prefix}:youtube:quota:${pacificDay(now)}`;
  }

  private expireAt(now: number): number {
    return nextPacificMidnight(now) + 86_400_000;
  }

  /** Spend one insert's units if the bucket and the day allow it. */
  async takeInsert(now: number): Promise<QuotaTake> {
    const key = this.key(now);
    for (let attempt = 0; attempt < 20; attempt++) {
      const h = await this.redis.hgetall(key);
      if (h.exhausted === '1') return { ok: false, reason: 'exceeded', retryInMs: nextPacificMidnight(now) - now };
      const spent = Number(h.spent ?? 0) || 0;
      const state: BucketState | undefined =
        h.tokens !== undefined && h.ts !== undefined ? { tokens: Number(h.tokens), ts: Number(h.ts), spent } : spent > 0 ? { tokens: this.params.capacity, ts: now, spent } : undefined;
      const result = takeInsert(state, now, this.params);
      if (!result.ok) return result;
      const s = result.state;
      const ok = await this.redis.eval(CAS, 1, key, h.v ?? '', String(s.tokens), String(s.ts), String(s.spent), String(this.expireAt(now)));
      if (ok === 1) return result;
    }
    // Heavy contention: refuse this once rather than spin; the caller drops or retries.
    return { ok: false, reason: 'burst', retryInMs: 1000, state: { tokens: 0, ts: now, spent: 0 } };
  }

  /** Count a read that has to happen (the live chat id before a first post). */
  async addRead(now: number, units: number): Promise<void> {
    await this.redis.eval(READ, 1, this.key(now), String(units), '-1', String(this.expireAt(now)));
  }

  /**
   * Count an optional read if the day's reads stay within `limit` units and Google has not
   * said quotaExceeded; otherwise do not make the call ('budget' or 'exceeded').
   */
  async takeRead(now: number, units: number, limit: number): Promise<'ok' | 'budget' | 'exceeded'> {
    const r = await this.redis.eval(READ, 1, this.key(now), String(units), String(Math.max(0, Math.floor(limit))), String(this.expireAt(now)));
    return r === 1 ? 'ok' : r === -1 ? 'exceeded' : 'budget';
  }

  /** Google said quotaExceeded: every process stops calling until the Pacific reset. */
  async markExceeded(now: number): Promise<void> {
    const key = this.key(now);
    await this.redis.multi().hset(key, 'exhausted', '1').pexpireat(key, this.expireAt(now)).exec();
  }

  async isExceeded(now: number): Promise<boolean> {
    return (await this.redis.hget(this.key(now), 'exhausted')) === '1';
  }
}
