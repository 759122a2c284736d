/**
 * The chat item shape youtube-chat 2.2.0 emits (its `ChatItem`, which its package does not
 * export). Kept here, structurally identical, so the mapping does not reach into the
 * library's dist folder.
 */
export interface YouTubeImage {
  url: string;
  alt: string;
}

export type YouTubeMessageRun =
  | { text: string }
  | (YouTubeImage & {
      /** Unicode emoji for standard emoji, the ":shortcut:" for a channel's custom emoji. */
      emojiText: string;
      isCustomEmoji: boolean;
    });

export interface YouTubeChatItem {
  id: string;
  author: {
    name: string;
    thumbnail?: YouTubeImage;
    channelId: string;
    /** Membership badge (custom thumbnail), e.g. label "Member (6 months)". */
    badge?: { thumbnail: YouTubeImage; label: string };
  };
  message: YouTubeMessageRun[];
  superchat?: { amount: string; color: string; sticker?: YouTubeImage };
  isMembership: boolean;
  isVerified: boolean;
  isOwner: boolean;
  isModerator: boolean;
  timestamp: Date;
}
