/** Redis keys the workers keep for themselves (control keys live in controls/keys.ts, a viewer's state in viewer-state.ts). */
export const runtimeKeys = {
  /** Set once a reply part of a comment was handed to the platform: the at-most-once guard. */
  posted: (prefix: string, platform: string, commentId: string, kind: string) => `${prefix}:posted:${platform}:${commentId}:${kind}`,
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
