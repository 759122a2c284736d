/**
 * The memory store: one home for what the bot keeps about conversations (issue 14). Named
 * operations over the keys of keys.ts; handlers call these and stay about decisions:
 * - noteChat: a chat line seen at intake (the channel's recent chat, the viewer's last visit);
 * - remember: an exchange the bot posted (the viewer's thread, the channel's exchanges);
 * - addFacts: facts a viewer stated about themselves (from the background extraction);
 * - recall: what a prompt may carry for one comment, in one Redis round trip;
 * - show: everything kept about one viewer (botctl memory show).
 * Forgetting lives in forget.ts (it also reaches the queues and streams).
 */
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Comment, Platform } from '../types.js';
import { findBlockedWord } from '../reply/safety.js';
import { userKeys } from '../routing/decide.js';
import { looksLikeInjection } from './guard.js';
import { memoryKeys } from './keys.js';
import { asksAboutChat } from './render.js';
import { resolveReplyTarget } from './thread.js';
import type { ChatLine, Exchange, Fact, StreamInfo } from './types.js';

export type MemoryConfig = Pick<
  Config,
  | 'MEMORY_RETENTION_DAYS'
  | 'MEMORY_THREAD_EXCHANGES'
  | 'MEMORY_THREAD_WINDOW_S'
  | 'MEMORY_CHAT_LINES'
  | 'MEMORY_CHAT_WINDOW_S'
  | 'MEMORY_RETURN_AFTER_S'
> &
  Partial<Pick<Config, 'MEMORY_MAX_VIEWERS'>>;

/** Caps: memory stays bounded whatever the stream's length. */
export const MEMORY_CAPS = {
  viewerExchanges: 50,
  viewerFacts: 20,
  channelExchanges: 200,
  channelChat: 50,
  /** A recent chat line or channel exchange list lives at most this long without new writes. */
  channelTtlMs: 24 * 3600 * 1000,
  /** A returning viewer's facts are in the prompt for this long after their return. */
  returnSessionMs: 30 * 60 * 1000,
} as const;

/** What a prompt may carry for one comment. */
export interface Recall {
  /** The viewer's recent exchanges with the bot in this channel, oldest first. */
  thread: Exchange[];
  /** The exchange this comment replies to (a reply to one of the bot's messages), if found. */
  replyTo?: Exchange;
  /** The channel's recent chat, oldest first, without this comment. */
  chat: ChatLine[];
  /** Facts the viewer stated, when they came back after a while. */
  facts: Fact[];
  returning: boolean;
  stream?: StreamInfo;
}

/**
 * What a recall may still carry under the controls as they are now: a user blocked or a word
 * added to blocked_words after the line was kept takes it out of every prompt at once (the
 * keys keep it until they age out or the viewer is forgotten). Pure.
 */
export function screenRecall<R extends Recall>(
  r: R,
  controls: { blockedUsers: ReadonlySet<string>; blockedWords: readonly string[] },
  platform: string,
  related: readonly Exchange[] = [],
): { recall: R; related: Exchange[] } {
  const userBlocked = (id: string, login?: string) => userKeys({ platform, author: { id, login } }).some((k) => controls.blockedUsers.has(k));
  const wordIn = (...texts: string[]) => controls.blockedWords.length > 0 && texts.some((t) => findBlockedWord(t, controls.blockedWords) !== undefined);
  const okEx = (e: Exchange) => !userBlocked(e.userId, e.login) && !wordIn(e.comment, e.answer);
  if (controls.blockedUsers.size === 0 && controls.blockedWords.length === 0) return { recall: r, related: [...related] };
  return {
    recall: {
      ...r,
      thread: r.thread.filter(okEx),
      chat: r.chat.filter((l) => !userBlocked(l.userId, l.login) && !wordIn(l.text)),
      facts: r.facts.filter((f) => !wordIn(f.text)),
      ...(r.replyTo && !okEx(r.replyTo) ? { replyTo: undefined } : {}),
    },
    related: related.filter(okEx),
  };
}

export const EMPTY_RECALL: Recall = Object.freeze({ thread: [], chat: [], facts: [], returning: false }) as Recall;

/** Last activity of a viewer; `returned_at` is set when they come back after MEMORY_RETURN_AFTER_S. */
const SEEN_SCRIPT = `
local last = redis.call('HGET', KEYS[1], 'last_seen')
redis.call('HSET', KEYS[1], 'last_seen', ARGV[1])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'login', ARGV[4]) end
if last and (tonumber(ARGV[1]) - tonumber(last)) >= tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'returned_at', ARGV[1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return last
`;

