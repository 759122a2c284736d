/**
 * The stream's title and category as the platform reports them, shared by every process in
 * one Redis hash per channel (`streamInfo` in keys.ts): the gateway writes it, whichever
 * worker builds a prompt reads it. Both values are untrusted text from the platform: one
 * line, at most STREAM_INFO_MAX_CHARS code points, quoted when they go into a prompt.
 */
import type { Redis } from 'ioredis';
import { sanitizeComment } from '../reply/safety.js';
import type { Platform } from '../types.js';
import { memoryKeys } from './keys.js';
import type { StreamInfo } from './types.js';

/** Longest title or category kept (code points). */
export const STREAM_INFO_MAX_CHARS = 200;
/**
 * How long a read stays in Redis. Longer than any refresh interval, so a value stays while
 * reads fail for a while (the last good value is kept), short enough that a stream's title is
 * gone some hours after the bot stopped reading it.
 */
export const STREAM_INFO_TTL_S = 6 * 3600;

/** One line (line breaks, control and invisible characters dropped), capped; empty → undefined. */
export function cleanStreamText(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const s = sanitizeComment(raw, STREAM_INFO_MAX_CHARS);
  return s === '' ? undefined : s;
}

/**
 * Replace the channel's stream info (a field the platform no longer reports is removed) and
 * renew its TTL, in one transaction.
 */
export async function writeStreamInfo(
  redis: Redis,
  prefix: string,
  platform: Platform | string,
  channel: string,
  info: { title?: unknown; category?: unknown },
  at: number,
): Promise<StreamInfo> {
  const key = memoryKeys(prefix).streamInfo(platform, channel);
  const title = cleanStreamText(info.title);
  const category = cleanStreamText(info.category);
  const fields: Record<string, string> = { at: String(at) };
  if (title !== undefined) fields.title = title;
  if (category !== undefined) fields.category = category;
  await redis.multi().del(key).hset(key, fields).expire(key, STREAM_INFO_TTL_S).exec();
  return { ...(title !== undefined ? { title } : {}), ...(category !== undefined ? { category } : {}), at };
}

/** The channel's stream info, or undefined when nothing was read (or it expired). */
export async function readStreamInfo(redis: Redis, prefix: string, platform: Platform | string, channel: string): Promise<StreamInfo | undefined> {
  const h = await redis.hgetall(memoryKeys(prefix).streamInfo(platform, channel));
  const at = Number(h.at);
  if (!h.at || !Number.isFinite(at)) return undefined;
  // cleaned again: the hash may have been written by hand or by an older version
  const title = cleanStreamText(h.title);
  const category = cleanStreamText(h.category);
  if (title === undefined && category === undefined) return undefined;
  return { ...(title !== undefined ? { title } : {}), ...(category !== undefined ? { category } : {}), at };
}
