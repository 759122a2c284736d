import ytChat from 'youtube-chat';
import type { Logger } from '../../log.js';
import { BotError } from '../../errors.js';
import type { YouTubeChatItem } from './chat-item.external.js';
import { CONSENT_COOKIE, describeSource, inspectLivePage, isConsentPage, livePageUrl, type LiveSource, type PageState } from './live-page.js';

/** YouTube sent its cookie-consent page instead of the live page, even with the consent cookie. */
export class YouTubeConsentError extends BotError {
  constructor() {
    super(
      'BOT_ERR_YOUTUBE_CONSENT',
      "YouTube answers with its cookie-consent page (consent.youtube.com) instead of the stream, so the chat cannot be read: this server is probably in the EU and the consent cookie was not accepted; retrying (a proxy or server outside the EU avoids it)",
      true,
    );
  }
}
import { withReadScope } from './redirect.js';

const { LiveChat } = ytChat;
type LiveChatInstance = InstanceType<typeof LiveChat>;

/** youtube-chat's own pace; we never poll faster. */
export const MIN_POLL_MS = 100;
export const YOUTUBE_READ_BACKOFF_MAX_MS = 60_000;

export interface ReaderOptions {
  source: LiveSource;
  /** YOUTUBE_BASE_URL. */
  baseUrl: string;
  pollMs: number;
  /** The longest wait after failed reads (the first is pollMs, doubled per failure); default 60 s. */
  backoffMaxMs?: number;
  /** Channel/handle mode: re-check of the /live page while offline. */
  liveCheckMs: number;
  logger: Logger;
  /** Each new chat item; `membershipEvent` when YouTube sent it as a membership item. */
  onItem: (item: YouTubeChatItem, liveId: string, membershipEvent: boolean) => void;
  /** The stream being read changed: its video id once its chat is read, undefined once it ended. */
  onLive?: (liveId: string | undefined) => void;
  /** A moderator removed one message (`messageId`) or everything one viewer said (`authorChannelId`). */
  onRemoval?: (removal: { messageId: string } | { authorChannelId: string }, liveId: string) => void;
}

/**
 * Moderator actions in a get_live_chat body (youtube-chat hands over only added items):
 * markChatItemAsDeletedAction / removeChatItemAction name one message (targetItemId),
 * markChatItemsByAuthorAsDeletedAction / removeChatItemByAuthorAction a viewer (externalChannelId).
 */
export function removalsIn(actions: readonly unknown[]): ({ messageId: string } | { authorChannelId: string })[] {
  const out: ({ messageId: string } | { authorChannelId: string })[] = [];
  for (const a of actions) {
    if (!a || typeof a !== 'object') continue;
    const x = a as Record<string, { targetItemId?: unknown; externalChannelId?: unknown } | undefined>;
    const one = x.markChatItemAsDeletedAction?.targetItemId ?? x.removeChatItemAction?.targetItemId;
    if (typeof one === 'string' && one) out.push({ messageId: one });
    const author = x.markChatItemsByAuthorAsDeletedAction?.externalChannelId ?? x.removeChatItemByAuthorAction?.externalChannelId;
    if (typeof author === 'string' && author) out.push({ authorChannelId: author });
  }
  return out;
}

/** Insertion-ordered set that forgets its oldest entries. */
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly max: number) {}
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.max) this.ids.delete(this.ids.values().next().value as string);
  }
}

/**
 * Reads one YouTube live chat with youtube-chat's LiveChat, and owns its life cycle:
 * resolve the live video id from the channel's /live page (youtube-chat's own channel-id
 * lookup fails on some channels), poll at a gentle pace, stop and back off on errors, notice
 * that the stream ended (stop polling, log it), and in channel/handle mode wait for the
 * next live and resume.
 */
export class ChatReader {
  private chat: LiveChatInstance | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private errors = 0;
  /** The stream being (or last) read. */
  private liveId: string | undefined;
  private waitingLogged = false;
  private consentWarned = false;
  /** The last get_live_chat body had no continuation: YouTube's sign that the chat is over. */
  private endSignal = false;
  private readonly seen = new RecentIds(5000);
  private readonly membership = new RecentIds(1000);
  /**
   * A fresh stream's first get_live_chat answer also carries recent history; items sent
   * before we loaded the page (by their timestamp) are marked seen, not delivered. Restarts
   * of the same stream deliver what they find (the seen ids keep out repeats), so nothing
   * said during a back-off is lost.
   */
  private backlogBefore: number | undefined;
  private readonly abort = new AbortController();
  private readonly pollMs: number;

  constructor(private readonly opts: ReaderOptions) {
    this.pollMs = Math.max(MIN_POLL_MS, opts.pollMs);
  }

  /** The first attempt; resolves whatever its outcome (retries and waits go on in the background). */
  async start(): Promise<void> {
    await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.stopChat();
  }

  /** Whether a LiveChat is polling now. */
  get reading(): boolean {
    return this.chat !== undefined;
  }

