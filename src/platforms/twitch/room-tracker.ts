import type { Logger } from '../../log.js';
import { applyRoomstate, describeVerdict, NO_MODES, postingVerdict, standingFromTags, type BotStanding, type PostingVerdict, type RoomModes } from './room-state.js';

/**
 * Chat modes and the bot's standing per channel, as the connection reports them, with one log
 * line per change of what they mean for posting.
 */
export interface RoomTracker {
  /** A ROOMSTATE's tags (IRC) or modes read from Helix chat settings. */
  onModes(channel: string, modes: RoomModes | Record<string, string | true | undefined>): void;
  /** The bot's USERSTATE tags in the channel (or its standing as known otherwise). */
  onStanding(channel: string, standing: BotStanding): void;
  onUserstateTags(channel: string, tags: Record<string, string | true | undefined>): void;
  verdict(channel: string): PostingVerdict;
}

const isModes = (m: unknown): m is RoomModes => typeof m === 'object' && m !== null && 'slowS' in m && 'followersOnlyMin' in m;

/** `onChange` hears every change of a channel's verdict (the first one too), e.g. to share it with the workers. */
export function createRoomTracker(log: Logger, onChange?: (channel: string, verdict: PostingVerdict) => void): RoomTracker {
  const modes = new Map<string, RoomModes>();
  const standing = new Map<string, BotStanding>();
  const said = new Map<string, string>();
  const verdict = (channel: string) => postingVerdict(modes.get(channel) ?? NO_MODES, standing.get(channel) ?? { moderator: false, vip: false, subscriber: false });

  function report(channel: string): void {
    const v = verdict(channel);
    const d = describeVerdict(v);
    const before = said.get(channel);
    if (before === d) return;
    said.set(channel, d);
    onChange?.(channel, v);
    if (before === undefined && v.kind === 'open') return;
    const m = modes.get(channel) ?? NO_MODES;
    if (v.kind === 'blocked') {
      log.warn({ channel, mode: v.reason }, `#${channel} is in ${v.reason}: the bot cannot post there, so comments in #${channel} are not answered until the mode ends (make the bot a moderator or VIP of the channel to be exempt)`);
    } else if (v.kind === 'slow') {
      log.info({ channel, slowS: m.slowS }, `#${channel} is in slow mode (${m.slowS} s): the bot posts there at most once every ${m.slowS} s`);
    } else {
      log.info({ channel }, `#${channel}: no chat mode restricts the bot any more`);
    }
  }

  return {
    onModes(channel, m) {
      modes.set(channel, isModes(m) ? m : applyRoomstate(modes.get(channel), m));
      report(channel);
    },
    onStanding(channel, s) {
      standing.set(channel, s);
      report(channel);
    },
    onUserstateTags(channel, tags) {
      this.onStanding(channel, standingFromTags(tags));
    },
    verdict,
  };
}
