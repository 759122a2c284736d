import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../src/replay/report.js';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama.js';
import { startFakeTwitch, type FakeTwitch } from '../fakes/twitch.js';
import { dropPrefix, newRedis, REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { cleanEnv, run } from '../helpers/spawn.js';

const SAMPLE = 'test/fixtures/chat/sample-stream.jsonl';
const sampleLines = readFileSync(new URL(`../../${SAMPLE}`, import.meta.url), 'utf8').split('\n').filter((l) => l.trim()).length;
let ollama: FakeOllama;
let twitch: FakeTwitch;
const prefix = uniquePrefix('replay');

beforeAll(async () => {
  ollama = await startFakeOllama({ reply: (req) => (req.model === 'gpt-oss:120b' ? { thinking: 'hmm', content: 'じっくり考えた答えだよ！' } : { content: 'はーい！' }) });
  twitch = await startFakeTwitch();
});
afterAll(async () => {
  await Promise.all([ollama.close(), twitch.close()]);
  await dropPrefix(prefix);
});

function num(report: string, label: string): number {
  const m = new RegExp(`${label}:\\s+(\\d+)`).exec(report);
  if (!m) throw new Error(`no "${label}" in report:\n${report}`);
  return Number(m[1]);
}

describe('replay', () => {
  it('replays the sample stream at --speed max, posts nothing anywhere, and reports every comment', async () => {
    const r = await run('npm', ['run', 'replay', '--silent', '--', SAMPLE, '--speed', 'max'], {
      // live credentials in the environment must not make a replay post anything
      env: cleanEnv({ REDIS_URL, REDIS_PREFIX: prefix, OLLAMA_HOST: ollama.host, TWITCH_CHANNELS: 'realchannel', TWITCH_USERNAME: 'botan_bot', TWITCH_OAUTH_TOKEN: 'oauth:abcdefghijklmnop', TWITCH_IRC_URL: twitch.url }),
      timeoutMs: 120_000,
    });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const seen = num(r.stdout, 'comments seen');
    expect(seen).toBe(sampleLines);
    expect(r.stdout).toMatch(/answered:\s+\d+ \(.*fast \d+/);
    expect(r.stdout).toMatch(/slow \d+/);
    expect(r.stdout).toMatch(/latency fast\s+p50 \d+ ms, p95 \d+ ms/);
    expect(r.stdout).toMatch(/slow share:\s+\d+\.\d%/);
    expect(r.stdout).toContain(`accounted for:      ${seen} of ${seen} comments`);
    // replies are printed; no reasoning
    expect(r.stdout).toContain('じっくり考えた答えだよ！');
    expect(r.stdout).not.toContain('hmm');
    expect(twitch.connections()).toBe(0);
    expect(twitch.privmsgs()).toHaveLength(0);
    // its private keys are gone afterwards; the live prefix has no queues from it
    const redis = newRedis();
    const keys = await redis.keys(`${prefix}*`);
    redis.disconnect();
    expect(keys.filter((k) => !k.includes(':routing') && !k.includes('_users') && !k.includes('_words') && !k.includes('keywords'))).toEqual([]);
  }, 150_000);

  it('takes each line\'s platform (default twitch): YouTube lines are answered the YouTube way, with an @mention', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'replay-')), 'mixed.jsonl');
    writeFileSync(file, ['{"t": 0, "user": "tw_viewer", "text": "好きな色は？"}', '{"t": 0.1, "user": "yt_viewer", "text": "好きな食べ物は？", "platform": "youtube"}', ''].join('\n'));
    const r = await run('npm', ['run', 'replay', '--silent', '--', file, '--speed', 'max'], { env: cleanEnv({ REDIS_URL, REDIS_PREFIX: prefix, OLLAMA_HOST: ollama.host }), timeoutMs: 60_000 });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(num(r.stdout, 'comments seen')).toBe(2);
    expect(r.stdout).toContain('@tw_viewer: はーい！');
    expect(r.stdout).toContain('@yt_viewer: @yt_viewer はーい！');
  }, 90_000);

  it('the report counts the answers that used a thread, context or memory', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'replay-')), 'thread.jsonl');
    writeFileSync(file, ['{"t": 0, "user": "mio", "text": "好きな色は？"}', '{"t": 2.5, "user": "mio", "text": "え、なんで？"}', '{"t": 2.6, "user": "ken", "text": "what time is it?"}', ''].join('\n'));
    const r = await run('npm', ['run', 'replay', '--silent', '--', file, '--speed', '1'], { env: cleanEnv({ REDIS_URL, REDIS_PREFIX: prefix, OLLAMA_HOST: ollama.host }), timeoutMs: 60_000 });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(num(r.stdout, 'answered')).toBe(3);
    expect(r.stdout).toMatch(/with memory:\s+1 answers used a thread, context or memory \(thread 1\)/);
  }, 90_000);

  it('exits 2 with what to run when a model is missing, and with a clear message for a missing file', async () => {
    const missing = await run('npm', ['run', 'replay', '--silent', '--', SAMPLE, '--speed', 'max'], {
      env: cleanEnv({ REDIS_URL, REDIS_PREFIX: prefix, OLLAMA_HOST: ollama.host, FAST_MODEL: 'llama3:8b' }),
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('ollama pull llama3:8b');
    const nofile = await run('npm', ['run', 'replay', '--silent', '--', 'no/such/file.jsonl'], { env: cleanEnv({ REDIS_URL, REDIS_PREFIX: prefix, OLLAMA_HOST: ollama.host }) });
    expect(nofile.code).toBe(2);
    expect(nofile.stderr).toContain('no/such/file.jsonl');
  }, 120_000);

  it('the report counts outcomes and percentiles from the event stream', () => {
    const r = buildReport([
      { type: 'comment' }, { type: 'comment' }, { type: 'comment' }, { type: 'comment' },
      { type: 'reply', route: 'fast', latency_ms: '100' },
      { type: 'reply', route: 'ack' },
      { type: 'reply', route: 'slow', latency_ms: '9000' },
      { type: 'skip', reason: 'cooldown' },
      { type: 'drop', reason: 'stale' },
    ]);
    expect(r).toMatchObject({ seen: 4, answeredTotal: 2, acks: 1, skipped: { cooldown: 1 }, droppedStale: 1, slowShare: 0.5, accounted: 4 });
    expect(r.latency.fast).toEqual({ p50: 100, p95: 100, n: 1 });
  });
});
