/**
 * Seeded chat traces: arrival times (Poisson at each segment's rate) and a realistic mix of
 * Japanese and English greetings, emotes, chatter, short questions, mentions, complex
 * questions, !commands, copy-paste spam and cheers. Same seed, same trace.
 */

export type MessageKind = 'greeting' | 'emote' | 'chatter' | 'question' | 'mention' | 'complex' | 'command' | 'spam' | 'cheer';

export interface TraceMessage {
  /** Offset from the start of the trace, ms. */
  t: number;
  user: string;
  displayName: string;
  text: string;
  kind: MessageKind;
  lang: 'ja' | 'en';
  mod?: boolean;
  vip?: boolean;
  subscriber?: boolean;
  firstMsg?: boolean;
  bits?: number;
}

export interface Trace {
  name: string;
  durationMs: number;
  messages: TraceMessage[];
}

export type Mix = Partial<Record<MessageKind, number>>;

export interface Segment {
  durationMs: number;
  /** Messages per second (Poisson arrivals). */
  rate: number;
  mix: Mix;
  /** Distinct chatters this segment draws from (a few talk a lot). */
  users: number;
  /** Share of messages flagged as a first message in the channel. */
  firstMsgShare?: number;
  /** Chatter names start with this (raiders are new people). */
  userTag?: string;
}

/** A small, fast, seeded PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pickOf = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** The everyday mix: 5% complex questions, the rest what a lively chat looks like. */
export const CHAT_MIX: Mix = { greeting: 16, emote: 20, chatter: 17, question: 20, mention: 8, complex: 5, command: 5, spam: 8, cheer: 1 };
/** A raid: mostly the raid message pasted by many, greetings and emotes; 3% complex. */
export const RAID_MIX: Mix = { spam: 45, greeting: 18, emote: 15, question: 10, mention: 5, complex: 3, chatter: 3, command: 1 };

const T = {
  greeting: {
    en: ['hi', 'hello!', 'hey chat', 'good evening everyone', 'hi botan!', 'yo', 'hello from brazil', 'first time here, hi'],
    ja: ['こんばんは', 'こんにちは！', 'わこつ', 'はじめまして', '初見です', 'おはよう〜', 'ばんわ', 'きたよ'],
  },
  emote: {
    en: ['KEKW', 'LUL LUL', 'PogChamp', 'Kappa', 'monkaS', 'catJAM catJAM catJAM', 'OMEGALUL', '<3 <3'],
    ja: ['草', 'www', 'wwwww', '888888', 'かわいい', 'えらい', '🌸🌸', 'ｗｗｗ'],
  },
  chatter: {
    en: ['that was close', 'nice play', 'the music is good today', 'I just got home', 'this game looks hard', 'lol same', 'gg', 'my cat is watching too'],
    ja: ['今日も元気だね', 'ナイス！', 'BGMいいね', '仕事終わった〜', 'このゲーム難しそう', 'わかる', 'おつかれ', 'うちの猫も見てる'],
  },
  question: {
    en: ['what game is this?', 'how are you today?', 'what time is it there?', 'is this your first playthrough?', 'what is your favorite food?', 'do you like cats?', 'when is the next stream?', 'what are you drawing?', 'my cat loves this game, do you like cats?', 'I just started playing this, any tips?'],
    ja: ['今何してるの？', '好きな食べ物は何？', '次の配信いつ？', 'このゲーム何時間やってる？', '猫好き？', '何描いてるの？', '今日は何するの？', 'どこ住み？', '私も猫飼ってるよ、猫好き？', '僕もこのゲーム始めたんだけど、コツある？'],
  },
  mention: {
    en: ['botan you are so funny', 'hi botan how was your day', 'botan sing a song!', '@botan_bot good luck today', 'botan you got this'],
    ja: ['ぼたんちゃんかわいい', '牡丹ちゃん今日もがんばって', 'ボタン元気？', 'ぼたんおつかれさま', '牡丹ちゃん歌って〜'],
  },
  complex: {
    en: [
      'Can you explain the difference between RAG with a vector database and an event-based memory system, and which one is better for an AI VTuber? Compare the pros and cons.',
      'How does speculative decoding work, and why does it make large language models faster without changing the output? Explain step by step.',
      'Why is TCP slower than UDP for game streaming, and how would you design a protocol that gets the best of both? Compare the tradeoffs.',
      'What are the pros and cons of Rust versus Go for writing a chat bot backend, and which would you choose for high concurrency? Explain why.',
    ],
    ja: [
      'AI VTuberが記憶を持つシステムを作りたいのですが、RAGとベクトルデータベースを使う方法と、イベントベースの記憶システムを使う方法のどちらが良いと思いますか？それぞれのメリット・デメリットを簡潔に教えてください。',
      '量子コンピュータと普通のコンピュータの違いは何ですか？なぜ暗号が破られると言われているのか、仕組みを詳しく説明してください。',
      'ゲームエンジンのUnityとUnreal Engineを比較すると、個人開発ではどちらが良いですか？それぞれのメリットとデメリットを教えてください。',
      '大規模言語モデルはなぜ幻覚を起こすのですか？仕組みと、それを減らす方法を比較して説明してください。',
    ],
  },
  command: { en: ['!uptime', '!discord', '!followage', '!sr never gonna give you up'], ja: ['!uptime', '!discord', '!game', '!sr 夜に駆ける'] },
  spam: {
    en: ['BOTAN RAID ⚡⚡⚡', 'HYPE HYPE HYPE', 'RAID FROM THE COZY CREW <3', 'W STREAM W STREAM'],
    ja: ['ぼたんレイドだ〜！！！', '🌸牡丹ちゃん最高🌸', 'レイドから来ました！', '888888888888'],
  },
  cheer: {
    en: ['cheer100 botan what is your favorite game?', 'cheer500 great stream, how long have you been streaming?', 'cheer100 hi!'],
    ja: ['cheer100 いつも楽しい配信ありがとう！好きなゲームは何？', 'cheer1000 応援してるよ！', 'cheer200 今日の配信何時まで？'],
  },
} as const satisfies Record<MessageKind, { en: readonly string[]; ja: readonly string[] }>;

