import { createServer, type Server, type Socket } from 'node:net';
import { connect } from 'node:net';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { approve, approvedJobId, holdForApproval, listPending, reject } from '../../src/controls/approval.js';
import { createControls } from '../../src/controls/store.js';
import type { Controls } from '../../src/controls/types.js';
import { createLogger } from '../../src/log.js';
import { QUEUE, type OutboxJob } from '../../src/queues.js';
import { LogCapture } from '../helpers/log-capture.js';
import { dropPrefix, newRedis, REDIS_URL, uniquePrefix, until } from '../helpers/redis.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function setup(opts: { cacheMs?: number; redis?: Redis } = {}) {
  const prefix = uniquePrefix('ctl');
  const redis = opts.redis ?? newRedis();
  const writer = newRedis();
  const logs = new LogCapture();
  const controls = createControls({ redis, prefix, logger: createLogger({ level: 'debug', destination: logs }), cacheMs: opts.cacheMs });
  cleanups.push(async () => {
    await controls.close();
    redis.disconnect();
    writer.disconnect();
    await dropPrefix(prefix);
  });
  return { prefix, redis, writer, logs, controls };
}

const warnings = (logs: LogCapture) => logs.lines.filter((l) => l.level === 40);

async function waitFor<T>(controls: Controls, pick: (s: Awaited<ReturnType<Controls['get']>>) => T, want: T, channel = 'somechannel'): Promise<number> {
  const start = Date.now();
  await until(async () => pick(await controls.get('twitch', channel)) === want, 3000, `control value ${String(want)}`);
  return Date.now() - start;
}

