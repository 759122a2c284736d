/**
 * Fake Twitch chat: IRC over WebSocket on 127.0.0.1 (free port), speaking the protocol the
 * way Twitch does (CAP ACK, 001–004/375/372/376, GLOBALUSERSTATE, JOIN → 353/366/USERSTATE/
 * ROOMSTATE, PING/PONG, IRCv3 tags on viewer messages, NOTICE, RECONNECT). Records every
 * line the bot sends. Several lines per frame (`\r\n`) work both ways.
 *
 *   const tw = await startFakeTwitch({ modIn: ['somechan'] });
 *   // TWITCH_IRC_URL = tw.url
 *   await tw.waitForJoin('somechan');
 *   const id = tw.chat('somechan', { user: 'viewer1', text: 'hello?' });
 *   const [reply] = await tw.waitForPrivmsgs(1);   // reply.tags['reply-parent-msg-id'] === id
 *   await tw.close();
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeTwitchOptions {
  /** Channels (logins) where the bot is a moderator: USERSTATE carries moderator/1, mod=1. */
  modIn?: string[];
  /** Refuse every login with `NOTICE * :Login authentication failed`, as Twitch does for a bad token. */
  rejectLogin?: boolean;
  /**
   * Enforce Twitch's message limits on the bot's PRIVMSGs: they are per ACCOUNT, across every
   * channel (pajbot/tmi-rate-limits, from Twitch staff; dev.twitch.tv/docs/chat#rate-limits):
   * every PRIVMSG takes a token from a 100/30 s bucket, one sent where the account is neither
   * moderator nor broadcaster also from a 20/30 s bucket. An excess message is marked
   * `dropped: 'msg_ratelimit'` and answered with that NOTICE. Off by default. Duplicate
   * detection (msg_duplicate within 30 s, per channel) is always on.
   */
  enforceRateLimit?: boolean;
  /** Checks the PASS token (without "oauth:"); a refused one gets `NOTICE * :Login authentication failed`, as Twitch does. */
  checkToken?: (token: string) => boolean;
  /** A bare server: JOIN is answered with the JOIN echo and NAMES only (no USERSTATE or ROOMSTATE, ever). */
  bare?: boolean;
  /**
   * AutoMod holds the bot's own message when this returns a msg-id: Twitch does not show it and
   * answers `NOTICE msg_rejected` ("being checked by mods") or `msg_rejected_mandatory` (blocked
   * by the channel's moderation settings) (dev.twitch.tv/docs/irc/msg-id).
   */
  automod?: (text: string) => 'msg_rejected' | 'msg_rejected_mandatory' | undefined;
  /** The clock of `SentPrivmsg.at` (default Date.now; the benchmark passes a sub-millisecond one, clock.ts). */
  clock?: () => number;
}

export interface SentPrivmsg {
  /** Channel login, lower case, without `#`. */
  channel: string;
  text: string;
  /** Tags from the `@…` prefix, unescaped (e.g. `reply-parent-msg-id`). */
  tags: Record<string, string>;
  raw: string;
  /** When the fake received it (epoch ms). */
  at: number;
  /** The message id Twitch gave it (sent back in the USERSTATE that answers the PRIVMSG). */
  id: string;
  /** Set when Twitch would not have shown it (and the fake sent the NOTICE). */
  dropped?: 'msg_duplicate' | 'msg_ratelimit' | 'msg_slowmode' | 'msg_emoteonly' | 'msg_subsonly' | 'msg_followersonly' | 'msg_rejected' | 'msg_rejected_mandatory';
}

export interface ChatOptions {
  user: string;
  text: string;
  id?: string;
  userId?: string;
  displayName?: string;
  mod?: boolean;
  subscriber?: boolean;
  vip?: boolean;
  broadcaster?: boolean;
  firstMsg?: boolean;
  /** Makes it a cheer: adds the `bits` tag (the text should hold the cheermotes, e.g. "cheer100 hi"). */
  bits?: number;
  /** Sends it as `/me` (CTCP ACTION). */
  action?: boolean;
  /** Extra or overriding tags (raw values, escaped by the fake). */
  tags?: Record<string, string>;
}

