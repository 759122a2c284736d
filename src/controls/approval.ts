/**
 * Approval mode: when the `approval` control is on, the gateway holds each answer here
 * instead of posting it; a moderator lists them (`botctl pending`) and approves or rejects
 * each by its short id. A held reply expires after APPROVAL_TTL_S.
 *
 * Keys: `<prefix>:approval:item:<id>` (JSON, with a TTL) and `<prefix>:approval:pending`
 * (sorted set of ids scored by expiry, for listing).
 */
import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { commentJobId, outboxJobSchema, type OutboxJob } from '../queues.js';
import { controlKeys } from './keys.js';

/** An approved reply may still be posted this long after approval, even past its deadline. */
export const APPROVED_POST_WINDOW_MS = 60_000;

export interface PendingReply {
  id: string;
  job: OutboxJob;
  /** Epoch ms. */
  heldAt: number;
  expiresAt: number;
}

// No 0/o, 1/l/i: ids are read off a screen and typed by hand.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const ID_LEN = 6;

function idsFor(job: OutboxJob): string[] {
  const digest = createHash('sha256').update(`${job.kind}\0${job.comment.platform}\0${job.comment.channel}\0${job.comment.id}`).digest();
  const ids: string[] = [];
  // a few candidates in case two held replies ever share the first one
  for (let k = 0; k < 4; k++) {
    let s = '';
    for (let i = 0; i < ID_LEN; i++) s += ALPHABET[(digest[k * ID_LEN + i] as number) % ALPHABET.length];
    ids.push(s);
  }
  return ids;
}

const sameComment = (a: OutboxJob, b: OutboxJob): boolean =>
  a.kind === b.kind && a.comment.platform === b.comment.platform && a.comment.channel === b.comment.channel && a.comment.id === b.comment.id;

function parseItem(raw: string | null): PendingReply | undefined {
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as { id: string; job: unknown; heldAt: number; expiresAt: number };
    const job = outboxJobSchema.safeParse(v.job);
    return job.success ? { id: v.id, job: job.data, heldAt: v.heldAt, expiresAt: v.expiresAt } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Hold a reply for a moderator. Returns its short id. Holding the same reply again (a
 * retried outbox job) returns the same id and keeps the first expiry.
 */
export async function holdForApproval(redis: Redis, prefix: string, job: OutboxJob, ttlS: number, now = Date.now()): Promise<string> {
  const keys = controlKeys(prefix);
  const expiresAt = now + ttlS * 1000;
  const candidates = idsFor(job);
  for (const id of candidates) {
    const item: PendingReply = { id, job: { ...job, approved: undefined }, heldAt: now, expiresAt };
    const ok = await redis.set(keys.approvalItem(id), JSON.stringify(item), 'PX', ttlS * 1000, 'NX');
    if (ok === 'OK') {
      await redis.multi().zadd(keys.approvalPending, expiresAt, id).zremrangebyscore(keys.approvalPending, '-inf', now).exec();
      return id;
    }
    const existing = parseItem(await redis.get(keys.approvalItem(id)));
    if (!existing || sameComment(existing.job, job)) return id;
  }
  throw new Error(`approval ids exhausted for comment ${job.comment.id}`);
}

/** Replies waiting for a moderator, the one expiring first first. */
export async function listPending(redis: Redis, prefix: string, now = Date.now()): Promise<PendingReply[]> {
  const keys = controlKeys(prefix);
  await redis.zremrangebyscore(keys.approvalPending, '-inf', now);
  const ids = await redis.zrange(keys.approvalPending, 0, -1);
  if (ids.length === 0) return [];
  const raws = await redis.mget(ids.map((id) => keys.approvalItem(id)));
  return raws.map(parseItem).filter((p): p is PendingReply => p !== undefined);
}

/** Take a pending reply out (atomically: two moderators cannot both take it). */
async function take(redis: Redis, prefix: string, id: string): Promise<PendingReply | false> {
  const keys = controlKeys(prefix);
  const clean = id.trim().toLowerCase();
  if (!/^[a-z0-9]{1,32}$/.test(clean)) return false;
  const raw = await redis.getdel(keys.approvalItem(clean));
  await redis.zrem(keys.approvalPending, clean);
  return parseItem(raw) ?? false;
}

/** The outbox job id of an approved reply: one per comment and kind, so a double approve posts once. */
export function approvedJobId(job: OutboxJob): string {
  return `approved-${commentJobId(job.comment)}-${job.kind}`;
}

/**
 * Send a held reply to the outbox, marked approved. Returns the reply, or false when the
 * id is unknown, already handled or expired. The reply's deadline is extended so that it
 * can still be posted right after approval.
 */
export async function approve(redis: Redis, prefix: string, outbox: Queue<OutboxJob>, id: string, now = Date.now()): Promise<PendingReply | false> {
  const item = await take(redis, prefix, id);
  if (!item) return false;
  const job: OutboxJob = { ...item.job, approved: true, deadline: Math.max(item.job.deadline, now + APPROVED_POST_WINDOW_MS) };
  try {
    await outbox.add(job.kind, job, { jobId: approvedJobId(item.job), attempts: 5, backoff: { type: 'exponential', delay: 1000 } });
  } catch (err) {
    // put it back so the moderator can try again
    const ttl = item.expiresAt - now;
    if (ttl > 0) {
      const keys = controlKeys(prefix);
      await redis.multi().set(keys.approvalItem(item.id), JSON.stringify(item), 'PX', ttl).zadd(keys.approvalPending, item.expiresAt, item.id).exec();
    }
    throw err;
  }
  return item;
}

/** Drop a held reply. Returns it, or false when the id is unknown, already handled or expired. */
export async function reject(redis: Redis, prefix: string, id: string): Promise<PendingReply | false> {
  return take(redis, prefix, id);
}
