import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { ChatAdapter } from './port.js';
import { createTwitchAdapter } from './twitch/adapter.js';
import { createTwitchAuth } from './twitch/auth.js';
import { createEventSubAdapter } from './twitch/eventsub-adapter.js';
import { createIdApi } from './twitch/id-api.js';
import type { PostingVerdict } from './twitch/room-state.js';
import { runtimeKeys } from '../runtime-keys.js';

/** A blocked-by-chat-mode mark outlives a gateway that died without clearing it by at most this long. */
const ROOM_BLOCKED_TTL_S = 6 * 3600;
import { createTwitchChannelInfo } from './twitch/channel-info.js';
import { createYouTubeAdapter } from './youtube/adapter.js';

export interface AdapterOptions {
  /** How often the stream's title and category are re-read (defaults: YouTube 10 min, Twitch 3 min). */
  streamInfoRefreshMs?: { youtube?: number; twitch?: number };
}

/** An adapter that starts and stops a helper (a stream info reader) with itself. */
function withSidecar(adapter: ChatAdapter, sidecar: { start(): void; close(): void }): ChatAdapter {
  return Object.assign(Object.create(adapter) as ChatAdapter, {
    async start(...args: Parameters<ChatAdapter['start']>) {
      sidecar.start();
      await adapter.start(...args);
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
    const twitchLog = deps.logger.child({ component: 'twitch' });
    const auth = createTwitchAuth({
      idApi: createIdApi({ baseUrl: config.TWITCH_AUTH_URL, clientId: config.TWITCH_CLIENT_ID ?? '', clientSecret: config.TWITCH_CLIENT_SECRET }),
      redis: deps.redis,
      prefix: deps.prefix,
      staticToken: config.TWITCH_OAUTH_TOKEN,
      refreshToken: config.TWITCH_REFRESH_TOKEN,
      canRefresh: !!config.TWITCH_CLIENT_ID,
      username: config.TWITCH_USERNAME!,
      transport: config.TWITCH_TRANSPORT,
      logger: twitchLog.child({ part: 'auth' }),
    });
    const rateLimit = max && windowSeconds ? { max, windowSeconds } : undefined;
    // a channel whose chat mode keeps the bot from posting: the fast worker does not answer there
    const onRoomVerdict = (channel: string, v: PostingVerdict) => {
      const key = runtimeKeys.roomBlocked(deps.prefix, 'twitch', channel);
      const write = v.kind === 'blocked' ? deps.redis.set(key, v.reason, 'EX', ROOM_BLOCKED_TTL_S) : deps.redis.del(key);
      write.catch((err: unknown) => twitchLog.warn({ err, channel }, 'could not share the chat mode with the workers'));
    };
    if (config.TWITCH_TRANSPORT === 'eventsub') {
      adapters.push(
        createEventSubAdapter({
          eventsubUrl: config.TWITCH_EVENTSUB_URL,
          apiUrl: config.TWITCH_API_URL,
          clientId: config.TWITCH_CLIENT_ID,
          username: config.TWITCH_USERNAME!,
          channels: config.TWITCH_CHANNELS,
          ignoredBots: config.TWITCH_IGNORED_BOTS,
          rateLimit,
          maxChars: config.TWITCH_MAX_CHARS,
          auth,
          onRoomVerdict,
          logger: twitchLog,
        }),
      );
    } else {
      adapters.push(
        createTwitchAdapter({
          url: config.TWITCH_IRC_URL,
          username: config.TWITCH_USERNAME!,
          token: config.TWITCH_OAUTH_TOKEN ?? '',
          auth,
          onRoomVerdict,
          channels: config.TWITCH_CHANNELS,
          ignoredBots: config.TWITCH_IGNORED_BOTS,
          rateLimit,
          maxChars: config.TWITCH_MAX_CHARS,
          logger: deps.logger.child({ component: 'twitch' }),
        }),
      );
    }
    // the stream's title and category from Helix (with TWITCH_CLIENT_ID), for the prompt (memory/stream-info.ts)
    const channelInfo = createTwitchChannelInfo({
      apiUrl: config.TWITCH_API_URL,
      clientId: config.TWITCH_CLIENT_ID,
      token: () => auth.token(),
      channels: config.TWITCH_CHANNELS,
      redis: deps.redis,
      prefix: deps.prefix,
      logger: twitchLog,
      ...(opts.streamInfoRefreshMs?.twitch !== undefined ? { refreshMs: opts.streamInfoRefreshMs.twitch } : {}),
    });
    adapters[adapters.length - 1] = withSidecar(adapters[adapters.length - 1]!, channelInfo);
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
