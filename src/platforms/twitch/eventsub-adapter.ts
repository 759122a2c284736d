/**
 * TWITCH_TRANSPORT=eventsub: chat read through EventSub over WebSocket
 * (`channel.chat.message`, `channel.chat_settings.update`) and posted through Helix
 * `POST /chat/messages`, behind the same ChatAdapter port as the IRC transport: the same
 * Comment (one mapping), the same limits, holds and room modes, the same pacer upstream.
 *
 * Hand-written over `ws` rather than twurple 8: twurple's Helix and id calls go to hard-coded
 * hosts (api.twitch.tv / id.twitch.tv, or a twitch-cli mock on localhost under /mock/), so it
 * cannot honour TWITCH_API_URL / TWITCH_AUTH_URL, and the protocol needed here is small
 * (docs/twitch.md has the comparison).
 */
import type { Logger } from '../../log.js';
import type { CommentInput } from '../../types.js';
import type { ChannelLimits, ChatAdapter, OutgoingMessage, PostResult } from '../port.js';
import type { Clock, TwitchAuth, TwitchAuthFailedError } from './auth.js';
import type { ChatMessageEvent, ChatSettingsEvent } from './eventsub.external.js';
import { modesFromSettings, standingFromChatEvent, wireFromChatEvent } from './eventsub-map.js';
import { createEventSubSession, type EventSubBackoff } from './eventsub-ws.js';
import { createHelix, HelixError } from './helix.js';
import { classifyNotice, validTwitchChannel } from './irc.js';
import { mapTwitchMessage } from './map.js';
import { createPostState, gatePost, postingLimits, TwitchNotConnectedError, TwitchPausedError } from './post-gate.js';
import { createRoomTracker } from './room-tracker.js';
import type { PostingVerdict } from './room-state.js';

export interface EventSubAdapterOptions {
  /** TWITCH_EVENTSUB_URL. */
  eventsubUrl: string;
  /** TWITCH_API_URL (with /helix). */
  apiUrl: string;
  /** TWITCH_CLIENT_ID, when set (otherwise the token's own, from validation). */
  clientId?: string;
  username: string;
  channels: string[];
  ignoredBots: string[];
  rateLimit?: { max: number; windowSeconds: number };
  maxChars: number;
  auth: TwitchAuth;
  /** Hears each change of what a channel's chat modes mean for posting (shared with the workers). */
  onRoomVerdict?: (channel: string, verdict: PostingVerdict) => void;
  logger: Logger;
  /** Reconnect back-off of the EventSub session, over EVENTSUB_BACKOFF. */
  backoff?: Partial<EventSubBackoff>;
  /** Times the reconnects (default: the system clock). */
  clock?: Clock;
}

const RATELIMIT_PAUSE_MS = 5_000;

