/**
 * Copypasta across viewers: the same or nearly the same long text from two or more viewers
 * in one channel within a window is never answered, its first copy included.
 *
 * State has one home: a sorted set per channel of recent fingerprints (`<simhash>|<author
 * id>|<comment id>`, scored by arrival), shared through Redis by every gateway, and a flag
 * key per comment found to be a copy. One Lua script compares a new fingerprint with the
 * window's entries (Hamming distance, different author), records it, trims the set to the
 * window and to COPYPASTA_MAX_ENTRIES (bounded memory whatever the chat rate), and flags the
 * new comment and every earlier copy. The fast worker skips a flagged comment; the outbox
 * drops a reply to one; and a reply to a long comment that could still turn out to be a
 * copy is held until COPYPASTA_HOLD_MS after its comment arrived, so the second copy can
 * flag the first before its answer goes out.
 */
import type { Redis } from 'ioredis';
import { fingerprint, MAX_COPYPASTA_DISTANCE } from './routing/near-duplicate.js';
import type { Comment } from './types.js';

/** Most fingerprints kept per channel (about 60 bytes each). */
export const COPYPASTA_MAX_ENTRIES = 500;

export const copypastaKeys = {
  /** Sorted set of a channel's recent fingerprints, by arrival (epoch ms). */
  window: (prefix: string, platform: string, channel: string) => `${prefix}:copypasta:${platform}:${channel}`,
  /** Set while a comment is known to be a copy of another viewer's text. */
  flag: (prefix: string, platform: string, commentId: string) => `${prefix}:copypasta:hit:${platform}:${commentId}`,
};

// KEYS[1] window set. ARGV: now, window ms, max entries, fingerprint, author, comment id,
// max distance, flag key prefix. Returns the ids of the earlier copies from other viewers.
const CHECK = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cap = tonumber(ARGV[3])
local fp = ARGV[4]
local author = ARGV[5]
local id = ARGV[6]
local maxd = tonumber(ARGV[7])
local hi = tonumber(string.sub(fp, 1, 8), 16)
local lo = tonumber(string.sub(fp, 9, 16), 16)
local function pop(x)
  local c = 0
  while x ~= 0 do
    x = bit.band(x, x - 1)
    c = c + 1
  end
  return c
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - window))
local entries = redis.call('ZRANGE', KEYS[1], 0, -1)
local same = {}
for _, e in ipairs(entries) do
  local a = string.find(e, '|', 18, true)
  if a then
    local who = string.sub(e, 18, a - 1)
    if who ~= author then
      local d = pop(bit.bxor(hi, tonumber(string.sub(e, 1, 8), 16)))
      if d <= maxd then
        d = d + pop(bit.bxor(lo, tonumber(string.sub(e, 9, 16), 16)))
        if d <= maxd then same[#same + 1] = string.sub(e, a + 1) end
      end
    end
  end
end
redis.call('ZADD', KEYS[1], now, fp .. '|' .. author .. '|' .. id)
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(cap + 1))
redis.call('PEXPIRE', KEYS[1], window)
if #same > 0 then
  redis.call('SET', ARGV[8] .. id, '1', 'PX', window)
  for _, other in ipairs(same) do redis.call('SET', ARGV[8] .. other, '1', 'PX', window) end
end
return same
`;

export interface CopypastaCheck {
  /** Another viewer sent the same or nearly the same text within the window. */
  copypasta: boolean;
  /** Ids of the earlier copies (now flagged too). */
  sameAs: string[];
}

export interface Copypasta {
  /** At intake: record the comment's fingerprint and say whether it copies another viewer's. */
  check(c: Comment, now: number): Promise<CopypastaCheck>;
  /** Whether a comment has been flagged as a copy (by its own arrival or a later one's). */
  isFlagged(c: Comment): Promise<boolean>;
}

export interface CopypastaOptions {
  /** The window in seconds; 0 turns detection off. */
  windowS: number;
}

const NONE: CopypastaCheck = { copypasta: false, sameAs: [] };

export function createCopypasta(redis: Redis, prefix: string, opts: CopypastaOptions): Copypasta {
  const windowMs = opts.windowS * 1000;
  return {
    async check(c, now) {
      if (windowMs <= 0) return NONE;
      const fp = fingerprint(c.text);
      if (fp === null) return NONE;
      const flagPrefix = copypastaKeys.flag(prefix, c.platform, '');
      const same = (await redis.eval(
        CHECK,
        1,
        copypastaKeys.window(prefix, c.platform, c.channel),
        String(now),
        String(windowMs),
        String(COPYPASTA_MAX_ENTRIES),
        fp,
        c.author.id.replace(/\|/g, '_'),
        c.id,
        String(MAX_COPYPASTA_DISTANCE),
        flagPrefix,
      )) as string[];
      return same.length ? { copypasta: true, sameAs: same } : NONE;
    },
    async isFlagged(c) {
      if (windowMs <= 0) return false;
      return (await redis.exists(copypastaKeys.flag(prefix, c.platform, c.id))) === 1;
    },
  };
}

/**
 * How long after its comment a reply must wait: a long comment could still turn out to be a
 * copy (copypastas often name the streamer, so a mention is held too). Paid comments, VIPs,
 * moderators and the owner are never held; short comments cannot be copypastas. A real fast
 * model takes about as long as the hold anyway, so it seldom adds to the answer's latency.
 */
export function copypastaHoldMs(c: Comment, opts: { holdMs: number; vip: boolean }): number {
  if (opts.holdMs <= 0 || opts.vip || c.paid) return 0;
  if (c.author.badges.moderator || c.author.badges.owner) return 0;
  return fingerprint(c.text) === null ? 0 : opts.holdMs;
}
