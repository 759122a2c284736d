import { buildApp, type App, type AppOptions } from '../../src/app.js';
import { parseConfig, type Config } from '../../src/config.js';
import type { Role } from '../../src/heartbeat.js';
import { createLogger } from '../../src/log.js';
import type { ChatAdapter } from '../../src/platforms/port.js';
import { startFakeOllama, type FakeOllama, type FakeOllamaOptions } from '../fakes/ollama.js';
import { startFakeTwitch, type FakeTwitch, type FakeTwitchOptions } from '../fakes/twitch.js';
import { LogCapture } from './log-capture.js';
import { dropPrefix, newRedis, REDIS_URL, uniquePrefix } from './redis.js';

export interface Harness {
  app: App;
  config: Config;
  twitch: FakeTwitch;
  ollama: FakeOllama;
  logs: LogCapture;
  prefix: string;
  channel: string;
  redis: ReturnType<typeof newRedis>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  roles?: Role[];
  ollama?: FakeOllamaOptions;
  twitch?: FakeTwitchOptions;
  adapters?: (config: Config) => ChatAdapter[];
  /** Start fakes but not the app (a test that builds it itself). */
  noApp?: boolean;
  /** Re-read intervals of the stream's title and category (a test wants them short). */
  streamInfoRefreshMs?: AppOptions['streamInfoRefreshMs'];
}

/** The whole bot, as `npm start` builds it, against real Redis and the fakes. */
export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const prefix = uniquePrefix('e2e');
  const channel = 'botan_ch';
  const twitch = await startFakeTwitch(opts.twitch);
  const ollama = await startFakeOllama(opts.ollama);
  const env = {
    REDIS_URL,
    REDIS_PREFIX: prefix,
    OLLAMA_HOST: ollama.host,
    TWITCH_CHANNELS: channel,
    TWITCH_USERNAME: 'botan_bot',
    TWITCH_OAUTH_TOKEN: 'oauth:abcdefghijklmnopqrstuvwxyz0123',
    TWITCH_IRC_URL: twitch.url,
    LOG_LEVEL: 'debug',
    RETRY_BACKOFF_MS: '50',
    SHUTDOWN_GRACE_MS: '2000',
    ...opts.env,
  };
  const parsed = parseConfig(env);
  if (!parsed.ok) throw new Error(`bad test config: ${parsed.errors.join('; ')}`);
  const config = parsed.config;
  const logs = new LogCapture();
  const logger = createLogger({ level: config.LOG_LEVEL, destination: logs });
  const app = buildApp({ config, logger, roles: opts.roles ?? ['gateway', 'fast', 'slow'], adapters: opts.adapters?.(config), streamInfoRefreshMs: opts.streamInfoRefreshMs });
  const redis = newRedis();
  if (!opts.noApp) {
    await app.start();
    if (!opts.adapters && config.twitchEnabled) await twitch.waitForJoin(channel, 10_000);
  }
  return {
    app,
    config,
    twitch,
    ollama,
    logs,
    prefix,
    channel,
    redis,
    async close() {
      await app.close().catch(() => undefined);
      await Promise.allSettled([twitch.close(), ollama.close()]);
      await dropPrefix(prefix);
      redis.disconnect();
    },
  };
}

/** The source article's question: must go to the slow model. */
export const ARTICLE_QUESTION =
  'AI VTuberが記憶を持つシステムを作りたいのですが、RAGとベクトルデータベースを使う方法と、イベントベースの記憶システムを使う方法のどちらが良いと思いますか？それぞれのメリット・デメリットを簡潔に教えてください。';
