import type { Redis } from 'ioredis';
import type { Logger } from '../../log.js';
import { writeStreamInfo } from '../../memory/stream-info.js';
import type { DataApi, LiveChatInfo } from './data-api.js';
import { YouTubeApiError } from './errors.js';
import type { QuotaStore } from './quota-store.js';

/** How often the title and category of the stream being read are read again (default). */
export const YOUTUBE_STREAM_INFO_REFRESH_MS = 10 * 60_000;
/** Category names hardly ever change: cached in Redis this long, shared by every process. */
const CATEGORY_TTL_S = 30 * 86_400;
const VIDEOS_LIST_COST = 1;
const CATEGORIES_LIST_COST = 1;

/** Hash `<prefix>:youtube:categories`: category id → English name (videoCategories.list). */
export const youtubeCategoriesKey = (prefix: string) => `${prefix}:youtube:categories`;

export interface YouTubeStreamInfoOptions {
  api: DataApi;
  quota: QuotaStore;
  /**
   * Units per Pacific day that optional reads (refreshes, category names) may spend: they are
   * made only while the day's reads stay within it. Half of YOUTUBE_QUOTA_RESERVE: the other
   * half stays for the reads posting needs.
   */
  readBudget: number;
  redis: Redis;
  prefix: string;
  logger: Logger;
  now: () => number;
  /** Re-read interval while a stream is read (default YOUTUBE_STREAM_INFO_REFRESH_MS). */
  refreshMs?: number;
}

/**
 * The title and category of the YouTube stream being read, from videos.list (parts snippet
 * and liveStreamingDetails: the same 1-unit call that gives posting its live chat id, so a
 * post and a refresh share one read), written to the shared `streamInfo` hash. The category
 * id is named once through videoCategories.list and cached in Redis. Refreshes only spend
 * units the read budget allows; a failed read keeps the last value and warns once.
 */
export class YouTubeStreamInfo {
  private readonly refreshMs: number;
  private videoId: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The last videos.list answer per video (only the current one is kept). */
  private last: { videoId: string; at: number; info: LiveChatInfo } | undefined;
  /** A videos.list in flight: a post and a refresh at the same moment share it. */
  private reading: { videoId: string; p: Promise<LiveChatInfo> } | undefined;
  private readonly categories = new Map<string, string>();
  /** The last value written, to log a change once. */
  private written: string | undefined;
  /** What was already warned about (a failure episode), cleared by the next good read. */
  private warned: string | undefined;

  constructor(private readonly opts: YouTubeStreamInfoOptions) {
    this.refreshMs = Math.max(100, opts.refreshMs ?? YOUTUBE_STREAM_INFO_REFRESH_MS);
  }

  /**
   * videos.list for a video whose live chat id posting needs: always made (and counted in the
   * quota), unless a read of the same video is fresher than the refresh interval.
   */
  async lookup(videoId: string): Promise<LiveChatInfo> {
    const now = this.opts.now();
    if (this.last?.videoId === videoId && now - this.last.at < this.refreshMs) return this.last.info;
    if (this.reading?.videoId === videoId) return this.reading.p;
    return this.read(videoId, now, async () => {
      await this.opts.quota.addRead(now, VIDEOS_LIST_COST).catch(() => undefined);
    });
  }

  /** One videos.list (counted by `count` once it answered), recorded; shared while in flight. */
  private read(videoId: string, now: number, count: () => Promise<void>): Promise<LiveChatInfo> {
    const p = (async () => {
      const info = await this.opts.api.liveChatOf(videoId);
      await count();
      if (this.closed) return info;
      await this.record(videoId, info, now).catch((err: unknown) => this.warnOnce('record', err, 'could not store the YouTube stream info in Redis'));
      return info;
    })().finally(() => {
      if (this.reading?.p === p) this.reading = undefined;
    });
    this.reading = { videoId, p };
    return p;
  }

