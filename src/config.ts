import { existsSync } from 'node:fs';
import { z } from 'zod';

/** Known chat bots whose messages are never answered (lower-case logins). */
export const DEFAULT_IGNORED_BOTS = ['nightbot', 'streamelements', 'streamlabs', 'moobot', 'fossabot', 'wizebot', 'botrixoficial', 'soundalerts', 'sery_bot'];

/** Environment variables that hold secrets: their values never appear in errors or logs. */
export const SECRET_VARS = ['TWITCH_OAUTH_TOKEN', 'YOUTUBE_CLIENT_SECRET', 'YOUTUBE_REFRESH_TOKEN', 'REDIS_URL'] as const;

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
  FAST_CONCURRENCY: int(4, 1, 256),
  SLOW_CONCURRENCY: int(1, 1, 64),
  FAST_NUM_CTX: int(4096, 256, 1_048_576),
  SLOW_NUM_CTX: int(8192, 256, 1_048_576),
  OLLAMA_KEEP_ALIVE: optionalStr.transform((v) => v ?? '30m'),
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

  TWITCH_CHANNELS: list([]).transform((a) => a.map((c) => c.replace(/^#/, '').toLowerCase())),
  TWITCH_USERNAME: optionalStr.transform((v) => v?.toLowerCase()),
  TWITCH_OAUTH_TOKEN: optionalStr,
  TWITCH_IRC_URL: optionalStr.transform((v) => v ?? 'wss://irc-ws.chat.twitch.tv:443').pipe(z.string().regex(/^wss?:\/\/[^/]+/, 'must be a ws:// or wss:// URL')),
  TWITCH_IGNORED_BOTS: list(DEFAULT_IGNORED_BOTS).transform((a) => a.map((s) => s.toLowerCase())),
  /** Override of Twitch's per-channel limit: "<messages>/<seconds>", e.g. 20/30. */
  TWITCH_RATE_LIMIT: optionalStr.pipe(z.string().regex(/^\d+\/\d+$/, 'must look like 20/30 (messages/seconds)').optional()),
  TWITCH_MAX_CHARS: int(500, 20, 500),
  /** The Client ID of the app that issued TWITCH_OAUTH_TOKEN: lets the bot read channel info from Helix. */
  TWITCH_CLIENT_ID: optionalStr.pipe(z.string().regex(/^[A-Za-z0-9]{20,64}$/, 'must be the Client ID of your Twitch app (20-64 letters and digits, from dev.twitch.tv/console)').optional()),
  /** Helix base URL (tests point it at a fake). */
  TWITCH_API_URL: httpUrl('https://api.twitch.tv/helix'),

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
  YOUTUBE_QUOTA_PER_INSERT: int(50, 1, 10_000),
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
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends Env {
  fastHost: string;
  slowHost: string;
  twitchEnabled: boolean;
  youtubeEnabled: boolean;
  youtubeCanPost: boolean;
  triageBand: [number, number];
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
  if (errors.length) return { ok: false, errors };
  const ytSources = [e.YOUTUBE_LIVE_ID, e.YOUTUBE_CHANNEL_ID, e.YOUTUBE_HANDLE].filter(Boolean).length;
  const ytCreds = [e.YOUTUBE_CLIENT_ID, e.YOUTUBE_CLIENT_SECRET, e.YOUTUBE_REFRESH_TOKEN].filter(Boolean).length;
  return {
    ok: true,
    config: {
      ...e,
      fastHost: e.OLLAMA_FAST_HOST ?? e.OLLAMA_HOST,
      slowHost: e.OLLAMA_SLOW_HOST ?? e.OLLAMA_HOST,
      twitchEnabled: e.TWITCH_CHANNELS.length > 0 || !!e.TWITCH_USERNAME || !!e.TWITCH_OAUTH_TOKEN,
      youtubeEnabled: ytSources === 1,
      youtubeCanPost: ytSources === 1 && ytCreds === 3,
      triageBand: [lo, hi],
    },
  };
}

/** Variables that only make sense together (checked on the raw values, so every problem is listed at once). */
function presenceProblems(env: NodeJS.ProcessEnv): string[] {
  const set = (k: string) => (env[k] ?? '').trim() !== '';
  const errors: string[] = [];
  if (set('TWITCH_CHANNELS') || set('TWITCH_USERNAME') || set('TWITCH_OAUTH_TOKEN')) {
    if (!set('TWITCH_CHANNELS')) errors.push('TWITCH_CHANNELS: missing (comma-separated channel logins to join)');
    if (!set('TWITCH_USERNAME')) errors.push("TWITCH_USERNAME: missing (the bot account's login)");
    if (!set('TWITCH_OAUTH_TOKEN')) errors.push('TWITCH_OAUTH_TOKEN: missing (a chat token for TWITCH_USERNAME, "oauth:…")');
  }
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