function parseList<T>(raw: unknown): T[] {
  if (!Array.isArray(raw)) return [];
  const out: T[] = [];
  for (const s of raw) {
    try {
      out.push(JSON.parse(String(s)) as T);
    } catch {
      // a value not written by us: skip it
    }
  }
  return out;
}

/** Whether a comment may be kept at all (memory on, not a command, not an attempt to steer the bot). */
export function mayKeep(text: string): boolean {
  const t = text.trim();
  return t !== '' && !t.startsWith('!') && !looksLikeInjection(t);
}

export function createMemoryStore(opts: { redis: Redis; prefix: string; config: MemoryConfig; now: () => number; botLogins?: readonly string[] }) {
  const { redis, config } = opts;
  const keys = memoryKeys(opts.prefix);
  const retentionMs = config.MEMORY_RETENTION_DAYS * 86_400_000;
  const botLogins = (opts.botLogins ?? []).map((l) => l.toLowerCase());
  const maxViewers = config.MEMORY_MAX_VIEWERS ?? 100_000;

  /** Past MEMORY_MAX_VIEWERS, the viewers not seen the longest lose their memory (their channel entries age out). */
  async function evictOldest(n: number): Promise<void> {
    const popped = await redis.zpopmin(keys.viewerIndex, n);
    const victims = popped.filter((_, i) => i % 2 === 0);
    if (victims.length === 0) return;
    const who = victims.map((v) => ({ p: v.slice(0, v.indexOf(':')), id: v.slice(v.indexOf(':') + 1) }));
    // their login → id keys go too (the viewer hash says which login)
    const logins = await Promise.all(who.map((w) => redis.hget(keys.viewer(w.p, w.id), 'login')));
    const del: string[] = [];
    who.forEach((w, i) => {
      del.push(...keys.viewerAll(w.p, w.id));
      const login = logins[i];
      if (login) del.push(keys.login(w.p, login));
    });
    await redis.del(...del);
  }

  return {
    keys,
    retentionMs,

    /** A chat line seen at intake (the caller has checked blocked users and words, and `memory`). */
    async noteChat(c: Comment): Promise<void> {
      const now = opts.now();
      const m = redis.pipeline();
      if (mayKeep(c.text)) {
        const line: ChatLine = { id: c.id, userId: c.author.id, login: c.author.login, name: c.author.name, text: c.text, at: c.receivedAt };
        const k = keys.channelChat(c.platform, c.channel);
        m.lpush(k, JSON.stringify(line)).ltrim(k, 0, MEMORY_CAPS.channelChat - 1).pexpire(k, MEMORY_CAPS.channelTtlMs);
      }
      m.eval(SEEN_SCRIPT, 1, keys.viewer(c.platform, c.author.id), String(now), String(config.MEMORY_RETURN_AFTER_S * 1000), String(retentionMs), c.author.login.toLowerCase());
      if (c.author.login) m.set(keys.login(c.platform, c.author.login), c.author.id, 'PX', retentionMs);
      m.zadd(keys.viewerIndex, now, `${c.platform}:${c.author.id}`).zcard(keys.viewerIndex);
      const res = await m.exec();
      const count = Number(res?.at(-1)?.[1] ?? 0);
      if (count > maxViewers) await evictOldest(count - maxViewers);
    },

    /** An exchange the bot posted: the viewer's thread and the channel's exchanges. */
    async remember(ex: Exchange): Promise<boolean> {
      if (!mayKeep(ex.comment)) return false;
      const json = JSON.stringify(ex);
      const vk = keys.viewerExchanges(ex.platform, ex.userId);
      const ck = keys.channelExchanges(ex.platform, ex.channel);
      await redis
        .pipeline()
        .lpush(vk, json)
        .ltrim(vk, 0, MEMORY_CAPS.viewerExchanges - 1)
        .pexpire(vk, retentionMs)
        .lpush(ck, json)
        .ltrim(ck, 0, MEMORY_CAPS.channelExchanges - 1)
        .pexpire(ck, Math.min(retentionMs, MEMORY_CAPS.channelTtlMs))
        .exec();
      return true;
    },

    /** Facts a viewer stated about themselves (newest first; the same text is kept once). */
    async addFacts(p: Platform, userId: string, facts: Fact[]): Promise<number> {
      if (facts.length === 0) return 0;
      const k = keys.viewerFacts(p, userId);
      const have = new Set(parseList<Fact>(await redis.lrange(k, 0, -1)).map((f) => f.text.toLowerCase()));
      const fresh = facts.filter((f) => !have.has(f.text.toLowerCase()) && mayKeep(f.text));
      if (fresh.length === 0) return 0;
      const m = redis.multi();
      for (const f of fresh) m.lpush(k, JSON.stringify(f));
      await m.ltrim(k, 0, MEMORY_CAPS.viewerFacts - 1).pexpire(k, retentionMs).exec();
      return fresh.length;
    },

    /** What a prompt may carry for this comment. One round trip; never throws (a Redis fault: nothing recalled). */
    async recall(c: Comment, memoryOn: boolean): Promise<Recall> {
      const now = opts.now();
      const m = redis.pipeline().hgetall(keys.streamInfo(c.platform, c.channel));
      // the channel's chat is read only for a comment about the conversation (render.ts uses it only then)
      // (LRANGE 1 0 is empty: the reply keeps its place in the pipeline)
      const [chatFrom, chatTo] = asksAboutChat(c.text) ? [0, Math.max(0, config.MEMORY_CHAT_LINES * 3)] : [1, 0];
      if (memoryOn) {
        m.lrange(keys.viewerExchanges(c.platform, c.author.id), 0, Math.max(4, config.MEMORY_THREAD_EXCHANGES * 3))
          .lrange(keys.channelChat(c.platform, c.channel), chatFrom, chatTo)
          .hmget(keys.viewer(c.platform, c.author.id), 'returned_at')
          .lrange(keys.viewerFacts(c.platform, c.author.id), 0, MEMORY_CAPS.viewerFacts - 1);
        if (c.replyTo) m.lrange(keys.channelExchanges(c.platform, c.channel), 0, MEMORY_CAPS.channelExchanges - 1);
      }
      let res: [Error | null, unknown][] | null;
      try {
        res = await m.exec();
      } catch {
        return EMPTY_RECALL;
      }
      if (!res) return EMPTY_RECALL;
      const info = res[0]?.[1] as Record<string, string> | undefined;
      const stream: StreamInfo | undefined =
        info && (info.title || info.category) ? { ...(info.title ? { title: info.title } : {}), ...(info.category ? { category: info.category } : {}), at: Number(info.at) || 0 } : undefined;
      if (!memoryOn) return { ...EMPTY_RECALL, ...(stream ? { stream } : {}) };
      const threadSince = now - config.MEMORY_THREAD_WINDOW_S * 1000;
      const thread = parseList<Exchange>(res[1]?.[1])
        .filter((e) => e.channel === c.channel && e.at >= threadSince && e.id !== c.id)
        .slice(0, config.MEMORY_THREAD_EXCHANGES)
        .reverse();
      const chatSince = now - config.MEMORY_CHAT_WINDOW_S * 1000;
      const chat = parseList<ChatLine>(res[2]?.[1])
        .filter((l) => l.id !== c.id && l.at >= chatSince && l.at <= c.receivedAt)
        .slice(0, config.MEMORY_CHAT_LINES)
        .reverse();
      const returnedAt = Number((res[3]?.[1] as (string | null)[] | undefined)?.[0] ?? 0);
      const returning = returnedAt > 0 && now - returnedAt <= MEMORY_CAPS.returnSessionMs;
      const facts = returning ? parseList<Fact>(res[4]?.[1]) : [];
      const replyTo = c.replyTo ? resolveReplyTarget(c, parseList<Exchange>(res[5]?.[1]), botLogins) : undefined;
      return { thread, chat, facts, returning, ...(replyTo ? { replyTo } : {}), ...(stream ? { stream } : {}) };
    },

    /** A viewer's user id from `login` (as seen in chat), else the text itself taken as an id. */
    async resolveUser(p: Platform | string, loginOrId: string): Promise<string> {
      return (await redis.get(keys.login(p, loginOrId))) ?? loginOrId;
    },

    /** Everything kept about one viewer (for botctl memory show). */
    async show(p: Platform | string, userId: string): Promise<{ exchanges: Exchange[]; facts: Fact[]; lastSeen?: number; keys: string[] }> {
      const [ex, facts, seen] = await Promise.all([
        redis.lrange(keys.viewerExchanges(p, userId), 0, -1),
        redis.lrange(keys.viewerFacts(p, userId), 0, -1),
        redis.hget(keys.viewer(p, userId), 'last_seen'),
      ]);
      const all = keys.viewerAll(p, userId);
      const exists = await Promise.all(all.map((k) => redis.exists(k)));
      const found = all.filter((_, i) => exists[i] === 1);
      return { exchanges: parseList<Exchange>(ex), facts: parseList<Fact>(facts), ...(seen ? { lastSeen: Number(seen) } : {}), keys: found };
    },
  };
}
export type MemoryStore = ReturnType<typeof createMemoryStore>;
