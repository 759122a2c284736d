import { YouTubeUnavailableError, parseGoogleError } from './errors.js';
import type { TokenSource } from './oauth.js';

/**
 * The YouTube Data API v3 calls the bot makes, each with the OAuth bearer token (no API key):
 * videos.list for the broadcast's activeLiveChatId and its title and category id (one call,
 * parts snippet and liveStreamingDetails: 1 unit), videoCategories.list for a category's name
 * (1 unit, once per category id), and liveChatMessages.insert.
 * A 401 drops the token, refreshes it and tries once more.
 */
export interface DataApiOptions {
  /** YOUTUBE_API_URL, including the version path (…/youtube/v3). */
  apiUrl: string;
  tokens: TokenSource;
}

export interface LiveChatInfo {
  /** False when no such video exists (or it is private). */
  found: boolean;
  /** Present while the broadcast's chat is live. */
  activeLiveChatId?: string;
  /** snippet.title: the broadcast's title as its owner set it (raw, untrusted). */
  title?: string;
  /** snippet.categoryId, e.g. "20" (Gaming): videoCategories.list names it. */
  categoryId?: string;
}

export interface InsertedMessage {
  id: string;
  /** The bot's own channel id, as YouTube attributes the message. */
  authorChannelId?: string;
}

export class DataApi {
  private readonly base: string;

  constructor(private readonly opts: DataApiOptions) {
    this.base = opts.apiUrl.replace(/\/+$/, '');
  }

  /** videos.list (1 unit): the live chat id, title and category id of one video. */
  async liveChatOf(videoId: string): Promise<LiveChatInfo> {
    const url = `${this.base}/videos?part=snippet,liveStreamingDetails&id=${encodeURIComponent(videoId)}`;
    const json = (await this.call('GET', url)) as {
      items?: Array<{ id?: string; snippet?: { title?: unknown; categoryId?: unknown }; liveStreamingDetails?: { activeLiveChatId?: string } }>;
    };
    const item = json.items?.[0];
    if (!item) return { found: false };
    const id = item.liveStreamingDetails?.activeLiveChatId;
    const title = typeof item.snippet?.title === 'string' ? item.snippet.title : undefined;
    const categoryId = typeof item.snippet?.categoryId === 'string' && item.snippet.categoryId ? item.snippet.categoryId : undefined;
    return { found: true, ...(id ? { activeLiveChatId: id } : {}), ...(title !== undefined ? { title } : {}), ...(categoryId ? { categoryId } : {}) };
  }

  /** videoCategories.list (1 unit): the English name of a video category, undefined if YouTube has none. */
  async categoryName(categoryId: string): Promise<string | undefined> {
    const url = `${this.base}/videoCategories?part=snippet&id=${encodeURIComponent(categoryId)}&hl=en`;
    const json = (await this.call('GET', url)) as { items?: Array<{ id?: string; snippet?: { title?: unknown } }> };
    const title = json.items?.find((i) => i.id === categoryId)?.snippet?.title ?? json.items?.[0]?.snippet?.title;
    return typeof title === 'string' && title.trim() ? title : undefined;
  }

  async insertMessage(liveChatId: string, messageText: string): Promise<InsertedMessage> {
    const url = `${this.base}/liveChat/messages?part=snippet`;
    const json = (await this.call('POST', url, {
      snippet: { liveChatId, type: 'textMessageEvent', textMessageDetails: { messageText } },
    })) as { id?: string; snippet?: { authorChannelId?: string } };
    return { id: json.id ?? '', ...(json.snippet?.authorChannelId ? { authorChannelId: json.snippet.authorChannelId } : {}) };
  }

  private async call(method: 'GET' | 'POST', url: string, body?: unknown): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.opts.tokens.get();
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(15_000),
        });
      } catch (err) {
        throw new YouTubeUnavailableError(`could not reach the YouTube Data API (${method} ${new URL(url).pathname})`, { cause: err });
      }
      const text = await res.text();
      if (res.status === 401 && attempt === 1) {
        this.opts.tokens.invalidate(token);
        continue;
      }
      if (!res.ok) throw parseGoogleError(res.status, text);
      try {
        return JSON.parse(text) as unknown;
      } catch (err) {
        throw new YouTubeUnavailableError(`the YouTube Data API answered ${res.status} with a body that is not JSON`, { cause: err });
      }
    }
  }
}
