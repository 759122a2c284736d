import type { Config } from '../config.js';
import type { Platform } from '../types.js';

/** How replies look on a platform: known to the workers without a connection to it. */
export interface PlatformFormat {
  maxChars: number;
  /** No threads: every message starts with "@name ". */
  mention: boolean;
}

export function platformFormat(platform: Platform, config: Pick<Config, 'TWITCH_MAX_CHARS' | 'YOUTUBE_MAX_CHARS'>): PlatformFormat {
  switch (platform) {
    case 'twitch':
      return { maxChars: config.TWITCH_MAX_CHARS, mention: false };
    case 'youtube':
      return { maxChars: config.YOUTUBE_MAX_CHARS, mention: true };
    case 'console':
      return { maxChars: config.TWITCH_MAX_CHARS, mention: false };
  }
}
