/**
 * A viewer's state as moderators see it: `botctl explain --user twitch:<login>` reads the same
 * cooldown the fast worker wrote (issue 20: the workers key a viewer by user id, moderators
 * type a login). Real Redis, fake Twitch, fake Ollama, the real botctl code path in process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as botctl } from '../../src/cli/botctl.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { REDIS_URL, until } from '../helpers/redis.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { DEDUP_WINDOW_S: '0' }, ollama: { reply: () => ({ content: 'いちごが好きだよ！' }) } });
}, 60_000);
afterAll(async () => {
  await h?.close();
});

async function chatAndWait(user: string, text: string, userId: string): Promise<void> {
  const before = h.twitch.privmsgs().length;
  const id = h.twitch.chat(h.channel, { user, displayName: user, text, userId });
  await until(() => h.twitch.privmsgs().slice(before).some((m) => m.tags['reply-parent-msg-id'] === id), 15_000, `a reply to ${user}`);
}

async function explain(args: string[]): Promise<{ answer: boolean; skip: string | null; cooldownRemainingS: number | null; user: string }> {
  let out = '';
  const io = { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: () => true }, stdin: process.stdin } as never;
  expect(await botctl(['explain', ...args, '--channel', `twitch:${h.channel}`, '--json'], io, { REDIS_URL, REDIS_PREFIX: h.prefix, TWITCH_USERNAME: 'botan_bot' })).toBe(0);
  return JSON.parse(out) as never;
}

describe('botctl explain --user twitch:<login> after the viewer was answered', () => {
  it('shows their cooldown (typed as the display name, in any case): the next question would be skipped', async () => {
    const before = await explain(['牡丹ちゃん、好きな色は？', '--user', 'twitch:Carol']);
    expect(before).toMatchObject({ answer: true, cooldownRemainingS: null });
    await chatAndWait('Carol', '牡丹ちゃん、好きな食べ物は？', '70001');
    const after = await explain(['牡丹ちゃん、好きな色は？', '--user', 'twitch:Carol']);
    expect(after.answer).toBe(false);
    expect(after.skip).toBe('cooldown');
    expect(after.cooldownRemainingS).toBeGreaterThan(20);
    expect(after.cooldownRemainingS).toBeLessThanOrEqual(30);
    // another viewer is not held back by Carol's cooldown
    expect(await explain(['牡丹ちゃん、好きな色は？', '--user', 'twitch:someone_else'])).toMatchObject({ answer: true, cooldownRemainingS: null });
  }, 40_000);
});
