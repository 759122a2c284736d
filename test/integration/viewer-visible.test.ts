/**
 * What a viewer would notice (issue 21): the whole bot against real Redis and the fakes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../helpers/redis.js';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('duplicate detection counts only comments that were answered', () => {
  it('a question resent after a cooldown skip is answered, not dropped as a copy of the one nobody answered', async () => {
    h = await startHarness({ ollama: { reply: (r) => ({ content: `answer ${r.messages.at(-1)!.content.length}` }) } });
    await h.redis.hset(`${h.prefix}:routing`, 'user_cooldown_s', '2');
    await new Promise((r) => setTimeout(r, 1_100)); // controls apply within 1 s
    h.twitch.chat(h.channel, { user: 'viewer1', userId: '111', text: '牡丹ちゃん、好きな食べ物は？' });
    await h.twitch.waitForPrivmsgs(1, 10_000);
    // within the viewer's cooldown: skipped, nobody answers it
    h.twitch.chat(h.channel, { user: 'viewer1', userId: '111', text: '牡丹ちゃん、好きな色は？' });
    await h.logs.waitFor('comment skipped', (l) => l.reason === 'cooldown');
    // the cooldown is over (well inside DEDUP_WINDOW_S, 30 s): the viewer asks again
    await new Promise((r) => setTimeout(r, 2_200));
    const again = h.twitch.chat(h.channel, { user: 'viewer1', userId: '111', text: '牡丹ちゃん、好きな色は？' });
    const msgs = await h.twitch.waitForPrivmsgs(2, 10_000);
    expect(msgs[1]!.tags['reply-parent-msg-id']).toBe(again);
    expect(h.logs.find('comment skipped', (l) => l.reason === 'duplicate_text')).toHaveLength(0);
  });

  it('copy-paste spam of a question that was answered is still answered once', async () => {
    h = await startHarness({ ollama: { reply: () => ({ content: 'いちごだよ！' }) } });
    for (const user of ['a1', 'a2', 'a3']) h.twitch.chat(h.channel, { user, userId: `id-${user}`, text: '牡丹ちゃん、好きな食べ物は？' });
    await h.twitch.waitForPrivmsgs(1, 10_000);
    await until(() => h!.logs.find('comment skipped', (l) => l.reason === 'duplicate_text').length === 2, 5_000, 'two duplicates');
    await new Promise((r) => setTimeout(r, 500));
    expect(h.twitch.privmsgs()).toHaveLength(1);
  });
});

describe('the "thinking about it" line speaks the viewer\'s language', () => {
  it('every Japanese question going slow gets a Japanese acknowledgement, an English one an English line', async () => {
    h = await startHarness({ ollama: { reply: (r) => ({ content: r.model.startsWith('gpt-oss') ? 'じっくり考えた答えだよ。' : 'fast' }) } });
    await h.redis.hset(`${h.prefix}:routing`, 'mode', 'slow');
    await new Promise((r) => setTimeout(r, 1_100));
    const ja = ['記憶の仕組みについて詳しく教えて？', 'RAGとイベント記憶の違いは何ですか？', 'ベクトルDBは必要ですか？', '配信の設定はどうしていますか？', 'どのモデルを使っていますか？', '学習データはどう集めますか？'];
    const en = ['How does your memory system work in detail?', 'What model do you run on, and why?'];
    const ids = new Map<string, 'ja' | 'en'>();
    ja.forEach((text, i) => ids.set(h!.twitch.chat(h!.channel, { user: `ja${i}`, userId: `ja${i}`, text: `牡丹ちゃん、${text}` }), 'ja'));
    en.forEach((text, i) => ids.set(h!.twitch.chat(h!.channel, { user: `en${i}`, userId: `en${i}`, text: `Botan, ${text}` }), 'en'));
    const acks = new Set(['いい質問だね！ちょっと考えるから待っててね〜', 'おっ、深い質問！じっくり考えてから答えるね！', 'Ooh, good one! Let me think about that for a moment~']);
    const ackMsgs = await until(() => {
      // the bot varies a repeated line with an invisible tag character (Twitch drops duplicates within 30 s)
      const got = h!.twitch.privmsgs().filter((m) => acks.has(m.text.replace(/[\s\u{E0000}-\u{E007F}]+$/u, '')));
      return got.length >= ids.size && got;
    }, 15_000, 'an acknowledgement per question').catch((e: Error) => { throw new Error(`${e.message}: ${JSON.stringify(h!.twitch.privmsgs().map((m) => [m.text, m.dropped]))}`); });
    for (const m of ackMsgs) {
      const lang = ids.get(m.tags['reply-parent-msg-id']!);
      expect(/[ぁ-んァ-ン]/.test(m.text) ? 'ja' : 'en', m.text).toBe(lang);
    }
  });
});

describe('markdown flattened for chat keeps a heading apart from what follows', () => {
  it('a bold heading line is not glued onto the next line in the posted message', async () => {
    h = await startHarness({ ollama: { reply: () => ({ content: '**RAGのメリット**\n柔軟に検索できる。\n**デメリット**\n準備が大変。' }) } });
    h.twitch.chat(h.channel, { user: 'viewer1', userId: '111', text: '牡丹ちゃん、RAGってどう？' });
    const [msg] = await h.twitch.waitForPrivmsgs(1, 10_000);
    expect(msg!.text).toBe('RAGのメリット：柔軟に検索できる。デメリット：準備が大変。');
  });
});
