import { MODEL_ROUTES, ROUTE_NAMES } from './llm/routes.js';
import { CharacterError } from './errors.js';
import { loadCharacter } from './character.js';
import { modelsCheck, probeRedis, redisCheck, type CheckResult, type RedisProbe } from './checks.js';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { maskUrl } from './log.js';
import { verifyTwitchLogin } from './platforms/twitch/verify.js';
import { TokenSource } from './platforms/youtube/oauth.js';
import { YouTubeAuthError } from './platforms/youtube/errors.js';

/** Node major version the bot is built and tested for. */
export const NODE_MAJOR = 20;

/**
 * `npm run doctor`: everything a live stream needs, one line each, with what to do for each
 * line that fails. Redis and the models are the same checks console chat runs at start.
 */
export async function runDoctor(config: Config, logger: Logger, nodeVersion = process.versions.node): Promise<CheckResult[]> {
  const [probe, models, loaded, ollamaClock] = await Promise.all([
    probeRedis(config.REDIS_URL),
    modelsCheck(config, ['gateway', ...ROUTE_NAMES], logger),
    loadedCheck(config),
    httpClockSkew(config.fastHost),
  ]);
  const redis = redisCheck(config, probe);
  const results: CheckResult[] = [nodeCheck(nodeVersion), redis];
  if (probe.ok) results.push(...redisSettingsChecks(probe));
  results.push(models);
  if (models.status === 'pass') results.push(loaded);
  results.push(characterCheck(config), ...(await platformChecks(config)), clockCheck(probe, ollamaClock, config));
  return results;
}

function nodeCheck(version: string): CheckResult {
  const major = Number(version.split('.')[0]);
  return major >= NODE_MAJOR
    ? { name: 'Node.js', status: 'pass', detail: `v${version}`, fix: [] }
    : { name: 'Node.js', status: 'fail', detail: `v${version} is too old`, fix: [`Install Node ${NODE_MAJOR} or newer (https://nodejs.org, or: nvm install ${NODE_MAJOR})`] };
}

/** BullMQ needs noeviction; a stream wants its queue and the moderators' controls to survive a Redis restart. */
function redisSettingsChecks(probe: RedisProbe): CheckResult[] {
  const s = probe.settings;
  if (!s) return [{ name: 'Redis settings', status: 'warn', detail: 'this Redis does not let us read its settings (CONFIG GET refused)', fix: ['Make sure persistence (AOF) is on and maxmemory-policy is noeviction'] }];
  const out: CheckResult[] = [];
  if (s.maxmemoryPolicy === 'noeviction') out.push({ name: 'Redis eviction', status: 'pass', detail: 'maxmemory-policy noeviction', fix: [] });
  else
    out.push({
      name: 'Redis eviction',
      status: 'fail',
      detail: `maxmemory-policy ${s.maxmemoryPolicy ?? '?'}: Redis may delete queued comments and controls when memory runs short`,
      fix: ['redis-cli config set maxmemory-policy noeviction   (and in redis.conf: maxmemory-policy noeviction)'],
    });
  if (s.appendonly === 'yes') out.push({ name: 'Redis persistence', status: 'pass', detail: 'AOF on', fix: [] });
  else if (s.save)
    out.push({
      name: 'Redis persistence',
      status: 'warn',
      detail: `snapshots only (save ${s.save}): the last minutes of queue and controls are lost if Redis crashes`,
      fix: ['redis-cli config set appendonly yes   (and in redis.conf: appendonly yes)'],
    });
  else
    out.push({
      name: 'Redis persistence',
      status: 'fail',
      detail: 'off: a Redis restart loses queued comments and the moderators\' settings',
      fix: ['redis-cli config set appendonly yes   (and in redis.conf: appendonly yes)'],
    });
  return out;
}

/** Models in memory now (Ollama's /api/ps): a model not loaded makes the first answer wait for the load. */
async function loadedCheck(config: Config): Promise<CheckResult> {
  const want = new Map<string, string[]>();
  for (const r of MODEL_ROUTES) want.set(r.host(config), [...new Set([...(want.get(r.host(config)) ?? []), r.model(config)])]);
  const cold: { host: string; model: string }[] = [];
  for (const [host, models] of want) {
    let names: string[] = [];
    try {
      const res = await fetch(`${host}/api/ps`, { signal: AbortSignal.timeout(2_500) });
      names = ((await res.json()) as { models?: { name?: string; model?: string }[] }).models?.flatMap((m) => [m.name ?? '', m.model ?? '']) ?? [];
    } catch {
      // reported by the models check
    }
    for (const m of models) if (!names.some((n) => n === m || n === `${m}:latest`)) cold.push({ host, model: m });
  }
  if (cold.length === 0) return { name: 'Models loaded', status: 'pass', detail: 'both in memory', fix: [] };
  return {
    name: 'Models loaded',
    status: 'warn',
    detail: `${cold.map((c) => c.model).join(' and ')} not in memory yet: the first answer waits while Ollama loads it`,
    fix: cold.map((c) => `to load it now: curl ${c.host}/api/generate -d '{"model": "${c.model}"}'`),
  };
}

function characterCheck(config: Config): CheckResult {
  try {
    const c = loadCharacter(config.CHARACTER);
    return { name: 'Character', status: 'pass', detail: `${c.name} (${config.CHARACTER})`, fix: [] };
  } catch (err) {
    if (!(err instanceof CharacterError)) throw err;
    return { name: 'Character', status: 'fail', detail: err.message.split('\n')[0]!, fix: ['Fix the file named above (see characters/botan.yaml), or set CHARACTER to another file under characters/'] };
  }
}

