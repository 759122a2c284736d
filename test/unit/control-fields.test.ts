import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, FIELDS, FIELD_SPECS, formatValue, isField, parseField, resolveSettings } from '../../src/controls/fields.js';
import { controlKeys } from '../../src/controls/keys.js';
import { normalizeChannel } from '../../src/platforms/registry.js';
import type { Field } from '../../src/controls/types.js';

describe('parseField: good values', () => {
  it.each<[Field, string, unknown]>([
    ['mode', 'auto', 'auto'],
    ['mode', 'fast', 'fast'],
    ['mode', 'slow', 'slow'],
    ['mode', 'off', 'off'],
    ['mode', ' FAST ', 'fast'],
    ['mode', 'Off\n', 'off'],
    ['trigger', 'mention', 'mention'],
    ['trigger', 'question', 'question'],
    ['trigger', 'ALL', 'all'],
    ['slow_threshold', '0', 0],
    ['slow_threshold', '1', 1],
    ['slow_threshold', '0.6', 0.6],
    ['slow_threshold', '.75', 0.75],
    ['slow_threshold', '1.0', 1],
    ['slow_threshold', '0.', 0],
    ['slow_max_waiting', '0', 0],
    ['slow_max_waiting', '20', 20],
    ['slow_max_waiting', '604800', 604800],
    ['overflow', 'fast', 'fast'],
    ['overflow', 'drop', 'drop'],
    ['think', 'low', 'low'],
    ['think', 'medium', 'medium'],
    ['think', 'High', 'high'],
    ['ack', 'on', true],
    ['ack', 'off', false],
    ['ack', 'true', true],
    ['ack', '0', false],
    ['user_cooldown_s', '0', 0],
    ['user_cooldown_s', '30', 30],
    ['user_cooldown_s', '007', 7],
    ['fast_max_age_s', '1', 1],
    ['fast_max_age_s', '20', 20],
    ['slow_max_age_s', '300', 300],
    ['approval', 'ON', true],
    ['approval', 'no', false],
  ])('%s %j → %j', (field, raw, value) => {
    expect(parseField(field, raw)).toEqual({ ok: true, value });
  });
});

describe('parseField: bad values name what is allowed', () => {
  it.each<[Field, string]>([
    ['mode', 'banana'],
    ['mode', ''],
    ['mode', '   '],
    ['mode', 'fast slow'],
    ['mode', 'ｆａｓｔ'], // full-width letters
    ['mode', '速い'],
    ['mode', 'سريع'], // RTL
    ['mode', 'fast🚀'],
    ['trigger', 'questions'],
    ['slow_threshold', '7'],
    ['slow_threshold', '1.01'],
    ['slow_threshold', '-0.1'],
    ['slow_threshold', '-0'],
    ['slow_threshold', '1e-1'],
    ['slow_threshold', '0x1'],
    ['slow_threshold', 'NaN'],
    ['slow_threshold', 'Infinity'],
    ['slow_threshold', '0,6'],
    ['slow_threshold', '０.６'], // full-width digits
    ['slow_threshold', ''],
    ['slow_threshold', '.'],
    ['slow_max_waiting', '-1'],
    ['slow_max_waiting', '2.5'],
    ['slow_max_waiting', '604801'],
    ['slow_max_waiting', '99999999999999999999'],
    ['overflow', 'queue'],
    ['think', 'max'],
    ['ack', 'maybe'],
    ['ack', ''],
    ['user_cooldown_s', '-3'],
    ['user_cooldown_s', '3s'],
    ['user_cooldown_s', '１０'],
    ['user_cooldown_s', '+5'],
    ['user_cooldown_s', ' '],
    ['fast_max_age_s', '0'],
    ['slow_max_age_s', '0'],
    ['slow_max_age_s', '٣٠٠'], // Arabic-Indic digits
    ['approval', 'enabled'],
  ])('%s %j is rejected', (field, raw) => {
    const r = parseField(field, raw);
    expect(r).toEqual({ ok: false, allowed: FIELD_SPECS[field].allowed });
  });

  it('lists the enum values for mode', () => {
    expect(parseField('mode', 'banana')).toEqual({ ok: false, allowed: 'auto, fast, slow, off' });
  });
});

