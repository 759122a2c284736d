import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseKeepAlive } from './llm/keep-alive.js';
import { normalizeTwitchChannel } from './platforms/twitch/platform.js';

/** Known chat bots whose messages are never answered (lower-case logins). */
export const DEFAULT_IGNORED_BOTS = ['nightbot', 'streamelements', 'streamlabs', 'moobot', 'fossabot', 'wizebot', 'botrixoficial', 'soundalerts', 'sery_bot'];

const list = (def: string[] = []) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? def : v.split(',').map((s) => s.trim()).filter(Boolean)));

const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return def;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

/** An http(s) base URL: scheme defaults to http://, trailing slashes are dropped. */
function parseHttpUrl(raw: string, ctx: z.RefinementCtx): string {
  const s = (raw.includes('://') ? raw : `http://${raw}`).replace(/\/+$/, '');
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a URL such as http://127.0.0.1:11434' });
    return z.NEVER;
  }
  if (!['http:', 'https:'].includes(u.protocol)) {
    ctx.addIssue({ code: 'custom', message: 'must be an http:// or https:// URL' });
    return z.NEVER;
  }
  return s;
}

const httpUrl = (def: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => parseHttpUrl(v?.trim() || def, ctx));

/** Like httpUrl, but unset stays undefined (falls back to another variable). */
const optionalHttpUrl = z
  .string()
  .optional()
  .transform((v, ctx) => (v?.trim() ? parseHttpUrl(v.trim(), ctx) : undefined));

/** A number from 0 to 1 (a similarity, a share). */
const fraction = (def: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return def;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0 || n > 1) {
        ctx.addIssue({ code: 'custom', message: 'must be a number from 0 to 1, such as 0.3' });
        return z.NEVER;
      }
      return n;
    });

const optionalStr = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const onOff = (def: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return def;
      const s = v.trim().toLowerCase();
      if (['1', 'true', 'on', 'yes'].includes(s)) return true;
      if (['0', 'false', 'off', 'no'].includes(s)) return false;
      ctx.addIssue({ code: 'custom', message: 'must be on or off' });
      return z.NEVER;
    });

