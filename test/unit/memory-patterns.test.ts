import { describe, expect, it } from 'vitest';
import { asksAboutChat } from '../../src/memory/render.js';
import { asksForDepth, looksLikeFollowUp } from '../../src/memory/thread.js';

describe('asksForDepth: a follow-up that asks for more (goes slow after a slow answer)', () => {
  it.each([
    ['why exactly?', true],
    ['Why exactly??', true],
    ['why so?', true],
    ['why?', true],
    ['why', true],
    ['explain more', true],
    ['how come?', true],
    ['and the second one?', true],
    ['え、なんで？', true],
    ['もっと詳しく', true],
    ['ありがとう！', false],
    ['lol nice', false],
    ['why though is the boss so hard', false],
    ['thanks!', false],
  ])('%s → %s', (text, want) => {
    expect(asksForDepth(text)).toBe(want);
  });

  it('a depth follow-up is a follow-up', () => {
    expect(looksLikeFollowUp('why exactly?')).toBe(true);
  });
});

describe('asksAboutChat: only then is the channel\'s recent chat in the prompt', () => {
  it.each([
    ['what are you all talking about?', true],
    ["what's this convo about?", true],
    ['what is the conversation about', true],
    ['just got here, what did I miss?', true],
    ['今北、何の話？', true],
    ['みんな何で盛り上がってるの？', true],
    ["Botan, what's your favourite colour?", false],
    ['好きな食べ物は？', false],
  ])('%s → %s', (text, want) => {
    expect(asksAboutChat(text)).toBe(want);
  });
});
