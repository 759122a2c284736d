/**
 * botctl explain: what the bot would do with a comment right now, and why. It runs the
 * same decide() the fast worker runs, on the same live inputs (controls, the user's
 * cooldown and strikes, the slow queue), so the answer is the bot's, not a guess.
 */
import { createInterface } from 'node:readline';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { loadCharacter } from '../../character.js';
import { createControls } from '../../controls/store.js';
import type { ControlSnapshot } from '../../controls/types.js';
import { QUEUE } from '../../queues.js';
import { findBlockedWord } from '../../reply/safety.js';
import { judgeAudience, NOT_FOR_ME_AT, type AudienceVerdict } from '../../routing/audience.js';
import { bandOf, scoreComplexity } from '../../routing/classify.js';
import { decide, type Decision } from '../../routing/decide.js';
import { analyzeTrigger } from '../../routing/trigger.js';
import { createMemoryStore, type Recall } from '../../memory/store.js';
import { threadSignal } from '../../memory/thread.js';
import type { Comment, Platform } from '../../types.js';
import { createViewerState, lastAnsweredAt as lastAnswerOf } from '../../viewer-state.js';
import { CliError, EXIT_OK, EXIT_USAGE, type Ctx } from '../context.js';
import { parseChannel, parseTarget, resolveViewerId } from '../scope.js';

const SKIP_WHY: Record<string, string> = {
  paused: 'mode is off: the bot is paused (botctl resume)',
  blocked_user: 'the user is in blocked_users (botctl unblock)',
  abuse: 'the user is ignored for a while after repeated filter hits',
  empty: 'the comment is empty',
  blocked_word: 'the comment contains a blocked word (botctl words list)',
  command: 'a chat command (starts with !) for other bots',
  not_trigger: 'not a trigger under the current trigger setting',
  cooldown: 'the user was answered within user_cooldown_s (vip users skip this)',
  stale: 'too old to answer (fast_max_age_s / slow_max_age_s)',
  overflow_drop: 'the slow pool is full and overflow is drop',
  not_for_me: 'not for the character: chat aimed at others, bait or noise (audience rules below)',
  copypasta: 'the same or nearly the same text came from another viewer (copypasta)',
};

export interface Explanation {
  text: string;
  platform: Platform;
  channel: string;
  user: string;
  answer: boolean;
  route: 'fast' | 'slow' | 'none';
  model: string | null;
  skip: string | null;
  detail: string | null;
  score: number;
  band: string;
  rules: { name: string; weight: number }[];
  /** "Is this for me?": decided before the complexity score (src/routing/audience.ts). */
  audience: AudienceVerdict;
  reasons: string[];
  trigger: { mention: boolean; question: boolean; command: boolean; setting: string };
  triage: boolean;
  overflow: boolean;
  vip: boolean;
  cooldownRemainingS: number | null;
  slowWaiting: number;
  /** What memory would give the model (memory on): the viewer's thread, recent chat lines, facts. */
  thread: { exchanges: { comment: string; answer: string; route: string; at: number }[]; chatLines: number; facts: string[]; returning: boolean; memory: boolean };
  settings: ControlSnapshot['settings'];
}

interface Inputs {
  names: string[];
  platform: Platform;
  channel: string;
  user: string;
}

function names(ctx: Ctx): string[] {
  const out: string[] = [];
  try {
    const ch = loadCharacter(ctx.env.CHARACTER);
    out.push(ch.name, ...ch.aliases);
  } catch (err) {
    ctx.warn(`${(err as Error).message.split('\n').join(' ')}; mentions of the character are not detected (run botctl from the project directory or set CHARACTER)`);
  }
  if (ctx.env.TWITCH_USERNAME) out.push(ctx.env.TWITCH_USERNAME);
  return out;
}

