import { ROUTE_NAMES } from '../llm/routes.js';
import { readFileSync } from 'node:fs';
import { buildApp, waitDrained } from '../app.js';
import { EXIT_CONFIG, type Config } from '../config.js';
import { eventsKey } from '../events.js';
import type { Logger } from '../log.js';
import type { ChatAdapter, OutgoingMessage, PostResult } from '../platforms/port.js';
import { createRedis } from '../redis.js';
import { createSandbox } from '../sandbox.js';
import type { CommentInput, Platform } from '../types.js';
import { lineToComment, parseReplay, type ReplayLine } from './format.js';
import { buildReport, formatReport, type ReplayReport } from './report.js';

export interface ReplayOptions {
  file: string;
  /** Time scale: 1 = real time, 10 = ten times faster, Infinity = as fast as possible. */
  speed: number;
  /** Every line on this platform; unset: each line's own `platform` (default twitch). */
  platform?: Platform;
  out: NodeJS.WritableStream;
  /** Stop waiting for answers this long after the last comment. */
  drainMs?: number;
}

export const REPLAY_CHANNEL = 'replay';

export { parseReplayArgs } from './args.js';

/**
 * An adapter for one platform that feeds that platform's lines of a recorded chat with their
 * timing (`t0`: the recording's first moment) and posts nothing anywhere.
 */
function replayAdapter(platform: Platform, lines: { line: ReplayLine; index: number }[], t0: number, speed: number, out: NodeJS.WritableStream, onFed: () => void): ChatAdapter {
  const timers: NodeJS.Timeout[] = [];
  const feed = (onComment: (c: CommentInput) => void, { line, index }: { line: ReplayLine; index: number }) =>
    onComment(lineToComment(line, { index, channel: REPLAY_CHANNEL, now: Date.now(), platform }));
  return {
    platform,
    maxChars: 500,
    mentionsAuthor: false,
    async start(onComment: (c: CommentInput) => void) {
      if (!Number.isFinite(speed)) {
        lines.forEach((l) => feed(onComment, l));
        onFed();
        return;
      }
      lines.forEach((l, i) => {
        timers.push(
          setTimeout(() => {
            feed(onComment, l);
            if (i === lines.length - 1) onFed();
          }, ((l.line.t - t0) * 1000) / speed),
        );
      });
      if (lines.length === 0) onFed();
    },
    async post(msg: OutgoingMessage): Promise<PostResult> {
      const m = msg.meta;
      out.write(`@${msg.replyTo.author.name}: ${msg.text}${m ? `  [${m.route} · ${m.model} · ${Math.round(m.timings.totalMs)} ms]` : ''}\n`);
      return { status: 'posted', at: Date.now() };
    },
    limits: () => ({ max: 1_000_000, windowMs: 1000, minSpacingMs: 0 }),
    async close() {
      for (const t of timers) clearTimeout(t);
    },
  };
}

/** Feed a recorded chat through the real pipeline (private queues), print replies and a report. */
export async function runReplay(config: Config, logger: Logger, opts: ReplayOptions): Promise<ReplayReport> {
  let text: string;
  try {
    text = readFileSync(opts.file, 'utf8');
  } catch (err) {
    throw Object.assign(new Error(`cannot read ${opts.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`), { exitCode: EXIT_CONFIG });
  }
  const parsed = parseReplay(text);
  for (const e of parsed.errors) logger.warn({ line: e.line, problem: e.message }, 'replay line skipped');
  const setup = createRedis(config.REDIS_URL, logger);
  const sandbox = await createSandbox(setup, config.REDIS_PREFIX, 'replay');
  // one adapter per platform in the file (or the one --platform names)
  const byPlatform = new Map<Platform, { line: ReplayLine; index: number }[]>();
  parsed.lines.forEach((line, index) => {
    const p = opts.platform ?? line.platform ?? 'twitch';
    const list = byPlatform.get(p) ?? byPlatform.set(p, []).get(p)!;
    list.push({ line, index });
  });
  const t0 = parsed.lines[0]?.t ?? 0;
  const fedAll: Promise<void>[] = [];
  const adapters = [...byPlatform].map(([platform, lines]) => {
    let fed!: () => void;
    fedAll.push(new Promise<void>((r) => (fed = r)));
    return replayAdapter(platform, lines, t0, opts.speed, opts.out, () => fed());
  });
  const app = buildApp({ config: { ...config, REDIS_PREFIX: sandbox.prefix }, logger, roles: ['gateway', ...ROUTE_NAMES], adapters });
  try {
    const problems = await app.checkModels();
    if (problems.length) {
      const err = new Error(`the models are not ready:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
      (err as Error & { exitCode?: number }).exitCode = EXIT_CONFIG;
      throw err;
    }
    await app.start();
    await Promise.all(fedAll);
    await waitDrained(app, opts.drainMs ?? config.SLOW_TIMEOUT_MS + 10_000);
    const entries = await setup.xrange(eventsKey(sandbox.prefix), '-', '+');
    const events = entries.map(([, fields]) => {
      const o: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) o[fields[i]!] = fields[i + 1]!;
      return o as { type: string };
    });
    const report = buildReport(events);
    opts.out.write(`${formatReport(report)}\n`);
    return report;
  } finally {
    await app.close();
    await sandbox.drop().catch(() => undefined);
    setup.disconnect();
  }
}
