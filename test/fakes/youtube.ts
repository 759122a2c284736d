import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Fake YouTube on 127.0.0.1 and a free port, speaking what the bot really talks to:
 * - what youtube-chat 2.2.0 requests: GET /watch?v=ID, /channel/ID/live, /@handle/live (HTML
 *   with the canonical watch link, INNERTUBE_API_KEY, clientVersion, the live chat
 *   continuation, isReplay), and POST /youtubei/v1/live_chat/get_live_chat?key=KEY with
 *   continuation responses in YouTube's JSON shape (text and emoji runs, super chats,
 *   stickers, memberships, badges); an ended stream answers without continuationContents;
 * - Google's OAuth token endpoint (refresh-token grant, short-lived tokens, 401 after expiry);
 * - Data API v3: GET /youtube/v3/videos?part=snippet,liveStreamingDetails (each part only when
 *   asked for; snippet carries title and categoryId), GET /youtube/v3/videoCategories?part=snippet&id=…
 *   and POST /youtube/v3/liveChat/messages?part=snippet, errors in Google's JSON format.
 * A posted message comes back through the chat as the bot's own message, as on YouTube.
 */

export type FakeRun = { text: string } | { emoji: string } | { customEmoji: string };

export interface FakeChat {
  /** Display name as YouTube shows it (a handle such as "@alice" is typical). */
  author: string;
  channelId?: string;
  text?: string;
  runs?: FakeRun[];
  /** Super chat amount as displayed, e.g. "¥500"; `sticker` makes it a super sticker. */
  superchat?: string;
  sticker?: boolean;
  /** Member badge; a string sets its label, e.g. "Member (6 months)". */
  member?: boolean | string;
  /** A membership event ("Welcome to …!") rather than a chat message. */
  membershipEvent?: boolean;
  moderator?: boolean;
  owner?: boolean;
  verified?: boolean;
  timestampMs?: number;
}

export interface FakeYouTubeOptions {
  liveId?: string;
  channelId?: string;
  handle?: string;
  /** Whether the channel starts live (default true). */
  live?: boolean;
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  botChannelId?: string;
  botName?: string;
  /** Access token lifetime in seconds (default 3600). */
  tokenTtlS?: number;
  /**
   * The project's daily Data API quota in units (default 10,000, Google's default). Costs as
   * the references give them: liveChatMessages.insert 20 units ("Quota impact" of
   * developers.google.com/youtube/v3/live/docs/liveChatMessages/insert), videos.list 1
   * (determine_quota_cost); every request, an invalid one too, costs at least 1. A call
   * that would pass the quota answers 403 quotaExceeded.
   */
  dailyQuota?: number;
  /**
   * A server in the EU: page requests without a consent cookie are redirected (302) to the
   * cookie-consent page ("Before you continue to YouTube", a form posting to
   * consent.youtube.com/save), which has no video in it. 'cookie': a `SOCS` or
   * `CONSENT=YES…` cookie gets the real page (what yt-dlp sends: SOCS=CAI); 'always': even
   * that does not help.
   */
  consent?: false | 'cookie' | 'always';
}

/** Units per Data API call (see FakeYouTubeOptions.dailyQuota). */
export const YOUTUBE_QUOTA_COST = { 'liveChatMessages.insert': 20, 'videos.list': 1 } as const;

export interface PostedMessage {
  liveChatId: string;
  liveId: string;
  text: string;
  authorization: string;
}

interface Stream {
  liveId: string;
  liveChatId: string;
  ended: boolean;
  actions: unknown[];
  title: string;
  categoryId: string;
}

/** Some of YouTube's video categories (id → English name), as videoCategories.list gives them. */
export const YOUTUBE_CATEGORIES: Record<string, string> = {
  '1': 'Film & Animation',
  '10': 'Music',
  '20': 'Gaming',
  '22': 'People & Blogs',
  '24': 'Entertainment',
  '27': 'Education',
  '28': 'Science & Technology',
};

type GoogleErrorReason = 'quotaExceeded' | 'liveChatEnded' | 'liveChatDisabled' | 'forbidden' | 'rateLimitExceeded' | 'liveChatNotFound';

const API_KEY = 'AIzaSyFAKE-innertube-key_0123456789ab';
const CLIENT_VERSION = '2.20240620.05.00';
const ARGB = 4280150454;
/** Recent items the first get_live_chat after a page load returns again. */
const BACKLOG = 20;

