/**
 * Hostile and odd chat through the whole pipeline, table-driven over
 * test/fixtures/hostile-chat.jsonl: every line is sent as a Twitch message (raw, as the
 * fake writes it on the wire, so CR/LF and NUL reach the bot's IRC parser), and the fake
 * model echoes the original hostile text back as its answer, so it also reaches the reply
 * path. No input crashes a process; no line the bot sends carries a CR, LF, NUL or other
 * control character from input; no reply starts with "/" or "."; links are removed unless
 * ALLOWED_LINK_DOMAINS allows them.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitDrained } from '../../src/app.js';
import { DEFAULT_IGNORED_BOTS } from '../../src/config.js';
import type { FakeChatRequest } from '../fakes/ollama.js';
import type { SentPrivmsg } from '../fakes/twitch.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { until } from '../helpers/redis.js';

interface Fixture {
  name: string;
  text: string;
}
const FIXTURES: Fixture[] = readFileSync(new URL('../fixtures/hostile-chat.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Fixture);

/** The bots' own output is sent from the bots' logins (nightbot, …): never answered. */
const fromBot = (f: Fixture) => DEFAULT_IGNORED_BOTS.includes(f.name);
const userOf = (f: Fixture, i: number) => (fromBot(f) ? f.name : `hostile${i}`);

/** Lines a well-behaved client sends; anything else would be a command smuggled in from chat. */
const ALLOWED_LINE = /^(?:CAP REQ :[\w/ .:-]+|PASS \S+|NICK \w+|JOIN #\w+(?:,#\w+)*|PART #\w+|PING(?: :?\S+)?|PONG(?: :?\S+)?|(?:@reply-parent-msg-id=[\w-]+ )?PRIVMSG #botan_ch :.+)$/;
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
const INVISIBLE = /[\u200B\u200C\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u061C]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LINK = /https?:\/\/|\bwww\.|discord\s*\.\s*gg|bit\.ly\/|twitter\.com|x\.com/i;

function viewerOf(req: FakeChatRequest): string {
  const user = req.messages.find((m) => m.role === 'user')?.content ?? '';
  return (/^Viewer: "([^"]*)"/m.exec(user)?.[1] ?? '').toLowerCase();
}

