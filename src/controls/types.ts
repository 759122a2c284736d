import type { Platform } from '../types.js';

export const MODES = ['auto', 'fast', 'slow', 'off'] as const;
export const TRIGGERS = ['mention', 'question', 'all'] as const;
export const OVERFLOWS = ['fast', 'drop'] as const;
export const THINK_LEVELS = ['low', 'medium', 'high'] as const;

/** The effective routing settings for one channel (DESIGN.md "Moderator control keys"). */
export interface Settings {
  mode: (typeof MODES)[number];
  trigger: (typeof TRIGGERS)[number];
  slow_threshold: number;
  slow_max_waiting: number;
  overflow: (typeof OVERFLOWS)[number];
  think: (typeof THINK_LEVELS)[number];
  ack: boolean;
  user_cooldown_s: number;
  fast_max_age_s: number;
  slow_max_age_s: number;
  approval: boolean;
  /** What is on stream now, as a moderator wrote it (at most CONTEXT_MAX code points; '' = none). */
  context: string;
  /** Threads, viewer memory and retrieval for this scope. */
  memory: boolean;
}
export type Field = keyof Settings;
export type Source = 'channel' | 'global' | 'default';

/** Everything one decision needs, read from Redis at most once per decision. */
export interface ControlSnapshot {
  settings: Settings;
  sources: Record<Field, Source>;
  /** `platform:userId` and `platform:login`, lower case. */
  blockedUsers: ReadonlySet<string>;
  vipUsers: ReadonlySet<string>;
  blockedWords: readonly string[];
  slowKeywords: readonly string[];
}

export interface Controls {
  get(platform: Platform, channel: string): Promise<ControlSnapshot>;
  close(): Promise<void>;
}
