/**
 * From a scenario's raw records to its numbers: outcomes per comment (from the bot's own
 * log lines), overhead per fast answer (from the fakes' clocks), timeliness, capacity use,
 * platform compliance, tokens saved and prompt tokens reused.
 */
import { WINDOW_MARGIN_MS } from '../src/handlers/outbox.js';
import { earliestSend } from '../src/platforms/pacer.js';
import type { ChannelLimits } from '../src/platforms/port.js';
import { sanitizeComment } from '../src/reply/safety.js';
import { twitchBuckets } from '../src/platforms/twitch/moderation.js';
import type { FakeChatRequest } from '../test/fakes/ollama.js';
import type { SentPrivmsg } from '../test/fakes/twitch.js';
import type { LogLine } from './bot-process.js';
import { crossesStall } from './stall-probe.js';
import { backlogWindows, capacityUse, maxInWindow, minSpacing, shareWithin, slotFreeAt, summarize, windowViolations, type Interval, type Summary } from './metrics.js';
import { commentOfRequest } from './model-replies.js';
import { BOT_LOGIN, CHANNEL, WARMUP_CHANNEL, type ScenarioRecords, type SentComment } from './scenario.js';

/** The Twitch adapter's per-channel limits (src/platforms/twitch/adapter.ts). */
export const LIMITS: Record<'mod' | 'nonMod', ChannelLimits> = {
  nonMod: { max: 20, windowMs: 30_000, minSpacingMs: 1000 },
  mod: { max: 100, windowMs: 30_000, minSpacingMs: 100 },
};

/**
 * Twitch's per-account buckets (twitchBuckets), as the outbox takes them with its window
 * margin: every message, and every message sent where the bot is neither moderator nor
 * broadcaster.
 */
const [ACCOUNT_ALL, ACCOUNT_USER] = twitchBuckets(BOT_LOGIN, false).map((b): ChannelLimits => ({ max: b.max, windowMs: b.windowMs + WINDOW_MARGIN_MS, minSpacingMs: 0 })) as [ChannelLimits, ChannelLimits];

export const FAST_ON_TIME_MS = 5_000;
export const SLOW_ON_TIME_MS = 60_000;

export interface ScenarioResult {
  profile: string;
  trace: string;
  mod: boolean;
  sent: number;
  ratePerS: number;
  commands: number;
  duplicates: number;
  shed: number;
  skipped: Record<string, number>;
  /** Comments still queued or being decided when the run stopped. */
  pendingAtStop: number;
  escalated: number;
  fastReady: number;
  fastPosted: number;
  fastLateDropped: number;
  fastOnTime: number;
  fastLatePosted: number;
  slowPosted: number;
  slowKnown: number;
  slowOnTime: number;
  acksPosted: number;
  acksDropped: number;
  /** Bot's own time per fast answer: e2e minus model service, minus waiting for a model slot and for the platform's pacing. */
  overhead: Summary;
  /** Every answer's overhead, ms (to pool runs: with fewer than 100 answers a run's p99 is its slowest answer). */
  overheadSamples: number[];
  /** Overheads of the answers whose path (comment → model request, end of stream → reply) crossed no machine stall (stall-probe.ts): what the bot's own work costs when the machine runs it. */
  overheadClearSamples: number[];
  /** Machine stalls during the trace: count, summed and longest length (ms); answers whose path crossed one. */
  stalls: { count: number; totalMs: number; longestMs: number; answersCrossed: number };
  /** The two halves of `overhead`: comment sent → model request (slot waits removed), and end of stream → reply on the socket (pacing removed). */
  overheadPre: Summary;
  overheadPost: Summary;
  /** e2e minus the model's service time only (includes waits for model slots and platform pacing). */
  e2eMinusModel: Summary;
  e2e: Summary;
  capacityFast: number;
  capacitySlow: number;
  backloggedFastS: number;
  backloggedSlowS: number;
  /** Every PRIVMSG the bot sent, and those Twitch showed (not refused). */
  repliesSent: number;
  repliesSeen: number;
  maxPer30s: number;
  limit: number;
  violations: number;
  violationsComputed: number;
  minSpacingMs: number;
  tokensPlannedFast: number;
  tokensSavedFast: number;
  stoppedEarly: number;
  promptCachedShare: number;
  cpuMsPerComment: number;
  drained: boolean;
  durationS: number;
  loadAverage: number;
}

