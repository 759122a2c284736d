/**
 * One benchmark scenario: the real bot process (`workers/main.ts`, as `npm start` runs it)
 * against real Redis, the fake Twitch (rate limits enforced) and the fake Ollama replaying a
 * profile, fed one chat trace. Returns the raw records; analyze.ts turns them into numbers.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { controlKeys } from '../src/controls/keys.js';
import { createQueues } from '../src/queues.js';
import { deleteKeys } from '../src/redis.js';
import { startFakeOllama, type FakeChatRequest, type FakeOllama, type FakeStats } from '../test/fakes/ollama.js';
import { startFakeTwitch, type FakeTwitch, type SentPrivmsg } from '../test/fakes/twitch.js';
import { loadavg } from 'node:os';
import { botEnv, startProcess, type BotProcess, type LogLine } from './bot-process.js';
import { commentOfRequest, profileReplies, WARMUP_GREETING, WARMUP_TEXTS } from './model-replies.js';
import type { Profile } from './profiles.js';
import type { Trace, TraceMessage } from './traces.js';
import { preciseNow } from '../test/fakes/clock.js';
import { startStallProbe, type Stall, type StallProbe } from './stall-probe.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const CHANNEL = 'botan_ch';
/** A second channel the bot also joins, for the warm-up: its posts and dedup keys never touch CHANNEL's. */
export const WARMUP_CHANNEL = 'botan_warmup';
export const BOT_LOGIN = 'botan_bot';

export interface SentComment {
  id: string;
  at: number;
  msg: TraceMessage;
}

export interface DepthSample {
  at: number;
  comments: number;
  slow: number;
}

export interface ScenarioRecords {
  profile: Profile;
  trace: Trace;
  mod: boolean;
  limit: number;
  sent: SentComment[];
  privmsgs: SentPrivmsg[];
  requests: FakeChatRequest[];
  logs: LogLine[];
  depth: DepthSample[];
  stats: FakeStats;
  startedAt: number;
  traceEndAt: number;
  stoppedAt: number;
  /** Whether everything queued was finished before the scenario stopped. */
  drained: boolean;
  cpuMs: number;
  rssStart: number;
  rssEnd: number;
  loadAverage: number;
  /** Comments still waiting or being decided when the run stopped. */
  pendingAtStop: number;
  /** Moments nothing on the machine ran (stall-probe.ts), from the trace's start to the stop. */
  stalls: Stall[];
}

export interface ScenarioOptions {
  profile: Profile;
  trace: Trace;
  /** The bot is a moderator in the channel (100 posts / 30 s instead of 20). */
  mod?: boolean;
  /** Controls written to the global routing hash before start (field → value). */
  controls?: Record<string, string>;
  /** Keep going after the trace until this long after the last complex comment (slow answers within 60 s). */
  slowWindowMs: number;
  /** And at least this long after the trace (fast answers and their posting). */
  tailMs: number;
  /** Never longer than this after the trace. */
  maxTailMs: number;
  env?: Record<string, string>;
  log?: (s: string) => void;
}

/** The fast-path freshness the benchmark holds the bot to (issue 6: answered within 5 s or shed). */
export const BENCH_CONTROLS = { fast_max_age_s: '5' };

