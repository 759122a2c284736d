import { ROUTE_NAMES } from './llm/routes.js';
import { createInterface } from 'node:readline';
import { formatChecks, startupChecks } from './checks.js';
import { formatBytes, KNOWN_MODEL_BYTES } from './llm/pull.js';
import { pullModels } from './llm/pull-models.js';
import type { App } from './app.js';
import { CharacterError } from './errors.js';
import { EXIT_CONFIG, loadConfigOrExit, type Config } from './config.js';
import { createLogger, type Logger } from './log.js';
import type { Role } from './heartbeat.js';
import { createConsoleAdapter } from './platforms/console/adapter.js';
import type { ChatAdapter } from './platforms/port.js';
import { createRedis, formatElapsed } from './redis.js';
import { createSandbox } from './sandbox.js';
import { PLATFORM_LIST } from './platforms/registry.js';
import { consoleControls } from './platforms/console/controls.js';
import { consoleReason } from './platforms/console/reasons.js';
import { eventsKey } from './events.js';
import { startEmbeddedRedisIfNeeded, type EmbeddedRedis } from './embedded-redis.js';

export interface RunOptions {
  roles: Role[];
  /** Serve the panel (default: with the gateway); `npm run start:panel` runs it with no role. */
  panel?: boolean;
  argv?: string[];
}

const MODEL_RETRY_MS = 30_000;
const ALL_IN_ONE: Role[] = ['gateway', ...ROUTE_NAMES];

/**
 * Process entry: config (exit 2 on problems), app, signals (a second signal forces exit).
 * With no platform configured, the gateway opens console chat when stdin is a terminal or
 * `--console` is given; otherwise it exits 2 naming the variables to set.
 */
export async function runProcess(opts: RunOptions): Promise<void> {
  const argv = opts.argv ?? process.argv.slice(2);
  const config = loadConfigOrExit();
  const hasGateway = opts.roles.includes('gateway');
  const noPlatform = !PLATFORM_LIST.some((p) => p.adapter && p.enabled(config));
  const consoleMode = hasGateway && (argv.includes('--console') || (noPlatform && process.stdin.isTTY === true));
  if (hasGateway && noPlatform && !consoleMode) {
    process.stderr.write(
      'stream-comment-bot: no chat platform configured.\n' +
        PLATFORM_LIST.flatMap((p) => (p.setup ? [`  ${`${p.label}:`.padEnd(8)} ${p.setup}\n`] : [])).join('') +
        '  or talk to the character in this terminal: npm start -- --console\n',
    );
    process.exit(EXIT_CONFIG);
  }
  // console chat keeps stdout for replies
  // console chat keeps its screen: in a terminal only warnings and errors unless LOG_LEVEL asks for more
  const interactive = consoleMode && process.stdin.isTTY === true && process.stdout.isTTY === true;
  const level = interactive && !process.env.LOG_LEVEL ? 'warn' : config.LOG_LEVEL;
  const logger = createLogger({ level, format: config.LOG_FORMAT, destination: consoleMode ? process.stderr : undefined });
  // npm start (all three parts in one process) may bring its own Redis
  const embedded = ALL_IN_ONE.every((r) => opts.roles.includes(r)) ? await startEmbeddedRedisIfNeeded(config, logger) : undefined;
  if (embedded && consoleMode) process.stderr.write(`Using a private Redis for the bot (data in ${embedded.dir}); it stops when you leave.\n`);
  if (consoleMode) return runConsole(config, logger, opts.roles, embedded);

  // loaded after the checks above, so a missing piece is reported without waiting for BullMQ & co. to load
  const { buildApp } = await import('./app.js');
  const app = buildOrExit(() => buildApp({ config, logger, roles: opts.roles, panel: opts.panel }));
  installSignals(app, logger, () => embedded?.stop() ?? Promise.resolve());
  // checked beside the start, not after it: a start waiting for Redis must not hide a missing model
  if (opts.roles.length) void watchModels(app, logger);
  await app.start();
}

