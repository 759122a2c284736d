/**
 * Message budgets a platform counts per ACCOUNT, across every channel and every gateway
 * process: sliding windows in Redis, checked and taken atomically by one Lua script on
 * Redis's own clock (gateways on several hosts agree on it). Twitch keeps two per account
 * (pajbot/tmi-rate-limits, from Twitch staff): every message takes a token from a 100/30 s
 * bucket, one sent where the bot is neither moderator nor broadcaster also from a 20/30 s one.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** One bucket a message takes a token from. */
export interface Bucket {
  /** Stable name within the deployment, e.g. `twitch:botan_bot:user`. */
  name: string;
  max: number;
  windowMs: number;
}

/**
 * KEYS: bucket keys. ARGV[1]: member (unique per take), then max and windowMs per key.
 * Returns 0 when a token was taken from every bucket, else the ms to wait (nothing taken).
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
for i, k in ipairs(KEYS) do
  local max = tonumber(ARGV[i * 2])
  local win = tonumber(ARGV[i * 2 + 1])
  redis.call('ZREMRANGEBYSCORE', k, '-inf', now - win)
  local n = redis.call('ZCARD', k)
  if n >= max then
    local edge = redis.call('ZRANGE', k, n - max, n - max, 'WITHSCORES')
    local w = tonumber(edge[2]) + win - now + 1
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
for i, k in ipairs(KEYS) do
  redis.call('ZADD', k, now, ARGV[1])
  redis.call('PEXPIRE', k, tonumber(ARGV[i * 2 + 1]))
end
return 0
`;

export interface AccountBudget {
  /**
   * Take one token from every bucket, waiting while any is empty. Returns the take's id, or
   * undefined (nothing taken) when that would be after `deadline` (epoch ms) or `signal` aborts.
   */
  take(buckets: readonly Bucket[], deadline: number, signal?: AbortSignal): Promise<string | undefined>;
  /**
   * Return a take whose message was never sent (a reply dropped after its token was taken):
   * the platform never counted it, so other replies may use it.
   */
  giveBack(buckets: readonly Bucket[], taken: string): Promise<void>;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export function createAccountBudget(redis: Redis, prefix: string, now: () => number = Date.now): AccountBudget {
  const member = randomBytes(4).toString('hex');
  let seq = 0;
  const keyOf = (b: Bucket) => `${prefix}:budget:${b.name}`;
  return {
    async take(buckets, deadline, signal) {
      const id = `${member}:${seq++}`;
      if (buckets.length === 0) return id;
      const keys = buckets.map(keyOf);
      const args = buckets.flatMap((b) => [String(b.max), String(b.windowMs)]);
      for (;;) {
        if (signal?.aborted || now() > deadline) return undefined;
        const wait = Number(await redis.eval(TAKE, keys.length, ...keys, id, ...args));
        if (wait <= 0) return id;
        if (now() + wait > deadline) return undefined;
        await sleep(wait, signal);
      }
    },
    async giveBack(buckets, taken) {
      if (buckets.length === 0) return;
      await Promise.all(buckets.map((b) => redis.zrem(keyOf(b), taken)));
    },
  };
}
