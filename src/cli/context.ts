/**
 * What every botctl command shares: its slice of the configuration (Redis and routing
 * only: no platform credentials are needed), one Redis connection opened on first use,
 * output streams, and errors with exit codes.
 */
import { Redis } from 'ioredis';
import { envSchema, readEmoteFile } from '../config.js';
import { controlKeys, type ControlKeys } from '../controls/keys.js';
import { maskUrl } from '../log.js';

/** Exit codes: 0 done, 1 could not do it (Redis down, unknown id), 2 bad usage or value. */
export const EXIT_OK = 0;
export const EXIT_FAIL = 1;
export const EXIT_USAGE = 2;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Only what botctl uses; Twitch/YouTube settings are neither needed nor checked. */
export const botctlEnvSchema = envSchema.pick({
  REDIS_URL: true,
  REDIS_PREFIX: true,
  CHARACTER: true,
  TWITCH_USERNAME: true,
  TWITCH_CHANNELS: true,
  FAST_MODEL: true,
  SLOW_MODEL: true,
  TRIAGE_BAND: true,
  TRIAGE: true,
  ABUSE_STRIKES: true,
  MEMORY_RETENTION_DAYS: true,
  MEMORY_THREAD_EXCHANGES: true,
  MEMORY_THREAD_WINDOW_S: true,
  MEMORY_CHAT_LINES: true,
  MEMORY_CHAT_WINDOW_S: true,
  MEMORY_RETURN_AFTER_S: true,
  MEMORY_MAX_VIEWERS: true,
  EMOTES_FILE: true,
});

export interface BotctlEnv {
  REDIS_URL: string;
  REDIS_PREFIX: string;
  CHARACTER: string;
  TWITCH_USERNAME: string | undefined;
  TWITCH_CHANNELS: string[];
  FAST_MODEL: string;
  SLOW_MODEL: string;
  TRIAGE: boolean;
  ABUSE_STRIKES: number;
  MEMORY_RETENTION_DAYS: number;
  MEMORY_THREAD_EXCHANGES: number;
  MEMORY_THREAD_WINDOW_S: number;
  MEMORY_CHAT_LINES: number;
  MEMORY_CHAT_WINDOW_S: number;
  MEMORY_RETURN_AFTER_S: number;
  MEMORY_MAX_VIEWERS: number;
  EMOTES_FILE: string | undefined;
  triageBand: [number, number];
  extraEmotes?: ReadonlySet<string>;
}

export function parseBotctlEnv(env: NodeJS.ProcessEnv): BotctlEnv {
  const r = botctlEnvSchema.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  - ${String(i.path[0] ?? '?')}: ${i.message}`);
    throw new CliError(`invalid configuration:\n${lines.join('\n')}\nSee .env.example.`, EXIT_USAGE);
  }
  const [lo, hi] = r.data.TRIAGE_BAND.split('-').map(Number) as [number, number];
  const emotes = r.data.EMOTES_FILE ? readEmoteFile(r.data.EMOTES_FILE) : undefined;
  if (emotes?.errors.length) throw new CliError(`invalid configuration:\n${emotes.errors.map((m) => `  - EMOTES_FILE: ${m}`).join('\n')}\nSee .env.example.`, EXIT_USAGE);
  return { ...r.data, triageBand: [lo, hi], ...(emotes ? { extraEmotes: emotes.names } : {}) };
}

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}

export class Ctx {
  readonly keys: ControlKeys;
  readonly prefix: string;
  private client: Redis | undefined;
  private closers: (() => Promise<unknown>)[] = [];

  constructor(
    readonly env: BotctlEnv,
    readonly io: Io,
    /** Who makes changes, for the audit stream. */
    readonly by: string,
    readonly json: boolean,
    /** The whole environment botctl was given (commands with their own variables read it). */
    readonly rawEnv: NodeJS.ProcessEnv = process.env,
  ) {
    this.prefix = env.REDIS_PREFIX;
    this.keys = controlKeys(env.REDIS_PREFIX);
  }

  out(line = ''): void {
    this.io.stdout.write(`${line}\n`);
  }

  /** A JSON document on one line (or one per line for streams). */
  outJson(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value)}\n`);
  }

  warn(line: string): void {
    this.io.stderr.write(`botctl: ${line}\n`);
  }

  /** The Redis connection, opened on first use; fails fast (exit 1) when Redis does not answer. */
  async redis(): Promise<Redis> {
    if (this.client) return this.client;
    const client = new Redis(this.env.REDIS_URL, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 3000,
      retryStrategy: (times) => (times > 2 ? null : 200),
    });
    client.on('error', () => undefined); // reported once below, not per attempt
    try {
      await client.connect();
    } catch (err) {
      client.disconnect();
      throw new CliError(`cannot reach Redis at ${maskUrl(this.env.REDIS_URL)} (${(err as Error).message}). Is Redis running? Set REDIS_URL to where it listens.`, EXIT_FAIL);
    }
    this.client = client;
    return client;
  }

  onClose(fn: () => Promise<unknown>): void {
    this.closers.push(fn);
  }

  async close(): Promise<void> {
    for (const fn of this.closers.reverse()) await fn().catch(() => undefined);
    this.closers = [];
    if (this.client) {
      await this.client.quit().catch(() => this.client?.disconnect());
      this.client = undefined;
    }
  }
}
