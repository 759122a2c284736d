/**
 * `botctl twitch login` end to end against the fake id service: the device code flow as a
 * user runs it (botctl's main() printing a URL and a code; the "user" enters the code), the pair
 * stored in the real Redis, the .env lines printed; then the bot's Twitch adapter logs in to
 * the fake IRC with that pair and no other token; `status` and `logout` (revocation).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { botctlInProcess } from '../helpers/botctl-in-process.js';
import { createLogger } from '../../src/log.js';
import { createTwitchAdapter } from '../../src/platforms/twitch/adapter.js';
import { createTwitchAuth, readStoredTokens } from '../../src/platforms/twitch/auth.js';
import { createIdApi } from '../../src/platforms/twitch/id-api.js';
import { startFakeTwitch } from '../fakes/twitch.js';
import { startFakeTwitchId } from '../fakes/twitch-id.js';
import { LogCapture } from '../helpers/log-capture.js';
import { dropPrefix, newRedis, REDIS_URL, uniquePrefix, until } from '../helpers/redis.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await Promise.resolve(fn()).catch(() => undefined);
});

/** botctl in this process (main() with argv, env and captured output), as bin/botctl.js runs it. */
function botctl(env: Record<string, string>, args: string[]): { out: () => string; err: () => string; done: Promise<number> } {
  return botctlInProcess(args, { PATH: process.env.PATH, HOME: process.env.HOME, REDIS_URL, ...env });
}

describe('botctl twitch', () => {
  it('login: device code flow end to end; the bot then runs on the stored pair', async () => {
    const id = await startFakeTwitchId();
    const prefix = uniquePrefix('twlogin');
    const redis = newRedis();
    cleanups.push(() => id.close(), () => redis.quit(), () => dropPrefix(prefix));
    const env = { REDIS_PREFIX: prefix, TWITCH_CLIENT_ID: id.clientId, TWITCH_AUTH_URL: id.url, TWITCH_USERNAME: 'botan_bot' };

    const run = botctl(env, ['twitch', 'login']);
    const code = await until(() => /enter the code ([A-Z0-9]+)/.exec(run.out())?.[1], 15_000, `the code in botctl's output; got ${run.out()}${run.err()}`);
    expect(run.out()).toContain('https://www.twitch.tv/activate');
    expect(run.out()).toMatch(/Scopes asked for: chat:read chat:edit user:read:chat user:write:chat user:bot user:read:moderated_channels/);
    // the user waits a moment before entering the code: botctl keeps polling (authorization_pending)
    await until(() => (id.counts.device_code ?? 0) >= 1, 10_000, 'a first poll');
    id.approveDevice(code, 'botan_bot');
    expect(await run.done).toBe(0);
    const out = run.out();
    expect(out).toContain('Logged in as botan_bot');
    const refresh = /^TWITCH_REFRESH_TOKEN=(\S+)$/m.exec(out)?.[1];
    expect(refresh).toBeTruthy();
    expect(out).toMatch(new RegExp(`^TWITCH_CLIENT_ID=${id.clientId}$`, 'm'));
    expect(out).toMatch(/^TWITCH_USERNAME=botan_bot$/m);
    // the device grant went as Twitch documents it: public client, no secret
    const grant = id.tokenRequests.find((r) => r.grant_type === 'urn:ietf:params:oauth:grant-type:device_code')!;
    expect(grant).toMatchObject({ client_id: id.clientId, scopes: 'chat:read chat:edit user:read:chat user:write:chat user:bot user:read:moderated_channels' });
    expect(grant.client_secret).toBeUndefined();

    const stored = (await readStoredTokens(redis, prefix))!;
    expect(stored).toMatchObject({ login: 'botan_bot', refreshToken: refresh });
    expect(id.isValid(stored.accessToken)).toBe(true);
    expect(out).not.toContain(stored.accessToken);

    // the bot, with only TWITCH_CLIENT_ID (and the printed refresh token), logs in with the stored token, no refresh needed
    const irc = await startFakeTwitch({ checkToken: id.isValid });
    cleanups.push(() => irc.close());
    const logger = createLogger({ level: 'debug', destination: new LogCapture() });
    const auth = createTwitchAuth({ idApi: createIdApi({ baseUrl: id.url, clientId: id.clientId }), redis, prefix, refreshToken: refresh!, canRefresh: true, username: 'botan_bot', transport: 'irc', logger });
    const adapter = createTwitchAdapter({ url: irc.url, username: 'botan_bot', token: '', auth, channels: ['botan_ch'], ignoredBots: [], maxChars: 500, logger });
    cleanups.push(() => adapter.close());
    await adapter.start(() => undefined);
    await irc.waitForJoin('botan_ch');
    expect(irc.received).toContain(`PASS oauth:${stored.accessToken}`);
    expect(id.counts.refresh_token).toBeUndefined();

    // status shows who, never the token; logout revokes it at Twitch
    const st = botctl(env, ['twitch', 'status']);
    expect(await st.done).toBe(0);
    expect(st.out()).toMatch(/stored for botan_bot; scopes: chat:read chat:edit user:read:chat user:write:chat user:bot user:read:moderated_channels/);
    expect(st.out()).not.toContain(stored.accessToken);
    const lo = botctl(env, ['twitch', 'logout']);
    expect(await lo.done).toBe(0);
    expect(id.isValid(stored.accessToken)).toBe(false);
    expect(await readStoredTokens(redis, prefix)).toBeUndefined();
  }, 60_000);

  it('login without TWITCH_CLIENT_ID exits 2 saying how to create the app; a denied code exits 1', async () => {
    const prefix = uniquePrefix('twlogin');
    const noId = botctl({ REDIS_PREFIX: prefix }, ['twitch', 'login']);
    expect(await noId.done).toBe(2);
    expect(noId.err()).toMatch(/TWITCH_CLIENT_ID is not set.*dev\.twitch\.tv\/console/);

    const id = await startFakeTwitchId();
    cleanups.push(() => id.close(), () => dropPrefix(prefix));
    const run = botctl({ REDIS_PREFIX: prefix, TWITCH_CLIENT_ID: id.clientId, TWITCH_AUTH_URL: id.url }, ['twitch', 'login']);
    const code = await until(() => /enter the code ([A-Z0-9]+)/.exec(run.out())?.[1], 15_000, 'the code');
    id.denyDevice(code);
    expect(await run.done).toBe(1);
    expect(run.err()).toMatch(/the login did not complete: .*authorization_denied/);
  }, 40_000);
});
