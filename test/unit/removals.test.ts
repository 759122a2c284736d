import { describe, expect, it } from 'vitest';
import { removalVerdict } from '../../src/moderation/removals.js';

describe('removalVerdict: is a comment covered by a moderator action?', () => {
  const at = 1_700_000_000_000;
  it.each([
    ['nothing removed', {}, undefined],
    ['the message was deleted', { msg: String(at) }, 'deleted_by_moderator'],
    ['its author was banned after it', { author: String(at + 5_000) }, 'author_removed_by_moderator'],
    ['its author was timed out before it (the timeout is over: they may speak again)', { author: String(at - 5_000) }, undefined],
    ['the chat was cleared after it', { chat: String(at + 1) }, 'chat_cleared_by_moderator'],
    ['the chat was cleared before it', { chat: String(at - 1) }, undefined],
    ['a bad stored value counts as nothing', { author: 'x', chat: '' }, undefined],
  ])('%s', (_name, stored, want) => {
    expect(removalVerdict({ receivedAt: at }, stored)).toBe(want);
  });
});