export const envSchema = z.object({
  REDIS_URL: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const s = v === undefined || v.trim() === '' ? 'redis://127.0.0.1:6379' : v.trim();
      if (!/^rediss?:\/\//.test(s)) {
        ctx.addIssue({ code: 'custom', message: 'must start with redis:// or rediss:// (TLS)' });
        return z.NEVER;
      }
      return s;
    }),
  /** Where the private Redis that npm start runs (REDIS_URL unset, none on 127.0.0.1:6379) keeps its data. */
  EMBEDDED_REDIS_DIR: optionalStr.transform((v) => v ?? '.data/redis'),
  REDIS_PREFIX: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? 'bot' : v.trim()))
    .pipe(z.string().regex(/^[A-Za-z0-9_.:{}-]{1,64}$/, 'must be 1-64 letters, digits, or _ . : { } -')),
  OLLAMA_HOST: httpUrl('http://127.0.0.1:11434'),
  OLLAMA_FAST_HOST: optionalHttpUrl,
  OLLAMA_SLOW_HOST: optionalHttpUrl,
  FAST_MODEL: optionalStr.transform((v) => v ?? 'qwen2.5:14b'),
  SLOW_MODEL: optionalStr.transform((v) => v ?? 'gpt-oss:120b'),
  /**
   * Fast answers in flight per fast worker: should match the Ollama server's parallel slots.
   * Unset: OLLAMA_NUM_PARALLEL when this environment has it (compose shares it with Ollama),
   * else 1, stock Ollama's default (see parseConfig).
   */
  FAST_CONCURRENCY: int(0, 1, 256),
  SLOW_CONCURRENCY: int(1, 1, 64),
  FAST_NUM_CTX: int(4096, 256, 1_048_576),
  SLOW_NUM_CTX: int(8192, 256, 1_048_576),
  /** Seconds as a whole number (-1: forever), or a duration with a unit (30m, 24h, 1h30m): sent to Ollama as such. */
  OLLAMA_KEEP_ALIVE: optionalStr.transform((v, ctx) => {
    const k = parseKeepAlive(v ?? '30m');
    if (k === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be seconds (-1: forever) or a duration with a unit such as 30m, 24h or 1h30m (units: ms, s, m, h; no days)' });
      return z.NEVER;
    }
    return k;
  }),
  FAST_FIRST_TOKEN_TIMEOUT_MS: int(10_000, 100),
  FAST_TIMEOUT_MS: int(30_000, 100),
  SLOW_FIRST_TOKEN_TIMEOUT_MS: int(120_000, 100),
  SLOW_TIMEOUT_MS: int(240_000, 100),
  FAST_ATTEMPTS: int(3, 1, 20),
  SLOW_ATTEMPTS: int(3, 1, 20),
  RETRY_BACKOFF_MS: int(2000, 10),
  CHARACTER: optionalStr.transform((v) => v ?? 'characters/botan.yaml'),
  MAX_MESSAGES_PER_REPLY: int(2, 1, 5),
  ALLOWED_LINK_DOMAINS: list([]),
  SHUTDOWN_GRACE_MS: int(10_000, 0, 600_000),
  LOG_LEVEL: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? 'info' : v.trim().toLowerCase()))
    .pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])),
  /** auto: readable lines in a terminal, pino JSON when piped/in Docker; json; pretty. */
  LOG_FORMAT: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? 'auto' : v.trim().toLowerCase()))
    .pipe(z.enum(['auto', 'json', 'pretty'])),

  /** Memory (issue 14): how long a viewer's exchanges and facts are kept, and what a prompt carries. */
  MEMORY_RETENTION_DAYS: int(30, 1, 3650),
  MEMORY_THREAD_EXCHANGES: int(3, 0, 20),
  MEMORY_THREAD_WINDOW_S: int(600, 10, 86_400),
  MEMORY_CHAT_LINES: int(10, 0, 50),
  MEMORY_CHAT_WINDOW_S: int(120, 10, 3600),
  MEMORY_RETURN_AFTER_S: int(3600, 60, 30 * 86_400),
  MEMORY_FAST_CHARS: int(800, 0, 20_000),
  MEMORY_SLOW_CHARS: int(4000, 0, 50_000),
  MEMORY_EXTRACT: onOff(true),
  MEMORY_MAX_VIEWERS: int(100_000, 10, 100_000_000),

  TWITCH_CHANNELS: list([]).transform((a) => a.map(normalizeTwitchChannel)),
  TWITCH_USERNAME: optionalStr.transform((v) => v?.toLowerCase()),
  TWITCH_OAUTH_TOKEN: optionalStr,
  TWITCH_IRC_URL: optionalStr.transform((v) => v ?? 'wss://irc-ws.chat.twitch.tv:443').pipe(z.string().regex(/^wss?:\/\/[^/]+/, 'must be a ws:// or wss:// URL')),
  TWITCH_IGNORED_BOTS: list(DEFAULT_IGNORED_BOTS).transform((a) => a.map((s) => s.toLowerCase())),
  /** Twitch's per-account limit where the bot is not a moderator, "<messages>/<seconds>" (default 20/30; known/verified bots have more). */
  TWITCH_RATE_LIMIT: optionalStr.pipe(z.string().regex(/^\d+\/\d+$/, 'must look like 20/30 (messages/seconds)').optional()),
  TWITCH_MAX_CHARS: int(500, 20, 500),
  /** With TWITCH_REFRESH_TOKEN (or a pair from `botctl twitch login`), the bot gets and refreshes its own token. */
  TWITCH_CLIENT_ID: optionalStr,
  /** Confidential apps only (a public client, as for the device flow, has none). */
  TWITCH_CLIENT_SECRET: optionalStr,
  TWITCH_REFRESH_TOKEN: optionalStr,
  /** Twitch's id service (oauth2/token, validate, device, revoke); tests point it at the fake. */
  TWITCH_AUTH_URL: httpUrl('https://id.twitch.tv'),
  /** Helix base including /helix. */
  TWITCH_API_URL: httpUrl('https://api.twitch.tv/helix'),
  TWITCH_EVENTSUB_URL: optionalStr.transform((v) => v ?? 'wss://eventsub.wss.twitch.tv/ws').pipe(z.string().regex(/^wss?:\/\/[^/]+/, 'must be a ws:// or wss:// URL')),
  TWITCH_TRANSPORT: optionalStr.transform((v) => (v ?? 'irc').toLowerCase()).pipe(z.enum(['irc', 'eventsub'], { message: 'must be irc or eventsub' })),

  YOUTUBE_LIVE_ID: optionalStr,
  YOUTUBE_CHANNEL_ID: optionalStr,
  YOUTUBE_HANDLE: optionalStr,
  YOUTUBE_BASE_URL: httpUrl('https://www.youtube.com'),
  YOUTUBE_API_URL: httpUrl('https://www.googleapis.com/youtube/v3'),
  GOOGLE_TOKEN_URL: httpUrl('https://oauth2.googleapis.com/token'),
  YOUTUBE_CLIENT_ID: optionalStr,
  YOUTUBE_CLIENT_SECRET: optionalStr,
  YOUTUBE_REFRESH_TOKEN: optionalStr,
  YOUTUBE_BOT_CHANNEL_ID: optionalStr,
  YOUTUBE_POLL_INTERVAL_MS: int(2000, 100, 600_000),
  YOUTUBE_MAX_CHARS: int(200, 20, 200),
  /** Units one liveChatMessages.insert costs: 20 in the method's reference ("Quota impact"); configurable. */
  YOUTUBE_QUOTA_PER_INSERT: int(20, 1, 10_000),
  YOUTUBE_DAILY_QUOTA: int(10_000, 0, 100_000_000),
  /** Units kept back for reading/other calls (videos.list) out of the daily quota. */
  YOUTUBE_QUOTA_RESERVE: int(500, 0, 100_000_000),
  YOUTUBE_BURST: int(10, 1, 1000),
  /** Expected stream length over which the daily budget is spread. */
  YOUTUBE_STREAM_HOURS: int(4, 1, 24),
  /** Channel/handle mode: how often the /live page is re-checked while the channel is offline. */
  YOUTUBE_LIVE_CHECK_MS: int(60_000, 1000, 3_600_000),

  /** Comments waiting above which low-priority comments are shed at intake (x2: mentions too, x4: all but paid). */
  SHED_MAX_WAITING: int(200, 1, 1_000_000),
  /** The same text in one channel within this window is answered at most once (copy-paste spam). */
  DEDUP_WINDOW_S: int(30, 0, 3600),
  APPROVAL_TTL_S: int(300, 10, 86_400),
  ABUSE_STRIKES: int(3, 1, 100),
  ABUSE_IGNORE_S: int(600, 0, 86_400),
  /** Score band in which the fast model triages (answers itself or escalates). */
  TRIAGE_BAND: optionalStr
    .transform((v) => v ?? '0.35-0.6')
    .pipe(z.string().regex(/^(0(\.\d+)?|1(\.0+)?)-(0(\.\d+)?|1(\.0+)?)$/, 'must look like 0.35-0.6 (low-high, 0..1)')),
  TRIAGE: onOff(true),

  /** Retrieval (docs/memory.md): the Ollama embedding model, e.g. nomic-embed-text or bge-m3; unset = retrieval off. */
  EMBED_MODEL: optionalStr,
  /** Past exchanges retrieval adds to a prompt at most. */
  MEMORY_TOP_K: int(3, 1, 20),
  /** Cosine similarity below which a past exchange is never retrieved (0.3: best F1 of the calibration in BENCHMARKS.md). */
  MEMORY_MIN_SIMILARITY: fraction(0.3),
  /** Copypasta: the same or nearly the same long text from two viewers within this window is never answered (0: off). */
  COPYPASTA_WINDOW_S: int(300, 0, 3600),
  /** Replies to chatter long enough to be a copypasta wait until this long after the comment arrived. */
  COPYPASTA_HOLD_MS: int(2000, 0, 30_000),
  /** A file of extra emote names, one per line (# comments), added to the shipped list. */
  EMOTES_FILE: optionalStr,
  /** The moderators' web panel (gateway process, npm run start:panel); 0 = a free port. */
  PANEL_PORT: int(8787, 0, 65_535),
  PANEL_HOST: optionalStr.transform((v) => v ?? '127.0.0.1'),
  /** Login token of the panel; required when PANEL_HOST is not loopback. */
  PANEL_TOKEN: optionalStr.pipe(z.string().min(12, 'must be at least 12 characters (e.g. openssl rand -hex 16)').optional()),
  /** Token in the OBS overlay URL (read-only); default: derived from PANEL_TOKEN. */
  OVERLAY_TOKEN: optionalStr.pipe(z.string().min(12, 'must be at least 12 characters').regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only (it goes in a URL)').optional()),
  /** /metrics for a fast or slow worker running alone (a process with the panel serves it there). */
  METRICS_PORT: optionalStr.pipe(z.string().regex(/^\d{1,5}$/, 'must be a port number').transform(Number).pipe(z.number().int().min(0).max(65_535)).optional()),
  METRICS_HOST: optionalStr.transform((v) => v ?? '127.0.0.1'),
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends Env {
  /** REDIS_URL was given: use that Redis and never start one (unset: the embedded default may). */
  redisUrlSet: boolean;
  /** Where FAST_CONCURRENCY came from: set, OLLAMA_NUM_PARALLEL, or stock Ollama's one slot. */
  fastConcurrencyFrom: 'FAST_CONCURRENCY' | 'OLLAMA_NUM_PARALLEL' | 'default';
  fastHost: string;
  slowHost: string;
  twitchEnabled: boolean;
  youtubeEnabled: boolean;
  youtubeCanPost: boolean;
  triageBand: [number, number];
  /** Names from EMOTES_FILE, when set. */
  extraEmotes?: ReadonlySet<string>;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

/** Parse and check the environment. Never echoes a secret's value. */
export function parseConfig(env: NodeJS.ProcessEnv): ConfigResult {
  const errors = presenceProblems(env);
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) errors.push(`${String(issue.path[0] ?? '?')}: ${issue.message}`);
    return { ok: false, errors };
  }
  const e = parsed.data;
  const [lo, hi] = e.TRIAGE_BAND.split('-').map(Number) as [number, number];
  if (lo > hi) errors.push('TRIAGE_BAND: low end must not exceed high end');
  if (e.FAST_FIRST_TOKEN_TIMEOUT_MS > e.FAST_TIMEOUT_MS) errors.push('FAST_FIRST_TOKEN_TIMEOUT_MS: must not exceed FAST_TIMEOUT_MS');
  if (e.SLOW_FIRST_TOKEN_TIMEOUT_MS > e.SLOW_TIMEOUT_MS) errors.push('SLOW_FIRST_TOKEN_TIMEOUT_MS: must not exceed SLOW_TIMEOUT_MS');
  const emotes = e.EMOTES_FILE ? readEmoteFile(e.EMOTES_FILE) : undefined;
  if (emotes?.errors.length) errors.push(...emotes.errors.map((m) => `EMOTES_FILE: ${m}`));
  if (!LOOPBACK_HOST.test(e.PANEL_HOST) && !e.PANEL_TOKEN) errors.push(`PANEL_TOKEN: missing; required when PANEL_HOST (${e.PANEL_HOST}) is not loopback, so that nobody else can steer the bot (e.g. PANEL_TOKEN=$(openssl rand -hex 16))`);
  if (errors.length) return { ok: false, errors };
  // ollama/ollama envconfig: NumParallel = Uint("OLLAMA_NUM_PARALLEL", 1)
  const serverSlots = Number((env.OLLAMA_NUM_PARALLEL ?? '').trim());
  const fastConcurrencyFrom = e.FAST_CONCURRENCY > 0 ? 'FAST_CONCURRENCY' : Number.isInteger(serverSlots) && serverSlots >= 1 && serverSlots <= 256 ? 'OLLAMA_NUM_PARALLEL' : 'default';
  const fastConcurrency = fastConcurrencyFrom === 'FAST_CONCURRENCY' ? e.FAST_CONCURRENCY : fastConcurrencyFrom === 'OLLAMA_NUM_PARALLEL' ? serverSlots : 1;
  const ytSources = [e.YOUTUBE_LIVE_ID, e.YOUTUBE_CHANNEL_ID, e.YOUTUBE_HANDLE].filter(Boolean).length;
  const ytCreds = [e.YOUTUBE_CLIENT_ID, e.YOUTUBE_CLIENT_SECRET, e.YOUTUBE_REFRESH_TOKEN].filter(Boolean).length;
  return {
    ok: true,
    config: {
      ...e,
      redisUrlSet: (env.REDIS_URL ?? '').trim() !== '',
      FAST_CONCURRENCY: fastConcurrency,
      fastConcurrencyFrom,
      fastHost: e.OLLAMA_FAST_HOST ?? e.OLLAMA_HOST,
      slowHost: e.OLLAMA_SLOW_HOST ?? e.OLLAMA_HOST,
      twitchEnabled: e.TWITCH_CHANNELS.length > 0 || !!e.TWITCH_USERNAME || !!e.TWITCH_OAUTH_TOKEN || !!e.TWITCH_CLIENT_ID || !!e.TWITCH_REFRESH_TOKEN,
      youtubeEnabled: ytSources === 1,
      youtubeCanPost: ytSources === 1 && ytCreds === 3,
      triageBand: [lo, hi],
      ...(emotes ? { extraEmotes: emotes.names } : {}),
    },
  };
}

