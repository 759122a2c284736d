import type { CommentInput } from '../../types.js';
import type { YouTubeChatItem, YouTubeMessageRun } from './chat-item.external.js';
import { parseSuperChatAmount } from './superchat-amount.js';

export interface MapContext {
  /** The live video id the item was read from (the comment's channel). */
  liveId: string;
  /** When the adapter received it (epoch ms). */
  receivedAt: number;
  /**
   * Whether the item was a membership event (liveChatMembershipItemRenderer): youtube-chat
   * does not say so on the item, the adapter learns it from the raw response.
   */
  membershipEvent?: boolean;
}

function runText(run: YouTubeMessageRun): string {
  if ('text' in run) return run.text;
  return run.emojiText || run.alt || '';
}

/**
 * The one place a youtube-chat item becomes our CommentInput. Returns null for an item that
 * cannot be answered (no message id or author channel id).
 */
export function mapChatItem(item: YouTubeChatItem, ctx: MapContext): CommentInput | null {
  const authorId = item.author?.channelId ?? '';
  if (!item.id || !authorId) return null;
  // YouTube shows handles ("@name") as author names; the pipeline adds its own "@".
  const name = (item.author.name ?? '').replace(/^@/, '').slice(0, 200);
  const text = (item.message ?? []).map(runText).join('').slice(0, 20_000);
  // the channel's custom emoji, as their :shortcode: (the "is this for me?" rules count them)
  const emotes = [...new Set((item.message ?? []).flatMap((r) => ('isCustomEmoji' in r && r.isCustomEmoji && r.emojiText ? [r.emojiText.slice(0, 100)] : [])))].slice(0, 50);
  const sent = item.timestamp instanceof Date ? item.timestamp.getTime() : Number.NaN;

  let kind: CommentInput['kind'] = 'chat';
  let paid: CommentInput['paid'];
  if (item.superchat) {
    kind = 'superchat';
    const parsed = parseSuperChatAmount(item.superchat.amount);
    if (parsed) paid = parsed;
  } else if (ctx.membershipEvent) {
    kind = 'membership';
  }

  return {
    platform: 'youtube',
    channel: ctx.liveId,
    id: item.id.slice(0, 200),
    author: {
      id: authorId.slice(0, 200),
      login: name,
      name,
      badges: {
        owner: item.isOwner === true,
        moderator: item.isModerator === true,
        member: item.isMembership === true,
        verified: item.isVerified === true,
        vip: false,
      },
    },
    text,
    ...(emotes.length ? { emotes } : {}),
    kind,
    ...(paid ? { paid } : {}),
    ...(Number.isFinite(sent) && sent >= 0 ? { sentAt: Math.floor(sent) } : {}),
    receivedAt: ctx.receivedAt,
  };
}