function reasonsOf(d: Decision, x: Omit<Explanation, 'reasons'>): string[] {
  const s = x.settings;
  const r: string[] = [];
  if (!d.answer) r.push(`skip (${d.reason}): ${SKIP_WHY[d.reason] ?? d.reason}${d.detail ? ` [${d.detail}]` : ''}`);
  const t = x.trigger;
  r.push(`trigger=${s.trigger}: ${t.command ? 'chat command' : [t.mention ? 'mentions the character' : 'no mention', t.question ? 'a question' : 'not a question'].join(', ')}`);
  const a = x.audience;
  r.push(`audience: ${a.forMe ? 'for the character' : 'NOT for the character'} (score ${a.score.toFixed(2)} ${a.forMe ? '<' : '≥'} ${NOT_FOR_ME_AT}${a.forMe ? '' : '; never slow'})`);
  for (const rule of a.rules) r.push(`audience rule ${rule.name} ${rule.weight >= 0 ? '+' : ''}${rule.weight}`);
  for (const rule of x.rules) r.push(`rule ${rule.name} ${rule.weight >= 0 ? '+' : ''}${rule.weight}`);
  const th = x.thread;
  if (!th.memory) r.push('memory=off: no thread, recent chat or viewer memory');
  else {
    const last = th.exchanges.at(-1);
    r.push(
      last
        ? `thread: ${th.exchanges.length} recent exchange(s) with this viewer; the last (${last.route}, ${Math.round((Date.now() - last.at) / 1000)} s ago): "${last.comment}" → "${last.answer}"`
        : 'thread: no recent exchange with this viewer',
    );
    r.push(`background: ${th.chatLines} recent chat line(s)${th.facts.length ? `, ${th.facts.length} fact(s) about a returning viewer` : ''}`);
  }
  r.push(`score ${x.score.toFixed(2)} ${x.score >= s.slow_threshold ? '≥' : '<'} slow_threshold ${s.slow_threshold} (band ${x.band})`);
  if (d.answer) {
    if (s.mode !== 'auto') r.push(`mode=${s.mode}: every answer goes ${s.mode}`);
    if (d.overflow) r.push(`overflow: ${x.slowWaiting} slow jobs waiting ≥ slow_max_waiting ${s.slow_max_waiting}, answered fast`);
    if (d.triage) r.push('uncertain band: the fast model answers or escalates (triage)');
    if (d.vip) r.push('vip user: no cooldown, answered first');
    r.push(`route ${d.route} (${x.model})`);
  }
  return r;
}