/** Read an emote list: one name per line, `#` starts a comment; a name has no spaces and at most 100 characters. */
export function readEmoteFile(path: string): { names: Set<string>; errors: string[] } {
  const names = new Set<string>();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { names, errors: [`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); give a readable file of emote names, one per line`] };
  }
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const name = line.replace(/#.*/, '').trim();
    if (!name) return;
    if (/\s/.test(name) || name.length > 100) errors.push(`${path}:${i + 1}: "${name.slice(0, 40)}" is not an emote name (one name per line, no spaces, at most 100 characters)`);
    else names.add(name);
  });
  return { names, errors: errors.slice(0, 10) };
}

/** Variables that only make sense together (checked on the raw values, so every problem is listed at once). */
function presenceProblems(env: NodeJS.ProcessEnv): string[] {
  const set = (k: string) => (env[k] ?? '').trim() !== '';
  const errors: string[] = [];
  if (['TWITCH_CHANNELS', 'TWITCH_USERNAME', 'TWITCH_OAUTH_TOKEN', 'TWITCH_CLIENT_ID', 'TWITCH_REFRESH_TOKEN'].some(set)) {
    if (!set('TWITCH_CHANNELS')) errors.push('TWITCH_CHANNELS: missing (comma-separated channel logins to join)');
    if (!set('TWITCH_USERNAME')) errors.push("TWITCH_USERNAME: missing (the bot account's login)");
    if (!set('TWITCH_OAUTH_TOKEN') && !set('TWITCH_CLIENT_ID')) {
      errors.push('TWITCH_OAUTH_TOKEN: missing (a chat token for TWITCH_USERNAME, "oauth:…"; or set TWITCH_CLIENT_ID and TWITCH_REFRESH_TOKEN, or run `npx botctl twitch login`: see docs/twitch.md)');
    }
  }
  if (set('TWITCH_REFRESH_TOKEN') && !set('TWITCH_CLIENT_ID')) errors.push('TWITCH_CLIENT_ID: missing (TWITCH_REFRESH_TOKEN needs the client id of the app it was issued to)');
  if (set('TWITCH_CLIENT_SECRET') && !set('TWITCH_CLIENT_ID')) errors.push('TWITCH_CLIENT_ID: missing (TWITCH_CLIENT_SECRET is set without it)');
  const ytSources = ['YOUTUBE_LIVE_ID', 'YOUTUBE_CHANNEL_ID', 'YOUTUBE_HANDLE'].filter(set).length;
  if (ytSources > 1) errors.push('YOUTUBE_LIVE_ID / YOUTUBE_CHANNEL_ID / YOUTUBE_HANDLE: set only one');
  const ytCreds = ['YOUTUBE_CLIENT_ID', 'YOUTUBE_CLIENT_SECRET', 'YOUTUBE_REFRESH_TOKEN'].filter(set).length;
  if (ytCreds > 0 && ytCreds < 3) errors.push('YOUTUBE_CLIENT_ID / YOUTUBE_CLIENT_SECRET / YOUTUBE_REFRESH_TOKEN: set all three to post, or none for read-only');
  return errors;
}

/** Read `.env` (if present) into process.env without overriding what is already set. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

/** 127.x.x.x, ::1, localhost: where the panel may run without a login. */
export const LOOPBACK_HOST = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|\[::1\]|localhost)$/i;

/** Exit code for an invalid configuration or a bad character file. */
export const EXIT_CONFIG = 2;

/** For entry points: parse or print every problem and exit 2. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  loadDotEnv();
  const r = parseConfig(env);
  if (!r.ok) {
    process.stderr.write(`stream-comment-bot: invalid configuration (${r.errors.length} problem${r.errors.length === 1 ? '' : 's'}):\n`);
    for (const line of r.errors) process.stderr.write(`  - ${line}\n`);
    process.stderr.write('See .env.example for every variable.\n');
    process.exit(EXIT_CONFIG);
  }
  return r.config;
}
