/**
 * Forgetting a viewer: afterwards no key or value under the prefix holds what they said.
 * That is: their memory keys (thread, facts, vectors, last visit), their entries in every
 * channel list and hash (recent chat, exchanges, vectors), their jobs in every queue's kept
 * history (comments, slow, outbox, memory: waiting, delayed, completed, failed; an active
 * one is waited for, then removed), their replies held for approval, and their entries in
 * the events stream. The audit stream keeps moderators' actions about them (who blocked
 * whom, which reply was approved) but never their words.
 */
import { Queue, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { controlKeys } from '../controls/keys.js';
import { eventsKey } from '../events.js';
import { QUEUE } from '../queues.js';
import { deleteKeys } from '../redis.js';
import { viewerKeys as stateKeys } from '../viewer-state.js';
import { memoryKeys } from './keys.js';

/** The queues whose kept jobs can hold a viewer's words. */
export const MEMORY_QUEUE = 'memory';
const QUEUES = [QUEUE.comments, QUEUE.slow, QUEUE.outbox, MEMORY_QUEUE] as const;
const JOB_STATES = ['waiting', 'prioritized', 'delayed', 'completed', 'failed', 'active', 'waiting-children'] as const;

export interface ForgetReport {
  keys: number;
  channelEntries: number;
  jobs: number;
  events: number;
  approvals: number;
}

interface Who {
  platform: string;
  userId: string;
}

function holdsViewer(data: unknown, who: Who): boolean {
  const d = data as { comment?: { platform?: string; author?: { id?: string } }; exchange?: { platform?: string; userId?: string } } | undefined;
  if (d?.comment) return d.comment.platform === who.platform && d.comment.author?.id === who.userId;
  if (d?.exchange) return d.exchange.platform === who.platform && d.exchange.userId === who.userId;
  return false;
}

async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    out.push(...batch);
  } while (cursor !== '0');
  return out;
}

/** Remove the viewer's entries from the channel-level memory keys. */
async function forgetInChannels(redis: Redis, prefix: string, who: Who | undefined): Promise<number> {
  const keys = memoryKeys(prefix);
  let removed = 0;
  for (const key of await scanKeys(redis, keys.channelPattern)) {
    const type = await redis.type(key);
    if (type === 'list') {
      for (const v of await redis.lrange(key, 0, -1)) {
        let uid: string | undefined;
        try {
          uid = (JSON.parse(v) as { userId?: string }).userId;
        } catch {
          uid = undefined;
        }
        const platformOk = who ? key.startsWith(`${prefix}:mem:c:${who.platform}:`) : true;
        if (!who || (platformOk && uid === who.userId)) removed += await redis.lrem(key, 0, v);
      }
    } else if (type === 'hash' && who) {
      if (!key.startsWith(`${prefix}:mem:c:${who.platform}:`)) continue;
      let cursor = '0';
      do {
        const [next, flat] = await redis.hscan(key, cursor, 'MATCH', `${who.userId}:*`, 'COUNT', 500);
        cursor = next;
        const fields = flat.filter((_, i) => i % 2 === 0);
        if (fields.length) removed += await redis.hdel(key, ...fields);
      } while (cursor !== '0');
    }
  }
  return removed;
}