export function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  return deleteKeys(redis, `${prefix}:*`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Send a trace's messages at their offsets; resolves when the last one went out. */
export async function replay(trace: Trace, send: (m: TraceMessage) => void): Promise<void> {
  const t0 = performance.now();
  let i = 0;
  const msgs = trace.messages;
  while (i < msgs.length) {
    const now = performance.now() - t0;
    while (i < msgs.length && msgs[i]!.t <= now) send(msgs[i++]!);
    if (i < msgs.length) await sleep(Math.max(0, Math.min(10, msgs[i]!.t - (performance.now() - t0))));
  }
  const rest = trace.durationMs - (performance.now() - t0);
  if (rest > 0) await sleep(rest);
}

export function chatOptions(m: TraceMessage) {
  return {
    user: m.user,
    displayName: m.displayName,
    text: m.text,
    mod: m.mod,
    vip: m.vip,
    subscriber: m.subscriber,
    firstMsg: m.firstMsg,
    bits: m.bits,
  };
}

export interface Stack {
  prefix: string;
  redis: Redis;
  queues: ReturnType<typeof createQueues>;
  twitch: FakeTwitch;
  ollama: FakeOllama;
  bot: BotProcess;
  /** Stop the bot, the fakes, and delete every key under the prefix. */
  close(): Promise<void>;
}

/** Fakes on free ports, the controls in Redis, and the bot process, joined and ready. */
export async function startStack(profile: Profile, opts: { tag: string; mod?: boolean; controls?: Record<string, string>; env?: Record<string, string> }): Promise<Stack> {
  const prefix = `bench-${opts.tag}-${randomBytes(3).toString('hex')}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  const queues = createQueues(redis, prefix);
  // the fakes' records are what the overhead is computed from: a sub-millisecond clock
  const twitch = await startFakeTwitch({ enforceRateLimit: true, modIn: opts.mod ? [CHANNEL] : [], clock: preciseNow });
  const ollama = await startFakeOllama({
    clock: preciseNow,
    models: {
      [profile.fast.model]: { capabilities: ['completion', 'tools'], parallel: profile.fast.parallel },
      [profile.slow.model]: { capabilities: ['completion', 'tools', 'thinking'], parallel: profile.slow.parallel },
    },
    reply: profileReplies(profile),
  });
  await redis.hset(controlKeys(prefix).routing, { ...BENCH_CONTROLS, ...opts.controls });
  const bot = startProcess(
    'workers/main.ts',
    botEnv({
      REDIS_URL,
      REDIS_PREFIX: prefix,
      OLLAMA_HOST: ollama.host,
      FAST_MODEL: profile.fast.model,
      SLOW_MODEL: profile.slow.model,
      FAST_CONCURRENCY: String(profile.fast.parallel),
      SLOW_CONCURRENCY: String(profile.slow.parallel),
      TWITCH_CHANNELS: `${CHANNEL},${WARMUP_CHANNEL}`,
      TWITCH_USERNAME: BOT_LOGIN,
      TWITCH_OAUTH_TOKEN: 'oauth:benchbenchbenchbenchbench01',
      TWITCH_IRC_URL: twitch.url,
      LOG_LEVEL: 'info',
      SHUTDOWN_GRACE_MS: '1000',
      ...opts.env,
    }),
  );
  const close = async () => {
    await bot.stop().catch(() => undefined);
    await Promise.allSettled([twitch.close(), ollama.close()]);
    await queues.close().catch(() => undefined);
    await dropPrefix(redis, prefix).catch(() => undefined);
    redis.disconnect();
  };
  try {
    await bot.waitForLog((l) => l.msg === 'bot started', 30_000);
    await twitch.waitForJoin(CHANNEL, 15_000);
    await twitch.waitForJoin(WARMUP_CHANNEL, 15_000);
  } catch (err) {
    await close();
    throw new Error(`${opts.tag}: ${(err as Error).message}`);
  }
  return { prefix, redis, queues, twitch, ollama, bot, close };
}

export async function runScenario(opts: ScenarioOptions): Promise<ScenarioRecords> {
  const { profile, trace } = opts;
  const log = opts.log ?? (() => undefined);
  const stack = await startStack(profile, { tag: `${profile.name}-${trace.name}`, mod: opts.mod, controls: opts.controls, env: opts.env });
  const { queues, twitch, ollama, bot } = stack;
  const depth: DepthSample[] = [];
  const sent: SentComment[] = [];
  let sampler: NodeJS.Timeout | undefined;
  let probe: StallProbe | undefined;
  try {
    await warmUp(stack);
    const rssStart = bot.rssBytes();
    const cpuStart = bot.cpuMs();
    let sampling = false;
    sampler = setInterval(() => {
      if (sampling) return;
      sampling = true;
      const at = Date.now();
      void Promise.all([queues.comments.getJobCountByTypes('waiting', 'prioritized'), queues.slow.getJobCountByTypes('waiting', 'prioritized')])
        .then(([comments, slow]) => void depth.push({ at, comments, slow }))
        .catch(() => undefined)
        .finally(() => (sampling = false));
    }, 100);
    probe = await startStallProbe();
    const startedAt = Date.now();
    const load = loadAverage();
    log(`  ${profile.name}/${trace.name}${opts.mod ? ' (mod)' : ''}: ${trace.messages.length} messages over ${(trace.durationMs / 1000).toFixed(0)} s (load average ${load.toFixed(1)})`);
    await replay(trace, (m) => {
      const at = preciseNow();
      const id = twitch.chat(CHANNEL, chatOptions(m));
      sent.push({ id, at, msg: m });
    });
    const traceEndAt = Date.now();
    const lastComplex = Math.max(0, ...sent.filter((s) => s.msg.kind === 'complex').map((s) => s.at));
    const until = Math.min(traceEndAt + opts.maxTailMs, Math.max(traceEndAt + opts.tailMs, lastComplex ? lastComplex + opts.slowWindowMs : 0));
    let drained = false;
    let quiet = 0;
    while (Date.now() < until) {
      await sleep(250);
      const counts = await Promise.all([queues.comments, queues.slow, queues.outbox].map((q) => q.getJobCounts('waiting', 'prioritized', 'active', 'delayed')));
      const idle = counts.every((c) => Object.values(c).every((n) => n === 0)) && ollama.requests.every((r) => r.endedAt !== undefined);
      quiet = idle ? quiet + 1 : 0;
      if (quiet >= 3) {
        drained = true;
        break;
      }
    }
    const stoppedAt = Date.now();
    const stalls = await probe.stop();
    const pendingAtStop = (await queues.comments.getJobCountByTypes('waiting', 'prioritized', 'active')) as number;
    const cpuMs = bot.cpuMs() - cpuStart;
    const rssEnd = bot.rssBytes();
    clearInterval(sampler);
    const stats = { ...ollama.stats };
    await bot.stop();
    return {
      profile,
      trace,
      mod: !!opts.mod,
      limit: opts.mod ? 100 : 20,
      sent,
      privmsgs: twitch.privmsgs(),
      requests: ollama.requests.filter((r) => r.at >= startedAt - 1000),
      logs: bot.logs,
      depth,
      stats,
      startedAt,
      traceEndAt,
      stoppedAt,
      drained,
      cpuMs,
      rssStart,
      rssEnd,
      loadAverage: (load + loadAverage()) / 2,
      pendingAtStop,
      stalls,
    };
  } finally {
    if (sampler) clearInterval(sampler);
    await probe?.stop().catch(() => undefined);
    await stack.close();
  }
}

/**
 * Before the trace, in the warm-up channel (and one greeting in the measured one, below): a
 * question in each language, one whose answer rambles (the early stop closes its stream) and a
 * complex one (escalation, acknowledgement, slow model; answered briefly, see WARMUP_TEXTS). So first-use costs (connections, JIT, the
 * model's prompt cache, a first aborted stream) are not in the numbers of a bot that in real
 * life runs for hours. Waits until their model calls have ended and every queue is empty.
 */
async function warmUp(stack: Stack): Promise<void> {
  const from = stack.ollama.requests.length;
  WARMUP_TEXTS.forEach((text, i) => stack.twitch.chat(WARMUP_CHANNEL, { user: `warmup_${i}`, text }));
  // one comment in the measured channel too, which the trigger does not answer (nothing is
  // posted there): the channel's first comment pays one-time costs (its controls' first read,
  // per-channel state) that a bot running for hours pays once, not in the measured minute
  stack.twitch.chat(CHANNEL, { user: 'warmup_hello', text: WARMUP_GREETING });
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    await sleep(200);
    const reqs = stack.ollama.requests.slice(from);
    const idle = reqs.length >= WARMUP_TEXTS.length && reqs.every((r) => r.endedAt !== undefined);
    if (idle && (await stack.queues.outbox.getJobCountByTypes('waiting', 'prioritized', 'active', 'delayed')) === 0) break;
  }
  await sleep(1200);
}

/** The 1-minute load average: other work on the machine shows in every latency here. */
export function loadAverage(): number {
  return loadavg()[0] ?? Number.NaN;
}

export interface SingleResult {
  /** Per comment: e2e (sent → reply received by the fake Twitch) and the model's own service time, ms. */
  samples: { e2e: number; model: number; overhead: number; before: number; after: number }[];
  loadAverage: number;
}

/**
 * Issue 2's figure: simple comments one at a time (each waits for its reply, then 1.1 s so
 * the non-moderator pacing never holds a reply back): e2e minus the model's service time.
 */
export async function runSingles(profile: Profile, n: number, log: (s: string) => void = () => undefined): Promise<SingleResult> {
  const stack = await startStack(profile, { tag: `${profile.name}-single` });
  const { twitch, ollama } = stack;
  await warmUp(stack);
  // distinct texts: the same text twice within 30 s is answered once (copy-paste dedup)
  const questions = [
    'what game is this?', '今何してるの？', 'how are you today?', '好きな食べ物は何？', 'do you like cats?',
    '次の配信いつ？', 'what are you drawing?', '猫好き？', 'when is the next stream?', '何描いてるの？',
    'what is your favorite food?', '今日は何するの？', 'is this your first playthrough?', 'どこ住み？', 'what time is it there?',
    'このゲーム何時間やってる？', 'do you play other games?', '好きな色は何？', 'what music do you like?', '眠くない？',
  ];
  const samples: SingleResult['samples'] = [];
  const load = loadAverage();
  try {
    log(`  issue 2: ${n} simple comments one at a time (${profile.name} timings, load average ${load.toFixed(1)})`);
    for (let i = 0; i < n; i++) {
      const before = twitch.privmsgs().length;
      const text = `${questions[i % questions.length]}${i >= questions.length ? ` (${i})` : ''}`;
      const at = preciseNow();
      const id = twitch.chat(CHANNEL, { user: `single_viewer_${i}`, text });
      const [reply] = (await twitch.waitForPrivmsgs(before + 1, 30_000)).slice(before);
      if (!reply || reply.tags['reply-parent-msg-id'] !== id) throw new Error(`issue 2 run: reply ${i} went to the wrong comment`);
      const req = [...ollama.requests].reverse().find((r) => r.at >= at && commentOfRequest(r).text === text);
      if (!req?.endedAt) throw new Error(`issue 2 run: no finished model request for comment ${i}`);
      const model = req.endedAt - req.at;
      samples.push({ e2e: reply.at - at, model, overhead: reply.at - at - model, before: req.at - at, after: reply.at - req.endedAt });
      await sleep(1100);
    }
    return { samples, loadAverage: (load + loadAverage()) / 2 };
  } finally {
    await stack.close();
  }
}
