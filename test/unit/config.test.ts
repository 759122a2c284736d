import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envSchema, parseConfig } from '../../src/config.js';
import { FIELDS } from '../../src/controls/fields.js';
import { SET_NAMES } from '../../src/controls/keys.js';

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
      // stock Ollama's OLLAMA_NUM_PARALLEL (envconfig default 1)
      FAST_CONCURRENCY: 1,
      fastConcurrencyFrom: 'default',
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
    [{ TWITCH_TRANSPORT: 'pubsub' }, 'TWITCH_TRANSPORT'],
    [{ TWITCH_EVENTSUB_URL: 'https://x' }, 'TWITCH_EVENTSUB_URL'],
    [{ TWITCH_AUTH_URL: 'ftp://x' }, 'TWITCH_AUTH_URL'],
    [{ TWITCH_CHANNELS: 'c', TWITCH_USERNAME: 'bot', TWITCH_REFRESH_TOKEN: 'r' }, 'TWITCH_CLIENT_ID'],
    [{ TWITCH_CHANNELS: 'c', TWITCH_USERNAME: 'bot' }, 'TWITCH_OAUTH_TOKEN'],
    [{ YOUTUBE_LIVE_ID: 'a', YOUTUBE_HANDLE: '@b' }, 'YOUTUBE_LIVE_ID'],
    [{ YOUTUBE_LIVE_ID: 'a', YOUTUBE_CLIENT_ID: 'x' }, 'YOUTUBE_CLIENT_SECRET'],
    [{ TRIAGE_BAND: '0.7-0.2' }, 'TRIAGE_BAND'],
    [{ YOUTUBE_POLL_INTERVAL_MS: '50' }, 'YOUTUBE_POLL_INTERVAL_MS'],
    [{ REDIS_PREFIX: 'a*b' }, 'REDIS_PREFIX'],
    [{ REDIS_PREFIX: 'has space' }, 'REDIS_PREFIX'],
    [{ MEMORY_TOP_K: '0' }, 'MEMORY_TOP_K'],
    [{ MEMORY_TOP_K: 'three' }, 'MEMORY_TOP_K'],
    [{ MEMORY_MIN_SIMILARITY: '1.5' }, 'MEMORY_MIN_SIMILARITY'],
    [{ MEMORY_MIN_SIMILARITY: '-0.1' }, 'MEMORY_MIN_SIMILARITY'],
    [{ MEMORY_MIN_SIMILARITY: '0,3' }, 'MEMORY_MIN_SIMILARITY'],
    // Go's time.ParseDuration (what Ollama runs on a string keep_alive) has no day unit
    [{ OLLAMA_KEEP_ALIVE: '1d' }, 'OLLAMA_KEEP_ALIVE'],
    [{ OLLAMA_KEEP_ALIVE: 'forever' }, 'OLLAMA_KEEP_ALIVE'],
    [{ OLLAMA_KEEP_ALIVE: '1.5' }, 'OLLAMA_KEEP_ALIVE'],
    [{ TWITCH_API_URL: 'wss://api.twitch.tv/helix' }, 'TWITCH_API_URL'],
  ])('rejects %j naming %s', (env, name) => {
    const r = parseConfig(env);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.join('\n')).toContain(name);
  });

  it.each([
    ['-1', -1],
    ['0', 0],
    ['3600', 3600],
    ['30m', '30m'],
    ['1h30m', '1h30m'],
    ['-1m', '-1m'],
  ])('OLLAMA_KEEP_ALIVE=%s is sent to Ollama as %j (numbers as numbers: the string "-1" is HTTP 400)', (raw, value) => {
    const r = parseConfig({ OLLAMA_KEEP_ALIVE: raw });
    expect(r.ok && r.config.OLLAMA_KEEP_ALIVE).toEqual(value);
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

  it('leaves retrieval off unless EMBED_MODEL is set, with top k 3 and floor 0.3 by default', () => {
    const off = parseConfig({});
    expect(off.ok && [off.config.EMBED_MODEL, off.config.MEMORY_TOP_K, off.config.MEMORY_MIN_SIMILARITY]).toEqual([undefined, 3, 0.3]);
    const on = parseConfig({ EMBED_MODEL: ' bge-m3 ', MEMORY_TOP_K: '5', MEMORY_MIN_SIMILARITY: '0.55' });
    expect(on.ok && [on.config.EMBED_MODEL, on.config.MEMORY_TOP_K, on.config.MEMORY_MIN_SIMILARITY]).toEqual(['bge-m3', 5, 0.55]);
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

  it('Twitch with a client id and refresh token (or a stored login) needs no static token', () => {
    for (const env of [
      { TWITCH_CHANNELS: 'c', TWITCH_USERNAME: 'bot', TWITCH_CLIENT_ID: 'id', TWITCH_REFRESH_TOKEN: 'r' },
      { TWITCH_CHANNELS: 'c', TWITCH_USERNAME: 'bot', TWITCH_CLIENT_ID: 'id' },
    ]) {
      const r = parseConfig(env);
      expect(r.ok, JSON.stringify(r)).toBe(true);
      if (r.ok) expect(r.config).toMatchObject({ twitchEnabled: true, TWITCH_TRANSPORT: 'irc', TWITCH_AUTH_URL: 'https://id.twitch.tv', TWITCH_API_URL: 'https://api.twitch.tv/helix', TWITCH_EVENTSUB_URL: 'wss://eventsub.wss.twitch.tv/ws' });
    }
  });

  it('.env.example, docs/configuration.md and the README document every variable, and the README links there', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const reference = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const missingExample = names.filter((n) => !new RegExp(`^#?\\s*${n}=`, 'm').test(example));
    expect(missingExample).toEqual([]);
    // each by its own name in backticks (a row of the tables), not only as part of a wildcard
    const missingReference = names.filter((n) => !reference.includes(`\`${n}\``));
    expect(missingReference).toEqual([]);
    expect(readme).toContain('(docs/configuration.md)');
    expect(names.filter((n) => !readme.includes(`\`${n}\``))).toEqual([]);
    // and every control key: the routing fields and the sets
    expect([...FIELDS, ...SET_NAMES].filter((k) => !readme.includes(`\`${k}\``) && !readme.includes(`\`bot:${k}\``))).toEqual([]);
  });

  it('EMOTES_FILE adds emote names; an unreadable or malformed file is a config error naming the line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'emotes-'));
    const good = join(dir, 'good.txt');
    writeFileSync(good, '# channel emotes\nbotanHeart\n\nbotanHype  # hype\n');
    const r = parseConfig({ EMOTES_FILE: good });
    expect(r.ok && [...(r.config.extraEmotes ?? [])]).toEqual(['botanHeart', 'botanHype']);
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, 'ok\ntwo words\n');
    expect(parseConfig({ EMOTES_FILE: bad })).toEqual({ ok: false, errors: [expect.stringMatching(/^EMOTES_FILE: .*bad\.txt:2: "two words" is not an emote name/)] });
    expect(parseConfig({ EMOTES_FILE: join(dir, 'missing.txt'), COPYPASTA_WINDOW_S: '-1' })).toEqual({
      ok: false,
      errors: expect.arrayContaining([expect.stringMatching(/^COPYPASTA_WINDOW_S: /)]),
    });
    expect(parseConfig({ EMOTES_FILE: join(dir, 'missing.txt') })).toEqual({ ok: false, errors: [expect.stringMatching(/^EMOTES_FILE: cannot read .*missing\.txt \(ENOENT\)/)] });
  });
});
