import { buildApp, type AppOptions } from './app.js';
import { CharacterError } from './errors.js';
import { EXIT_CONFIG, loadConfigOrExit, type Config } from './config.js';
import { createLogger } from './log.js';
import type { Role } from './heartbeat.js';
import type { ChatAdapter } from './platforms/port.js';

export interface RunOptions {
  roles: Role[];
  /** Build the platform adapters for this run instead of the live ones (console, replay). */
  adapters?: (config: Config) => ChatAdapter[];
  /** Where logs go (console mode: stderr). */
  logTo?: NodeJS.WritableStream;
}

/** Process entry: config (exit 2 on problems), app, signals. A second signal forces exit. */
export async function runProcess(opts: RunOptions): Promise<void> {
  const config = loadConfigOrExit();
  if (opts.roles.includes('gateway') && !opts.adapters && !config.twitchEnabled && !config.youtubeEnabled) {
    process.stderr.write(
      'stream-comment-bot: no chat platform configured.\n' +
        '  Twitch:  set TWITCH_CHANNELS, TWITCH_USERNAME and TWITCH_OAUTH_TOKEN\n' +
        '  YouTube: set YOUTUBE_LIVE_ID, YOUTUBE_CHANNEL_ID or YOUTUBE_HANDLE\n' +
        '  or talk to the character in this terminal: npm start -- --console\n',
    );
    process.exit(EXIT_CONFIG);
  }
  const logger = createLogger({ level: config.LOG_LEVEL, destination: opts.logTo });
  let app;
  try {
    const appOpts: AppOptions = { config, logger, roles: opts.roles, adapters: opts.adapters?.(config) };
    app = buildApp(appOpts);
  } catch (err) {
    if (err instanceof CharacterError) {
      process.stderr.write(`stream-comment-bot: ${err.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw err;
  }
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal: sig }, 'second signal: exiting now');
      process.exit(130);
    }
    logger.info({ signal: sig }, 'shutting down');
    app.close().then(
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
  await app.start();
}
