import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { ChatAdapter } from './port.js';
import { createTwitchAdapter } from './twitch/adapter.js';
import { createYouTubeAdapter } from './youtube/adapter.js';

/** The live platform adapters the configuration asks for. */
export function createAdapters(config: Config, deps: { redis: Redis; prefix: string; logger: Logger }): ChatAdapter[] {
  const adapters: ChatAdapter[] = [];
  if (config.twitchEnabled) {
    const [max, windowSeconds] = (config.TWITCH_RATE_LIMIT ?? '').split('/').map(Number);
    adapters.push(
      createTwitchAdapter({
        url: config.TWITCH_IRC_URL,
        username: config.TWITCH_USERNAME!,
        token: config.TWITCH_OAUTH_TOKEN!,
        channels: config.TWITCH_CHANNELS,
        ignoredBots: config.TWITCH_IGNORED_BOTS,
        rateLimit: max && windowSeconds ? { max, windowSeconds } : undefined,
        maxChars: config.TWITCH_MAX_CHARS,
        logger: deps.logger.child({ component: 'twitch' }),
      }),
    );
  }
  if (config.youtubeEnabled) {
    adapters.push(createYouTubeAdapter({ config, redis: deps.redis, prefix: deps.prefix, logger: deps.logger.child({ component: 'youtube' }) }));
  }
  return adapters;
}
