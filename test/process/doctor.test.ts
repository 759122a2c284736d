// `npm run doctor` as a streamer runs it before going live: a checklist, exit 0 only when nothing fails.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama.js';
import { startFakeTwitch, type FakeTwitch } from '../fakes/twitch.js';
import { freePort, startPrivateRedis, type PrivateRedis } from '../helpers/bot-process.js';
import { cleanEnv, run } from '../helpers/spawn.js';

let ollama: FakeOllama;
let twitch: FakeTwitch;
let refusing: FakeTwitch;
let redis: PrivateRedis;
const tmp = mkdtempSync(join(tmpdir(), 'scb-doctor-'));

beforeAll(async () => {
  [ollama, twitch, refusing, redis] = await Promise.all([startFakeOllama(), startFakeTwitch(), startFakeTwitch({ rejectLogin: true }), startPrivateRedis()]);
});
afterAll(async () => {
  await Promise.all([ollama.close(), twitch.close(), refusing.close(), redis.dispose()]);
});

const twitchEnv = (url: string) => ({ TWITCH_IRC_URL: url, TWITCH_CHANNELS: 'botan_ch', TWITCH_USERNAME: 'botan_bot', TWITCH_OAUTH_TOKEN: 'oauth:abcdefghijklmnopqrstuvwxyz0123' });

describe('npm run doctor', () => {
  it('a healthy setup: every line passes and it exits 0', async () => {
    // a private Redis with AOF on (the shared test Redis runs without persistence)
    const r = await run('npm', ['run', 'doctor', '--silent'], { env: cleanEnv({ REDIS_URL: redis.url, OLLAMA_HOST: ollama.host, ...twitchEnv(twitch.url) }), timeoutMs: 30_000 });
    expect(r.stdout).toMatch(/✓ Node\.js: v2\d/);
    expect(r.stdout).toContain('✓ Redis: answers at');
    expect(r.stdout).toContain('✓ Redis persistence: AOF on');
    expect(r.stdout).toContain('✓ Redis eviction: maxmemory-policy noeviction');
    expect(r.stdout).toContain('✓ Ollama and models: qwen2.5:14b and gpt-oss:120b ready');
    expect(r.stdout).toContain('✓ Character:');
    expect(r.stdout).toContain('✓ Twitch login: botan_bot logged in to chat');
    expect(r.stdout).toMatch(/✓ Clock: agrees with Redis/);
    expect(r.stdout).not.toContain('✗');
    expect(r.stdout).toMatch(/^Ready to go live/m);
    expect(r.code).toBe(0);
  }, 40_000);

  it('a broken setup: each failing line says what to do, and it exits non-zero', async () => {
    const character = join(tmp, 'bad.yaml');
    writeFileSync(character, 'name: Test\npersona: short\n');
    const r = await run('npm', ['run', 'doctor', '--silent'], {
      env: cleanEnv({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, OLLAMA_HOST: ollama.host, SLOW_MODEL: 'gpt-oss:20b', CHARACTER: character, ...twitchEnv(refusing.url) }),
      timeoutMs: 30_000,
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ Redis: nothing answers at redis:\/\/127\.0\.0\.1:\d+: connection refused\n\s+Start Redis on this machine:/);
    expect(r.stdout).toContain('docker run -d --name redis');
    expect(r.stdout).toMatch(/✗ Ollama and models: model gpt-oss:20b is not on .*\n\s+Get the model:\s+ollama pull gpt-oss:20b/);
    expect(r.stdout).toMatch(/✗ Character: .*bad\.yaml/);
    expect(r.stdout).toMatch(/✗ Twitch login: botan_bot could not log in: Login authentication failed\n\s+Get a new chat token/);
    expect(r.stdout).toMatch(/checks failed: fix the lines marked ✗/);
  }, 40_000);

  it('Redis that would lose the queue on a restart or evict it fails, with the setting to change', async () => {
    const shared = await run('npm', ['run', 'doctor', '--silent'], { env: cleanEnv({ REDIS_URL: redis.url, OLLAMA_HOST: ollama.host, ...twitchEnv(twitch.url) }) });
    expect(shared.code).toBe(0);
    const { Redis } = await import('ioredis');
    const admin = new Redis(redis.url);
    try {
      await admin.config('SET', 'appendonly', 'no');
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      const r = await run('npm', ['run', 'doctor', '--silent'], { env: cleanEnv({ REDIS_URL: redis.url, OLLAMA_HOST: ollama.host, ...twitchEnv(twitch.url) }) });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/✗ Redis persistence: off.*\n\s+redis-cli config set appendonly yes/);
      expect(r.stdout).toMatch(/✗ Redis eviction: maxmemory-policy allkeys-lru.*\n\s+redis-cli config set maxmemory-policy noeviction/);
    } finally {
      await admin.config('SET', 'appendonly', 'yes');
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      admin.disconnect();
    }
  }, 60_000);

  it('a Redis that wants a password it was not given: says so, not "unreachable"', async () => {
    const locked = await startPrivateRedis({ password: 'doctor-test-pw' });
    try {
      const r = await run('npm', ['run', 'doctor', '--silent'], { env: cleanEnv({ REDIS_URL: `redis://127.0.0.1:${locked.port}`, OLLAMA_HOST: ollama.host }) });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/✗ Redis: redis:\/\/127\.0\.0\.1:\d+ refused the credentials: NOAUTH.*\n\s+Put the password .* in REDIS_URL/);
    } finally {
      await locked.dispose();
    }
  }, 40_000);

  it('a Twitch app that keeps its own token (no static token): a note, not a failed login', async () => {
    const r = await run('npm', ['run', 'doctor', '--silent'], {
      env: cleanEnv({ REDIS_URL: redis.url, OLLAMA_HOST: ollama.host, TWITCH_IRC_URL: twitch.url, TWITCH_CHANNELS: 'botan_ch', TWITCH_USERNAME: 'botan_bot', TWITCH_CLIENT_ID: 'abc123' }),
      timeoutMs: 30_000,
    });
    expect(r.stdout).toMatch(/! Twitch login: the bot gets its own token \(TWITCH_CLIENT_ID\); not tried here\n\s+If it has none yet: npx botctl twitch login/);
    expect(r.stdout).not.toContain('✗ Twitch');
  }, 40_000);
});
