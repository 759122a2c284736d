/**
 * `npm run bench:moderators`: the moderators' surfaces, measured on the real bot
 * (`workers/main.ts` as a child process, as `npm start` runs it) against real Redis, the
 * fake Twitch and the fake Ollama, and the panel in Debian's headless chromium.
 *
 * - Chat command → effect: a moderator types `!botan pause` (then `!botan resume`); a
 *   question from a fresh viewer is sent every PROBE_MS; the effect time is when the first
 *   question that the bot skipped as paused (or, after resume, answered: the fast worker's
 *   'fast answer ready') was sent, counted
 *   from the command (an upper bound, within PROBE_MS). Also the command's own time to the
 *   Redis write (`appliedMs` of the bot's log) and to its confirmation in chat.
 * - Panel: bytes transferred and first contentful paint of the login page (cold cache) and
 *   of the Live page after logging in, each RUNS times in a fresh browser context.
 *
 * Writes the tables into BENCHMARKS.md between `<!-- bench:moderators:start/end -->`
 * (`--no-write` prints only).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { chromium } from 'playwright-core';
import { deleteKeys } from '../src/redis.js';
import { startFakeOllama } from '../test/fakes/ollama.js';
import { startFakeTwitch } from '../test/fakes/twitch.js';
import { chromiumPath } from '../test/helpers/browser.js';
import { botEnv, startProcess, type LogLine } from './bot-process.js';
import { replaceSection, machine } from './report.js';

const TRIALS = 10;
const RUNS = 5;
const PROBE_MS = 50;
const CHANNEL = 'bench_ch';
const TOKEN = 'bench-panel-token-0123456789';
const write = !process.argv.includes('--no-write');
const out = (s: string) => process.stdout.write(s + '\n');

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const pick = (xs: number[], p: number) => sorted(xs)[Math.min(xs.length - 1, Math.max(0, Math.ceil(p * xs.length) - 1))] ?? Number.NaN;
const row = (name: string, xs: number[], unit = 'ms') => `| ${name} | ${xs.length} | ${Math.round(pick(xs, 0.5))} ${unit} | ${Math.round(pick(xs, 0.95))} ${unit} | ${Math.round(Math.max(...xs))} ${unit} |`;

async function commands(): Promise<string> {
  const prefix = `bench-mod-${randomBytes(3).toString('hex')}`;
  const twitch = await startFakeTwitch({ modIn: [CHANNEL] });
  const ollama = await startFakeOllama({ reply: () => ({ content: 'うん！' }) });
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const bot = startProcess('workers/main.ts', botEnv({
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: prefix,
    OLLAMA_HOST: ollama.host,
    TWITCH_CHANNELS: CHANNEL,
    TWITCH_USERNAME: 'botan_bot',
    TWITCH_OAUTH_TOKEN: 'oauth:abcdefghijklmnopqrstuvwxyz0123',
    TWITCH_IRC_URL: twitch.url,
    LOG_LEVEL: 'info',
    PANEL_PORT: '0',
    DEDUP_WINDOW_S: '0',
  }));
  const applied: number[] = [];
  const confirmed: number[] = [];
  const pauseEffect: number[] = [];
  const resumeEffect: number[] = [];
  let n = 0;
  try {
    await twitch.waitForJoin(CHANNEL, 30_000);
    await bot.waitForLog((l) => l.msg === 'bot started', 30_000);
    /** Send a probe every PROBE_MS until one has the wanted outcome; the send time of the first one that did. */
    async function probeUntil(paused: boolean, since: number): Promise<number> {
      const sent = new Map<string, number>();
      const end = Date.now() + 10_000;
      for (;;) {
        const id = twitch.chat(CHANNEL, { user: `probe${++n}`, text: '好きな色は何？' });
        sent.set(id, Date.now());
        await new Promise((r) => setTimeout(r, PROBE_MS));
        const hit = bot.logs.find((l: LogLine) => sent.has(String(l.commentId)) && (paused ? l.msg === 'comment skipped' && l.reason === 'paused' : l.msg === 'fast answer ready'));
        if (hit) return [...sent.entries()].filter(([id]) => id === hit.commentId).map(([, t]) => t - since)[0]!;
        if (Date.now() > end) throw new Error(`no ${paused ? 'paused skip' : 'answer'} within 10 s`);
      }
    }
    for (let t = 0; t < TRIALS; t++) {
      for (const verb of ['pause', 'resume'] as const) {
        const at = Date.now();
        const id = twitch.chat(CHANNEL, { user: 'bench_mod', text: `!botan ${verb}`, mod: true });
        const effect = await probeUntil(verb === 'pause', at);
        (verb === 'pause' ? pauseEffect : resumeEffect).push(effect);
        const line = await bot.waitForLog((l) => l.msg === 'chat command' && l.commentId === id, 5_000);
        applied.push(Number(line.appliedMs));
        const conf = await bot.waitForLog((l) => l.msg === 'chat command confirmed' && l.commentId === id, 10_000);
        confirmed.push(Number(conf.totalMs));
        // let the answers to the probes drain before the next command
        await new Promise((r) => setTimeout(r, 1200));
      }
    }
  } finally {
    await bot.stop(5000);
    await Promise.allSettled([twitch.close(), ollama.close()]);
    await deleteKeys(redis, `${prefix}:*`);
    redis.disconnect();
  }
  return [
    `Chat command → effect: ${TRIALS} × (\`!botan pause\`, \`!botan resume\`) typed by a moderator in the fake Twitch, a question probe every ${PROBE_MS} ms.`,
    '',
    '| measure | n | median | p95 | max |',
    '|---|---|---|---|---|',
    row('command received → control written (bot log `appliedMs`)', applied),
    row('command sent → first probe skipped as paused (pause takes effect)', pauseEffect),
    row('command sent → first probe answered again (resume takes effect)', resumeEffect),
    row('command received → confirmation posted in chat', confirmed),
  ].join('\n');
}

