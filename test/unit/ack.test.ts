import { describe, expect, it } from 'vitest';
import { pickInLanguage } from '../../src/reply/ack.js';

const BOTAN = ['いい質問だね！ちょっと考えるから待っててね〜', 'おっ、深い質問！じっくり考えてから答えるね！', 'Ooh, good one! Let me think about that for a moment~'];
const JA = BOTAN.slice(0, 2);

describe('acknowledgement in the comment\'s language', () => {
  const ids = Array.from({ length: 40 }, (_, i) => `msg-${i}-${'x'.repeat(i % 7)}`);
  it.each([
    ['Japanese', 'AI VTuberの記憶はRAGとイベント記憶のどちらが良いと思いますか？', 'ja', JA],
    ['English', 'Could you compare RAG and event-based memory for an AI VTuber in detail?', 'ja', [BOTAN[2]]],
    ['emoji only (the character language)', '🤔🤔❓', 'ja', JA],
    ['Korean (no Korean line: the character language)', 'AI 버튜버의 기억 시스템은 어떻게 만드나요? 자세히 알려주세요', 'ja', JA],
    ['Arabic, RTL (no line: the character language)', 'ما هو أفضل نظام ذاكرة لشخصية افتراضية؟', 'ja', JA],
  ])('%s', (_name, text, fallback, allowed) => {
    for (const id of ids) expect(allowed).toContain(pickInLanguage(BOTAN, text, fallback, id));
  });

  it('a character with lines in one language only still acknowledges', () => {
    expect(pickInLanguage(['Give me a moment!'], '記憶システムについて詳しく教えてください', 'en', 'a')).toBe('Give me a moment!');
  });

  it('the same comment always gets the same line (a retry posts no different text)', () => {
    expect(pickInLanguage(BOTAN, '記憶システムについて詳しく教えてください', 'ja', 'id-1')).toBe(pickInLanguage(BOTAN, '記憶システムについて詳しく教えてください', 'ja', 'id-1'));
  });
});
