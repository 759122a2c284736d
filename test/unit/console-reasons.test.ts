import { describe, expect, it } from 'vitest';
import { consoleSnapshot } from '../../src/platforms/console/controls.js';
import { consoleReason } from '../../src/platforms/console/reasons.js';
import type { ControlSnapshot } from '../../src/controls/types.js';

describe('console: a reason for every unanswered line', () => {
  it.each([
    [{ type: 'skip', reason: 'paused' }, /paused/],
    [{ type: 'skip', reason: 'not_trigger' }, /by name or ask a question/],
    [{ type: 'skip', reason: 'blocked_word' }, /blocked word/],
    [{ type: 'drop', reason: 'late' }, /too late/],
    [{ type: 'drop', reason: 'failed:BOT_ERR_MODEL_TIMEOUT' }, /model call failed \(BOT_ERR_MODEL_TIMEOUT\)/],
    [{ type: 'filtered', reason: 'secret' }, /held back.*secret/],
    [{ type: 'skip', reason: 'something_new' }, /something new/],
  ])('%j', (ev, want) => {
    const line = consoleReason(ev)!;
    expect(line).toMatch(/^not answered: /);
    expect(line).toMatch(want);
    expect(line).not.toContain('\n');
  });
  it.each([['comment'], ['reply'], ['escalate']])('no line for %s events', (type) => {
    expect(consoleReason({ type })).toBeUndefined();
  });
});

describe('console: the live controls, minus cooldown and approval', () => {
  const snap = (sources: Partial<ControlSnapshot['sources']>): ControlSnapshot =>
    ({
      settings: { user_cooldown_s: 30, approval: true, mode: 'slow' },
      sources: { user_cooldown_s: 'global', approval: 'global', mode: 'global', ...sources },
      blockedUsers: new Set(),
      vipUsers: new Set(),
      blockedWords: [],
      slowKeywords: [],
    }) as unknown as ControlSnapshot;
  it('drops the cooldown and the approval hold the live channel has, keeps the rest', () => {
    const s = consoleSnapshot(snap({})).settings;
    expect(s).toMatchObject({ user_cooldown_s: 0, approval: false, mode: 'slow' });
  });
  it('keeps them when set for the console channel itself', () => {
    const s = consoleSnapshot(snap({ user_cooldown_s: 'channel', approval: 'channel' })).settings;
    expect(s).toMatchObject({ user_cooldown_s: 30, approval: true });
  });
});
