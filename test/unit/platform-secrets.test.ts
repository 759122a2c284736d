/**
 * Every credential a platform (or the core) declares is censored in the JSON line pino writes
 * for a logged configuration, and refused by the reply filter with the values the composition
 * root hands it. A variable named like a credential that nobody declared fails here too: a new
 * platform cannot forget its secrets silently.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { envSchema, parseConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { PLATFORM_LIST } from '../../src/platforms/registry.js';
import { checkReply } from '../../src/reply/safety.js';
import { SECRET_VARS, secretValues } from '../../src/secrets.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _e, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  return { logger: createLogger({ level: 'trace', format: 'json', destination }), lines };
}

const base = (() => {
  const r = parseConfig({});
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.config;
})();

/** A plausible value for each secret variable (REDIS_URL carries its secret as the password). */
function valueFor(name: string): { value: string; secret: string } {
  const secret = `${name.toLowerCase().replace(/_/g, '')}S3cr3t42xyz`;
  if (name === 'REDIS_URL') return { value: `redis://default:${secret}@127.0.0.1:6379`, secret };
  if (name === 'TWITCH_OAUTH_TOKEN') return { value: `oauth:${secret.toLowerCase()}`, secret: secret.toLowerCase() };
  return { value: secret, secret };
}

const cases = SECRET_VARS.map((v) => {
  const owner = PLATFORM_LIST.find((p) => p.secrets.includes(v))?.name ?? 'core';
  return [`${owner} ${v.name}`, v.name] as const;
});

describe('secrets of every registered platform', () => {
  it('every platform is registered with the secrets it lists (twitch and youtube have some)', () => {
    expect(PLATFORM_LIST.map((p) => p.name)).toEqual(expect.arrayContaining(['twitch', 'youtube']));
    for (const p of PLATFORM_LIST) for (const s of p.secrets) expect(Object.keys(envSchema.shape), `${p.name} declares ${s.name}, which config does not read`).toContain(s.name);
  });

  it('every variable named like a credential (…_TOKEN, …_SECRET, …PASSWORD) is declared secret by a platform or the core', () => {
    const declared = new Set(SECRET_VARS.map((v) => v.name));
    const credentialLike = Object.keys(envSchema.shape).filter((k) => /(_TOKEN|_SECRET|PASSWORD)$/.test(k));
    expect(credentialLike.length).toBeGreaterThan(3);
    expect(credentialLike.filter((k) => !declared.has(k as never))).toEqual([]);
  });

  it.each(cases)('%s is censored in the JSON log line of a logged config', (_label, name) => {
    const { value, secret } = valueFor(name);
    const config = { ...base, [name]: value } as Config;
    const { logger, lines } = capture();
    logger.child({ component: 'test' }).info({ config }, 'configuration');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as { config: Record<string, unknown>; msg: string };
    expect(line.msg).toBe('configuration');
    expect(line.config[name]).toBe('[redacted]');
    expect(lines[0]).not.toContain(secret);
    // the rest of the config is still there to read
    expect(line.config.REDIS_PREFIX).toBe('bot');
  });

  it.each(cases)('%s in a reply is filtered, not posted', (_label, name) => {
    const { value, secret } = valueFor(name);
    const config = { ...base, [name]: value } as Config;
    const secrets = secretValues(config);
    expect(checkReply(`こんにちは！ the code is ${secret} ok`, { blockedWords: [], secrets })).toEqual({ ok: false, reason: 'secret', detail: 'configured secret' });
    // without it configured, the same reply passes: the filter is what catches it
    expect(checkReply(`こんにちは！ the code is ${secret} ok`, { blockedWords: [], secrets: secretValues(base) })).toEqual({ ok: true });
  });

  it('a Twitch token is refused with and without its oauth: prefix', () => {
    const secrets = secretValues({ ...base, TWITCH_OAUTH_TOKEN: 'oauth:abcdef0123456789' });
    expect(secrets).toEqual(expect.arrayContaining(['oauth:abcdef0123456789', 'abcdef0123456789']));
  });

  it('short values (under 6 characters) are not filtered: they would match ordinary words', () => {
    expect(secretValues({ ...base, PANEL_TOKEN: 'abc' } as Config)).not.toContain('abc');
  });
});
