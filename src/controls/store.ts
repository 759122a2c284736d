/**
 * Reads the moderator control keys from Redis for each decision, through a short cache:
 * one MULTI (global hash, channel hash, the four sets) per channel at most once per
 * `cacheMs` (then, for `staleMs`, in the background while the last read serves), so a change
 * made with redis-cli or botctl takes effect within a second in every process. Nothing read
 * from Redis, and no Redis fault, makes get() throw.
 */
import type { Redis } from 'ioredis';
import { componentLogger, type Logger } from '../log.js';
import type { Platform } from '../types.js';
import { formatValue, isField, resolveSettings, type BadValue } from './fields.js';
import { controlKeys, SET_NAMES, type SetName } from './keys.js';
import type { ControlSnapshot, Controls, Field, Settings } from './types.js';

export interface ControlsOptions {
  redis: Redis;
  prefix: string;
  logger: Logger;
  /** How long one read serves decisions (default 500 ms). */
  cacheMs?: number;
  /**
   * How long past `cacheMs` the last read still serves decisions while a new read runs in the
   * background (default: 400 ms, at most `cacheMs`), so no decision waits for Redis while the
   * controls are read often; a change still reaches every decision within cacheMs + staleMs.
   */
  staleMs?: number;
  /** How long a decision waits for Redis before using the last known controls (default 300 ms). */
  timeoutMs?: number;
}

type Hash = Record<string, string>;
type Sets = Record<SetName, string[]>;

interface Entry {
  at: number;
  snap?: ControlSnapshot;
  inflight?: Promise<ControlSnapshot>;
  inflightSince: number;
  channelGood: Partial<Settings>;
  channelHash: Hash;
}

const EMPTY_SETS: Sets = { blocked_users: [], vip_users: [], blocked_words: [], slow_keywords: [] };

function members(raw: string[]): string[] {
  const out = new Set<string>();
  for (const m of raw) {
    const v = m.trim().toLowerCase();
    if (v) out.add(v);
  }
  return [...out];
}

function toHash(good: Partial<Settings>): Hash {
  const h: Hash = {};
  for (const [f, v] of Object.entries(good)) if (isField(f) && v !== undefined) h[f] = formatValue(f, v);
  return h;
}

function errCode(err: unknown): string | undefined {
  return err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message.split(' ')[0]) : undefined;
}

