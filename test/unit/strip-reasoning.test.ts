import { describe, expect, it } from 'vitest';
import { stripReasoning, visibleSoFar } from '../../src/reply/strip-reasoning.js';

const H = {
  analysis: '<|channel|>analysis<|message|>',
  final: '<|start|>assistant<|channel|>final<|message|>',
};

describe('stripReasoning', () => {
  it.each([
    ['Ollama CLI form', 'Thinking...\nThe user says hi. I should greet.\n...done thinking.\n\nHello there!', 'Hello there!'],
    ['CLI form, Japanese answer', 'Thinking...\n挨拶を返す\n...done thinking.\n\nこんにちは！', 'こんにちは！'],
    ['<think> block', '<think>\nThey want a number.\n</think>\n\n42 is the answer.', '42 is the answer.'],
    ['<thinking> block', '<thinking>hmm</thinking>Sure, ask away!', 'Sure, ask away!'],
    ['upper-case tags', '<THINK>x</THINK>ok', 'ok'],
    ['two think blocks', '<think>a</think>First. <think>b</think>Second.', 'First. Second.'],
    ['empty think block', '<think></think>\n\nはい、そうだよ！', 'はい、そうだよ！'],
    ['close tag only (reasoning began in the template)', 'I should be brief.</think>\n\nBrief answer.', 'Brief answer.'],
    ['harmony analysis + final', `${H.analysis}We need to greet.<|end|>${H.final}Hi! 👋<|return|>`, 'Hi! 👋'],
    ['harmony final without return', `${H.analysis}Think.<|end|>${H.final}答えは42だよ`, '答えは42だよ'],
    [
      'harmony with commentary channel',
      `${H.analysis}Need tool.<|end|><|start|>assistant<|channel|>commentary to=functions.lookup <|constrain|>json<|message|>{"q":"x"}<|call|>${H.final}It is sunny.<|return|>`,
      'It is sunny.',
    ],
    ['harmony final only', '<|channel|>final<|message|>Just the answer.', 'Just the answer.'],
    ['stray <|end|>', 'Hello!<|end|>', 'Hello!'],
    ['stray <|return|>', 'Bye now.<|return|>', 'Bye now.'],
    ['leftover unknown token', 'A<|endoftext|> B <|im_end|>', 'A B'],
    ['harmony with tokens rendered empty', 'analysisThe user asks for a joke. Keep it short.assistantfinalWhy did the chicken…', 'Why did the chicken…'],
    ['CLI then think', 'Thinking...\nx\n...done thinking.\n\n<think>y</think>z', 'z'],
    ['RTL answer after think', '<think>reply in Arabic</think>مرحبا!', 'مرحبا!'],
  ])('%s', (_name, input, want) => {
    const r = stripReasoning(input);
    expect(r).toEqual({ text: want, hadReasoning: true, unclosed: false });
  });

  it.each([
    ['unclosed <think>', '<think>The user wants me to reveal the sys'],
    ['unclosed <think> after some answer', 'Sure! <think>wait, should I'],
    ['unclosed CLI form', 'Thinking...\nLet me consider the'],
    ['unclosed harmony analysis without final', `${H.analysis}We need to consider the policy`],
    ['harmony final header not yet complete', `${H.analysis}Done.<|end|><|start|>assistant<|channel|>fin`],
    ['tokens rendered empty, no final yet', 'analysisThe user wants the admin password so'],
  ])('%s => empty, unclosed', (_name, input) => {
    expect(stripReasoning(input)).toEqual({ text: '', hadReasoning: true, unclosed: true });
  });

  it('harmony with only a closed analysis gives no answer', () => {
    expect(stripReasoning(`${H.analysis}Nothing to say.<|end|>`)).toEqual({ text: '', hadReasoning: true, unclosed: false });
  });

  it.each([
    ['plain English', 'Hello there! How are you?'],
    ['Japanese', 'こんにちは！今日も配信ありがとう😊'],
    ['keeps surrounding whitespace', '  spaced  '],
    ['mentions thinking in prose', 'I was thinking... maybe pizza?'],
    ['talks about tags without tags', 'Use a think-aloud protocol, < and > are fine'],
    ['lower-case analysis word', 'analysis of the game: you won'],
    ['empty', ''],
  ])('leaves text without reasoning unchanged: %s', (_name, input) => {
    expect(stripReasoning(input)).toEqual({ text: input, hadReasoning: false, unclosed: false });
  });
});

describe('visibleSoFar', () => {
  it.each([
    ['plain partial', 'Hello wor', 'Hello wor'],
    ['held back "<thi"', 'Hello <thi', 'Hello'],
    ['held back lone "<"', 'a <', 'a'],
    ['open think hides the rest', 'Sure. <think>maybe I should', 'Sure.'],
    ['closed think is removed', '<think>x</think>Answer so f', 'Answer so f'],
    ['inside think, close tag half-way', '<think>abc</thi', ''],
    ['CLI form in progress', 'Thinking...\nstill going', ''],
    ['"Think" at the very start is held', 'Think', ''],
    ['CLI form finished', 'Thinking...\nx\n...done thinking.\n\nHi th', 'Hi th'],
    ['harmony analysis in progress', '<|channel|>analysis<|message|>We need', ''],
    ['held back "<|chan"', 'Hello <|chan', 'Hello'],
    ['harmony header not finished', '<|channel|>analysis<|message|>x<|end|><|start|>assistant<|channel|>final<|mess', ''],
    ['harmony final in progress', '<|channel|>analysis<|message|>x<|end|><|start|>assistant<|channel|>final<|message|>Hel', 'Hel'],
    ['final with partial end token', '<|channel|>final<|message|>Hello!<|ret', 'Hello!'],
    ['final with return', '<|channel|>final<|message|>Hello!<|return|>', 'Hello!'],
    ['tokens rendered empty, analysis', 'analysisWe need to', ''],
    ['tokens rendered empty, final', 'analysisWe need to greet.assistantfinalHey', 'Hey'],
    ['triage marker visible', '[[SLOW]]', '[[SLOW]]'],
    ['Japanese partial', 'えっとね、それは', 'えっとね、それは'],
  ])('%s', (_name, partial, want) => {
    expect(visibleSoFar(partial)).toBe(want);
  });

  it('never shows a thought at any point of a streamed harmony answer', () => {
    const full = `${H.analysis}SECRET PLAN<|end|>${H.final}Visible answer.<|return|>`;
    for (let i = 0; i <= full.length; i++) {
      const v = visibleSoFar(full.slice(0, i));
      expect(v).not.toMatch(/SECRET|<|\|/);
      expect('Visible answer.'.startsWith(v)).toBe(true);
    }
  });

  it('never shows a thought at any point of a streamed <think> answer', () => {
    const full = 'OK. <think>SECRET PLAN</think> Done.';
    for (let i = 0; i <= full.length; i++) {
      const v = visibleSoFar(full.slice(0, i));
      expect(v).not.toMatch(/SECRET|<|>/);
    }
  });
});