export interface FakeTwitch {
  url: string;
  port: number;
  /** Every raw line the bot sent, in order (PASS included, as sent). */
  received: string[];
  /** PRIVMSGs the bot sent, parsed. */
  privmsgs(): SentPrivmsg[];
  /** Resolves when >= n PRIVMSGs were sent; rejects with a clear message on timeout (default 5 s). */
  waitForPrivmsgs(n: number, timeoutMs?: number): Promise<SentPrivmsg[]>;
  /** Send a viewer PRIVMSG with Twitch's tags to every connection joined to the channel; returns its id. */
  chat(channel: string, m: ChatOptions): string;
  /** Send raw line(s) to every connection. */
  sendRaw(line: string): void;
  /** `@msg-id=<id> :tmi.twitch.tv NOTICE #<channel> :<text>` to every connection. */
  notice(channel: string, msgId: string, text: string): void;
  /** Send `:tmi.twitch.tv RECONNECT` to every connection. */
  reconnect(): void;
  /** Close every socket abruptly (no close frame). */
  dropConnections(): void;
  /**
   * Change a channel's chat modes (ROOMSTATE tags: `slow`, `followers-only`, `subs-only`,
   * `emote-only`); joined connections get a ROOMSTATE with just those tags, as Twitch sends on a
   * change. The fake then refuses the bot's PRIVMSGs as Twitch would (NOTICE msg_slowmode, …)
   * unless the bot is a moderator there.
   */
  setRoomState(channel: string, tags: Record<string, string>): void;
  /**
   * A moderator deletes one viewer message: `CLEARMSG` with login, room-id, target-msg-id and
   * tmi-sent-ts tags, the deleted text as trailing parameter (dev.twitch.tv/docs/irc/commands#clearmsg).
   */
  deleteMessage(channel: string, msgId: string): void;
  /**
   * A moderator bans (no seconds) or times out a viewer: `CLEARCHAT #channel :login` with
   * room-id, target-user-id, tmi-sent-ts and, for a timeout, ban-duration (dev.twitch.tv/docs/irc/commands#clearchat).
   */
  banUser(channel: string, login: string, seconds?: number): void;
  /** A moderator clears the whole chat: `CLEARCHAT #channel` with no user. */
  clearChat(channel: string): void;
  /** Change the bot's moderator status in a channel; a fresh USERSTATE goes to joined connections. */
  setMod(channel: string, mod: boolean): void;
  /** Open connections now. */
  connections(): number;
  /** Connections accepted since start (counts reconnect attempts). */
  connectionAttempts(): number;
  /** Whether an open connection has joined the channel. */
  joined(channel: string): boolean;
  /** How many JOINs of the channel were received since start. */
  joinCount(channel: string): number;
  /** Resolves when an open connection has joined the channel and >= `nth` JOINs of it were seen (default 1). */
  waitForJoin(channel: string, timeoutMs?: number, nth?: number): Promise<void>;
  close(): Promise<void>;
}

interface Conn {
  ws: WebSocket;
  nick: string | null;
  pass: string | null;
  registered: boolean;
  channels: Set<string>;
}

const HOST = 'tmi.twitch.tv';

export function escapeTag(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/;/g, '\\:').replace(/ /g, '\\s').replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

export function unescapeTag(v: string): string {
  return v.replace(/\\(.)?/g, (_m, c: string | undefined) =>
    c === ':' ? ';' : c === 's' ? ' ' : c === 'r' ? '\r' : c === 'n' ? '\n' : c === undefined ? '' : c,
  );
}

function formatTags(tags: Record<string, string>): string {
  return '@' + Object.entries(tags).map(([k, v]) => `${k}=${escapeTag(v)}`).join(';');
}

/** A stable numeric id for a name (Twitch ids are numeric strings). */
function numericId(name: string): string {
  let h = 7;
  for (const ch of name) h = (h * 31 + ch.codePointAt(0)!) % 900_000_007;
  return String(100_000 + h);
}

