import { buildApp, waitDrained, type App } from './app.js';
import { CharacterError } from './errors.js';
import { EXIT_CONFIG, loadConfigOrExit, type Config } from './config.js';
import { createLogger, type Logger } from './log.js';
import type { Role } from './heartbeat.js';
import { createConsoleAdapter } from './platforms/console/adapter.js';
import type { ChatAdapter } from './platforms/port.js';
import { createRedis } from './redis.js';
import { createSandbox } from './sandbox.js';
import { consoleControls } from './platforms/console/controls.js';
import { consoleReason } from './platforms/console/reasons.js';
import { eventsKey } from './events.js';

export interface RunOptions {
  roles: Role[];
  /** Serve the panel (default: with the gateway); `npm run start:panel` runs it with no role. */
  panel?: boolean;
  argv?: string[];
}

const MODEL_RETRY_MS = 30_000;

/**
 * Process entry: config (exit 2 on problems), app, signals (a second signal forces exit).
 * With no platform configured, the gateway opens console chat when stdin is a terminal or
 * `--console` is given; otherwise it exits 2 naming the variables to set.
 */
export async function runProcess(opts: RunOptions): Promise<void> {
  const argv = opts.argv ?? process.argv.slice(2);
  const config = loadConfigOrExit();
  const hasGateway = opts.roles.includes('gateway');
  const noPlatform = !config.twitchEnabled && !config.youtubeEnabled;
  const consoleMode = hasGateway && (argv.includes('--console') || (noPlatform && process.stdin.isTTY === true));
  if (hasGateway && noPlatform && !consoleMode) {
    process.stderr.write(
      'stream-comment-bot: no chat platform configured.\n' +
        '  Twitch:  set TWITCH_CHANNELS, TWITCH_USERNAME and TWITCH_OAUTH_TOKEN\n' +
        '  YouTube: set YOUTUBE_LIVE_ID, YOUTUBE_CHANNEL_ID or YOUTUBE_HANDLE\n' +
        '  or talk to the character in this terminal: npm start -- --console\n',
    );
    process.exit(EXIT_CONFIG);
  }
  // console chat keeps stdout for replies
  const logger = createLogger({ level: config.LOG_LEVEL, destination: consoleMode ? process.stderr : undefined });
  if (consoleMode) return runConsole(config, logger, opts.roles);

  const app = buildOrExit(() => buildApp({ config, logger, roles: opts.roles, panel: opts.panel }));
  installSignals(app, logger);
  await app.start();
  if (opts.roles.length) void watchModels(app, logger);
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
  for (let warned = false; ; ) {
    const problems = await app.checkModels().catch(() => ['could not check the models']);
    if (problems.length === 0) {
      if (warned) logger.info('models ready');
      return;
    }
    warned = true;
    logger.warn({ problems, retryInS: MODEL_RETRY_MS / 1000 }, `models not ready: ${problems.join('; ')}`);
    await new Promise((r) => setTimeout(r, MODEL_RETRY_MS).unref());
  }
}

async function runConsole(config: Config, logger: Logger, roles: Role[]): Promise<void> {
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
  };
  const problems = await app.checkModels();
  if (problems.length) {
    process.stderr.write(`stream-comment-bot: the models are not ready:\n${problems.map((p) => `  - ${p}\n`).join('')}`);
    await app.close();
    await cleanup();
    process.exit(EXIT_CONFIG);
  }
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
