/**
 * `botctl twitch login|status|logout`: the bot's Twitch token without a web server or a
 * third-party token site. `login` runs Twitch's device code flow (public client: only
 * TWITCH_CLIENT_ID), stores the token pair where the bot reads it (Redis, same prefix) and
 * prints what to put in `.env`.
 */
import { z } from 'zod';
import { envSchema } from '../../config.js';
import { LOGIN_SCOPES, readStoredTokens, seedOf, writeStoredTokens } from '../../platforms/twitch/auth.js';
import { createIdApi, TwitchIdError } from '../../platforms/twitch/id-api.js';
import { runtimeKeys } from '../../runtime-keys.js';
import { CliError, EXIT_FAIL, EXIT_OK, EXIT_USAGE, type Ctx } from '../context.js';

const twitchEnv = envSchema.pick({ TWITCH_CLIENT_ID: true, TWITCH_CLIENT_SECRET: true, TWITCH_AUTH_URL: true, TWITCH_USERNAME: true });

function readEnv(ctx: Ctx): z.infer<typeof twitchEnv> {
  const r = twitchEnv.safeParse(ctx.rawEnv);
  if (!r.success) throw new CliError(r.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('; '), EXIT_USAGE);
  return r.data;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function twitchCmd(ctx: Ctx, args: string[]): Promise<number> {
  const [sub] = args;
  if (sub === 'login') return login(ctx);
  if (sub === 'status') return status(ctx);
  if (sub === 'logout') return logout(ctx);
  throw new CliError('usage: botctl twitch login|status|logout', EXIT_USAGE);
}

async function login(ctx: Ctx): Promise<number> {
  const env = readEnv(ctx);
  if (!env.TWITCH_CLIENT_ID) {
    throw new CliError(
      'TWITCH_CLIENT_ID is not set. Create an application at https://dev.twitch.tv/console/apps (Client Type: Public, OAuth Redirect URL http://localhost), then set TWITCH_CLIENT_ID to its Client ID (docs/twitch.md has the steps).',
      EXIT_USAGE,
    );
  }
  const api = createIdApi({ baseUrl: env.TWITCH_AUTH_URL, clientId: env.TWITCH_CLIENT_ID });
  const redis = await ctx.redis(); // fail before the user goes to the browser
  let device;
  try {
    device = await api.deviceCode(LOGIN_SCOPES);
  } catch (err) {
    throw new CliError(`Twitch did not start the login: ${(err as Error).message}. Is TWITCH_CLIENT_ID a public client with the device flow allowed?`, EXIT_FAIL);
  }
  const say = (line: string) => (ctx.json ? ctx.io.stderr.write(`${line}\n`) : ctx.out(line));
  say(`To log the bot in, open ${device.verificationUri}`);
  say(`and enter the code ${device.userCode} while logged in to Twitch as the bot account${env.TWITCH_USERNAME ? ` (${env.TWITCH_USERNAME})` : ''}.`);
  say(`Scopes asked for: ${LOGIN_SCOPES.join(' ')}`);
  say(`Waiting (the code is valid for ${Math.round(device.expiresIn / 60)} minutes; Ctrl-C stops)…`);

  let interval = device.interval * 1000;
  const deadline = Date.now() + device.expiresIn * 1000;
  let tokens;
  for (;;) {
    if (Date.now() > deadline) throw new CliError('the code expired before it was entered; run `botctl twitch login` again', EXIT_FAIL);
    await sleep(interval);
    try {
      tokens = await api.pollDevice(device.deviceCode, LOGIN_SCOPES);
      break;
    } catch (err) {
      if (err instanceof TwitchIdError && err.kind === 'pending') continue;
      if (err instanceof TwitchIdError && err.kind === 'slow-down') {
        interval += 5000;
        continue;
      }
      if (err instanceof TwitchIdError && err.kind === 'unavailable') {
        ctx.warn(`${err.message}; still waiting`);
        continue;
      }
      throw new CliError(`the login did not complete: ${(err as Error).message}. Run \`botctl twitch login\` again.`, EXIT_FAIL);
    }
  }
  if (!tokens.refreshToken) throw new CliError('Twitch answered without a refresh token; the bot could not keep the token fresh', EXIT_FAIL);
  const v = await api.validate(tokens.accessToken);
  const now = Date.now();
  const expiresIn = tokens.expiresIn ?? v.expiresIn;
  await writeStoredTokens(redis, ctx.prefix, {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: expiresIn > 0 ? now + expiresIn * 1000 : 0,
    obtainedAt: now,
    scopes: tokens.scopes.length ? tokens.scopes : v.scopes,
    seed: seedOf(tokens.refreshToken),
    login: v.login,
    userId: v.userId,
  });
  if (ctx.json) {
    ctx.outJson({ login: v.login, userId: v.userId, scopes: v.scopes, stored: runtimeKeys.twitchToken(ctx.prefix), env: { TWITCH_USERNAME: v.login, TWITCH_CLIENT_ID: env.TWITCH_CLIENT_ID, TWITCH_REFRESH_TOKEN: tokens.refreshToken } });
    return EXIT_OK;
  }
  ctx.out('');
  ctx.out(`Logged in as ${v.login} (user id ${v.userId}); scopes: ${v.scopes.join(' ')}.`);
  if (env.TWITCH_USERNAME && v.login && env.TWITCH_USERNAME !== v.login) ctx.warn(`TWITCH_USERNAME is ${env.TWITCH_USERNAME}, but the code was entered as ${v.login}: set TWITCH_USERNAME=${v.login} or log in again as ${env.TWITCH_USERNAME}.`);
  ctx.out(`The token pair is stored in Redis (${runtimeKeys.twitchToken(ctx.prefix)}); the bot picks it up at start and refreshes it by itself.`);
  ctx.out('Put this in .env (the refresh token is a secret: it lets the bot act as that account; it also rebuilds the pair if Redis loses it):');
  ctx.out('');
  ctx.out(`TWITCH_USERNAME=${v.login}`);
  ctx.out(`TWITCH_CLIENT_ID=${env.TWITCH_CLIENT_ID}`);
  ctx.out(`TWITCH_REFRESH_TOKEN=${tokens.refreshToken}`);
  ctx.out('TWITCH_OAUTH_TOKEN=');
  return EXIT_OK;
}

async function status(ctx: Ctx): Promise<number> {
  const t = await readStoredTokens(await ctx.redis(), ctx.prefix);
  if (!t) {
    if (ctx.json) ctx.outJson({ stored: false });
    else ctx.out('no Twitch token stored (run `botctl twitch login`, or the bot uses TWITCH_OAUTH_TOKEN / TWITCH_REFRESH_TOKEN from .env)');
    return EXIT_OK;
  }
  const expires = t.expiresAt ? new Date(t.expiresAt).toISOString() : 'never';
  if (ctx.json) ctx.outJson({ stored: true, login: t.login, userId: t.userId, scopes: t.scopes, accessTokenExpiresAt: t.expiresAt ? expires : null });
  else ctx.out(`Twitch token stored for ${t.login ?? '(login unknown)'}; scopes: ${t.scopes.join(' ') || '(unknown)'}; access token expires ${expires} (refreshed by the bot before then)`);
  return EXIT_OK;
}

async function logout(ctx: Ctx): Promise<number> {
  const env = readEnv(ctx);
  const redis = await ctx.redis();
  const t = await readStoredTokens(redis, ctx.prefix);
  if (!t) {
    ctx.out('no Twitch token stored; nothing to do');
    return EXIT_OK;
  }
  if (env.TWITCH_CLIENT_ID) {
    const api = createIdApi({ baseUrl: env.TWITCH_AUTH_URL, clientId: env.TWITCH_CLIENT_ID });
    // revoking the refresh token ends the whole grant; the access token goes with it
    for (const token of [t.refreshToken, t.accessToken]) await api.revoke(token).catch(() => undefined);
  } else {
    ctx.warn('TWITCH_CLIENT_ID is not set: the tokens are forgotten here but not revoked at Twitch');
  }
  await redis.del(runtimeKeys.twitchToken(ctx.prefix));
  ctx.out(`Twitch token for ${t.login ?? '(unknown)'} revoked and removed from Redis; remove TWITCH_REFRESH_TOKEN from .env too`);
  return EXIT_OK;
}
