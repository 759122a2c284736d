/**
 * Wire shapes of EventSub over WebSocket and the Helix endpoints the eventsub transport uses,
 * as Twitch documents them. Read only by the eventsub files of this folder; converted in
 * `eventsub-map.ts`.
 */

export interface EventSubMetadata {
  message_id: string;
  message_type: 'session_welcome' | 'session_keepalive' | 'notification' | 'session_reconnect' | 'revocation' | string;
  message_timestamp: string;
  subscription_type?: string;
  subscription_version?: string;
}

export interface EventSubSession {
  id: string;
  status: string;
  connected_at?: string;
  keepalive_timeout_seconds: number | null;
  reconnect_url: string | null;
}

export interface EventSubSubscription {
  id: string;
  status: string;
  type: string;
  version: string;
  condition: Record<string, string>;
}

export interface EventSubFrame {
  metadata: EventSubMetadata;
  payload: { session?: EventSubSession; subscription?: EventSubSubscription; event?: unknown };
}

/** `channel.chat.message` v1 event. */
export interface ChatMessageEvent {
  broadcaster_user_id: string;
  broadcaster_user_login: string;
  broadcaster_user_name?: string;
  chatter_user_id: string;
  chatter_user_login: string;
  chatter_user_name?: string;
  message_id: string;
  message: { text: string; fragments?: { type: string; text: string }[] };
  message_type?: string;
  badges?: { set_id: string; id: string; info?: string }[];
  cheer?: { bits: number } | null;
  reply?: { parent_message_id: string; parent_message_body?: string; parent_user_id?: string; parent_user_login?: string; thread_message_id?: string } | null;
  color?: string;
}

/** `channel.chat_settings.update` v1 event. */
export interface ChatSettingsEvent {
  broadcaster_user_id: string;
  emote_mode?: boolean;
  follower_mode?: boolean;
  follower_mode_duration_minutes?: number | null;
  slow_mode?: boolean;
  slow_mode_wait_time_seconds?: number | null;
  subscriber_mode?: boolean;
}

/** Helix `GET /chat/settings` data item. */
export interface HelixChatSettings {
  broadcaster_id: string;
  emote_mode?: boolean;
  follower_mode?: boolean;
  follower_mode_duration?: number | null;
  slow_mode?: boolean;
  slow_mode_wait_time?: number | null;
  subscriber_mode?: boolean;
}

/** Helix `POST /chat/messages` data item. */
export interface HelixSentMessage {
  message_id: string;
  is_sent: boolean;
  drop_reason?: { code: string; message: string } | null;
}
