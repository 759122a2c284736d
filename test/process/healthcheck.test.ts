import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { heartbeatKey, type Role } from '../../src/heartbeat.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { dropPrefix, newRedis, REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number;
  out: string;
}

/** `workers/healthcheck.ts` as Docker runs it: a separate process, judged by its exit code. */
function healthcheck(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'workers/healthcheck.ts', ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

const prefixes: string[] = [];
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  await Promise.all(prefixes.splice(0).map((p) => dropPrefix(p)));
});

function freshPrefix(): string {
  const p = uniquePrefix('hc');
  prefixes.push(p);
  return p;
}

async function beat(prefix: string, role: Role, host = hostname(), ttl = 15): Promise<void> {
  const r = newRedis();
  try {
    const value = JSON.stringify({ role, host, pid: 4242, startedAt: Date.now(), at: Date.now() });
    await r.set(heartbeatKey(prefix, role, host, 4242), value, 'EX', ttl);
  } finally {
    r.disconnect();
  }
}

describe('workers/healthcheck (real Redis, subprocess)', () => {
  it('is unhealthy (exit 1) when no heartbeat of the role exists', async () => {
    const prefix = freshPrefix();
    const r = await healthcheck(['slow'], { REDIS_URL, REDIS_PREFIX: prefix });
    expect(r.code).toBe(1);
    expect(r.out).toContain(`no heartbeat from slow on ${hostname()}`);
  });

  it('is healthy (exit 0) when this host has a live heartbeat of the role', async () => {
    const prefix = freshPrefix();
    await beat(prefix, 'slow');
    const r = await healthcheck(['slow'], { REDIS_URL, REDIS_PREFIX: prefix });
    expect(r).toEqual({ code: 0, out: `healthy: slow on ${hostname()}\n` });
  });

  it.each([
    ['another host (a different container)', 'slow' as Role, 'c0ffee123456'],
    ['another role on this host', 'fast' as Role, hostname()],
  ])('ignores a heartbeat from %s', async (_what, role, host) => {
    const prefix = freshPrefix();
    await beat(prefix, role, host);
    const r = await healthcheck(['slow'], { REDIS_URL, REDIS_PREFIX: prefix });
    expect(r.code).toBe(1);
  });

  it('needs every role for "all" (main.js) and takes the role from BOT_ROLE when none is given', async () => {
    const prefix = freshPrefix();
    await beat(prefix, 'gateway');
    await beat(prefix, 'fast');
    const partial = await healthcheck([], { REDIS_URL, REDIS_PREFIX: prefix, BOT_ROLE: 'all' });
    expect(partial.code).toBe(1);
    expect(partial.out).toContain('no heartbeat from slow');
    expect((await healthcheck([], { REDIS_URL, REDIS_PREFIX: prefix, BOT_ROLE: 'fast' })).code).toBe(0);
    await beat(prefix, 'slow');
    expect((await healthcheck([], { REDIS_URL, REDIS_PREFIX: prefix })).code).toBe(0);
  });

  it('is unhealthy, without printing the password, when Redis does not answer', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const r = await healthcheck(['slow'], { REDIS_URL: `redis://worker:s3cret-pass@127.0.0.1:${port}`, REDIS_PREFIX: 'bot' });
    expect(r.code).toBe(1);
    expect(r.out).toContain('cannot reach Redis at redis://worker:***@127.0.0.1');
    expect(r.out).not.toContain('s3cret-pass');
  });

  it('rejects an unknown role with exit 1 (Docker reserves 2)', async () => {
    const r = await healthcheck(['worker'], { REDIS_URL, REDIS_PREFIX: freshPrefix() });
    expect(r.code).toBe(1);
    expect(r.out).toContain('unknown role "worker"');
  });

  it('follows a real slow worker: healthy while it runs, unhealthy after it stops', async () => {
    harness = await startHarness({ roles: ['slow'], adapters: () => [] });
    const env = { REDIS_URL, REDIS_PREFIX: harness.prefix };
    expect((await healthcheck(['slow'], env)).code).toBe(0);
    expect((await healthcheck(['gateway'], env)).code).toBe(1);
    await harness.close();
    harness = undefined;
    expect((await healthcheck(['slow'], env)).code).toBe(1);
  });
});