async function panel(): Promise<string> {
  const prefix = `bench-panel-${randomBytes(3).toString('hex')}`;
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const bot = startProcess('workers/panel.ts', botEnv({ REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', REDIS_PREFIX: prefix, PANEL_PORT: '0', PANEL_TOKEN: TOKEN, LOG_LEVEL: 'info' }));
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const login = { bytes: [] as number[], fcp: [] as number[] };
  const live = { bytes: [] as number[], fcp: [] as number[], data: [] as number[] };
  try {
    const url = String((await bot.waitForLog((l) => l.msg === 'panel listening', 30_000)).url);
    const measure = () => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const res = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
      return { bytes: nav.transferSize + res.reduce((s, r) => s + r.transferSize, 0), fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN };
    };
    for (let i = 0; i < RUNS; i++) {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      await page.goto(`${url}/`);
      await page.locator('#login-form').waitFor();
      const a = await page.evaluate(measure);
      login.bytes.push(a.bytes);
      login.fcp.push(a.fcp);
      await page.fill('#token', TOKEN);
      await page.click('#login-form button');
      await page.locator('#page-live').waitFor();
      const t0 = Date.now();
      await page.reload();
      await page.waitForFunction(() => document.querySelectorAll('#t-queues tbody tr').length === 3);
      live.data.push(Date.now() - t0);
      const b = await page.evaluate(measure);
      live.bytes.push(b.bytes);
      live.fcp.push(b.fcp);
      await ctx.close();
    }
  } finally {
    await browser.close();
    await bot.stop(5000);
    await deleteKeys(redis, `${prefix}:*`);
    redis.disconnect();
  }
  return [
    `Panel in headless chromium (\`npm run start:panel\`, loopback, ${RUNS} runs, each in a fresh browser context): bytes transferred (document, CSS, JS, API) and first contentful paint.`,
    '',
    '| page | n | median | p95 | max |',
    '|---|---|---|---|---|',
    row('login page, cold cache: bytes', login.bytes, 'B'),
    row('login page, cold cache: first contentful paint', login.fcp),
    row('Live page after login (reload): bytes', live.bytes, 'B'),
    row('Live page after login (reload): first contentful paint', live.fcp),
    row('Live page after login (reload): until the live data is shown', live.data),
  ].join('\n');
}

const started = new Date();
const cmd = await commands();
out(cmd);
const pan = await panel();
out(pan);
const body = [
  '## Moderators: chat command → effect, panel weight and first render (`npm run bench:moderators`)',
  '',
  `Produced by \`npm run bench:moderators\` on ${started.toISOString().replace(/\.\d+Z$/, 'Z')}. Machine: ${machine()} (shared with other work).`,
  '',
  cmd,
  '',
  pan,
  '',
  'The 1 s contract: a control change reaches every decision within cacheMs + staleMs (0.9 s, src/controls/store.ts); the first probe after it still has to be decided by the fast worker.',
].join('\n');
if (write) {
  const file = 'BENCHMARKS.md';
  const doc = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  writeFileSync(file, replaceSection(doc, '<!-- bench:moderators:start -->', '<!-- bench:moderators:end -->', body));
  out(`written to ${file}`);
}
process.exit(0);
