/**
 * Intake cost: comments that are never answered (plain chat, trigger=mention) sent at rising
 * steady rates through the fake Twitch. For each rate: whether every comment was taken in
 * (none lost, none shed) with the process keeping up (done within 1 s of the last send), and
 * the process's CPU ms per comment.
 *
 * - `gateway`: `workers/gateway.ts` alone (the gateway's own cost; comments pile up in the
 *   queue, SHED_MAX_WAITING raised so none is shed): counted as jobs in `comments`.
 * - `main`: `workers/main.ts` (`npm start`), the fast worker deciding every comment (default
 *   shedding): counted as decisions in its log; a shed comment counts as lost.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { controlKeys } from '../src/controls/keys.js';
import { createQueues } from '../src/queues.js';
import { startFakeOllama } from '../test/fakes/ollama.js';
import { startFakeTwitch } from '../test/fakes/twitch.js';
import { botEnv, startProcess } from './bot-process.js';
import { BOT_LOGIN, CHANNEL, dropPrefix, loadAverage, REDIS_URL } from './scenario.js';

export interface IntakeStep {
  rate: number;
  sent: number;
  taken: number;
  /** Time from the last send until every comment was taken in (ms); NaN if some never were. */
  lagMs: number;
  cpuMsPerComment: number;
  steady: boolean;
}

export interface IntakeResult {
  mode: 'gateway' | 'main';
  steps: IntakeStep[];
  /** Highest tested rate with no loss and the process keeping up. */
  maxSteadyRate: number;
  loadAverage: number;
}

const PLAIN = ['nice play', 'the music is good today', 'lol same', 'gg', 'that was close', 'ナイス', 'BGMいいね', 'わかる', 'おつかれ', 'このゲーム難しそう'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runIntake(mode: 'gateway' | 'main', rates: number[], stepMs: number, log: (s: string) => void = () => undefined): Promise<IntakeResult> {
  const prefix = `bench-intake-${mode}-${randomBytes(3).toString('hex')}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  const queues = createQueues(redis, prefix);
  const twitch = await startFakeTwitch();
  const ollama = await startFakeOllama();
  await redis.hset(controlKeys(prefix).routing, { trigger: 'mention' });
  const bot = startProcess(
    mode === 'gateway' ? 'workers/gateway.ts' : 'workers/main.ts',
    botEnv({
      REDIS_URL,
      REDIS_PREFIX: prefix,
      OLLAMA_HOST: ollama.host,
      TWITCH_CHANNELS: CHANNEL,
      TWITCH_USERNAME: BOT_LOGIN,
      TWITCH_OAUTH_TOKEN: 'oauth:benchbenchbenchbenchbench01',
      TWITCH_IRC_URL: twitch.url,
      LOG_LEVEL: 'info',
      SHUTDOWN_GRACE_MS: '1000',
      ...(mode === 'gateway' ? { SHED_MAX_WAITING: '1000000' } : {}),
    }),
  );
  const steps: IntakeStep[] = [];
  const load = loadAverage();
  let serial = 0;
  const decided = () => bot.logs.filter((l) => l.component === 'fast' && l.outcome === 'skipped').length;
  const queued = async () => (await queues.comments.getJobCountByTypes('waiting', 'prioritized', 'active', 'completed')) as number;
  try {
    await bot.waitForLog((l) => l.msg === 'bot started', 30_000);
    await twitch.waitForJoin(CHANNEL, 15_000);
    // warm up (JIT, connections) before measuring
    for (let i = 0; i < 200; i++) twitch.chat(CHANNEL, { user: `warm${i}`, text: `warm up ${i}` });
    await sleep(1500);
    for (const rate of rates) {
      const count = mode === 'gateway' ? queued : async () => decided();
      const base = await count();
      const n = Math.round((rate * stepMs) / 1000);
      const cpu0 = bot.cpuMs();
      const t0 = performance.now();
      let i = 0;
      while (i < n) {
        const due = Math.min(n, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
        for (; i < due; i++) {
          serial++;
          twitch.chat(CHANNEL, { user: `chatter${serial % 5000}`, text: `${PLAIN[serial % PLAIN.length]} ${serial}` });
        }
        await sleep(5);
      }
      const lastSend = performance.now();
      let taken = (await count()) - base;
      let lastProgress = performance.now();
      while (taken < n && performance.now() - lastProgress < 3000) {
        await sleep(50);
        const now = (await count()) - base;
        if (now > taken) lastProgress = performance.now();
        taken = now;
      }
      const lagMs = taken >= n ? lastProgress - lastSend : Number.NaN;
      const cpu = bot.cpuMs() - cpu0;
      const step: IntakeStep = { rate, sent: n, taken: Math.min(taken, n), lagMs: Math.max(0, lagMs), cpuMsPerComment: cpu / n, steady: taken >= n && lagMs <= 1000 };
      steps.push(step);
      log(`  intake (${mode}) ${rate} msg/s: ${step.taken}/${n} taken, lag ${Number.isNaN(lagMs) ? 'lost' : `${Math.round(step.lagMs)} ms`}, ${step.cpuMsPerComment.toFixed(3)} CPU ms/comment`);
      if (mode === 'gateway') await queues.comments.obliterate({ force: true });
      if (!step.steady) break;
      await sleep(500);
    }
    const ok = steps.filter((s) => s.steady).map((s) => s.rate);
    return { mode, steps, maxSteadyRate: ok.length ? Math.max(...ok) : 0, loadAverage: (load + loadAverage()) / 2 };
  } finally {
    await bot.stop().catch(() => undefined);
    await Promise.allSettled([twitch.close(), ollama.close()]);
    await queues.close().catch(() => undefined);
    await dropPrefix(redis, prefix).catch(() => undefined);
    redis.disconnect();
  }
}
