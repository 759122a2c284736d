/**
 * Fake Twitch EventSub WebSocket + Helix on one port of 127.0.0.1, speaking Twitch's
 * documented messages: `session_welcome` / `session_keepalive` / `notification` /
 * `session_reconnect` / `revocation` frames on `/ws`; Helix `GET /users`,
 * `POST /eventsub/subscriptions`, `GET /chat/settings`, `POST /chat/messages` (with
 * `is_sent` / `drop_reason`) under `/helix`. Chat modes and duplicates are refused as Twitch
 * does; the bot's own sent messages come back as `channel.chat.message` notifications.
 *
 *   const es = await startFakeEventSub({ checkToken: id.isValid });
 *   // TWITCH_EVENTSUB_URL = es.wsUrl, TWITCH_API_URL = es.apiUrl
 *   await es.waitForSubscription('botan_ch');
 *   const msgId = es.chat('botan_ch', { user: 'viewer1', text: 'hi?' });
 *   const [reply] = await es.waitForSent(1);   // reply.replyParentId === msgId
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ChatOptions } from './twitch.js';

export interface FakeEventSubOptions {
  /** Whether a bearer token is valid (default: any non-empty token). */
  checkToken?: (token: string) => boolean;
  /** Whose token it is: the bot's login (default botan_bot). */
  botLogin?: string;
  /** Channels where the bot is a moderator. */
  modIn?: string[];
  /** keepalive_timeout_seconds in the welcome (default 10; the client may ask for another by query). */
  keepaliveS?: number;
  /** Answer the first N subscription requests with HTTP 500 (a Twitch hiccup). */
  failSubscriptions?: number;
  /** Logins /users does not know. */
  unknownLogins?: string[];
}

export interface SentChat {
  channel: string;
  text: string;
  replyParentId?: string;
  at: number;
  messageId: string;
  /** The drop_reason code when Twitch would not have sent it. */
  dropped?: string;
}

interface Sub {
  id: string;
  type: string;
  broadcasterId: string;
  userId: string;
  sessionId: string;
}

interface Session {
  id: string;
  ws: WebSocket;
  keepaliveS: number;
  timer?: NodeJS.Timeout;
  silent: boolean;
  lastSent: number;
}

export function numericId(name: string): string {
  let h = 7;
  for (const ch of name) h = (h * 31 + ch.codePointAt(0)!) % 900_000_007;
  return String(100_000 + h);
}

export interface FakeEventSub {
  wsUrl: string;
  apiUrl: string;
  /** A viewer's message, delivered to sessions subscribed to the channel; returns its message_id. */
  chat(channel: string, m: ChatOptions & { reply?: string; sentAt?: number }): string;
  sent(): SentChat[];
  waitForSent(n: number, timeoutMs?: number): Promise<SentChat[]>;
  subscriptions(): { type: string; channel: string; sessionId: string }[];
  waitForSubscription(channel: string, type?: string, timeoutMs?: number, nth?: number): Promise<void>;
  /** Helix chat settings fields (slow_mode, slow_mode_wait_time, emote_mode, follower_mode, follower_mode_duration, subscriber_mode); notifies subscribers. */
  setChatSettings(channel: string, s: Record<string, unknown>, o?: { silent?: boolean }): void;
  /** `session_reconnect` to every session, with a reconnect_url on this server. */
  reconnect(): void;
  /** Stop sending anything (keepalives included) on the open sessions. */
  silence(): void;
  /** A `revocation` for the channel's subscriptions of `type` (they end). */
  revoke(channel: string, type: string, status: string): void;
  dropConnections(): void;
  /** Open WebSocket sessions. */
  sessions(): number;
  connectionAttempts(): number;
  /** Helix requests seen: method + path (no query). */
  requests: string[];
  close(): Promise<void>;
}