export function createEventSubAdapter(opts: EventSubAdapterOptions): ChatAdapter {
  const log = opts.logger.child({ transport: 'eventsub' });
  const auth = opts.auth;
  const botLogin = opts.username.toLowerCase();
  const channels = [...new Set(opts.channels.map((c) => validTwitchChannel(c)).filter((c): c is string => !!c))];
  const ignoredBots = new Set(opts.ignoredBots.map((b) => b.toLowerCase()));
  const helix = createHelix({ baseUrl: opts.apiUrl, auth, clientId: () => opts.clientId ?? auth.clientId ?? '' });
  const room = createRoomTracker(log, opts.onRoomVerdict);
  const idOf = new Map<string, string>(); // channel login → broadcaster id
  const loginOf = new Map<string, string>();
  const subscribed = new Set<string>();
  const posts = createPostState();
  const { blocked, paused, lastSent } = posts;
  const modIn = new Map<string, boolean>();
  let onComment: ((c: CommentInput) => void) | null = null;
  let closed = false;
  let stopped: TwitchAuthFailedError | undefined;
  let closing: Promise<void> | null = null;
  let modLookupDone = false;

  const session = createEventSubSession({
    url: opts.eventsubUrl,
    logger: log,
    ...(opts.backoff ? { backoff: opts.backoff } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    onSession: subscribeAll,
    onNotification(type, event, sentAt) {
      if (closed) return;
      try {
        if (type === 'channel.chat.message') onChat(event as ChatMessageEvent, sentAt);
        else if (type === 'channel.chat_settings.update') {
          const e = event as ChatSettingsEvent;
          const ch = loginOf.get(String(e?.broadcaster_user_id));
          if (ch) room.onModes(ch, modesFromSettings(e));
        }
      } catch (err) {
        log.warn({ err, type }, 'an EventSub event could not be handled and was dropped');
      }
    },
    onRevocation(sub) {
      const ch = loginOf.get(String(sub.condition?.broadcaster_user_id)) ?? '?';
      subscribed.delete(`${sub.type}:${ch}`);
      log.error(
        { channel: ch, type: sub.type, status: sub.status },
        sub.status === 'authorization_revoked'
          ? `Twitch revoked the bot's EventSub subscription ${sub.type} for #${ch}: the token's authorization was withdrawn. Run \`npx botctl twitch login\` and restart`
          : `Twitch ended the EventSub subscription ${sub.type} for #${ch} (${sub.status})`,
      );
      if (sub.status === 'authorization_revoked') void auth.validateNow();
    },
  });

  function onChat(e: ChatMessageEvent, sentAt: string | undefined): void {
    const ch = String(e?.broadcaster_user_login ?? '').toLowerCase();
    if (String(e?.chatter_user_login ?? '').toLowerCase() === botLogin && ch) {
      // the bot's own message: its badges say whether it is a moderator there
      const s = standingFromChatEvent(e);
      const was = modIn.get(ch);
      modIn.set(ch, s.moderator);
      if (was !== s.moderator) log.info({ channel: ch, moderator: s.moderator }, `bot moderator status in #${ch}: ${s.moderator}`);
      room.onStanding(ch, s);
    }
    const r = mapTwitchMessage(wireFromChatEvent(e, sentAt), { botLogin, ignoredBots, receivedAt: Date.now() });
    if (r.ok) onComment?.(r.comment);
    else if ('skip' in r) log.debug({ skip: r.skip }, 'twitch message ignored');
    else log.debug({ malformed: r.malformed }, 'dropped a malformed EventSub chat event');
  }

  async function subscribeAll(sessionId: string): Promise<void> {
    subscribed.clear();
    const botId = auth.userId;
    if (!botId) throw new Error('the bot user id is unknown (token not validated yet)');
    const missing = channels.filter((c) => !idOf.has(c));
    if (missing.length) {
      for (const u of await helix.usersByLogin(missing)) {
        idOf.set(u.login, u.id);
        loginOf.set(u.id, u.login);
      }
      for (const c of channels) if (!idOf.has(c)) log.warn({ channel: c }, `Twitch has no user #${c} (TWITCH_CHANNELS): skipped`);
    }
    // where the bot is a moderator (exempt from chat modes, higher limits), before its first message says so
    if (!modLookupDone) {
      modLookupDone = true;
      try {
        const mods = new Set(await helix.moderatedChannels(botId));
        for (const ch of channels) {
          if (!mods.has(ch) || modIn.has(ch)) continue;
          modIn.set(ch, true);
          room.onStanding(ch, { moderator: true, vip: false, subscriber: false });
          log.info({ channel: ch, moderator: true }, `bot moderator status in #${ch}: true`);
        }
      } catch (err) {
        log.info({ err }, 'could not list the channels the bot moderates (the token lacks user:read:moderated_channels?); the bot counts as a moderator where its own messages show the badge');
      }
    }
    for (const ch of channels) {
      const id = idOf.get(ch);
      if (!id) continue;
      if (id === botId) {
        // the bot's own channel: it is the broadcaster there, exempt from every mode
        modIn.set(ch, true);
        room.onStanding(ch, { moderator: true, vip: false, subscriber: false });
      }
      for (const type of ['channel.chat.message', 'channel.chat_settings.update']) {
        try {
          await helix.subscribe(type, '1', { broadcaster_user_id: id, user_id: botId }, sessionId);
          subscribed.add(`${type}:${ch}`);
        } catch (err) {
          if (type === 'channel.chat.message') throw err;
          log.warn({ err, channel: ch }, `could not subscribe to chat settings of #${ch}; modes are read when posting`);
        }
      }
      log.info({ channel: ch }, `joined #${ch}`);
      helix
        .chatSettings(id)
        .then((s) => s && room.onModes(ch, modesFromSettings(s)))
        .catch((err) => log.warn({ err, channel: ch }, `could not read chat settings of #${ch}`));
    }
  }

  /** A message Twitch did not send (is_sent false): the same handling as the IRC NOTICEs. */
  function dropped(channel: string, code: string, message: string): PostResult {
    const effect = classifyNotice(code, message);
    const now = Date.now();
    switch (effect.kind) {
      case 'ratelimit':
        paused.set(channel, { until: now + RATELIMIT_PAUSE_MS, reason: 'rate-limited by Twitch' });
        log.warn({ channel, code }, `Twitch rate-limited the bot in #${channel} (${code}); posting there pauses for ${RATELIMIT_PAUSE_MS / 1000} s`);
        throw new TwitchPausedError(channel, 'rate-limited by Twitch', now + RATELIMIT_PAUSE_MS);
      case 'paused':
        paused.set(channel, { until: now + effect.ms, reason: effect.reason });
        log.warn({ channel, code }, `posting to #${channel} pauses for ${Math.round(effect.ms / 1000)} s: ${effect.reason}`);
        throw new TwitchPausedError(channel, effect.reason, now + effect.ms);
      case 'blocked':
        blocked.set(channel, { until: now + effect.ms, reason: effect.reason });
        log.warn({ channel, code, blockedMs: effect.ms }, `the bot cannot post in #${channel}: ${effect.reason} (${code}); replies there are dropped for ${Math.round(effect.ms / 1000)} s`);
        return { status: 'rejected', reason: `${effect.reason} in #${channel}` };
      case 'duplicate':
        log.warn({ channel }, `Twitch dropped a reply in #${channel} as a duplicate of the previous one (${code})`);
        return { status: 'rejected', reason: 'duplicate' };
      default:
        log.warn({ channel, code }, `Twitch did not send a reply in #${channel}: ${code}`);
        return { status: 'rejected', reason: `not sent by Twitch (${code})` };
    }
  }

  const adapter: ChatAdapter = {
    platform: 'twitch',
    maxChars: opts.maxChars,
    mentionsAuthor: false,

    async start(cb) {
      if (closed) return;
      onComment = cb;
      auth.onFatal((err) => {
        stopped = err;
        void adapter.close();
      });
      if (!(await auth.start()) || closed) return;
      if (!auth.userId) await auth.validateNow();
      if (!auth.userId || closed) {
        if (!closed) log.error('Twitch did not say whose token this is (validation failed); EventSub cannot subscribe. Twitch chat is stopped; YouTube and the rest keep running');
        return;
      }
      log.info({ channels }, 'connecting to Twitch EventSub');
      await session.start();
    },

    async post(msg: OutgoingMessage): Promise<PostResult> {
      const ready = (ch: string) => {
        const broadcasterId = idOf.get(ch);
        const botId = auth.userId;
        return !closed && broadcasterId && botId && subscribed.has(`channel.chat.message:${ch}`) ? { broadcasterId, botId } : undefined;
      };
      const cleared = gatePost(posts, msg, { stopped, channels, room, maxChars: opts.maxChars, ready }, Date.now());
      if ('status' in cleared) return cleared;
      const { channel, text, last, via: { broadcasterId, botId } } = cleared;
      let sent;
      try {
        sent = await helix.sendChatMessage({ broadcaster_id: broadcasterId, sender_id: botId, message: text, ...(msg.replyTo.id ? { reply_parent_message_id: msg.replyTo.id } : {}) });
      } catch (err) {
        if (err instanceof HelixError && !err.retryable) {
          log.warn({ channel, status: err.status }, `Twitch refused a reply in #${channel}: ${err.message}`);
          return { status: 'rejected', reason: `Twitch API ${err.status}` };
        }
        if (err instanceof HelixError && err.status === 429) {
          paused.set(channel, { until: Date.now() + RATELIMIT_PAUSE_MS, reason: 'rate-limited by Twitch (HTTP 429)' });
        }
        throw new TwitchNotConnectedError(channel, err);
      }
      if (!sent.is_sent) return dropped(channel, sent.drop_reason?.code ?? 'unknown', sent.drop_reason?.message ?? '');
      lastSent.set(channel, last);
      log.debug({ channel, chat: text }, 'posted to Twitch');
      return { status: 'posted', at: Date.now() };
    },

    limits(channel: string): ChannelLimits {
      return postingLimits(channel, modIn, room, opts.rateLimit);
    },

    close() {
      if (closing) return closing;
      closed = true;
      onComment = null;
      auth.close();
      closing = session.close().then(() => log.info('Twitch EventSub connection closed'));
      return closing;
    },
  };
  return adapter;
}