/** Complex-question texts (every language): the ones that should reach the slow model. */
export const COMPLEX_TEXTS: ReadonlySet<string> = new Set([...T.complex.en, ...T.complex.ja]);

const JA_NAMES = ['さくら', 'ゆき', 'たけし', 'みかん', 'そら', 'ひなた', 'こたろう', 'はる'];

function chooseKind(r: () => number, mix: Mix): MessageKind {
  const entries = Object.entries(mix) as [MessageKind, number][];
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let x = r() * total;
  for (const [k, w] of entries) {
    x -= w;
    if (x < 0) return k;
  }
  return entries[entries.length - 1]![0];
}

/** Variation that keeps one chatter's messages distinct (real chat repeats less than templates). */
function vary(r: () => number, text: string, kind: MessageKind, lang: 'ja' | 'en'): string {
  if (kind === 'spam' || kind === 'command' || kind === 'complex' || kind === 'cheer') return text;
  const x = r();
  if (x < 0.45) return text;
  const tails = lang === 'ja' ? ['！', 'ｗ', '〜', '！！', ' 🌸', 'ね', '笑'] : ['!', ' lol', ' :)', '!!', ' haha', ' <3', ' xD'];
  if (kind === 'question') return text.replace(/[?？]$/u, '') + (lang === 'ja' ? pickOf(r, ['？', '？？', '？ｗ']) : pickOf(r, ['?', '??', ' ?']));
  return text + pickOf(r, tails);
}

export function generateTrace(name: string, segments: readonly Segment[], seed: number): Trace {
  const r = rng(seed);
  const messages: TraceMessage[] = [];
  let offset = 0;
  segments.forEach((seg, si) => {
    let t = offset;
    const end = offset + seg.durationMs;
    const tag = seg.userTag ?? 'viewer';
    for (;;) {
      t += (-Math.log(1 - r()) / seg.rate) * 1000;
      if (t >= end) break;
      // a few chatters talk a lot: square the uniform draw
      const u = Math.floor(r() * r() * seg.users);
      const user = `${tag}${si}_${u}`;
      const lang: 'ja' | 'en' = r() < 0.5 ? 'ja' : 'en';
      const kind = chooseKind(r, seg.mix);
      const base = pickOf(r, T[kind][lang]);
      const m: TraceMessage = {
        t: Math.round(t),
        user,
        displayName: lang === 'ja' && r() < 0.4 ? `${pickOf(r, JA_NAMES)}${u}` : user,
        text: vary(r, base, kind, lang),
        kind,
        lang,
      };
      const role = r();
      if (role < 0.03) m.mod = true;
      else if (role < 0.05) m.vip = true;
      if (r() < 0.15) m.subscriber = true;
      if (r() < (seg.firstMsgShare ?? 0.05)) m.firstMsg = true;
      if (kind === 'cheer') m.bits = Number(/cheer(\d+)/.exec(m.text)?.[1] ?? 100);
      messages.push(m);
    }
    offset = end;
  });
  return { name, durationMs: offset, messages };
}

export interface TraceSizes {
  steadyMs: number;
  busyMs: number;
  raidMs: number;
  raidTailMs: number;
}

// busy runs a minute: enough posted answers (about 80 with the bot a moderator) for a p99
export const FULL_SIZES: TraceSizes = { steadyMs: 20_000, busyMs: 60_000, raidMs: 10_000, raidTailMs: 5_000 };
export const QUICK_SIZES: TraceSizes = { steadyMs: 6_000, busyMs: 6_000, raidMs: 4_000, raidTailMs: 2_000 };

/** The three traces of the issue: steady 2 msg/s, busy 10 msg/s, raid 200 msg/s (then a busy tail). */
export function standardTraces(sizes: TraceSizes, seed = 20_260_601): Trace[] {
  return [
    generateTrace('steady', [{ durationMs: sizes.steadyMs, rate: 2, mix: CHAT_MIX, users: 80 }], seed),
    generateTrace('busy', [{ durationMs: sizes.busyMs, rate: 10, mix: CHAT_MIX, users: 300 }], seed + 1),
    generateTrace(
      'raid',
      [
        { durationMs: sizes.raidMs, rate: 200, mix: RAID_MIX, users: 2500, firstMsgShare: 0.4, userTag: 'raider' },
        { durationMs: sizes.raidTailMs, rate: 10, mix: CHAT_MIX, users: 600, firstMsgShare: 0.2, userTag: 'raider' },
      ],
      seed + 2,
    ),
  ];
}
