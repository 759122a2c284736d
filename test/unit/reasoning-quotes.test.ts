/**
 * Reasoning that quotes the markup of reasoning: a thought may mention "<think>", the inline
 * "Thinking..." marker or harmony tokens as words. Reasoning is not nested (Ollama's thinking
 * parser and vLLM's reasoning parsers end a block at its first closing tag), so the answer
 * after the first close is the answer, and no part of the thought is ever visible: not in the
 * whole text, and not at any point of the stream, whatever the chunking.
 */
import { describe, expect, it } from 'vitest';
import { answerText } from '../../src/handlers/answer.js';
import type { ChatResult } from '../../src/llm/types.js';
import { upToLastSentence } from '../../src/reply/format-chat.js';
import { stripReasoning, visibleSoFar } from '../../src/reply/strip-reasoning.js';

const QUOTES = 'Maybe I should write <think> myself? Or <thinking>, <reasoning>, </thinking>? Thinking... no. <|channel|>final<|message|> is harmony, <|end|> too.';
const QUOTES_NO_HARMONY = 'Maybe I should write <think> myself? Or <thinking>, <reasoning>, </thinking>? A line\nThinking...\nwould not restart it. No.';
/** Only a block's own closing tag ends it: quotes of the other closing tags stay inside. */
const QUOTES_IN_THINKING = QUOTES.replace('</thinking>', '</think>');

const cases: [string, string, string][] = [
  ['<think> quoting every marker', `<think>SECRET ${QUOTES}</think>\n\nThe answer is 42.`, 'The answer is 42.'],
  ['<thinking> quoting <think> and </think>', `<thinking>SECRET ${QUOTES_IN_THINKING} and </think> too</thinking>答えは42だよ！`, '答えは42だよ！'],
  ['<reasoning> quoting the others', `<reasoning>SECRET ${QUOTES_NO_HARMONY} </think></reasoning>Sure 😊`, 'Sure 😊'],
  ['upper-case tags, quoted lower-case', `<THINK>SECRET write <think> here</THINK>ok!`, 'ok!'],
  ['CLI form quoting Thinking... and tags', `Thinking...\nSECRET Should I print\nThinking...\nagain? Or <think> or <|channel|>analysis? No.\n...done thinking.\n\nHere you go!`, 'Here you go!'],
  ['CLI form, Japanese, quoting the marker', `Thinking...\nSECRET 「Thinking...」って書くべき？ <think> は使わない\n...done thinking.\n\nこんにちは！`, 'こんにちは！'],
  [
    'harmony analysis quoting <think> and the CLI marker',
    `<|channel|>analysis<|message|>SECRET Should I use <think> tags? Or Thinking...? The user wrote </think>.<|end|><|start|>assistant<|channel|>final<|message|>Sure thing!<|return|>`,
    'Sure thing!',
  ],
  ['<think> then a second whole block later', `<think>SECRET a <think> b</think>First. <think>SECRET c</think>Second.`, 'First. Second.'],
];

describe('reasoning that quotes reasoning markup', () => {
  it.each(cases)('%s: whole text gives the answer', (_name, full, answer) => {
    expect(stripReasoning(full)).toEqual({ text: answer, hadReasoning: true, unclosed: false });
  });

  it.each(cases)('%s: no chunk boundary shows any of the thought', (_name, full, answer) => {
    // A stream split at position i has delivered exactly full.slice(0, i), whatever the chunks.
    for (let i = 0; i <= full.length; i++) {
      const v = visibleSoFar(full.slice(0, i));
      expect(v, `after ${i} characters`).not.toMatch(/SECRET|<|\|>|Thinking\.\.\./);
      expect(answer.startsWith(v), `after ${i} characters: ${JSON.stringify(v)}`).toBe(true);
    }
    expect(visibleSoFar(full)).toBe(answer);
  });

  it.each([
    ['<think> quoting its own tag, never closed', `<think>SECRET write <think> and </thinking>?`],
    ['CLI form quoting the marker, never done', 'Thinking...\nSECRET\nThinking...\nstill'],
    ['harmony analysis quoting <think>, no final', '<|channel|>analysis<|message|>SECRET <think></think>'],
  ])('%s: still a failed attempt', (_name, full) => {
    expect(stripReasoning(full)).toEqual({ text: '', hadReasoning: true, unclosed: true });
    for (let i = 0; i <= full.length; i++) expect(visibleSoFar(full.slice(0, i))).not.toMatch(/SECRET/);
  });
});

const result = (over: Partial<ChatResult>): ChatResult => ({ content: '', thinking: '', done: true, stoppedEarly: false, ttftMs: 1, modelMs: 1, ...over });

describe('answerText: shapes of model output a real model may produce', () => {
  it.each<[string, Partial<ChatResult>, ReturnType<typeof answerText>]>([
    ['a plain answer', { content: 'Hello there!' }, { text: 'Hello there!', cut: false }],
    ['reasoning then nothing', { content: '<think>SECRET</think>\n' }, { reason: 'only_reasoning' }],
    ['reasoning never closed', { content: '<think>SECRET and so' }, { reason: 'unclosed_reasoning' }],
    ['the answer only in the thinking field', { content: '', thinking: 'The answer is 42.' }, { reason: 'answer_in_thinking' }],
    ['nothing at all', { content: '  ' }, { reason: 'no_text' }],
    ['cut for length after two sentences', { content: 'First point. Second point! Third poi', doneReason: 'length' }, { text: 'First point. Second point!', cut: true }],
    ['cut for length, Japanese', { content: 'RAGは柔軟だよ。イベント記憶は一貫', doneReason: 'length' }, { text: 'RAGは柔軟だよ。', cut: true }],
    ['cut for length before any sentence ended', { content: 'The main difference between the tw', doneReason: 'length' }, { reason: 'truncated' }],
    ['length, but it ended on a sentence', { content: 'All done.', doneReason: 'length' }, { text: 'All done.', cut: false }],
    ['stopped early by the bot (not cut by the model)', { content: 'Long answer that goes on', doneReason: 'length', stoppedEarly: true }, { text: 'Long answer that goes on', cut: false }],
    ['reasoning in thinking, answer in content', { content: 'Yes!', thinking: 'SECRET' }, { text: 'Yes!', cut: false }],
  ])('%s', (_name, over, want) => {
    expect(answerText(result(over))).toEqual(want);
  });

  it('upToLastSentence keeps whole sentences only', () => {
    expect(upToLastSentence('One. Two')).toBe('One.');
    expect(upToLastSentence('すごい！ほんと')).toBe('すごい！');
  });
});
