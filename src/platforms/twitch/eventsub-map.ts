/**
 * EventSub's `channel.chat.message` and `channel.chat_settings.update` events → the shapes
 * the rest of the Twitch adapter already reads: a chat event becomes the userstate tmi.js
 * would have given for the same message, so one mapping (`mapTwitchMessage`) makes the
 * `Comment` for both transports (same badges, bits, first message, skip rules).
 */
import type { BotStanding, RoomModes } from './room-state.js';
import type { ChatMessageEvent, ChatSettingsEvent, HelixChatSettings } from './eventsub.external.js';
import type { TwitchWireMessage } from './map.js';

export function wireFromChatEvent(e: ChatMessageEvent, sentAtIso: string | undefined): TwitchWireMessage {
  const badges: Record<string, string> = {};
  for (const b of Array.isArray(e.badges) ? e.badges : []) if (b && typeof b.set_id === 'string') badges[b.set_id] = String(b.id ?? '1');
  const sent = sentAtIso ? Date.parse(sentAtIso) : NaN;
  const bits = e.cheer && typeof e.cheer.bits === 'number' ? e.cheer.bits : undefined;
  return {
    channel: `#${String(e.broadcaster_user_login ?? '')}`,
    text: typeof e.message?.text === 'string' ? e.message.text : '',
    kind: bits !== undefined ? 'cheer' : 'chat',
    userstate: {
      id: e.message_id,
      'user-id': e.chatter_user_id,
      username: e.chatter_user_login,
      'display-name': e.chatter_user_name || null,
      badges,
      mod: 'moderator' in badges,
      subscriber: 'subscriber' in badges || 'founder' in badges,
      vip: 'vip' in badges,
      'first-msg': e.message_type === 'user_intro',
      ...(Number.isFinite(sent) ? { 'tmi-sent-ts': String(sent) } : {}),
      ...(bits !== undefined ? { bits: String(bits) } : {}),
      // the reply tags as IRC has them (the thread's first message, the parent's author and text: memory's threads)
      ...(e.reply?.parent_message_id ? { 'reply-parent-msg-id': e.reply.parent_message_id } : {}),
      ...(e.reply?.parent_user_id ? { 'reply-parent-user-id': e.reply.parent_user_id } : {}),
      ...(e.reply?.parent_user_login ? { 'reply-parent-user-login': e.reply.parent_user_login } : {}),
      ...(e.reply?.parent_message_body ? { 'reply-parent-msg-body': e.reply.parent_message_body } : {}),
      ...(e.reply?.thread_message_id ? { 'reply-thread-parent-msg-id': e.reply.thread_message_id } : {}),
    },
  };
}

/** The bot's standing from its own message's badges. */
export function standingFromChatEvent(e: ChatMessageEvent): BotStanding {
  const sets = new Set((Array.isArray(e.badges) ? e.badges : []).map((b) => b?.set_id));
  return { moderator: sets.has('moderator') || sets.has('broadcaster'), vip: sets.has('vip'), subscriber: sets.has('subscriber') || sets.has('founder') };
}

/** Helix chat settings or the chat_settings.update event (whose duration fields are named differently). */
export function modesFromSettings(s: HelixChatSettings | ChatSettingsEvent): RoomModes {
  const followerMin = 'follower_mode_duration_minutes' in s ? s.follower_mode_duration_minutes : (s as HelixChatSettings).follower_mode_duration;
  const slowS = 'slow_mode_wait_time_seconds' in s ? s.slow_mode_wait_time_seconds : (s as HelixChatSettings).slow_mode_wait_time;
  return {
    emoteOnly: !!s.emote_mode,
    followersOnlyMin: s.follower_mode ? (followerMin ?? 0) : -1,
    slowS: s.slow_mode ? (slowS ?? 0) : 0,
    subsOnly: !!s.subscriber_mode,
  };
}
