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

/** When a long outage is said again: 10 s, 30 s, 1 min after it began, then every minute. */
export const OUTAGE_REPEAT_MS = [10_000, 30_000, 60_000];
const OUTAGE_REPEAT_EVERY_MS = 60_000;

/** "45 s", "3 min 5 s". */
export function formatElapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
}

/**
 * Log an outage once at its start and once at its end, and while it lasts one line now and
 * then with the time it has lasted (a person watching the terminal sees the bot is waiting
 * for Redis, not stuck), never once per reconnect attempt.
 */
export function watchRedis(redis: Redis, log: Logger, where: string): void {
  let down = false;
  let since = 0;
  let timer: NodeJS.Timeout | undefined;
  const repeat = (i: number) => {
    const at = OUTAGE_REPEAT_MS[i] ?? OUTAGE_REPEAT_MS.at(-1)! + (i - OUTAGE_REPEAT_MS.length + 1) * OUTAGE_REPEAT_EVERY_MS;
    timer = setTimeout(() => {
      if (!down) return;
      const downMs = Date.now() - since;
      log.warn({ url: where, downMs }, `redis still unreachable at ${where} after ${formatElapsed(downMs)}; retrying (npm run doctor says how to start it)`);
      repeat(i + 1);
    }, Math.max(0, since + at - Date.now()));
    timer.unref();
  };
  redis.on('error', (err: NodeJS.ErrnoException) => {
    if (down) return;
    down = true;
    since = Date.now();
    log.warn({ url: where, code: err.code, error: err.message }, `redis unreachable at ${where} (${err.code ?? err.message}); retrying in the background`);
    repeat(0);
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    clearTimeout(timer);
    log.info({ url: where, downMs: Date.now() - since }, 'redis reconnected');
  });
  redis.on('end', () => clearTimeout(timer));
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
