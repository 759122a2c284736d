import tmi from 'tmi.js';
import { BotError } from '../../errors.js';
import { componentLogger, type Logger } from '../../log.js';
import type { CommentInput } from '../../types.js';
import type { ChannelLimits, ChatAdapter, ModerationEvent, OutgoingMessage, PostResult } from '../port.js';
import { buildPrivmsgLine, classifyNotice, isLoginFailure, validTwitchChannel, parseIrcUrl } from './irc.js';
import { attachModeration, twitchBuckets } from './moderation.js';
import { botStateFromUserstate, selfJoinChannel, mapTwitchMessage, type TwitchWireMessage } from './map.js';
import type { TmiRawMessage, TmiUserstate } from './twitch.external.js';
import { systemClock, type Clock, type TwitchAuth, type TwitchAuthFailedError } from './auth.js';
import { createPostState, gatePost, postingLimits, TwitchNotConnectedError, TwitchPausedError } from './post-gate.js';
import { createRoomTracker } from './room-tracker.js';
import type { PostingVerdict } from './room-state.js';

export interface TwitchAdapterOptions {
  /** TWITCH_IRC_URL: default wss://irc-ws.chat.twitch.tv:443; ws://127.0.0.1:PORT works. */
  url: string;
  username: string;
  /** A static token, used when there is no `auth`. */
  token: string;
  /** Hears each change of what a channel's chat modes mean for posting (shared with the workers). */
  onRoomVerdict?: (channel: string, verdict: PostingVerdict) => void;
  /** Token lifecycle (validation, refresh); the adapter stops when it says the token is unusable. */
  auth?: TwitchAuth;
  channels: string[];
  /** Lower-case logins never answered (TWITCH_IGNORED_BOTS). */
  ignoredBots: string[];
  /** TWITCH_RATE_LIMIT override: replaces max/window of the per-channel limit. */
  rateLimit?: { max: number; windowSeconds: number };
  /** TWITCH_MAX_CHARS. */
  maxChars: number;
  logger: Logger;
  /** Reconnect and login back-offs, over TWITCH_BACKOFF. */
  backoff?: Partial<TwitchBackoff>;
  /** Times the login retries (default: the system clock). */
  clock?: Clock;
}

export { TwitchNotConnectedError, TwitchPausedError } from './post-gate.js';

/** How long the IRC adapter waits before connecting again. */
export interface TwitchBackoff {
  /** After a dropped connection (tmi.js): the first wait, its growth per attempt, the longest wait. */
  reconnectMs: number;
  reconnectDecay: number;
  reconnectMaxMs: number;
  /** After a refused login: the first wait, doubled on each further refusal up to the max. */
  loginRetryMs: number;
  loginRetryMaxMs: number;
  /** Between two channel joins: Twitch allows a normal account 20 joins per 10 s (tmi.js waits at least 300 ms). */
  joinIntervalMs: number;
}

export const TWITCH_BACKOFF: Readonly<TwitchBackoff> = {
  reconnectMs: 1000,
  reconnectDecay: 1.5,
  reconnectMaxMs: 30_000,
  loginRetryMs: 60_000,
  loginRetryMaxMs: 30 * 60_000,
  joinIntervalMs: 500,
};

export class TwitchLoginError extends BotError {
  constructor(username: string, variable = 'TWITCH_OAUTH_TOKEN') {
    super(
      'BOT_ERR_TWITCH_LOGIN',
      variable === 'TWITCH_OAUTH_TOKEN'
        ? `Twitch refused the login for TWITCH_USERNAME=${username}: check TWITCH_OAUTH_TOKEN (a chat token "oauth:…" for that account with chat:read and chat:edit scopes; get a new one if it expired)`
        : `Twitch refused the login for TWITCH_USERNAME=${username} with a freshly refreshed token: check that ${variable} belongs to that account (npx botctl twitch status), or log in again with npx botctl twitch login`,
      false,
    );
  }
}

const RATELIMIT_PAUSE_MS = 5_000;
const RATELIMIT_PAUSE_MAX_MS = 30_000;

