/**
 * botctl as moderators run it, against the real Redis, one key prefix per test: exit codes,
 * output and the keys it leaves behind. Most cases call the CLI's main() with argv, an
 * environment and captured stdout/stderr (what bin/botctl.js does, without a Node start per
 * run); the first case and `tail` (SIGINT) run the real `node bin/botctl.js` in a subprocess.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { botctlInProcess } from '../helpers/botctl-in-process.js';
import { holdForApproval } from '../../src/controls/approval.js';
import { recordEvent } from '../../src/events.js';
import { heartbeatKey } from '../../src/heartbeat.js';
import { QUEUE, type OutboxJob } from '../../src/queues.js';
import { ARTICLE_QUESTION } from '../helpers/harness.js';
import { dropPrefix, newRedis, REDIS_URL, uniquePrefix, until } from '../helpers/redis.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'botctl.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function baseEnv(prefix: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, REDIS_URL, REDIS_PREFIX: prefix, USER: 'mod_alice', ...extra };
  return env;
}

/** The real binary in a subprocess. */
function botctlProcess(prefix: string, args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: baseEnv(prefix, opts.env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}

/** The CLI in this process: main(argv, io, env) with captured output; the exit code it returns. */
async function botctl(prefix: string, args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const run = botctlInProcess(args, baseEnv(prefix, opts.env), opts.stdin ?? '');
  const code = await run.done;
  return { code, stdout: run.out(), stderr: run.err() };
}

const jsonLines = (s: string): Record<string, unknown>[] =>
  s
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);

function setup() {
  const prefix = uniquePrefix('ctl');
  const redis = newRedis();
  cleanups.push(async () => {
    redis.disconnect();
    await dropPrefix(prefix);
  });
  return {
    prefix,
    redis,
    run: (args: string[], opts?: { stdin?: string; env?: Record<string, string> }) => botctl(prefix, args, opts),
    runProcess: (args: string[], opts?: { stdin?: string; env?: Record<string, string> }) => botctlProcess(prefix, args, opts),
  };
}