  private async connect(): Promise<void> {
    this.timer = undefined;
    if (this.closed) return;
    const { source, logger } = this.opts;
    let page: PageState;
    try {
      page = await this.loadPage(source);
    } catch (err) {
      if (this.closed) return;
      if (err instanceof YouTubeConsentError) {
        // one clear line, then quiet retries at the live-check pace (the page may go away)
        if (!this.consentWarned) logger.warn({ code: err.code, source: describeSource(source) }, err.message);
        else logger.debug({ code: err.code }, 'YouTube consent page again');
        this.consentWarned = true;
        this.schedule(this.opts.liveCheckMs);
        return;
      }
      this.retryLater(err, 'could not load the YouTube live page');
      return;
    }
    if (this.consentWarned) {
      logger.info('YouTube live page readable again (past the consent page)');
      this.consentWarned = false;
    }
    if (this.closed) return;
    if (page.state === 'live') {
      await this.startChat(page.liveId);
      return;
    }
    const previous = this.liveId;
    if (previous) {
      logger.info({ liveId: previous }, 'YouTube stream ended: stopped polling its chat');
      this.liveId = undefined;
      this.opts.onLive?.(undefined);
    }
    this.errors = 0;
    if ('liveId' in source) {
      if (!previous) {
        logger.warn(
          { liveId: source.liveId, state: page.state },
          'YouTube video is not live (finished, or no such video): nothing to read; set YOUTUBE_LIVE_ID to a live stream, or YOUTUBE_CHANNEL_ID / YOUTUBE_HANDLE to follow a channel',
        );
      }
      return;
    }
    if (!this.waitingLogged) {
      logger.info({ source: describeSource(source), recheckMs: this.opts.liveCheckMs }, 'no YouTube live stream now: waiting for the next one');
      this.waitingLogged = true;
    }
    this.schedule(this.opts.liveCheckMs);
  }

  private async loadPage(source: LiveSource): Promise<PageState> {
    const url = livePageUrl(this.opts.baseUrl, source);
    const res = await fetch(url, {
      headers: { 'accept-language': 'en-US,en;q=0.9', accept: 'text/html', cookie: CONSENT_COOKIE },
      signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(15_000)]),
    });
    if (res.status === 404) return { state: 'offline' };
    if (!res.ok) throw new BotError('BOT_ERR_YOUTUBE_PAGE', `YouTube answered ${res.status} for the live page; retrying later`, true);
    const html = await res.text();
    if (isConsentPage(html, res.url)) throw new YouTubeConsentError();
    return inspectLivePage(html);
  }

  private async startChat(liveId: string): Promise<void> {
    this.stopChat();
    this.backlogBefore = liveId === this.liveId ? undefined : Date.now();
    const chat = new LiveChat({ liveId }, this.pollMs);
    this.chat = chat;
    this.endSignal = false;
    chat.on('chat', (item) => this.deliver(item, liveId));
    chat.on('error', (err) => this.onChatError(chat, err));
    const ok = await withReadScope({ baseUrl: this.opts.baseUrl, onRawChat: (data) => this.noteRaw(data, liveId) }, () => chat.start());
    // On failure youtube-chat already emitted 'error' (handled above).
    if (!ok || this.closed || this.chat !== chat) return;
    const changed = this.liveId !== liveId;
    if (changed) this.opts.logger.info({ liveId, pollMs: this.pollMs }, 'reading YouTube live chat');
    this.liveId = liveId;
    if (changed) this.opts.onLive?.(liveId);
    this.waitingLogged = false;
  }

  private stopChat(): void {
    const chat = this.chat;
    if (!chat) return;
    this.chat = undefined;
    chat.stop();
    chat.removeAllListeners();
    // A poll already in flight may still report; an 'error' with no listener would throw.
    chat.on('error', () => undefined);
  }

  private onChatError(chat: LiveChatInstance, err: unknown): void {
    if (chat !== this.chat || this.closed) return;
    this.stopChat();
    if (this.endSignal) {
      this.opts.logger.info({ liveId: this.liveId }, 'YouTube chat sent no continuation: checking whether the stream ended');
      this.schedule(this.pollMs);
      return;
    }
    this.retryLater(err, 'YouTube chat read failed');
  }

  private retryLater(err: unknown, what: string): void {
    this.errors += 1;
    const delay = Math.min(this.opts.backoffMaxMs ?? YOUTUBE_READ_BACKOFF_MAX_MS, this.pollMs * 2 ** Math.min(this.errors - 1, 10));
    const message = err instanceof Error ? err.message : String(err);
    this.opts.logger.warn({ err: { message }, liveId: this.liveId, attempt: this.errors, retryInMs: delay }, `${what}: backing off`);
    this.schedule(delay);
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connect(), ms);
  }

  /** Facts from the raw get_live_chat body that youtube-chat's items do not carry. */
  private noteRaw(data: unknown, liveId: string): void {
    const cont = (data as { continuationContents?: { liveChatContinuation?: { continuations?: unknown[]; actions?: unknown[] } } } | undefined)
      ?.continuationContents?.liveChatContinuation;
    if (!cont || !Array.isArray(cont.continuations) || cont.continuations.length === 0) {
      this.endSignal = true;
      return;
    }
    this.errors = 0;
    if (this.opts.onRemoval && Array.isArray(cont.actions)) {
      for (const r of removalsIn(cont.actions)) this.opts.onRemoval(r, liveId);
    }
    const backlogBefore = this.backlogBefore;
    this.backlogBefore = undefined;
    for (const action of cont.actions ?? []) {
      const item = (action as { addChatItemAction?: { item?: Record<string, { id?: string; timestampUsec?: string } | undefined> } })?.addChatItemAction?.item;
      if (!item) continue;
      const membershipId = item.liveChatMembershipItemRenderer?.id;
      if (membershipId) this.membership.add(membershipId);
      if (backlogBefore !== undefined) {
        for (const r of Object.values(item)) {
          if (r?.id && Number(r.timestampUsec) / 1000 < backlogBefore) this.seen.add(r.id);
        }
      }
    }
  }

  private deliver(item: YouTubeChatItem, liveId: string): void {
    try {
      if (this.seen.has(item.id)) return;
      this.seen.add(item.id);
      this.opts.onItem(item, liveId, this.membership.has(item.id));
    } catch (err) {
      this.opts.logger.error({ err }, 'YouTube chat item could not be handled');
    }
  }
}
