/**
 * The Ollama client against the fake Ollama over real sockets: what reached the fake's
 * socket, what the caller gets back, which named error a fault becomes, and that nothing is
 * left running afterwards.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createOllamaClient } from '../../src/llm/ollama-client.js';
import {
  AbortedError,
  ModelHttpError,
  ModelNotFoundError,
  ModelTimeoutError,
  OllamaUnreachableError,
  StreamCutError,
} from '../../src/llm/errors.js';
import type { ChatRequest } from '../../src/llm/types.js';
import { fakeTokens, startFakeOllama, type FakeOllama, type FakeOllamaOptions } from '../fakes/ollama.js';

const FAST = 'qwen2.5:14b';
const SLOW = 'gpt-oss:120b';

let fake: FakeOllama | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function logSink() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, logger: pino({ level: 'debug' }, stream).child({ component: 'ollama' }) };
}

async function setup(opts: FakeOllamaOptions = {}) {
  fake = await startFakeOllama(opts);
  const sink = logSink();
  const client = createOllamaClient({ host: fake.host, logger: sink.logger });
  return { fake, client, lines: sink.lines };
}

function req(model: string, text: string, extra: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model,
    messages: [
      { role: 'system', content: 'You are Botan, a cheerful VTuber. Answer in one short sentence.' },
      { role: 'user', content: text },
    ],
    numCtx: 4096,
    keepAlive: '30m',
    firstTokenTimeoutMs: 2_000,
    totalTimeoutMs: 10_000,
    ...extra,
  };
}

async function until(cond: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to fail');
}

describe('ollama client: answers', () => {
  it.each([
    ['English', 'Hello Botan, how are you today?'],
    ['Japanese', '牡丹ちゃん、今日の配信は何時まで？'],
    ['emoji and ZWJ', 'hi 👩‍👩‍👧‍👦 and 👋🏽!'],
    ['RTL', 'مرحبا بوتان، كيف حالك؟'],
  ])('streams a %s answer and reassembles it exactly', async (_name, text) => {
    const { fake, client } = await setup({ reply: () => ({ content: `Sure! ${text}` }) });
    const chunks: string[] = [];
    const res = await client.chat(req(FAST, text, { onContent: (s) => void chunks.push(s) }));
    expect(res.content).toBe(`Sure! ${text}`);
    expect(res.done).toBe(true);
    expect(res.stoppedEarly).toBe(false);
    expect(res.doneReason).toBe('stop');
    expect(res.evalCount).toBe(fakeTokens(`Sure! ${text}`).length);
    expect(chunks.length).toBe(res.evalCount);
    expect(res.promptEvalCount).toBeGreaterThan(0);
    expect(res.ttftMs).toBeGreaterThanOrEqual(15);
    expect(res.modelMs).toBeGreaterThanOrEqual(res.ttftMs);
    const sent = fake.requests[0]!;
    expect(sent.stream).toBe(true);
    expect(sent.keep_alive).toBe('30m');
    expect(sent.options).toEqual({ num_ctx: 4096 });
    expect(sent.messages[1]).toEqual({ role: 'user', content: text });
  });

  it('sends think to a thinking model and keeps its reasoning apart from the answer', async () => {
    const { fake, client } = await setup({
      reply: () => ({ thinking: 'The viewer asks about memory. Compare RAG and events.', content: 'RAG is flexible; events are cheaper.' }),
    });
    const first = await client.chat(req(SLOW, 'RAG or events?', { think: 'high' }));
    const second = await client.chat(req(SLOW, 'and for a small stream?', { think: 'low' }));
    expect(first.thinking).toBe('The viewer asks about memory. Compare RAG and events.');
    expect(first.content).toBe('RAG is flexible; events are cheaper.');
    expect(first.content).not.toContain('Compare');
    expect(second.done).toBe(true);
    expect(fake.requests.map((r) => r.think)).toEqual(['high', 'low']);
    // capabilities are asked once per model, then cached
    expect(fake.showRequests).toEqual([SLOW]);
  });

  it('never sends think to qwen2.5 (which would answer HTTP 400)', async () => {
    const { fake, client } = await setup();
    const res = await client.chat(req(FAST, 'why is the sky blue?', { think: 'medium' }));
    expect(res.content).toBe('You said: why is the sky blue?');
    expect(fake.requests[0]!.raw).not.toHaveProperty('think');
  });

  it('passes options and format through, num_ctx from the request', async () => {
    const { fake, client } = await setup({ reply: () => ({ content: '{"complex":true}' }) });
    const format = { type: 'object', properties: { complex: { type: 'boolean' } } };
    const res = await client.chat(req(FAST, 'classify', { format, options: { temperature: 0 }, numCtx: 2048 }));
    expect(JSON.parse(res.content)).toEqual({ complex: true });
    expect(fake.requests[0]!.format).toEqual(format);
    expect(fake.requests[0]!.options).toEqual({ num_ctx: 2048, temperature: 0 });
  });

  it('reports done_reason length when num_predict cuts the answer', async () => {
    const { client } = await setup({ reply: () => ({ content: 'one two three four five six seven eight' }) });
    const res = await client.chat(req(FAST, 'count', { options: { num_predict: 3 } }));
    expect(res.doneReason).toBe('length');
    expect(res.evalCount).toBe(3);
  });

  it('logs one debug line per call with timings and token counts, never the chat text', async () => {
    const { fake, client, lines } = await setup({ reply: () => ({ content: 'secret answer text' }) });
    await client.chat(req(FAST, 'private viewer text'));
    const line = lines.find((l) => l.msg === 'model call finished');
    expect(line).toMatchObject({ component: 'ollama', host: fake.host, model: FAST, doneReason: 'stop', stoppedEarly: false, level: 20 });
    expect(typeof line!.promptEvalCount).toBe('number');
    expect(JSON.stringify(lines)).not.toMatch(/private viewer text|secret answer text/);
  });

  it('the fake reuses a cached prompt prefix: the second call evaluates only the new tokens', async () => {
    const { client } = await setup();
    const a = await client.chat(req(FAST, 'first question from a viewer'));
    const b = await client.chat(req(FAST, 'second'));
    expect(b.promptEvalCount!).toBeLessThan(a.promptEvalCount!);
    expect(b.promptEvalCount!).toBeLessThanOrEqual(fakeTokens('second').length + 3);
  });

  it('the fake serves at most `parallel` requests per model at once; the rest wait for a slot', async () => {
    const { fake, client } = await setup({ parallel: 1, ttftMs: 100, reply: () => ({ content: 'ok' }) });
    const t0 = performance.now();
    const p = [client.chat(req(FAST, 'a')), client.chat(req(FAST, 'b'))];
    await until(() => fake.load(FAST).waiting === 1);
    const [x, y] = await Promise.all(p);
    // the one served second waited for the first one's whole answer before its own 100 ms
    expect(Math.min(x!.ttftMs, y!.ttftMs)).toBeGreaterThanOrEqual(95);
    expect(Math.max(x!.ttftMs, y!.ttftMs)).toBeGreaterThanOrEqual(195);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(195);
    expect(fake.load(FAST)).toEqual({ active: 0, waiting: 0 });
  });

  it('lists the models the host has', async () => {
    const { client } = await setup();
    expect(await client.listModels()).toEqual([FAST, SLOW]);
  });
});

describe('ollama client: stopping and aborting', () => {
  it('stops the stream when onContent says the reply is full: fewer tokens are generated', async () => {
    const long = 'word '.repeat(200);
    const { fake, client } = await setup({ tokensPerSec: 200, reply: () => ({ content: long }) });
    const res = await client.chat(req(FAST, 'talk a lot', { onContent: (s) => s.length >= 40 }));
    expect(res.stoppedEarly).toBe(true);
    expect(res.done).toBe(false);
    expect(res.content.length).toBeGreaterThanOrEqual(40);
    expect(res.content.length).toBeLessThan(60);
    await until(() => fake.stats.abortedStreams === 1);
    expect(fake.stats.completedStreams).toBe(0);
    expect(fake.stats.generatedTokens).toBeLessThan(fakeTokens(long).length / 2);
    expect(fake.stats.plannedTokens).toBe(fakeTokens(long).length);
    expect(fake.load(FAST).active).toBe(0);
  });

  it('a first token that never comes: ModelTimeoutError(first_token), and the slot is freed', async () => {
    const { fake, client } = await setup({ reply: () => ({ content: 'x', fault: 'never_first_token' }) });
    const t0 = performance.now();
    const err = await failure(client.chat(req(FAST, 'hello?', { firstTokenTimeoutMs: 200 })));
    expect(err).toBeInstanceOf(ModelTimeoutError);
    expect(err).toMatchObject({ code: 'BOT_ERR_MODEL_TIMEOUT', phase: 'first_token', retryable: true });
    expect(err.message).toMatch(/no first token within 200 ms/);
    expect(performance.now() - t0).toBeLessThan(1_500);
    await until(() => fake.stats.abortedStreams === 1 && fake.load(FAST).active === 0);
  });

  it('thinking counts as the first token', async () => {
    const { client } = await setup({ tokensPerSec: 50, reply: () => ({ thinking: 'hmm '.repeat(30), content: 'done' }) });
    const res = await client.chat(req(SLOW, 'think first', { think: 'medium', firstTokenTimeoutMs: 300 }));
    expect(res.content).toBe('done');
    expect(res.ttftMs).toBeLessThan(300);
    expect(res.modelMs).toBeGreaterThan(500);
  });

  it('an answer slower than the total timeout: ModelTimeoutError(total)', async () => {
    const { fake, client } = await setup({ tokensPerSec: 20, reply: () => ({ content: 'slow '.repeat(100) }) });
    const err = await failure(client.chat(req(FAST, 'slow one', { firstTokenTimeoutMs: 500, totalTimeoutMs: 800 })));
    expect(err).toBeInstanceOf(ModelTimeoutError);
    expect(err).toMatchObject({ phase: 'total', retryable: true });
    await until(() => fake.stats.abortedStreams === 1);
  });

  it("the job's signal aborts the stream: AbortedError (retryable elsewhere)", async () => {
    const { fake, client } = await setup({ tokensPerSec: 50, reply: () => ({ content: 'long '.repeat(100) }) });
    const job = new AbortController();
    setTimeout(() => job.abort(), 150);
    const err = await failure(client.chat(req(FAST, 'abort me', { signal: job.signal })));
    expect(err).toBeInstanceOf(AbortedError);
    expect(err).toMatchObject({ code: 'BOT_ERR_ABORTED', retryable: true });
    await until(() => fake.stats.abortedStreams === 1);
  });

  it('an already aborted signal sends nothing', async () => {
    const { fake, client } = await setup();
    const job = new AbortController();
    job.abort();
    expect(await failure(client.chat(req(FAST, 'x', { signal: job.signal })))).toBeInstanceOf(AbortedError);
    expect(fake.requests).toHaveLength(0);
  });

  it('aborting while waiting for a busy slot leaves the line at once', async () => {
    const { fake, client } = await setup({ parallel: 1, tokensPerSec: 50, reply: () => ({ content: 'busy '.repeat(20) }) });
    const busy = client.chat(req(FAST, 'occupy the slot'));
    await until(() => fake.load(FAST).active === 1);
    const job = new AbortController();
    const waiting = client.chat(req(FAST, 'queued', { signal: job.signal }));
    await until(() => fake.load(FAST).waiting === 1);
    job.abort();
    expect(await failure(waiting)).toBeInstanceOf(AbortedError);
    await until(() => fake.load(FAST).waiting === 0);
    expect((await busy).done).toBe(true);
  });
});

describe('ollama client: faults become named errors', () => {
  it('connection refused: OllamaUnreachableError, and calls work again once Ollama is back', async () => {
    const { fake, client } = await setup();
    await fake.down();
    const err = await failure(client.chat(req(FAST, 'anyone?')));
    expect(err).toBeInstanceOf(OllamaUnreachableError);
    expect(err).toMatchObject({ code: 'BOT_ERR_OLLAMA_UNREACHABLE', retryable: true });
    expect(err.message).toContain(fake.host);
    expect(err.message).toContain('ollama serve');
    expect(await failure(client.listModels())).toBeInstanceOf(OllamaUnreachableError);
    await fake.up();
    expect((await client.chat(req(FAST, 'back?'))).content).toBe('You said: back?');
  });

  it("HTTP 500 with an error body: ModelHttpError, retryable, carrying Ollama's text", async () => {
    const { client } = await setup({ reply: () => ({ fault: 'http500', errorMessage: 'llama runner process has terminated: signal: killed' }) });
    const err = await failure(client.chat(req(FAST, 'boom')));
    expect(err).toBeInstanceOf(ModelHttpError);
    expect(err).toMatchObject({ code: 'BOT_ERR_OLLAMA_HTTP', status: 500, retryable: true });
    expect(err.message).toContain('llama runner process has terminated: signal: killed');
  });

  it('a thinking model other than gpt-oss gets think: true (levels are for gpt-oss only)', async () => {
    const { fake, client } = await setup({
      models: { 'qwen3:8b': { capabilities: ['completion', 'thinking'] } },
      reply: () => ({ thinking: 'short thought', content: 'answer' }),
    });
    const res = await client.chat(req('qwen3:8b', 'think?', { think: 'high' }));
    expect(fake.requests[0]!.think).toBe(true);
    expect(res).toMatchObject({ thinking: 'short thought', content: 'answer', done: true });
  });

  it.each([
    ['fast model, no think (404 from /api/chat)', 'qwen9:1b', undefined],
    ['slow model with think (404 from /api/show)', 'gpt-oss:999b', 'high' as const],
  ])('unknown model, %s: ModelNotFoundError telling to ollama pull', async (_n, model, think) => {
    const { client } = await setup();
    const err = await failure(client.chat(req(model, 'hi', think ? { think } : {})));
    expect(err).toBeInstanceOf(ModelNotFoundError);
    expect(err).toMatchObject({ code: 'BOT_ERR_MODEL_NOT_FOUND', retryable: false });
    expect(err.message).toContain(`ollama pull ${model}`);
  });

  it.each(['cut_mid_stream', 'close_socket', 'bad_json_line'] as const)('%s before done: StreamCutError, no partial answer', async (fault) => {
    const { client } = await setup({ reply: () => ({ content: 'a fairly long answer that will not arrive whole', fault }) });
    const seen: string[] = [];
    const err = await failure(client.chat(req(FAST, 'cut', { onContent: (s) => void seen.push(s) })));
    expect(err).toBeInstanceOf(StreamCutError);
    expect(err).toMatchObject({ code: 'BOT_ERR_STREAM_CUT', retryable: true });
    expect(seen.length).toBeGreaterThan(0);
  });

  it('an error thrown by onContent reaches the caller unchanged and the stream is closed', async () => {
    const { fake, client } = await setup({ tokensPerSec: 100, reply: () => ({ content: 'word '.repeat(50) }) });
    const bug = new RangeError('caller bug');
    const err = await failure(
      client.chat(
        req(FAST, 'x', {
          onContent: () => {
            throw bug;
          },
        }),
      ),
    );
    expect(err).toBe(bug);
    await until(() => fake.stats.abortedStreams === 1);
  });
});

describe('fake Ollama: the wire as Ollama sends it', () => {
  const post = (host: string, path: string, body: unknown) =>
    fetch(`${host}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('streams NDJSON chunks and a final chunk with stats in nanoseconds; stream defaults to true', async () => {
    const { fake } = await setup({ reply: () => ({ thinking: 'hmm', content: 'hi there' }) });
    const res = await post(fake.host, '/api/chat', { model: SLOW, messages: [{ role: 'user', content: 'hi' }], think: 'low' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines[0]!.message).toEqual({ role: 'assistant', content: '' });
    expect(lines[1]!.message).toEqual({ role: 'assistant', content: '', thinking: 'hmm' });
    expect(lines.slice(1, -1).map((l) => l.message.thinking ?? l.message.content).join('')).toBe('hmmhi there');
    const last = lines.at(-1)!;
    expect(last).toMatchObject({ model: SLOW, done: true, done_reason: 'stop', eval_count: lines.length - 2 });
    for (const k of ['total_duration', 'load_duration', 'prompt_eval_count', 'prompt_eval_duration', 'eval_duration']) expect(typeof last[k]).toBe('number');
    expect(last.total_duration).toBeGreaterThan(20e6);
    expect(Number.isNaN(Date.parse(last.created_at))).toBe(false);
  });

  it('answers stream:false with one JSON object holding the whole message', async () => {
    const { fake } = await setup({ reply: () => ({ content: 'whole answer' }) });
    const res = await post(fake.host, '/api/chat', { model: FAST, messages: [{ role: 'user', content: 'hi' }], stream: false });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ message: { role: 'assistant', content: 'whole answer' }, done: true, done_reason: 'stop' });
  });

  it.each([
    [{ model: FAST, messages: [], think: true }, 400, '"qwen2.5:14b" does not support thinking'],
    [{ model: 'nope:1b', messages: [] }, 404, 'model "nope:1b" not found, try pulling it first'],
    [{ messages: [] }, 400, 'model is required'],
  ])('refuses %j with %i and an error body', async (body, status, error) => {
    const { fake } = await setup();
    const res = await post(fake.host, '/api/chat', body);
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ error });
  });

  it('serves /, /api/version, /api/tags and /api/show like Ollama', async () => {
    const { fake } = await setup();
    expect(await (await fetch(`${fake.host}/`)).text()).toBe('Ollama is running');
    expect(await (await fetch(`${fake.host}/api/version`)).json()).toHaveProperty('version');
    const tags = (await (await fetch(`${fake.host}/api/tags`)).json()) as { models: Record<string, any>[] };
    expect(tags.models[0]).toMatchObject({ name: FAST, model: FAST, details: { format: 'gguf', family: 'qwen2' } });
    expect(tags.models[0]!.digest).toMatch(/^[0-9a-f]{64}$/);
    const show = (await (await post(fake.host, '/api/show', { model: SLOW })).json()) as Record<string, any>;
    expect(show.capabilities).toContain('thinking');
    expect(show.details.family).toBe('gptoss');
    expect((await post(fake.host, '/api/show', { model: 'nope' })).status).toBe(404);
  });
});

describe('ollama client: leaves nothing behind', () => {
  it('a process that used the client on every path exits by itself', { timeout: 50_000 }, async () => {
    const root = resolve(import.meta.dirname, '../..');
    const dir = mkdtempSync(join(tmpdir(), 'ollama-client-exit-'));
    const script = join(dir, 'run.mts');
    writeFileSync(
      script,
      `
import { pino } from ${JSON.stringify(join(root, 'node_modules/pino/pino.js'))};
import { createOllamaClient } from ${JSON.stringify(join(root, 'src/llm/ollama-client.ts'))};
import { startFakeOllama } from ${JSON.stringify(join(root, 'test/fakes/ollama.ts'))};
const fake = await startFakeOllama({ tokensPerSec: 100 });
const client = createOllamaClient({ host: fake.host, logger: pino({ level: 'silent' }) });
// long timeouts: a timer left behind would keep the process alive for a minute
const base = { numCtx: 4096, keepAlive: '30m', firstTokenTimeoutMs: 60000, totalTimeoutMs: 60000 };
const msg = (t) => [{ role: 'user', content: t }];
const outcomes = [];
const run = async (name, p) => { try { await p; outcomes.push(name + ':ok'); } catch (e) { outcomes.push(name + ':' + e.code); } };
await run('answer', client.chat({ ...base, model: 'gpt-oss:120b', think: 'low', messages: msg('hi') }));
fake.setReply(() => ({ content: 'word '.repeat(100) }));
await run('early', client.chat({ ...base, model: 'qwen2.5:14b', messages: msg('x'), onContent: (s) => s.length > 10 }));
fake.setReply(() => ({ content: 'x', fault: 'never_first_token' }));
await run('first', client.chat({ ...base, firstTokenTimeoutMs: 100, model: 'qwen2.5:14b', messages: msg('x') }));
fake.setReply(() => ({ content: 'word '.repeat(100) }));
await run('total', client.chat({ ...base, totalTimeoutMs: 150, model: 'qwen2.5:14b', messages: msg('x') }));
const job = new AbortController(); setTimeout(() => job.abort(), 50);
await run('abort', client.chat({ ...base, signal: job.signal, model: 'qwen2.5:14b', messages: msg('x') }));
fake.setReply(() => ({ content: 'a b c d e f', fault: 'close_socket' }));
await run('cut', client.chat({ ...base, model: 'qwen2.5:14b', messages: msg('x') }));
await run('list', client.listModels());
await fake.close();
await run('refused', client.chat({ ...base, model: 'qwen2.5:14b', messages: msg('x') }));
console.log(outcomes.join(' '));
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let errOut = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (errOut += d.toString()));
    const code = await new Promise<number | null>((done) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 40_000);
      child.on('exit', (c) => {
        clearTimeout(kill);
        done(c);
      });
    });
    expect({ code, errOut }).toEqual({ code: 0, errOut: '' });
    expect(out.trim()).toBe(
      'answer:ok early:ok first:BOT_ERR_MODEL_TIMEOUT total:BOT_ERR_MODEL_TIMEOUT abort:BOT_ERR_ABORTED cut:BOT_ERR_STREAM_CUT list:ok refused:BOT_ERR_OLLAMA_UNREACHABLE',
    );
  });
});
