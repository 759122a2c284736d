import type { Config } from '../config.js';
import type { Platform } from '../types.js';
import type { PlatformFormat } from './descriptor.js';
import { platformOf } from './registry.js';

export type { PlatformFormat };

/** How replies look on a platform (its descriptor's chat limits under the configuration). */
export function platformFormat(platform: Platform, config: Config): PlatformFormat {
  return platformOf(platform)!.format(config);
}
