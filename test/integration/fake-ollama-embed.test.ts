/**
 * The fake Ollama's /api/embed answers as Ollama's EmbedHandler does (docs/api.md, "Generate
 * Embeddings"), over a real socket with plain fetch: what retrieval is tested against must
 * be what a real server would send.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_DEFAULT_MODELS, startFakeOllama, type FakeOllama } from '../fakes/ollama.js';

let fake: FakeOllama;
beforeAll(async () => {
  fake = await startFakeOllama({ models: { ...FAKE_DEFAULT_MODELS, 'nomic-embed-text': { capabilities: ['embedding'], embeddingLength: 768, contextLength: 64 } } });
});
afterAll(() => fake.close());

async function post(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${fake.host}/api/embed`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('fake /api/embed', () => {
  it('embeds a string: model, one unit vector, durations in ns, prompt_eval_count', async () => {
    const { status, json } = await post({ model: 'nomic-embed-text', input: 'why is the sky blue?' });
    expect(status).toBe(200);
    expect(json).toMatchObject({ model: 'nomic-embed-text', prompt_eval_count: expect.any(Number) });
    expect(Number.isInteger(json.total_duration)).toBe(true);
    expect(Number.isInteger(json.load_duration)).toBe(true);
    const [v] = json.embeddings as number[][];
    expect(v).toHaveLength(768);
    expect(Math.hypot(...v!)).toBeCloseTo(1, 5);
  });

  it('embeds an array in order, and an empty input gives no embeddings', async () => {
    const two = await post({ model: 'nomic-embed-text', input: ['a cat', 'a dog'] });
    expect(two.json.embeddings as number[][]).toHaveLength(2);
    const one = await post({ model: 'nomic-embed-text', input: 'a dog' });
    expect((two.json.embeddings as number[][])[1]).toEqual((one.json.embeddings as number[][])[0]);
    for (const input of ['', []]) expect((await post({ model: 'nomic-embed-text', input })).json.embeddings).toEqual([]);
  });

  it('dimensions keeps the first n components, normalised again', async () => {
    // Many words, so that some land in the first 256 of the fake's sparse 768 components.
    const input = Array.from({ length: 30 }, (_, i) => `w${i}`).join(' ');
    const { json } = await post({ model: 'nomic-embed-text', input, dimensions: 256 });
    const [v] = json.embeddings as number[][];
    expect(v).toHaveLength(256);
    expect(Math.hypot(...v!)).toBeCloseTo(1, 5);
  });

  it('cuts an input longer than the context, or refuses it with truncate: false', async () => {
    const long = Array.from({ length: 100 }, (_, i) => `w${i}`).join(' ');
    const cut = await post({ model: 'nomic-embed-text', input: long });
    expect(cut.status).toBe(200);
    expect(cut.json.prompt_eval_count).toBe(64);
    expect(await post({ model: 'nomic-embed-text', input: long, truncate: false })).toEqual({ status: 400, json: { error: 'the input length exceeds the context length' } });
  });

  it.each([
    ['an unknown model', { model: 'bge-m3', input: 'x' }, 404, 'model "bge-m3" not found, try pulling it first'],
    ['no model', { input: 'x' }, 400, 'model is required'],
    ['a number as input', { model: 'nomic-embed-text', input: 5 }, 400, 'invalid input type'],
    ['a number inside the input array', { model: 'nomic-embed-text', input: ['a', 5] }, 400, 'invalid input type'],
    ['an empty body', '', 400, 'missing request body'],
  ])('answers %s with the status and error text Ollama uses', async (_n, body, status, error) => {
    expect(await post(body)).toEqual({ status, json: { error } });
  });

  it('records each request as it reached the socket', async () => {
    const before = fake.embedRequests.length;
    await post({ model: 'nomic-embed-text', input: ['x'], keep_alive: '5m', truncate: true });
    expect(fake.embedRequests.slice(before)).toMatchObject([{ model: 'nomic-embed-text', input: ['x'], keep_alive: '5m', truncate: true }]);
  });
});
