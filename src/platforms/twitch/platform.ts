import type { PlatformDescriptor } from '../descriptor.js';

/** Twitch's channel as the bot spells it everywhere: the login, lower case, without `#`. */
export function normalizeTwitchChannel(raw: string): string {
  return raw.trim().replace(/^#/, '').toLowerCase();
}

export const twitchPlatform: PlatformDescriptor<'twitch'> = {
  name: 'twitch',
  label: 'Twitch',
  secrets: [
    // tmi.js sends "oauth:<token>"; the token alone is as secret
    { name: 'TWITCH_OAUTH_TOKEN', values: (v) => [v, v.replace(/^oauth:/, '')] },
    { name: 'TWITCH_CLIENT_SECRET' },
    { name: 'TWITCH_REFRESH_TOKEN' },
  ],
  format: (config) => ({ maxChars: config.TWITCH_MAX_CHARS, mention: false }),
  normalizeChannel: normalizeTwitchChannel,
  enabled: (config) => config.twitchEnabled,
  channels: (config) => config.TWITCH_CHANNELS,
  setup: 'set TWITCH_CHANNELS, TWITCH_USERNAME and TWITCH_OAUTH_TOKEN',
  adapter: async () => (await import('./create.js')).createTwitch,
};
