/**
 * Labelled pairs for choosing MEMORY_MIN_SIMILARITY: a stored exchange (comment + answer)
 * and a later comment. `related` when the stored exchange would help answer the later
 * comment (a follow-up, a returning viewer, the same question again); otherwise it is a
 * different subject, often with words in common (the cases a floor must keep out).
 */
export interface Pair {
  stored: { comment: string; answer: string };
  query: string;
  related: boolean;
  lang: 'en' | 'ja';
}

const p = (comment: string, answer: string, query: string, related: boolean, lang: 'en' | 'ja' = 'en'): Pair => ({
  stored: { comment, answer },
  query,
  related,
  lang,
});

export const PAIRS: Pair[] = [
  // English, related
  p('my cat is called Tama', 'Tama is a lovely name for a cat!', "do you remember my cat's name?", true),
  p('I am learning to play the guitar', 'Nice! Start with open chords.', 'how long until I can play guitar songs?', true),
  p('which GPU should I buy for streaming', 'A used RTX 3060 is plenty for 1080p.', 'is the 3060 still good for streaming in 2026?', true),
  p('I just moved to Osaka', 'Welcome to Osaka! Try the takoyaki.', 'any food tips for Osaka?', true),
  p('what mic do you use', 'I use a Shure MV7 on an arm.', 'is the MV7 mic worth it?', true),
  p('my exam is tomorrow, wish me luck', 'Good luck on your exam! You got this.', 'I passed the exam!', true),
  p('what game is this', 'This is Hollow Knight, a metroidvania.', 'is Hollow Knight hard?', true),
  p('my dog Pochi is sick today', 'Oh no, I hope Pochi feels better soon.', 'Pochi is better now!', true),
  p('recommend a fantasy book', 'Try The Name of the Wind by Rothfuss.', 'I started The Name of the Wind, who is Kvothe?', true),
  p('how do you make your thumbnails', 'I use Photoshop and a bold font.', 'what font do you use for thumbnails?', true),
  p('I started running every morning', 'Great habit! Keep your pace easy.', 'my morning runs are getting easier', true),
  p('what keyboard is that', 'A Keychron K2 with brown switches.', 'are brown switches loud?', true),
  // English, unrelated (often with a word in common)
  p('my cat is called Tama', 'Tama is a lovely name for a cat!', 'what time does the stream end?', false),
  p('which GPU should I buy for streaming', 'A used RTX 3060 is plenty for 1080p.', 'my cat knocked over my drink', false),
  p('I just moved to Osaka', 'Welcome to Osaka! Try the takoyaki.', 'what is your favourite anime?', false),
  p('what mic do you use', 'I use a Shure MV7 on an arm.', 'how do I beat the second boss?', false),
  p('my exam is tomorrow, wish me luck', 'Good luck on your exam! You got this.', 'which keyboard do you use?', false),
  p('what game is this', 'This is Hollow Knight, a metroidvania.', 'do you like cats or dogs?', false),
  p('I am learning to play the guitar', 'Nice! Start with open chords.', 'can you say hi to my friend?', false),
  p('recommend a fantasy book', 'Try The Name of the Wind by Rothfuss.', 'what is the weather like today?', false),
  p('how do you make your thumbnails', 'I use Photoshop and a bold font.', 'how do you make your coffee?', false),
  p('I started running every morning', 'Great habit! Keep your pace easy.', 'what time do you start streaming in the morning?', false),
  p('what keyboard is that', 'A Keychron K2 with brown switches.', 'what is that song playing?', false),
  p('my dog Pochi is sick today', 'Oh no, I hope Pochi feels better soon.', 'I feel sick of this level', false),
  // Japanese, related
  p('うちの猫の名前はミケだよ', 'ミケちゃん、かわいい名前！', '猫の名前覚えてる？', true, 'ja'),
  p('最近ギターを始めました', 'いいですね！まずはコードから。', 'ギター上達のコツある？', true, 'ja'),
  p('配信用のマイク何使ってる？', 'Shure MV7 を使ってます。', 'MV7ってマイクいい？', true, 'ja'),
  p('明日テストなんだ', 'テスト頑張って！応援してる！', 'テスト終わった！', true, 'ja'),
  p('このゲーム何？', 'ホロウナイトっていうゲームだよ。', 'ホロウナイトって難しい？', true, 'ja'),
  p('大阪に引っ越しました', '大阪ようこそ！たこ焼き食べてね。', '大阪でおすすめの食べ物は？', true, 'ja'),
  p('犬のポチが風邪ひいた', 'ポチ早く元気になるといいね。', 'ポチ元気になったよ！', true, 'ja'),
  p('おすすめの小説ある？', '「風の名前」がおすすめです。', '風の名前読み始めたよ', true, 'ja'),
  p('毎朝ランニング始めた', 'いい習慣ですね！無理せずに。', 'ランニング続いてるよ', true, 'ja'),
  p('サムネどうやって作ってる？', 'フォトショップで作ってます。', 'サムネのフォント何使ってる？', true, 'ja'),
  // Japanese, unrelated
  p('うちの猫の名前はミケだよ', 'ミケちゃん、かわいい名前！', '今日の配信何時まで？', false, 'ja'),
  p('最近ギターを始めました', 'いいですね！まずはコードから。', '好きなアニメは何？', false, 'ja'),
  p('配信用のマイク何使ってる？', 'Shure MV7 を使ってます。', '二番目のボスどうやって倒すの？', false, 'ja'),
  p('明日テストなんだ', 'テスト頑張って！応援してる！', 'おすすめのキーボードは？', false, 'ja'),
  p('このゲーム何？', 'ホロウナイトっていうゲームだよ。', '猫と犬どっちが好き？', false, 'ja'),
  p('大阪に引っ越しました', '大阪ようこそ！たこ焼き食べてね。', '友達に挨拶して！', false, 'ja'),
  p('犬のポチが風邪ひいた', 'ポチ早く元気になるといいね。', '今日の天気どう？', false, 'ja'),
  p('おすすめの小説ある？', '「風の名前」がおすすめです。', 'この曲の名前は？', false, 'ja'),
  p('毎朝ランニング始めた', 'いい習慣ですね！無理せずに。', '朝ごはん何食べた？', false, 'ja'),
  p('サムネどうやって作ってる？', 'フォトショップで作ってます。', 'コーヒーどうやって作ってる？', false, 'ja'),
];