export async function startFakeEventSub(opts: FakeEventSubOptions = {}): Promise<FakeEventSub> {
  const botLogin = (opts.botLogin ?? 'botan_bot').toLowerCase();
  const botId = numericId(botLogin);
  const modIn = new Set((opts.modIn ?? []).map((c) => c.toLowerCase()));
  const unknown = new Set((opts.unknownLogins ?? []).map((c) => c.toLowerCase()));
  const sessions = new Map<string, Session>();
  const subs: Sub[] = [];
  const sent: SentChat[] = [];
  const settings = new Map<string, Record<string, unknown>>();
  const lastText = new Map<string, { text: string; at: number }>();
  const lastAccepted = new Map<string, number>();
  const requests: string[] = [];
  /** Subscriptions ever made per `type:broadcasterId` (counts re-subscriptions after a new session). */
  const subCount = new Map<string, number>();
  let failedSubs = 0;
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((l) => l());
  let attempts = 0;
  const loginOfId = new Map<string, string>();
  const idOfLogin = (login: string) => {
    const id = numericId(login.toLowerCase());
    loginOfId.set(id, login.toLowerCase());
    return id;
  };
  idOfLogin(botLogin);

  const server = createServer((req, res) => void onHttp(req, res).catch(() => err(res, 500, 'Internal Server Error')));
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/ws') return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, url));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  function frame(type: string, payload: unknown, extra: Record<string, string> = {}, at = Date.now()): string {
    return JSON.stringify({ metadata: { message_id: randomUUID(), message_type: type, message_timestamp: new Date(at).toISOString(), ...extra }, payload });
  }

  function sendTo(s: Session, data: string): void {
    if (s.silent || s.ws.readyState !== s.ws.OPEN) return;
    s.ws.send(data);
    s.lastSent = Date.now();
  }

  function onConnection(ws: WebSocket, url: URL): void {
    attempts++;
    const moving = url.searchParams.get('reconnect');
    const asked = Number(url.searchParams.get('keepalive_timeout_seconds'));
    const keepaliveS = asked >= 10 && asked <= 600 ? asked : (opts.keepaliveS ?? 10);
    const prev = moving ? sessions.get(moving) : undefined;
    const id = prev ? prev.id : randomUUID();
    const s: Session = { id, ws, keepaliveS, silent: false, lastSent: Date.now() };
    if (prev) {
      // the subscriptions move to the new socket; the old one closes once the new one is welcomed
      clearInterval(prev.timer);
      setTimeout(() => prev.ws.close(4004, 'reconnect grace time expired'), 30_000).unref();
    }
    sessions.set(id, s);
    ws.send(frame('session_welcome', { session: { id, status: 'connected', connected_at: new Date().toISOString(), keepalive_timeout_seconds: keepaliveS, reconnect_url: null, recovery_url: null } }));
    s.timer = setInterval(() => {
      if (Date.now() - s.lastSent >= (keepaliveS * 1000) / 2) sendTo(s, frame('session_keepalive', {}));
    }, 250);
    s.timer.unref();
    ws.on('close', () => {
      clearInterval(s.timer);
      if (sessions.get(id) === s) {
        sessions.delete(id);
        for (let i = subs.length - 1; i >= 0; i--) if (subs[i]!.sessionId === id) subs.splice(i, 1);
      }
      changed();
    });
    ws.on('error', () => undefined);
    changed();
  }

  function notify(type: string, broadcasterId: string, event: unknown, at?: number): void {
    for (const sub of subs) {
      if (sub.type !== type || sub.broadcasterId !== broadcasterId) continue;
      const s = sessions.get(sub.sessionId);
      if (!s) continue;
      sendTo(
        s,
        frame(
          'notification',
          { subscription: { id: sub.id, status: 'enabled', type, version: '1', cost: 0, condition: { broadcaster_user_id: broadcasterId, user_id: sub.userId }, transport: { method: 'websocket', session_id: s.id }, created_at: new Date().toISOString() }, event },
          { subscription_type: type, subscription_version: '1' },
          at,
        ),
      );
    }
  }

  function chatEvent(channel: string, login: string, text: string, o: { id?: string; badges?: { set_id: string; id: string; info: string }[]; displayName?: string; userId?: string; bits?: number; firstMsg?: boolean; reply?: string }) {
    const ch = channel.toLowerCase();
    const messageId = o.id ?? randomUUID();
    return {
      messageId,
      event: {
        broadcaster_user_id: idOfLogin(ch),
        broadcaster_user_login: ch,
        broadcaster_user_name: ch,
        chatter_user_id: o.userId ?? idOfLogin(login),
        chatter_user_login: login,
        chatter_user_name: o.displayName ?? login,
        message_id: messageId,
        message: { text, fragments: [{ type: 'text', text, cheermote: null, emote: null, mention: null }] },
        color: '#1E90FF',
        badges: o.badges ?? [],
        message_type: o.firstMsg ? 'user_intro' : 'text',
        cheer: o.bits !== undefined ? { bits: o.bits } : null,
        reply: o.reply ? { parent_message_id: o.reply, parent_message_body: '', parent_user_id: '', parent_user_name: '', parent_user_login: '', thread_message_id: o.reply, thread_user_id: '', thread_user_name: '', thread_user_login: '' } : null,
        channel_points_custom_reward_id: null,
      },
    };
  }

  function json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
  function err(res: ServerResponse, status: number, message: string): void {
    json(res, status, { error: status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 409 ? 'Conflict' : 'Bad Request', status, message });
  }
  async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  const settingsOf = (ch: string) => ({
    broadcaster_id: idOfLogin(ch),
    emote_mode: false,
    follower_mode: false,
    follower_mode_duration: null,
    slow_mode: false,
    slow_mode_wait_time: null,
    subscriber_mode: false,
    unique_chat_mode: false,
    ...settings.get(ch),
  });

  function refusal(ch: string, at: number): string | undefined {
    if (modIn.has(ch) || ch === botLogin) return undefined;
    const s = settingsOf(ch);
    if (s.emote_mode) return 'msg_emoteonly';
    if (s.subscriber_mode) return 'msg_subsonly';
    if (s.follower_mode) return 'msg_followersonly';
    const last = lastAccepted.get(ch);
    if (s.slow_mode && last !== undefined && at - last < Number(s.slow_mode_wait_time ?? 0) * 1000) return 'msg_slowmode';
    return undefined;
  }

  async function onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/^\/helix/, '');
    requests.push(`${req.method} ${path}`);
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!auth || !(opts.checkToken ? opts.checkToken(auth) : true)) return err(res, 401, 'Invalid OAuth token');
    if (!req.headers['client-id']) return err(res, 401, 'Client-Id header required');
    if (req.method === 'GET' && path === '/users') {
      const logins = url.searchParams.getAll('login').map((l) => l.toLowerCase());
      const data = logins.filter((l) => !unknown.has(l)).map((l) => ({ id: idOfLogin(l), login: l, display_name: l, type: '', broadcaster_type: '', description: '', profile_image_url: '', offline_image_url: '', view_count: 0, created_at: '2020-01-01T00:00:00Z' }));
      return json(res, 200, { data });
    }
    if (req.method === 'POST' && path === '/eventsub/subscriptions') {
      const b = await body(req);
      if ((opts.failSubscriptions ?? 0) > failedSubs) {
        failedSubs++;
        return json(res, 500, { error: 'Internal Server Error', status: 500, message: '' });
      }
      const transport = b.transport as { method?: string; session_id?: string } | undefined;
      const condition = (b.condition ?? {}) as Record<string, string>;
      if (transport?.method !== 'websocket' || !transport.session_id || !sessions.has(transport.session_id)) return err(res, 400, 'websocket transport session does not exist or has already disconnected');
      if (!['channel.chat.message', 'channel.chat_settings.update'].includes(String(b.type)) || b.version !== '1') return err(res, 400, 'unsupported subscription type or version');
      if (condition.user_id !== botId) return err(res, 403, 'subscription missing proper authorization');
      if (!loginOfId.has(condition.broadcaster_user_id ?? '')) return err(res, 400, 'invalid broadcaster_user_id');
      if (subs.some((x) => x.type === b.type && x.broadcasterId === condition.broadcaster_user_id && x.sessionId === transport.session_id)) return err(res, 409, 'subscription already exists');
      const sub: Sub = { id: randomUUID(), type: String(b.type), broadcasterId: condition.broadcaster_user_id!, userId: condition.user_id, sessionId: transport.session_id };
      subs.push(sub);
      subCount.set(`${sub.type}:${sub.broadcasterId}`, (subCount.get(`${sub.type}:${sub.broadcasterId}`) ?? 0) + 1);
      changed();
      return json(res, 202, {
        data: [{ id: sub.id, status: 'enabled', type: sub.type, version: '1', condition, created_at: new Date().toISOString(), transport: { method: 'websocket', session_id: sub.sessionId, connected_at: new Date().toISOString() }, cost: 0 }],
        total: subs.length,
        total_cost: 0,
        max_total_cost: 10,
      });
    }
    if (req.method === 'GET' && path === '/moderation/channels') {
      if (url.searchParams.get('user_id') !== botId) return err(res, 403, 'user_id must match the token');
      const data = [...modIn].map((ch) => ({ broadcaster_id: idOfLogin(ch), broadcaster_login: ch, broadcaster_name: ch }));
      return json(res, 200, { data, pagination: {} });
    }
    if (req.method === 'GET' && path === '/chat/settings') {
      const ch = loginOfId.get(url.searchParams.get('broadcaster_id') ?? '');
      if (!ch) return err(res, 400, 'invalid broadcaster_id');
      return json(res, 200, { data: [settingsOf(ch)] });
    }
    if (req.method === 'POST' && path === '/chat/messages') {
      const b = await body(req);
      const ch = loginOfId.get(String(b.broadcaster_id ?? ''));
      if (!ch) return err(res, 400, 'invalid broadcaster_id');
      if (b.sender_id !== botId) return err(res, 403, 'The sender must be the user in the token');
      const text = String(b.message ?? '');
      if ([...text].length > 500) return err(res, 400, 'The message is too long');
      const at = Date.now();
      const reply = typeof b.reply_parent_message_id === 'string' ? b.reply_parent_message_id : undefined;
      const prev = lastText.get(ch);
      const code = refusal(ch, at) ?? (prev && prev.text === text && at - prev.at < 30_000 ? 'msg_duplicate' : undefined);
      const messageId = code ? '' : randomUUID();
      sent.push({ channel: ch, text, replyParentId: reply, at, messageId, ...(code ? { dropped: code } : {}) });
      changed();
      if (code) return json(res, 200, { data: [{ message_id: '', is_sent: false, drop_reason: { code, message: `Your message was not sent (${code}).` } }] });
      lastText.set(ch, { text, at });
      lastAccepted.set(ch, at);
      json(res, 200, { data: [{ message_id: messageId, is_sent: true, drop_reason: null }] });
      // the bot's own message comes back to it, with its badges
      const badges = ch === botLogin ? [{ set_id: 'broadcaster', id: '1', info: '' }] : modIn.has(ch) ? [{ set_id: 'moderator', id: '1', info: '' }] : [];
      notify('channel.chat.message', idOfLogin(ch), chatEvent(ch, botLogin, text, { id: messageId, badges, reply }).event);
      return;
    }
    return err(res, 404, 'Not Found');
  }

  function waitUntil<T>(check: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
    return new Promise((resolve, reject) => {
      const tryNow = () => {
        const v = check();
        if (v === undefined) return;
        clearTimeout(timer);
        listeners.delete(tryNow);
        resolve(v);
      };
      const timer = setTimeout(() => {
        listeners.delete(tryNow);
        reject(new Error(`fake EventSub: timed out after ${timeoutMs} ms waiting for ${what()}`));
      }, timeoutMs);
      listeners.add(tryNow);
      tryNow();
    });
  }

  return {
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    apiUrl: `http://127.0.0.1:${port}/helix`,
    chat(channel, m) {
      const login = m.user.toLowerCase();
      const badges = [
        m.broadcaster ? { set_id: 'broadcaster', id: '1', info: '' } : null,
        m.mod ? { set_id: 'moderator', id: '1', info: '' } : null,
        m.vip ? { set_id: 'vip', id: '1', info: '' } : null,
        m.subscriber ? { set_id: 'subscriber', id: '12', info: '14' } : null,
      ].filter((b): b is { set_id: string; id: string; info: string } => !!b);
      const { messageId, event } = chatEvent(channel, login, m.text, { id: m.id, badges, displayName: m.displayName, userId: m.userId, bits: m.bits, firstMsg: m.firstMsg, reply: m.reply });
      notify('channel.chat.message', idOfLogin(channel), event, m.sentAt);
      return messageId;
    },
    sent: () => [...sent],
    waitForSent(n, timeoutMs = 5000) {
      return waitUntil(() => (sent.length >= n ? [...sent] : undefined), timeoutMs, () => `${n} sent message(s); got ${sent.length}`);
    },
    subscriptions: () => subs.map((s) => ({ type: s.type, channel: loginOfId.get(s.broadcasterId) ?? '?', sessionId: s.sessionId })),
    waitForSubscription(channel, type = 'channel.chat.message', timeoutMs = 5000, nth = 1) {
      const key = `${type}:${idOfLogin(channel)}`;
      return waitUntil(
        () => ((subCount.get(key) ?? 0) >= nth && subs.some((s) => s.type === type && s.broadcasterId === idOfLogin(channel)) ? true : undefined),
        timeoutMs,
        () => `subscription #${nth} to ${type} of #${channel} (seen ${subCount.get(key) ?? 0})`,
      ).then(() => undefined);
    },
    setChatSettings(channel, s, o = {}) {
      const ch = channel.toLowerCase();
      settings.set(ch, { ...settings.get(ch), ...s });
      if (o.silent) return;
      const all = settingsOf(ch);
      notify('channel.chat_settings.update', idOfLogin(ch), {
        broadcaster_user_id: idOfLogin(ch),
        broadcaster_user_login: ch,
        broadcaster_user_name: ch,
        emote_mode: all.emote_mode,
        follower_mode: all.follower_mode,
        follower_mode_duration_minutes: all.follower_mode_duration,
        slow_mode: all.slow_mode,
        slow_mode_wait_time_seconds: all.slow_mode_wait_time,
        subscriber_mode: all.subscriber_mode,
        unique_chat_mode: all.unique_chat_mode,
      });
    },
    reconnect() {
      for (const s of sessions.values()) {
        sendTo(s, frame('session_reconnect', { session: { id: s.id, status: 'reconnecting', keepalive_timeout_seconds: null, reconnect_url: `ws://127.0.0.1:${port}/ws?reconnect=${s.id}`, connected_at: new Date().toISOString() } }));
      }
    },
    silence() {
      for (const s of sessions.values()) s.silent = true;
    },
    revoke(channel, type, status) {
      const bid = idOfLogin(channel);
      for (let i = subs.length - 1; i >= 0; i--) {
        const sub = subs[i]!;
        if (sub.type !== type || sub.broadcasterId !== bid) continue;
        subs.splice(i, 1);
        const s = sessions.get(sub.sessionId);
        if (s) sendTo(s, frame('revocation', { subscription: { id: sub.id, status, type, version: '1', cost: 0, condition: { broadcaster_user_id: bid, user_id: sub.userId }, transport: { method: 'websocket', session_id: s.id }, created_at: new Date().toISOString() } }, { subscription_type: type, subscription_version: '1' }));
      }
    },
    dropConnections() {
      for (const s of sessions.values()) s.ws.terminate();
    },
    sessions: () => [...sessions.values()].filter((s) => s.ws.readyState === s.ws.OPEN).length,
    connectionAttempts: () => attempts,
    requests,
    async close() {
      for (const s of sessions.values()) {
        clearInterval(s.timer);
        s.ws.terminate();
      }
      await new Promise<void>((resolve) => {
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
