/**
 * The contract every ChatAdapter passes, run against the adapter's fake platform:
 *
 *   runAdapterContract('twitch', async () => {
 *     const fake = await startFakeTwitch();
 *     const adapter = createTwitchAdapter({ url: fake.url, ... });   // NOT started
 *     return {
 *       adapter, channel: 'somechan',
 *       sendViewerComment: async (text) => { fake.chat('somechan', { user: 'viewer', text }); },
 *       postedTexts: async () => fake.privmsgs().map((p) => p.text),
 *       teardown: () => fake.close(),
 *     };
 *   });
 *
 * The suite calls `adapter.start()` itself (after setup, before sending) and `close()`
 * before `teardown()`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatAdapter } from '../../src/platforms/port.js';
import { commentSchema, type CommentInput } from '../../src/types.js';

export interface ContractHarness {
  /** A fresh adapter pointed at the fake, not started yet. */
  adapter: ChatAdapter;
  /** Make a viewer's comment appear on the fake platform, in `channel`. */
  sendViewerComment(text: string): Promise<void>;
  /** Texts of every message the adapter posted that reached the fake, in order. */
  postedTexts(): Promise<string[]>;
  channel: string;
  teardown(): Promise<void>;
}

async function eventually<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function runAdapterContract(name: string, setup: () => Promise<ContractHarness>): void {
  describe(`${name}: ChatAdapter contract`, () => {
    let h: ContractHarness;
    let comments: CommentInput[];

    beforeEach(async () => {
      comments = [];
      h = await setup();
    });
    afterEach(async () => {
      await h.adapter.close();
      await h.teardown();
    });

    const start = () => h.adapter.start((c) => comments.push(c));
    const commentWith = (text: string) =>
      eventually(() => comments.find((c) => c.text === text), 10_000, `a comment with text ${JSON.stringify(text)}`);

    it('delivers a viewer comment as a CommentInput that parses with commentSchema', async () => {
      await start();
      const text = 'contract: こんにちは 🌸 مرحبا, how are you?';
      await h.sendViewerComment(text);
      const c = await commentWith(text);
      const parsed = commentSchema.parse(c);
      expect(parsed.platform).toBe(h.adapter.platform);
      expect(parsed.channel).toBe(h.channel);
      expect(parsed.id.length).toBeGreaterThan(0);
      expect(parsed.author.id.length).toBeGreaterThan(0);
      expect(Math.abs(parsed.receivedAt - Date.now())).toBeLessThan(60_000);
    });

    it('post() delivers exactly one message that reaches the platform', async () => {
      await start();
      await h.sendViewerComment('contract: question for the bot?');
      const c = commentSchema.parse(await commentWith('contract: question for the bot?'));
      const text = `contract reply ${Date.now()} ✨`;
      const before = Date.now();
      const result = await h.adapter.post({ platform: c.platform, channel: c.channel, text, replyTo: { id: c.id, author: c.author } });
      expect(result.status).toBe('posted');
      if (result.status === 'posted') expect(result.at).toBeGreaterThanOrEqual(before - 1000);
      await eventually(async () => ((await h.postedTexts()).some((t) => t.includes(text)) ? true : undefined), 10_000, 'the reply on the fake');
      await new Promise((r) => setTimeout(r, 300));
      expect((await h.postedTexts()).filter((t) => t.includes(text))).toHaveLength(1);
    });

    it('close() is idempotent and nothing is posted after it', async () => {
      await start();
      await h.adapter.close();
      await expect(h.adapter.close()).resolves.toBeUndefined();
      const text = `after close ${Date.now()}`;
      const outcome = await h.adapter
        .post({ platform: h.adapter.platform, channel: h.channel, text, replyTo: { id: 'x', author: { id: 'u', login: 'u', name: 'u', badges: { moderator: false, owner: false, member: false, vip: false, verified: false }, firstMessage: false } } })
        .then((r) => r.status, () => 'threw');
      expect(['rejected', 'threw']).toContain(outcome);
      await new Promise((r) => setTimeout(r, 200));
      expect((await h.postedTexts()).some((t) => t.includes(text))).toBe(false);
    });

    it('limits() and maxChars are sane', async () => {
      await start();
      const l = h.adapter.limits(h.channel);
      expect(l.max).toBeGreaterThanOrEqual(1);
      expect(l.windowMs).toBeGreaterThan(0);
      expect(l.minSpacingMs).toBeGreaterThanOrEqual(0);
      expect(l.minSpacingMs).toBeLessThanOrEqual(l.windowMs);
      expect(h.adapter.maxChars).toBeGreaterThanOrEqual(20);
      expect(h.adapter.maxChars).toBeLessThanOrEqual(20_000);
      expect(typeof h.adapter.mentionsAuthor).toBe('boolean');
    });
  });
}
