import { afterEach, describe, expect, it } from 'vitest';
import { NOT_FOR_ME_MARKER, TRIAGE_MARKER } from '../../src/reply/prompt.js';
import { startHarness, type Harness } from '../helpers/harness.js';

// scores in the uncertain band (0.35–0.6 by default): the fast model decides
const UNCERTAIN = '牡丹ちゃん、Pythonの勉強方法を教えて';
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('the fast model as triage for the uncertain band', () => {
  it('answers itself when it does not start with the marker: one model call, no slow job', async () => {
    h = await startHarness({ ollama: { reply: (req) => ({ content: req.model === 'qwen2.5:14b' ? 'まずは公式チュートリアルからがおすすめだよ！' : 'slow' }) } });
    h.twitch.chat(h.channel, { user: 'learner', text: UNCERTAIN });
    const [msg] = await h.twitch.waitForPrivmsgs(1, 15_000);
    expect(msg!.text).toBe('まずは公式チュートリアルからがおすすめだよ！');
    expect(h.ollama.requests.map((r) => r.model)).toEqual(['qwen2.5:14b']);
    // the fast prompt offered the marker
    expect(h.ollama.requests[0]!.messages[0]!.content).toContain(TRIAGE_MARKER);
  });

  it('escalates on the marker: stops the fast stream, the slow model answers, the marker never reaches chat', async () => {
    h = await startHarness({
      ollama: {
        reply: (req) =>
          req.model === 'qwen2.5:14b'
            ? { content: `${TRIAGE_MARKER} this part must never be generated in full because the stream stops at the marker`, tokensPerSec: 20 }
            : { thinking: 'plan the study path', content: 'Pythonは、基礎文法→小さな自作ツール→ライブラリの順が効率的だよ！' },
      },
    });
    const id = h.twitch.chat(h.channel, { user: 'learner', text: UNCERTAIN });
    const msgs = await h.twitch.waitForPrivmsgs(2, 20_000);
    expect(msgs.every((m) => m.tags['reply-parent-msg-id'] === id)).toBe(true);
    expect(msgs.at(-1)!.text).toBe('Pythonは、基礎文法→小さな自作ツール→ライブラリの順が効率的だよ！');
    for (const m of msgs) expect(m.text).not.toContain('[[');
    expect(h.ollama.requests.map((r) => r.model)).toEqual(['qwen2.5:14b', 'gpt-oss:120b']);
    // the fast stream was cut at the marker rather than generated to the end
    expect(h.ollama.stats.abortedStreams).toBeGreaterThanOrEqual(1);
    await h.logs.waitFor('comment escalated to the slow pool', (l) => Array.isArray(l.reasons) && (l.reasons as string[]).includes('triage_marker'));
  });

  it('a marker in the middle of a fast answer is removed, not posted', async () => {
    h = await startHarness({ ollama: { reply: () => ({ content: `基礎文法からだよ！${TRIAGE_MARKER}` }) } });
    h.twitch.chat(h.channel, { user: 'learner', text: UNCERTAIN });
    const [msg] = await h.twitch.waitForPrivmsgs(1, 15_000);
    expect(msg!.text).toBe('基礎文法からだよ！');
  });

  it('may answer "not for me" with its other marker: nothing posted, no slow job, no second call', async () => {
    // in the band and for the character by the rules; the model judges it is talk between viewers
    const text = 'how do i get better at this game, any tips for a beginner on ranked?';
    h = await startHarness({ ollama: { reply: () => ({ content: `${NOT_FOR_ME_MARKER} this part must never be generated in full`, tokensPerSec: 20 }) } });
    const id = h.twitch.chat(h.channel, { user: 'learner', text });
    const line = await h.logs.waitFor('comment skipped', (l) => l.reason === 'not_for_me', 15_000);
    expect(line.commentId).toBe(id);
    expect(h.logs.find('fast model triage: not for the character')).toHaveLength(1);
    expect(h.ollama.requests.map((r) => r.model)).toEqual(['qwen2.5:14b']);
    expect(h.ollama.requests[0]!.messages[0]!.content).toContain(NOT_FOR_ME_MARKER);
    await new Promise((r) => setTimeout(r, 1000));
    expect(h.twitch.privmsgs()).toEqual([]);
  });
});
