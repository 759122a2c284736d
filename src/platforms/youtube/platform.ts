import type { PlatformDescriptor } from '../descriptor.js';

export const youtubePlatform: PlatformDescriptor<'youtube'> = {
  name: 'youtube',
  label: 'YouTube',
  secrets: [{ name: 'YOUTUBE_CLIENT_SECRET' }, { name: 'YOUTUBE_REFRESH_TOKEN' }],
  // no threads on YouTube: every message starts with the viewer's @name
  format: (config) => ({ maxChars: config.YOUTUBE_MAX_CHARS, mention: true }),
  // a live video id keeps its case
  normalizeChannel: (raw) => raw.trim(),
  enabled: (config) => config.youtubeEnabled,
  channels: (config) => (config.YOUTUBE_LIVE_ID ? [config.YOUTUBE_LIVE_ID] : []),
  setup: 'set YOUTUBE_LIVE_ID, YOUTUBE_CHANNEL_ID or YOUTUBE_HANDLE',
  adapter: async () => (await import('./create.js')).createYouTube,
};
