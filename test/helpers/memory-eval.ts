/**
 * The measured memory evaluation (issue 14, `npm run eval:memory`, test/integration/memory-eval.test.ts).
 *
 * Scripted multi-turn scenes (test/fixtures/memory/scenes.yaml) run through the real pipeline:
 * the app as `npm start` builds it (gateway, fast and slow workers in one process), real Redis
 * under a fresh prefix, the fake Twitch (every scene in its own channel, so scenes never see
 * each other) and the fake Ollama. The fake models answer deterministically (a scene may say
 * what the model answers to a comment) and the fake extraction model (a request with `format`)
 * lists the facts the scene says it finds in a comment. For each checked comment, the model
 * request that answered it is read: the background before `Viewer: ` must contain some strings
 * and must not contain others (another viewer's words or facts, a poisoned instruction, a
 * filtered comment or reply).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { buildApp, type App } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { controlKeys } from '../../src/controls/keys.js';
import { eventsKey } from '../../src/events.js';
import { createLogger } from '../../src/log.js';
import { mayStateFacts } from '../../src/memory/extract.js';
import { MEMORY_QUEUE } from '../../src/memory/forget.js';
import { memoryKeys } from '../../src/memory/keys.js';
import { mayKeep } from '../../src/memory/store.js';
import { commentOf, startFakeOllama, type FakeChatRequest, type FakeOllama, type FakeReply } from '../fakes/ollama.js';
import { startFakeTwitch, type FakeTwitch } from '../fakes/twitch.js';
import { LogCapture } from './log-capture.js';
import { dropPrefix, newRedis, REDIS_URL, uniquePrefix } from './redis.js';

export const SCENES_FILE = 'test/fixtures/memory/scenes.yaml';
export const FAST_MODEL = 'qwen2.5:14b';
export const SLOW_MODEL = 'gpt-oss:120b';
export const BOT_LOGIN = 'botan_bot';
/** Controls of every channel unless a scene says otherwise (the eval is about what the model sees). */
export const EVAL_CONTROLS = { user_cooldown_s: '0', trigger: 'all' } as const;
/** Environment beyond what `npm start` needs: copy-paste dedup off (two viewers may both say "why?"). */
export const EVAL_ENV = { DEDUP_WINDOW_S: '0' } as const;

export const CATEGORIES = ['follow-up', 'reply-to-bot', 'stream-context', 'returning-viewer', 'crosstalk', 'poisoning', 'filtered', 'about-chat', 'privacy'] as const;
export type Category = (typeof CATEGORIES)[number];

const checkSchema = z.strictObject({
  must: z.array(z.string().min(1)).default([]),
  mustNot: z.array(z.string().min(1)).default([]),
  route: z.enum(['fast', 'slow']).optional(),
});

const commentStepSchema = z.strictObject({
  /** A label other steps refer to (replies). */
  id: z.string().optional(),
  user: z.string().regex(/^[a-z0-9_]{2,25}$/, 'a Twitch login: a-z, 0-9, _'),
  text: z.string().min(1),
  /** What the fake model answers to this comment (default: a short generic line, unique per comment). */
  answer: z.string().optional(),
  /** What the fake slow model answers, when it differs from `answer`. */
  slowAnswer: z.string().optional(),
  /** What the fake extraction model lists for this comment (it may be fooled: guard.ts must drop instructions). */
  facts: z.array(z.string()).optional(),
  /** A Twitch reply: to the bot's answer to step `to` (full tags as Twitch sends them, only the parent id, or a thread whose parent id the bot never saw), or to a viewer's comment. */
  reply: z.strictObject({ to: z.string(), via: z.enum(['full', 'id', 'thread', 'viewer']).default('full') }).optional(),
  /** Milliseconds to wait before sending. */
  delayMs: z.number().int().min(0).max(10_000).optional(),
  /** Send the next step without waiting for this comment's outcome (two viewers talking over each other). */
  noWait: z.boolean().optional(),
  /** What must happen to the comment itself (default: answered). */
  expect: z.enum(['answered', 'not_answered']).default('answered'),
  check: checkSchema.optional(),
});

