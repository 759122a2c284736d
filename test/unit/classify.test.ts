import { describe, expect, it } from 'vitest';
import { bandOf, routeForScore, scoreComplexity, type Complexity } from '../../src/routing/classify.js';

const SOURCE_QUESTION =
  'AI VTuberが記憶を持つシステムを作りたいのですが、RAGとベクトルデータベースを使う方法と、イベントベースの記憶システムを使う方法のどちらが良いと思いますか？それぞれのメリット・デメリットを簡潔に教えてください。';
const names = (c: Complexity): string[] => c.rules.map((r) => r.name);

describe('scoreComplexity: the source article and quick questions', () => {
  it('sends the source question slow, naming why', () => {
    const c = scoreComplexity(SOURCE_QUESTION);
    expect(c.score).toBeGreaterThanOrEqual(0.6);
    expect(c.trivial).toBe(false);
    expect(routeForScore(c.score, 0.6)).toBe('slow');
    expect(names(c)).toEqual(expect.arrayContaining(['ja_pros_cons', 'ja_comparison', 'multi_question', 'tech_vocab', 'long_text']));
  });

  it.each(['牡丹ちゃん好きな食べ物は？', "what's your favorite game?", 'what game is this', 'なんで今死んだのｗ', 'why did you jump there lol', 'how do I beat this boss?'])(
    '%j is fast',
    (text) => {
      expect(routeForScore(scoreComplexity(text).score, 0.6)).toBe('fast');
    },
  );
});

describe('scoreComplexity: named rules', () => {
  it.each([
    ['機械学習とディープラーニングの違いを教えてください', 'ja_difference'],
    ['PythonとJavaScript、初心者はどちらから学ぶべき？', 'ja_comparison'],
    ['OBSのメリット・デメリットは？', 'ja_pros_cons'],
    ['なぜ空は青いの？', 'ja_why'],
    ['なぜ空は青いの？', 'ja_why_topic'],
    ['ビットコインの仕組みを説明して', 'ja_mechanism'],
    ['ビットコインの仕組みを説明して', 'ja_explain'],
    ['AI VTuberの設計はどうする？', 'ja_design'],
    ['why is the sky blue?', 'en_why'],
    ['why is the sky blue?', 'en_why_world'],
    ['How does public key encryption work?', 'en_mechanism'],
    ['Compare React and Vue', 'en_compare'],
    ['Twitch vs YouTube?', 'en_compare'],
    ['can you explain recursion', 'en_explain'],
    ["what's the difference between a process and a thread?", 'en_difference'],
    ['pros and cons of Rust?', 'en_pros_cons'],
    ['should I learn Go?', 'en_should_i'],
    ['Could you write a Python function that reverses a list?', 'code_request'],
    ['PythonでCSVを読み込むコード教えて', 'code_request'],
    ['step by step instructions for OBS please', 'step_by_step'],
    ['Discordのボットを作る手順を教えて', 'step_by_step'],
    ['why? how? what?', 'multi_question'],
    ['それぞれの特徴を教えて', 'multi_question'],
    ['what are the strengths of each engine', 'multi_question'],
    ['RAGとベクトルデータベースの関係', 'tech_vocab'],
    ['x'.repeat(250), 'long_text'],
    // issue 19b: causes, life decisions, explain how, "A or B for a …", learning plans, situations
    ['what caused the french revolution?', 'en_cause'],
    ['what led to the cold war?', 'en_cause'],
    ['should I go back to school at 30 or keep working?', 'life_decision'],
    ['thinking of switching careers into game dev', 'life_decision'],
    ['留学するか就職するか迷ってる', 'life_decision'],
    ['can you explain why interest rates affect house prices?', 'en_mechanism'],
    ['Blender or Maya for a hobbyist?', 'en_compare'],
    ['is it a good idea to buy a used GPU?', 'en_should_i'],
    ['fastest way to learn touch typing?', 'en_plan'],
    ['I only have 2 hours a week, can I still learn guitar?', 'en_context'],
    ['learning to draw from scratch, where do I start?', 'en_context'],
    ['40歳からゲーム実況を始めるのってどう？', 'ja_context'],
    ['このテーブルから売上を集計するクエリを書いて', 'code_request'],
    ['ギターってどういう順番で練習すればいい？', 'step_by_step'],
    ['光合成ってどういう仕組み？', 'ja_mechanism_word'],
  ])('%j fires %s', (text, rule) => {
    const c = scoreComplexity(text);
    expect(names(c)).toContain(rule);
    const hit = c.rules.find((r) => r.name === rule);
    expect(hit?.weight).toBeGreaterThan(0);
  });

  it('lists every fired rule once and the score is their clamped sum', () => {
    const c = scoreComplexity('Why do LLMs hallucinate, and how can developers reduce it?');
    expect(new Set(names(c)).size).toBe(c.rules.length);
    const sum = c.rules.reduce((s, r) => s + r.weight, 0);
    expect(c.score).toBeCloseTo(Math.min(1, sum), 2);
  });

  it('scores longer comments higher, all else equal', () => {
    const short = scoreComplexity('これってどう思う？');
    const long = scoreComplexity(`これってどう思う？${'その理由がとても気になっていて、'.repeat(8)}`);
    expect(long.score).toBeGreaterThan(short.score);
    expect(names(long)).toContain('long_text');
  });
});

