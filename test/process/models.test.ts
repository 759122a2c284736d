// `npm run models`: the two models pulled through Ollama's /api/pull with a progress bar each.
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama.js';
import { cleanEnv, run } from '../helpers/spawn.js';
import { tmpdir } from 'node:os';

let ollama: FakeOllama | undefined;
afterEach(async () => {
  await ollama?.close();
  ollama = undefined;
});

const LIBRARY = { 'qwen2.5:14b': { layers: [300e6, 7_000, 500] }, 'gpt-oss:120b': { layers: [400e6, 1_000] } };
const models = (env: Record<string, string> = {}) =>
  run('npm', ['run', 'models', '--silent'], { env: cleanEnv({ OLLAMA_HOST: ollama!.host, OLLAMA_MODELS: tmpdir(), ...env }), timeoutMs: 60_000 });

describe('npm run models', () => {
  it('pulls FAST_MODEL and SLOW_MODEL with a progress line per model (size, speed, time left); then the bot finds them', async () => {
    ollama = await startFakeOllama({ models: {}, library: LIBRARY, pullBytesPerSec: 400e6 });
    const r = await models();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Disk: .* free in /m);
    expect(r.stdout).toMatch(/^qwen2\.5:14b {2}\[[█░]{20}\] +\d+% {2}[\d.]+ MB \/ 300\.0 MB {2}[\d.]+ MB\/s {2}\d+ s left$/m);
    expect(r.stdout).toMatch(/^gpt-oss:120b {2}\[█{20}\] 100% {2}400\.0 MB \/ 400\.0 MB/m);
    expect(r.stdout).toContain('✓ qwen2.5:14b pulled');
    expect(r.stdout).toContain('✓ gpt-oss:120b pulled');
    expect(ollama.pullRequests.map((p) => [p.model, p.outcome])).toEqual([
      ['qwen2.5:14b', 'success'],
      ['gpt-oss:120b', 'success'],
    ]);
    // a second run finds both and downloads nothing
    const again = await models();
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('✓ qwen2.5:14b is already on');
    expect(ollama.pullRequests).toHaveLength(2);
  }, 90_000);

  it('a dropped connection: the pull resumes where it stopped, not from zero', async () => {
    ollama = await startFakeOllama({ models: {}, library: LIBRARY, pullBytesPerSec: 400e6 });
    ollama.cutNextPull(150e6);
    const r = await models({ SLOW_MODEL: 'qwen2.5:14b' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/qwen2\.5:14b: the download of qwen2\.5:14b was cut .*; resuming in 1 s/);
    expect(r.stdout).toContain('qwen2.5:14b: resuming at 150.0 MB of 300.0 MB (already downloaded)');
    expect(ollama.pullRequests.map((p) => [p.outcome, p.startedAt])).toEqual([
      ['cut', 0],
      ['success', 150e6],
    ]);
  }, 90_000);

  it('not enough disk space: stops before the bulk of the download and says how much is needed', async () => {
    ollama = await startFakeOllama({ models: {}, library: { 'huge:1t': { layers: [1e16] } } });
    const r = await models({ FAST_MODEL: 'huge:1t', SLOW_MODEL: 'huge:1t' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ not enough disk space for huge:1t: 10\.0 PB still to download, [\d.]+ [GT]B free in /);
    expect(ollama.pullRequests).toHaveLength(1);
    await new Promise((res) => setTimeout(res, 200));
    expect(ollama.pullRequests[0]!.outcome).toBe('client-left');
  }, 60_000);

  it('a name Ollama does not know: its error, no retries', async () => {
    ollama = await startFakeOllama({ models: {}, library: LIBRARY });
    const r = await models({ FAST_MODEL: 'qwen2.5:13b', SLOW_MODEL: 'qwen2.5:13b' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ Ollama could not pull qwen2.5:13b: pull model manifest: file does not exist');
    expect(ollama.pullRequests).toHaveLength(1);
  }, 60_000);

  it('no Ollama: says to start it', async () => {
    ollama = await startFakeOllama();
    await ollama.down();
    const r = await models();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('ollama serve');
  }, 60_000);
});
