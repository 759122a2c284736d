/**
 * What the rest of the bot knows about a chat platform, in one object per platform
 * (`src/platforms/<name>/platform.ts`), registered in one list (`registry.ts`). Light on
 * purpose: it is loaded by config, logs and every pure module that names a platform, so it
 * imports no client library; the live adapter is loaded through `adapter()` by the gateway.
 */
import type { Redis } from 'ioredis';
import type { Config, Env } from '../config.js';
import type { Logger } from '../log.js';
import type { ChatAdapter } from './port.js';
import type { Clock } from './twitch/auth.js';

/** A configuration variable whose value is a credential: redacted in logs, never posted. */
export interface SecretVar {
  name: keyof Env;
  /**
   * The strings a reply must not contain, from the variable's value (default: the value).
   * E.g. a Twitch token with and without `oauth:`, the password inside REDIS_URL.
   */
  values?: (value: string) => (string | undefined)[];
}

/** How replies look on a platform: known to the workers without a connection to it. */
export interface PlatformFormat {
  maxChars: number;
  /** No threads: every message starts with "@name ". */
  mention: boolean;
}

export interface AdapterDeps {
  redis: Redis;
  prefix: string;
  /** The root logger; the factory takes its own child. */
  logger: Logger;
  /** How often the stream's title and category are re-read (undefined: the platform's default). */
  streamInfoRefreshMs?: number;
  /** Back-offs over the platform's production values (undefined: those). */
  backoff?: PlatformBackoff;
  /** Times the back-offs (default: the system clock). */
  clock?: Clock;
}

/** How long a live adapter waits before trying again; each platform reads the fields it has. */
export interface PlatformBackoff {
  /** After a lost connection: the first wait, its growth per attempt (Twitch IRC; EventSub doubles), the longest wait. */
  reconnectMs?: number;
  reconnectDecay?: number;
  reconnectMaxMs?: number;
  /** After a refused login (Twitch IRC): the first wait, doubled per refusal up to the max. */
  loginRetryMs?: number;
  loginRetryMaxMs?: number;
  /** After failed chat reads (YouTube): the longest wait; the first is the poll interval. */
  readMaxMs?: number;
  /** Between two channel joins (Twitch IRC; tmi.js waits at least 300 ms). */
  joinIntervalMs?: number;
}

/** Builds a platform's live adapter from the configuration (the gateway calls it once). */
export type AdapterFactory = (config: Config, deps: AdapterDeps) => ChatAdapter;

export interface PlatformDescriptor<N extends string = string> {
  /** As in `Comment.platform`, keys (`routing:<platform>:<channel>`), `platform:user` arguments. */
  readonly name: N;
  /** For people: "Twitch". */
  readonly label: string;
  /** Variables holding this platform's credentials (the test in test/unit/platform-secrets.test.ts checks each). */
  readonly secrets: readonly SecretVar[];
  /** Reply length and threading for this platform under the configuration. */
  format(config: Config): PlatformFormat;
  /** A channel as it appears in keys and scopes (Twitch: lower case, no `#`; YouTube: the video id as given). */
  normalizeChannel(raw: string): string;
  /** True when the configuration asks the gateway to connect to this platform. */
  enabled(config: Config): boolean;
  /** The channels the configuration names (the panel offers them). */
  channels(config: Config): string[];
  /** What to set to use this platform (start-up message when none is configured); none for console. */
  readonly setup?: string;
  /** Loads the live adapter's factory; none for platforms whose adapter the caller brings (console). */
  adapter?: () => Promise<AdapterFactory>;
}
