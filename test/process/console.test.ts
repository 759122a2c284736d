import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama.js';
import { dropPrefix, REDIS_URL, uniquePrefix, until } from '../helpers/redis.js';
import { cleanEnv, ROOT, run } from '../helpers/spawn.js';

let ollama: FakeOllama;
const prefix = uniquePrefix('console');
const userOf = (r: { messages: { role: string; content: string }[] }) => r.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';

beforeAll(async () => {
  ollama = await startFakeOllama({
    reply: (req) => {
      const u = userOf(req);
      if (req.model === 'gpt-oss:120b') return { thinking: 'compare them', content: 'RAGは検索が柔軟、イベント記憶は時系列に強いよ！' };
      if (u.includes('LONG')) return { content: `${'First part of a long answer. '.repeat(14)}${'Second part goes on. '.repeat(14)}` };
      return { content: u.includes('500') ? 'スパチャありがとう！' : 'やっほー！元気だよ！' };
    },
  });
});
afterAll(async () => {
  await ollama.close();
  await dropPrefix(prefix);
});

describe('console chat', () => {
  it('in a terminal: prompt, /as, replies with route and model beside them, Ctrl-D leaves', async () => {
    // `script` gives the bot a real pseudo-terminal, as when a streamer runs npm start
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(cleanEnv({ REDIS_URL, REDIS_PREFIX: prefix, OLLAMA_HOST: ollama.host, LOG_LEVEL: 'warn' }))) if (v !== undefined) env[k] = v;
    const child = spawn('script', ['-qfec', `${process.execPath} --import tsx workers/main.ts`, '/dev/null'], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    try {
      await until(() => out.includes('viewer> '), 45_000, 'the prompt').catch((e) => {
        throw new Error(`${(e as Error).message}; terminal so far: ${JSON.stringify(out.slice(-500))}`);
      });
      expect(out).toContain('/as <name>');
      child.stdin.write('/as alice\r');
      await until(() => out.includes('alice> '), 10_000, 'the new viewer name');
      child.stdin.write('牡丹ちゃん元気？\r');
      await until(() => out.includes('やっほー！元気だよ！'), 20_000, 'the reply');
      expect(out).toMatch(/@alice やっほー！元気だよ！.*fast · qwen2\.5:14b/);
      child.stdin.write('\x04');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 120_000);

  it('over a pipe with --console: /as, /paid, slow and long answers, each reply one line', async () => {
    const r = await run('npm', ['start', '--silent', '--', '--console'], {
      env: cleanEnv({ REDIS_URL, REDIS_PREFIX: prefix, OLLAMA_HOST: ollama.host, LOG_LEVEL: 'info' }),
      input: [
        '/as bob',
        '/paid 500 いつも応援してます',
        '/as carol',
        'AI VTuberの記憶にはRAGとイベントベースの記憶システムのどちらが良いと思いますか？それぞれのメリット・デメリットを教えてください。',
        '/as dave',
        'can you give me a LONG answer?',
        '',
      ].join('\n'),
      timeoutMs: 90_000,
    });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    // stdout: the two answers, one line each; the acknowledgement of the slow question is a note on stderr
    expect(lines).toHaveLength(3);
    expect(lines).toEqual(expect.arrayContaining(['RAGは検索が柔軟、イベント記憶は時系列に強いよ！', 'スパチャありがとう！']));
    // an answer longer than one Twitch message is still one line here
    expect(lines.find((l) => l.startsWith('First part'))).toMatch(/Second part goes on\.$/);
    expect(r.stderr).toContain('@carol');
    expect(r.stdout).not.toContain('compare them');
    const paidReq = ollama.requests.find((q) => userOf(q).includes('いつも応援'));
    expect(userOf(paidReq!)).toContain('bob');
    expect(userOf(paidReq!)).toMatch(/500/);
  }, 120_000);

  it('a follow-up works in console chat, and /as switches to a viewer who has no thread (memory)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts', '--console'], {
      cwd: ROOT,
      env: cleanEnv({ REDIS_URL, REDIS_PREFIX: `${prefix}-thread`, OLLAMA_HOST: ollama.host, LOG_LEVEL: 'warn' }) as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    const answers = () => out.trim().split('\n').filter(Boolean).length;
    try {
      child.stdin.write('/as mika\n牡丹ちゃん、好きなゲームは？\n');
      await until(() => answers() >= 1, 45_000, 'the first answer');
      child.stdin.write('why?\n');
      await until(() => answers() >= 2, 20_000, 'the follow-up answer');
      child.stdin.write('/as ren\nwhy not?\n');
      await until(() => answers() >= 3, 20_000, "another viewer's answer");
      child.stdin.end();
      expect(await exited).toBe(0);
      const byComment = (t: string) => ollama.requests.filter((q) => userOf(q).endsWith(JSON.stringify(t)));
      const why = byComment('why?').at(-1)!;
      expect(userOf(why)).toContain(JSON.stringify('牡丹ちゃん、好きなゲームは？'));
      expect(userOf(why)).toContain(JSON.stringify('やっほー！元気だよ！'));
      expect(userOf(byComment('why not?').at(-1)!)).not.toContain('好きなゲーム');
    } finally {
      child.kill('SIGKILL');
      await dropPrefix(`${prefix}-thread`);
    }
  }, 120_000);
});
