/**
 * botctl status: effective settings (global and each channel with overrides, and where
 * each value comes from), queue depths and oldest waiting job, live workers, replies in
 * the last minute per route, replies waiting for approval.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { listPending } from '../../controls/approval.js';
import { SET_NAMES } from '../../controls/keys.js';
import { heartbeatPattern } from '../../heartbeat.js';
import { QUEUE } from '../../queues.js';
import { scanKeys } from '../../redis.js';
import { EXIT_OK, type Ctx } from '../context.js';
import { badText, parseChannel, readScope, settingsText, type ScopeView, type Target } from '../scope.js';

interface QueueStatus {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  oldestWaitingMs: number | null;
}

async function queueStatus(redis: Redis, prefix: string, name: string, now: number): Promise<QueueStatus> {
  const q = new Queue(name, { connection: redis, prefix });
  try {
    const c = await q.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
    const oldest = [...(await q.getJobs(['waiting'], 0, 0, true)), ...(await q.getJobs(['prioritized'], 0, 199, true))]
      .map((j) => j.timestamp)
      .filter((t) => Number.isFinite(t));
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      failed: c.failed ?? 0,
      oldestWaitingMs: oldest.length ? now - Math.min(...oldest) : null,
    };
  } finally {
    await q.close();
  }
}

interface Worker {
  role: string;
  host: string;
  pid: number;
  lastBeatMs: number | null;
  /** Models this worker is still loading. */
  loading: { model: string; elapsedMs: number }[];
}

async function workers(redis: Redis, prefix: string, now: number): Promise<Worker[]> {
  const keys = await scanKeys(redis, heartbeatPattern(prefix));
  if (keys.length === 0) return [];
  const values = await redis.mget(keys);
  return keys.map((key, i) => {
    const [role = '?', host = '?', pid = '0'] = key.slice(`${prefix}:heartbeat:`.length).split(':');
    let at: number | null = null;
    let loading: Worker['loading'] = [];
    try {
      const v = JSON.parse(values[i] ?? '{}') as { at?: number; loading?: unknown };
      at = Number(v.at) || null;
      if (Array.isArray(v.loading)) loading = v.loading.filter((l): l is Worker['loading'][number] => typeof l?.model === 'string' && typeof l?.elapsedMs === 'number');
    } catch {
      // a heartbeat value we cannot read still means the process is alive
    }
    return { role, host, pid: Number(pid), lastBeatMs: at === null ? null : now - at, loading };
  });
}

interface RouteStats {
  replies: number;
  avgLatencyMs: number | null;
}

async function lastMinute(redis: Redis, eventsKey: string, now: number) {
  const rows = await redis.xrange(eventsKey, String(now - 60_000), '+', 'COUNT', 50_000);
  const byRoute: Record<string, { n: number; sum: number; timed: number }> = {};
  const counts: Record<string, number> = {};
  for (const [, flat] of rows) {
    const e: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) e[flat[i] as string] = flat[i + 1] as string;
    const type = e.type ?? '?';
    counts[type] = (counts[type] ?? 0) + 1;
    if (type !== 'reply') continue;
    const r = (byRoute[e.route ?? '?'] ??= { n: 0, sum: 0, timed: 0 });
    r.n++;
    const lat = Number(e.latency_ms);
    if (e.latency_ms !== undefined && Number.isFinite(lat)) {
      r.sum += lat;
      r.timed++;
    }
  }
  const replies: Record<string, RouteStats> = {};
  for (const [route, r] of Object.entries(byRoute)) replies[route] = { replies: r.n, avgLatencyMs: r.timed ? Math.round(r.sum / r.timed) : null };
  return { replies, events: counts };
}

const secs = (ms: number | null): string => (ms === null ? '-' : `${(ms / 1000).toFixed(1)}s`);

