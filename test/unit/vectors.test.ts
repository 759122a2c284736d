import { describe, expect, it } from 'vitest';
import type { Exchange } from '../../src/memory/types.js';
import { cosine, decodeEntry, decodeVector, dot, encodeEntry, encodeVector, normalize, offerTop, readEntryHead, readEntryHeadBuffer } from '../../src/memory/vectors.js';

const ex = (over: Partial<Exchange> = {}): Exchange => ({
  id: 'm1',
  platform: 'twitch',
  channel: 'botan_ch',
  userId: '1001',
  login: 'alice',
  name: 'Alice',
  comment: '猫の名前はミケだよ 🐱',
  answer: 'ミケちゃん、かわいい名前！',
  route: 'fast',
  at: 1_760_000_000_000,
  ...over,
});

describe('cosine', () => {
  it.each([
    ['same direction', [1, 2, 3], [2, 4, 6], 1],
    ['opposite', [1, 0], [-3, 0], -1],
    ['orthogonal', [1, 0, 0], [0, 5, 0], 0],
    ['45 degrees', [1, 0], [1, 1], Math.SQRT1_2],
    ['zero vector', [0, 0], [1, 1], 0],
    ['both zero', [0, 0], [0, 0], 0],
    ['different lengths (other model)', [1, 0, 0], [1, 0], 0],
    ['empty', [], [], 0],
  ])('%s', (_n, a, b, want) => {
    expect(cosine(a, b)).toBeCloseTo(want, 6);
  });

  it('equals the dot product of normalised vectors', () => {
    const a = [0.3, -1.2, 4, 0.01];
    const b = [2, 0.5, -0.7, 3];
    expect(dot(normalize(a), normalize(b))).toBeCloseTo(cosine(a, b), 6);
  });
});

describe('normalize', () => {
  it.each([
    ['3-4-5', [3, 4], [0.6, 0.8]],
    ['already unit', [0, 1, 0], [0, 1, 0]],
    ['zero stays zero', [0, 0, 0], [0, 0, 0]],
    ['NaN gives zeros (matches nothing)', [1, Number.NaN], [0, 0]],
    ['Infinity gives zeros', [Number.POSITIVE_INFINITY, 1], [0, 0]],
  ])('%s', (_n, v, want) => {
    const got = Array.from(normalize(v));
    want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 6));
  });

  it('does not change its input', () => {
    const v = [3, 4];
    normalize(v);
    expect(v).toEqual([3, 4]);
  });
});

describe('encodeVector / decodeVector', () => {
  it.each([
    ['one component', [1]],
    ['negatives and fractions', [-0.5, 0.25, 1e-7, -3.4e38]],
    ['768 dimensions', Array.from({ length: 768 }, (_, i) => Math.sin(i))],
  ])('round-trips %s as Float32', (_n, v) => {
    const back = decodeVector(encodeVector(v))!;
    expect(back.length).toBe(v.length);
    v.forEach((x, i) => expect(back[i]).toBe(Math.fround(x)));
  });

  it('is compact: 4 bytes per component, as base64', () => {
    expect(encodeVector(new Array(768).fill(0.1)).length).toBe(4 * Math.ceil((768 * 4) / 3));
    // Little-endian Float32 1.0 = 00 00 80 3f.
    expect(Buffer.from(encodeVector([1]), 'base64')).toEqual(Buffer.from([0, 0, 0x80, 0x3f]));
  });

  it.each([
    ['empty', ''],
    ['not a multiple of 4 bytes', Buffer.from([1, 2, 3]).toString('base64')],
  ])('rejects %s', (_n, s) => {
    expect(decodeVector(s)).toBeUndefined();
  });
});

