import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { controlKeys, SET_NAMES } from './controls/keys.js';
import { deleteKeys, scanKeys } from './redis.js';

/**
 * A private key prefix for console chat and replay: their comments never mix with a live
 * bot's queues on the same Redis, while the moderators' current controls (global and
 * per-channel hashes, the four sets) are copied in so the run behaves like the live bot.
 */
export async function createSandbox(redis: Redis, base: string, tag: 'console' | 'replay', copyControls = true): Promise<{ prefix: string; drop(): Promise<void> }> {
  const prefix = `${base}-${tag}-${randomBytes(3).toString('hex')}`;
  if (!copyControls) return { prefix, drop: () => deleteKeys(redis, `${prefix}:*`) };
  const from = controlKeys(base);
  const to = controlKeys(prefix);
  const hashes = [from.routing, ...(await scanKeys(redis, from.channelPattern)).filter((k) => from.parseChannelKey(k))];
  for (const key of hashes) {
    const h = await redis.hgetall(key);
    if (Object.keys(h).length) await redis.hset(prefix + key.slice(base.length), h);
  }
  for (const name of SET_NAMES) {
    const members = await redis.smembers(from.sets[name]);
    if (members.length) await redis.sadd(to.sets[name], ...members);
  }
  return {
    prefix,
    drop: () => deleteKeys(redis, `${prefix}:*`),
  };
}