export async function statusCmd(ctx: Ctx, _args: string[], opts: { channel?: string }): Promise<number> {
  const redis = await ctx.redis();
  const now = Date.now();
  const only = parseChannel(opts.channel);
  const global = await readScope(ctx, undefined);
  const channelTargets: Target[] = only
    ? [only]
    : (await scanKeys(redis, ctx.keys.channelPattern)).flatMap((k) => {
        const c = ctx.keys.parseChannelKey(k);
        return c ? [{ platform: c.platform as Target['platform'], name: c.channel }] : [];
      });
  const channels: ScopeView[] = [];
  for (const t of channelTargets) channels.push(await readScope(ctx, t));
  const queues: Record<string, QueueStatus> = {};
  for (const name of Object.values(QUEUE)) queues[name] = await queueStatus(redis, ctx.prefix, name, now);
  const alive = await workers(redis, ctx.prefix, now);
  const minute = await lastMinute(redis, ctx.keys.events, now);
  const pending = await listPending(redis, ctx.prefix, now);
  const sets: Record<string, number> = {};
  for (const s of SET_NAMES) sets[s] = await redis.scard(ctx.keys.sets[s]);
  const bad = [...global.bad, ...channels.flatMap((c) => c.bad.filter((b) => b.scope === 'channel'))];

  if (ctx.json) {
    ctx.outJson({
      prefix: ctx.prefix,
      global: { settings: global.settings, sources: global.sources },
      channels: channels.map((c) => ({ scope: c.scope, settings: c.settings, sources: c.sources, overrides: c.raw })),
      bad,
      sets,
      queues,
      workers: alive,
      lastMinute: minute,
      pendingApprovals: pending.length,
    });
    return EXIT_OK;
  }
  ctx.out(`stream-comment-bot status (prefix ${ctx.prefix})`);
  ctx.out('');
  ctx.out('global settings (value, source):');
  for (const l of settingsText(global)) ctx.out(l);
  for (const c of channels) {
    const own = Object.keys(c.raw);
    ctx.out('');
    ctx.out(`${c.scope}: ${own.length ? `overrides ${own.join(', ')}` : 'no overrides'}`);
    for (const l of settingsText(c).filter((l) => / \(channel\)$/.test(l))) ctx.out(l);
  }
  if (bad.length) {
    ctx.out('');
    ctx.out('problems in Redis (ignored by the bot):');
    for (const l of badText(bad)) ctx.out(l);
  }
  ctx.out('');
  ctx.out(`sets: ${SET_NAMES.map((s) => `${s} ${sets[s]}`).join(', ')}`);
  ctx.out('');
  ctx.out('queues:');
  for (const [name, q] of Object.entries(queues)) {
    ctx.out(`  ${name.padEnd(9)} waiting ${String(q.waiting).padStart(4)}  active ${String(q.active).padStart(3)}  delayed ${String(q.delayed).padStart(3)}  failed ${String(q.failed).padStart(4)}  oldest waiting ${secs(q.oldestWaitingMs)}`);
  }
  ctx.out('');
  if (alive.length === 0) ctx.out('workers alive: none (no heartbeat in the last 15 s: is the bot running with this REDIS_PREFIX?)');
  else {
    ctx.out('workers alive:');
    for (const w of alive) {
      const loading = w.loading.map((l) => `  loading ${l.model} (${secs(l.elapsedMs)} so far)`).join('');
      ctx.out(`  ${w.role.padEnd(8)} ${w.host}:${w.pid}  last beat ${secs(w.lastBeatMs)} ago${loading}`);
    }
  }
  ctx.out('');
  const routes = Object.entries(minute.replies);
  ctx.out(`replies in the last minute: ${routes.length ? routes.map(([r, s]) => `${r} ${s.replies} (avg ${secs(s.avgLatencyMs)})`).join(', ') : 'none'}`);
  const ev = minute.events;
  ctx.out(`comments ${ev.comment ?? 0}, skipped ${ev.skip ?? 0}, escalated ${ev.escalate ?? 0}, dropped ${ev.drop ?? 0}, filtered ${ev.filtered ?? 0}`);
  ctx.out(`replies waiting for approval: ${pending.length}${pending.length ? ' (botctl pending)' : ''}`);
  return EXIT_OK;
}
