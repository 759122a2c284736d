/**
 * Every Redis key that holds memory, in one place. A viewer's keys are under
 * `<prefix>:mem:v:<platform>:<userId>`; a channel's under `<prefix>:mem:c:<platform>:<channel>`.
 * Channel lists and hashes hold entries of many viewers, each tagged with the viewer's user id,
 * so forgetting a viewer removes their entries there too.
 */
import type { Platform } from '../types.js';

export function memoryKeys(prefix: string) {
  return {
    /** Hash: last_seen (epoch ms), name. */
    viewer: (p: Platform | string, userId: string) => `${prefix}:mem:v:${p}:${userId}`,
    /** List of Exchange JSON, newest first, capped. */
    viewerExchanges: (p: Platform | string, userId: string) => `${prefix}:mem:v:${p}:${userId}:ex`,
    /** List of Fact JSON, newest first, capped. */
    viewerFacts: (p: Platform | string, userId: string) => `${prefix}:mem:v:${p}:${userId}:facts`,
    /** Hash: exchange id → embedding entry JSON (retrieval, only with EMBED_MODEL). */
    viewerVectors: (p: Platform | string, userId: string) => `${prefix}:mem:v:${p}:${userId}:vec`,
    /** Every key of one viewer (forget deletes these, then their entries in channel keys). */
    viewerAll: (p: Platform | string, userId: string) => {
      const base = `${prefix}:mem:v:${p}:${userId}`;
      return [base, `${base}:ex`, `${base}:facts`, `${base}:vec`];
    },
    /** List of Exchange JSON of a channel, newest first, capped (threads, replies to the bot). */
    channelExchanges: (p: Platform | string, channel: string) => `${prefix}:mem:c:${p}:${channel}:ex`,
    /** List of ChatLine JSON of a channel, newest first, capped. */
    channelChat: (p: Platform | string, channel: string) => `${prefix}:mem:c:${p}:${channel}:chat`,
    /** Hash: `<userId>:<exchangeId>` → embedding entry JSON of the channel's exchanges (retrieval). */
    channelVectors: (p: Platform | string, channel: string) => `${prefix}:mem:c:${p}:${channel}:vec`,
    /** String: a viewer's login → their user id (botctl memory show/forget take a login), with the retention as TTL. */
    login: (p: Platform | string, login: string) => `${prefix}:mem:login:${p}:${login.toLowerCase()}`,
    /** Sorted set: `<platform>:<userId>` scored by last visit, for the MEMORY_MAX_VIEWERS cap (oldest evicted). */
    viewerIndex: `${prefix}:mem:viewers`,
    /** Pattern of every channel-level memory key (for forget: entries of one viewer are removed). */
    channelPattern: `${prefix}:mem:c:*`,
    /** Pattern of every memory key (forget-all). */
    allPattern: `${prefix}:mem:*`,
    /** Hash: title, category, at — the stream's info as read from the platform. */
    streamInfo: (p: Platform | string, channel: string) => `${prefix}:stream:${p}:${channel}`,
  };
}
export type MemoryKeys = ReturnType<typeof memoryKeys>;
