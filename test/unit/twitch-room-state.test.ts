import { describe, expect, it } from 'vitest';
import { modesFromSettings } from '../../src/platforms/twitch/eventsub-map.js';
import { applyRoomstate, describeVerdict, limitsUnder, NO_MODES, postingVerdict, standingFromTags, type BotStanding } from '../../src/platforms/twitch/room-state.js';

const plain: BotStanding = { moderator: false, vip: false, subscriber: false };

describe('Twitch room state', () => {
  it.each([
    ['join: every tag', undefined, { 'emote-only': '0', 'followers-only': '-1', r9k: '0', slow: '0', 'subs-only': '0' }, NO_MODES],
    ['slow on', NO_MODES, { slow: '30' }, { ...NO_MODES, slowS: 30 }],
    ['followers any', NO_MODES, { 'followers-only': '0' }, { ...NO_MODES, followersOnlyMin: 0 }],
    ['followers 10 min', NO_MODES, { 'followers-only': '10' }, { ...NO_MODES, followersOnlyMin: 10 }],
    ['only the changed tag: others kept', { ...NO_MODES, slowS: 30 }, { 'emote-only': '1' }, { ...NO_MODES, slowS: 30, emoteOnly: true }],
    ['subs-only off', { ...NO_MODES, subsOnly: true }, { 'subs-only': '0' }, NO_MODES],
    ['garbage kept out', { ...NO_MODES, slowS: 5 }, { slow: 'abc', 'emote-only': true }, { ...NO_MODES, slowS: 5 }],
  ] as const)('%s', (_n, prev, tags, want) => {
    expect(applyRoomstate(prev, tags)).toEqual(want);
  });

  it.each([
    ['no modes', NO_MODES, plain, 'open'],
    ['slow', { ...NO_MODES, slowS: 3 }, plain, 'slow'],
    ['slow, moderator', { ...NO_MODES, slowS: 3 }, { ...plain, moderator: true }, 'open'],
    ['slow, vip', { ...NO_MODES, slowS: 3 }, { ...plain, vip: true }, 'open'],
    ['emote-only', { ...NO_MODES, emoteOnly: true }, plain, 'blocked'],
    ['emote-only, vip', { ...NO_MODES, emoteOnly: true }, { ...plain, vip: true }, 'blocked'],
    ['emote-only, moderator', { ...NO_MODES, emoteOnly: true }, { ...plain, moderator: true }, 'open'],
    ['subs-only', { ...NO_MODES, subsOnly: true }, plain, 'blocked'],
    ['subs-only, subscriber', { ...NO_MODES, subsOnly: true }, { ...plain, subscriber: true }, 'open'],
    ['followers-only', { ...NO_MODES, followersOnlyMin: 0 }, plain, 'blocked'],
    ['followers-only, vip', { ...NO_MODES, followersOnlyMin: 10 }, { ...plain, vip: true }, 'open'],
  ] as const)('verdict: %s', (_n, modes, standing, kind) => {
    expect(postingVerdict(modes, standing).kind).toBe(kind);
  });

  it('describes verdicts for the log', () => {
    expect(describeVerdict(postingVerdict({ ...NO_MODES, slowS: 30 }, plain))).toBe('slow mode 30 s');
    expect(describeVerdict(postingVerdict({ ...NO_MODES, followersOnlyMin: 10 }, plain))).toBe('followers-only mode (10 min)');
    expect(describeVerdict(postingVerdict(NO_MODES, plain))).toBe('no chat restrictions');
  });

  it('reads Helix chat settings and the chat_settings.update event (differently named durations)', () => {
    expect(modesFromSettings({ broadcaster_id: '1', emote_mode: false, follower_mode: true, follower_mode_duration: 0, slow_mode: true, slow_mode_wait_time: 10, subscriber_mode: false })).toEqual({ emoteOnly: false, followersOnlyMin: 0, slowS: 10, subsOnly: false });
    expect(modesFromSettings({ broadcaster_id: '1', follower_mode: false, follower_mode_duration: null, slow_mode: false, slow_mode_wait_time: null })).toEqual(NO_MODES);
    expect(modesFromSettings({ broadcaster_user_id: '1', follower_mode: true, follower_mode_duration_minutes: 10, slow_mode: true, slow_mode_wait_time_seconds: 30, subscriber_mode: true, emote_mode: true })).toEqual({ emoteOnly: true, followersOnlyMin: 10, slowS: 30, subsOnly: true });
  });

  it.each([
    [{ badges: 'moderator/1', mod: '1' }, { moderator: true, vip: false, subscriber: false }],
    [{ badges: 'broadcaster/1' }, { moderator: true, vip: false, subscriber: false }],
    [{ badges: 'vip/1,subscriber/12' }, { moderator: false, vip: true, subscriber: true }],
    [{ badges: true, mod: '0' }, plain],
  ] as const)('standing from USERSTATE tags %j', (tags, want) => {
    expect(standingFromTags(tags)).toEqual(want);
  });

  it.each([
    ['open: the base limits', { kind: 'open' } as const, undefined, { max: 20, windowMs: 30_000, minSpacingMs: 1000 }],
    ['slow 30 s: spaced by it', { kind: 'slow', spacingMs: 30_000 } as const, undefined, { max: 20, windowMs: 30_250, minSpacingMs: 30_250 }],
    ['slow 3 s under an override', { kind: 'slow', spacingMs: 3000 } as const, { max: 10, windowSeconds: 30 }, { max: 10, windowMs: 30_000, minSpacingMs: 3250 }],
  ])('limits: %s', (_n, verdict, override, want) => {
    expect(limitsUnder({ max: 20, windowMs: 30_000, minSpacingMs: 1000 }, verdict, override)).toEqual(want);
  });
});