  /** The reader began reading a live stream (its video id), or stopped (undefined). */
  follow(videoId: string | undefined): void {
    if (this.closed || videoId === this.videoId) return;
    this.videoId = videoId;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (videoId) this.schedule(0);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), ms);
    this.timer.unref();
  }

  private async refresh(): Promise<void> {
    this.timer = undefined;
    const videoId = this.videoId;
    if (!videoId || this.closed) return;
    const now = this.opts.now();
    // posting read this video a moment ago (or is reading it): that read counts, the next one is due later
    if (this.reading?.videoId === videoId || (this.last?.videoId === videoId && now - this.last.at < this.refreshMs - 1000)) {
      this.schedule(Math.max(1000, (this.last?.at ?? now) + this.refreshMs - now));
      return;
    }
    try {
      const take = await this.opts.quota.takeRead(now, VIDEOS_LIST_COST, this.opts.readBudget);
      if (take === 'budget') {
        this.warnOnce(
          'budget',
          undefined,
          `YouTube stream title not re-read: today's read budget (${this.opts.readBudget} units, half of YOUTUBE_QUOTA_RESERVE) is spent; the last title is kept until the Pacific reset`,
        );
      } else if (take === 'ok') {
        await this.read(videoId, now, async () => undefined);
        this.warned = undefined;
      }
      // 'exceeded': Google refuses every call until its reset; posting already said so
    } catch (err) {
      await this.onError(err, now);
    }
    if (this.videoId === videoId) this.schedule(this.refreshMs);
  }

  private async record(videoId: string, info: LiveChatInfo, now: number): Promise<void> {
    this.last = { videoId, at: now, info };
    if (!info.found) return;
    const category = info.categoryId ? await this.categoryName(info.categoryId, now) : undefined;
    const stored = await writeStreamInfo(this.opts.redis, this.opts.prefix, 'youtube', videoId, { title: info.title, category }, now);
    const sig = JSON.stringify([videoId, stored.title, stored.category]);
    if (sig !== this.written) {
      this.written = sig;
      this.opts.logger.info({ channel: videoId, category: stored.category, titleChars: [...(stored.title ?? '')].length }, 'stream title and category read');
      this.opts.logger.debug({ channel: videoId, title: stored.title }, 'stream title');
    }
  }

  /** The category's name: memory, then Redis, then one videoCategories.list within the read budget. */
  private async categoryName(id: string, now: number): Promise<string | undefined> {
    const known = this.categories.get(id);
    if (known) return known;
    const { redis, prefix, quota, api } = this.opts;
    const key = youtubeCategoriesKey(prefix);
    const cached = await redis.hget(key, id);
    if (cached) {
      this.categories.set(id, cached);
      return cached;
    }
    try {
      if ((await quota.takeRead(now, CATEGORIES_LIST_COST, this.opts.readBudget)) !== 'ok') return undefined;
      const name = await api.categoryName(id);
      if (!name) return undefined;
      this.categories.set(id, name);
      await redis.multi().hset(key, id, name).expire(key, CATEGORY_TTL_S).exec();
      return name;
    } catch (err) {
      await this.onError(err, now);
      return undefined;
    }
  }

  private async onError(err: unknown, now: number): Promise<void> {
    if (err instanceof YouTubeApiError && err.reason === 'quotaExceeded') {
      // every process stops calling; posting warns about the quota once
      await this.opts.quota.markExceeded(now).catch(() => undefined);
      this.opts.logger.info('YouTube answered quotaExceeded to a stream info read: the title is not re-read until the Pacific reset');
      return;
    }
    const code = (err as { code?: string; reason?: string }).reason ?? (err as { code?: string }).code ?? 'error';
    this.warnOnce(code, err, 'could not read the YouTube stream title and category: keeping the last value');
  }

  private warnOnce(episode: string, err: unknown, message: string): void {
    if (this.warned === episode) return;
    this.warned = episode;
    this.opts.logger.warn(err === undefined ? {} : { err: { message: err instanceof Error ? err.message : String(err) } }, message);
  }
}
