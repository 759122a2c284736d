import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { AdapterFactory, PlatformBackoff } from './descriptor.js';
import type { ChatAdapter } from './port.js';
import type { Clock } from './twitch/auth.js';
import { PLATFORM_LIST, type PlatformName } from './registry.js';

export interface AdapterOptions {
  /** How often the stream's title and category are re-read (defaults: YouTube 10 min, Twitch 3 min). */
  streamInfoRefreshMs?: Partial<Record<PlatformName, number>>;
  /** Reconnect, login and read back-offs per platform, over each adapter's defaults (production passes none). */
  backoff?: Partial<Record<PlatformName, PlatformBackoff>>;
  /** Times the adapters' back-offs (default: the system clock). */
  clock?: Clock;
}

/**
 * Every registered platform's adapter factory, loaded with this module: the composition
 * root (app.ts) imports it, so the client libraries load where they did before, and the
 * light descriptors stay free of them for everything else.
 */
const FACTORIES = new Map<string, AdapterFactory>(await Promise.all(PLATFORM_LIST.flatMap((p) => (p.adapter ? [p.adapter().then((f) => [p.name, f] as const)] : []))));

/** The live platform adapters the configuration asks for, in registration order. */
export function createAdapters(config: Config, deps: { redis: Redis; prefix: string; logger: Logger }, opts: AdapterOptions = {}): ChatAdapter[] {
  const adapters: ChatAdapter[] = [];
  for (const p of PLATFORM_LIST) {
    const factory = FACTORIES.get(p.name);
    if (!factory || !p.enabled(config)) continue;
    adapters.push(factory(config, { ...deps, streamInfoRefreshMs: opts.streamInfoRefreshMs?.[p.name], backoff: opts.backoff?.[p.name], clock: opts.clock }));
  }
  return adapters;
}
