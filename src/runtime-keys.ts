/** Redis keys the workers keep for themselves (control keys live in controls/keys.ts). */
export const runtimeKeys = {
  /** Last answer to a user: value `<epoch ms>|<comment id>`, expires with the cooldown. */
  cooldown: (prefix: string, platform: string, userId: string) => `${prefix}:cooldown:${platform}:${userId}`,
  /** Set once a reply part of a comment was handed to the platform: the at-most-once guard. */
  posted: (prefix: string, platform: string, commentId: string, kind: string) => `${prefix}:posted:${platform}:${commentId}:${kind}`,
  /** Filter strikes of a user; at ABUSE_STRIKES the user is ignored while the key lives. */
  strikes: (prefix: string, platform: string, userId: string) => `${prefix}:abuse:${platform}:${userId}`,
  /** Sorted set of a user's recent questions by arrival: an older one still waiting is skipped (latest question wins). */
  latest: (prefix: string, platform: string, userId: string) => `${prefix}:latest:${platform}:${userId}`,
  /** Counters of outcomes since start of day, for reports: hash field = outcome:reason. */
  counters: (prefix: string) => `${prefix}:counters`,
  /** The bot's Twitch token pair (JSON: access, refresh, expiry, scopes), newest first-hand from Twitch. */
  twitchToken: (prefix: string) => `${prefix}:twitch:token`,
  /** Set while a chat mode (emote-only, followers-/subscribers-only) keeps the bot from posting in a channel: the reason. */
  roomBlocked: (prefix: string, platform: string, channel: string) => `${prefix}:roommode:${platform}:${channel}`,
  /** Held (SET NX PX) by the one process refreshing the Twitch token. */
  twitchTokenLock: (prefix: string) => `${prefix}:twitch:token:lock`,
};

/** How long the at-most-once guard is kept (a comment is never answered after this anyway). */
export const POSTED_TTL_S = 24 * 3600;
