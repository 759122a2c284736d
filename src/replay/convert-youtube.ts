/**
 * YouTube chat JSON → replay lines. Two formats, as the common downloaders save them:
 *  - yt-dlp `live_chat.json`: one JSON object per line, the InnerTube chat actions wrapped in
 *    `replayChatItemAction` (chat replays) or the same wrapper with `isLive` (recorded live).
 *  - chat-downloader JSON: one JSON array of message objects (`message`, `message_type`,
 *    `author`, `time_in_seconds`, `timestamp`, `money`).
 * Pure: text in, lines out.
 */
import { parseSuperChatAmount } from '../platforms/youtube/superchat-amount.js';
import { eachJsonLine, type ConvertResult, type ReplayBadge, type ReplayLine } from './format.js';

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const obj = (v: unknown): Json => (isObj(v) ? v : {});

interface Draft {
  lineNo: number;
  /** Epoch ms or video offset ms; only differences matter. */
  ms: number;
  line: Omit<ReplayLine, 't'>;
}

function finish(drafts: Draft[], errors: ConvertResult['errors'], skipped: number): ConvertResult {
  const start = drafts.reduce((min, d) => Math.min(min, d.ms), Infinity);
  const lines = drafts
    .map((d, order) => ({ line: { t: Math.round(d.ms - start) / 1000, ...d.line } as ReplayLine, order }))
    .sort((a, b) => a.line.t - b.line.t || a.order - b.order)
    .map((x) => x.line);
  return { lines, errors, skipped };
}

/** Member badges are localised tooltips ("Member (6 months)", "New member", "メンバー（1 か月）"). */
const MEMBER_TITLE = /member|メンバー|membre|miembro|mitglied|membro|회원|멤버/i;

// ---------------------------------------------------------------------------------------------
// yt-dlp live_chat.json

/** Message runs → text; emoji runs as the emoji itself, custom emoji as their `:shortcut:`. */
export function runsText(message: unknown): string {
  const m = obj(message);
  if (typeof m.simpleText === 'string') return m.simpleText;
  const runs = Array.isArray(m.runs) ? m.runs : [];
  let out = '';
  for (const run of runs) {
    const r = obj(run);
    if (typeof r.text === 'string') {
      out += r.text;
      continue;
    }
    const e = obj(r.emoji);
    const shortcuts = Array.isArray(e.shortcuts) ? e.shortcuts.filter((s): s is string => typeof s === 'string') : [];
    const id = str(e.emojiId) ?? '';
    // Standard emoji carry the character itself as emojiId; custom emoji an opaque "UC…/…" id.
    if (e.isCustomEmoji !== true && id && !id.includes('/')) out += id;
    else out += shortcuts[0] ?? id;
  }
  return out;
}

function ytDlpBadges(renderer: Json, membershipItem: boolean): ReplayBadge[] {
  const out = new Set<ReplayBadge>();
  const list = Array.isArray(renderer.authorBadges) ? renderer.authorBadges : [];
  for (const b of list) {
    const badge = obj(obj(b).liveChatAuthorBadgeRenderer);
    const icon = str(obj(badge.icon).iconType)?.toUpperCase();
    if (icon === 'OWNER') out.add('owner');
    else if (icon === 'MODERATOR') out.add('moderator');
    else if (icon === 'VERIFIED') out.add('verified');
    else if (badge.customThumbnail !== undefined || MEMBER_TITLE.test(str(badge.tooltip) ?? '')) out.add('member');
  }
  if (membershipItem) out.add('member');
  return [...out];
}

const RENDERERS = ['liveChatTextMessageRenderer', 'liveChatPaidMessageRenderer', 'liveChatPaidStickerRenderer', 'liveChatMembershipItemRenderer'] as const;

function ytDlpItem(action: Json): { kind: (typeof RENDERERS)[number]; r: Json } | undefined {
  const item = obj(obj(action.addChatItemAction).item);
  for (const kind of RENDERERS) if (isObj(item[kind])) return { kind, r: item[kind] };
  return undefined;
}

/** Convert yt-dlp's `live_chat.json` (JSON Lines). */
export function convertYtDlpLiveChat(input: string): ConvertResult {
  const drafts: Draft[] = [];
  const errors: ConvertResult['errors'] = [];
  let skipped = 0;
  eachJsonLine(input, (value, lineNo, bad) => {
    if (bad !== undefined) {
      errors.push({ line: lineNo, message: 'not valid JSON; yt-dlp live_chat.json has one JSON object per line' });
      return;
    }
    const wrapper = obj(obj(value).replayChatItemAction);
    const actions = Array.isArray(wrapper.actions) ? wrapper.actions : isObj(value) && isObj(value.addChatItemAction) ? [value] : [];
    // Chat replays put the offset inside the wrapper; yt-dlp's live recordings beside it.
    const offset = Number(wrapper.videoOffsetTimeMsec ?? obj(value).videoOffsetTimeMsec);
    for (const a of actions) {
      const found = ytDlpItem(obj(a));
      if (!found) {
        skipped++;
        continue;
      }
      const { kind, r } = found;
      const usec = Number(r.timestampUsec);
      const ms = Number.isFinite(usec) && usec > 0 ? usec / 1000 : Number.isFinite(offset) ? offset : undefined;
      const user = runsText(r.authorName).trim();
      if (ms === undefined || !user) {
        errors.push({ line: lineNo, message: ms === undefined ? 'chat item without timestampUsec or videoOffsetTimeMsec' : 'chat item without authorName' });
        continue;
      }
      let text = runsText(r.message);
      let paid: { paid: number; currency: string } | undefined;
      if (kind === 'liveChatPaidMessageRenderer' || kind === 'liveChatPaidStickerRenderer') {
        const shown = runsText(r.purchaseAmountText);
        const amount = parseSuperChatAmount(shown);
        if (!amount) {
          errors.push({ line: lineNo, message: `super chat amount not understood: "${shown.slice(0, 40)}"` });
          continue;
        }
        paid = { paid: amount.amount, currency: amount.currency };
      }
      if (kind === 'liveChatMembershipItemRenderer' && text === '') {
        // A new member ("Welcome to …!") or a milestone without a message.
        text = runsText(r.headerSubtext) || runsText(r.headerPrimaryText);
      }
      const badges = ytDlpBadges(r, kind === 'liveChatMembershipItemRenderer');
      const id = str(r.id);
      drafts.push({
        lineNo,
        ms,
        line: {
          user,
          text,
          ...(badges.length ? { badges } : {}),
          ...(paid ?? {}),
          ...(kind === 'liveChatMembershipItemRenderer' ? { kind: 'membership' as const } : {}),
          platform: 'youtube',
          ...(id ? { id } : {}),
        },
      });
    }
    if (actions.length === 0) skipped++;
  });
  return finish(drafts, errors, skipped);
}

