/**
 * The moderator control fields (DESIGN.md "Moderator control keys"): allowed values,
 * defaults, parsing and how a channel override, the global hash and the defaults combine.
 * Pure: no I/O. Moderators type these values by hand with redis-cli, so parsing trims
 * spaces and ignores case, and anything else is reported rather than guessed.
 */
import { MODES, OVERFLOWS, THINK_LEVELS, TRIGGERS, type Field, type Settings, type Source } from './types.js';

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  mode: 'auto',
  trigger: 'question',
  slow_threshold: 0.6,
  slow_max_waiting: 20,
  overflow: 'fast',
  think: 'medium',
  ack: true,
  user_cooldown_s: 30,
  fast_max_age_s: 20,
  slow_max_age_s: 300,
  approval: false,
  context: '',
  memory: true,
});

/** Longest stream context a moderator may set (code points). */
export const CONTEXT_MAX = 500;

/** Every field, in the order DESIGN.md lists them (and botctl prints them). */
export const FIELDS = Object.keys(DEFAULT_SETTINGS) as Field[];

export interface FieldSpec {
  field: Field;
  /** What a moderator may write, as shown in errors and `botctl --help`. */
  allowed: string;
  /** One line: what the field changes. */
  effect: string;
}

/** Largest whole number a field accepts (a week of seconds; larger values are typos). */
export const MAX_INT = 604_800;

const ON = ['on', 'true', 'yes', '1'];
const OFF = ['off', 'false', 'no', '0'];

export const FIELD_SPECS: Readonly<Record<Field, FieldSpec>> = {
  mode: { field: 'mode', allowed: MODES.join(', '), effect: 'who answers: router decides (auto), all fast, all slow, nobody (off)' },
  trigger: { field: 'trigger', allowed: TRIGGERS.join(', '), effect: 'which comments are answered: mentions; mentions and questions; every one' },
  slow_threshold: { field: 'slow_threshold', allowed: 'a number from 0 to 1, e.g. 0.6', effect: 'complexity score at or above which a comment goes slow' },
  slow_max_waiting: { field: 'slow_max_waiting', allowed: `a whole number from 0 to ${MAX_INT}`, effect: 'waiting slow jobs above which new complex comments overflow' },
  overflow: { field: 'overflow', allowed: OVERFLOWS.join(', '), effect: 'what a complex comment gets when the slow pool is full: fast answer, or none' },
  think: { field: 'think', allowed: THINK_LEVELS.join(', '), effect: 'reasoning effort of the slow model' },
  ack: { field: 'ack', allowed: 'on, off', effect: 'post a short "thinking about it" line when a comment goes slow' },
  user_cooldown_s: { field: 'user_cooldown_s', allowed: `a whole number of seconds from 0 to ${MAX_INT}`, effect: 'one answer per user per this many seconds' },
  fast_max_age_s: { field: 'fast_max_age_s', allowed: `a whole number of seconds from 1 to ${MAX_INT}`, effect: 'a simple comment older than this is not answered' },
  slow_max_age_s: { field: 'slow_max_age_s', allowed: `a whole number of seconds from 1 to ${MAX_INT}`, effect: 'a slow answer later than this after its comment is dropped' },
  approval: { field: 'approval', allowed: 'on, off', effect: "replies wait for a moderator's approve/reject before posting" },
  context: { field: 'context', allowed: `free text, at most ${CONTEXT_MAX} characters`, effect: 'what is on stream now (game, topic): given to the model with every comment' },
  memory: { field: 'memory', allowed: 'on, off', effect: 'conversation threads, viewer memory and retrieval' },
};

export type ParseResult<F extends Field = Field> = { ok: true; value: Settings[F] } | { ok: false; allowed: string };

export function isField(name: string): name is Field {
  return Object.prototype.hasOwnProperty.call(DEFAULT_SETTINGS, name);
}

function oneOf<T extends string>(values: readonly T[], s: string): T | undefined {
  return values.find((v) => v === s);
}

function wholeNumber(s: string, min: number): number | undefined {
  if (!/^\d{1,7}$/.test(s)) return undefined;
  const n = Number(s);
  return n >= min && n <= MAX_INT ? n : undefined;
}

function fraction(s: string): number | undefined {
  // Plain decimals only: no exponents, signs, hex or full-width digits.
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(s) || s.length > 12) return undefined;
  const n = Number(s);
  return n >= 0 && n <= 1 ? n : undefined;
}

function onOff(s: string): boolean | undefined {
  if (ON.includes(s)) return true;
  if (OFF.includes(s)) return false;
  return undefined;
}