async function forgetJobs(connection: ConnectionOptions, prefix: string, who: Who, waitActiveMs: number): Promise<number> {
  let removed = 0;
  for (const name of QUEUES) {
    const q = new Queue(name, { connection, prefix });
    try {
      const deadline = Date.now() + waitActiveMs;
      for (;;) {
        const jobs = (await q.getJobs([...JOB_STATES], 0, -1)).filter((j) => j && holdsViewer(j.data, who));
        let busy = 0;
        for (const j of jobs) {
          try {
            await j.remove();
            removed++;
          } catch {
            busy++; // active (locked): wait for it to finish, then remove it from the history
          }
        }
        if (busy === 0 || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await q.close();
    }
  }
  return removed;
}

async function forgetEvents(redis: Redis, prefix: string, who: Who, names: readonly string[]): Promise<number> {
  const key = eventsKey(prefix);
  let removed = 0;
  let start = '-';
  for (;;) {
    const batch = (await redis.xrange(key, start, '+', 'COUNT', 1000)) as [string, string[]][];
    if (batch.length === 0) break;
    const drop: string[] = [];
    for (const [id, flat] of batch) {
      const f = new Map<string, string>();
      for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i]!, flat[i + 1]!);
      if (f.get('platform') !== who.platform) continue;
      if (f.get('uid') === who.userId || (!f.has('uid') && names.includes(f.get('user') ?? '\0'))) drop.push(id);
    }
    if (drop.length) removed += await redis.xdel(key, ...drop);
    if (batch.length < 1000) break;
    start = `(${batch[batch.length - 1]![0]}`;
  }
  return removed;
}

async function forgetApprovals(redis: Redis, prefix: string, who: Who): Promise<number> {
  const keys = controlKeys(prefix);
  let removed = 0;
  for (const key of await scanKeys(redis, keys.approvalItem('*'))) {
    const raw = await redis.get(key);
    let job: unknown;
    try {
      job = (JSON.parse(raw ?? 'null') as { job?: unknown } | null)?.job;
    } catch {
      continue;
    }
    if (!holdsViewer(job, who)) continue;
    const id = key.slice(keys.approvalItem('').length);
    await redis.multi().del(key).zrem(keys.approvalPending, id).exec();
    removed++;
  }
  return removed;
}

/**
 * Forget one viewer everywhere (see the module comment). `names`: their display names and
 * login, to find events written before events carried the user id.
 */
export async function forgetViewer(
  redis: Redis,
  connection: ConnectionOptions,
  prefix: string,
  who: Who,
  opts: { names?: readonly string[]; waitActiveMs?: number } = {},
): Promise<ForgetReport> {
  const keys = memoryKeys(prefix);
  const viewerKeys = keys.viewerAll(who.platform, who.userId);
  // names kept in their memory help find old events: read them before deleting
  const names = new Set(opts.names ?? []);
  for (const raw of await redis.lrange(viewerKeys[1]!, 0, -1)) {
    try {
      const e = JSON.parse(raw) as { name?: string; login?: string };
      if (e.name) names.add(e.name);
      if (e.login) names.add(e.login);
    } catch {
      // not ours
    }
  }
  const loginKeys: string[] = [];
  // their logins: memory's index, and the one kept with their cooldown and strikes (viewer-state.ts)
  for (const n of names) {
    for (const k of [keys.login(who.platform, n), stateKeys.login(prefix, who.platform, n)]) if ((await redis.get(k)) === who.userId) loginKeys.push(k);
  }
  const deleted = await redis.del(...viewerKeys, ...loginKeys);
  await redis.zrem(keys.viewerIndex, `${who.platform}:${who.userId}`);
  const channelEntries = await forgetInChannels(redis, prefix, who);
  const jobs = await forgetJobs(connection, prefix, who, opts.waitActiveMs ?? 15_000);
  const approvals = await forgetApprovals(redis, prefix, who);
  const events = await forgetEvents(redis, prefix, who, [...names]);
  // a job that finished while we worked may have written memory again: one more pass
  const again = await redis.del(...viewerKeys);
  const againChannel = await forgetInChannels(redis, prefix, who);
  return { keys: deleted + again, channelEntries: channelEntries + againChannel, jobs, events, approvals };
}

/** Forget every viewer's memory (botctl memory forget-all): every memory key goes. */
export async function forgetAll(redis: Redis, prefix: string): Promise<number> {
  const keys = await scanKeys(redis, memoryKeys(prefix).allPattern);
  await deleteKeys(redis, memoryKeys(prefix).allPattern);
  return keys.length;
}
