import type { Config } from '../../config.js';
import { runtimeKeys } from '../../runtime-keys.js';
import type { AdapterDeps } from '../descriptor.js';
import type { ChatAdapter } from '../port.js';
import { withSidecar } from '../sidecar.js';
import { createTwitchAdapter } from './adapter.js';
import { createTwitchAuth } from './auth.js';
import { createTwitchChannelInfo } from './channel-info.js';
import { createEventSubAdapter } from './eventsub-adapter.js';
import { createIdApi } from './id-api.js';
import type { PostingVerdict } from './room-state.js';

/** A blocked-by-chat-mode mark outlives a gateway that died without clearing it by at most this long. */
const ROOM_BLOCKED_TTL_S = 6 * 3600;

/** The live Twitch adapter (IRC or EventSub, as TWITCH_TRANSPORT says), with its token and stream info reader. */
export function createTwitch(config: Config, deps: AdapterDeps): ChatAdapter {
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
  // back-offs and clock from the composition root (production passes none: the adapters' defaults)
  const b = deps.backoff ?? {};
  const timing = { ...(deps.clock ? { clock: deps.clock } : {}) };
  const adapter =
    config.TWITCH_TRANSPORT === 'eventsub'
      ? createEventSubAdapter({
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
          backoff: defined({ reconnectMinMs: b.reconnectMs, reconnectMaxMs: b.reconnectMaxMs }),
          ...timing,
        })
      : createTwitchAdapter({
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
          backoff: defined({ reconnectMs: b.reconnectMs, reconnectDecay: b.reconnectDecay, reconnectMaxMs: b.reconnectMaxMs, loginRetryMs: b.loginRetryMs, loginRetryMaxMs: b.loginRetryMaxMs, joinIntervalMs: b.joinIntervalMs }),
          ...timing,
        });
  // the stream's title and category from Helix (with TWITCH_CLIENT_ID), for the prompt (memory/stream-info.ts)
  const channelInfo = createTwitchChannelInfo({
    apiUrl: config.TWITCH_API_URL,
    clientId: config.TWITCH_CLIENT_ID,
    token: () => auth.token(),
    channels: config.TWITCH_CHANNELS,
    redis: deps.redis,
    prefix: deps.prefix,
    logger: twitchLog,
    ...(deps.streamInfoRefreshMs !== undefined ? { refreshMs: deps.streamInfoRefreshMs } : {}),
  });
  return withSidecar(adapter, channelInfo);
}

/** The fields that have a value (an undefined one would replace a default when spread). */
function defined<T extends Record<string, number | undefined>>(o: T): { [K in keyof T]?: number } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: number };
}
