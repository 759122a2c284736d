import { Redis } from 'ioredis';
import type { Logger } from './log.js';
import { maskUrl } from './log.js';

/**
 * One Redis connection for a process (queues share it; BullMQ workers duplicate it for
 * their blocking reads). Reconnects forever with capped backoff; an outage is logged
 * once when it starts and once when it ends, not once per attempt.
 */
export function createRedis(url: string, logger: Logger): Redis {
  const log = logger.child({ component: 'redis' });
  const redis = new Redis(url, {
    // BullMQ workers need blocking commands that wait through reconnects.
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(200 * 2 ** Math.min(times, 6), 5_000),
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
    lazyConnect: false,
  });
  watchRedis(redis, log, maskUrl(url));
  return redis;
}

/** Log an outage once at its start and once at its end. Also used for BullMQ's own duplicates. */
export function watchRedis(redis: Redis, log: Logger, where: string): void {
  let down = false;
  let since = 0;
  redis.on('error', (err: NodeJS.ErrnoException) => {
    if (down) return;
    down = true;
    since = Date.now();
    log.warn({ url: where, code: err.code, error: err.message }, 'redis unreachable; retrying in the background');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    log.info({ url: where, downMs: Date.now() - since }, 'redis reconnected');
  });
}

/** Every key matching a pattern, by SCAN (never KEYS, which blocks Redis), sorted. */
export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out.sort();
}

/** Delete every key matching a pattern, batch by batch as SCAN finds them. */
export async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}
