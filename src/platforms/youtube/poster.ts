import type { Config } from '../../config.js';
import type { Logger } from '../../log.js';
import type { OutgoingMessage, PostResult } from '../port.js';
import type { DataApi, LiveChatInfo } from './data-api.js';
import { YouTubeApiError, YouTubeAuthError } from './errors.js';
import { nextPacificMidnight, pacificDay } from './quota.js';
import type { QuotaStore } from './quota-store.js';

export interface PosterOptions {
  config: Config;
  /** The Data API with the bot's OAuth tokens (shared with the stream info reads). */
  api: DataApi;
  /** videos.list for a broadcast's live chat id (counted in the quota, shared with the stream info). */
  lookup: (videoId: string) => Promise<LiveChatInfo>;
  quota: QuotaStore;
  logger: Logger;
  now: () => number;
  /** The bot's channel id, learned from the first insert's snippet.authorChannelId. */
  onSelfChannelId: (id: string) => void;
}

function formatWait(ms: number): string {
  const min = Math.ceil(ms / 60_000);
  return min >= 60 ? `${Math.floor(min / 60)} h ${min % 60} min` : `${min} min`;
}

/**
 * Posting to YouTube chat: quota first (shared in Redis), then the broadcast's liveChatId
 * (cached), then liveChatMessages.insert. Outcomes:
 *   quota gone (bucket, day, or Google's quotaExceeded)  -> rejected 'quota', one warning
 *   liveChatEnded / liveChatDisabled / liveChatNotFound  -> rejected, no more posts to that chat
 *   forbidden (bot banned or timed out)                  -> rejected 'forbidden', warning
 *   rateLimitExceeded, 5xx, network                      -> throws a retryable BotError
 *   refresh token refused                                 -> rejected 'auth', one error line
 */
export class YouTubePoster {
  private readonly api: DataApi;
  private readonly chatIds = new Map<string, string>();
  /** Video ids whose chat is over (ended, disabled, not found): value is the reason. */
  private readonly closedChats = new Map<string, string>();
  /** Google said quotaExceeded: no calls before this instant (the Pacific reset). */
  private blockedUntil = 0;
  /** Which quota episode was already warned about ("day:<date>" or "burst"). */
  private quotaWarned: string | undefined;
  private authBroken = false;

  constructor(private readonly opts: PosterOptions) {
    this.api = opts.api;
  }

  async post(msg: OutgoingMessage): Promise<PostResult> {
    const { logger, quota } = this.opts;
    const now = this.opts.now();
    if (this.authBroken) return { status: 'rejected', reason: 'auth' };
    if (now < this.blockedUntil) return { status: 'rejected', reason: 'quota' };
    const closed = this.closedChats.get(msg.channel);
    if (closed) return { status: 'rejected', reason: closed };

    const take = await quota.takeInsert(now);
    if (!take.ok) {
      if (take.reason === 'burst') {
        this.warnQuota('burst', { retryInMs: take.retryInMs }, `YouTube quota bucket is empty: dropping this reply (the next one can go out in ${Math.ceil(take.retryInMs / 1000)} s)`);
      } else {
        this.blockedUntil = nextPacificMidnight(now);
        this.warnQuota(
          `day:${pacificDay(now)}`,
          { resetAt: new Date(this.blockedUntil).toISOString() },
          `YouTube daily quota is used up: not posting to YouTube until midnight Pacific (in ${formatWait(take.retryInMs)}); other platforms go on`,
        );
      }
      return { status: 'rejected', reason: 'quota' };
    }

    try {
      const liveChatId = await this.liveChatId(msg.channel);
      if (!liveChatId) return { status: 'rejected', reason: this.closedChats.get(msg.channel) ?? 'chat_ended' };
      const inserted = await this.api.insertMessage(liveChatId, msg.text);
      if (inserted.authorChannelId) this.opts.onSelfChannelId(inserted.authorChannelId);
      if (this.quotaWarned === 'burst') this.quotaWarned = undefined;
      logger.info({ channel: msg.channel, replyTo: msg.replyTo.id, messageId: inserted.id, chars: [...msg.text].length }, 'YouTube reply posted');
      logger.debug({ channel: msg.channel, replyTo: msg.replyTo.id, chat: msg.text }, 'YouTube reply text');
      return { status: 'posted', at: this.opts.now() };
    } catch (err) {
      return this.onError(err, msg, now);
    }
  }

  private async liveChatId(videoId: string): Promise<string | undefined> {
    const cached = this.chatIds.get(videoId);
    if (cached) return cached;
    const info = await this.opts.lookup(videoId);
    if (!info.activeLiveChatId) {
      const reason = info.found ? 'chat_ended' : 'chat_not_found';
      this.closeChat(videoId, reason);
      return undefined;
    }
    this.chatIds.set(videoId, info.activeLiveChatId);
    return info.activeLiveChatId;
  }

  private closeChat(videoId: string, reason: string): void {
    if (this.closedChats.has(videoId)) return;
    this.closedChats.set(videoId, reason);
    this.chatIds.delete(videoId);
    this.opts.logger.info({ channel: videoId, reason }, 'YouTube live chat is closed: no more replies to it');
  }

  private async onError(err: unknown, msg: OutgoingMessage, now: number): Promise<PostResult> {
    const { logger } = this.opts;
    if (err instanceof YouTubeAuthError) {
      if (!this.authBroken) logger.error({ err }, 'YouTube posting stopped: Google refused the credentials');
      this.authBroken = true;
      return { status: 'rejected', reason: 'auth' };
    }
    if (!(err instanceof YouTubeApiError)) throw err;
    switch (err.reason) {
      case 'quotaExceeded': {
        this.blockedUntil = nextPacificMidnight(now);
        await this.opts.quota.markExceeded(now).catch((e: unknown) => logger.error({ err: e }, 'could not record the YouTube quota state in Redis'));
        this.warnQuota(
          `day:${pacificDay(now)}`,
          { resetAt: new Date(this.blockedUntil).toISOString() },
          `YouTube answered quotaExceeded: not calling the YouTube API until its quota resets at midnight Pacific (in ${formatWait(this.blockedUntil - now)}); other platforms go on`,
        );
        return { status: 'rejected', reason: 'quota' };
      }
      case 'liveChatEnded':
      case 'liveChatNotFound':
        this.closeChat(msg.channel, 'chat_ended');
        return { status: 'rejected', reason: 'chat_ended' };
      case 'liveChatDisabled':
        this.closeChat(msg.channel, 'chat_disabled');
        return { status: 'rejected', reason: 'chat_disabled' };
      case 'forbidden':
        logger.warn({ channel: msg.channel, replyTo: msg.replyTo.id }, 'YouTube refused the message (forbidden): is the bot account banned or timed out in this chat?');
        return { status: 'rejected', reason: 'forbidden' };
      case 'authError':
        if (!this.authBroken) logger.error({ err }, 'YouTube posting stopped: the access token was refused even after a refresh');
        this.authBroken = true;
        return { status: 'rejected', reason: 'auth' };
      default:
        if (err.retryable) throw err;
        logger.warn({ err, channel: msg.channel, replyTo: msg.replyTo.id }, 'YouTube refused the message: dropped');
        return { status: 'rejected', reason: err.reason };
    }
  }

  private warnQuota(episode: string, fields: Record<string, unknown>, message: string): void {
    if (this.quotaWarned === episode) return;
    this.quotaWarned = episode;
    this.opts.logger.warn(fields, message);
  }
}
