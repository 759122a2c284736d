import { describe, expect, it } from 'vitest';
import { AUDIENCE_WEIGHTS, judgeAudience, NOT_FOR_ME_AT, type AudienceInput, type AudienceRule } from '../../src/routing/audience.js';
import { analyzeTrigger } from '../../src/routing/trigger.js';

const NAMES = ['牡丹', 'ぼたん', 'ボタン', 'Botan', 'botan', '牡丹ちゃん', 'ぼたんちゃん', 'botan_bot'];

function judge(text: string, over: Partial<AudienceInput> = {}) {
  return judgeAudience({ text, mention: analyzeTrigger(text, NAMES).mention, ...over });
}
const fired = (text: string, over: Partial<AudienceInput> = {}): string[] => judge(text, over).rules.map((r) => r.name);

// One table per rule: [text, fires?] in English and Japanese, with the near misses that must not fire.
const TABLES: Record<Exclude<AudienceRule, 'addresses_character'>, [string, boolean][]> = {
  at_other_user: [
    ['@someone what do you mean?', true],
    ['@xX_gamer_Xx lol no', true],
    ['@たろう それな', true],
    ['@botan what game is this?', false],
    ['email me at a@b', false],
    ['what do you mean?', false],
  ],
  to_mods: [
    ['mods why is this guy still here?', true],
    ['mods ban him', true],
    ['why are the mods banning people?', true],
    ['ban him please', true],
    ['モデレーターさん仕事して', true],
    ['what mods are you using?', false],
    ['how many mods does skyrim need?', false],
  ],
  to_chat: [
    ['chat is this real?', true],
    ['chat can you stop?', true],
    ['guys what is going on', true],
    ['what do you guys think', true],
    ['is this real, chat?', true],
    ['お前ら落ち着け', true],
    ['みんなはもう寝た？', true],
    ['コメ欄の人たち優しいね', true],
    ['anyone else lagging? or just me', true],
    ['can someone clip that?', true],
    ['hey everyone, what did I miss?', true],
    ['みんなどこから来たの？', true],
    ['今日も負けた。みんなはどう思う？', true],
    ['why does everyone in this chat act like a pro?', true],
    ['what is wrong with you people', true],
    // issue 19b: who is here, calls to type something in chat, 誰か + an imperative to the others
    ["who's watching from the vod?", true],
    ['anyone here from the collab stream?', true],
    ['drop a heart in chat if you stayed up', true],
    ['can we get some F in the chat', true],
    ['誰かあの人黙らせて？ｗ', true],
    ['だれかクリップしてくれ', true],
    ['who is this character?', false],
    ['誰か教えて、この曲なに？', false],
    ['誰か知ってる？この曲', false],
    ['what do you type in chat to vote?', false],
    ['how do I post links in chat?', false],
    ['can I type emotes in chat without a sub?', false],
    ['誰かこのゲームの名前知ってたら教えて', false],
    ['why is chat so quiet today?', false],
    ['what game is this?', false],
    ['みんなで遊べるゲームってある？', false],
  ],
  request_to_others: [
    ['stop spamming', true],
    ['shut up', true],
    ['pls stop', true],
    ['やめろ', true],
    ['静かにして', true],
    ['how do I stop lagging?', true],
    ['when does the stream stop?', false],
    ['やめてほしいことある？', false],
  ],
  loaded_wording: [
    ['are they racist?', true],
    ['this is so cringe', true],
    ['is the game rigged?', true],
    ['who asked', true],
    ['下手くそすぎ', true],
    ['つまらん配信', true],
    ['アンチ多すぎ', true],
    ['pineapple belongs on pizza, change my mind', true],
    ['why is it round? makes you think', true],
    ['who even plays this game anymore', true],
    ['who cares about the lore', true],
    ['is that even possible lol', true],
    ['was it even real?', true],
    ['who plays the main character?', false],
    ['is that possible on console?', false],
    ['is that even possible in this game?', false],
    ['anyone know when the next stream is? asking for a friend', false],
    ['dumb question but what is a roguelike?', false],
    ['How does garbage collection work in JavaScript?', false],
    ['このボスくそ強くない？', false],
  ],
  third_person_streamer: [
    ['is this streamer even good?', true],
    ['this guy is cracked', true],
    ['is she always like this?', true],
    ["he's so bad at this game", true],
    ['is this the same vtuber from the clip?', true],
    ['the new streamer is so loud', true],
    ['is it true she is moving to youtube?', true],
    ['i heard he got banned on twitter?', true],
    ['この配信者って何歳なの？', true],
    ['配信者さんは今日も迷子', true],
    ['あいつまた同じところで落ちてる', true],
    ['is he the final boss?', false],
    ['is it true that spiders have eight eyes?', false],
    ['is this the same level as before?', false],
    ['is this the same guy we fought earlier?', false],
    ['この人誰？', false],
    ['あいつって誰？ボス？', false],
    ['what does a streamer earn?', false],
  ],
  meta_noise: [
    ['This is a copypasta. If you see this message, copy it and paste it', true],
    ['spam this in chat', true],
    ['copy and paste if you agree', true],
    ['how do I copy files in linux?', false],
    ['what is a copy constructor?', false],
  ],
  ja_meta_noise: [
    ['弾幕薄いよ何やってんの', true],
    ['コピペやめろ', true],
    ['荒らしに反応しないで', true],
    ['連投やめて', true],
    ['スルーで', true],
    ['このコメントを見た人は3日以内に貼らないと不幸になります', true],
    ['【悲報】配信者さん、今日も負ける', true],
    ['指示コメ禁止って書いてあるよ', true],
    ['指示厨ほんと多い', true],
    ['今日の配信何時まで？', false],
    ['弾丸って何発あるの？', false],
  ],
  emote_wall: [
    ['KEKW KEKW KEKW ?', true],
    ['PogChamp?', true],
    ['LUL', true],
    ['🔥🔥🔥 ?', true],
    ['botanHeart botanHeart what?', true], // channel emotes from the platform's emote data (see below)
    [':_ameHeh::_ameHeh::_ameHeh: what?', true], // YouTube custom emoji, glued as :shortcodes:
    ['is this real Kappa', false],
    ['what time is it there: morning or night?', false],
    ['what is your rank?', false],
  ],
  emote_heavy: [
    ['omg KEKW that was so KEKW', true],
    ['Kappa Kappa what is this', true],
    ['what is going on here Kappa', false],
  ],
  shouting: [
    ['WHY IS THIS GAME SO HARD???', true],
    ['WHAT GAME IS THIS', true],
    ['WHAT IS THIS???', true],
    ['NO WAY BRO', false],
    ['GG EZ', false],
    ['what GAME is this', false],
    ['LOL', false],
    ['how do I use the GPU in WSL?', false],
    ['AI VTuberでRAGを使う方法を教えてください HOLD', false],
    ['RAGとLLMとGPUとVRAMとHOLDの話', false],
  ],
  repetition: [
    ['stop stop stop stop', true],
    ['why why why', true],
    ['do it do it do it do it', true],
    ['is this the one or is it the other one?', false],
  ],
  char_run: [
    ['what??????', true],
    ['AAAAAAAAAH', true],
    ['なにそれーーーーーー', false],
    ['ｗｗｗｗｗｗｗｗ', false],
    ['what?', false],
  ],
  laughter_share: [
    ['ｗｗｗｗｗ', true],
    ['草草草草', true],
    ['8888888', true],
    ['lmaooo lol', true],
    ['なんで今死んだのｗ', false],
    ['what was that lol', false],
    ['ｗｗｗｗ何今のｗｗｗｗ', true],
  ],
  low_information: [
    ['why?', true],
    ['え？', true],
    ['草？', true],
    ['???', true],
    ['KEKW ?', true],
    ['wait what', true],
    ['bro what', true],
    ['what game?', false],
    ['how old?', false],
    ['何歳？', false],
    ['1+1は？', false],
    ['なんで？', false],
    // function words and Japanese bare reactions with nothing to answer
    ['what was that', true],
    ['ok but why tho', true],
    ['えっ？', true],
    ['え、まって？？', true],
    ['なにこれ？ｗｗｗ', true],
    ['は？？', true],
    ['なんで？ｗｗｗ', true],
    ['what the hell was that', true],
    ['why though?', true],
    ['what is this game', false],
    ['is it live?', false],
    ['what is that?', false],
    ['who is this?', false],
    ['why is that?', false],
    ['what was that song?', false],
    ['なにこれ美味しそう！何？', false],
    ['なんで今のジャンプ届かないの？', false],
  ],
  ascii_art: [
    ['⣿⣿⣿⣿⠿⠿⣿⣿ ⣿⣿⡇ ⢸⣿⣿', true],
    ['░░░░▄▄▄▄░░░░ ▀▀▀▀', true],
    ['(╯°□°)╯︵ ┻━┻ ?!?!?! (ノಠ益ಠ)ノ彡┻━┻', true],
    ['what is 2+2?', false],
    ['C++ or Rust?', false],
  ],
};

