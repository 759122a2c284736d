/**
 * What the fake models answer in the benchmark: deterministic text (seeded by the request)
 * of the lengths a profile states, in the comment's language, with the profile's timing.
 */
import type { FakeChatRequest, FakeReply, FakeReplyFn } from '../test/fakes/ollama.js';
import { TRIAGE_MARKER } from '../src/reply/prompt.js';
import type { Profile, Range } from './profiles.js';
import { COMPLEX_TEXTS, rng } from './traces.js';

const EN = [
  'Thanks for asking!',
  'I love that question.',
  'Today I am mostly playing and chatting with everyone.',
  'Cats are the best, I agree.',
  'The next stream is on Friday evening.',
  'I am doing great, thank you for coming by.',
  'That part was really tricky but we made it.',
  'Let us keep going together.',
];
const JA = ['ありがとう！', 'いい質問だね。', '今日はゲームをしながらみんなとお話ししてるよ。', '猫はかわいいよね。', '次の配信は金曜日の夜だよ！', '元気だよ、来てくれてうれしい！', 'さっきのは難しかったね。', 'いっしょにがんばろう！'];
/**
 * The warm-up comments (bench/scenario.ts): two plain questions, one whose answer rambles past
 * the chat budget, and a complex one whose slow answer is kept short so it ends before the trace.
 */
export const WARMUP_TEXTS: readonly string[] = [
  'warm up: how are you?',
  'ウォームアップ：元気？',
  'warm up: tell me about your day?',
  `warm up: ${[...COMPLEX_TEXTS][0]}`,
];
/** Sent to the measured channel during the warm-up: not answered under trigger=question. */
export const WARMUP_GREETING = 'hello everyone';
const WARMUP_RAMBLE = WARMUP_TEXTS[2];
const WARMUP_SLOW = WARMUP_TEXTS[3];

const THINK = 'The viewer asks a careful question. I should weigh both options, list the main tradeoffs, and answer briefly in their language. ';

/** Token count of `s` the way the fake counts (one per CJK character, else ~4 characters). */
function fill(r: () => number, ja: boolean, tokens: number): string {
  const pool = ja ? JA : EN;
  let out = '';
  const per = ja ? 1 : 4.2;
  while (out.length / per < tokens) out += (out && !ja ? ' ' : '') + pool[Math.floor(r() * pool.length)]!;
  // cut to the drawn length (a model stops mid-sentence at its own end of answer just as often)
  if (ja) return Array.from(out).slice(0, tokens).join('');
  const cut = out.slice(0, Math.round(tokens * per));
  return cut.slice(0, Math.max(cut.lastIndexOf(' '), 1)).replace(/[ ,]*$/, '.');
}

const between = (r: () => number, x: Range) => Math.round(x.min + r() * (x.max - x.min));

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The viewer's comment in a request: the bot's JSON-quoted last line, or the whole user message (naive bot). */
export function commentOfRequest(req: Pick<FakeChatRequest, 'messages'>): { text: string; viewer?: string } {
  const user = [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const lines = user.split('\n');
  const viewerLine = lines.find((l) => l.startsWith('Viewer: '));
  if (!viewerLine) return { text: user };
  const parse = (s: string) => {
    try {
      return String(JSON.parse(s));
    } catch {
      return s;
    }
  };
  return { text: parse(lines[lines.length - 1] ?? ''), viewer: parse(viewerLine.slice('Viewer: '.length)) };
}

export function profileReplies(profile: Profile): FakeReplyFn {
  const L = profile.lengths;
  return (req): FakeReply => {
    const { text } = commentOfRequest(req);
    const r = rng(hash(text + '|' + req.model));
    const ja = /[\u3040-\u30ff\u4e00-\u9fff]/u.test(text);
    const system = req.messages.find((m) => m.role === 'system')?.content ?? '';
    if (req.model === profile.slow.model) {
      if (text === WARMUP_SLOW) return { thinking: THINK, content: fill(r, ja, 20), ttftMs: profile.slow.ttftMs, tokensPerSec: profile.slow.tokensPerSec, promptTokensPerSec: profile.slow.promptTokensPerSec };
      return {
        thinking: fill(r, false, between(r, L.slowThinking)).replace(/^/, THINK),
        content: fill(r, ja, between(r, L.slowAnswer)),
        ttftMs: profile.slow.ttftMs,
        tokensPerSec: profile.slow.tokensPerSec,
        promptTokensPerSec: profile.slow.promptTokensPerSec,
      };
    }
    const timing = { ttftMs: profile.fast.ttftMs, tokensPerSec: profile.fast.tokensPerSec, promptTokensPerSec: profile.fast.promptTokensPerSec };
    // background fact extraction (structured output): a short JSON list
    if (req.format) return { content: JSON.stringify({ facts: r() < 0.5 ? [] : [ja ? '配信をよく見ている' : 'Watches the stream often'] }), ...timing };
    if (system.includes(TRIAGE_MARKER) && COMPLEX_TEXTS.has(text)) return { content: TRIAGE_MARKER, ...timing };
    const ramble = r() < L.rambleShare || text === WARMUP_RAMBLE;
    return { content: fill(r, ja, between(r, ramble ? L.ramble : L.fastAnswer)), ...timing };
  };
}
