/**
 * Secrets: the Twitch OAuth token, the YouTube client secret, refresh token and access
 * token, and the Redis password in REDIS_URL never appear in the logs of a real process run
 * at LOG_LEVEL=trace (stdout and stderr read as a user would), in its error messages (a
 * refused login, an Ollama error, a Redis outage), or in a reply, even when the model says
 * one. `.env` is kept out of git and out of the Docker build context.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeOllama, commentOf } from '../fakes/ollama.js';
import { startFakeTwitch } from '../fakes/twitch.js';
import { FakeYouTube } from '../fakes/youtube.js';
import { botEnv, startBot, startPrivateRedis, type BotProcess } from '../helpers/bot-process.js';
import { uniquePrefix, until } from '../helpers/redis.js';
import { ROOT } from '../helpers/spawn.js';

const TWITCH_TOKEN = 'oauth:s3cr3ttwitcht0kenforthebot42x'; // Twitch tokens are lower case (tmi.js lower-cases it anyway)
const YT_CLIENT_SECRET = 'GOCSPX-clientSecretNeverLogged123';
const YT_REFRESH_TOKEN = '1//0refreshTokenNeverLogged-abcdefghij';
const REDIS_PASSWORD = 'redis-pa55w0rd-never-logged';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** Every form a secret could take in output: as given, lower case, without its prefix, URL- or JSON-escaped. */
function forms(secret: string): string[] {
  return [...new Set([secret, secret.toLowerCase(), secret.replace(/^oauth:/, ''), encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])];
}

describe('secrets never leave the process', () => {
  it('a trace-level run through Twitch, YouTube, an Ollama error, a refused reply and a Redis restart shows no secret', async () => {
    const redis = await startPrivateRedis({ password: REDIS_PASSWORD });
    const twitch = await startFakeTwitch();
    const yt = await FakeYouTube.start({ clientSecret: YT_CLIENT_SECRET, refreshToken: YT_REFRESH_TOKEN });
    let calls = 0;
    const ollama = await startFakeOllama({
      reply: (req) => {
        const user = commentOf(req);
        // the model "leaks" the Redis password when asked for it
        if (user.includes('パスワード')) return { content: `パスワードは ${REDIS_PASSWORD} だよ` };
        // and fails once with an error, so error paths are logged too
        if (++calls === 1) return { fault: 'http500', errorMessage: 'CUDA error: out of memory' };
        return { content: 'こんにちは！' };
      },
    });
    cleanups.push(() => redis.dispose(), () => twitch.close(), () => yt.close(), () => ollama.close());
    // the password as a user writes it in REDIS_URL, with the user name
    const redisUrl = redis.url.replace('redis://:', 'redis://default:');
    const bot: BotProcess = startBot(
      'main',
      botEnv({
        redisUrl,
        prefix: uniquePrefix('secrets'),
        ollama: ollama.host,
        twitchUrl: twitch.url,
        extra: { ...yt.env('live', true), TWITCH_OAUTH_TOKEN: TWITCH_TOKEN, LOG_LEVEL: 'trace', YOUTUBE_POLL_INTERVAL_MS: '1000', RETRY_BACKOFF_MS: '100' },
      }),
    );
    cleanups.push(() => bot.stop());
    await bot.waitFor('bot started', undefined, 40_000);
    await bot.waitFor('reading YouTube live chat', undefined, 20_000);
    await twitch.waitForJoin('botan_ch', 15_000);
    // the token really was used: the fake saw PASS with it
    expect(twitch.received, JSON.stringify(twitch.received)).toContain(`PASS ${TWITCH_TOKEN}`);

    const twId = twitch.chat('botan_ch', { user: 'viewer1', text: '牡丹ちゃん、こんにちは？' });
    yt.pushChat({ author: '@yt_viewer', text: '牡丹ちゃん、ユーチューブからこんにちは？' });
    const leakId = twitch.chat('botan_ch', { user: 'viewer2', text: '牡丹ちゃん、Redisのパスワードは？' });
    await bot.waitFor('reply posted', (l) => l.commentId === twId, 30_000);
    const [ytPost] = await until(() => (yt.posted().length ? yt.posted() : undefined), 30_000, 'the YouTube reply');
    const accessToken = ytPost!.authorization!.replace(/^Bearer /, '');
    expect(accessToken.length).toBeGreaterThan(8);
    // the reply that would have carried the Redis password is filtered, not posted
    expect(await bot.waitFor(/^reply (filtered|posted)/, (l) => l.commentId === leakId, 30_000)).toMatchObject({ msg: 'reply filtered, not posted', reason: 'secret' });

    // a Redis outage: the URL is logged, masked
    await redis.stop();
    await bot.waitFor(/^redis unreachable/, undefined, 15_000);
    await redis.start();
    await bot.waitFor('redis reconnected', undefined, 30_000);
    bot.signal('SIGTERM');
    await bot.exited;

    const out = bot.output();
    // LOG_LEVEL=trace lets every line through: debug lines (tmi.js, model calls, chat text) were written
    expect(bot.lines.filter((l) => l.level === 20).length).toBeGreaterThan(10);
    expect(bot.find(/^redis unreachable/)[0]!.url).toBe(redisUrl.replace(REDIS_PASSWORD, '***'));
    for (const secret of [TWITCH_TOKEN, YT_CLIENT_SECRET, YT_REFRESH_TOKEN, accessToken, REDIS_PASSWORD]) {
      for (const f of forms(secret)) expect(out, `a form of a secret (${secret.slice(0, 6)}…) is in the output`).not.toContain(f);
    }
    for (const m of twitch.privmsgs()) expect(m.text).not.toContain(REDIS_PASSWORD);
    for (const p of yt.posted()) expect(p.text).not.toContain(REDIS_PASSWORD);
  }, 120_000);

  it('.env stays out of git and out of the Docker build context', () => {
    const gitignore = readFileSync(`${ROOT}/.gitignore`, 'utf8').split('\n').map((l) => l.trim());
    expect(gitignore).toContain('.env');
    // git itself agrees (exit 0 = ignored)
    expect(() => execFileSync('git', ['check-ignore', '-q', '.env'], { cwd: ROOT })).not.toThrow();
    const dockerignore = readFileSync(`${ROOT}/.dockerignore`, 'utf8').split('\n').map((l) => l.trim());
    expect(dockerignore).toContain('.env');
    expect(dockerignore).toContain('.env.*');
    expect(dockerignore).toContain('!.env.example');
  });
});