describe('hostile chat through the whole pipeline', () => {
  let h: Harness;
  const ids = new Map<string, string>();
  const byUser = new Map<string, string>();

  beforeAll(async () => {
    FIXTURES.forEach((f, i) => byUser.set(userOf(f, i), f.text));
    h = await startHarness({
      noApp: true,
      env: { DEDUP_WINDOW_S: '0', TWITCH_RATE_LIMIT: '1000/30', SHED_MAX_WAITING: '10000', FAST_CONCURRENCY: '8', SLOW_CONCURRENCY: '4' },
      twitch: { modIn: ['botan_ch'] },
      // the model "repeats what the viewer said": the raw hostile text goes to the reply path
      ollama: { tokensPerSec: 0, reply: (req) => ({ content: byUser.get(viewerOf(req)) ?? 'canary answer', thinking: 'echoing the viewer' }) },
    });
    await h.redis.hset(`${h.prefix}:routing`, { trigger: 'all', user_cooldown_s: '0', fast_max_age_s: '600', slow_max_age_s: '600', ack: 'off' });
    await h.app.start();
    await h.twitch.waitForJoin(h.channel, 15_000);
    FIXTURES.forEach((f, i) => ids.set(f.name, h.twitch.chat(h.channel, { user: userOf(f, i), text: f.text })));
    // every comment reaches an outcome: nothing queued, nothing running, twice in a row
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await waitDrained(h.app, 150_000)).toBe(true);
    // the summary for the issue note: what the bot did with each line
    const summary = FIXTURES.map((f) => {
      const id = ids.get(f.name)!;
      const sent = repliesTo(id);
      const line = h.logs.lines.find((l) => l.commentId === id && typeof l.outcome === 'string' && l.msg !== 'comment queued');
      return `${f.name}: ${sent.length ? `posted ${JSON.stringify(sent.map((m) => m.text.slice(0, 60)))}` : `${String(line?.outcome ?? 'not a comment (ignored by the Twitch adapter)')} ${String(line?.reason ?? '')}`}`;
    });
    console.info(summary.join('\n'));
  }, 200_000);

  afterAll(async () => {
    await h?.close();
  });

  function repliesTo(id: string): SentPrivmsg[] {
    return h.twitch.privmsgs().filter((m) => m.tags['reply-parent-msg-id'] === id);
  }

  it('no process crashed: nothing fatal, no unhandled rejection, and a normal question is still answered', async () => {
    const bad = h.logs.lines.filter((l) => (l.level as number) >= 60 || /unhandled|worker stopped|could not queue/i.test(String(l.msg)));
    expect(bad).toEqual([]);
    const id = h.twitch.chat(h.channel, { user: 'canary', text: '牡丹ちゃん、最後に一つ聞いていい？' });
    await h.logs.waitFor('reply posted', (l) => l.commentId === id, 20_000);
    await until(() => repliesTo(id).length > 0, 10_000, 'the canary reply at the fake Twitch');
    expect(repliesTo(id).map((m) => m.text)).toEqual(['canary answer']);
  });

  it('every line the bot sent is one well-formed IRC line with no control character from chat', () => {
    expect(h.twitch.received.length).toBeGreaterThan(10);
    for (const line of h.twitch.received) {
      expect(line, JSON.stringify(line)).toMatch(ALLOWED_LINE);
      expect(line, JSON.stringify(line)).not.toMatch(CONTROL);
    }
  });

  it('the known bots are never answered', () => {
    for (const f of FIXTURES.filter(fromBot)) expect(repliesTo(ids.get(f.name)!), f.name).toEqual([]);
  });

  it('most lines with any text left after cleaning were answered (the echo reached the reply path)', () => {
    const answered = FIXTURES.filter((f) => repliesTo(ids.get(f.name)!).length > 0);
    expect(answered.length).toBeGreaterThanOrEqual(30);
  });

  it.each(FIXTURES.map((f) => [f.name, f] as const))('%s: every reply is chat-safe', (_name, f) => {
    const replies = repliesTo(ids.get(f.name)!);
    expect(replies.length).toBeLessThanOrEqual(2);
    for (const m of replies) {
      const t = m.text;
      expect(t.trim()).not.toBe('');
      expect(t).not.toMatch(/^\s*[/.\\]/);
      expect(t).not.toMatch(CONTROL);
      expect(t).not.toMatch(INVISIBLE);
      expect(t).not.toMatch(LONE_SURROGATE);
      expect(t).not.toMatch(LINK);
      expect([...t].length).toBeLessThanOrEqual(500);
      expect(t.match(/(?:^|\s)@\S/g)?.length ?? 0).toBeLessThanOrEqual(2);
      expect(t).not.toMatch(/<\/?think>|<\||Thinking\.\.\./);
    }
  });
});

describe('links in replies', () => {
  let h: Harness | undefined;
  afterAll(async () => {
    await h?.close();
  });

  it('are kept only for ALLOWED_LINK_DOMAINS (and their subdomains); every other link and invite is removed', async () => {
    h = await startHarness({
      env: { ALLOWED_LINK_DOMAINS: 'example.com' },
      ollama: {
        reply: () => ({ content: 'Docs: https://docs.example.com/guide and https://example.com/faq. Not: https://evil.example.net/x, www.free-robux.xyz, discord.gg/abc123, bit.ly/3xYz ok?' }),
      },
    });
    const id = h.twitch.chat(h.channel, { user: 'linky', text: '牡丹ちゃん、説明書はどこ？' });
    const [msg] = await h.twitch.waitForPrivmsgs(1, 15_000);
    expect(msg!.tags['reply-parent-msg-id']).toBe(id);
    expect(msg!.text).toContain('https://docs.example.com/guide');
    expect(msg!.text).toContain('https://example.com/faq');
    for (const gone of ['evil.example.net', 'free-robux', 'discord.gg', 'bit.ly']) expect(msg!.text).not.toContain(gone);
  });
});