describe('controls store (real Redis)', () => {
  it('serves the defaults when no key exists', async () => {
    const { controls, logs } = setup();
    const s = await controls.get('twitch', 'somechannel');
    expect(s.settings).toMatchObject({ mode: 'auto', trigger: 'question', slow_threshold: 0.6, approval: false });
    expect(s.sources.mode).toBe('default');
    expect([...s.blockedUsers]).toEqual([]);
    expect(warnings(logs)).toEqual([]);
  });

  it('sees a moderator write (plain HSET) within 1 s and logs the change once', async () => {
    const { controls, writer, prefix, logs } = setup();
    await controls.get('twitch', 'somechannel');
    await writer.hset(`${prefix}:routing`, 'mode', 'fast');
    const ms = await waitFor(controls, (s) => s.settings.mode, 'fast');
    expect(ms).toBeLessThan(1000);
    // a few more reads: the change is logged once, not per read
    for (let i = 0; i < 3; i++) await controls.get('twitch', 'somechannel');
    await new Promise((r) => setTimeout(r, 600));
    await controls.get('twitch', 'somechannel');
    const changed = logs.find('control changed', (l) => l.field === 'mode');
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ level: 30, key: `${prefix}:routing`, field: 'mode', old: null, new: 'fast' });
  });

  it('applies channel overrides over the global hash and reports where each value comes from', async () => {
    const { controls, writer, prefix } = setup({ cacheMs: 0 });
    await writer.hset(`${prefix}:routing`, 'mode', 'fast', 'think', 'high');
    await writer.hset(`${prefix}:routing:twitch:somechannel`, 'mode', 'slow', 'user_cooldown_s', '5');
    const s = await controls.get('twitch', '#SomeChannel');
    expect(s.settings).toMatchObject({ mode: 'slow', think: 'high', user_cooldown_s: 5, trigger: 'question' });
    expect(s.sources).toMatchObject({ mode: 'channel', think: 'global', user_cooldown_s: 'channel', trigger: 'default' });
    const other = await controls.get('twitch', 'otherchannel');
    expect(other.settings.mode).toBe('fast');
  });

  it('reads the four sets, members in lower case', async () => {
    const { controls, writer, prefix } = setup({ cacheMs: 0 });
    await writer.sadd(`${prefix}:blocked_users`, 'Twitch:Some_Troll', 'twitch:12345');
    await writer.sadd(`${prefix}:vip_users`, 'twitch:Friend');
    await writer.sadd(`${prefix}:blocked_words`, ' SPAM ', '宣伝');
    await writer.sadd(`${prefix}:slow_keywords`, 'Kubernetes');
    const s = await controls.get('twitch', 'somechannel');
    expect([...s.blockedUsers].sort()).toEqual(['twitch:12345', 'twitch:some_troll']);
    expect([...s.vipUsers]).toEqual(['twitch:friend']);
    expect([...s.blockedWords].sort()).toEqual(['spam', '宣伝']);
    expect(s.slowKeywords).toEqual(['kubernetes']);
  });

  it.each([
    ['mode', 'slow', 'banana', 'slow'],
    ['slow_threshold', '0.8', '7', 0.8],
    ['user_cooldown_s', '10', '-3', 10],
  ] as const)('a bad %s keeps the last good value and warns exactly once', async (field, good, bad, kept) => {
    const { controls, writer, prefix, logs } = setup({ cacheMs: 100 });
    const key = `${prefix}:routing`;
    await writer.hset(key, field, good);
    await waitFor(controls, (s) => s.settings[field], kept);
    await writer.hset(key, field, bad);
    // many reads over several cache periods
    const end = Date.now() + 700;
    while (Date.now() < end) {
      expect((await controls.get('twitch', 'somechannel')).settings[field]).toBe(kept);
      await new Promise((r) => setTimeout(r, 30));
    }
    const warned = warnings(logs);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ key, field, value: bad, msg: 'control value ignored: not an allowed value' });
    expect(String(warned[0]!.allowed)).not.toBe('');
  });

  it('a bad value with no good one before means the default; a new bad value warns again', async () => {
    const { controls, writer, prefix, logs } = setup({ cacheMs: 50 });
    const key = `${prefix}:routing`;
    await writer.hset(key, 'mode', 'banana');
    expect((await controls.get('twitch', 'c')).settings.mode).toBe('auto');
    await writer.hset(key, 'mode', 'apple');
    await until(async () => {
      await controls.get('twitch', 'c');
      return logs.find('control value ignored: not an allowed value').length === 2;
    }, 2000, 'second warning');
    expect(logs.find('control value ignored: not an allowed value').map((l) => l.value)).toEqual(['banana', 'apple']);
    expect((await controls.get('twitch', 'c')).settings.mode).toBe('auto');
  });

  it('deleting a field restores the default', async () => {
    const { controls, writer, prefix, logs } = setup();
    await writer.hset(`${prefix}:routing`, 'trigger', 'all');
    await waitFor(controls, (s) => s.settings.trigger, 'all');
    await writer.hdel(`${prefix}:routing`, 'trigger');
    const ms = await waitFor(controls, (s) => s.settings.trigger, 'question');
    expect(ms).toBeLessThan(1000);
    expect((await controls.get('twitch', 'somechannel')).sources.trigger).toBe('default');
    expect(logs.find('control changed', (l) => l.field === 'trigger' && l.new === null)[0]).toMatchObject({ old: 'all' });
  });

  it('ignores a key of the wrong type and a field that is not a control, with one warning each', async () => {
    const { controls, writer, prefix, logs } = setup({ cacheMs: 0 });
    await writer.hset(`${prefix}:routing`, 'mode', 'fast', 'mdoe', 'slow');
    expect((await controls.get('twitch', 'c')).settings.mode).toBe('fast');
    await writer.del(`${prefix}:routing`);
    await writer.set(`${prefix}:routing`, 'off'); // a moderator's slip: SET instead of HSET
    await writer.set(`${prefix}:blocked_users`, 'twitch:troll');
    for (let i = 0; i < 3; i++) expect((await controls.get('twitch', 'c')).settings.mode).toBe('fast');
    expect(logs.find(/wrong type/).map((l) => l.key).sort()).toEqual([`${prefix}:blocked_users`, `${prefix}:routing`]);
    expect(logs.find(/not a known field/)).toHaveLength(1);
  });

  it('never throws when Redis is unreachable: defaults, one warning', async () => {
    // nothing listens on this port once the server is closed
    const port = await freePort();
    const dead = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: null, retryStrategy: () => 100 });
    dead.on('error', () => undefined);
    const { controls, logs } = setup({ redis: dead, cacheMs: 0 });
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      const s = await controls.get('twitch', 'somechannel');
      expect(s.settings.mode).toBe('auto');
      expect(Date.now() - started).toBeLessThan(1000);
    }
    expect(logs.find(/controls unreadable/)).toHaveLength(1);
  });

  it('a decision shortly after the cache period does not wait for Redis: the last read serves while a new one runs', async () => {
    const proxy = await startProxy();
    cleanups.push(() => proxy.close());
    const viaProxy = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: null, retryStrategy: () => 50 });
    viaProxy.on('error', () => undefined);
    const { controls, writer, prefix } = setup({ redis: viaProxy, cacheMs: 200 });
    await writer.hset(`${prefix}:routing`, 'mode', 'slow');
    await waitFor(controls, (s) => s.settings.mode, 'slow');
    proxy.cut(true);
    await new Promise((r) => setTimeout(r, 250));
    const started = Date.now();
    expect((await controls.get('twitch', 'somechannel')).settings.mode).toBe('slow');
    // a read that had to wait would take the 300 ms read timeout
    expect(Date.now() - started).toBeLessThan(100);
    proxy.cut(false);
  });

  it('keeps serving the last known controls through an outage, and picks up changes after it', async () => {
    const proxy = await startProxy();
    cleanups.push(() => proxy.close());
    const viaProxy = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: null, retryStrategy: () => 50 });
    viaProxy.on('error', () => undefined);
    const { controls, writer, prefix, logs } = setup({ redis: viaProxy, cacheMs: 50 });
    await writer.hset(`${prefix}:routing`, 'mode', 'slow');
    await waitFor(controls, (s) => s.settings.mode, 'slow');
    proxy.cut(true);
    await writer.hset(`${prefix}:routing`, 'mode', 'fast');
    for (let i = 0; i < 10; i++) {
      expect((await controls.get('twitch', 'somechannel')).settings.mode).toBe('slow');
      await new Promise((r) => setTimeout(r, 60));
    }
    expect(logs.find(/controls unreadable/)).toHaveLength(1);
    proxy.cut(false);
    await waitFor(controls, (s) => s.settings.mode, 'fast');
    await logs.waitFor('controls readable again');
  });
});