describe('the "is this for me?" rules', () => {
  for (const [rule, rows] of Object.entries(TABLES)) {
    it.each(rows)(`${rule}: %s → %s`, (text, fires) => {
      const over: Partial<AudienceInput> = text.startsWith('botanHeart') ? { platformEmotes: ['botanHeart'] } : {};
      expect(fired(text, over).includes(rule)).toBe(fires);
    });
  }

  it('every rule has a table and a stable weight', () => {
    expect(Object.keys(TABLES).sort()).toEqual(Object.keys(AUDIENCE_WEIGHTS).filter((k) => k !== 'addresses_character').sort());
    for (const r of judge('chat KEKW KEKW ?').rules) expect(r.weight).toBe(AUDIENCE_WEIGHTS[r.name as AudienceRule]);
  });

  it("reads the platform's emote data: a channel emote is an emote only when the platform says so", () => {
    expect(fired('botanHeart botanHeart what?')).not.toContain('emote_wall');
    expect(fired('botanHeart botanHeart what?', { platformEmotes: ['botanHeart'] })).toContain('emote_wall');
    expect(fired('myEmote myEmote?', { extraEmotes: new Set(['myEmote']) })).toContain('emote_wall');
  });
});

describe('the decision', () => {
  it.each([
    // chat aimed at others, bait, noise: not for the character
    ['chat can you stop spamming?', false],
    ['mods why are you banning people? are they racist?', false],
    ['@someone what do you mean?', false],
    ['KEKW KEKW KEKW ?', false],
    ['WHY IS THIS GAME SO HARD???', false],
    ['ｗｗｗｗｗ？', false],
    ['888888', false],
    ['草', false],
    ['コピペやめろ', false],
    ['お前らこれマジ？', false],
    ['why?', false],
    ["who's here from the raid?", false],
    ['is this the same streamer who lost yesterday?', false],
    ['who even watches this?', false],
    ['Kappa Kappa Kappa is that even legal?', false],
    ['WHAT WAS THAT???', false],
    ['なにこれ？ｗｗｗｗ', false],
    ['この配信者いつもこうなの？', false],
    ['誰かこの人止めて？ｗ', false],
    // genuine questions and anything addressed to her: for the character
    ['what game is this?', true],
    ['anyone know the song name?', true],
    ['How does public key encryption work?', true],
    ['なんで今死んだのｗ', true],
    ['データベースのインデックスってなんで速いの？', true],
    ['牡丹ちゃん好きな食べ物は？', true],
    ['Botan, why?', true],
    ['@botan are you racist? lol', true],
    ['BOTAN WHAT GAME IS THIS', true],
    ['牡丹ちゃん草', true],
    ['botan is it true you can sing?', true],
    ['牡丹ちゃん、なにこれ？', true],
    ['誰か曲名わかる？', true],
    ['こいつ強くない？', true],
  ])('%s → for me: %s', (text, forMe) => {
    const v = judge(text);
    expect(v.forMe).toBe(forMe);
    expect(v.score >= NOT_FOR_ME_AT).toBe(!forMe);
  });

  it('a platform reply to the bot is addressed to the character, whatever else fires', () => {
    expect(judge('why?').forMe).toBe(false);
    const v = judge('why?', { repliesToBot: true });
    expect(v.forMe).toBe(true);
    expect(v.rules.map((r) => r.name)).toEqual(['addresses_character', 'low_information']);
  });

  it('reads only the start of a very long comment (a copypasta shows itself early) and stays linear', () => {
    const long = `${'KEKW '.repeat(50)}${'what is this '.repeat(2000)}?`;
    expect(judge(long).forMe).toBe(false);
  });

  it.each(['', '   ', '\u200b', '؟ما هذا', '🇯🇵🇯🇵', 'a'.repeat(5000)])('never throws on odd input (%j)', (text) => {
    expect(() => judge(text)).not.toThrow();
  });
});
