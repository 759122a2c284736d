/**
 * Every Redis key of the moderator controls, built from REDIS_PREFIX in this one place
 * (DESIGN.md "Moderator control keys"). Worker-internal keys live in runtime-keys.ts.
 */
import { eventsKey } from '../events.js';
import { normalizeChannel } from '../platforms/registry.js';

export type SetName = 'blocked_users' | 'vip_users' | 'blocked_words' | 'slow_keywords';
export const SET_NAMES: readonly SetName[] = ['blocked_users', 'vip_users', 'blocked_words', 'slow_keywords'];

export interface ControlKeys {
  prefix: string;
  /** Hash of global settings. */
  routing: string;
  /** Hash of one channel's overrides. */
  channel(platform: string, channel: string): string;
  /** SCAN pattern matching every channel override hash. */
  channelPattern: string;
  /** The `platform:channel` a channel hash is for, or undefined for any other key. */
  parseChannelKey(key: string): { platform: string; channel: string } | undefined;
  sets: Record<SetName, string>;
  /** Capped stream of changes made through botctl. */
  audit: string;
  /** Hash: scope (`global` or `platform:channel`) → the mode `botctl resume` restores. */
  resumeMode: string;
  /** Sorted set of pending approval ids, scored by expiry (epoch ms). */
  approvalPending: string;
  /** One pending reply (JSON), expiring with the approval TTL. */
  approvalItem(id: string): string;
  /** The bot's event stream (src/events.ts). */
  events: string;
}

export function controlKeys(prefix: string): ControlKeys {
  const routing = `${prefix}:routing`;
  return {
    prefix,
    routing,
    channel: (platform, channel) => `${routing}:${platform}:${normalizeChannel(platform, channel)}`,
    channelPattern: `${routing}:*`,
    parseChannelKey(key) {
      if (!key.startsWith(`${routing}:`)) return undefined;
      const rest = key.slice(routing.length + 1);
      const i = rest.indexOf(':');
      if (i <= 0 || i === rest.length - 1) return undefined;
      return { platform: rest.slice(0, i), channel: rest.slice(i + 1) };
    },
    sets: {
      blocked_users: `${prefix}:blocked_users`,
      vip_users: `${prefix}:vip_users`,
      blocked_words: `${prefix}:blocked_words`,
      slow_keywords: `${prefix}:slow_keywords`,
    },
    audit: `${prefix}:audit`,
    resumeMode: `${prefix}:botctl:resume_mode`,
    approvalPending: `${prefix}:approval:pending`,
    approvalItem: (id) => `${prefix}:approval:item:${id}`,
    events: eventsKey(prefix),
  };
}