const awayStepSchema = z.strictObject({
  /** The viewer leaves: fact extraction finishes, then their last visit is moved back this many hours. */
  away: z.string(),
  hours: z.number().positive().default(2),
});
const contextStepSchema = z.strictObject({
  /** Moderators set the channel's `context` control field ('' clears it). */
  context: z.string().max(500),
});
const setStepSchema = z.strictObject({
  /** Moderators change the channel's control fields (e.g. memory on); '' removes a field. */
  set: z.record(z.string(), z.string()),
});
const blockStepSchema = z.strictObject({
  /** Moderators block a user (login) or a word in the middle of the scene. */
  block: z.strictObject({ user: z.string().optional(), word: z.string().optional() }),
});
const stepSchema = z.union([commentStepSchema, awayStepSchema, contextStepSchema, setStepSchema, blockStepSchema]);

export const sceneSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9-]+$/),
    category: z.enum(CATEGORIES),
    lang: z.enum(['en', 'ja', 'mixed']),
    /** What the scene checks, in a sentence. */
    about: z.string(),
    /** Per-channel control overrides set before the run (e.g. context, memory, trigger). */
    controls: z.record(z.string(), z.string()).optional(),
    /** Logins (of this scene) added to the blocked users, words added to the blocked words. */
    blockedUsers: z.array(z.string()).optional(),
    blockedWords: z.array(z.string()).optional(),
    steps: z.array(stepSchema).min(1),
    /** Strings no answer request of the scene may carry in its background (and no extraction request at all). */
    never: z.array(z.string().min(1)).default([]),
    /** A known defect of the product makes this scene fail (the eval reports it; the test expects it to fail until fixed). */
    knownDefect: z.string().optional(),
  })
  .superRefine((s, ctx) => {
    const ids = new Set<string>();
    let checks = 0;
    for (const st of s.steps) {
      if ('text' in st) {
        if (st.reply && !ids.has(st.reply.to)) ctx.addIssue({ code: 'custom', message: `reply.to ${st.reply.to}: no earlier step has this id` });
        if (st.id) ids.add(st.id);
        if (st.check) checks++;
      }
    }
    if (checks === 0 && s.never.length === 0) ctx.addIssue({ code: 'custom', message: 'a scene needs at least one check or a never list' });
  });
export type Scene = z.infer<typeof sceneSchema>;
type CommentStep = z.infer<typeof commentStepSchema>;
type Step = z.infer<typeof stepSchema>;
const isComment = (s: Step): s is CommentStep => 'text' in s;

