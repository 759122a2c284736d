import type { PlatformDescriptor } from '../descriptor.js';

/** The terminal (`npm start -- --console`); its adapter is built by src/run.ts around stdin. */
export const consolePlatform: PlatformDescriptor<'console'> = {
  name: 'console',
  label: 'console',
  secrets: [],
  format: (config) => ({ maxChars: config.TWITCH_MAX_CHARS, mention: false }),
  normalizeChannel: (raw) => raw.trim(),
  enabled: () => false,
  channels: () => [],
};