function parseValue(field: Field, s: string): Settings[Field] | undefined {
  switch (field) {
    case 'mode':
      return oneOf(MODES, s);
    case 'trigger':
      return oneOf(TRIGGERS, s);
    case 'overflow':
      return oneOf(OVERFLOWS, s);
    case 'think':
      return oneOf(THINK_LEVELS, s);
    case 'slow_threshold':
      return fraction(s);
    case 'slow_max_waiting':
    case 'user_cooldown_s':
      return wholeNumber(s, 0);
    case 'fast_max_age_s':
    case 'slow_max_age_s':
      return wholeNumber(s, 1);
    case 'ack':
    case 'approval':
    case 'memory':
      return onOff(s);
    case 'context':
      return undefined; // free text: parsed by parseContext, case kept
  }
}

/** Stream context: any text up to CONTEXT_MAX code points, line breaks and control characters as spaces. */
function parseContext(raw: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  const s = raw.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s{2,}/g, ' ').trim();
  return [...s].length <= CONTEXT_MAX ? s : undefined;
}

/** Parse one raw value as written in Redis (spaces around it and letter case do not matter). */
export function parseField<F extends Field>(field: F, raw: string): ParseResult<F> {
  const v = field === 'context' ? parseContext(raw) : parseValue(field, raw.trim().toLowerCase());
  if (v === undefined) return { ok: false, allowed: FIELD_SPECS[field].allowed };
  return { ok: true, value: v as Settings[F] };
}

/** The canonical text of a value, as botctl writes it and logs show it. */
export function formatValue(field: Field, value: Settings[Field]): string {
  if (field === 'ack' || field === 'approval' || field === 'memory') return value ? 'on' : 'off';
  return String(value);
}

export type Scope = 'global' | 'channel';

export interface BadValue {
  scope: Scope;
  field: string;
  value: string;
  /** Allowed values; for a field name that is not a control, the list of fields. */
  allowed: string;
  reason: 'bad_value' | 'unknown_field';
}

/** Last good value of each field per hash, carried from one read to the next by the caller. */
export interface LastGood {
  global?: Partial<Settings>;
  channel?: Partial<Settings>;
}

export interface Resolved {
  settings: Settings;
  sources: Record<Field, Source>;
  /** Values that did not parse, and fields that are not controls. */
  bad: BadValue[];
  /** The good values of each hash after this read: pass back as `lastGood` next time. */
  good: { global: Partial<Settings>; channel: Partial<Settings> };
}

function goodValues(scope: Scope, hash: Record<string, string>, last: Partial<Settings> | undefined, bad: BadValue[]): Partial<Settings> {
  const out: Partial<Settings> = {};
  for (const [name, raw] of Object.entries(hash)) {
    if (!isField(name)) {
      bad.push({ scope, field: name, value: raw, allowed: FIELDS.join(', '), reason: 'unknown_field' });
      continue;
    }
    const r = parseField(name, raw);
    if (r.ok) {
      (out as Record<Field, unknown>)[name] = r.value;
    } else {
      bad.push({ scope, field: name, value: raw, allowed: r.allowed, reason: 'bad_value' });
      // A bad value keeps the last good one of this hash (a field absent from the hash has none).
      const keep = last?.[name];
      if (keep !== undefined) (out as Record<Field, unknown>)[name] = keep;
    }
  }
  return out;
}

/**
 * Effective settings for one channel: the channel hash, else the global hash, else the
 * default, per field. A value that does not parse keeps the last good value of that hash
 * and field (from `lastGood`), or falls through as if absent; a deleted field is absent.
 */
export function resolveSettings(globalHash: Record<string, string>, channelHash: Record<string, string>, lastGood: LastGood = {}): Resolved {
  const bad: BadValue[] = [];
  const global = goodValues('global', globalHash, lastGood.global, bad);
  const channel = goodValues('channel', channelHash, lastGood.channel, bad);
  const settings = { ...DEFAULT_SETTINGS } as Settings;
  const sources = {} as Record<Field, Source>;
  for (const f of FIELDS) {
    const fromChannel = channel[f];
    const fromGlobal = global[f];
    if (fromChannel !== undefined) {
      (settings as unknown as Record<Field, unknown>)[f] = fromChannel;
      sources[f] = 'channel';
    } else if (fromGlobal !== undefined) {
      (settings as unknown as Record<Field, unknown>)[f] = fromGlobal;
      sources[f] = 'global';
    } else {
      sources[f] = 'default';
    }
  }
  return { settings, sources, bad, good: { global, channel } };
}