const GOOGLE_ERRORS: Record<GoogleErrorReason, { code: number; domain: string; message: string }> = {
  quotaExceeded: { code: 403, domain: 'youtube.quota', message: 'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.' },
  liveChatEnded: { code: 403, domain: 'youtube.liveChat', message: 'The live chat is no longer live.' },
  liveChatDisabled: { code: 403, domain: 'youtube.liveChat', message: 'Live chat is not enabled for the specified broadcast.' },
  forbidden: { code: 403, domain: 'youtube.liveChat', message: 'You do not have the permissions required to send messages to the specified live chat.' },
  rateLimitExceeded: { code: 403, domain: 'youtube.liveChat', message: 'The message was not sent because the user sent too many messages in a short period of time.' },
  liveChatNotFound: { code: 404, domain: 'youtube.liveChat', message: 'The live chat that you are trying to retrieve cannot be found.' },
};

const b64 = (s: string) => Buffer.from(s).toString('base64url');

/** The cookie-consent interstitial an EU visitor gets instead of the page (trimmed to its telling parts). */
const CONSENT_PAGE = (cont: string) =>
  '<!DOCTYPE html><html lang="en"><head><title>Before you continue to YouTube</title></head><body>' +
  '<h1>Before you continue to YouTube</h1><p>We use cookies and data to deliver and maintain Google services</p>' +
  `<form action="https://consent.youtube.com/save" method="POST"><input type="hidden" name="continue" value="${cont.replace(/"/g, '&quot;')}"><input type="hidden" name="set_eom" value="true"><button>Reject all</button></form>` +
  `<form action="https://consent.youtube.com/save" method="POST"><input type="hidden" name="continue" value="${cont.replace(/"/g, '&quot;')}"><input type="hidden" name="set_eom" value="false"><button>Accept all</button></form>` +
  '</body></html>';

export class FakeYouTube {
  readonly liveIdInitial: string;
  readonly channelId: string;
  readonly handle: string;
  readonly botChannelId: string;
  private readonly streams = new Map<string, Stream>();
  private current: string | undefined;
  private readonly tokens = new Map<string, number>();
  private readonly failInsert: GoogleErrorReason[] = [];
  private readonly failChat: number[] = [];
  private readonly sent: PostedMessage[] = [];
  private seq = 0;
  private polls = 0;
  private refreshes = 0;
  private inserts = 0;
  private videosCalls = 0;
  private quotaSpent = 0;
  private consentRedirects = 0;
  private categoryCalls = 0;
  private unauthorized = 0;
  private port = 0;

  private constructor(
    private readonly server: Server,
    private readonly o: Required<FakeYouTubeOptions>,
  ) {
    this.liveIdInitial = o.liveId;
    this.channelId = o.channelId;
    this.handle = o.handle;
    this.botChannelId = o.botChannelId;
  }

