import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama.js';
import { REDIS_URL, uniquePrefix, dropPrefix } from '../helpers/redis.js';
import { cleanEnv, run } from '../helpers/spawn.js';

const tmp = mkdtempSync(join(tmpdir(), 'scb-startup-'));
let ollama: FakeOllama;
const prefix = uniquePrefix('start');

beforeAll(async () => {
  ollama = await startFakeOllama({ reply: (req) => ({ content: req.model === 'qwen2.5:14b' ? 'いちごが好きだよ！' : 'slow' }) });
});
afterAll(async () => {
  await ollama.close();
  await dropPrefix(prefix);
});

describe('start-up checks (the real entry point, as a user runs it)', () => {
  it('exits 2 listing every bad or missing variable, without echoing a secret', async () => {
    const r = await run('npm', ['start', '--silent'], {
      env: cleanEnv({ FAST_CONCURRENCY: 'lots', TWITCH_CHANNELS: 'somechannel', TWITCH_OAUTH_TOKEN: 'oauth:hunter2hunter2secret', OLLAMA_HOST: 'not a url at all', REDIS_URL: 'http://x' }),
    });
    expect(r.code).toBe(2);
    for (const name of ['FAST_CONCURRENCY', 'OLLAMA_HOST', 'REDIS_URL']) expect(r.stderr).toContain(name);
    expect(r.stderr + r.stdout).not.toContain('hunter2hunter2secret');
  });

  it('exits 2 naming the missing Twitch variables', async () => {
    const r = await run('npm', ['start', '--silent'], { env: cleanEnv({ TWITCH_CHANNELS: 'somechannel' }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('TWITCH_USERNAME');
    expect(r.stderr).toContain('TWITCH_OAUTH_TOKEN');
  });

  it('exits 2 naming the bad field of a character file', async () => {
    const file = join(tmp, 'bad.yaml');
    writeFileSync(file, 'name: Test\npersona: short\nstyle: x\nacks: []\n');
    const r = await run('npx', ['tsx', 'workers/fast.ts'], { env: cleanEnv({ CHARACTER: file, REDIS_URL, REDIS_PREFIX: prefix }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('persona');
    expect(r.stderr).toContain('acks');
    expect(r.stderr).toContain('cannot_answer');
  });

  it('exits 2 naming the platform variables when nothing is configured and stdin is not a terminal', async () => {
    const r = await run('npm', ['start', '--silent'], { env: cleanEnv({ REDIS_URL, REDIS_PREFIX: prefix }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('TWITCH_CHANNELS');
    expect(r.stderr).toContain('YOUTUBE_LIVE_ID');
    expect(r.stderr).toContain('--console');
  });

  it('console chat over a pipe: each reply is one plain line on stdout, logs on stderr, exit 0 at end of input', async () => {
    const r = await run('npm', ['start', '--silent', '--', '--console'], {
      env: cleanEnv({ REDIS_URL, REDIS_PREFIX: prefix, OLLAMA_HOST: ollama.host, LOG_LEVEL: 'info' }),
      input: '牡丹ちゃん、好きな食べ物は？\n',
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['いちごが好きだよ！']);
    expect(r.stderr).toContain('"msg":"reply posted"');
  });

  it('console chat exits 2 saying what to run when a model is missing', async () => {
    const r = await run('npm', ['start', '--silent', '--', '--console'], {
      env: cleanEnv({ REDIS_URL, REDIS_PREFIX: prefix, OLLAMA_HOST: ollama.host, SLOW_MODEL: 'gpt-oss:20b' }),
      input: 'hello\n',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ollama pull gpt-oss:20b');
  });

  it('console chat exits 2 saying to start Ollama when none answers', async () => {
    const r = await run('npm', ['start', '--silent', '--', '--console'], {
      env: cleanEnv({ REDIS_URL, REDIS_PREFIX: prefix, OLLAMA_HOST: 'http://127.0.0.1:9' }),
      input: 'hello\n',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ollama serve');
  });
});
