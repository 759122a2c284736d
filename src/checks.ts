import { Redis } from 'ioredis';
import type { Config } from './config.js';
import { createOllamaClient } from './llm/ollama-client.js';
import { findMissing, modelsFor } from './llm/preflight.js';
import { routeSpec, type RouteName } from './llm/routes.js';
import type { ModelClient } from './llm/types.js';
import type { Logger } from './log.js';
import { maskUrl } from './log.js';

/**
 * The checks a person needs before the bot can work, each with what to run when it fails.
 * One code path for the start-up checks of console chat and replay (Redis and the models:
 * exit 2 with these lines) and for `npm run doctor` (these and more, as a checklist).
 */
export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  /** Short name of what was checked ("Redis", "Ollama and models", …). */
  name: string;
  status: CheckStatus;
  /** What was found, one line. */
  detail: string;
  /** What to do, one command or sentence per line (empty when it passed). */
  fix: string[];
  /** Models missing on an Ollama that answers (they can be pulled now). */
  missing?: { host: string; model: string }[];
}

/** How to get a Redis on this machine, for each platform a newcomer may be on. */
export function redisHowTo(): string[] {
  return [
    'Debian/Ubuntu:  sudo apt-get install -y redis-server && sudo systemctl start redis-server',
    'macOS:          brew install redis && brew services start redis',
    'Windows (WSL):  sudo apt-get install -y redis-server && sudo service redis-server start',
    'Docker:         docker run -d --name redis -p 6379:6379 redis:7 redis-server --appendonly yes',
  ];
}

export interface RedisProbe {
  ok: boolean;
  /** Why it failed (connection refused, timed out, wrong password, …). */
  error?: string;
  /** CONFIG values, when the server lets us read them. */
  settings?: { appendonly?: string; save?: string; maxmemoryPolicy?: string };
  version?: string;
  /** Redis server time minus ours, in ms (negative: our clock is ahead). */
  clockSkewMs?: number;
}

/** One connection attempt with a deadline, no retries: never waits longer than `timeoutMs`. */
export async function probeRedis(url: string, timeoutMs = 2_500): Promise<RedisProbe> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let lastError: Error | undefined;
  redis.on('error', (err: Error) => (lastError = err));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([
      (async (): Promise<RedisProbe> => {
        await redis.connect();
        await redis.ping();
        const probe: RedisProbe = { ok: true };
        const info = await redis.info('server').catch(() => '');
        probe.version = /redis_version:(\S+)/.exec(info)?.[1];
        const before = Date.now();
        const [sec, usec] = await redis.time();
        probe.clockSkewMs = Number(sec) * 1000 + Math.round(Number(usec) / 1000) - Math.round((before + Date.now()) / 2);
        try {
          const get = async (k: string) => ((await redis.config('GET', k)) as string[])[1];
          probe.settings = { appendonly: await get('appendonly'), save: await get('save'), maxmemoryPolicy: await get('maxmemory-policy') };
        } catch {
          // managed Redis services often refuse CONFIG: the settings stay unknown
        }
        return probe;
      })(),
      deadline,
    ]);
  } catch (err) {
    const e = (lastError ?? err) as NodeJS.ErrnoException;
    return { ok: false, error: e.code === 'ECONNREFUSED' ? 'connection refused' : e.message };
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}

/** Redis reachable, with what to run when it is not. */
export function redisCheck(config: Pick<Config, 'REDIS_URL' | 'redisUrlSet'>, probe: RedisProbe): CheckResult {
  const where = maskUrl(config.REDIS_URL);
  if (probe.ok) return { name: 'Redis', status: 'pass', detail: `answers at ${where}${probe.version ? ` (Redis ${probe.version})` : ''}`, fix: [] };
  if (/NOAUTH|WRONGPASS|invalid password|invalid username/i.test(probe.error ?? ''))
    return { name: 'Redis', status: 'fail', detail: `${where} refused the credentials: ${probe.error}`, fix: ['Put the password (and ACL user) in REDIS_URL: redis://user:password@host:port'] };
  const local = /^rediss?:\/\/([^@/]*@)?(127\.0\.0\.1|localhost|\[::1\])(:|\/|$)/.test(config.REDIS_URL);
  const fix = local
    ? [
        'Start Redis on this machine:',
        ...redisHowTo().map((l) => `  ${l}`),
        ...(config.redisUrlSet ? [] : ['  or install redis-server only: with REDIS_URL unset, npm start runs a private one for the bot']),
      ]
    : [`Check that ${where} is up and reachable from here (REDIS_URL), or unset REDIS_URL to use a Redis on this machine`];
  return { name: 'Redis', status: 'fail', detail: `nothing answers at ${where}: ${probe.error ?? 'unreachable'}`, fix };
}

/** Each Ollama host answers and has the models this process needs. */
export async function modelsCheck(config: Config, roles: readonly string[], logger: Logger, timeoutMs = 2_500): Promise<CheckResult> {
  // one client per host, shared by the routes on it
  const clients = new Map<string, ModelClient>();
  const clientOf = (route: RouteName) => {
    const host = routeSpec(route).host(config);
    let c = clients.get(host);
    if (!c) clients.set(host, (c = createOllamaClient({ host, logger: logger.child({ component: 'ollama' }) })));
    return c;
  };
  const needs = modelsFor(roles, config, clientOf);
  const { down, missing } = await findMissing(needs, timeoutMs);
  const names = [...new Set(needs.map((n) => n.model))].join(' and ');
  if (down.length === 0 && missing.length === 0) return { name: 'Ollama and models', status: 'pass', detail: `${names} ready`, fix: [] };
  return {
    name: 'Ollama and models',
    status: 'fail',
    detail: [...down.map((h) => `no Ollama answers at ${h}`), ...missing.map((m) => `model ${m.model} is not on ${m.host}`)].join('; '),
    fix: [
      ...(down.length ? ['Start Ollama:  ollama serve   (install: https://ollama.com/download; or set OLLAMA_HOST to where it runs)'] : []),
      ...missing.map((m) => `Get the model:  ollama pull ${m.model}   (or: npm run models)`),
    ],
    // only a missing model, Ollama up: something `npm run models` can fix right here
    ...(down.length === 0 ? { missing } : {}),
  };
}

/** The checks console chat and replay run before anything else: Redis and the models, side by side. */
export async function startupChecks(config: Config, roles: readonly string[], logger: Logger): Promise<CheckResult[]> {
  const [redis, models] = await Promise.all([probeRedis(config.REDIS_URL).then((p) => redisCheck(config, p)), modelsCheck(config, roles, logger)]);
  return [redis, models];
}

const MARK: Record<CheckStatus, string> = { pass: '✓', warn: '!', fail: '✗' };

/** A checklist: one line per check, its fixes indented under it. */
export function formatChecks(results: readonly CheckResult[]): string {
  return results
    .map((r) => [`${MARK[r.status]} ${r.name}: ${r.detail}`, ...r.fix.map((f) => `    ${f}`)].join('\n'))
    .join('\n');
}