  static async start(options: FakeYouTubeOptions = {}): Promise<FakeYouTube> {
    const o: Required<FakeYouTubeOptions> = {
      liveId: 'fAkEliVe001',
      channelId: 'UCfakeChannel0000000000a',
      handle: 'fakevtuber',
      live: true,
      clientId: 'fake-client.apps.googleusercontent.com',
      clientSecret: 'fake-client-secret',
      refreshToken: '1//fake-refresh-token',
      botChannelId: 'UCbotChannel00000000000b',
      botName: '@botan_bot',
      tokenTtlS: 3600,
      dailyQuota: 10_000,
      consent: false,
      ...options,
    };
    const server = createServer();
    const fake = new FakeYouTube(server, o);
    server.on('request', (req, res) => {
      fake.handle_(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.port = (server.address() as AddressInfo).port;
    if (o.live) fake.startStream(o.liveId);
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get apiUrl(): string {
    return `${this.baseUrl}/youtube/v3`;
  }
  get tokenUrl(): string {
    return `${this.baseUrl}/token`;
  }
  /** The env a bot needs to read and post here (merge into the rest of the config). */
  env(mode: 'live' | 'channel' | 'handle' = 'live', post = true): Record<string, string> {
    return {
      ...(mode === 'live' ? { YOUTUBE_LIVE_ID: this.liveIdInitial } : mode === 'channel' ? { YOUTUBE_CHANNEL_ID: this.channelId } : { YOUTUBE_HANDLE: this.handle }),
      YOUTUBE_BASE_URL: this.baseUrl,
      YOUTUBE_API_URL: this.apiUrl,
      GOOGLE_TOKEN_URL: this.tokenUrl,
      ...(post ? { YOUTUBE_CLIENT_ID: this.o.clientId, YOUTUBE_CLIENT_SECRET: this.o.clientSecret, YOUTUBE_REFRESH_TOKEN: this.o.refreshToken } : {}),
    };
  }

  /** The channel goes live with a new broadcast (channel/handle mode). */
  startStream(liveId: string): void {
    this.streams.set(liveId, { liveId, liveChatId: `KicKGFVD${b64(liveId)}`, ended: false, actions: [], title: `Fake stream ${liveId}`, categoryId: '20' });
    this.current = liveId;
  }

  /** The broadcast ends: chat polls get no continuation, pages show a replay. */
  endStream(liveId = this.current ?? this.liveIdInitial): void {
    const s = this.streams.get(liveId);
    if (s) s.ended = true;
    if (this.current === liveId) this.current = undefined;
  }

  /** Add a chat item to the live stream; returns its message id. */
  pushChat(chat: FakeChat, liveId = this.current ?? this.liveIdInitial): string {
    const s = this.streams.get(liveId);
    if (!s) throw new Error(`fake YouTube: no stream ${liveId}`);
    const id = `ChwKGkNJ${b64(`msg-${++this.seq}-${liveId}`)}`;
    s.actions.push(this.action(id, chat));
    return id;
  }

  /**
   * A moderator deletes one message: get_live_chat carries
   * `{ markChatItemAsDeletedAction: { deletedStateMessage, targetItemId } }` (YouTube's
   * innertube shape, as chat readers such as chat-downloader and pytchat parse it).
   */
  deleteChat(messageId: string, liveId = this.current ?? this.liveIdInitial): void {
    this.streams.get(liveId)?.actions.push({
      markChatItemAsDeletedAction: { deletedStateMessage: { runs: [{ text: '[message deleted]' }] }, targetItemId: messageId },
    });
  }

  /**
   * A moderator hides (bans) or times out a viewer: everything they said is marked deleted,
   * `{ markChatItemsByAuthorAsDeletedAction: { deletedStateMessage, externalChannelId } }`.
   */
  removeAuthor(channelId: string, liveId = this.current ?? this.liveIdInitial): void {
    this.streams.get(liveId)?.actions.push({
      markChatItemsByAuthorAsDeletedAction: { deletedStateMessage: { runs: [{ text: '[message retracted]' }] }, externalChannelId: channelId },
    });
  }

  /** The owner edits the broadcast's title and/or category (snippet.title, snippet.categoryId). */
  setVideo(liveId: string, v: { title?: string; categoryId?: string }): void {
    const s = this.streams.get(liveId);
    if (!s) throw new Error(`fake YouTube: no stream ${liveId}`);
    if (v.title !== undefined) s.title = v.title;
    if (v.categoryId !== undefined) s.categoryId = v.categoryId;
  }

  failNextInsert(reason: GoogleErrorReason): void {
    this.failInsert.push(reason);
  }
  /** The next get_live_chat answers this HTTP status. */
  failNextChat(status = 503): void {
    this.failChat.push(status);
  }
  /** Every access token issued so far stops working (401). */
  expireTokens(): void {
    for (const t of this.tokens.keys()) this.tokens.set(t, 0);
  }
  /** Page requests sent to the consent page. */
  consentRedirectCount(): number {
    return this.consentRedirects;
  }
  /** Data API quota units spent today. */
  quotaUsed(): number {
    return this.quotaSpent;
  }
  posted(): PostedMessage[] {
    return [...this.sent];
  }
  chatPolls(): number {
    return this.polls;
  }
  tokenRefreshes(): number {
    return this.refreshes;
  }
  insertCalls(): number {
    return this.inserts;
  }
  videosListCalls(): number {
    return this.videosCalls;
  }
  videoCategoriesListCalls(): number {
    return this.categoryCalls;
  }
  /** Data API calls answered 401 (missing, unknown or expired token). */
  unauthorizedCalls(): number {
    return this.unauthorized;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- wire shapes ------------------------------------------------------------------

  private action(id: string, c: FakeChat): unknown {
    const runs = (c.runs ?? (c.text !== undefined ? [{ text: c.text }] : [])).map((r) => {
      if ('text' in r) return { text: r.text };
      if ('emoji' in r) {
        const cp = [...r.emoji].map((ch) => ch.codePointAt(0)!.toString(16)).join('_');
        return {
          emoji: {
            emojiId: r.emoji,
            shortcuts: [`:${cp}:`],
            searchTerms: [cp],
            image: { thumbnails: [{ url: `https://fonts.gstatic.com/s/e/notoemoji/15.0/${cp}/72.png` }], accessibility: { accessibilityData: { label: r.emoji } } },
            supportsSkinTone: false,
            variantIds: [],
          },
        };
      }
      return {
        emoji: {
          emojiId: `${this.channelId}/${b64(r.customEmoji)}`,
          shortcuts: [r.customEmoji],
          searchTerms: [r.customEmoji.replace(/:/g, '')],
          image: { thumbnails: [{ url: 'https://yt3.ggpht.com/custom=w24-h24-c-k-nd', width: 24, height: 24 }], accessibility: { accessibilityData: { label: r.customEmoji } } },
          isCustomEmoji: true,
        },
      };
    });
    const badges: unknown[] = [];
    const badge = (iconType: string, tooltip: string) => ({
      liveChatAuthorBadgeRenderer: { icon: { iconType }, tooltip, accessibility: { accessibilityData: { label: tooltip } } },
    });
    if (c.owner) badges.push(badge('OWNER', 'Owner'));
    if (c.moderator) badges.push(badge('MODERATOR', 'Moderator'));
    if (c.verified) badges.push(badge('VERIFIED', 'Verified'));
    if (c.member || c.membershipEvent) {
      const label = typeof c.member === 'string' ? c.member : c.membershipEvent ? 'New member' : 'Member (1 month)';
      badges.push({
        liveChatAuthorBadgeRenderer: {
          customThumbnail: { thumbnails: [{ url: 'https://yt3.ggpht.com/badge=s16-c-k' }, { url: 'https://yt3.ggpht.com/badge=s32-c-k' }] },
          tooltip: label,
          accessibility: { accessibilityData: { label } },
        },
      });
    }
    const base = {
      id,
      timestampUsec: String((c.timestampMs ?? Date.now()) * 1000),
      authorName: { simpleText: c.author },
      authorPhoto: { thumbnails: [{ url: 'https://yt4.ggpht.com/photo=s32-c-k', width: 32, height: 32 }, { url: 'https://yt4.ggpht.com/photo=s64-c-k', width: 64, height: 64 }] },
      authorExternalChannelId: c.channelId ?? `UC${b64(c.author).slice(0, 22).padEnd(22, 'x')}`,
      contextMenuEndpoint: {
        clickTrackingParams: 'CAEQl98BIhMI',
        commandMetadata: { webCommandMetadata: { ignoreNavigation: true } },
        liveChatItemContextMenuEndpoint: { params: b64(`ctx-${id}`) },
      },
      contextMenuAccessibility: { accessibilityData: { label: 'Chat actions' } },
      ...(badges.length ? { authorBadges: badges } : {}),
    };
    let item: Record<string, unknown>;
    if (c.membershipEvent) {
      item = { liveChatMembershipItemRenderer: { ...base, headerSubtext: { runs: [{ text: 'Welcome to ' }, { text: 'Fake VTuber Ch.' }, { text: '!' }] } } };
    } else if (c.superchat && c.sticker) {
      item = {
        liveChatPaidStickerRenderer: {
          ...base,
          purchaseAmountText: { simpleText: c.superchat },
          sticker: { thumbnails: [{ url: 'https://lh3.googleusercontent.com/sticker=s40-rp', width: 40, height: 40 }], accessibility: { accessibilityData: { label: 'A cat waving' } } },
          moneyChipBackgroundColor: ARGB,
          moneyChipTextColor: 4278190080,
          stickerDisplayWidth: 40,
          stickerDisplayHeight: 40,
          backgroundColor: ARGB,
          authorNameTextColor: 3003121664,
        },
      };
    } else if (c.superchat) {
      item = {
        liveChatPaidMessageRenderer: {
          ...base,
          ...(runs.length ? { message: { runs } } : {}),
          purchaseAmountText: { simpleText: c.superchat },
          headerBackgroundColor: 4278239141,
          headerTextColor: 4278190080,
          bodyBackgroundColor: ARGB,
          bodyTextColor: 4278190080,
          authorNameTextColor: 2315255808,
          timestampColor: 2147483648,
        },
      };
    } else {
      item = { liveChatTextMessageRenderer: { ...base, message: { runs } } };
    }
    return { addChatItemAction: { item, clientId: `CL${b64(id).slice(0, 20)}` } };
  }

  private continuation(liveId: string, index: number): string {
    return b64(`0ofMyAN${liveId}|${index}`);
  }

  private page(stream: Stream | undefined): string {
    if (!stream) {
      return `<!DOCTYPE html><html lang="en"><head><link rel="canonical" href="https://www.youtube.com/channel/${this.channelId}"><title>Fake VTuber Ch. - YouTube</title></head><body><script>ytcfg.set({"INNERTUBE_API_KEY":"${API_KEY}","INNERTUBE_CONTEXT":{"client":{"clientName":"WEB","clientVersion":"${CLIENT_VERSION}"}}});</script></body></html>`;
    }
    // Like YouTube, the page's continuation starts with some recent history.
    const cont = this.continuation(stream.liveId, Math.max(0, stream.actions.length - BACKLOG));
    return [
      '<!DOCTYPE html><html lang="en"><head>',
      `<link rel="canonical" href="https://www.youtube.com/watch?v=${stream.liveId}">`,
      `<title>Fake stream ${stream.liveId} - YouTube</title></head><body>`,
      `<script>ytcfg.set({"INNERTUBE_API_KEY":"${API_KEY}","INNERTUBE_CONTEXT":{"client":{"hl":"en","gl":"US","clientName":"WEB","clientVersion":"${CLIENT_VERSION}"}}});</script>`,
      `<script>var ytInitialData = {"contents":{"twoColumnWatchNextResults":{"conversationBar":{"liveChatRenderer":{"continuations":[{"reloadContinuationData":{"continuation":"${cont}","clickTrackingParams":"CAEQl98BIhM"}}],"isReplay":${stream.ended}}}}}};</script>`,
      '</body></html>',
    ].join('');
  }

  // ---- HTTP ---------------------------------------------------------------------------

  private async handle_(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const body = await new Promise<string>((resolve) => {
      let data = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (data += d));
      req.on('end', () => resolve(data));
    });
    const json = (status: number, value: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(value));
    };
    const html = (text: string): void => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(text);
    };
    const p = url.pathname;

    if (req.method === 'GET' && p === '/consent') return html(CONSENT_PAGE(url.searchParams.get('continue') ?? ''));
    const isPage = req.method === 'GET' && (p === '/watch' || p === `/channel/${this.channelId}/live` || p === `/@${this.handle}/live`);
    const cookie = String(req.headers.cookie ?? '');
    if (isPage && this.o.consent && (this.o.consent === 'always' || !/(?:^|;\s*)(?:SOCS=CA[IE]|CONSENT=YES)/.test(cookie))) {
      this.consentRedirects += 1;
      res.writeHead(302, { location: `/consent?continue=${encodeURIComponent(`https://www.youtube.com${p}${url.search}`)}&gl=DE&m=0&pc=yt&hl=en&src=1` }).end();
      return undefined;
    }
    if (req.method === 'GET' && p === '/watch') return html(this.page(this.streams.get(url.searchParams.get('v') ?? '')));
    if (req.method === 'GET' && (p === `/channel/${this.channelId}/live` || p === `/@${this.handle}/live`)) {
      return html(this.page(this.current ? this.streams.get(this.current) : undefined));
    }
    if (req.method === 'POST' && p === '/youtubei/v1/live_chat/get_live_chat') return this.getLiveChat(url, body, json);
    if (req.method === 'POST' && p === '/token') return this.token(body, json);
    if (p.startsWith('/youtube/v3/')) {
      const auth = req.headers.authorization ?? '';
      const token = auth.replace(/^Bearer /, '');
      const exp = this.tokens.get(token);
      if (!auth.startsWith('Bearer ') || exp === undefined || Date.now() >= exp) {
        this.unauthorized += 1;
        return json(401, {
          error: {
            code: 401,
            message: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
            errors: [{ message: 'Invalid Credentials', domain: 'global', reason: 'authError', location: 'Authorization', locationType: 'header' }],
            status: 'UNAUTHENTICATED',
          },
        });
      }
      const method = req.method === 'GET' && p === '/youtube/v3/videos' ? 'videos.list' : req.method === 'POST' && p === '/youtube/v3/liveChat/messages' ? 'liveChatMessages.insert' : undefined;
      const cost = method ? YOUTUBE_QUOTA_COST[method] : 1;
      if (this.quotaSpent + cost > this.o.dailyQuota) {
        const e = GOOGLE_ERRORS.quotaExceeded;
        return json(e.code, { error: { code: e.code, message: e.message, errors: [{ message: e.message, domain: e.domain, reason: 'quotaExceeded' }] } });
      }
      this.quotaSpent += cost;
      if (method === 'videos.list') return this.videos(url, json);
      if (req.method === 'GET' && p === '/youtube/v3/videoCategories') return this.videoCategories(url, json);
      if (method === 'liveChatMessages.insert') return this.insert(url, body, auth, json);
    }
    res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>404 Not Found</body></html>');
    return undefined;
  }

  private getLiveChat(url: URL, body: string, json: (s: number, v: unknown) => void): void {
    this.polls += 1;
    if (url.searchParams.get('key') !== API_KEY) {
      return json(400, { error: { code: 400, message: 'API key not valid. Please pass a valid API key.', errors: [{ message: 'API key not valid.', domain: 'global', reason: 'badRequest' }], status: 'INVALID_ARGUMENT' } });
    }
    const fail = this.failChat.shift();
    if (fail) return json(fail, { error: { code: fail, message: 'The service is currently unavailable.', errors: [{ message: 'backend', domain: 'global', reason: 'backendError' }], status: 'UNAVAILABLE' } });
    const req = JSON.parse(body) as { continuation?: string; context?: { client?: { clientVersion?: string; clientName?: string } } };
    const [liveId = '', idx = '0'] = Buffer.from(req.continuation ?? '', 'base64url').toString().replace(/^0ofMyAN/, '').split('|');
    const stream = this.streams.get(liveId);
    const responseContext = { serviceTrackingParams: [{ service: 'CSI', params: [{ key: 'c', value: 'WEB' }, { key: 'cver', value: CLIENT_VERSION }] }], mainAppWebResponseContext: { loggedOut: true } };
    if (!stream || stream.ended) return json(200, { responseContext, trackingParams: 'CAAQ0b4BIhMI' });
    const from = Number(idx);
    const actions = stream.actions.slice(from);
    json(200, {
      responseContext,
      continuationContents: {
        liveChatContinuation: {
          continuations: [
            {
              invalidationContinuationData: {
                invalidationId: { objectSource: 1056, objectId: b64(`chat~${liveId}`), topic: `chat~${liveId}~${b64(liveId)}`, subscribeToGcmTopics: true, protoCreationTimestampMs: String(Date.now()) },
                timeoutMs: 10000,
                continuation: this.continuation(liveId, stream.actions.length),
              },
            },
          ],
          ...(actions.length ? { actions } : {}),
        },
      },
      trackingParams: 'CAEQl98BIhMI',
    });
  }

  private token(body: string, json: (s: number, v: unknown) => void): void {
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'refresh_token') return json(400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' });
    if (form.get('client_id') !== this.o.clientId || form.get('client_secret') !== this.o.clientSecret) {
      return json(401, { error: 'invalid_client', error_description: 'The OAuth client was not found.' });
    }
    if (form.get('refresh_token') !== this.o.refreshToken) return json(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
    this.refreshes += 1;
    const token = `ya29.fake-${this.refreshes}-${b64(String(Math.random())).slice(0, 12)}`;
    this.tokens.set(token, Date.now() + this.o.tokenTtlS * 1000);
    json(200, { access_token: token, expires_in: this.o.tokenTtlS, scope: 'https://www.googleapis.com/auth/youtube.force-ssl', token_type: 'Bearer' });
  }

  private badRequest(json: (s: number, v: unknown) => void, reason: string, message: string): void {
    json(400, { error: { code: 400, message, errors: [{ message, domain: 'youtube.parameter', reason, location: 'part', locationType: 'parameter' }] } });
  }

  private videos(url: URL, json: (s: number, v: unknown) => void): void {
    this.videosCalls += 1;
    const parts = (url.searchParams.get('part') ?? '').split(',').map((x) => x.trim());
    if (!parts[0]) return this.badRequest(json, 'required', 'Required parameter: part');
    const id = url.searchParams.get('id') ?? '';
    const s = this.streams.get(id);
    const items = s
      ? [
          {
            kind: 'youtube#video',
            etag: b64(`etag-${id}`),
            id,
            ...(parts.includes('snippet')
              ? {
                  snippet: {
                    publishedAt: '2024-06-20T11:55:00Z',
                    channelId: this.channelId,
                    title: s.title,
                    description: 'A fake stream for tests.',
                    thumbnails: { default: { url: `https://i.ytimg.com/vi/${id}/default_live.jpg`, width: 120, height: 90 } },
                    channelTitle: 'Fake VTuber Ch.',
                    categoryId: s.categoryId,
                    liveBroadcastContent: s.ended ? 'none' : 'live',
                    localized: { title: s.title, description: 'A fake stream for tests.' },
                  },
                }
              : {}),
            ...(parts.includes('liveStreamingDetails')
              ? {
                  liveStreamingDetails: {
                    actualStartTime: '2024-06-20T12:00:00Z',
                    ...(s.ended ? { actualEndTime: '2024-06-20T14:00:00Z' } : { concurrentViewers: '321', activeLiveChatId: s.liveChatId }),
                  },
                }
              : {}),
          },
        ]
      : [];
    json(200, { kind: 'youtube#videoListResponse', etag: 'list-etag', items, pageInfo: { totalResults: items.length, resultsPerPage: items.length } });
  }

  private videoCategories(url: URL, json: (s: number, v: unknown) => void): void {
    this.categoryCalls += 1;
    if (url.searchParams.get('part') !== 'snippet') return this.badRequest(json, 'required', 'Required parameter: part');
    const ids = (url.searchParams.get('id') ?? '').split(',').filter(Boolean);
    if (!ids.length && !url.searchParams.get('regionCode')) {
      return this.badRequest(json, 'missingRequiredParameter', 'No filter selected. Expected one of: regionCode, id');
    }
    const wanted = ids.length ? ids : Object.keys(YOUTUBE_CATEGORIES);
    const items = wanted
      .filter((id) => YOUTUBE_CATEGORIES[id])
      .map((id) => ({ kind: 'youtube#videoCategory', etag: b64(`cat-${id}`), id, snippet: { title: YOUTUBE_CATEGORIES[id], assignable: true, channelId: 'UCBR8-60-B28hp2BmDPdntcQ' } }));
    json(200, { kind: 'youtube#videoCategoryListResponse', etag: 'cat-list-etag', items });
  }

  private insert(url: URL, body: string, authorization: string, json: (s: number, v: unknown) => void): void {
    this.inserts += 1;
    const googleError = (reason: GoogleErrorReason) => {
      const e = GOOGLE_ERRORS[reason];
      json(e.code, { error: { code: e.code, message: e.message, errors: [{ message: e.message, domain: e.domain, reason }] } });
    };
    const fail = this.failInsert.shift();
    if (fail) return googleError(fail);
    const req = JSON.parse(body) as { snippet?: { liveChatId?: string; type?: string; textMessageDetails?: { messageText?: string } } };
    const text = req.snippet?.textMessageDetails?.messageText ?? '';
    if (url.searchParams.get('part') !== 'snippet' || req.snippet?.type !== 'textMessageEvent' || !text) {
      return json(400, { error: { code: 400, message: 'Invalid request', errors: [{ message: 'Invalid request', domain: 'youtube.liveChat', reason: 'invalidValue' }] } });
    }
    const stream = [...this.streams.values()].find((s) => s.liveChatId === req.snippet?.liveChatId);
    if (!stream) return googleError('liveChatNotFound');
    if (stream.ended) return googleError('liveChatEnded');
    this.sent.push({ liveChatId: stream.liveChatId, liveId: stream.liveId, text, authorization });
    const id = this.pushChat({ author: this.o.botName, channelId: this.botChannelId, text }, stream.liveId);
    json(200, {
      kind: 'youtube#liveChatMessage',
      etag: b64(`etag-${id}`),
      id,
      snippet: {
        type: 'textMessageEvent',
        liveChatId: stream.liveChatId,
        authorChannelId: this.botChannelId,
        publishedAt: new Date().toISOString(),
        hasDisplayContent: true,
        displayMessage: text,
        textMessageDetails: { messageText: text },
      },
    });
  }
}