describe('entries', () => {
  it('round-trips an entry with Japanese and emoji text', () => {
    const e = { at: 1_760_000_000_123, model: 'bge-m3', vector: normalize([1, 2, 3]), exchange: ex() };
    const s = encodeEntry(e);
    const back = decodeEntry(s)!;
    expect(back.exchange).toEqual(e.exchange);
    expect(back.model).toBe('bge-m3');
    expect(back.at).toBe(e.at);
    expect(Array.from(back.vector)).toEqual(Array.from(e.vector));
  });

  // The scan reads heads from the Buffers Redis sent; trimming reads them from strings.
  const readers = [
    ['string', (s: string) => readEntryHead(s)],
    ['Buffer', (s: string) => readEntryHeadBuffer(Buffer.from(s, 'utf8'))],
  ] as const;

  it.each(readers)('reads the head by position without parsing the exchange (%s)', (_r, read) => {
    const s = encodeEntry({ at: 42, model: 'nomic-embed-text:latest', vector: normalize([1, 1]), exchange: ex({ comment: '","v":"trap' }) });
    expect(read(s)).toEqual({ at: 42, model: 'nomic-embed-text:latest', v: encodeVector(normalize([1, 1])) });
  });

  it.each(
    readers.flatMap(([r, read]) => [
      [r, 'same fields, another order', read, JSON.stringify({ v: encodeVector([1, 0]), m: 'm', at: 7, ex: ex() }), { at: 7, model: 'm' }],
      [r, 'a model name with a quote', read, encodeEntry({ at: 8, model: 'we"ird', vector: normalize([0, 1]), exchange: ex() }), { at: 8, model: 'we"ird' }],
      [r, 'a Japanese model name', read, encodeEntry({ at: 9, model: 'ベクトル:v1', vector: normalize([0, 1]), exchange: ex() }), { at: 9, model: 'ベクトル:v1' }],
    ]),
  )('(%s) reads the head of %s', (_r, _n, read, s, want) => {
    expect(read(s)).toMatchObject(want);
  });

  it.each(
    readers.flatMap(([r, read]) => [
      [r, 'not JSON', read, 'garbage'],
      [r, 'empty', read, ''],
      [r, 'truncated', read, '{"at":1,"m":"x","v":"AAAA'],
      [r, 'a field missing', read, JSON.stringify({ at: 1, v: 'AACAPw==' })],
    ]),
  )('(%s) an unreadable head (%s) is undefined', (_r, _n, read, s) => {
    expect(read(s)).toBeUndefined();
  });

  it.each([
    ['no exchange', JSON.stringify({ at: 1, m: 'x', v: 'AACAPw==' })],
    ['exchange without userId', JSON.stringify({ at: 1, m: 'x', v: 'AACAPw==', ex: { ...ex(), userId: undefined } })],
    ['a broken vector', JSON.stringify({ at: 1, m: 'x', v: 'AAA', ex: ex() })],
  ])('decodeEntry rejects %s', (_n, s) => {
    expect(decodeEntry(s)).toBeUndefined();
  });
});

describe('offerTop', () => {
  const run = (scores: number[], k: number, floor: number) => {
    const top: { score: number; i: number }[] = [];
    scores.forEach((score, i) => offerTop(top, { score, i }, k, floor));
    return top.map((t) => t.i);
  };
  it.each([
    ['best first', [0.5, 0.9, 0.7], 3, 0, [1, 2, 0]],
    ['only k', [0.5, 0.9, 0.7, 0.8], 2, 0, [1, 3]],
    ['floor is inclusive', [0.3, 0.29999, 0.6], 3, 0.3, [2, 0]],
    ['nothing above the floor', [0.1, 0.2], 3, 0.5, []],
    ['ties keep arrival order', [0.5, 0.5, 0.5], 2, 0, [0, 1]],
    ['k = 0', [0.9], 0, 0, []],
    ['NaN never enters', [Number.NaN, 0.4], 3, 0, [1]],
  ])('%s', (_n, scores, k, floor, want) => {
    expect(run(scores, k, floor)).toEqual(want);
  });
});