// ---------------------------------------------------------------------------------------------
// chat-downloader JSON

const CD_KINDS: Readonly<Record<string, 'chat' | 'superchat' | 'membership'>> = {
  text_message: 'chat',
  paid_message: 'superchat',
  paid_sticker: 'superchat',
  membership_item: 'membership',
};

function cdBadges(author: Json, membershipItem: boolean): ReplayBadge[] {
  const out = new Set<ReplayBadge>();
  for (const b of Array.isArray(author.badges) ? author.badges : []) {
    const badge = obj(b);
    const icon = (str(badge.icon_name) ?? str(badge.name) ?? '').toLowerCase();
    const title = str(badge.title) ?? '';
    if (icon === 'owner' || icon === 'broadcaster') out.add('owner');
    else if (icon === 'moderator') out.add('moderator');
    else if (icon === 'verified') out.add('verified');
    else if (MEMBER_TITLE.test(title) || Array.isArray(badge.icons)) out.add('member');
  }
  if (author.is_moderator === true) out.add('moderator');
  if (membershipItem) out.add('member');
  return [...out];
}

/** Convert chat-downloader's JSON output (a JSON array of messages). */
export function convertChatDownloader(input: string): ConvertResult {
  const body = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { lines: [], errors: [{ line: 1, message: `not valid JSON (${why}); chat-downloader writes one JSON array` }], skipped: 0 };
  }
  if (!Array.isArray(value)) {
    return { lines: [], errors: [{ line: 1, message: 'expected a JSON array of messages (chat-downloader --output chat.json)' }], skipped: 0 };
  }
  const drafts: Draft[] = [];
  const errors: ConvertResult['errors'] = [];
  let skipped = 0;
  value.forEach((m, i) => {
    const msg = obj(m);
    // Errors name the message's position in the array (1-based): the file is one JSON value.
    const lineNo = i + 1;
    const kind = CD_KINDS[str(msg.message_type) ?? 'text_message'];
    if (!kind) {
      skipped++;
      return;
    }
    const author = obj(msg.author);
    const user = (str(author.name) ?? '').trim();
    const usec = Number(msg.timestamp);
    const secs = Number(msg.time_in_seconds);
    const ms = Number.isFinite(usec) && usec > 0 ? usec / 1000 : Number.isFinite(secs) && msg.time_in_seconds !== null ? secs * 1000 : undefined;
    if (ms === undefined || !user) {
      errors.push({ line: lineNo, message: ms === undefined ? 'message without timestamp or time_in_seconds' : 'message without author.name' });
      return;
    }
    let paid: { paid: number; currency: string } | undefined;
    if (kind === 'superchat') {
      const money = obj(msg.money);
      const amount = Number(money.amount);
      const currency = str(money.currency) ?? parseSuperChatAmount(str(money.text) ?? '')?.currency;
      if (!Number.isFinite(amount) || amount < 0 || !currency) {
        errors.push({ line: lineNo, message: 'paid message without money.amount and money.currency' });
        return;
      }
      paid = { paid: amount, currency: currency.toUpperCase() };
    }
    const badges = cdBadges(author, kind === 'membership');
    const id = str(msg.message_id);
    drafts.push({
      lineNo,
      ms,
      line: {
        user,
        ...(str(author.display_name) && author.display_name !== user ? { name: str(author.display_name)! } : {}),
        text: str(msg.message) ?? '',
        ...(badges.length ? { badges } : {}),
        ...(paid ?? {}),
        ...(kind === 'membership' ? { kind } : {}),
        platform: 'youtube',
        ...(id ? { id } : {}),
      },
    });
  });
  return finish(drafts, errors, skipped);
}

/** Which YouTube format a text is, if either (for auto-detection). */
export function detectYoutubeFormat(input: string): 'yt-dlp' | 'chat-downloader' | undefined {
  const head = input.replace(/^\uFEFF/, '').trimStart().slice(0, 64_000);
  if (head.startsWith('[') && /"message_type"|"time_in_seconds"|"author"/.test(head)) return 'chat-downloader';
  if (head.startsWith('{') && /"(?:replayChatItemAction|addChatItemAction)"/.test(head)) return 'yt-dlp';
  return undefined;
}
