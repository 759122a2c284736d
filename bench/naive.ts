/**
 * Runs the naive baseline bot (bench/naive-bot.ts) against the same fakes and trace, and
 * measures what it does under load: answers on time and late, and platform violations.
 */
import { loadavg } from 'node:os';
import { startFakeOllama } from '../test/fakes/ollama.js';
import { startFakeTwitch } from '../test/fakes/twitch.js';
import { botEnv, startProcess } from './bot-process.js';
import { FAST_ON_TIME_MS } from './analyze.js';
import { maxInWindow, shareWithin, summarize, type Summary } from './metrics.js';
import { commentOfRequest, profileReplies } from './model-replies.js';
import type { Profile } from './profiles.js';
import { BOT_LOGIN, CHANNEL, chatOptions, replay, type SentComment } from './scenario.js';
import type { Trace } from './traces.js';

export interface NaiveResult {
  profile: string;
  trace: string;
  sent: number;
  /** Model calls the naive bot made (one per triggering message). */
  calls: number;
  /** Replies the bot sent (Twitch may have refused some). */
  posted: number;
  /** Replies viewers saw (not dropped by Twitch). */
  seen: number;
  onTime: number;
  latePosted: number;
  /** Calls still waiting or running when the run stopped (its backlog). */
  backlog: number;
  e2e: Summary;
  e2eMinusModel: Summary;
  maxPer30s: number;
  violations: number;
  /** Replies Twitch dropped as identical to the previous one within 30 s. */
  duplicatesDropped: number;
  tokensGenerated: number;
  loadAverage: number;
  durationS: number;
}

export async function runNaive(profile: Profile, trace: Trace, tailMs: number, log: (s: string) => void = () => undefined): Promise<NaiveResult> {
  const twitch = await startFakeTwitch({ enforceRateLimit: true });
  const ollama = await startFakeOllama({
    models: {
      [profile.fast.model]: { capabilities: ['completion', 'tools'], parallel: profile.fast.parallel },
      [profile.slow.model]: { capabilities: ['completion', 'tools', 'thinking'], parallel: profile.slow.parallel },
    },
    reply: profileReplies(profile),
  });
  const bot = startProcess(
    'bench/naive-bot.ts',
    botEnv({ TWITCH_IRC_URL: twitch.url, TWITCH_CHANNELS: CHANNEL, TWITCH_USERNAME: BOT_LOGIN, TWITCH_OAUTH_TOKEN: 'oauth:benchbenchbenchbenchbench01', OLLAMA_HOST: ollama.host, FAST_MODEL: profile.fast.model }),
  );
  try {
    await bot.waitForLog((l) => l.msg === 'naive bot started', 30_000);
    await twitch.waitForJoin(CHANNEL, 15_000);
    const load = loadavg()[0] ?? Number.NaN;
    log(`  naive baseline ${profile.name}/${trace.name}: ${trace.messages.length} messages`);
    const sent: SentComment[] = [];
    const startedAt = Date.now();
    await replay(trace, (m) => {
      const at = Date.now();
      sent.push({ id: twitch.chat(CHANNEL, chatOptions(m)), at, msg: m });
    });
    const until = Date.now() + tailMs;
    while (Date.now() < until && !ollama.requests.every((r) => r.endedAt !== undefined)) await new Promise((r) => setTimeout(r, 250));
    await new Promise((r) => setTimeout(r, 300));
    const stoppedAt = Date.now();
    const byId = new Map(sent.map((s) => [s.id, s]));
    const posts = twitch.privmsgs();
    const e2e: number[] = [];
    const minusModel: number[] = [];
    for (const p of posts) {
      const s = byId.get(p.tags['reply-parent-msg-id'] ?? '');
      if (!s) continue;
      e2e.push(p.at - s.at);
      const q = ollama.requests.find((r) => r.at >= s.at && r.endedAt !== undefined && r.endedAt <= p.at && commentOfRequest(r).text === s.msg.text);
      if (q) minusModel.push(p.at - s.at - (q.endedAt! - q.at));
    }
    const result: NaiveResult = {
      profile: profile.name,
      trace: trace.name,
      sent: sent.length,
      calls: ollama.requests.filter((r) => r.at >= startedAt).length,
      posted: e2e.length,
      seen: posts.filter((p) => !p.dropped).length,
      onTime: shareWithin(e2e, FAST_ON_TIME_MS),
      latePosted: e2e.filter((x) => x > FAST_ON_TIME_MS).length,
      backlog: ollama.requests.filter((r) => r.endedAt === undefined).length,
      e2e: summarize(e2e),
      e2eMinusModel: summarize(minusModel),
      maxPer30s: maxInWindow(posts.map((p) => p.at), 30_000),
      violations: posts.filter((p) => p.dropped === 'msg_ratelimit').length,
      duplicatesDropped: posts.filter((p) => p.dropped === 'msg_duplicate').length,
      tokensGenerated: ollama.stats.generatedTokens,
      loadAverage: (load + (loadavg()[0] ?? Number.NaN)) / 2,
      durationS: (stoppedAt - startedAt) / 1000,
    };
    return result;
  } finally {
    await bot.stop(2000).catch(() => undefined);
    await Promise.allSettled([twitch.close(), ollama.close()]);
  }
}