async function explainOne(ctx: Ctx, text: string, inp: Inputs, controls: ReturnType<typeof createControls>, slow: Queue): Promise<Explanation> {
  const redis = await ctx.redis();
  const now = Date.now();
  const snap = await controls.get(inp.platform, inp.channel);
  const comment: Comment = {
    platform: inp.platform,
    channel: inp.channel,
    id: `botctl-explain-${now}`,
    author: { id: inp.user, login: inp.user, name: inp.user, badges: { moderator: false, owner: false, member: false, vip: false, verified: false }, firstMessage: false },
    text,
    kind: 'chat',
    receivedAt: now,
  };
  // the workers key a viewer's state by user id: a login typed here is looked up
  const store = createMemoryStore({ redis, prefix: ctx.prefix, now: () => now, config: ctx.env, botLogins: inp.names });
  const userId = await resolveViewerId(ctx, store, inp.platform, inp.user);
  comment.author.id = userId;
  const [state, slowWaiting, recall] = await Promise.all([
    createViewerState({ redis, prefix: ctx.prefix }).read({ platform: inp.platform, userId }),
    slow.getWaitingCount(),
    store.recall(comment, snap.settings.memory) as Promise<Recall>,
  ]);
  const thread = snap.settings.memory ? threadSignal(text, recall) : undefined;
  const lastAnsweredAt = lastAnswerOf(state);
  const trig = analyzeTrigger(text.trim(), inp.names);
  const d = decide({
    comment,
    controls: snap,
    names: inp.names,
    now,
    lastAnsweredAt,
    slowWaiting,
    triageBand: ctx.env.triageBand,
    triageEnabled: ctx.env.TRIAGE,
    abuseUntil: state.strikes >= ctx.env.ABUSE_STRIKES ? now + 1 : undefined,
    blockedWord: findBlockedWord(text, snap.blockedWords),
    thread,
    extraEmotes: ctx.env.extraEmotes,
    trigger: trig,
  });
  // early skips (paused, blocked) carry no score: compute it for the explanation only
  const cx = scoreComplexity(text.trim(), { slowKeywords: snap.slowKeywords });
  const route = d.answer ? d.route : 'none';
  const remaining = lastAnsweredAt === undefined ? null : Math.max(0, Math.ceil((lastAnsweredAt + snap.settings.user_cooldown_s * 1000 - now) / 1000));
  const x: Omit<Explanation, 'reasons'> = {
    text,
    platform: inp.platform,
    channel: inp.channel,
    user: `${inp.platform}:${inp.user}`,
    answer: d.answer,
    route,
    model: route === 'fast' ? ctx.env.FAST_MODEL : route === 'slow' ? ctx.env.SLOW_MODEL : null,
    skip: d.answer ? null : d.reason,
    detail: (!d.answer && d.detail) || null,
    score: d.score ?? cx.score,
    band: d.band ?? bandOf(cx, snap.settings.slow_threshold, ctx.env.triageBand),
    rules: d.rules ?? cx.rules,
    audience: d.audience ?? judgeAudience({ text: text.trim(), mention: trig.mention, extraEmotes: ctx.env.extraEmotes }),
    trigger: { mention: trig.mention, question: trig.question, command: trig.command, setting: snap.settings.trigger },
    triage: d.answer ? d.triage : false,
    overflow: d.answer ? d.overflow : false,
    vip: d.answer ? d.vip : false,
    cooldownRemainingS: remaining,
    slowWaiting,
    thread: {
      exchanges: recall.thread.map((e) => ({ comment: e.comment, answer: e.answer, route: e.route, at: e.at })),
      chatLines: recall.chat.length,
      facts: recall.facts.map((f) => f.text),
      returning: recall.returning,
      memory: snap.settings.memory,
    },
    settings: snap.settings,
  };
  return { ...x, reasons: reasonsOf(d, x) };
}

function print(ctx: Ctx, e: Explanation): void {
  ctx.out(e.answer ? `answer: yes, ${e.route} route (${e.model})` : `answer: no (${e.skip})`);
  for (const r of e.reasons) ctx.out(`  - ${r}`);
}

export async function explainCmd(ctx: Ctx, args: string[], opts: { user?: string; channel?: string; stdin?: boolean }): Promise<number> {
  if (opts.stdin && args.length) throw new CliError('give the comment as an argument or lines on stdin with --stdin, not both', EXIT_USAGE);
  if (!opts.stdin && args.length === 0) throw new CliError('give the comment text: botctl explain "<comment>" (or --stdin, one comment per line)', EXIT_USAGE);
  const channel = parseChannel(opts.channel);
  const user = opts.user === undefined ? undefined : parseTarget(opts.user, '--user');
  if (channel && user && channel.platform !== user.platform) throw new CliError('--user and --channel must be on the same platform', EXIT_USAGE);
  const platform = channel?.platform ?? user?.platform ?? 'twitch';
  const inp: Inputs = {
    names: names(ctx),
    platform,
    channel: channel?.name ?? (platform === 'twitch' ? ctx.env.TWITCH_CHANNELS[0] : undefined) ?? 'botctl',
    user: user?.name.replace(/^@/, '').toLowerCase() ?? 'botctl_viewer',
  };
  const redis = await ctx.redis();
  const controls = createControls({ redis, prefix: ctx.prefix, logger: pino({ level: 'silent' }), cacheMs: 500, timeoutMs: 5000 });
  const slow = new Queue(QUEUE.slow, { connection: redis, prefix: ctx.prefix });
  ctx.onClose(() => slow.close());
  if (!opts.stdin) {
    const e = await explainOne(ctx, args.join(' '), inp, controls, slow);
    if (ctx.json) ctx.outJson(e);
    else print(ctx, e);
    return EXIT_OK;
  }
  const lines = createInterface({ input: ctx.io.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    ctx.outJson(await explainOne(ctx, line, inp, controls, slow));
  }
  return EXIT_OK;
}
