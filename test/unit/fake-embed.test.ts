/**
 * The fake embedding model must rank like a real one for retrieval tests to mean anything:
 * texts about the same thing score high, texts about different things score low, in
 * Japanese and English alike.
 */
import { describe, expect, it } from 'vitest';
import { cosine } from '../../src/memory/vectors.js';
import { embedFeatures, fakeEmbedding, truncateDimensions } from '../fakes/ollama-embed.js';

const sim = (a: string, b: string) => cosine(fakeEmbedding(a), fakeEmbedding(b));

describe('fakeEmbedding', () => {
  it('is deterministic, 256 components, unit length', () => {
    const a = fakeEmbedding('my cat is called Tama');
    expect(a).toEqual(fakeEmbedding('my cat is called Tama'));
    expect(a).toHaveLength(256);
    expect(Math.hypot(...a)).toBeCloseTo(1, 6);
    expect(fakeEmbedding('x', 768)).toHaveLength(768);
  });

  it.each([
    ['English, same topic', 'what is my cat called?', 'my cat is called Tama\nTama is a lovely name for a cat!'],
    ['Japanese, same topic', '猫の名前覚えてる？', '猫の名前はミケだよ\nミケちゃん、かわいい名前ですね！'],
    ['case and plural folded', 'Do you like CATS', 'i like cats a lot'],
  ])('%s scores high', (_n, a, b) => {
    expect(sim(a, b)).toBeGreaterThan(0.3);
  });

  it.each([
    ['English, other topic', 'what is my cat called?', 'which GPU should I buy for streaming\nA used 3060 is plenty.'],
    ['Japanese, other topic', '猫の名前覚えてる？', '今日の配信は何時まで？\n22時くらいまでやる予定です！'],
    ['only stop words in common', 'what is the best one?', 'what is the weather there?'],
  ])('%s scores low', (_n, a, b) => {
    expect(Math.abs(sim(a, b))).toBeLessThan(0.2);
  });

  it.each([
    ['words, stop words dropped', 'The cats and I', ['w:cat']],
    ['CJK bigrams, kanji alone', '猫の名前', ['c:猫', 'c:名', 'c:前', 'b:猫の', 'b:の名', 'b:名前']],
    ['one CJK character', '猫', ['c:猫']],
    ['mixed run split', 'ps5で遊ぶ', ['w:ps5', 'c:遊', 'b:で遊', 'b:遊ぶ']],
    ['full-width folded', 'ＰＳ５', ['w:ps5']],
  ])('features: %s', (_n, text, want) => {
    expect(embedFeatures(text)).toEqual(want);
  });

  it('never returns a zero vector (emoji only, empty)', () => {
    for (const t of ['🐱🐱', '', 'the']) expect(Math.hypot(...fakeEmbedding(t))).toBeCloseTo(1, 6);
  });

  it('dimensions keeps the first n components, normalised again', () => {
    const v = truncateDimensions(fakeEmbedding('streaming setup and microphone'), 64);
    expect(v).toHaveLength(64);
    expect(Math.hypot(...v)).toBeCloseTo(1, 6);
  });
});
