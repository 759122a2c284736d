/**
 * Console chat is for trying the character (issue 21): the moderators' controls reach a
 * running console (`botctl set` while it runs), there is no cooldown and no duplicate
 * detection by default, and every line that gets no answer gets a one-line reason.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama.js';
import { dropPrefix, newRedis, REDIS_URL, uniquePrefix, until } from '../helpers/redis.js';
import { cleanEnv, ROOT } from '../helpers/spawn.js';

let ollama: FakeOllama;
const prefix = uniquePrefix('console-live');
const redis = newRedis();
const userOf = (r: { messages: { role: string; content: string }[] }) => r.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';

beforeAll(async () => {
  ollama = await startFakeOllama({ reply: (req) => ({ content: `はーい：${userOf(req).slice(-12)}` }) });
});
afterAll(async () => {
  await ollama.close();
  await redis.del(`${prefix}:routing`);
  await dropPrefix(prefix);
  redis.disconnect();
});

function startConsole(): { child: ChildProcessWithoutNullStreams; out: () => string[]; err: () => string } {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(cleanEnv({ REDIS_URL, REDIS_PREFIX: prefix, OLLAMA_HOST: ollama.host, LOG_LEVEL: 'error' }))) if (v !== undefined) env[k] = v;
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts', '--console'], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, out: () => stdout.split('\n').filter(Boolean), err: () => stderr };
}

describe('console chat with live controls', () => {
  it('no cooldown or dedup by default; botctl changes reach it while it runs; unanswered lines say why', async () => {
    const c = startConsole();
    try {
      const say = (line: string) => c.child.stdin.write(`${line}\n`);
      say('牡丹ちゃん、好きな食べ物は？');
      await until(() => c.out().length >= 1, 45_000, 'the first answer');
      // the same viewer right away (a live channel's 30 s cooldown would hold it), and the same text again
      say('牡丹ちゃん、好きな色は？');
      await until(() => c.out().length >= 2, 15_000, 'the second answer (no cooldown)');
      say('牡丹ちゃん、好きな色は？');
      await until(() => c.out().length >= 3, 15_000, 'the repeated line answered (no dedup)');
      // a moderator pauses the bot while the console runs
      await redis.hset(`${prefix}:routing`, 'mode', 'off');
      await new Promise((r) => setTimeout(r, 1_200));
      say('牡丹ちゃん、聞こえる？');
      await until(() => /not answered.*paused/i.test(c.err()), 15_000, 'a reason for the paused line');
      expect(c.out()).toHaveLength(3);
      // and back on, with a trigger that needs the character's name
      await redis.hset(`${prefix}:routing`, { mode: 'auto', trigger: 'mention' });
      await new Promise((r) => setTimeout(r, 1_200));
      say('what game is this?');
      await until(() => /not answered.*(name|mention)/i.test(c.err()), 15_000, 'a reason for the line that does not address the character');
      const reasons = c.err().split('\n').filter((l) => /not answered/i.test(l));
      expect(reasons).toHaveLength(2);
      for (const r of reasons) expect(r.length).toBeLessThan(200);
      expect(c.out()).toHaveLength(3);
    } finally {
      c.child.stdin.end();
      c.child.kill('SIGKILL');
    }
  }, 120_000);
});
