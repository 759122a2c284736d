import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { ChatAdapter } from './port.js';
import { createTwitchAdapter } from './twitch/adapter.js';
import { createTwitchChannelInfo } from './twitch/channel-info.js';
import { createYouTubeAdapter } from './youtube/adapter.js';

export interface AdapterOptions {
  /** How often the stream's title and category are re-read (defaults: YouTube 10 min, Twitch 3 min). */
  streamInfoRefreshMs?: { youtube?: number; twitch?: number };
}

/** An adapter that starts and stops a helper (a stream info reader) with itself. */
function withSidecar(adapter: ChatAdapter, sidecar: { start(): void; close(): void }): ChatAdapter {
  return Object.assign(Object.create(adapter) as ChatAdapter, {
    async start(onComment: Parameters<ChatAdapter['start']>[0]) {
      sidecar.start();
      await adapter.start(onComment);
    },
    async close() {
      sidecar.close();
      await adapter.close();
    },
  });
}

/** The live platform adapters the configuration asks for. */
export function createAdapters(config: Config, deps: { redis: Redis; prefix: string; logger: Logger }, opts: AdapterOptions = {}): ChatAdapter[] {
  const adapters: ChatAdapter[] = [];
  if (config.twitchEnabled) {
    const [max, windowSeconds] = (config.TWITCH_RATE_LIMIT ?? '').split('/').map(Number);
    const channelInfo = createTwitchChannelInfo({
      apiUrl: config.TWITCH_API_URL,
      clientId: config.TWITCH_CLIENT_ID,
      token: () => config.TWITCH_OAUTH_TOKEN ?? '',
      channels: config.TWITCH_CHANNELS,
      redis: deps.redis,
      prefix: deps.prefix,
      logger: deps.logger.child({ component: 'twitch' }),
      ...(opts.streamInfoRefreshMs?.twitch !== undefined ? { refreshMs: opts.streamInfoRefreshMs.twitch } : {}),
    });
    const twitch = createTwitchAdapter({
      url: config.TWITCH_IRC_URL,
      username: config.TWITCH_USERNAME!,
      token: config.TWITCH_OAUTH_TOKEN!,
      channels: config.TWITCH_CHANNELS,
      ignoredBots: config.TWITCH_IGNORED_BOTS,
      rateLimit: max && windowSeconds ? { max, windowSeconds } : undefined,
      maxChars: config.TWITCH_MAX_CHARS,
      logger: deps.logger.child({ component: 'twitch' }),
    });
    adapters.push(withSidecar(twitch, channelInfo));
  }
  if (config.youtubeEnabled) {
    adapters.push(
      createYouTubeAdapter({
        config,
        redis: deps.redis,
        prefix: deps.prefix,
        logger: deps.logger.child({ component: 'youtube' }),
        ...(opts.streamInfoRefreshMs?.youtube !== undefined ? { streamInfoRefreshMs: opts.streamInfoRefreshMs.youtube } : {}),
      }),
    );
  }
  return adapters;
}