describe('scoreComplexity: the issue 19b rules route world, life and method questions slow, and not the moment', () => {
  it.each([
    ['what caused the great depression?', 'slow'],
    ['can you explain how a bill becomes a law?', 'slow'],
    ['Ruby or Python for a first web app, what are the trade-offs?', 'slow'],
    ["what's the best way to study for the JLPT if I only have an hour a day?", 'slow'],
    ["I'm 22 and thinking about dropping out of college to make games, is that a good idea?", 'slow'],
    ['転職しようか迷ってる、28歳で未経験だけどどう思う？', 'slow'],
    ['量子もつれってどういう仕組みなの？', 'slow'],
    ['SQLで月ごとの件数を数えるクエリ書いて', 'slow'],
    ['韓国語の勉強ってどういう順番でやるべき？', 'slow'],
    ['what caused that lag spike?', 'fast'],
    ['what caused the crash in the game just now?', 'fast'],
    ['is it a good idea to use the bow here?', 'fast'],
    ['full time streamer?', 'fast'],
    ['何歳？', 'fast'],
    ['ボタンってどうやってコメント読んでるの？', 'fast'],
  ])('%j → %s', (text, route) => {
    expect(routeForScore(scoreComplexity(text).score, 0.6)).toBe(route);
  });
});

describe('scoreComplexity: trivial forms are never slow', () => {
  it.each([
    ['こんにちは！', 'trivial_greeting'],
    ['おはよう〜 牡丹ちゃん', 'trivial_greeting'],
    ['hi botan!', 'trivial_greeting'],
    ['hello everyone', 'trivial_greeting'],
    ['www', 'trivial_reaction'],
    ['草', 'trivial_reaction'],
    ['8888888', 'trivial_reaction'],
    ['LUL LUL LUL', 'trivial_reaction'],
    ['KEKW', 'trivial_reaction'],
    ['PogChamp PogChamp', 'trivial_reaction'],
    ['🤣🤣🤣', 'trivial_reaction'],
    ['❤️❤️', 'trivial_reaction'],
    ['👍🏽 🇯🇵', 'trivial_reaction'],
    ['what game is this?', 'trivial_small_talk'],
    ['何のゲーム？', 'trivial_small_talk'],
    ['how are you?', 'trivial_small_talk'],
    ['元気？', 'trivial_small_talk'],
    ['do you like python?', 'trivial_yes_no'],
    ['is this your first time?', 'trivial_yes_no'],
    ['猫飼ってる？', 'trivial_yes_no'],
  ])('%j is %s', (text, kind) => {
    const c = scoreComplexity(text);
    expect(c.trivial).toBe(true);
    expect(names(c)).toContain(kind);
    expect(routeForScore(c.score, 0.6)).toBe('fast');
    expect(bandOf(c, 0.6, [0.35, 0.6])).toBe('fast');
  });

  it('caps a trivial form even when weaker rules fire', () => {
    const c = scoreComplexity("what's your favorite programming language, python or rust?");
    expect(c.trivial).toBe(true);
    expect(c.rules.find((r) => r.name === 'tech_vocab')?.weight).toBeGreaterThan(0.1);
    expect(c.score).toBeLessThanOrEqual(0.1);
  });

  it('several questions are not small talk', () => {
    expect(scoreComplexity('what game is this? why? how? when?').trivial).toBe(false);
  });

  it('a real request after a greeting is not trivial', () => {
    const c = scoreComplexity('hi botan! can you explain the difference between TCP and UDP?');
    expect(c.trivial).toBe(false);
    expect(routeForScore(c.score, 0.6)).toBe('slow');
  });
});