// A subprocess run starts a Node process (~1 s of CPU): the tests run one after another with room for a busy machine.
describe('botctl (real Redis)', { timeout: 120_000 }, () => {
  it('prints usage; unknown commands, options and a missing command exit 2', async () => {
    const { run, runProcess } = setup();
    // the real binary: its exit code is the one main() returns
    const help = await runProcess(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['status', 'get', 'set', 'reset', 'block', 'vip', 'words', 'keywords', 'pause', 'resume', 'explain', 'pending', 'approve', 'reject', 'tail', 'audit']) {
      expect(help.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    }
    const setHelp = await run(['set', '--help']);
    expect(setHelp.code).toBe(0);
    expect(setHelp.stdout).toContain('slow_threshold');
    expect(setHelp.stdout).toContain('auto, fast, slow, off');
    const unknown = await runProcess(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    expect(unknown.stderr).toContain('usage: botctl');
    expect((await run([])).code).toBe(2);
    const badOpt = await run(['get', '--colour']);
    expect(badOpt.code).toBe(2);
    expect((await run(['block', 'twitch:x', '--channel', 'twitch:y'])).code).toBe(2);
  });

  it('set validates before writing: bad values exit 2 with the allowed values and write nothing', async () => {
    const { run, redis, prefix } = setup();
    const cases: [string, string, string][] = [
      ['mode', 'banana', 'auto, fast, slow, off'],
      ['slow_threshold', '7', 'from 0 to 1'],
      ['user_cooldown_s', '-3', 'whole number'],
      ['ack', '', 'on, off'],
      ['think', 'ｈｉｇｈ', 'low, medium, high'],
    ];
    for (const [field, value, allowed] of cases) {
      const r = await run(['set', field, value]);
      expect(r.code, `${field} ${value}`).toBe(2);
      expect(r.stderr).toContain(allowed);
    }
    const unknownField = await run(['set', 'colour', 'red']);
    expect(unknownField.code).toBe(2);
    expect(unknownField.stderr).toContain('mode, trigger, slow_threshold');
    expect(await redis.exists(`${prefix}:routing`, `${prefix}:audit`)).toBe(0);
  });

  it('set, get and reset, globally and per channel, with sources and an audit entry for each change', async () => {
    const { run, redis, prefix } = setup();
    const set = await run(['set', 'mode', 'FAST']);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('mode: (unset) → fast');
    expect(await redis.hget(`${prefix}:routing`, 'mode')).toBe('fast');
    expect((await run(['set', 'slow_threshold', '0.8', '--channel', 'twitch:#SomeChan'])).code).toBe(0);
    expect(await redis.hget(`${prefix}:routing:twitch:somechan`, 'slow_threshold')).toBe('0.8');

    const one = await run(['get', 'mode', '--json']);
    expect(JSON.parse(one.stdout)).toMatchObject({ scope: 'global', field: 'mode', value: 'fast', source: 'global' });
    const ch = JSON.parse((await run(['get', '--channel', 'twitch:somechan', '--json'])).stdout) as { settings: Record<string, unknown>; sources: Record<string, string> };
    expect(ch.settings).toMatchObject({ mode: 'fast', slow_threshold: 0.8, trigger: 'question' });
    expect(ch.sources).toMatchObject({ mode: 'global', slow_threshold: 'channel', trigger: 'default' });
    const text = await run(['get']);
    expect(text.stdout).toMatch(/mode\s+fast\s+\(global\)/);
    expect(text.stdout).toMatch(/approval\s+off\s+\(default\)/);

    // a moderator's hand edit that does not parse is shown, with what to write instead
    await redis.hset(`${prefix}:routing`, 'think', 'banana');
    const withBad = await run(['get']);
    expect(withBad.stdout).toMatch(/think = "banana" is not allowed.*low, medium, high/);

    expect((await run(['reset', 'mode'])).code).toBe(0);
    expect(await redis.hget(`${prefix}:routing`, 'mode')).toBeNull();
    expect((await run(['reset', '--all', '--channel', 'twitch:somechan'])).code).toBe(0);
    expect(await redis.exists(`${prefix}:routing:twitch:somechan`)).toBe(0);
    expect((await run(['reset'])).code).toBe(2);

    const audit = jsonLines((await run(['audit', '--json'])).stdout);
    expect(audit.map((a) => [a.action, a.field, a.old, a.new])).toEqual([
      ['set', 'mode', null, 'fast'],
      ['set', 'slow_threshold', null, '0.8'],
      ['reset', 'mode', 'fast', null],
      ['reset', 'slow_threshold', '0.8', null],
    ]);
    expect(audit.every((a) => a.by === 'mod_alice' && typeof a.at === 'number')).toBe(true);
    expect(audit[1]!.key).toBe(`${prefix}:routing:twitch:somechan`);
    const auditText = await run(['audit']);
    expect(auditText.stdout).toContain('mod_alice');
    expect(auditText.stdout).toContain('mode: (unset) → fast');
  });

  it('pause and resume go back to the mode before, and --by names who did it', async () => {
    const { run, redis, prefix } = setup();
    await run(['set', 'mode', 'slow']);
    const pause = await run(['pause', '--by', 'mod_bob']);
    expect(pause.code).toBe(0);
    expect(await redis.hget(`${prefix}:routing`, 'mode')).toBe('off');
    expect((await run(['pause'])).stdout).toContain('already paused');
    expect((await run(['resume'])).code).toBe(0);
    expect(await redis.hget(`${prefix}:routing`, 'mode')).toBe('slow');
    expect((await run(['resume'])).stdout).toContain('not paused');
    // with no mode set in the scope, resume deletes the field again (back to the default)
    await run(['pause', '--channel', 'twitch:somechan']);
    expect(await redis.hget(`${prefix}:routing:twitch:somechan`, 'mode')).toBe('off');
    await run(['resume', '--channel', 'twitch:somechan']);
    expect(await redis.hget(`${prefix}:routing:twitch:somechan`, 'mode')).toBeNull();
    const audit = jsonLines((await run(['audit', '--json'])).stdout);
    expect(audit.find((a) => a.action === 'pause')).toMatchObject({ by: 'mod_bob', old: 'slow', new: 'off' });
  });

  it('block, vip, words and keywords write the sets in lower case', async () => {
    const { run, redis, prefix } = setup();
    expect((await run(['block', 'twitch:Some_Troll', 'youtube:UCabc'])).code).toBe(0);
    expect((await redis.smembers(`${prefix}:blocked_users`)).sort()).toEqual(['twitch:some_troll', 'youtube:ucabc']);
    expect((await run(['block', 'some_troll'])).code).toBe(2);
    expect((await run(['block', 'discord:x'])).code).toBe(2);
    expect((await run(['unblock', 'twitch:some_troll'])).code).toBe(0);
    expect(await redis.smembers(`${prefix}:blocked_users`)).toEqual(['youtube:ucabc']);
    await run(['vip', 'twitch:Friend']);
    expect(await redis.smembers(`${prefix}:vip_users`)).toEqual(['twitch:friend']);
    await run(['unvip', 'twitch:friend']);
    expect(await redis.exists(`${prefix}:vip_users`)).toBe(0);
    expect((await run(['words', 'add', 'SPAM', '宣伝', 'buy followers'])).code).toBe(0);
    expect((await redis.smembers(`${prefix}:blocked_words`)).sort()).toEqual(['buy followers', 'spam', '宣伝']);
    await run(['words', 'rm', 'spam']);
    expect(JSON.parse((await run(['words', 'list', '--json'])).stdout)).toMatchObject({ members: ['buy followers', '宣伝'] });
    expect((await run(['words', 'list'])).stdout).toBe('buy followers\n宣伝\n');
    expect((await run(['words', 'frob'])).code).toBe(2);
    expect((await run(['words', 'add'])).code).toBe(2);
    await run(['keywords', 'add', 'Kubernetes']);
    expect(await redis.smembers(`${prefix}:slow_keywords`)).toEqual(['kubernetes']);
    const audit = jsonLines((await run(['audit', '--json', '-n', '100'])).stdout);
    expect(audit.filter((a) => a.action === 'add').map((a) => a.field)).toContain('twitch:some_troll');
    expect(audit.find((a) => a.action === 'remove' && a.field === 'spam')).toMatchObject({ old: 'spam', new: null });
  });

  it('explain routes the source article question slow and "hi" nowhere, with score and reasons', async () => {
    const { run } = setup();
    const article = await run(['explain', ARTICLE_QUESTION, '--json']);
    expect(article.code).toBe(0);
    const a = JSON.parse(article.stdout) as Record<string, unknown>;
    expect(a).toMatchObject({ answer: true, route: 'slow', model: 'gpt-oss:120b', band: 'slow' });
    expect(a.score).toBeGreaterThanOrEqual(0.6);
    expect((a.rules as unknown[]).length).toBeGreaterThan(0);
    expect(a.reasons).toEqual(expect.arrayContaining([expect.stringMatching(/score .* ≥ slow_threshold 0.6/)]));
    const hi = JSON.parse((await run(['explain', 'hi', '--json'])).stdout) as Record<string, unknown>;
    expect(hi.answer === false || hi.route === 'fast').toBe(true);
    expect(hi.route).not.toBe('slow');
    const text = await run(['explain', ARTICLE_QUESTION]);
    expect(text.stdout).toMatch(/^answer: yes, slow route \(gpt-oss:120b\)/);
    expect(text.stdout).toContain('score');
    expect((await run(['explain'])).code).toBe(2);
  });

  it('explain shows the "is this for me?" rules: chat aimed at the mods is not answered and never slow, the same question to her is', async () => {
    const { run } = setup();
    const rant = 'mods why are you banning people for asking how the matchmaking algorithm works? explain the differences between the ranks in detail?';
    const r = JSON.parse((await run(['explain', rant, '--json'])).stdout) as Record<string, unknown>;
    expect(r).toMatchObject({ answer: false, route: 'none', skip: 'not_for_me', audience: { forMe: false } });
    expect((r.audience as { rules: { name: string }[] }).rules.map((x) => x.name)).toContain('to_mods');
    const text = await run(['explain', rant]);
    expect(text.stdout).toMatch(/^answer: no \(not_for_me\)/);
    expect(text.stdout).toMatch(/audience: NOT for the character \(score \d\.\d\d ≥ 0\.5; never slow\)/);
    expect(text.stdout).toMatch(/audience rule to_mods \+0\.6/);
    const toHer = JSON.parse((await run(['explain', rant.replace(/^mods why are you/, 'Botan, why are the mods'), '--json'])).stdout) as Record<string, unknown>;
    expect(toHer).toMatchObject({ answer: true, route: 'slow', audience: { forMe: true } });
  });

  it('explain --stdin prints one JSON object per comment, and follows the live controls', async () => {
    const { run, redis, prefix } = setup();
    const out = await run(['explain', '--stdin', '--user', 'twitch:Viewer1'], { stdin: `hi\n${ARTICLE_QUESTION}\n\n牡丹ちゃん、元気？\n` });
    expect(out.code).toBe(0);
    const lines = jsonLines(out.stdout);
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => l.text)).toEqual(['hi', ARTICLE_QUESTION, '牡丹ちゃん、元気？']);
    expect(lines[1]).toMatchObject({ answer: true, route: 'slow' });
    expect(lines[2]).toMatchObject({ answer: true, route: 'fast', trigger: { mention: true } });
    for (const l of lines) expect(l).toEqual(expect.objectContaining({ answer: expect.any(Boolean), route: expect.stringMatching(/^(fast|slow|none)$/), score: expect.any(Number), reasons: expect.any(Array) }));

    await redis.hset(`${prefix}:routing`, 'mode', 'fast');
    expect(JSON.parse((await run(['explain', ARTICLE_QUESTION, '--json'])).stdout)).toMatchObject({ answer: true, route: 'fast', model: 'qwen2.5:14b' });
    await redis.sadd(`${prefix}:blocked_users`, 'twitch:viewer1');
    expect(JSON.parse((await run(['explain', ARTICLE_QUESTION, '--json', '--user', 'twitch:Viewer1'])).stdout)).toMatchObject({ answer: false, route: 'none', skip: 'blocked_user' });
    await redis.hset(`${prefix}:routing`, 'mode', 'off');
    const paused = await run(['explain', ARTICLE_QUESTION]);
    expect(paused.stdout).toMatch(/^answer: no \(paused\)/);
  });

  it('pending lists held replies with their comment; approve sends one to the outbox once; reject drops one', async () => {
    const { run, redis, prefix } = setup();
    const outbox = new Queue<OutboxJob>(QUEUE.outbox, { connection: { url: REDIS_URL }, prefix });
    cleanups.push(() => outbox.close());
    const job = (id: string): OutboxJob => ({
      comment: { platform: 'twitch', channel: 'somechan', id, author: { id: '7', login: 'viewer', name: 'Viewer', badges: { moderator: false, owner: false, member: false, vip: false, verified: false }, firstMessage: false }, text: `question ${id}?`, kind: 'chat', receivedAt: Date.now() },
      kind: 'answer',
      parts: [`answer to ${id}`],
      route: 'slow',
      model: 'gpt-oss:120b',
      timings: { queueWaitMs: 0, ttftMs: 0, modelMs: 0, totalMs: 0 },
      deadline: Date.now() + 60_000,
    });
    const idA = await holdForApproval(redis, prefix, job('m1'), 300);
    const idB = await holdForApproval(redis, prefix, job('m2'), 300);
    const pending = JSON.parse((await run(['pending', '--json'])).stdout) as { pending: Record<string, unknown>[] };
    expect(pending.pending.map((p) => p.id).sort()).toEqual([idA, idB].sort());
    expect(pending.pending.find((p) => p.id === idA)).toMatchObject({ comment: 'question m1?', reply: 'answer to m1', user: 'Viewer', channel: 'somechan' });
    const text = await run(['pending']);
    expect(text.stdout).toContain('Viewer: question m1?');
    expect(text.stdout).toContain('→ answer to m1');

    const ok = await run(['approve', idA]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('approved');
    const twice = await run(['approve', idA]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('botctl pending');
    const jobs = await outbox.getJobs(['waiting', 'prioritized']);
    expect(jobs.map((j) => [j.data.comment.id, j.data.approved])).toEqual([['m1', true]]);
    expect((await run(['reject', idB])).code).toBe(0);
    expect((await run(['reject', idB])).code).toBe(1);
    expect((await run(['approve'])).code).toBe(2);
    expect(JSON.parse((await run(['pending', '--json'])).stdout)).toEqual({ pending: [] });
    expect(jsonLines((await run(['audit', '--json'])).stdout).map((a) => a.action)).toEqual(['approve', 'reject']);
  });

  it('status shows settings with sources, queues, live workers and replies in the last minute per route', async () => {
    const { run, redis, prefix } = setup();
    await redis.hset(`${prefix}:routing`, 'mode', 'fast');
    await redis.hset(`${prefix}:routing:twitch:somechan`, 'trigger', 'all');
    const comments = new Queue(QUEUE.comments, { connection: { url: REDIS_URL }, prefix });
    cleanups.push(() => comments.close());
    await comments.add('comment', { any: 1 });
    await redis.set(heartbeatKey(prefix, 'fast', 'hostA', 111), JSON.stringify({ role: 'fast', host: 'hostA', pid: 111, startedAt: Date.now(), at: Date.now() }), 'EX', 15);
    await redis.set(heartbeatKey(prefix, 'gateway', 'hostA', 112), JSON.stringify({ role: 'gateway', host: 'hostA', pid: 112, startedAt: Date.now(), at: Date.now() }), 'EX', 15);
    const ev = { platform: 'twitch', channel: 'somechan' } as const;
    await recordEvent(redis, prefix, { ...ev, type: 'comment', id: 'a' });
    await recordEvent(redis, prefix, { ...ev, type: 'reply', id: 'a', route: 'fast', model: 'qwen2.5:14b', latency_ms: 1000 });
    await recordEvent(redis, prefix, { ...ev, type: 'reply', id: 'b', route: 'fast', model: 'qwen2.5:14b', latency_ms: 3000 });
    await recordEvent(redis, prefix, { ...ev, type: 'reply', id: 'c', route: 'slow', model: 'gpt-oss:120b', latency_ms: 40000 });

    const r = await run(['status', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as Record<string, any>;
    expect(s.global.settings.mode).toBe('fast');
    expect(s.global.sources.mode).toBe('global');
    expect(s.channels).toEqual([expect.objectContaining({ scope: 'twitch:somechan', overrides: { trigger: 'all' } })]);
    expect(s.channels[0].sources.trigger).toBe('channel');
    expect(s.queues.comments).toMatchObject({ waiting: 1, active: 0 });
    expect(s.queues.comments.oldestWaitingMs).toBeGreaterThanOrEqual(0);
    expect(s.queues.slow).toMatchObject({ waiting: 0, oldestWaitingMs: null });
    expect(s.workers.map((w: { role: string; pid: number }) => `${w.role}:${w.pid}`).sort()).toEqual(['fast:111', 'gateway:112']);
    expect(s.lastMinute.replies).toEqual({ fast: { replies: 2, avgLatencyMs: 2000 }, slow: { replies: 1, avgLatencyMs: 40000 } });
    const text = await run(['status']);
    expect(text.stdout).toMatch(/mode\s+fast\s+\(global\)/);
    expect(text.stdout).toMatch(/twitch:somechan: overrides trigger/);
    expect(text.stdout).toMatch(/comments\s+waiting\s+1/);
    expect(text.stdout).toContain('workers alive:');
    expect(text.stdout).toContain('fast 2 (avg 2.0s)');
  });

  it('tail follows the event stream and exits cleanly on SIGINT', async () => {
    const { redis, prefix } = setup();
    const ev = { platform: 'twitch', channel: 'somechan' } as const;
    await recordEvent(redis, prefix, { ...ev, type: 'comment', id: 'x1' });
    const child = spawn(process.execPath, [BIN, 'tail', '--json', '-n', '5'], { cwd: ROOT, env: baseEnv(prefix) });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    cleanups.push(() => child.kill('SIGKILL'));
    await until(() => jsonLines(out).length >= 1, 15_000, 'the recorded event');
    await recordEvent(redis, prefix, { ...ev, type: 'reply', id: 'x1', route: 'slow', model: 'gpt-oss:120b', latency_ms: 31000 });
    await until(() => jsonLines(out).length >= 2, 10_000, 'the new event');
    expect(jsonLines(out).map((l) => [l.type, l.route ?? null])).toEqual([
      ['comment', null],
      ['reply', 'slow'],
    ]);
    expect(jsonLines(out)[1]).toMatchObject({ model: 'gpt-oss:120b', latency_ms: '31000' });
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('needs no platform settings; bad Redis settings exit 1 or 2 with what to do', async () => {
    const { run } = setup();
    // Twitch half-configured (no token): the bot would refuse to start, botctl does not care
    const r = await run(['get', 'mode'], { env: { TWITCH_USERNAME: 'botan_bot', TWITCH_CHANNELS: 'x' } });
    expect(r.code).toBe(0);
    const port = await freePort();
    const down = await run(['get'], { env: { REDIS_URL: `redis://:secretpw@127.0.0.1:${port}` } });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach Redis');
    expect(down.stderr).not.toContain('secretpw');
    const badPrefix = await run(['get'], { env: { REDIS_PREFIX: 'has space' } });
    expect(badPrefix.code).toBe(2);
    expect(badPrefix.stderr).toContain('REDIS_PREFIX');
  });
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}