function buildOrExit(build: () => App): App {
  try {
    return build();
  } catch (err) {
    if (err instanceof CharacterError) {
      process.stderr.write(`stream-comment-bot: ${err.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw err;
  }
}

/**
 * A repeat of the first signal within this time is the same signal delivered twice, not a
 * second request: Ctrl-C reaches the whole process group, and a wrapper in it (the tsx CLI
 * when run as `tsx workers/main.ts`) passes it on to the bot once more when the bot is slow
 * to confirm it.
 */
const SAME_SIGNAL_MS = 1_000;

function installSignals(app: App, logger: Logger, before?: () => Promise<void>): void {
  let signals = 0;
  let first: { sig: NodeJS.Signals; at: number } | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (first && first.sig === sig && Date.now() - first.at < SAME_SIGNAL_MS) {
      logger.debug({ signal: sig }, 'same signal again (delivered twice); still shutting down gracefully');
      return;
    }
    first ??= { sig, at: Date.now() };
    signals++;
    if (signals > 1) {
      logger.warn({ signal: sig }, 'second signal: exiting now');
      process.exit(130);
    }
    logger.info({ signal: sig }, 'shutting down');
    app
      .close()
      .then(() => before?.())
      .then(
        () => process.exit(0),
        (err) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection (kept running)'));
}

/** Live platforms: a missing Ollama or model is a loud warning, retried, never an exit. */
async function watchModels(app: App, logger: Logger): Promise<void> {
  const since = Date.now();
  for (let warned = false; ; ) {
    const problems = await app.checkModels().catch(() => ['could not check the models']);
    if (problems.length === 0) {
      if (warned) logger.info('models ready');
      return;
    }
    const waitedMs = Date.now() - since;
    const waited = warned ? ` (waiting for ${formatElapsed(waitedMs)})` : '';
    warned = true;
    logger.warn({ problems, waitedMs, retryInS: MODEL_RETRY_MS / 1000 }, `models not ready${waited}: ${problems.join('; ')}; checking again in ${MODEL_RETRY_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, MODEL_RETRY_MS).unref());
  }
}

/**
 * Console chat and replay: a person waits at the keyboard, so Redis and the models are
 * checked first (a few seconds at most) and a missing piece exits 2 with what to run.
 */
export async function exitUnlessReady(config: Config, logger: Logger, roles: readonly Role[], who: string): Promise<void> {
  let results = await startupChecks(config, roles, logger);
  const failed = results.filter((r) => r.status === 'fail');
  const missing = failed.length === 1 ? failed[0]!.missing : undefined;
  // only models are missing and a person is at the terminal: offer to pull them now
  if (missing?.length && process.stdin.isTTY === true && process.stderr.isTTY === true && (await askToPull(missing))) {
    if (await pullModels(missing, { out: process.stderr })) results = await startupChecks(config, roles, logger);
  }
  if (results.every((r) => r.status !== 'fail')) return;
  process.stderr.write(`${who}: cannot start yet:\n${formatChecks(results)}\nThen run the same command again (npm run doctor checks everything a live stream needs).\n`);
  process.exit(EXIT_CONFIG);
}

async function askToPull(missing: readonly { model: string }[]): Promise<boolean> {
  const sizes = missing.map((m) => `${m.model}${KNOWN_MODEL_BYTES[m.model] ? ` (${formatBytes(KNOWN_MODEL_BYTES[m.model]!)})` : ''}`).join(' and ');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.question(`Ollama does not have ${sizes}. Download ${missing.length === 1 ? 'it' : 'them'} now? [Y/n] `, resolve);
      rl.once('close', () => resolve('n'));
    });
    return /^\s*(y|yes)?\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}

async function runConsole(config: Config, logger: Logger, roles: Role[], embedded: EmbeddedRedis | undefined): Promise<void> {
  await exitUnlessReady(config, logger, roles, 'stream-comment-bot');
  const { buildApp, waitDrained } = await import('./app.js');
  const setup = createRedis(config.REDIS_URL, logger);
  // queues in a private prefix; the controls are the live ones (read, not copied: a change
  // made while the console runs reaches it); no duplicate-text detection here
  const sandbox = await createSandbox(setup, config.REDIS_PREFIX, 'console', false);
  const local: Config = { ...config, REDIS_PREFIX: sandbox.prefix, DEDUP_WINDOW_S: 0 };
  let onEnd: () => void = () => undefined;
  const adapter = createConsoleAdapter({
    input: process.stdin,
    output: process.stdout,
    interactive: process.stdin.isTTY === true && process.stdout.isTTY === true,
    onEnd: () => onEnd(),
  });
  const app = buildOrExit(() => buildApp({ config: local, logger, roles, adapters: [adapter as ChatAdapter], controlsPrefix: config.REDIS_PREFIX, wrapControls: consoleControls }));
  const reasons = explainUnanswered(setup, sandbox.prefix, (line) => adapter.note(line));
  const cleanup = async () => {
    reasons.stop();
    await sandbox.drop().catch(() => undefined);
    setup.disconnect();
    await embedded?.stop();
  };
  installSignals(app, logger, cleanup);
  onEnd = () => {
    // end of input: let the answers in flight (slow ones too) arrive, then leave
    void waitDrained(app, config.SLOW_TIMEOUT_MS + 10_000)
      .then(() => app.close())
      .then(cleanup)
      .then(() => process.exit(0));
  };
  await app.start();
}

/** Follow the console's event stream and give every comment that got no answer its one-line reason. */
function explainUnanswered(redis: ReturnType<typeof createRedis>, prefix: string, note: (line: string) => void): { stop(): void } {
  const reader = redis.duplicate();
  let stopped = false;
  void (async () => {
    let last = '$';
    while (!stopped) {
      try {
        const res = (await reader.xread('BLOCK', 1000, 'STREAMS', eventsKey(prefix), last)) as [string, [string, string[]][]][] | null;
        for (const [, entries] of res ?? []) {
          for (const [id, flat] of entries) {
            last = id;
            const ev: Record<string, string> = {};
            for (let i = 0; i + 1 < flat.length; i += 2) ev[flat[i]!] = flat[i + 1]!;
            const line = ev.platform === 'console' ? consoleReason(ev) : undefined;
            if (line) note(line);
          }
        }
      } catch {
        if (!stopped) await new Promise((r) => setTimeout(r, 500));
      }
    }
  })();
  return {
    stop() {
      stopped = true;
      reader.disconnect();
    },
  };
}