function sampleJob(id = 'msg-1', deadline = Date.now() + 20_000): OutboxJob {
  return {
    comment: {
      platform: 'twitch',
      channel: 'somechannel',
      id,
      author: { id: '42', login: 'viewer', name: 'Viewer', badges: { moderator: false, owner: false, member: false, vip: false, verified: false }, firstMessage: false },
      text: '牡丹ちゃん、好きな食べ物は？',
      kind: 'chat',
      receivedAt: Date.now(),
    },
    kind: 'answer',
    parts: ['いちごだよ！🍓'],
    route: 'fast',
    model: 'qwen2.5:14b',
    timings: { queueWaitMs: 1, ttftMs: 2, modelMs: 3, totalMs: 4 },
    deadline,
  };
}

describe('approval (real Redis)', () => {
  function approvalSetup() {
    const prefix = uniquePrefix('appr');
    const redis = newRedis();
    const outbox = new Queue<OutboxJob>(QUEUE.outbox, { connection: { url: REDIS_URL }, prefix });
    cleanups.push(async () => {
      await outbox.obliterate({ force: true }).catch(() => undefined);
      await outbox.close();
      redis.disconnect();
      await dropPrefix(prefix);
    });
    return { prefix, redis, outbox };
  }

  it('holds a reply with the comment it answers; holding it again keeps one entry', async () => {
    const { prefix, redis } = approvalSetup();
    const id = await holdForApproval(redis, prefix, sampleJob(), 300);
    expect(id).toMatch(/^[a-z2-9]{6}$/);
    expect(await holdForApproval(redis, prefix, sampleJob(), 300)).toBe(id);
    const pending = await listPending(redis, prefix);
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ id, job: { parts: ['いちごだよ！🍓'], comment: { id: 'msg-1', text: '牡丹ちゃん、好きな食べ物は？' } } });
    expect(pending[0]!.expiresAt - pending[0]!.heldAt).toBe(300_000);
    const other = await holdForApproval(redis, prefix, sampleJob('msg-2'), 300);
    expect(other).not.toBe(id);
    expect((await listPending(redis, prefix)).map((p) => p.id).sort()).toEqual([id, other].sort());
  });

  it('approve adds the reply to the outbox once, marked approved, with time left to post', async () => {
    const { prefix, redis, outbox } = approvalSetup();
    const job = sampleJob('msg-3', Date.now() - 1000); // its own deadline already passed while waiting
    const id = await holdForApproval(redis, prefix, job, 300);
    const [a, b] = await Promise.all([approve(redis, prefix, outbox, id), approve(redis, prefix, outbox, id.toUpperCase())]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect(await approve(redis, prefix, outbox, id)).toBe(false);
    const jobs = await outbox.getJobs(['waiting', 'prioritized', 'delayed']);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.id).toBe(approvedJobId(job));
    expect(jobs[0]!.data).toMatchObject({ approved: true, parts: ['いちごだよ！🍓'], comment: { id: 'msg-3' } });
    expect(jobs[0]!.data.deadline).toBeGreaterThan(Date.now() + 30_000);
    expect(await listPending(redis, prefix)).toEqual([]);
    // held again later (e.g. a retry) and approved again: the outbox job id keeps it to one post
    const again = await holdForApproval(redis, prefix, job, 300);
    expect(await approve(redis, prefix, outbox, again)).toBeTruthy();
    expect(await outbox.getJobs(['waiting', 'prioritized', 'delayed'])).toHaveLength(1);
  });

  it('reject drops the reply; unknown and expired ids are refused', async () => {
    const { prefix, redis, outbox } = approvalSetup();
    const id = await holdForApproval(redis, prefix, sampleJob('msg-4'), 300);
    expect(await reject(redis, prefix, id)).toMatchObject({ id });
    expect(await reject(redis, prefix, id)).toBe(false);
    expect(await approve(redis, prefix, outbox, id)).toBe(false);
    expect(await approve(redis, prefix, outbox, 'zzzzzz')).toBe(false);
    expect(await approve(redis, prefix, outbox, '../*')).toBe(false);
    const short = await holdForApproval(redis, prefix, sampleJob('msg-5'), 1);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await listPending(redis, prefix)).toEqual([]);
    expect(await approve(redis, prefix, outbox, short)).toBe(false);
    expect(await outbox.getJobs(['waiting', 'prioritized', 'delayed'])).toHaveLength(0);
  });
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A TCP proxy to the real Redis that can cut every connection and refuse new ones. */
async function startProxy(): Promise<{ port: number; cut(on: boolean): void; close(): Promise<void> }> {
  const target = new URL(REDIS_URL);
  let down = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (down) return client.destroy();
    const upstream = connect(Number(target.port || 6379), target.hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    cut(on) {
      down = on;
      if (on) for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