export function createControls(opts: ControlsOptions): Controls {
  const { redis } = opts;
  const cacheMs = opts.cacheMs ?? 500;
  const staleMs = opts.staleMs ?? Math.min(400, cacheMs);
  const timeoutMs = opts.timeoutMs ?? 300;
  const keys = controlKeys(opts.prefix);
  // the caller may already have bound the component (pino would print the key twice)
  const log = componentLogger(opts.logger, 'controls');

  const entries = new Map<string, Entry>();
  let globalGood: Partial<Settings> = {};
  let globalHash: Hash = {};
  let lastSets: Sets = EMPTY_SETS;
  /** Effective values per key as last observed: hash key → field → text; set key → members. */
  const observed = new Map<string, Map<string, string>>();
  /** key\0field → the bad raw value already warned about. */
  const warned = new Map<string, string>();
  const wrongType = new Set<string>();
  let down = false;
  let closed = false;

  function snapshotOf(channelHash: Hash, channelGood: Partial<Settings>, sets: Sets): { snap: ControlSnapshot; bad: BadValue[]; good: { global: Partial<Settings>; channel: Partial<Settings> } } {
    const r = resolveSettings(globalHash, channelHash, { global: globalGood, channel: channelGood });
    return {
      snap: {
        settings: r.settings,
        sources: r.sources,
        blockedUsers: new Set(sets.blocked_users),
        vipUsers: new Set(sets.vip_users),
        blockedWords: sets.blocked_words,
        slowKeywords: sets.slow_keywords,
      },
      bad: r.bad,
      good: r.good,
    };
  }

  /** The last known controls for a channel, or the global ones and defaults. */
  function fallback(entry: Entry | undefined): ControlSnapshot {
    if (entry?.snap) return entry.snap;
    const r = resolveSettings(toHash(globalGood), {});
    return { settings: r.settings, sources: r.sources, blockedUsers: new Set(lastSets.blocked_users), vipUsers: new Set(lastSets.vip_users), blockedWords: lastSets.blocked_words, slowKeywords: lastSets.slow_keywords };
  }

  function outage(err: unknown): void {
    if (down) return;
    down = true;
    log.warn({ code: errCode(err), err: err instanceof Error ? err.message : String(err) }, 'controls unreadable; serving the last known settings until Redis answers');
  }

  function recovered(): void {
    if (!down) return;
    down = false;
    log.info('controls readable again');
  }

  function noteChanges(key: string, now: Map<string, string>, isSet: boolean): void {
    const before = observed.get(key);
    observed.set(key, now);
    if (!before) return; // first read of this key in this process: its state, not a change
    if (isSet) {
      const added = [...now.keys()].filter((m) => !before.has(m));
      const removed = [...before.keys()].filter((m) => !now.has(m));
      if (added.length || removed.length) {
        log.info({ key, added: added.length, removed: removed.length }, 'control changed');
        log.debug({ key, chat: { added, removed } }, 'control set members changed');
      }
      return;
    }
    for (const field of new Set([...before.keys(), ...now.keys()])) {
      const old = before.get(field) ?? null;
      const next = now.get(field) ?? null;
      if (old !== next) log.info({ key, field, old, new: next }, 'control changed');
    }
  }

  function noteBad(key: string, hash: Hash, bad: BadValue[], kept: Partial<Settings>): void {
    const badFields = new Set(bad.map((b) => b.field));
    for (const b of bad) {
      const id = `${key}\0${b.field}`;
      if (warned.get(id) === b.value) continue;
      warned.set(id, b.value);
      const keep = isField(b.field) ? kept[b.field as Field] : undefined;
      if (b.reason === 'unknown_field') {
        log.warn({ key, field: b.field, value: b.value, allowed: b.allowed }, 'control field ignored: not a known field');
      } else {
        log.warn({ key, field: b.field, value: b.value, allowed: b.allowed, using: keep === undefined ? 'fallback' : formatValue(b.field as Field, keep) }, 'control value ignored: not an allowed value');
      }
    }
    for (const id of warned.keys()) {
      const [k, field] = id.split('\0') as [string, string];
      if (k === key && !badFields.has(field) && hash[field] !== warned.get(id)) warned.delete(id);
    }
  }

  /** Result of one command in the MULTI; a key of the wrong type keeps its last value. */
  function reply<T>(key: string, res: [Error | null, unknown] | undefined, last: T): T {
    if (!res) return last;
    const [err, val] = res;
    if (!err) {
      wrongType.delete(key);
      return val as T;
    }
    if (!/WRONGTYPE/.test(err.message)) throw err;
    if (!wrongType.has(key)) {
      wrongType.add(key);
      log.warn({ key }, 'control key has the wrong type (delete it and write it again as the README shows); keeping its last value');
    }
    return last;
  }

  async function read(entry: Entry, platform: Platform, channel: string): Promise<ControlSnapshot> {
    const chKey = keys.channel(platform, channel);
    const m = redis.multi().hgetall(keys.routing).hgetall(chKey);
    for (const s of SET_NAMES) m.smembers(keys.sets[s]);
    const res = await m.exec();
    if (!res) throw new Error('EXECABORT transaction discarded');
    const g = reply<Hash>(keys.routing, res[0], toHash(globalGood));
    const c = reply<Hash>(chKey, res[1], entry.channelHash);
    const sets = { ...lastSets };
    SET_NAMES.forEach((s, i) => {
      sets[s] = members(reply<string[]>(keys.sets[s], res[2 + i], lastSets[s]));
    });

    globalHash = g;
    const { snap, bad, good } = snapshotOf(c, entry.channelGood, sets);
    globalGood = good.global;
    lastSets = sets;
    entry.channelGood = good.channel;
    entry.channelHash = c;
    entry.snap = snap;
    entry.at = Date.now();

    noteBad(keys.routing, g, bad.filter((b) => b.scope === 'global'), good.global);
    noteBad(chKey, c, bad.filter((b) => b.scope === 'channel'), good.channel);
    noteChanges(keys.routing, new Map(Object.entries(toHash(good.global))), false);
    noteChanges(chKey, new Map(Object.entries(toHash(good.channel))), false);
    for (const s of SET_NAMES) noteChanges(keys.sets[s], new Map(sets[s].map((v) => [v, v])), true);
    recovered();
    return snap;
  }

  function refresh(entry: Entry, platform: Platform, channel: string): Promise<ControlSnapshot> {
    entry.inflightSince = Date.now();
    const p = read(entry, platform, channel)
      .catch((err: unknown) => {
        outage(err);
        entry.at = Date.now(); // try again after cacheMs, not on every decision
        return fallback(entry);
      })
      .finally(() => {
        if (entry.inflight === p) entry.inflight = undefined;
      });
    entry.inflight = p;
    return p;
  }

  function withTimeout(p: Promise<ControlSnapshot>, entry: Entry, ms: number): Promise<ControlSnapshot> {
    if (ms <= 0) return Promise.resolve(fallback(entry));
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        outage(new Error('TIMEOUT controls read took longer than ' + timeoutMs + ' ms'));
        resolve(fallback(entry));
      }, ms);
      t.unref();
      void p.then((snap) => {
        clearTimeout(t);
        resolve(snap);
      });
    });
  }

  return {
    async get(platform: Platform, channel: string): Promise<ControlSnapshot> {
      const id = keys.channel(platform, channel);
      let entry = entries.get(id);
      if (!entry) {
        entry = { at: 0, inflightSince: 0, channelGood: {}, channelHash: {} };
        entries.set(id, entry);
      }
      if (closed || redis.status === 'end') return fallback(entry);
      const now = Date.now();
      if (entry.snap && now - entry.at < cacheMs) return entry.snap;
      if (entry.at !== 0 && now - entry.at < cacheMs) return fallback(entry); // failed read, retry later
      if (entry.snap && now - entry.at < cacheMs + staleMs) {
        // still fresh enough: read again in the background, this decision does not wait
        if (!entry.inflight) void refresh(entry, platform, channel);
        return entry.snap;
      }
      if (entry.inflight) return withTimeout(entry.inflight, entry, timeoutMs - (now - entry.inflightSince));
      return withTimeout(refresh(entry, platform, channel), entry, timeoutMs);
    },
    async close(): Promise<void> {
      closed = true;
      entries.clear();
    },
  };
}