export function loadScenes(file = SCENES_FILE): Scene[] {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  const list = z.array(z.unknown()).parse(raw);
  const out: Scene[] = [];
  const problems: string[] = [];
  list.forEach((s, i) => {
    const r = sceneSchema.safeParse(s);
    if (r.success) out.push(r.data);
    else problems.push(`scene #${i + 1} (${(s as { id?: string })?.id ?? '?'}): ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
  });
  const dup = out.map((s) => s.id).filter((id, i, a) => a.indexOf(id) !== i);
  if (dup.length) problems.push(`duplicate scene ids: ${dup.join(', ')}`);
  if (problems.length) throw new Error(`${file}:\n${problems.join('\n')}`);
  return out;
}

// ---------------------------------------------------------------- results

export interface ItemResult {
  step: number;
  kind: 'must' | 'mustNot' | 'never' | 'route' | 'outcome';
  text: string;
  ok: boolean;
  detail?: string;
}

export interface SceneResult {
  scene: Scene;
  channel: string;
  items: ItemResult[];
  passed: boolean;
  ms: number;
}

export interface AnswerSize {
  route: 'fast' | 'slow';
  chars: number;
}

export interface EvalRun {
  results: SceneResult[];
  sizes: AnswerSize[];
  ms: number;
  joinMs: number;
}

/** The background before the comment (stream context, reply target, thread, facts, recent chat). */
export function backgroundOf(r: FakeChatRequest): string {
  const user = r.messages.find((m) => m.role === 'user')?.content ?? '';
  const i = user.indexOf('Viewer: ');
  return i <= 0 ? '' : user.slice(0, i).trimEnd();
}
const viewerOf = (r: FakeChatRequest): string => /(?:^|\n)Viewer: ("(?:[^"\\]|\\.)*")/.exec(r.messages.find((m) => m.role === 'user')?.content ?? '')?.[1] ?? '';
const cp = (s: string) => [...s].length;
const short = (s: string, n = 60) => (cp(s) > n ? `${[...s].slice(0, n - 1).join('')}…` : s);

/** The extraction request's message (a JSON string on the line after the header). */
function extractedText(r: FakeChatRequest): string {
  const user = r.messages.find((m) => m.role === 'user')?.content ?? '';
  try {
    return String(JSON.parse(user.split('\n')[1] ?? '""'));
  } catch {
    return user;
  }
}

function genericAnswer(step: CommentStep, model: string): string {
  const tag = createHash('sha1').update(`${step.user}\n${step.text}\n${model}`).digest('hex').slice(0, 6);
  return /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u.test(step.text) ? `うんうん、なるほどね！(${tag})` : `Oh, nice one! (${tag})`;
}

// ---------------------------------------------------------------- runner

export interface RunOptions {
  scenes: Scene[];
  /** Progress lines (one per scene). */
  log?: (line: string) => void;
  /** Per-comment outcome timeout. */
  settleTimeoutMs?: number;
  /** Over EVAL_ENV (the test turns off the copypasta hold, which only delays long questions' answers here). */
  env?: Record<string, string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const channelOf = (i: number) => `memeval_${String(i + 1).padStart(3, '0')}`;

/** Run every scene (in order, one at a time, each in its own channel) and score it. */
export async function runEval(opts: RunOptions): Promise<EvalRun> {
  const started = Date.now();
  const { scenes } = opts;
  const settleTimeoutMs = opts.settleTimeoutMs ?? 20_000;
  const prefix = uniquePrefix('memeval');
  const channels = scenes.map((_, i) => channelOf(i));
  // the scene being run: the fake models answer from its steps
  let current: { scene: Scene; userIds: Map<string, string>; sent: CommentStep[] } | undefined;
  // the step most recently sent with this text (and viewer): a viewer may say "why?" twice
  const stepFor = (text: string, viewer?: string): CommentStep | undefined =>
    [...(current?.sent ?? [])].reverse().find((s) => s.text === text && (viewer === undefined || JSON.stringify(s.user) === viewer));
  const reply = (req: FakeChatRequest): FakeReply => {
    if (req.format) {
      const step = stepFor(extractedText(req));
      return { content: JSON.stringify({ facts: step?.facts ?? [] }) };
    }
    const step = stepFor(commentOf(req), viewerOf(req));
    if (!step) return { content: 'Hmm?' };
    const slow = req.model === SLOW_MODEL;
    return { content: (slow ? (step.slowAnswer ?? step.answer) : step.answer) ?? genericAnswer(step, req.model), ...(slow ? { thinking: 'Let me think.' } : {}) };
  };

  const twitch: FakeTwitch = await startFakeTwitch({ modIn: channels });
  const ollama: FakeOllama = await startFakeOllama({ reply, ttftMs: 5, tokensPerSec: 0 });
  const redis = newRedis();
  const keys = controlKeys(prefix);
  const mem = memoryKeys(prefix);
  let app: App | undefined;
  const memoryQueue = new Queue(MEMORY_QUEUE, { connection: redis, prefix });
  try {
    // controls before the start: every channel's from the start, no cache to wait for
    await redis.hset(keys.routing, EVAL_CONTROLS);
    for (const [i, s] of scenes.entries()) {
      if (s.controls && Object.keys(s.controls).length) await redis.hset(keys.channel('twitch', channels[i]!), s.controls);
      for (const u of s.blockedUsers ?? []) await redis.sadd(keys.sets.blocked_users, `twitch:${u}`);
      for (const w of s.blockedWords ?? []) await redis.sadd(keys.sets.blocked_words, w);
    }
    const parsed = parseConfig({
      REDIS_URL,
      REDIS_PREFIX: prefix,
      OLLAMA_HOST: ollama.host,
      TWITCH_CHANNELS: channels.join(','),
      TWITCH_USERNAME: BOT_LOGIN,
      TWITCH_OAUTH_TOKEN: 'oauth:abcdefghijklmnopqrstuvwxyz0123',
      TWITCH_IRC_URL: twitch.url,
      LOG_LEVEL: 'info',
      ...EVAL_ENV,
      ...opts.env,
    });
    if (!parsed.ok) throw new Error(`eval config: ${parsed.errors.join('; ')}`);
    const logs = new LogCapture();
    // one channel per scene: joined as fast as tmi.js allows (300 ms apart; the bot's default is 500)
    app = buildApp({ config: parsed.config, logger: createLogger({ level: 'info', destination: logs }), roles: ['gateway', 'fast', 'slow'], adapterBackoff: { twitch: { joinIntervalMs: 300 } } });
    await app.start();
    for (const ch of channels) await twitch.waitForJoin(ch, 60_000);
    const joinMs = Date.now() - started;

    const results: SceneResult[] = [];
    for (const [i, scene] of scenes.entries()) {
      const channel = channels[i]!;
      const t0 = Date.now();
      const userIds = new Map<string, string>();
      const uid = (login: string) => {
        if (!userIds.has(login)) userIds.set(login, String(7_000_000 + i * 100 + userIds.size));
        return userIds.get(login)!;
      };
      current = { scene, userIds, sent: [] };
      let memoryOn = scene.controls?.memory !== 'off';
      const firstRequest = ollama.requests.length;
      const items: ItemResult[] = [];
      const sent: { step: CommentStep; index: number; id: string; at: number }[] = [];
      const pending: string[] = [];
      let eventsFrom = '-';
      const outcomes = new Map<string, string>();

      /** Read the events stream: the last outcome of each comment of this channel. */
      const readEvents = async () => {
        const batch = (await redis.xrange(eventsKey(prefix), eventsFrom, '+')) as [string, string[]][];
        for (const [id, flat] of batch) {
          const f = new Map<string, string>();
          for (let k = 0; k + 1 < flat.length; k += 2) f.set(flat[k]!, flat[k + 1]!);
          if (f.get('channel') !== channel) continue;
          const type = f.get('type') ?? '';
          if (['skip', 'drop', 'filtered'].includes(type) || (type === 'reply' && f.get('route') !== 'ack')) outcomes.set(f.get('id') ?? '', `${type}${f.get('reason') ? `:${f.get('reason')}` : ''}${f.get('route') ? `:${f.get('route')}` : ''}`);
          eventsFrom = `(${id}`;
        }
      };
      /** Wait until every pending comment has an outcome, and a posted exchange is in memory. */
      const settle = async () => {
        const end = Date.now() + settleTimeoutMs;
        while (pending.length) {
          await readEvents();
          for (let k = pending.length - 1; k >= 0; k--) if (outcomes.has(pending[k]!)) {
            const id = pending[k]!;
            const s = sent.find((x) => x.id === id)!;
            if (outcomes.get(id)!.startsWith('reply:') && mayKeep(s.step.text) && memoryOn) {
              // the outbox keeps the exchange right after the reply event
              const until = Date.now() + 2_000;
              while (Date.now() < until && !(await redis.lrange(mem.channelExchanges('twitch', channel), 0, 20)).some((e) => e.includes(JSON.stringify(id)))) await sleep(15);
            }
            pending.splice(k, 1);
          }
          if (!pending.length) break;
          if (Date.now() > end) {
            for (const id of pending.splice(0)) outcomes.set(id, 'timeout');
            break;
          }
          await sleep(15);
        }
      };

      for (const [index, step] of scene.steps.entries()) {
        if ('away' in step) {
          await settle();
          // fact extraction runs in the background: let it finish before the viewer "leaves"
          // (each of their kept comments that may state facts is read once: its log line says so)
          const extracted = sent.filter((x) => x.step.user === step.away && memoryOn && outcomes.get(x.id)?.startsWith('reply:') && mayKeep(x.step.text) && mayStateFacts(x.step.text));
          for (const x of extracted) await logs.waitFor('viewer facts extracted', (l) => l.commentId === x.id, settleTimeoutMs).catch(() => undefined);
          const end = Date.now() + settleTimeoutMs;
          for (;;) {
            const c = await memoryQueue.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
            if (Object.values(c).every((n) => n === 0) || Date.now() > end) break;
            await sleep(25);
          }
          await redis.hset(mem.viewer('twitch', uid(step.away)), 'last_seen', String(Date.now() - step.hours * 3600_000));
          continue;
        }
        if ('block' in step) {
          await settle();
          if (step.block.user) await redis.sadd(keys.sets.blocked_users, `twitch:${step.block.user}`);
          if (step.block.word) await redis.sadd(keys.sets.blocked_words, step.block.word);
          await sleep(1_100); // controls are cached for up to 1 s
          continue;
        }
        if ('context' in step || 'set' in step) {
          await settle();
          const fields = 'set' in step ? step.set : { context: step.context };
          for (const [k, v] of Object.entries(fields)) {
            if (v) await redis.hset(keys.channel('twitch', channel), k, v);
            else await redis.hdel(keys.channel('twitch', channel), k);
            if (k === 'memory') memoryOn = v !== 'off';
          }
          await sleep(1_100); // controls are cached for up to 1 s
          continue;
        }
        if (step.delayMs) await sleep(step.delayMs);
        const tags: Record<string, string> = {};
        if (step.reply) {
          const target = sent.find((x) => x.step.id === step.reply!.to)!;
          if (step.reply.via === 'viewer') {
            Object.assign(tags, {
              'reply-parent-msg-id': target.id,
              'reply-parent-user-id': uid(target.step.user),
              'reply-parent-user-login': target.step.user,
              'reply-parent-display-name': target.step.user,
              'reply-parent-msg-body': target.step.text,
              'reply-thread-parent-msg-id': target.id,
              'reply-thread-parent-user-login': target.step.user,
            });
          } else {
            const botMsgs = twitch.privmsgs().filter((m) => m.channel === channel && m.tags['reply-parent-msg-id'] === target.id);
            const botMsg = botMsgs[botMsgs.length - 1];
            const parentId = step.reply.via === 'thread' || !botMsg ? `unknown-${target.id.slice(0, 8)}` : botMsg.id;
            if (step.reply.via === 'id') tags['reply-parent-msg-id'] = parentId;
            else
              Object.assign(tags, {
                'reply-parent-msg-id': parentId,
                'reply-parent-user-id': '90000001',
                'reply-parent-user-login': BOT_LOGIN,
                'reply-parent-display-name': BOT_LOGIN,
                'reply-parent-msg-body': botMsg?.text ?? '',
                'reply-thread-parent-msg-id': target.id,
                'reply-thread-parent-user-login': target.step.user,
              });
          }
        }
        current.sent.push(step);
        const id = twitch.chat(channel, { user: step.user, userId: uid(step.user), text: step.text, tags });
        sent.push({ step, index, id, at: Date.now() });
        pending.push(id);
        if (!step.noWait) await settle();
      }
      await settle();
      // background extraction of this scene's last comments ends before the next scene
      const end = Date.now() + settleTimeoutMs;
      for (;;) {
        const c = await memoryQueue.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
        if (Object.values(c).every((n) => n === 0) || Date.now() > end) break;
        await sleep(25);
      }

      // ---- score
      const reqs = ollama.requests.slice(firstRequest);
      const answerReqs = reqs.filter((r) => !r.format);
      // the last request for this viewer and text that arrived after it was sent and before the
      // same viewer sent the same text again (a viewer may say "why?" twice in a scene)
      const answerFor = (s: { step: CommentStep; at: number }) => {
        const again = sent.find((x) => x.at > s.at && x.step.user === s.step.user && x.step.text === s.step.text);
        return answerReqs.filter((r) => r.at >= s.at && (!again || r.at < again.at) && commentOf(r) === s.step.text && viewerOf(r) === JSON.stringify(s.step.user)).pop();
      };
      for (const s of sent) {
        const outcome = outcomes.get(s.id) ?? 'none';
        const answered = outcome.startsWith('reply:');
        if (s.step.expect === 'not_answered') {
          // nothing posted (the model may have been asked: a reply that failed the output filters)
          items.push({ step: s.index, kind: 'outcome', text: 'not answered', ok: !answered && outcome !== 'timeout', detail: outcome });
        } else if (!answered) {
          items.push({ step: s.index, kind: 'outcome', text: 'answered', ok: false, detail: outcome });
        }
        const c = s.step.check;
        if (!c) continue;
        const req = answerFor(s);
        const bg = req ? backgroundOf(req) : '';
        for (const m of c.must) items.push({ step: s.index, kind: 'must', text: m, ok: req !== undefined && bg.includes(m), ...(req ? {} : { detail: 'no model request' }) });
        for (const m of c.mustNot) items.push({ step: s.index, kind: 'mustNot', text: m, ok: !bg.includes(m) });
        if (c.route) {
          const route = req ? (req.model === SLOW_MODEL ? 'slow' : 'fast') : 'none';
          items.push({ step: s.index, kind: 'route', text: c.route, ok: route === c.route, detail: route });
        }
      }
      for (const n of scene.never) {
        const leaks = answerReqs.filter((r) => backgroundOf(r).includes(n)).length + reqs.filter((r) => r.format && extractedText(r).includes(n)).length;
        items.push({ step: -1, kind: 'never', text: n, ok: leaks === 0, ...(leaks ? { detail: `${leaks} request(s)` } : {}) });
      }
      const result: SceneResult = { scene, channel, items, passed: items.every((x) => x.ok), ms: Date.now() - t0 };
      results.push(result);
      opts.log?.(`${result.passed ? 'pass' : 'FAIL'} ${scene.id} (${result.ms} ms)${result.passed ? '' : `: ${describeFailures(result).join('; ')}`}`);
    }
    const sizes: AnswerSize[] = ollama.requests.filter((r) => !r.format).map((r) => ({ route: r.model === SLOW_MODEL ? 'slow' : 'fast', chars: cp(backgroundOf(r)) }));
    return { results, sizes, ms: Date.now() - started, joinMs };
  } finally {
    current = undefined;
    await app?.close().catch(() => undefined);
    await memoryQueue.close().catch(() => undefined);
    await Promise.allSettled([twitch.close(), ollama.close()]);
    await dropPrefix(prefix);
    redis.disconnect();
  }
}

export function describeFailures(r: SceneResult): string[] {
  return r.items
    .filter((x) => !x.ok)
    .map((x) => {
      const where = x.step >= 0 ? `step ${x.step + 1}` : 'scene';
      switch (x.kind) {
        case 'must':
          return `${where}: missing ${JSON.stringify(short(x.text))}${x.detail ? ` (${x.detail})` : ''}`;
        case 'mustNot':
          return `${where}: leaked ${JSON.stringify(short(x.text))}`;
        case 'never':
          return `${where}: ${JSON.stringify(short(x.text))} reached ${x.detail}`;
        case 'route':
          return `${where}: routed ${x.detail}, expected ${x.text}`;
        default:
          return `${where}: expected ${x.text}, got ${x.detail}`;
      }
    });
}

// ---------------------------------------------------------------- report

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

interface Tally {
  scenes: number;
  passed: number;
  must: number;
  mustFound: number;
  mustNot: number;
  leaked: number;
  other: number;
  otherOk: number;
}
function tally(rs: readonly SceneResult[]): Tally {
  const t: Tally = { scenes: rs.length, passed: 0, must: 0, mustFound: 0, mustNot: 0, leaked: 0, other: 0, otherOk: 0 };
  for (const r of rs) {
    if (r.passed) t.passed++;
    for (const x of r.items) {
      if (x.kind === 'must') {
        t.must++;
        if (x.ok) t.mustFound++;
      } else if (x.kind === 'mustNot' || x.kind === 'never') {
        t.mustNot++;
        if (!x.ok) t.leaked++;
      } else {
        t.other++;
        if (x.ok) t.otherOk++;
      }
    }
  }
  return t;
}

const f3 = (x: number) => x.toFixed(3);
const ratio = (a: number, b: number) => (b === 0 ? '–' : f3(a / b));

export function renderReport(run: EvalRun, meta: { date: string; node: string; host: string }): string {
  const { results } = run;
  const all = tally(results);
  const langs = [...new Set(results.map((r) => r.scene.lang))].map((l) => `${l} ${results.filter((r) => r.scene.lang === l).length}`).join(', ');
  const row = (name: string, t: Tally) =>
    `| ${name} | ${t.scenes} | ${t.passed} (${((t.passed / Math.max(1, t.scenes)) * 100).toFixed(0)}%) | ${ratio(t.mustFound, t.must)} (${t.mustFound}/${t.must}) | ${t.mustNot === 0 ? '–' : f3(1 - t.leaked / t.mustNot)} (${t.leaked} leaked/${t.mustNot}) | ${t.other === 0 ? '–' : `${t.otherOk}/${t.other}`} |`;
  const lines: string[] = [];
  lines.push('## Memory: context recall and precision (`npm run eval:memory`)', '');
  lines.push(`Produced by \`npm run eval:memory\` on ${meta.date} (${meta.host}, Node ${meta.node}); whole run ${(run.ms / 1000).toFixed(0)} s (joining ${results.length} channels: ${(run.joinMs / 1000).toFixed(0)} s).`);
  lines.push(
    `Set: ${results.length} scripted multi-turn scenes in \`${SCENES_FILE}\` (${langs}). Each runs through the real pipeline: the app as \`npm start\` builds it (gateway, fast and slow workers in one process), real Redis under a fresh prefix, the fake Twitch (IRC over WebSocket; every scene in its own channel, where the bot is a moderator; Twitch reply tags as Twitch sends them) and the fake Ollama (deterministic answers; the fake extraction model returns the facts the scene lists, sometimes a fooled one). Controls: \`user_cooldown_s 0\` and \`trigger all\` on every channel unless a scene overrides them, \`DEDUP_WINDOW_S=0\`; a returning viewer's last visit is moved back in Redis after extraction finished.`,
  );
  lines.push(
    'For each checked comment the model request that answered it is read, its background (everything before `Viewer: `): **recall** = must-contain strings found / all must-contain strings; **precision** = 1 − must-not-contain strings found / all must-not-contain strings (another viewer\'s words or facts, a poisoned instruction, a filtered comment or reply; a scene\'s `never` strings count once each and are checked in every answer and extraction request of the scene). "Other" counts routing (a depth follow-up on a slow answer goes slow) and outcome checks (a filtered comment is not answered).',
    '',
  );
  lines.push('| category | scenes | passed | recall | precision | other checks |', '|---|---:|---:|---:|---:|---:|');
  for (const c of CATEGORIES) {
    const rs = results.filter((r) => r.scene.category === c);
    if (rs.length) lines.push(row(c, tally(rs)));
  }
  lines.push(row('**all**', all));
  for (const l of ['en', 'ja', 'mixed'] as const) {
    const rs = results.filter((r) => r.scene.lang === l);
    if (rs.length) lines.push(row(`language: ${l}`, tally(rs)));
  }
  lines.push('');
  const failed = results.filter((r) => !r.passed);
  if (failed.length) {
    lines.push(`Failures (${failed.length} scene(s)):`, '');
    for (const r of failed) lines.push(`- \`${r.scene.id}\` (${r.scene.category})${r.scene.knownDefect ? ` — known defect: ${r.scene.knownDefect}` : ''}: ${describeFailures(r).join('; ')}`);
    lines.push('');
  } else lines.push('Failures: none.', '');
  const sizeRow = (name: string, xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const withBg = s.filter((x) => x > 0);
    return `| ${name} | ${s.length} | ${withBg.length} | ${quantile(s, 0.5)} | ${quantile(s, 0.95)} | ${s[s.length - 1] ?? 0} | ${quantile(withBg, 0.5)} |`;
  };
  lines.push(
    'Prompt characters added per answer (the background before the comment, in code points; every answer request of the run; budgets: `MEMORY_FAST_CHARS` 800 and `MEMORY_SLOW_CHARS` 4000 for what comes from chat, the stream context on top):',
    '',
    '| route | answers | with background | p50 | p95 | max | p50 of those with background |',
    '|---|---:|---:|---:|---:|---:|---:|',
    sizeRow('fast', run.sizes.filter((s) => s.route === 'fast').map((s) => s.chars)),
    sizeRow('slow', run.sizes.filter((s) => s.route === 'slow').map((s) => s.chars)),
  );
  return lines.join('\n');
}

export const REPORT_START = '<!-- eval:memory:start -->';
export const REPORT_END = '<!-- eval:memory:end -->';

export function replaceReport(doc: string, body: string): string {
  const section = `${REPORT_START}\n${body.trimEnd()}\n${REPORT_END}`;
  const a = doc.indexOf(REPORT_START);
  const b = a >= 0 ? doc.indexOf(REPORT_END, a) : -1;
  if (a >= 0 && b > a) return doc.slice(0, a) + section + doc.slice(b + REPORT_END.length);
  return `${doc.trimEnd()}\n\n${section}\n`;
}