export function createTwitchAdapter(opts: TwitchAdapterOptions): ChatAdapter {
  const log = componentLogger(opts.logger, 'twitch');
  const backoff: TwitchBackoff = { ...TWITCH_BACKOFF, ...opts.backoff };
  const clock = opts.clock ?? systemClock;
  const endpoint = parseIrcUrl(opts.url);
  if (endpoint.secure && endpoint.port !== 443) {
    log.warn({ port: endpoint.port }, 'tmi.js always uses port 443 for wss:// URLs; the port in TWITCH_IRC_URL is ignored');
  }
  const botLogin = opts.username.toLowerCase();
  const channels: string[] = [];
  for (const c of opts.channels) {
    const n = validTwitchChannel(c);
    if (n && !channels.includes(n)) channels.push(n);
    else if (!n) log.warn({ channel: c }, 'TWITCH_CHANNELS has an entry that is not a Twitch login; it is skipped');
  }
  const ignoredBots = new Set(opts.ignoredBots.map((b) => b.toLowerCase()));

  let client: tmi.Client | null = null;
  let closed = false;
  let closing: Promise<void> | null = null;
  let connected = false;
  let onComment: ((c: CommentInput) => void) | null = null;
  let onModeration: ((m: ModerationEvent) => void) | null = null;
  let loginFailures = 0;
  let loginTimer: unknown;
  let startSettled: (() => void) | null = null;
  const joined = new Set<string>();
  const modIn = new Map<string, boolean>();
  const posts = createPostState();
  const { blocked, paused, lastSent } = posts;
  /**
   * The bot's own messages: Twitch answers each PRIVMSG with a USERSTATE whose `id` tag is the
   * sent message's id. Per channel, the comments answered by posts still waiting for theirs;
   * and bot message id → the comment it answered (recent ones), so a viewer's reply to the bot
   * is known as one even where the reply tags lack the thread's first message.
   */
  const awaitingId = new Map<string, string[]>();
  const answeredBy = new Map<string, string>();
  const ANSWERED_BY_MAX = 2000;
  const ratelimitPause = new Map<string, { ms: number; at: number }>();
  const warnedKinds = new Set<string>();
  const room = createRoomTracker(log, opts.onRoomVerdict);
  let stopped: TwitchAuthFailedError | undefined;
  /** The token tmi.js last logged in with (what Twitch refused, on a login failure). */
  let lastToken = '';
  const auth = opts.auth;
  const password = auth
    ? async () => {
        try {
          lastToken = await auth.token();
        } catch {
          // unusable token: Twitch refuses the login and the auth logs why; never a rejection into tmi.js
          lastToken = 'unavailable';
        }
        return `oauth:${lastToken}`;
      }
    : opts.token;

  function warnOnce(kind: string, fields: Record<string, unknown>, msg: string): void {
    if (warnedKinds.has(kind)) return log.debug({ kind, ...fields }, msg);
    warnedKinds.add(kind);
    log.warn({ kind, ...fields }, `${msg} (logged once per kind)`);
  }

  function deliver(wire: TwitchWireMessage): void {
    if (closed) return;
    try {
      const r = mapTwitchMessage(wire, { botLogin, ignoredBots, receivedAt: Date.now() });
      if (r.ok) {
        const parent = r.comment.replyTo?.id;
        const answered = parent ? answeredBy.get(parent) : undefined;
        if (answered && r.comment.replyTo) r.comment.replyTo = { ...r.comment.replyTo, login: botLogin, threadId: r.comment.replyTo.threadId ?? answered };
        onComment?.(r.comment);
      }
      else if ('skip' in r) log.debug({ skip: r.skip }, 'twitch message ignored');
      else warnOnce(`malformed:${r.malformed}`, { detail: r.detail }, 'dropped a malformed Twitch message');
    } catch (err) {
      warnOnce('handler-threw', { err }, 'a Twitch message could not be handled and was dropped');
    }
  }

  function onNotice(channelRaw: string, msgId: string, text: string): void {
    const channel = validTwitchChannel(String(channelRaw ?? '')) ?? '*';
    const effect = classifyNotice(String(msgId ?? ''), String(text ?? ''));
    const now = Date.now();
    switch (effect.kind) {
      case 'ratelimit': {
        const prev = ratelimitPause.get(channel);
        const ms = prev && now - prev.at < 60_000 ? Math.min(prev.ms * 2, RATELIMIT_PAUSE_MAX_MS) : RATELIMIT_PAUSE_MS;
        const active = (paused.get(channel)?.until ?? 0) > now;
        ratelimitPause.set(channel, { ms, at: now });
        paused.set(channel, { until: now + ms, reason: 'rate-limited by Twitch' });
        if (!active) log.warn({ channel, pauseMs: ms }, `Twitch rate-limited the bot in #${channel} (msg_ratelimit); posting there pauses for ${ms / 1000} s`);
        break;
      }
      case 'duplicate':
        log.warn({ channel }, `Twitch dropped a reply in #${channel} as a duplicate of the previous one (msg_duplicate)`);
        break;
      case 'blocked':
        blocked.set(channel, { until: now + effect.ms, reason: effect.reason });
        log.warn(
          { channel, msgId, blockedMs: effect.ms },
          `the bot cannot post in #${channel}: ${effect.reason} (${msgId}); replies there are dropped for ${Math.round(effect.ms / 1000)} s`,
        );
        break;
      case 'paused':
        paused.set(channel, { until: now + effect.ms, reason: effect.reason });
        log.warn({ channel, msgId, pauseMs: effect.ms }, `posting to #${channel} pauses for ${Math.round(effect.ms / 1000)} s: ${effect.reason}`);
        break;
      default:
        log.debug({ channel, msgId }, 'twitch notice');
    }
  }

  function markJoined(channel: string): void {
    if (joined.has(channel)) return;
    joined.add(channel);
    log.info({ channel }, `joined #${channel}`);
    if (channels.every((c) => joined.has(c))) startSettled?.();
  }

  // joined on the bot's own JOIN echo or on USERSTATE (which Twitch sends after it, with
  // the bot's badges: moderator or not), whichever comes first
  function onRaw(raw: TmiRawMessage): void {
    const stateOf = raw.command === 'ROOMSTATE' || raw.command === 'USERSTATE' ? validTwitchChannel(raw.params?.[0] ?? '') : null;
    if (stateOf && raw.command === 'ROOMSTATE') room.onModes(stateOf, raw.tags ?? {});
    if (stateOf && raw.command === 'USERSTATE') room.onUserstateTags(stateOf, raw.tags ?? {});
    const selfJoin = selfJoinChannel(raw, botLogin);
    if (selfJoin) return markJoined(selfJoin);
    const state = botStateFromUserstate(raw);
    if (!state) return;
    const sentId = typeof raw.tags?.id === 'string' ? raw.tags.id : undefined;
    const waiting = awaitingId.get(state.channel);
    if (sentId && waiting?.length) {
      answeredBy.set(sentId, waiting.shift()!);
      if (answeredBy.size > ANSWERED_BY_MAX) answeredBy.delete(answeredBy.keys().next().value!);
    }
    const was = modIn.get(state.channel);
    modIn.set(state.channel, state.moderator);
    if (was !== state.moderator) log.info({ channel: state.channel, moderator: state.moderator }, `bot moderator status in #${state.channel}: ${state.moderator}`);
    markJoined(state.channel);
  }

  function onLoginRefused(): void {
    loginFailures++;
    if (auth && loginFailures <= 3) {
      // a refused login with a refreshable token: refresh (once for the deployment) and log in again now
      void auth.recover(lastToken).then((renewed) => {
        if (closed) return;
        if (renewed) {
          log.info('Twitch refused the login; logging in again with a refreshed token');
          connectFresh();
        } else if (!stopped) backoffLogin();
      });
      return;
    }
    backoffLogin();
  }

  function backoffLogin(): void {
    const delay = Math.min(backoff.loginRetryMs * 2 ** (loginFailures - 1), backoff.loginRetryMaxMs);
    const err = new TwitchLoginError(botLogin, auth?.refreshing ? 'TWITCH_REFRESH_TOKEN' : 'TWITCH_OAUTH_TOKEN');
    if (loginFailures === 1) log.error({ err, retryInMs: delay }, `${err.message}. Next try in ${delay / 1000} s; fix the token and restart to retry sooner.`);
    else log.warn({ code: err.code, retryInMs: delay }, `Twitch still refuses the login (${auth?.refreshing ? 'TWITCH_REFRESH_TOKEN' : 'TWITCH_OAUTH_TOKEN'}); next try in ${delay / 1000} s`);
    startSettled?.();
    clock.clearTimeout(loginTimer);
    loginTimer = clock.setTimeout(() => {
      if (!closed) connectFresh();
    }, delay);
  }

  function connectFresh(): void {
    const c = createClient();
    client = c;
    c.connect().catch(() => {
      // failures arrive through the 'disconnected' event
    });
  }

  function createClient(): tmi.Client {
    const quiet = (key: 'chat' | 'tmi') => (m: unknown) => log.debug({ [key]: String(m) }, 'tmi.js');
    const c = new tmi.Client({
      options: { skipUpdatingEmotesets: true, joinInterval: backoff.joinIntervalMs },
      connection: {
        server: endpoint.server,
        port: endpoint.port,
        secure: endpoint.secure,
        reconnect: true,
        reconnectInterval: backoff.reconnectMs,
        reconnectDecay: backoff.reconnectDecay,
        maxReconnectInterval: backoff.reconnectMaxMs,
      },
      identity: { username: botLogin, password },
      channels: channels.map((ch) => `#${ch}`),
      // tmi.js logs chat lines at info: keep all of it at debug, chat text under `chat`.
      logger: { info: quiet('chat'), warn: quiet('chat'), error: quiet('tmi') },
    });
    // tmi.js 1.8.5 throws from its line handler on some malformed lines (e.g. a PRIVMSG
    // without text); contain that here so a bad line is dropped, never a crash.
    const internals = c as unknown as { handleMessage(m: unknown): void };
    const handle = internals.handleMessage.bind(c);
    internals.handleMessage = (m: unknown) => {
      try {
        handle(m);
      } catch (err) {
        warnOnce('unparseable-line', { err }, 'dropped a Twitch line tmi.js could not handle');
      }
    };
    let refused = false;
    c.on('raw_message', (_clone: unknown, m: TmiRawMessage) => {
      if (!closed && client === c) onRaw(m);
    });
    c.on('message', (channel: string, us: TmiUserstate, text: string, self: boolean) => deliver({ channel, userstate: us, text, kind: 'chat', self }));
    c.on('cheer', (channel: string, us: TmiUserstate, text: string) => deliver({ channel, userstate: us, text, kind: 'cheer' }));
    c.on('notice', onNotice);
    attachModeration(c, log, (ev) => {
      if (!closed && client === c) onModeration?.(ev);
    });
    c.on('connecting', () => {
      if (closed || client !== c) void c.disconnect().catch(() => undefined);
    });
    c.on('connected', () => {
      connected = true;
      loginFailures = 0;
      log.info({ channels }, 'connected to Twitch chat');
    });
    c.on('disconnected', (reason: string) => {
      const wasConnected = connected;
      connected = false;
      joined.clear();
      if (closed || client !== c) return;
      if (isLoginFailure(String(reason))) {
        if (!refused) {
          refused = true;
          client = null;
          c.removeAllListeners();
          onLoginRefused();
        }
        return;
      }
      if (wasConnected) log.warn({ reason: String(reason) }, 'disconnected from Twitch chat; reconnecting with backoff');
      else log.debug({ reason: String(reason) }, 'Twitch chat connection attempt failed; retrying with backoff');
      startSettled?.();
    });
    return c;
  }

  return {
    platform: 'twitch',
    maxChars: opts.maxChars,
    mentionsAuthor: false,

    async start(cb, onMod) {
      if (closed) return;
      onComment = cb;
      onModeration = onMod ?? null;
      if (client) return;
      if (auth) {
        auth.onFatal((err) => {
          stopped = err;
          void this.close();
        });
        if (!(await auth.start()) || closed) return;
      }
      const ready = new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          const missing = channels.filter((c) => !joined.has(c));
          if (missing.length) log.warn({ missing }, 'not every Twitch channel is joined yet; going on, joins continue in the background');
          resolve();
        }, 10_000 + 500 * channels.length);
        timer.unref();
        startSettled = () => {
          clearTimeout(timer);
          startSettled = null;
          resolve();
        };
      });
      connectFresh();
      if (channels.length === 0) startSettled?.();
      await ready;
    },

    async post(msg: OutgoingMessage): Promise<PostResult> {
      const cleared = gatePost(posts, msg, { stopped, channels, room, maxChars: opts.maxChars, ready: (ch) => (!closed && client && connected && joined.has(ch) && client.readyState() === 'OPEN' ? client : undefined) }, Date.now());
      if ('status' in cleared) return cleared;
      const { channel, text, last, via: c } = cleared;
      try {
        await c.raw(buildPrivmsgLine(channel, text, msg.replyTo.id));
        const waiting = awaitingId.get(channel) ?? [];
        waiting.push(msg.replyTo.id);
        awaitingId.set(channel, waiting.slice(-20));
      } catch (err) {
        throw new TwitchNotConnectedError(channel, err);
      }
      lastSent.set(channel, last);
      log.debug({ channel, chat: text }, 'posted to Twitch');
      return { status: 'posted', at: Date.now() };
    },

    buckets(channel: string) {
      const ch = validTwitchChannel(channel) ?? channel;
      return twitchBuckets(botLogin, modIn.get(ch) === true || ch === botLogin, opts.rateLimit);
    },

    limits(channel: string): ChannelLimits {
      return postingLimits(channel, modIn, room, opts.rateLimit);
    },

    close() {
      if (closing) return closing;
      closed = true;
      onComment = null;
      onModeration = null;
      clock.clearTimeout(loginTimer);
      auth?.close();
      startSettled?.();
      const c = client;
      client = null;
      connected = false;
      joined.clear();
      closing = (async () => {
        if (!c) return;
        // Stop tmi.js's own reconnect timer from reviving the connection.
        (c as unknown as { reconnect: boolean }).reconnect = false;
        const state = c.readyState();
        if (state === 'OPEN' || state === 'CONNECTING') {
          await Promise.race([c.disconnect().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
        }
        log.info('Twitch chat connection closed');
      })();
      return closing;
    },
  };
}
