import type { Redis } from 'ioredis';
import type { Config } from '../../config.js';
import { componentLogger, type Logger } from '../../log.js';
import type { CommentInput } from '../../types.js';
import type { ChannelLimits, ChatAdapter, ModerationEvent, OutgoingMessage, PostResult } from '../port.js';
import type { LiveSource } from './live-page.js';
import { mapChatItem } from './map-chat-item.js';
import { ChatReader } from './reader.js';
import { bucketParams, limitsFromBucket, nextPacificMidnight, pacificDay } from './quota.js';
import { YouTubePoster } from './poster.js';
import { QuotaStore } from './quota-store.js';
import { DataApi } from './data-api.js';
import { TokenSource } from './oauth.js';
import { YouTubeStreamInfo } from './stream-info.js';

export interface YouTubeAdapterOptions {
  config: Config;
  redis: Redis;
  /** REDIS_PREFIX: the quota key is `<prefix>:youtube:quota:<day>`. */
  prefix: string;
  logger: Logger;
  now?: () => number;
  /** How often the stream's title and category are re-read while live (default 10 min). */
  streamInfoRefreshMs?: number;
  /** The longest wait after failed chat reads (default 60 s). */
  readBackoffMaxMs?: number;
}

function sourceOf(config: Config): LiveSource {
  if (config.YOUTUBE_LIVE_ID) return { liveId: config.YOUTUBE_LIVE_ID };
  if (config.YOUTUBE_CHANNEL_ID) return { channelId: config.YOUTUBE_CHANNEL_ID };
  if (config.YOUTUBE_HANDLE) return { handle: config.YOUTUBE_HANDLE };
  throw new Error('YouTube adapter needs YOUTUBE_LIVE_ID, YOUTUBE_CHANNEL_ID or YOUTUBE_HANDLE');
}

/**
 * YouTube Live: reads chat with youtube-chat (scraping, no quota), posts with the Data API's
 * liveChatMessages.insert (OAuth, quota). Without the three posting credentials it reads and
 * logs what it would have posted.
 */
export function createYouTubeAdapter(opts: YouTubeAdapterOptions): ChatAdapter {
  const { config, redis, prefix } = opts;
  const now = opts.now ?? Date.now;
  const logger = componentLogger(opts.logger, 'youtube');
  const source = sourceOf(config);
  const params = bucketParams(config);
  const limits: ChannelLimits = limitsFromBucket(params);
  /** Channel ids whose messages are the bot's own (config, then learned from inserts). */
  const selfIds = new Set<string>(config.YOUTUBE_BOT_CHANNEL_ID ? [config.YOUTUBE_BOT_CHANNEL_ID] : []);

  // The Data API needs the OAuth credentials (no API key): without them, no title either.
  const quota = new QuotaStore(redis, prefix, params);
  const api = config.youtubeCanPost
    ? new DataApi({
        apiUrl: config.YOUTUBE_API_URL,
        tokens: new TokenSource({
          tokenUrl: config.GOOGLE_TOKEN_URL,
          clientId: config.YOUTUBE_CLIENT_ID ?? '',
          clientSecret: config.YOUTUBE_CLIENT_SECRET ?? '',
          refreshToken: config.YOUTUBE_REFRESH_TOKEN ?? '',
          now,
        }),
      })
    : undefined;
  const streamInfo = api
    ? new YouTubeStreamInfo({
        api,
        quota,
        readBudget: Math.floor(config.YOUTUBE_QUOTA_RESERVE / 2),
        redis,
        prefix,
        logger,
        now,
        ...(opts.streamInfoRefreshMs !== undefined ? { refreshMs: opts.streamInfoRefreshMs } : {}),
      })
    : undefined;
  const poster =
    api && streamInfo
      ? new YouTubePoster({
          config,
          api,
          lookup: (videoId) => streamInfo.lookup(videoId),
          quota,
          logger,
          now,
          onSelfChannelId: (id) => selfIds.add(id),
        })
      : undefined;

  let reader: ChatReader | undefined;
  let closed = false;

  return {
    platform: 'youtube',
    maxChars: config.YOUTUBE_MAX_CHARS,
    mentionsAuthor: true,

    async start(onComment: (c: CommentInput) => void, onModeration?: (m: ModerationEvent) => void): Promise<void> {
      if (closed || reader) return;
      if (!poster) {
        logger.info(
          'YouTube is read-only: replies are logged, not posted, and the stream title is not read (set YOUTUBE_CLIENT_ID, YOUTUBE_CLIENT_SECRET and YOUTUBE_REFRESH_TOKEN to post; see docs/youtube.md)',
        );
      } else {
        logger.info({ limits, quotaDay: pacificDay(now()), quotaResetAt: new Date(nextPacificMidnight(now())).toISOString() }, 'YouTube posting enabled');
      }
      reader = new ChatReader({
        source,
        baseUrl: config.YOUTUBE_BASE_URL,
        pollMs: config.YOUTUBE_POLL_INTERVAL_MS,
        ...(opts.readBackoffMaxMs !== undefined ? { backoffMaxMs: opts.readBackoffMaxMs } : {}),
        liveCheckMs: config.YOUTUBE_LIVE_CHECK_MS,
        logger,
        onLive: (liveId) => streamInfo?.follow(liveId),
        onItem: (item, liveId, membershipEvent) => {
          if (selfIds.has(item.author.channelId)) return;
          const comment = mapChatItem(item, { liveId, receivedAt: now(), membershipEvent });
          if (comment) onComment(comment);
        },
        onRemoval: (r, liveId) => {
          if (closed || !onModeration) return;
          if ('messageId' in r) onModeration({ kind: 'message_deleted', platform: 'youtube', channel: liveId, messageId: r.messageId });
          else onModeration({ kind: 'author_removed', platform: 'youtube', channel: liveId, authorId: r.authorChannelId });
        },
      });
      await reader.start();
    },

    async post(msg: OutgoingMessage): Promise<PostResult> {
      if (closed) return { status: 'rejected', reason: 'closed' };
      if (!poster) {
        logger.info({ channel: msg.channel, replyTo: msg.replyTo.id, chars: [...msg.text].length }, 'YouTube read-only: reply not posted');
        logger.debug({ channel: msg.channel, replyTo: msg.replyTo.id, chat: msg.text }, 'YouTube read-only: reply text');
        return { status: 'rejected', reason: 'read_only' };
      }
      return poster.post(msg);
    },

    limits(): ChannelLimits {
      return limits;
    },

    async close(): Promise<void> {
      closed = true;
      streamInfo?.close();
      await reader?.close();
    },
  };
}
