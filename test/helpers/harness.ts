import { buildApp, type App, type AppOptions } from '../../src/app.js';
import { parseConfig, type Config } from '../../src/config.js';
import type { Role } from '../../src/heartbeat.js';
import { createLogger } from '../../src/log.js';
import type { ChatAdapter } from '../../src/platforms/port.js';
import { startFakeOllama, type FakeOllama, type FakeOllamaOptions } from '../fakes/ollama.js';
import { startFakeTwitch, type FakeTwitch, type FakeTwitchOptions, type SentPrivmsg } from '../fakes/twitch.js';
import { startFakeEventSub, type FakeEventSub, type SentChat } from '../fakes/twitch-eventsub.js';
import { startFakeTwitchId } from '../fakes/twitch-id.js';
import { LogCapture } from './log-capture.js';
import { dropPrefix, newRedis, REDIS_URL, uniquePrefix } from './redis.js';

export interface Harness {
  app: App;
  config: Config;
  twitch: FakeTwitch;
  /** With `transport: 'eventsub'`: the fake EventSub + Helix behind `twitch`. */
  eventsub?: FakeEventSub;
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
  /**
   * Twitch transport: `irc` (default, the fake IRC) or `eventsub` (the fake EventSub WebSocket +
   * Helix and the fake id service). With `eventsub`, `twitch` is a stand-in with the fake IRC's
   * chat(), privmsgs() and waitForPrivmsgs() (replies as PRIVMSG-like records), so one suite runs on both.
   */
  transport?: 'irc' | 'eventsub';
  /** Start fakes but not the app (a test that builds it itself). */
  noApp?: boolean;
  /** Re-read intervals of the stream's title and category (a test wants them short). */
  streamInfoRefreshMs?: AppOptions['streamInfoRefreshMs'];
  /** Worker lock/stall settings (a test that waits for a stalled job shortens them). */
  workerTuning?: AppOptions['workerTuning'];
  /** Adapter reconnect/login back-offs (a test that waits for a reconnect shortens them). */
  adapterBackoff?: AppOptions['adapterBackoff'];
}

/** The whole bot, as `npm start` builds it, against real Redis and the fakes. */
export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const prefix = uniquePrefix('e2e');
  const channel = 'botan_ch';
  const eventsub = opts.transport === 'eventsub' ? await startEventSubStandIn() : undefined;
  const twitch = eventsub ? eventsub.twitch : await startFakeTwitch(opts.twitch);
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
    ...eventsub?.env,
    PANEL_PORT: '0',
    ...opts.env,
  };
  const parsed = parseConfig(env);
  if (!parsed.ok) throw new Error(`bad test config: ${parsed.errors.join('; ')}`);
  const config = parsed.config;
  const logs = new LogCapture();
  const logger = createLogger({ level: config.LOG_LEVEL, destination: logs });
  const app = buildApp({ config, logger, roles: opts.roles ?? ['gateway', 'fast', 'slow'], adapters: opts.adapters?.(config), streamInfoRefreshMs: opts.streamInfoRefreshMs, workerTuning: opts.workerTuning, adapterBackoff: opts.adapterBackoff });
  const redis = newRedis();
  if (!opts.noApp) {
    await app.start();
    if (!opts.adapters && config.twitchEnabled) await (eventsub ? eventsub.fake.waitForSubscription(channel, 'channel.chat.message', 10_000) : twitch.waitForJoin(channel, 10_000));
  }
  return {
    app,
    config,
    twitch,
    eventsub: eventsub?.fake,
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

/** The fake EventSub + Helix (and id service) behind the fake IRC's chat/privmsgs API. */
async function startEventSubStandIn(): Promise<{ fake: FakeEventSub; twitch: FakeTwitch; env: Record<string, string> }> {
  const id = await startFakeTwitchId();
  const fake = await startFakeEventSub({ checkToken: id.isValid });
  const token = id.issue('botan_bot').accessToken;
  const asPrivmsg = (s: SentChat): SentPrivmsg => ({
    channel: s.channel,
    text: s.text,
    tags: s.replyParentId ? { 'reply-parent-msg-id': s.replyParentId } : {},
    raw: JSON.stringify(s),
    at: s.at,
    id: s.messageId,
    ...(s.dropped ? { dropped: s.dropped as SentPrivmsg['dropped'] } : {}),
  });
  const unsupported = (name: string) => () => {
    throw new Error(`the eventsub stand-in has no ${name}(); use the fake IRC for this test`);
  };
  const twitch = {
    url: fake.wsUrl,
    port: 0,
    received: [],
    chat: (channel, m) => {
      const ts = Number(m.tags?.['tmi-sent-ts']);
      return fake.chat(channel, { ...m, ...(Number.isFinite(ts) ? { sentAt: ts } : {}) });
    },
    privmsgs: () => fake.sent().map(asPrivmsg),
    waitForPrivmsgs: async (n, timeoutMs) => (await fake.waitForSent(n, timeoutMs)).map(asPrivmsg),
    close: async () => {
      await Promise.allSettled([fake.close(), id.close()]);
    },
    sendRaw: unsupported('sendRaw'),
    notice: unsupported('notice'),
    reconnect: () => fake.reconnect(),
    dropConnections: () => fake.dropConnections(),
    setRoomState: unsupported('setRoomState'),
    deleteMessage: unsupported('deleteMessage'),
    banUser: unsupported('banUser'),
    clearChat: unsupported('clearChat'),
    setMod: unsupported('setMod'),
    connections: () => fake.sessions(),
    connectionAttempts: () => fake.connectionAttempts(),
    joined: (channel) => fake.subscriptions().some((s) => s.channel === channel),
    joinCount: unsupported('joinCount'),
    waitForJoin: (channel, timeoutMs) => fake.waitForSubscription(channel, 'channel.chat.message', timeoutMs),
  } satisfies FakeTwitch;
  const env = {
    TWITCH_TRANSPORT: 'eventsub',
    TWITCH_OAUTH_TOKEN: `oauth:${token}`,
    TWITCH_AUTH_URL: id.url,
    TWITCH_API_URL: fake.apiUrl,
    TWITCH_EVENTSUB_URL: fake.wsUrl,
  };
  return { fake, twitch, env };
}
