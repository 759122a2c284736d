import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envSchema, parseConfig } from '../../src/config.js';

const names = Object.keys(envSchema.shape);

describe('config', () => {
  it('has sane defaults with nothing set', () => {
    const r = parseConfig({});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config).toMatchObject({
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_PREFIX: 'bot',
      FAST_MODEL: 'qwen2.5:14b',
      SLOW_MODEL: 'gpt-oss:120b',
      FAST_CONCURRENCY: 4,
      SLOW_CONCURRENCY: 1,
      TWITCH_IRC_URL: 'wss://irc-ws.chat.twitch.tv:443',
      YOUTUBE_BASE_URL: 'https://www.youtube.com',
      YOUTUBE_API_URL: 'https://www.googleapis.com/youtube/v3',
      GOOGLE_TOKEN_URL: 'https://oauth2.googleapis.com/token',
      YOUTUBE_POLL_INTERVAL_MS: 2000,
      twitchEnabled: false,
      youtubeEnabled: false,
      fastHost: 'http://127.0.0.1:11434',
    });
  });

  it.each([
    [{ FAST_CONCURRENCY: '0' }, 'FAST_CONCURRENCY'],
    [{ FAST_CONCURRENCY: '2.5' }, 'FAST_CONCURRENCY'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
    [{ OLLAMA_HOST: 'ftp://x' }, 'OLLAMA_HOST'],
    [{ OLLAMA_SLOW_HOST: 'ftp://x' }, 'OLLAMA_SLOW_HOST'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ TWITCH_IRC_URL: 'http://x' }, 'TWITCH_IRC_URL'],
    [{ TWITCH_RATE_LIMIT: 'twenty' }, 'TWITCH_RATE_LIMIT'],
    [{ TWITCH_USERNAME: 'bot' }, 'TWITCH_CHANNELS'],
    [{ YOUTUBE_LIVE_ID: 'a', YOUTUBE_HANDLE: '@b' }, 'YOUTUBE_LIVE_ID'],
    [{ YOUTUBE_LIVE_ID: 'a', YOUTUBE_CLIENT_ID: 'x' }, 'YOUTUBE_CLIENT_SECRET'],
    [{ TRIAGE_BAND: '0.7-0.2' }, 'TRIAGE_BAND'],
    [{ YOUTUBE_POLL_INTERVAL_MS: '50' }, 'YOUTUBE_POLL_INTERVAL_MS'],
    [{ REDIS_PREFIX: 'a*b' }, 'REDIS_PREFIX'],
    [{ REDIS_PREFIX: 'has space' }, 'REDIS_PREFIX'],
    [{ TWITCH_CLIENT_ID: 'oauth:abcdefghijklmnopqrstuvwxyz' }, 'TWITCH_CLIENT_ID'],
    [{ TWITCH_CLIENT_ID: 'short' }, 'TWITCH_CLIENT_ID'],
    [{ TWITCH_API_URL: 'wss://api.twitch.tv/helix' }, 'TWITCH_API_URL'],
  ])('rejects %j naming %s', (env, name) => {
    const r = parseConfig(env);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.join('\n')).toContain(name);
  });

  it('takes a fast poll interval for a local test server and a prefix with : or { } (Redis Cluster hash tags)', () => {
    for (const env of [{ YOUTUBE_POLL_INTERVAL_MS: '200' }, { REDIS_PREFIX: 'test:run1' }, { REDIS_PREFIX: '{bot}' }]) {
      const r = parseConfig({ TWITCH_CHANNELS: 'c', TWITCH_USERNAME: 'u', TWITCH_OAUTH_TOKEN: 'oauth:abc', ...env });
      expect(r.ok, JSON.stringify(env)).toBe(true);
    }
  });

  it('lists every problem at once and never a secret value', () => {
    const r = parseConfig({ FAST_CONCURRENCY: 'x', SLOW_CONCURRENCY: 'y', TWITCH_OAUTH_TOKEN: 'oauth:topsecretvalue123' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.errors.join('\n');
    for (const n of ['FAST_CONCURRENCY', 'SLOW_CONCURRENCY', 'TWITCH_CHANNELS', 'TWITCH_USERNAME']) expect(text).toContain(n);
    expect(text).not.toContain('topsecretvalue123');
  });

  it('Twitch API: no client id by default (nothing read), Helix by default, a local fake for tests', () => {
    const base = { TWITCH_CHANNELS: 'c', TWITCH_USERNAME: 'u', TWITCH_OAUTH_TOKEN: 'oauth:abc' };
    const plain = parseConfig(base);
    expect(plain.ok && [plain.config.TWITCH_CLIENT_ID, plain.config.TWITCH_API_URL]).toEqual([undefined, 'https://api.twitch.tv/helix']);
    const set = parseConfig({ ...base, TWITCH_CLIENT_ID: ' gp762nuuoqcoxypju8c569th9wz7q5 ', TWITCH_API_URL: 'http://127.0.0.1:8080/helix/' });
    expect(set.ok && [set.config.TWITCH_CLIENT_ID, set.config.TWITCH_API_URL]).toEqual(['gp762nuuoqcoxypju8c569th9wz7q5', 'http://127.0.0.1:8080/helix']);
  });

  it('splits models across hosts, with or without a scheme', () => {
    const r = parseConfig({ OLLAMA_HOST: '127.0.0.1:11434', OLLAMA_SLOW_HOST: 'gpu-box:11434/' });
    expect(r.ok && [r.config.fastHost, r.config.slowHost]).toEqual(['http://127.0.0.1:11434', 'http://gpu-box:11434']);
  });

  it('accepts redis ACL users and TLS', () => {
    for (const url of ['redis://bot:pw@redis.example:6379/2', 'rediss://default:pw@redis.example:6380']) {
      const r = parseConfig({ REDIS_URL: url });
      expect(r.ok).toBe(true);
    }
  });

  it('.env.example and the README document every variable', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const missingExample = names.filter((n) => !new RegExp(`^#?\\s*${n}=`, 'm').test(example));
    expect(missingExample).toEqual([]);
    const missingReadme = names.filter((n) => !readme.includes(n) && !(n.startsWith('YOUTUBE_') && readme.includes('YOUTUBE_*')));
    expect(missingReadme).toEqual([]);
  });
});