describe('formatValue round-trips through parseField', () => {
  it.each(FIELDS)('%s default', (f) => {
    const text = formatValue(f, DEFAULT_SETTINGS[f]);
    expect(parseField(f, text)).toEqual({ ok: true, value: DEFAULT_SETTINGS[f] });
  });
});

describe('isField', () => {
  it.each([
    ['mode', true],
    ['approval', true],
    ['Mode', false],
    ['toString', false],
    ['__proto__', false],
    ['', false],
  ])('%j → %s', (name, yes) => expect(isField(name)).toBe(yes));
});

describe('resolveSettings', () => {
  it('uses the defaults of DESIGN.md when nothing is set', () => {
    const r = resolveSettings({}, {});
    expect(r.settings).toEqual({
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
      context: '',
      memory: true,
      approval: false,
    });
    expect(new Set(Object.values(r.sources))).toEqual(new Set(['default']));
    expect(r.bad).toEqual([]);
  });

  it('channel beats global beats default, per field', () => {
    const r = resolveSettings({ mode: 'fast', think: 'high' }, { mode: 'slow', ack: 'off' });
    expect(r.settings.mode).toBe('slow');
    expect(r.sources.mode).toBe('channel');
    expect(r.settings.think).toBe('high');
    expect(r.sources.think).toBe('global');
    expect(r.settings.ack).toBe(false);
    expect(r.sources.ack).toBe('channel');
    expect(r.settings.trigger).toBe('question');
    expect(r.sources.trigger).toBe('default');
  });

  it.each<[Record<string, string>, Field, string]>([
    [{ mode: 'banana' }, 'mode', 'banana'],
    [{ slow_threshold: '7' }, 'slow_threshold', '7'],
    [{ user_cooldown_s: '-3' }, 'user_cooldown_s', '-3'],
    [{ trigger: '' }, 'trigger', ''],
    [{ think: '  ' }, 'think', '  '],
    [{ overflow: 'ドロップ' }, 'overflow', 'ドロップ'],
  ])('a bad global value %j falls back to the default and is reported', (hash, field, value) => {
    const r = resolveSettings(hash, {});
    expect(r.settings[field]).toBe(DEFAULT_SETTINGS[field]);
    expect(r.sources[field]).toBe('default');
    expect(r.bad).toEqual([{ scope: 'global', field, value, allowed: FIELD_SPECS[field].allowed, reason: 'bad_value' }]);
  });

  it('a bad value keeps the last good value of that hash', () => {
    const first = resolveSettings({ mode: 'fast' }, { user_cooldown_s: '10' });
    const next = resolveSettings({ mode: 'banana' }, { user_cooldown_s: '-3' }, first.good);
    expect(next.settings.mode).toBe('fast');
    expect(next.sources.mode).toBe('global');
    expect(next.settings.user_cooldown_s).toBe(10);
    expect(next.sources.user_cooldown_s).toBe('channel');
    expect(next.bad.map((b) => `${b.scope}:${b.field}`)).toEqual(['global:mode', 'channel:user_cooldown_s']);
    // and it stays kept while the bad value stays
    const again = resolveSettings({ mode: 'banana' }, { user_cooldown_s: '-3' }, next.good);
    expect(again.settings.mode).toBe('fast');
    expect(again.settings.user_cooldown_s).toBe(10);
  });

  it('a bad channel value with no good one before falls through to the global value', () => {
    const r = resolveSettings({ mode: 'fast' }, { mode: 'banana' });
    expect(r.settings.mode).toBe('fast');
    expect(r.sources.mode).toBe('global');
  });

  it('deleting a field restores the default, even after a bad value', () => {
    const a = resolveSettings({ mode: 'slow' }, {});
    const b = resolveSettings({ mode: 'banana' }, {}, a.good);
    expect(b.settings.mode).toBe('slow');
    const c = resolveSettings({}, {}, b.good);
    expect(c.settings.mode).toBe('auto');
    expect(c.sources.mode).toBe('default');
    expect(c.good.global).toEqual({});
  });

  it('reports fields that are not controls without changing anything', () => {
    const r = resolveSettings({ mdoe: 'fast', mode: 'slow' }, {});
    expect(r.settings.mode).toBe('slow');
    expect(r.bad).toEqual([{ scope: 'global', field: 'mdoe', value: 'fast', allowed: FIELDS.join(', '), reason: 'unknown_field' }]);
  });

  it('reports every bad value of both hashes at once', () => {
    const r = resolveSettings({ mode: 'banana', slow_threshold: '7', ack: 'on' }, { user_cooldown_s: '-3', approval: '🤔' });
    expect(r.bad.map((b) => b.field).sort()).toEqual(['approval', 'mode', 'slow_threshold', 'user_cooldown_s']);
    expect(r.settings.ack).toBe(true);
  });
});