/** Split one IRC line into tags, command and params. */
function parseLine(line: string): { tags: Record<string, string>; command: string; params: string[] } {
  let rest = line;
  const tags: Record<string, string> = {};
  if (rest.startsWith('@')) {
    const sp = rest.indexOf(' ');
    const raw = sp === -1 ? rest.slice(1) : rest.slice(1, sp);
    rest = sp === -1 ? '' : rest.slice(sp + 1);
    for (const part of raw.split(';')) {
      const eq = part.indexOf('=');
      if (eq === -1) tags[part] = '';
      else tags[part.slice(0, eq)] = unescapeTag(part.slice(eq + 1));
    }
  }
  rest = rest.replace(/^ +/, '');
  if (rest.startsWith(':')) rest = rest.slice(rest.indexOf(' ') + 1 || rest.length);
  const trailingAt = rest.indexOf(' :');
  const head = trailingAt === -1 ? rest : rest.slice(0, trailingAt);
  const params = head.split(' ').filter(Boolean);
  const command = (params.shift() ?? '').toUpperCase();
  if (trailingAt !== -1) params.push(rest.slice(trailingAt + 2));
  else if (rest.startsWith(':')) params.push(rest.slice(1));
  return { tags, command, params };
}

const chanKey = (c: string) => c.replace(/^#/, '').toLowerCase();

export async function startFakeTwitch(opts: FakeTwitchOptions = {}): Promise<FakeTwitch> {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (protocols) => (protocols.has('irc') ? 'irc' : false),
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const port = (wss.address() as AddressInfo).port;
  const clock = opts.clock ?? Date.now;
  const conns = new Set<Conn>();
  const received: string[] = [];
  const sent: SentPrivmsg[] = [];
  const modIn = new Set((opts.modIn ?? []).map(chanKey));
  const rooms = new Map<string, Record<string, string>>();
  const roomOf = (ch: string) => ({ 'emote-only': '0', 'followers-only': '-1', r9k: '0', 'room-id': numericId(ch), slow: '0', 'subs-only': '0', ...rooms.get(ch) });
  /** The NOTICE msg-id Twitch would refuse this PRIVMSG with, for the channel's modes. */
  const modeRefusal = (c: Conn, channel: string, at: number, lastAt: number | undefined): SentPrivmsg['dropped'] | undefined => {
    if (modIn.has(channel) || c.nick === channel) return undefined;
    const r = roomOf(channel);
    if (r['emote-only'] === '1') return 'msg_emoteonly';
    if (r['subs-only'] === '1') return 'msg_subsonly';
    if (Number(r['followers-only']) >= 0) return 'msg_followersonly';
    if (Number(r.slow) > 0 && lastAt !== undefined && at - lastAt < Number(r.slow) * 1000) return 'msg_slowmode';
    return undefined;
  };
  const lastAccepted = new Map<string, number>();
  const joins = new Map<string, number>();
  const lastText = new Map<string, { text: string; at: number }>();
  const sendTimes = new Map<string, number[]>();
  /** Viewer messages sent by chat(), for CLEARMSG's login and text; viewer logins → user ids, for CLEARCHAT. */
  const viewerMsgs = new Map<string, { channel: string; login: string; text: string }>();
  const viewerIds = new Map<string, string>();
  let attempts = 0;
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((l) => l());

  const send = (c: Conn, lines: string[]) => {
    if (c.ws.readyState === c.ws.OPEN) c.ws.send(lines.join('\r\n') + '\r\n');
  };

  const userstate = (c: Conn, channel: string, sentId?: string): string => {
    const nick = c.nick ?? 'justinfan';
    const owner = nick === channel;
    const mod = modIn.has(channel);
    const badges = owner ? 'broadcaster/1' : mod ? 'moderator/1' : '';
    const tags = {
      'badge-info': '',
      badges,
      color: '',
      'display-name': nick,
      'emote-sets': '0',
      mod: mod && !owner ? '1' : '0',
      ...(sentId ? { id: sentId } : {}),
      subscriber: '0',
      'user-type': mod && !owner ? 'mod' : '',
    };
    return `${formatTags(tags)} :${HOST} USERSTATE #${channel}`;
  };

  const onPrivmsg = (c: Conn, line: string, tags: Record<string, string>, params: string[]) => {
    const channel = chanKey(params[0] ?? '');
    const text = params[1] ?? '';
    const at = clock();
    const msg: SentPrivmsg = { channel, text, tags, raw: line, at, id: randomUUID() };
    const key = `${c.nick}|${channel}`;
    const prev = lastText.get(key);
    // the account's two buckets (see enforceRateLimit): every message, and messages sent as a plain user
    const privileged = modIn.has(channel) || c.nick === channel;
    const allKey = `${c.nick}|all`;
    const userKey = `${c.nick}|user`;
    const all = (sendTimes.get(allKey) ?? []).filter((t) => t > at - 30_000);
    const asUser = (sendTimes.get(userKey) ?? []).filter((t) => t > at - 30_000);
    const overLimit = all.length >= 100 || (!privileged && asUser.length >= 20);
    const held = c.nick === channel ? undefined : opts.automod?.(text);
    const refusal = modeRefusal(c, channel, at, lastAccepted.get(key));
    if (refusal) {
      msg.dropped = refusal;
      send(c, [`@msg-id=${refusal} :${HOST} NOTICE #${channel} :${refusal === 'msg_slowmode' ? `This room is in slow mode and you are sending messages too quickly. You will be able to talk again in ${roomOf(channel).slow} seconds.` : `This room is in a mode that refuses your message (${refusal}).`}`]);
    } else if (held) {
      msg.dropped = held;
      const why = held === 'msg_rejected' ? 'Hey! Your message is being checked by mods and has not been sent.' : "Your message wasn't posted due to conflicts with the channel's moderation settings.";
      send(c, [`@msg-id=${held} :${HOST} NOTICE #${channel} :${why}`]);
    } else if (prev && prev.text === text && at - prev.at < 30_000) {
      msg.dropped = 'msg_duplicate';
      send(c, [`@msg-id=msg_duplicate :${HOST} NOTICE #${channel} :Your message was not sent because it is identical to the previous one you sent, less than 30 seconds ago.`]);
    } else if (opts.enforceRateLimit && overLimit) {
      msg.dropped = 'msg_ratelimit';
      send(c, [`@msg-id=msg_ratelimit :${HOST} NOTICE #${channel} :Your message was not sent because you are sending messages too quickly.`]);
    } else {
      lastText.set(key, { text, at });
      lastAccepted.set(key, at);
    }
    // a dropped message still takes its tokens (pajbot/tmi-rate-limits)
    all.push(at);
    if (!privileged) asUser.push(at);
    sendTimes.set(allKey, all);
    sendTimes.set(userKey, asUser);
    sent.push(msg);
    // Twitch answers each PRIVMSG with the sender's USERSTATE for that channel, whose `id` tag
    // is the sent message's id (Twitch IRC reference, USERSTATE tags: "id").
    if (c.channels.has(channel) && !opts.bare) send(c, [userstate(c, channel, msg.dropped ? undefined : msg.id)]);
  };

  const onLine = (c: Conn, line: string) => {
    received.push(line);
    const { tags, command, params } = parseLine(line);
    switch (command) {
      case 'CAP':
        if ((params[0] ?? '').toUpperCase() === 'REQ') send(c, [`:${HOST} CAP * ACK :${params[1] ?? ''}`]);
        break;
      case 'PASS':
        c.pass = params[0] ?? '';
        break;
      case 'NICK': {
        c.nick = (params[0] ?? '').toLowerCase();
        if (opts.rejectLogin || (opts.checkToken && !opts.checkToken((c.pass ?? '').replace(/^oauth:/i, '')))) {
          send(c, [`:${HOST} NOTICE * :Login authentication failed`]);
          setTimeout(() => c.ws.close(), 50).unref();
          break;
        }
        c.registered = true;
        const n = c.nick;
        send(c, [
          `:${HOST} 001 ${n} :Welcome, GLHF!`,
          `:${HOST} 002 ${n} :Your host is ${HOST}`,
          `:${HOST} 003 ${n} :This server is rather new`,
          `:${HOST} 004 ${n} :-`,
          `:${HOST} 375 ${n} :-`,
          `:${HOST} 372 ${n} :You are in a maze of twisty passages, all alike.`,
          `:${HOST} 376 ${n} :>`,
          `${formatTags({ 'badge-info': '', badges: '', color: '', 'display-name': n, 'emote-sets': '0', 'user-id': numericId(n), 'user-type': '' })} :${HOST} GLOBALUSERSTATE`,
        ]);
        break;
      }
      case 'JOIN':
        if (!c.registered) break;
        for (const raw of (params[0] ?? '').split(',')) {
          const ch = chanKey(raw);
          if (!ch) continue;
          c.channels.add(ch);
          joins.set(ch, (joins.get(ch) ?? 0) + 1);
          const n = c.nick!;
          send(c, [
            `:${n}!${n}@${n}.${HOST} JOIN #${ch}`,
            `:${n}.${HOST} 353 ${n} = #${ch} :${n}`,
            `:${n}.${HOST} 366 ${n} #${ch} :End of /NAMES list`,
            ...(opts.bare
              ? []
              : [userstate(c, ch), `${formatTags(roomOf(ch))} :${HOST} ROOMSTATE #${ch}`]),
          ]);
        }
        changed();
        break;
      case 'PART':
        for (const raw of (params[0] ?? '').split(',')) {
          const ch = chanKey(raw);
          if (c.channels.delete(ch)) send(c, [`:${c.nick}!${c.nick}@${c.nick}.${HOST} PART #${ch}`]);
        }
        changed();
        break;
      case 'PING':
        send(c, [`PONG :${params[0] ?? HOST}`]);
        break;
      case 'PONG':
        break;
      case 'PRIVMSG':
        if (c.registered) onPrivmsg(c, line, tags, params);
        changed();
        break;
      default:
        send(c, [`:${HOST} 421 ${c.nick ?? '*'} ${command} :Unknown command`]);
    }
  };

  wss.on('connection', (ws) => {
    attempts++;
    const c: Conn = { ws, nick: null, pass: null, registered: false, channels: new Set() };
    conns.add(c);
    ws.on('message', (data) => {
      for (const line of data.toString('utf8').split(/\r\n/)) if (line !== '') onLine(c, line);
    });
    ws.on('close', () => {
      conns.delete(c);
      changed();
    });
    ws.on('error', () => conns.delete(c));
    changed();
  });

  function waitUntil<T>(check: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
    return new Promise((resolve, reject) => {
      const tryNow = () => {
        const v = check();
        if (v === undefined) return false;
        clearTimeout(timer);
        listeners.delete(tryNow);
        resolve(v);
        return true;
      };
      const timer = setTimeout(() => {
        listeners.delete(tryNow);
        reject(new Error(`fake Twitch: timed out after ${timeoutMs} ms waiting for ${what()}`));
      }, timeoutMs);
      listeners.add(tryNow);
      tryNow();
    });
  }

  const isJoined = (channel: string) => [...conns].some((c) => c.channels.has(chanKey(channel)) && c.ws.readyState === c.ws.OPEN);
  const broadcast = (lines: string[]) => conns.forEach((c) => send(c, lines));

  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    received,
    privmsgs: () => [...sent],
    waitForPrivmsgs(n, timeoutMs = 5000) {
      return waitUntil(
        () => (sent.length >= n ? [...sent] : undefined),
        timeoutMs,
        () => `${n} PRIVMSG(s) from the bot; got ${sent.length}: ${JSON.stringify(sent.map((s) => s.text))}`,
      );
    },
    chat(channel, m) {
      const ch = chanKey(channel);
      const user = m.user.toLowerCase();
      const id = m.id ?? randomUUID();
      const badges = [
        m.broadcaster ? 'broadcaster/1' : '',
        m.mod ? 'moderator/1' : '',
        m.vip ? 'vip/1' : '',
        m.subscriber ? 'subscriber/12' : '',
        m.bits ? `bits/${m.bits >= 100 ? 100 : 1}` : '',
      ].filter(Boolean);
      const tags: Record<string, string> = {
        'badge-info': m.subscriber ? 'subscriber/14' : '',
        badges: badges.join(','),
        ...(m.bits !== undefined ? { bits: String(m.bits) } : {}),
        color: '#1E90FF',
        'display-name': m.displayName ?? m.user,
        emotes: '',
        'first-msg': m.firstMsg ? '1' : '0',
        flags: '',
        id,
        mod: m.mod ? '1' : '0',
        'returning-chatter': '0',
        'room-id': numericId(ch),
        subscriber: m.subscriber ? '1' : '0',
        'tmi-sent-ts': String(Date.now()),
        turbo: '0',
        'user-id': m.userId ?? numericId(user),
        'user-type': m.mod ? 'mod' : '',
        ...(m.vip ? { vip: '1' } : {}),
        ...m.tags,
      };
      const text = m.action ? `\u0001ACTION ${m.text}\u0001` : m.text;
      viewerMsgs.set(id, { channel: ch, login: user, text: m.text });
      viewerIds.set(user, tags['user-id']!);
      const line = `${formatTags(tags)} :${user}!${user}@${user}.${HOST} PRIVMSG #${ch} :${text}`;
      for (const c of conns) if (c.channels.has(ch)) send(c, [line]);
      return id;
    },
    sendRaw(line) {
      broadcast([line.replace(/\r\n$/, '')]);
    },
    deleteMessage(channel, msgId) {
      const ch = chanKey(channel);
      const m = viewerMsgs.get(msgId);
      const tags = { login: m?.login ?? '', 'room-id': '', 'target-msg-id': msgId, 'tmi-sent-ts': String(Date.now()) };
      broadcast([`${formatTags(tags)} :${HOST} CLEARMSG #${ch} :${m?.text ?? ''}`]);
    },
    banUser(channel, login, seconds) {
      const ch = chanKey(channel);
      const user = login.toLowerCase();
      const tags = {
        ...(seconds !== undefined ? { 'ban-duration': String(seconds) } : {}),
        'room-id': numericId(ch),
        'target-user-id': viewerIds.get(user) ?? numericId(user),
        'tmi-sent-ts': String(Date.now()),
      };
      broadcast([`${formatTags(tags)} :${HOST} CLEARCHAT #${ch} :${user}`]);
    },
    clearChat(channel) {
      const ch = chanKey(channel);
      broadcast([`${formatTags({ 'room-id': numericId(ch), 'tmi-sent-ts': String(Date.now()) })} :${HOST} CLEARCHAT #${ch}`]);
    },
    notice(channel, msgId, text) {
      broadcast([`@msg-id=${msgId} :${HOST} NOTICE #${chanKey(channel)} :${text}`]);
    },
    reconnect() {
      broadcast([`:${HOST} RECONNECT`]);
    },
    dropConnections() {
      for (const c of conns) c.ws.terminate();
    },
    setRoomState(channel, tags) {
      const ch = chanKey(channel);
      rooms.set(ch, { ...rooms.get(ch), ...tags });
      const line = `${formatTags({ 'room-id': numericId(ch), ...tags })} :${HOST} ROOMSTATE #${ch}`;
      for (const c of conns) if (c.channels.has(ch)) send(c, [line]);
    },
    setMod(channel, mod) {
      const ch = chanKey(channel);
      if (mod) modIn.add(ch);
      else modIn.delete(ch);
      for (const c of conns) if (c.channels.has(ch)) send(c, [userstate(c, ch)]);
    },
    connections: () => [...conns].filter((c) => c.ws.readyState === c.ws.OPEN).length,
    connectionAttempts: () => attempts,
    joined: isJoined,
    joinCount: (channel) => joins.get(chanKey(channel)) ?? 0,
    waitForJoin(channel, timeoutMs = 5000, nth = 1) {
      return waitUntil(
        () => (isJoined(channel) && (joins.get(chanKey(channel)) ?? 0) >= nth ? true : undefined),
        timeoutMs,
        () => `the bot to join #${chanKey(channel)} (JOIN #${nth}; seen ${joins.get(chanKey(channel)) ?? 0}, open connections ${conns.size})`,
      ).then(() => undefined);
    },
    async close() {
      for (const c of conns) c.ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
