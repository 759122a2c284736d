import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';

function capture() {
  let out = '';
  const destination = new Writable({
    write(chunk: Buffer, _e, cb) {
      out += chunk.toString();
      cb();
    },
  });
  return { logger: createLogger({ level: 'trace', destination }), out: () => out };
}

const SECRETS = {
  access: 'accesstokenvalue0123456789abcd',
  refresh: 'refreshtokenvalue0123456789abcdefghij',
  secret: 'clientsecretvalue0123456789ab',
  device: 'devicecodevalue0123456789abcdef',
};

describe('log redaction of Twitch credentials', () => {
  it.each([
    ['token pair fields (camel case)', { accessToken: SECRETS.access, refreshToken: SECRETS.refresh, clientSecret: SECRETS.secret, deviceCode: SECRETS.device }],
    ['token answer fields (as Twitch sends them)', { access_token: SECRETS.access, refresh_token: SECRETS.refresh, client_secret: SECRETS.secret, device_code: SECRETS.device }],
    ['nested one level', { tokens: { accessToken: SECRETS.access, refresh_token: SECRETS.refresh }, req: { client_secret: SECRETS.secret, deviceCode: SECRETS.device } }],
    ['an Authorization header', { req: { headers: { authorization: `Bearer ${SECRETS.access}` } } }],
  ])('%s never reach the output', (_n, fields) => {
    const { logger, out } = capture();
    logger.info(fields, 'something happened');
    for (const s of Object.values(SECRETS)) expect(out()).not.toContain(s);
    expect(out()).toContain('[redacted]');
  });

  it('a logged config hides TWITCH_CLIENT_SECRET, TWITCH_REFRESH_TOKEN and TWITCH_OAUTH_TOKEN', () => {
    const r = parseConfig({ TWITCH_CHANNELS: 'c', TWITCH_USERNAME: 'bot', TWITCH_CLIENT_ID: 'cid', TWITCH_CLIENT_SECRET: SECRETS.secret, TWITCH_REFRESH_TOKEN: SECRETS.refresh, TWITCH_OAUTH_TOKEN: `oauth:${SECRETS.access}` });
    expect(r.ok).toBe(true);
    const { logger, out } = capture();
    logger.info({ config: r.ok ? r.config : {} }, 'config');
    for (const s of [SECRETS.secret, SECRETS.refresh, SECRETS.access]) expect(out()).not.toContain(s);
    expect(out()).toContain('"TWITCH_CLIENT_ID":"cid"');
  });
});