describe('control keys', () => {
  const k = controlKeys('bot');
  it('names every key from the prefix', () => {
    expect(k.routing).toBe('bot:routing');
    expect(k.channel('twitch', '#SomeChannel')).toBe('bot:routing:twitch:somechannel');
    expect(k.channel('youtube', 'dQw4w9WgXcQ')).toBe('bot:routing:youtube:dQw4w9WgXcQ');
    expect(k.sets).toEqual({ blocked_users: 'bot:blocked_users', vip_users: 'bot:vip_users', blocked_words: 'bot:blocked_words', slow_keywords: 'bot:slow_keywords' });
    expect(k.audit).toBe('bot:audit');
    expect(k.events).toBe('bot:events');
    expect(controlKeys('stage').routing).toBe('stage:routing');
  });
  it.each([
    ['bot:routing:twitch:somechannel', { platform: 'twitch', channel: 'somechannel' }],
    ['bot:routing:youtube:abc:def', { platform: 'youtube', channel: 'abc:def' }],
    ['bot:routing', undefined],
    ['bot:routing:twitch:', undefined],
    ['bot:blocked_users', undefined],
  ])('parseChannelKey(%j)', (key, want) => expect(k.parseChannelKey(key)).toEqual(want));
  it.each([
    ['twitch', ' #MixedCase ', 'mixedcase'],
    ['youtube', 'AbC_dEf', 'AbC_dEf'],
  ])('normalizeChannel(%s, %j) = %j', (p, c, want) => expect(normalizeChannel(p, c)).toBe(want));
});

describe('context and memory fields', () => {
  it.each([
    ['keeps case and Japanese', '  Playing Elden Ring: 今日はマレニア戦 ', 'Playing Elden Ring: 今日はマレニア戦'],
    ['line breaks become spaces', 'line one\nline two', 'line one line two'],
    ['empty clears', '   ', ''],
    ['exactly 500', 'x'.repeat(500), 'x'.repeat(500)],
  ])('context %s', (_n, raw, want) => {
    expect(parseField('context', raw)).toEqual({ ok: true, value: want });
  });
  it('context over 500 characters is refused with the limit', () => {
    expect(parseField('context', 'あ'.repeat(501))).toEqual({ ok: false, allowed: 'free text, at most 500 characters' });
  });
  it.each([['on', true], ['OFF', false], ['no', false]])('memory %s', (raw, want) => {
    expect(parseField('memory', raw)).toEqual({ ok: true, value: want });
  });
  it('memory refuses other words', () => {
    expect(parseField('memory', 'maybe').ok).toBe(false);
  });
});