async function platformChecks(config: Config): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  if (!config.twitchEnabled && !config.youtubeEnabled)
    out.push({
      name: 'Platforms',
      status: 'warn',
      detail: 'none configured: console chat only',
      fix: ['To go live set TWITCH_CHANNELS, TWITCH_USERNAME, TWITCH_OAUTH_TOKEN (Twitch) or YOUTUBE_LIVE_ID / YOUTUBE_CHANNEL_ID / YOUTUBE_HANDLE (YouTube)'],
    });
  if (config.twitchEnabled && !config.TWITCH_OAUTH_TOKEN)
    out.push({
      name: 'Twitch login',
      status: 'warn',
      detail: 'the bot gets its own token (TWITCH_CLIENT_ID); not tried here',
      fix: ['If it has none yet: npx botctl twitch login (docs/twitch.md)'],
    });
  if (config.twitchEnabled && config.TWITCH_OAUTH_TOKEN) {
    const r = await verifyTwitchLogin({ url: config.TWITCH_IRC_URL, username: config.TWITCH_USERNAME!, token: config.TWITCH_OAUTH_TOKEN });
    out.push(
      r.ok
        ? { name: 'Twitch login', status: 'pass', detail: `${config.TWITCH_USERNAME} logged in to chat`, fix: [] }
        : {
            name: 'Twitch login',
            status: 'fail',
            detail: `${config.TWITCH_USERNAME} could not log in: ${r.error}`,
            fix: ['Get a new chat token for the bot account (chat:read and chat:edit scopes) and set TWITCH_OAUTH_TOKEN; TWITCH_USERNAME must be that account\'s login'],
          },
    );
  }
  if (config.youtubeEnabled && !config.youtubeCanPost)
    out.push({ name: 'YouTube', status: 'warn', detail: 'read-only: replies are not posted (no OAuth credentials)', fix: ['To post, set YOUTUBE_CLIENT_ID, YOUTUBE_CLIENT_SECRET, YOUTUBE_REFRESH_TOKEN (docs/youtube.md)'] });
  if (config.youtubeCanPost) {
    const tokens = new TokenSource({ tokenUrl: config.GOOGLE_TOKEN_URL, clientId: config.YOUTUBE_CLIENT_ID!, clientSecret: config.YOUTUBE_CLIENT_SECRET!, refreshToken: config.YOUTUBE_REFRESH_TOKEN!, now: Date.now });
    try {
      await tokens.get();
      out.push({ name: 'YouTube credentials', status: 'pass', detail: 'Google gave an access token for the refresh token', fix: [] });
    } catch (err) {
      const auth = err instanceof YouTubeAuthError;
      out.push({
        name: 'YouTube credentials',
        status: 'fail',
        detail: auth ? `Google refused the refresh token (${err.message})` : `could not reach ${maskUrl(config.GOOGLE_TOKEN_URL)}: ${(err as Error).message}`,
        fix: [auth ? 'Redo the OAuth steps in docs/youtube.md and set the new YOUTUBE_REFRESH_TOKEN' : 'Check the network connection to Google'],
      });
    }
  }
  return out;
}

/** Our clock minus an HTTP server's (its Date header, 1 s resolution), or undefined. */
async function httpClockSkew(url: string): Promise<number | undefined> {
  try {
    const before = Date.now();
    const res = await fetch(`${url}/api/version`, { signal: AbortSignal.timeout(2_500) });
    await res.arrayBuffer();
    const date = Date.parse(res.headers.get('date') ?? '');
    return Number.isNaN(date) ? undefined : date - (before + Date.now()) / 2;
  } catch {
    return undefined;
  }
}

/** Tokens, cooldowns and stale-comment checks need a clock that agrees with the other machines. */
function clockCheck(redis: RedisProbe, ollamaSkewMs: number | undefined, config: Config): CheckResult {
  const skews: [string, number][] = [];
  if (redis.clockSkewMs !== undefined) skews.push([`Redis (${maskUrl(config.REDIS_URL)})`, redis.clockSkewMs]);
  // the Date header has a 1 s resolution: up to 1 s is no difference
  if (ollamaSkewMs !== undefined) skews.push([`Ollama (${config.fastHost})`, Math.abs(ollamaSkewMs) <= 1_000 ? 0 : ollamaSkewMs]);
  if (skews.length === 0) return { name: 'Clock', status: 'warn', detail: 'nothing to compare it with (Redis and Ollama unreachable)', fix: [] };
  const [where, worst] = skews.reduce((a, b) => (Math.abs(b[1]) > Math.abs(a[1]) ? b : a));
  const s = Math.abs(worst) / 1000;
  const detail = `${s < 1 ? 'agrees' : `${s.toFixed(1)} s off`} with ${skews.map(([w]) => w).join(' and ')}`;
  if (s <= 2) return { name: 'Clock', status: 'pass', detail, fix: [] };
  return {
    name: 'Clock',
    status: s > 30 ? 'fail' : 'warn',
    detail: `${s.toFixed(1)} s off from ${where}`,
    fix: ['Turn on time sync on both machines (Linux: sudo timedatectl set-ntp true; Windows/macOS: set the time automatically)'],
  };
}
