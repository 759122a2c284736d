/**
 * A viewer's short-lived state, in one place: when they were last answered (the cooldown
 * claim), their latest question, their filter strikes. Keyed by platform and the platform's
 * stable user id, never a name. Intake, the fast worker and `botctl explain` use these
 * named operations; what a viewer is remembered for (threads, facts) is memory's (src/memory/).
 */
import type { ChainableCommander, Redis } from 'ioredis';
import type { TriggerInfo } from './routing/trigger.js';
import { runtimeKeys } from './runtime-keys.js';

/** Every key of a viewer's state (the strings are a contract: docs/architecture.md). */
export const viewerKeys = {
  /** Last answer to a user: value `<epoch ms>|<comment id>`, expires with the cooldown. */
  cooldown: (prefix: string, platform: string, userId: string) => `${prefix}:cooldown:${platform}:${userId}`,
  /** Filter strikes of a user; at ABUSE_STRIKES the user is ignored while the key lives. */
  strikes: (prefix: string, platform: string, userId: string) => `${prefix}:abuse:${platform}:${userId}`,
  /** Sorted set of a user's recent questions by arrival: an older one still waiting is skipped (latest question wins). */
  latest: (prefix: string, platform: string, userId: string) => `${prefix}:latest:${platform}:${userId}`,
  /**
   * A viewer's login → their user id, for `botctl explain --user <platform>:<login>`; lives as
   * long as the longest of the cooldown and strikes written with it (memory keeps its own,
   * longer-lived index, only where memory is on).
   */
  login: (prefix: string, platform: string, login: string) => `${prefix}:viewer:login:${platform}:${login.toLowerCase()}`,
};

/** Whose state: platform and the platform's user id (and login: what moderators type). */
export interface Viewer {
  platform: string;
  userId: string;
  login?: string;
}

/** What the fast worker (and explain) knows about a viewer when it decides. */
export interface ViewerSnapshot {
  /** Their last answer while the cooldown lives: when, and which comment took it. */
  cooldown?: { at: number; commentId: string };
  /** Filter strikes while the strikes key lives. */
  strikes: number;
  /** The comment id of their latest recorded question, if any is recent. */
  latestQuestion?: string;
  /** The comment asked about (`commentId`) already had its answer posted: a redelivery. */
  answered: boolean;
  /** The cooldown claim made with the read (`claim`) took the cooldown. */
  claimed: boolean;
}

/** A comment taking a viewer's cooldown: value `<at>|<commentId>`, `ttlS` seconds. */
export interface CooldownClaim {
  commentId: string;
  at: number;
  ttlS: number;
}

/** How many recent questions are kept per viewer, and for how long. */
const LATEST_KEEP = 3;
const LATEST_TTL_S = 120;

/** A mention or a question is recorded as the viewer's latest question (intake), and only those are superseded (fast worker). */
export function recordsAsLatest(trig: Pick<TriggerInfo, 'mention' | 'question'>): boolean {
  return trig.mention || trig.question;
}

/** When the viewer was last answered, for decide(): a retry of the comment that took the cooldown is not held back by it. */
export function lastAnsweredAt(s: Pick<ViewerSnapshot, 'cooldown'>, commentId?: string): number | undefined {
  return s.cooldown && s.cooldown.commentId !== commentId ? s.cooldown.at : undefined;
}

function parseCooldown(raw: string | null): ViewerSnapshot['cooldown'] {
  if (!raw) return undefined;
  const [at, commentId] = raw.split('|');
  return { at: Number(at), commentId: commentId ?? '' };
}

const cooldownValue = (c: CooldownClaim) => `${c.at}|${c.commentId}`;

