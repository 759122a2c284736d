/**
 * Every chat platform the bot knows, in one list. A new platform is a folder
 * `src/platforms/<name>/` with a `platform.ts` descriptor (and its adapter), plus one line
 * here; docs/architecture.md "Add a platform" walks through it.
 */
import { consolePlatform } from './console/platform.js';
import type { PlatformDescriptor } from './descriptor.js';
import { twitchPlatform } from './twitch/platform.js';
import { youtubePlatform } from './youtube/platform.js';

export const PLATFORM_LIST = [twitchPlatform, youtubePlatform, consolePlatform] as const;

export type PlatformName = (typeof PLATFORM_LIST)[number]['name'];

/** The names, in registration order (a non-empty tuple, as zod's enum wants). */
export const PLATFORM_NAMES = PLATFORM_LIST.map((p) => p.name) as unknown as readonly [PlatformName, ...PlatformName[]];

const byName = new Map<string, PlatformDescriptor>(PLATFORM_LIST.map((p) => [p.name, p]));

/** The descriptor of a platform, or undefined for a name that is not registered. */
export function platformOf(name: string): PlatformDescriptor | undefined {
  return byName.get(name);
}

/** A channel as it appears in keys: each platform's own rule; an unknown platform's channel is only trimmed. */
export function normalizeChannel(platform: string, channel: string): string {
  return platformOf(platform)?.normalizeChannel(channel) ?? channel.trim();
}
