/**
 * What the panel shows, read from Redis: the live numbers (queues, heartbeats, the events
 * stream's last minutes), recent chat with each comment's decision, pending approvals and
 * the controls of a scope with their audit. No HTTP here.
 */
import type { Redis } from 'ioredis';
import { listPending } from '../controls/approval.js';
import { readAudit, type AuditEntry } from '../controls/audit.js';
import { FIELDS, FIELD_SPECS, formatValue, resolveSettings } from '../controls/fields.js';
import { controlKeys, SET_NAMES } from '../controls/keys.js';
import { normalizeChannel } from '../platforms/registry.js';
import { eventsKey } from '../events.js';
import { heartbeatPattern } from '../heartbeat.js';
import type { Queues } from '../queues.js';
import { scanKeys } from '../redis.js';
import { PLATFORMS } from '../types.js';

export type EventRow = Record<string, string> & { at: string; type: string };

export function toEvent(id: string, flat: string[]): EventRow {
  const e: Record<string, string> = { sid: id, at: String(Number(id.split('-')[0])) };
  for (let i = 0; i + 1 < flat.length; i += 2) e[flat[i] as string] = flat[i + 1] as string;
  return e as EventRow;
}

/** The latest `count` events, oldest first. */
export async function recentEvents(redis: Redis, prefix: string, count = 300): Promise<EventRow[]> {
  const rows = await redis.xrevrange(eventsKey(prefix), '+', '-', 'COUNT', count);
  return rows.map(([id, flat]) => toEvent(id, flat)).reverse();
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface LiveSnapshot {
  at: number;
  queues: { name: string; waiting: number; active: number; delayed: number; failed: number }[];
  processes: { role: string; host: string; pid: number; lastBeatS: number | null }[];
  models: { route: string; model: string }[];
  perMinute: { comments: number; answers: number; skipped: number; commands: number };
  /** Share of answers in the last 5 minutes that came from the slow model. */
  slowShare: number | null;
  latency: { route: string; n: number; p50Ms: number | null; p95Ms: number | null }[];
  channels: { channel: string; posts: number; rateLimitWaits: number }[];
  pending: number;
}

export interface LiveDeps {
  redis: Redis;
  prefix: string;
  queues: Queues;
  models: { route: string; model: string }[];
  /** Rate-limit waits per `platform:channel` seen by this process (from its metrics). */
  rateLimitWaits(): Promise<Record<string, number>>;
}

export async function liveSnapshot(d: LiveDeps, now = Date.now()): Promise<LiveSnapshot> {
  const queues = await Promise.all(
    [d.queues.comments, d.queues.slow, d.queues.outbox].map(async (q) => {
      const c = await q.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
      return { name: q.name, waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 };
    }),
  );
  const beatKeys = await scanKeys(d.redis, heartbeatPattern(d.prefix));
  const beats = beatKeys.length ? await d.redis.mget(beatKeys) : [];
  const processes = beatKeys.map((key, i) => {
    const [role = '?', host = '?', pid = '0'] = key.slice(`${d.prefix}:heartbeat:`.length).split(':');
    let at: number | null = null;
    try {
      at = Number((JSON.parse(beats[i] ?? '{}') as { at?: number }).at) || null;
    } catch {
      // unreadable value: alive, time unknown
    }
    return { role, host, pid: Number(pid), lastBeatS: at === null ? null : Math.round((now - at) / 1000) };
  });
  processes.sort((a, b) => a.role.localeCompare(b.role) || a.host.localeCompare(b.host) || a.pid - b.pid);

  const rows = (await d.redis.xrange(eventsKey(d.prefix), String(now - 300_000), '+', 'COUNT', 50_000)).map(([id, f]) => toEvent(id, f));
  const minute = rows.filter((e) => Number(e.at) >= now - 60_000);
  const count = (t: string) => minute.filter((e) => e.type === t).length;
  const answers5 = rows.filter((e) => e.type === 'reply');
  const byRoute = new Map<string, number[]>();
  for (const e of answers5) {
    const ms = Number(e.latency_ms);
    if (!Number.isFinite(ms)) continue;
    const list = byRoute.get(e.route ?? '?') ?? [];
    list.push(ms);
    byRoute.set(e.route ?? '?', list);
  }
  const latency = [...byRoute.entries()].map(([route, list]) => {
    list.sort((a, b) => a - b);
    return { route, n: list.length, p50Ms: percentile(list, 50), p95Ms: percentile(list, 95) };
  });
  const posts = new Map<string, number>();
  for (const e of minute) if (e.type === 'reply') posts.set(`${e.platform}:${e.channel}`, (posts.get(`${e.platform}:${e.channel}`) ?? 0) + 1);
  const waits = await d.rateLimitWaits();
  const channels = [...new Set([...posts.keys(), ...Object.keys(waits)])].sort().map((channel) => ({ channel, posts: posts.get(channel) ?? 0, rateLimitWaits: waits[channel] ?? 0 }));
  const pending = (await d.redis.zcount(controlKeys(d.prefix).approvalPending, now, '+inf')) || 0;
  return {
    at: now,
    queues,
    processes,
    models: d.models,
    perMinute: { comments: count('comment'), answers: count('reply'), skipped: count('skip'), commands: count('command') },
    slowShare: answers5.length ? answers5.filter((e) => e.route === 'slow').length / answers5.length : null,
    latency,
    channels,
    pending,
  };
}

export interface PendingView {
  id: string;
  platform: string;
  channel: string;
  user: string;
  comment: string;
  reply: string;
  route: string;
  model: string;
  expiresInS: number;
}

export async function pendingView(redis: Redis, prefix: string, now = Date.now()): Promise<PendingView[]> {
  return (await listPending(redis, prefix, now)).map((p) => ({
    id: p.id,
    platform: p.job.comment.platform,
    channel: p.job.comment.channel,
    user: p.job.comment.author.name,
    comment: p.job.comment.text,
    reply: p.job.parts.join(' '),
    route: p.job.route,
    model: p.job.model,
    expiresInS: Math.max(0, Math.round((p.expiresAt - now) / 1000)),
  }));
}

/** `global` or `platform:channel` → the scope the control operations take; undefined when malformed. */
export function parseScope(raw: string): { label: string; ref: { platform: string; channel: string } | undefined } | undefined {
  if (raw === 'global') return { label: 'global', ref: undefined };
  const i = raw.indexOf(':');
  const platform = raw.slice(0, i);
  const channel = raw.slice(i + 1).trim();
  if (i <= 0 || !(PLATFORMS as readonly string[]).includes(platform) || channel === '' || /\s/.test(channel) || channel.length > 200) return undefined;
  const norm = normalizeChannel(platform, channel);
  return { label: `${platform}:${norm}`, ref: { platform, channel: norm } };
}

export interface ControlsView {
  scope: string;
  scopes: string[];
  fields: { field: string; allowed: string; effect: string; value: string; source: string; own: string | null }[];
  sets: Record<string, string[]>;
  audit: AuditEntry[];
}

export async function controlsView(redis: Redis, prefix: string, scope: NonNullable<ReturnType<typeof parseScope>>, knownChannels: string[]): Promise<ControlsView> {
  const keys = controlKeys(prefix);
  const global = await redis.hgetall(keys.routing);
  const own = scope.ref ? await redis.hgetall(keys.channel(scope.ref.platform, scope.ref.channel)) : global;
  const r = resolveSettings(global, scope.ref ? own : {});
  const channels = new Set(knownChannels);
  for (const key of await scanKeys(redis, keys.channelPattern)) {
    const ch = keys.parseChannelKey(key);
    if (ch) channels.add(`${ch.platform}:${ch.channel}`);
  }
  const sets: Record<string, string[]> = {};
  for (const s of SET_NAMES) sets[s] = (await redis.smembers(keys.sets[s])).sort();
  return {
    scope: scope.label,
    scopes: ['global', ...[...channels].sort()],
    fields: FIELDS.map((f) => ({ field: f, allowed: FIELD_SPECS[f].allowed, effect: FIELD_SPECS[f].effect, value: formatValue(f, r.settings[f]), source: r.sources[f], own: own[f] ?? null })),
    sets,
    audit: (await readAudit(redis, prefix, 30)).reverse(),
  };
}