export function createViewerState(opts: { redis: Redis; prefix: string }) {
  const { redis, prefix } = opts;
  const k = {
    cooldown: (v: Viewer) => viewerKeys.cooldown(prefix, v.platform, v.userId),
    strikes: (v: Viewer) => viewerKeys.strikes(prefix, v.platform, v.userId),
    latest: (v: Viewer) => viewerKeys.latest(prefix, v.platform, v.userId),
  };
  /** Map the viewer's login to their id for at least `ttlS` (never shortening a longer life). */
  const noteLogin = (m: ChainableCommander, v: Viewer, ttlS: number): ChainableCommander => {
    if (!v.login) return m;
    const key = viewerKeys.login(prefix, v.platform, v.login);
    return m.set(key, v.userId, 'KEEPTTL').expire(key, ttlS, 'NX').expire(key, ttlS, 'GT');
  };
  return {
    /**
     * The viewer's state, and (`claim`) the cooldown claimed ahead of the decision, in one
     * round trip: every command is sent before any reply is awaited, so it runs alongside the
     * caller's other reads. The claim (SET NX) is sent after the cooldown read; with the
     * viewer's login, the login index is written alongside (viewerKeys.login).
     * `commentId`: whether that comment's answer was already posted.
     */
    async read(v: Viewer, o: { commentId?: string; claim?: CooldownClaim } = {}): Promise<ViewerSnapshot> {
      const [cooldownRaw, strikesRaw, answered, latest, claimed] = await Promise.all([
        redis.get(k.cooldown(v)),
        redis.get(k.strikes(v)),
        o.commentId === undefined ? 0 : redis.exists(runtimeKeys.posted(prefix, v.platform, o.commentId, 'answer')),
        redis.zrange(k.latest(v), -1, -1).then((r) => r[0]),
        o.claim ? redis.set(k.cooldown(v), cooldownValue(o.claim), 'EX', o.claim.ttlS, 'NX') : undefined,
        o.claim && v.login ? noteLogin(redis.pipeline(), v, o.claim.ttlS).exec() : undefined,
      ]);
      const cooldown = parseCooldown(cooldownRaw);
      return { ...(cooldown ? { cooldown } : {}), strikes: Number(strikesRaw ?? 0), ...(latest ? { latestQuestion: latest } : {}), answered: answered > 0, claimed: claimed === 'OK' };
    },

    /** Take the cooldown whoever holds it (a follow-up answered within it restarts it). */
    async setCooldown(v: Viewer, claim: CooldownClaim): Promise<void> {
      const ttlS = Math.max(1, claim.ttlS);
      const [[err] = [null]] = (await noteLogin(redis.pipeline().set(k.cooldown(v), cooldownValue(claim), 'EX', ttlS), v, ttlS).exec()) ?? [];
      if (err) throw err;
    },

    /** Give back a cooldown claimed with read() for a comment that is not answered after all. */
    async releaseCooldown(v: Viewer, s: Pick<ViewerSnapshot, 'claimed'>): Promise<void> {
      if (s.claimed) await redis.del(k.cooldown(v));
    },

    /** Whether this comment holds the cooldown now (a retry keeps the claim of its earlier attempt). */
    async holdsCooldown(v: Viewer, commentId: string): Promise<boolean> {
      return parseCooldown(await redis.get(k.cooldown(v)))?.commentId === commentId;
    },

    /**
     * Record a question as the viewer's latest (intake, before its job exists), by arrival.
     * Returns the pending write, to be awaited with the caller's others.
     */
    recordLatest(v: Viewer, commentId: string, arrival: number): Promise<unknown> {
      const key = k.latest(v);
      return redis.pipeline().zadd(key, arrival, commentId).zremrangebyrank(key, 0, -(LATEST_KEEP + 1)).expire(key, LATEST_TTL_S).exec();
    },

    /** Take back a recorded question that was not queued after all (a duplicate text). */
    async dropLatest(v: Viewer, commentId: string): Promise<void> {
      await redis.zrem(k.latest(v), commentId);
    },

    /** Count a filter strike; the key lives `ttlS` after the last one. Returns the count. */
    async addStrike(v: Viewer, ttlS: number): Promise<number> {
      const key = k.strikes(v);
      const life = Math.max(1, ttlS);
      const [[, n]] = ((await noteLogin(redis.multi().incr(key).expire(key, life), v, life).exec()) ?? [[null, 0]]) as [[unknown, number]];
      return n;
    },

    /** The user id a login typed by a moderator stands for, while the viewer has state; undefined otherwise. */
    async resolveLogin(platform: string, login: string): Promise<string | undefined> {
      return (await redis.get(viewerKeys.login(prefix, platform, login))) ?? undefined;
    },
  };
}
export type ViewerState = ReturnType<typeof createViewerState>;