describe('scoreComplexity: edges', () => {
  // the exact score and the rules that fired: a score merely within 0..1 could not fail (it is clamped)
  it.each([
    ['', 0, []],
    ['   ', 0, []],
    ['مرحبا، كيف حالك؟', 0, []],
    ['שלום מה שלומך?', 0, []],
    ['🌸✨🎮', 0, ['trivial_reaction']],
    // length alone stays on the fast route
    ['あ'.repeat(10_000), 0.3, ['long_text']],
    // a word repeated 2,500 times counts once
    ['why '.repeat(2_500), 0.5, ['en_why', 'long_text']],
  ])('%j scores %d (rules %j)', (text, score, rules) => {
    const c = scoreComplexity(text);
    expect(c.score).toBeCloseTo(score, 9);
    expect(c.rules.map((r) => r.name)).toEqual(rules);
  });

  it('10,000 characters of technical questions clamp to 1', () => {
    const c = scoreComplexity('How does RAG compare with fine-tuning? pros and cons? '.repeat(200).slice(0, 10_000));
    expect(c.score).toBe(1);
  });

  it.each([
    ['Japanese', 'データベースの設計について教えて。'],
    ['English', 'why how compare explain? '],
    ['laughter', 'w'],
    ['emoji', '🌸'],
  ])('10,000 characters of %s: no catastrophic backtracking (< 20 ms a call)', (_kind, unit) => {
    const text = unit.repeat(Math.ceil(10_000 / unit.length)).slice(0, 10_000);
    scoreComplexity(text);
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) scoreComplexity(text);
    expect((performance.now() - t0) / 10).toBeLessThan(20);
  });
});

describe('scoreComplexity: slow keywords', () => {
  it.each([
    ['牡丹ちゃん、質問コーナーです', ['質問コーナー']],
    ['ＲＡＧって何？', ['rag']],
    ['what about TOPIC-X', ['topic-x']],
  ])('%j with %j is forced slow', (text, kws) => {
    const c = scoreComplexity(text, { slowKeywords: kws });
    expect(c.score).toBe(1);
    expect(c.rules).toEqual([{ name: 'slow_keyword', weight: 1 }]);
    expect(c.trivial).toBe(false);
  });

  it('does nothing when no keyword is present', () => {
    expect(scoreComplexity('hi botan!', { slowKeywords: ['rag'] }).score).toBeLessThan(0.6);
    expect(scoreComplexity('hi botan!', { slowKeywords: [] }).rules.some((r) => r.name === 'slow_keyword')).toBe(false);
  });
});

describe('routeForScore and bandOf', () => {
  it.each([
    [0, 0.6, 'fast'],
    [0.59, 0.6, 'fast'],
    [0.6, 0.6, 'slow'],
    [1, 0.6, 'slow'],
    [0, 0, 'slow'],
    [0.99, 1, 'fast'],
    [1, 1, 'slow'],
  ] as const)('score %s, threshold %s -> %s', (score, threshold, route) => {
    expect(routeForScore(score, threshold)).toBe(route);
  });

  const cx = (score: number, trivial = false): Complexity => ({ score, rules: [], trivial });
  it.each([
    [cx(0.1), 'fast'],
    [cx(0.35), 'uncertain'],
    [cx(0.59), 'uncertain'],
    [cx(0.6), 'slow'],
    [cx(0.9), 'slow'],
    [cx(0.5, true), 'fast'],
  ] as const)('%j in band [0.35, 0.6) -> %s', (c, band) => {
    expect(bandOf(c, 0.6, [0.35, 0.6])).toBe(band);
  });

  it('an empty band never yields uncertain', () => {
    expect(bandOf(cx(0.5), 0.6, [0.5, 0.5])).toBe('fast');
  });
});

describe('code_request does not fire on words that merely contain コード', () => {
  it.each(['ぼたん、ディスコードってあるの？', 'レコード会社どこ？', 'パスコード忘れた', 'バーコードリーダー買った'])('%s', (text) => {
    expect(scoreComplexity(text).rules.map((r) => r.name)).not.toContain('code_request');
  });
  it.each(['このコードの書き方教えて', 'Pythonのコードを書いて'])('%s still asks for code', (text) => {
    expect(scoreComplexity(text).rules.map((r) => r.name)).toContain('code_request');
  });
});
