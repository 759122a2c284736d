import { describe, expect, it } from 'vitest';
import { guessTraits } from '../../src/llm/ollama-client.js';

describe('model traits guessed from the name (a host without /api/show)', () => {
  it.each([
    ['gpt-oss:120b', { thinking: true, effortLevels: true }],
    ['qwen3:32b', { thinking: true, effortLevels: false }],
    ['deepseek-r1:70b', { thinking: true, effortLevels: false }],
    ['qwen2.5:14b', { thinking: false, effortLevels: false }],
    ['llama3.1:8b', { thinking: false, effortLevels: false }],
    ['mistral-small', { thinking: false, effortLevels: false }],
    // unknown: the think level the moderator set is passed on as it is
    ['my-reasoner:latest', { thinking: true, effortLevels: true }],
  ])('%s', (model, traits) => {
    expect(guessTraits(model)).toEqual(traits);
  });
});
