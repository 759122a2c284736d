/**
 * The complexity rule table. Each rule has a stable snake_case name (shown by
 * `botctl explain` and recorded in logs) and a weight added to the score when it fires.
 * Patterns run on the NFKC-normalised, lower-cased text (see normalizeText).
 */

export interface PatternRule {
  name: string;
  weight: number;
  pattern: RegExp;
}

/** Question forms and requests that usually need a considered answer. */
export const PATTERN_RULES: readonly PatternRule[] = [
  // Japanese
  { name: 'ja_why', weight: 0.2, pattern: /なぜ|何故|なんで(?!も)|どうして/u },
  // "Xってなんで…" / "なぜXは…" / "…のはなぜ": why about a thing in the world, not about the moment.
  { name: 'ja_why_topic', weight: 0.4, pattern: /(?:って|とは|のは)(?:なぜ|なんで|どうして)|(?:なぜ|何故|なんで|どうして)[^、。?!\s]{1,12}?(?:は|が|って)/u },
  { name: 'ja_difference', weight: 0.45, pattern: /(?<!間)違い|(?<!間)ちがい|どう違う|何が違う|異なる|使い分け/u },
  { name: 'ja_comparison', weight: 0.35, pattern: /比較|比べ|どちらが|どちらを|どちらから|どっちが(?:良|いい|おすすめ|向いて|強|高|上|早|速)|どっちを|どっちから|と[^、。?]{1,30}?(?:どっち|どちら)(?!派|が好き)/u },
  { name: 'ja_pros_cons', weight: 0.45, pattern: /メリット|デメリット|長所|短所|利点|欠点|良いところと悪いところ|良し悪し/u },
  { name: 'ja_explain', weight: 0.45, pattern: /説明|解説|詳しく/u },
  { name: 'ja_tell_me', weight: 0.2, pattern: /教えて|おしえて|知りたい|聞かせて|聞きたい/u },
  { name: 'ja_method', weight: 0.2, pattern: /方法|どうすれば|どうやって|どうしたら|どうやったら|コツ|[\p{sc=Han}]法(?:を|は|って|が|も|と)|(?<!の)[ぁ-ん]方(?:を|は|って|が|も|と)/u },
  { name: 'ja_mechanism', weight: 0.35, pattern: /仕組み|しくみ|原理|(?:って|は)(?:どうやって|どういう)/u },
  // 仕組み/原理 named outright asks for an explanation of a mechanism ("Xってどういう仕組み？");
  // "ボタンってどうやってコメント読んでるの？" (about her) does not get this part.
  { name: 'ja_mechanism_word', weight: 0.1, pattern: /仕組み|しくみ|原理/u },
  { name: 'ja_advice', weight: 0.25, pattern: /(?:れば|たら)(?:いい|良い)|べき/u },
  { name: 'ja_context', weight: 0.2, pattern: /予算|用途|初心者|迷って|悩んで|(?:作り|始め|組み|なり)たい|\d+歳|文系|理系|社会人/u },
  { name: 'ja_recommend', weight: 0.1, pattern: /おすすめ|オススメ|お勧め|おススメ/u },
  { name: 'ja_design', weight: 0.35, pattern: /設計|アーキテクチャ|構成|構築|考え方|戦略|立ち回り|ルート/u },
  { name: 'ja_reason', weight: 0.35, pattern: /理由|原因|対策|影響|考察|根拠/u },
  { name: 'ja_opinion', weight: 0.15, pattern: /と思う(?:\?|か|の)|と思いますか|どう考え|どう思う/u },
  // English
  { name: 'en_why', weight: 0.2, pattern: /\bwhy\b/u },
  // "why is the sky blue": why about the world, not about you, me, chat or this moment.
  { name: 'en_why_world', weight: 0.4, pattern: /\bwhy (?:do|does|did|is|are|was|were|can't|don't|doesn't) (?!(?:you|u|i|we|chat|this|that|it|he|she|they|my|your|everyone)\b)\w/u },
  { name: 'en_how', weight: 0.15, pattern: /\bhow (?:do|does|did|can|could|would|should|to|is|are)\b/u },
  { name: 'en_mechanism', weight: 0.45, pattern: /\b(?:explain|understand) (?:how|why)\b|\bhow (?:does|do|did|can|could) (?!(?:you|u|i|we|this|that|it|chat)\b)\w|\bhow (?:the|a|an) .{1,40}works?\b|\bunder the hood\b/u },
  { name: 'en_compare', weight: 0.35, pattern: /\bcompare|\bcomparison|\bvs\.?\b|\bversus\b|\bbetter (?:than|for)\b|\bwhich (?:is|one is|would be|should)\b|\bor\b.{1,60}\b(?:first|better|instead)\b|\bbetween\b.{1,60}\band\b|\b\w+ or \w+ for (?:a|an|my)\b/u },
  { name: 'en_choice', weight: 0.25, pattern: /\bshould (?:i|we) (?:use|learn|get|buy|pick|choose|go with|start with)\b.{1,40}\bor\b|\bworth (?:learning|buying|it)\b/u },
  { name: 'en_explain', weight: 0.5, pattern: /\bexplain|\bwalk me through|\bin detail\b|\belaborate|\bbreak(?: it)? down\b|\beli5\b|\bin simple terms\b|\blike i'?m (?:5|five)\b/u },
  { name: 'en_difference', weight: 0.45, pattern: /\bdifferen(?:ce|ces|t from)\b|\bdiffer\b/u },
  { name: 'en_pros_cons', weight: 0.45, pattern: /\bpros and cons\b|\badvantages?\b|\bdisadvantages?\b|\btrade-?offs?\b|\bdownsides?\b|\bupsides?\b|\bboth sides\b/u },
  { name: 'en_should_i', weight: 0.2, pattern: /\bshould (?:i|we)\b|\b(?:is|was) (?:it|that|this) a good idea\b|\bwould you recommend\b|\bwhat should i consider\b/u },
  { name: 'en_method', weight: 0.25, pattern: /\b(?:best |good )?ways? to\b|\bmethods?\b|\bstrateg(?:y|ies)\b|\btechniques?\b|\bapproach(?:es)?\b|\bhow to (?:improve|get better|learn|start|build|make)\b/u },
  { name: 'en_advice', weight: 0.2, pattern: /\badvice\b|\btips on\b/u },
  { name: 'en_plan', weight: 0.35, pattern: /\b(?:best|fastest|easiest|quickest|good) ways? to (?:learn|study|start|improve|practi[cs]e|master|get (?:good|better))\b|\bplan (?:a|my|out)\b|\bstudy (?:plan|schedule)\b|\broadmap\b|学習計画|計画を立て/u },
  { name: 'en_context', weight: 0.2, pattern: /\bbudget\b|\bbeginner\b|\btrying to decide\b|\bi want to\b|\bi have \d|\beventually\b|\bmy first\b|\bi (?:only )?have (?:about |around |like )?\d|\bfrom (?:zero|scratch)\b|\bi(?:'m| am| do| use| need)\b/u },
  { name: 'en_recommend', weight: 0.1, pattern: /\brecommend|\bsuggest/u },
  { name: 'en_design', weight: 0.35, pattern: /\bdesign(?:ing)?\b|\barchitect|\bstructure\b/u },
  // "what caused the fall of Rome?": causes in history or the world (not "what caused that", the moment).
  { name: 'en_cause', weight: 0.4, pattern: /\bwhat (?:caused|causes|led to|leads to|triggered) (?!(?:that|this|it|you|me|chat|the (?:lag|crash|bug|glitch|freeze|death|stutter))\b)(?![^?]*\b(?:just now|right now|just then|earlier|today|on stream)\b)\w/u },
  // A life decision where the viewer's situation matters: career, school, moving.
  { name: 'life_decision', weight: 0.25, pattern: /\bdrop(?:ping)? out\b|\bquit(?:ting)? (?:my|the|a) job\b|\b(?:change|changing|switch|switching) (?:careers?|jobs|majors?)\b|\bcareer\b|\bfull[- ]time\b|\bback to school\b|\bmove abroad\b|転職|就職|進学|退職|留学|起業|進路|キャリア/u },
  { name: 'en_reason', weight: 0.2, pattern: /\band why\b|\bwhy not\b|\breasons?\b|\bcaus(?:e|es|ed)\b|\bwhat (?:actually )?happens\b/u },
  // Requests for code or procedures (both languages)
  { name: 'code_request', weight: 0.45, pattern: /(?<!ディス|レ|バー|エン|デ|パス)コード|スクリプト|クエリ|関数|正規表現|実装|\bcode\b|\bscript\b|\bfunction\b|\bregex|\bsnippet\b|\bquery\b|\bwrite (?:a|me|some)\b.{0,30}\b(?:program|function|bot|class)\b|\bin (?:css|python|typescript|javascript|rust|sql)\b/u },
  { name: 'step_by_step', weight: 0.35, pattern: /step[- ]by[- ]step|\bsteps?\b|\binstructions\b|\bhow to set up\b|ステップ|順番|順序|段階|手順|手続き/u },
];

/** Technical vocabulary: each distinct hit adds TECH_WEIGHT, at most TECH_MAX in all. */
export const TECH_TERMS =
  /\brag\b|ベクトル|vector|データベース|database|\bsql\b|nosql|アーキテクチャ|architecture|アルゴリズム|algorithm|プログラ|programm|coding|深層学習|\bapi\b|機械学習|machine learning|ディープラーニング|deep learning|\bllm|ニューラル|neural|\bgpu|\bcpu|\bpython\b|javascript|typescript|\brust\b|\bc\+\+|docker|kubernetes|サーバー|\bserver|\btcp\b|\budp\b|https?\b|暗号|encrypt|量子|quantum|ファインチューニング|fine-?tun|ハルシネーション|hallucinat|\bgit\b|rebase|\breact\b|\bvue\b|svelte|redux|zustand|\bunity\b|godot|linked list|\barray\b|\bthread\b|\bprocess\b|garbage collect|complexity|quicksort|ソート|sort|インデックス|\bindex\b|ollama|quantiz|量子化|\bobs\b|エンコード|encod|ビットコイン|bitcoin|blockchain|ブロックチェーン|仮想マシン|virtual machine|\bcss\b|\bdiv\b|regex|\bai\b|\baiに|意識|conscious|\bpc\b|\bram\b|vram|メモリ|memory|記憶|recursion|再帰|\bbots?\b|ボット|fps|フレームレート/gu;
export const TECH_WEIGHT = 0.15;
export const TECH_MAX = 0.3;

/** Several sub-questions: two or more question marks, or "each"/"それぞれ". */
export const MULTI_WORDS = /それぞれ|各々|ひとつずつ|も(?:教えて|知りたい|聞かせて|説明)|\beach\b|\bboth\b|\band (?:also|how|why|what|when|which)\b|\balso\b.{0,40}\?/u;
export const MULTI_WEIGHT = 0.25;

/**
 * Length in "units": a CJK character counts 2 (it carries about a word), anything else 1.
 * Thresholds and weights: longer comments are more likely to need a considered answer.
 */
export const LENGTH_TIERS: readonly (readonly [units: number, weight: number])[] = [
  [200, 0.3],
  [120, 0.2],
  [70, 0.1],
];

/** Trivial forms are capped at this score whatever else fires. */
export const TRIVIAL_CAP = 0.1;

/** A greeting, alone or with a name, punctuation or emoji. */
export const GREETING =
  /^(?:(?:hi+|hello+|hey+|heya|hiya|yo+|sup|gm|good (?:morning|evening|night|afternoon)|morning|evening|howdy|greetings|こんにちは|こんちは|こんばんは|こんばんわ|ばんわ|おはよう(?:ございます)?|おはよ|やっほー?|はろー|ハロー|はじめまして|初見です|初見|おつ(?:かれ(?:さま)?)?|お疲れ(?:様)?(?:です|でした)?|乙|おやすみ(?:なさい)?|ただいま|おかえり|ありがとう)[\s、,.!！~〜ー…♪☆★]*)+/u;

/** Emotes and reactions: laughter, clapping, hype, emoji, Twitch emote names. */
export const REACTION_TOKEN =
  /^(?:w+|草+|8+|笑+|lol+|lmao+|lul|kekw|pogchamp|pog|poggers|kappa|omegalul|monkas|catjam|pepehands|sadge|pepega|copium|hype|gg|ggwp|f|w|l|rip|nice|wow|omg|ez|clap|lets go+|let's go+|うおお+|きたー*|かわいい|かわよ|つよい|えぐい|すごい|ナイス|[!?！？.…~〜ー]+|(?:\p{Extended_Pictographic}|\p{Emoji_Modifier}|\p{Regional_Indicator}|[\uFE0F\u200D])+)$/u;

/** Stream small talk that a single sentence answers. */
export const STREAM_SMALL_TALK =
  /what game|which game|game is this|this game called|何のゲーム|なんのゲーム|ゲーム名|何てゲーム|what song|song name|曲名|何の曲|この曲なに|how long (?:have you|is the stream|are you)|何時まで|いつまで|what time|how old|何歳|where are you from|どこ住み|favou?rite|好きな(?:食べ物|ゲーム|色|アニメ|曲|動物|もの|キャラ)|推し|how are you|how's it going|how was your day|元気|調子どう|what rank|何レベル|今何/u;

/** A yes/no question: starts with an auxiliary and a subject (English) or is short and ends in ？/か (Japanese). */
export const YES_NO_EN =
  /^(?:(?!(?:why|how|what|when|where|who|which)\b)@?\S+[\s,]+)?(?:is|are|am|was|were|do|does|did|can|could|will|would|have|has|isn't|aren't|don't|doesn't|didn't|can't)\s+(?:you|u|i|we|it|this|that|there|your|ur|chat)\b/u;
/** Japanese: a short comment ending in ？ or か with none of these question words. */
export const YES_NO_JA_END = /(?:\?|か|の\?)$/u;
export const JA_QUESTION_WORD = /なぜ|何|なに|なん|どう|どこ|どれ|どっち|どちら|いつ|誰|だれ|いくつ|いくら|教えて/u;
export const YES_NO_MAX_UNITS = 40;
