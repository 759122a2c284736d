// The embedded Redis of `npm start`, tested where 127.0.0.1:6379 is really free: a private
// network namespace (unshare -rn), so the shared test Redis on the host is never touched.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/spawn.js';

interface Outcome {
  before: boolean;
  after: boolean;
  ms: number;
  files: string[];
  code: number | null;
  stdout: string;
  stderr: string;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** `npm start -- --console` in a namespace of its own, REDIS_URL as given (unset: undefined). */
function consoleInPrivateNetwork(redisUrl?: string): Outcome {
  const dir = mkdtempSync(join(tmpdir(), 'scb-embedded-'));
  dirs.push(dir);
  const data = join(dir, 'redis');
  const script = 'ip link set lo up && exec "$0" --import tsx test/helpers/netns-console.ts "$@"';
  const r = spawnSync('unshare', ['-rn', 'sh', '-c', script, process.execPath, data, ...(redisUrl ? [redisUrl] : [])], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 });
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as Outcome;
  } catch {
    throw new Error(`unshare run failed (status ${r.status}): ${r.stdout}\n${r.stderr}`);
  }
}

describe('npm start brings its own Redis when there is none', () => {
  it('REDIS_URL unset, nothing on 127.0.0.1:6379, redis-server installed: a private Redis starts, the bot answers, and the Redis is gone after exit', () => {
    const o = consoleInPrivateNetwork();
    expect(o.before).toBe(false);
    expect(o.code, o.stderr).toBe(0);
    expect(o.stderr).toMatch(/Using a private Redis for the bot \(data in .*scb-embedded-.*\/redis\)/);
    expect(o.stderr).toContain('started a private Redis for the bot on 127.0.0.1:6379');
    expect(o.stdout.trim()).toBe('やっほー！元気だよ！');
    // AOF on, under the data folder
    expect(o.files.some((f) => f.startsWith('appendonlydir'))).toBe(true);
    // stopped with the bot
    expect(o.stderr).toContain('private Redis stopped');
    expect(o.after).toBe(false);
  }, 120_000);

  it('REDIS_URL set: never starts anything; exits 2 within 5 s saying how to start Redis', () => {
    const o = consoleInPrivateNetwork('redis://127.0.0.1:6379');
    expect(o.before).toBe(false);
    expect(o.code).toBe(2);
    // within 5 s (15 s here: the namespace run includes loading everything on a shared 2-core box; first-run.test.ts checks the 5 s)
    expect(o.ms).toBeLessThan(15_000);
    expect(o.stderr).toContain('✗ Redis: nothing answers at redis://127.0.0.1:6379');
    expect(o.stderr).toContain('sudo apt-get install -y redis-server');
    expect(o.stderr).not.toContain('private Redis');
    expect(o.files).toEqual([]);
    expect(o.after).toBe(false);
  }, 120_000);
});