const isFast = (l: LogLine) => l.component === 'fast';

/** Fast-model requests whose comment is `s` (same sanitized text and viewer), latest first. */
function requestsFor(byKey: Map<string, FakeChatRequest[]>, s: SentComment): FakeChatRequest[] {
  return byKey.get(keyOf(sanitizeComment(s.msg.text), sanitizeComment(s.msg.displayName))) ?? [];
}

const keyOf = (text: string, viewer: string | undefined) => `${viewer ?? ''}\u0000${text}`;

export function analyzeScenario(rec: ScenarioRecords): ScenarioResult {
  const { profile } = rec;
  const platform = rec.mod ? LIMITS.mod : LIMITS.nonMod;
  // the outbox paces with a margin on the window (src/handlers/outbox.ts)
  const limits = { ...platform, windowMs: platform.windowMs + WINDOW_MARGIN_MS };
  const sentById = new Map(rec.sent.map((s) => [s.id, s]));
  // the warm-up channel's comments and replies are not part of the run
  const logs = rec.logs.filter((l) => l.channel !== WARMUP_CHANNEL);
  const posts = rec.privmsgs.filter((p) => p.channel === CHANNEL);
  const postsByParent = new Map<string, SentPrivmsg[]>();
  for (const p of posts) {
    const id = p.tags['reply-parent-msg-id'];
    if (!id) continue;
    const list = postsByParent.get(id) ?? [];
    list.push(p);
    postsByParent.set(id, list);
  }

  // outcomes per comment, from the bot's log lines
  const decided = new Set<string>();
  const skipped: Record<string, number> = {};
  let escalated = 0;
  let fastReady = 0;
  let stoppedEarly = 0;
  let duplicates = 0;
  for (const l of logs) {
    const id = l.commentId as string | undefined;
    // the trace's comments only (not the warm-up's greeting in the measured channel)
    if (!id || !sentById.has(id)) continue;
    if (l.component === 'intake' && l.reason === 'duplicate_text') duplicates++;
    if (!isFast(l) || !l.outcome || decided.has(id)) continue;
    decided.add(id);
    if (l.outcome === 'skipped') skipped[String(l.reason)] = (skipped[String(l.reason)] ?? 0) + 1;
    if (l.outcome === 'escalated') escalated++;
    if (l.outcome === 'replied') {
      fastReady++;
      if (l.stoppedEarly) stoppedEarly++;
    }
  }
  const commands = rec.sent.filter((s) => s.msg.kind === 'command').length;
  // not decided, not a duplicate, not still waiting when the run stopped: shed at intake
  const shed = Math.max(0, rec.sent.length - commands - decided.size - duplicates - rec.pendingAtStop);

  // replies posted and dropped, by kind and route
  const postedLines = logs.filter((l) => l.msg === 'reply posted');
  const droppedLines = logs.filter((l) => l.msg === 'reply dropped');
  const firstPost = (id: string, kind: string): SentPrivmsg | undefined => {
    const list = postsByParent.get(id) ?? [];
    const ack = postedLines.find((l) => l.commentId === id && l.kind === 'ack');
    // an ack goes out before its comment's answer
    if (kind === 'answer' && ack) return list[Number(ack.parts ?? 1)];
    return list[0];
  };

  // fast-model requests by comment, for the model's own service time
  const fastReqs = rec.requests.filter((r) => r.model === profile.fast.model);
  const slowReqs = rec.requests.filter((r) => r.model === profile.slow.model);
  const byKey = new Map<string, FakeChatRequest[]>();
  for (const r of fastReqs) {
    const c = commentOfRequest(r);
    const k = keyOf(c.text, c.viewer);
    byKey.set(k, [...(byKey.get(k) ?? []), r]);
  }
  const end = (r: FakeChatRequest) => r.endedAt ?? rec.stoppedAt;
  const fastIntervals = fastReqs.map((r) => ({ start: r.at, end: end(r), r }));
  const postTimes = posts.map((p) => p.at).sort((a, b) => a - b);
  // the account's two buckets' messages (ACCOUNT_ALL, ACCOUNT_USER)
  const accountAll = rec.privmsgs.map((p) => p.at).sort((a, b) => a - b);
  const accountUser = rec.privmsgs.filter((p) => !(rec.mod && p.channel === CHANNEL)).map((p) => p.at).sort((a, b) => a - b);

  const overhead: number[] = [];
  const overheadPre: number[] = [];
  const overheadPost: number[] = [];
  const overheadClear: number[] = [];
  let answersCrossed = 0;
  const e2eMinusModel: number[] = [];
  const e2e: number[] = [];
  let fastPosted = 0;
  for (const l of postedLines) {
    if (l.kind !== 'answer' || l.route !== 'fast') continue;
    const s = sentById.get(String(l.commentId));
    const p = s && firstPost(s.id, 'answer');
    if (!s || !p) continue;
    fastPosted++;
    e2e.push(p.at - s.at);
    const q = requestsFor(byKey, s)
      .filter((r) => r.at >= s.at && r.endedAt !== undefined && r.endedAt <= p.at && r.outcome !== 'error')
      .pop();
    if (!q) continue;
    const model = q.endedAt! - q.at;
    e2eMinusModel.push(p.at - s.at - model);
    const others = fastIntervals.filter((o) => o.r !== q);
    const pre = q.at - slotFreeAt(others, profile.fast.parallel, s.at, q.at);
    const before = postTimes.filter((t) => t < p.at);
    // the channel's limits, and the account's buckets over every channel it posted in (the
    // warm-up channel's posts count too: Twitch counts per account, and so does the bot)
    const allowed = Math.max(
      earliestSend(before, limits, q.endedAt!),
      earliestSend(accountAll.filter((t) => t < p.at), ACCOUNT_ALL, q.endedAt!),
      rec.mod ? 0 : earliestSend(accountUser.filter((t) => t < p.at), ACCOUNT_USER, q.endedAt!),
    );
    const post = p.at - Math.max(q.endedAt!, allowed);
    overhead.push(pre + post);
    if (crossesStall(rec.stalls, s.at, q.at) || crossesStall(rec.stalls, q.endedAt!, p.at)) answersCrossed++;
    else overheadClear.push(pre + post);
    overheadPre.push(pre);
    overheadPost.push(post);
  }
  const fastLateDropped = droppedLines.filter((l) => l.kind === 'answer' && l.route === 'fast' && l.reason === 'late').length;

  // slow answers within 60 s, over escalated comments whose 60 s are known
  const escalatedIds = logs.filter((l) => isFast(l) && l.outcome === 'escalated').map((l) => String(l.commentId));
  let slowKnown = 0;
  let slowOnTime = 0;
  let slowPosted = 0;
  for (const id of new Set(escalatedIds)) {
    const s = sentById.get(id);
    if (!s) continue;
    const answered = postedLines.some((l) => l.commentId === id && l.kind === 'answer');
    const p = answered ? firstPost(id, 'answer') : undefined;
    if (p) slowPosted++;
    if (p && p.at - s.at <= SLOW_ON_TIME_MS) {
      slowKnown++;
      slowOnTime++;
    } else if (s.at + SLOW_ON_TIME_MS <= rec.stoppedAt) slowKnown++;
  }
  const acksPosted = postedLines.filter((l) => l.kind === 'ack').length;
  const acksDropped = droppedLines.filter((l) => l.kind === 'ack').length;

  // capacity use while backlogged
  const inRun = (w: Interval[]) => w.map((x) => ({ start: Math.max(x.start, rec.startedAt), end: Math.min(x.end, rec.stoppedAt) })).filter((x) => x.end > x.start);
  const fastWindows = inRun(backlogWindows(rec.depth.map((d) => ({ at: d.at, depth: d.comments })), 1000, 1));
  const slowWindows = inRun(backlogWindows(rec.depth.map((d) => ({ at: d.at, depth: d.slow })), 1000, 1));
  const busy = (rs: FakeChatRequest[]) => rs.map((r) => ({ start: r.slotAt ?? r.at, end: end(r) }));
  const seconds = (w: Interval[]) => w.reduce((a, x) => a + x.end - x.start, 0) / 1000;

  // tokens
  const fastDone = fastReqs.filter((r) => r.endedAt !== undefined && r.endedAt < rec.stoppedAt && r.plannedTokens !== undefined);
  const tokensPlannedFast = fastDone.reduce((a, r) => a + (r.plannedTokens ?? 0), 0);
  const tokensSavedFast = fastDone.filter((r) => r.outcome === 'aborted').reduce((a, r) => a + (r.plannedTokens ?? 0) - (r.generatedTokens ?? 0), 0);
  const promptAll = rec.stats.cachedPromptTokens + rec.stats.promptEvalTokens;

  const onTime = e2e.filter((x) => x <= FAST_ON_TIME_MS).length;
  return {
    profile: profile.name,
    trace: rec.trace.name,
    mod: rec.mod,
    sent: rec.sent.length,
    ratePerS: rec.sent.length / (rec.trace.durationMs / 1000),
    commands,
    duplicates,
    shed,
    skipped,
    pendingAtStop: rec.pendingAtStop,
    escalated,
    fastReady,
    fastPosted,
    fastLateDropped,
    fastOnTime: shareWithin(e2e, FAST_ON_TIME_MS),
    fastLatePosted: e2e.length - onTime,
    slowPosted,
    slowKnown,
    slowOnTime: slowKnown ? slowOnTime / slowKnown : Number.NaN,
    acksPosted,
    acksDropped,
    overhead: summarize(overhead),
    overheadSamples: overhead,
    overheadClearSamples: overheadClear,
    stalls: {
      count: rec.stalls.length,
      totalMs: rec.stalls.reduce((t, x) => t + x.end - x.start, 0),
      longestMs: Math.max(0, ...rec.stalls.map((x) => x.end - x.start)),
      answersCrossed,
    },
    overheadPre: summarize(overheadPre),
    overheadPost: summarize(overheadPost),
    e2eMinusModel: summarize(e2eMinusModel),
    e2e: summarize(e2e),
    capacityFast: capacityUse(busy(fastReqs), profile.fast.parallel, fastWindows),
    capacitySlow: capacityUse(busy(slowReqs), profile.slow.parallel, slowWindows),
    backloggedFastS: seconds(fastWindows),
    backloggedSlowS: seconds(slowWindows),
    repliesSent: posts.length,
    repliesSeen: posts.filter((p) => !p.dropped).length,
    maxPer30s: maxInWindow(postTimes, 30_000),
    limit: platform.max,
    violations: posts.filter((p) => p.dropped === 'msg_ratelimit').length,
    violationsComputed: windowViolations(postTimes, 30_000, platform.max),
    minSpacingMs: minSpacing(postTimes),
    tokensPlannedFast,
    tokensSavedFast,
    stoppedEarly,
    promptCachedShare: promptAll ? rec.stats.cachedPromptTokens / promptAll : Number.NaN,
    cpuMsPerComment: rec.cpuMs / Math.max(1, rec.sent.length),
    drained: rec.drained,
    durationS: (rec.stoppedAt - rec.startedAt) / 1000,
    loadAverage: rec.loadAverage,
  };
}
