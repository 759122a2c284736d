/**
 * The panel as a process: `npm run start:panel` alone (no chat connection, no worker), and the
 * start-up check that a panel reachable from other machines cannot run without a token.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startBot, type BotProcess } from '../helpers/bot-process.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { cleanEnv, run } from '../helpers/spawn.js';

const prefix = uniquePrefix('panel');
let bot: BotProcess | undefined;
afterAll(async () => {
  await bot?.stop();
  await dropPrefix(prefix);
});

describe('panel process', { timeout: 60_000 }, () => {
  it('PANEL_HOST that is not loopback, without PANEL_TOKEN: exit 2 saying what to set', async () => {
    for (const script of ['start', 'start:panel']) {
      const r = await run('npm', ['run', '--silent', script], { env: cleanEnv({ REDIS_URL, REDIS_PREFIX: prefix, PANEL_HOST: '0.0.0.0', PANEL_TOKEN: undefined as unknown as string, TWITCH_CHANNELS: 'somechannel', TWITCH_USERNAME: 'bot', TWITCH_OAUTH_TOKEN: 'oauth:abcdefghijklmnop' }) });
      expect(r.code, script).toBe(2);
      expect(r.stderr).toMatch(/PANEL_TOKEN: missing; required when PANEL_HOST \(0\.0\.0\.0\) is not loopback/);
    }
  });

  it('npm run start:panel serves the panel alone: login required, /metrics open, stops on SIGTERM', async () => {
    bot = startBot('panel', { REDIS_URL, REDIS_PREFIX: prefix, PANEL_PORT: '0', PANEL_TOKEN: 'a-panel-token-of-sorts', LOG_LEVEL: 'info' });
    const line = await bot.waitFor('panel listening', undefined, 30_000);
    expect(line.login).toBe('PANEL_TOKEN');
    const url = String(line.url);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/api/live`)).status).toBe(401);
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form id="login-form">');
    const metrics = await fetch(`${url}/metrics`);
    expect(await metrics.text()).toContain('bot_queue_jobs{queue="comments",state="waiting",role="panel"}');
    expect(JSON.stringify(bot.lines)).not.toContain('a-panel-token-of-sorts');
    bot.signal('SIGTERM');
    await bot.waitFor('bot stopped', undefined, 15_000);
  });
});
