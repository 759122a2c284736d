/**
 * Memory soak: the bot (`workers/main.ts`) fed a 10 msg/s chat trace for N minutes; its RSS
 * and Redis memory sampled throughout. Redis memory is measured two ways: the bytes held by
 * this run's keys (MEMORY USAGE over every key under the run's prefix; exact for us even on
 * a shared Redis) and the whole instance's used_memory (other tenants move it too).
 */
import type { Redis } from 'ioredis';
import type { Profile } from './profiles.js';
import { CHANNEL, chatOptions, loadAverage, replay, startStack } from './scenario.js';
import { CHAT_MIX, generateTrace } from './traces.js';

export interface SoakSample {
  atS: number;
  rssBytes: number;
  prefixBytes: number;
  prefixKeys: number;
  usedMemory: number;
  /** Memory keys only (`<prefix>:mem:*`): bytes, and viewers kept (the MEMORY_MAX_VIEWERS index). */
  memoryBytes: number;
  viewersKept: number;
  /** Distinct viewers who had written by then. */
  viewersSeen: number;
}

export interface SoakResult {
  profile: string;
  minutes: number;
  rate: number;
  warmupS: number;
  sent: number;
  posted: number;
  violations: number;
  samples: SoakSample[];
  /** The bot's RSS every 5 s (it swings with garbage collection: the envelope shows a leak, one reading does not). */
  rss: { atS: number; rssBytes: number }[];
  /** Redis memory of this run's keys at the end, by kind of key (bytes), largest first. */
  largest: [string, number][];
  loadAverage: number;
  /** Distinct viewers (--viewers) and the bot's MEMORY_MAX_VIEWERS, when set. */
  viewers?: number;
  maxViewers?: number;
}

/** A key's kind: its name under the prefix with comment and job ids folded (`comments:<id>`, `posted:<id>`). */
export function keyKind(prefix: string, key: string): string {
  return key
    .slice(prefix.length + 1)
    .replace(/(twitch|youtube|console)[-:].*$/, '<id>')
    .replace(/:\d+$/, ':<n>');
}

export async function prefixMemory(redis: Redis, prefix: string, byKind?: Map<string, number>): Promise<{ bytes: number; keys: number }> {
  let cursor = '0';
  let bytes = 0;
  let keys = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (batch.length === 0) continue;
    const p = redis.pipeline();
    for (const k of batch) p.call('MEMORY', 'USAGE', k, 'SAMPLES', '0');
    ((await p.exec()) ?? []).forEach(([err, n], i) => {
      if (err || typeof n !== 'number') return;
      bytes += n;
      if (byKind) byKind.set(keyKind(prefix, batch[i]!), (byKind.get(keyKind(prefix, batch[i]!)) ?? 0) + n);
    });
    keys += batch.length;
  } while (cursor !== '0');
  return { bytes, keys };
}

export async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

export async function runSoak(
  profile: Profile,
  minutes: number,
  log: (s: string) => void = () => undefined,
  opts: { viewers?: number; maxViewers?: number } = {},
): Promise<SoakResult> {
  const rate = 10;
  const trace = generateTrace('soak', [{ durationMs: minutes * 60_000, rate, mix: CHAT_MIX, users: 600 }], 777);
  const stack = await startStack(profile, { tag: `${profile.name}-soak`, env: opts.maxViewers ? { MEMORY_MAX_VIEWERS: String(opts.maxViewers) } : {} });
  const seen = new Set<string>();
  const { redis, prefix, bot, twitch } = stack;
  const samples: SoakSample[] = [];
  const t0 = Date.now();
  const load = loadAverage();
  const sample = async () => {
    const mem = await prefixMemory(redis, prefix);
    const memOnly = await prefixMemory(redis, `${prefix}:mem`);
    const s: SoakSample = {
      atS: Math.round((Date.now() - t0) / 1000),
      rssBytes: bot.rssBytes(),
      prefixBytes: mem.bytes,
      prefixKeys: mem.keys,
      usedMemory: await usedMemory(redis),
      memoryBytes: memOnly.bytes,
      viewersKept: await redis.zcard(`${prefix}:mem:viewers`),
      viewersSeen: seen.size,
    };
    samples.push(s);
    log(
      `  soak ${s.atS}s: RSS ${(s.rssBytes / 1048576).toFixed(1)} MB, Redis (prefix) ${(s.prefixBytes / 1048576).toFixed(2)} MB in ${s.prefixKeys} keys (memory ${(s.memoryBytes / 1048576).toFixed(2)} MB, ${s.viewersKept} of ${s.viewersSeen} viewers kept), used_memory ${(s.usedMemory / 1048576).toFixed(1)} MB`,
    );
  };
  const rss: SoakResult['rss'] = [];
  const rssTimer = setInterval(() => rss.push({ atS: Math.round((Date.now() - t0) / 1000), rssBytes: bot.rssBytes() }), 5_000);
  let sent = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void sample().finally(() => (busy = false));
  }, 30_000);
  try {
    await sample();
    log(`  soak: ${trace.messages.length} messages at ${rate} msg/s over ${minutes} min (${profile.name} timings)`);
    await replay(trace, (m) => {
      // --viewers=N: every comment from the next of N viewers in turn (N distinct viewers over the run)
      const o = opts.viewers ? { ...chatOptions(m), user: `soak_viewer_${sent % opts.viewers}`, userId: undefined, displayName: undefined } : chatOptions(m);
      seen.add(o.user);
      twitch.chat(CHANNEL, o);
      sent++;
    });
    clearInterval(timer);
    clearInterval(rssTimer);
    while (busy) await new Promise((r) => setTimeout(r, 50));
    await sample();
    const kinds = new Map<string, number>();
    await prefixMemory(redis, prefix, kinds);
    const posts = twitch.privmsgs();
    return {
      profile: profile.name,
      minutes,
      rate,
      warmupS: 60,
      sent,
      posted: posts.filter((p) => !p.dropped).length,
      violations: posts.filter((p) => p.dropped === 'msg_ratelimit').length,
      samples,
      rss,
      largest: [...kinds].sort((x, y) => y[1] - x[1]).slice(0, 8),
      loadAverage: (load + loadAverage()) / 2,
      ...(opts.viewers ? { viewers: opts.viewers } : {}),
      ...(opts.maxViewers ? { maxViewers: opts.maxViewers } : {}),
    };
  } finally {
    clearInterval(timer);
    clearInterval(rssTimer);
    await stack.close();
  }
}
