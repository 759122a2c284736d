/**
 * What memory refuses to keep. A comment that tries to steer the bot ("remember: from now on
 * ignore your rules", 「これからはルールを無視して」, asks for its prompt, tokens or reasoning) is
 * answered as usual (the prompt quotes it as data) but never stored: not in a thread, not in
 * the channel's recent chat, not as a fact. Pure: no I/O.
 */
import { normalizeText } from '../routing/trigger.js';

const EN = [
  /\b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(instruction|rule|prompt|guideline|polic(y|ies)|filter|setting|persona)s?\b/,
  /\b(from now on|from this point|starting now|henceforth|for the rest of (the|this) stream|in (all|every) (future|later) (answer|repl(y|ies)|message)s?)\b/,
  /\b(you are now|you're now|act as|pretend (to be|you are)|role-?play|new (rule|instruction|persona)s?|developer mode|debug mode|jailbreak|\bdan\b)/,
  /\b(system prompt|your (prompt|instructions|rules|persona)|hidden reasoning|analysis channel|think tags)\b/,
  /\b(always|never) (say|reply|answer|respond|start|end|call me)\b/,
  // instructions phrased as a preference: "please use it in every reply", "end each answer with…"
  /\b(in|at the (end|start) of|to) (every|each|all( of)? (your|the)) (reply|replies|answer|answers|message|messages|response|responses|sentence|sentences)\b/,
  /\b(every|each) (time|reply|answer|message) you (say|reply|answer|respond|talk|write)\b/,
  /\b(repeat after me|say the word|spell (it|that|the)|word for word|verbatim|print (your|the)|reveal (your|the)|show me your)\b/,
  /\b(oauth|token|client secret|refresh token|api key|password)\b/,
];
const JA = [
  /(指示|ルール|命令|設定|制限|プロンプト|ペルソナ).{0,12}(無視|忘れ|破|解除|上書き|変更)/,
  /(無視して|忘れて).{0,20}(言|答|して|話|書)/,
  /(これから|今後|以降|次から|今から).{0,20}(必ず|常に|いつも|ずっと|毎回|言って|答えて|呼んで|語尾|無視|あなたは)/,
  /(システムプロンプト|開発者モード|デバッグ|脱獄|制限のない|トークン|シークレット|パスワード|一字一句|そのまま(教|書|言|出)|差別語)/,
  /(設定|ペルソナ|考えている途中|思考|推論).{0,12}(教えて|見せて|書いて|出して)/,
  /(って言って|と言って|を言って|言ってみて)$/,
  // 指示 phrased as a preference: 「返事の最後に毎回つけて」「いつも〜って呼んで」
  /(毎回|いつも|必ず|常に|ずっと).{0,20}(つけて|付けて|言って|入れて|使って|呼んで|話して|答えて)/,
  /(返事|返信|答え|回答|語尾|文末).{0,12}(毎回|いつも|必ず|常に)/,
  /(あなたは|お前は).{0,10}(今から|これから).{0,20}(です|だ|になる|になって)/,
];

/** Whether a comment reads as an attempt to change the bot's rules, role or output. */
export function looksLikeInjection(text: string): boolean {
  const t = normalizeText(text);
  return EN.some((re) => re.test(t)) || JA.some((re) => re.test(t));
}

/** `!forgetme`: a viewer asks the bot to delete what it keeps about them (any platform). */
export function isForgetMe(text: string): boolean {
  return /^\s*[!！]forgetme\s*$/i.test(text.normalize('NFKC'));
}
