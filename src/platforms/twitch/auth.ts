/**
 * The bot's Twitch user token, for the whole deployment: one home for it (like twurple's
 * AuthProvider).
 *
 * - Refreshing (TWITCH_CLIENT_ID + TWITCH_REFRESH_TOKEN, TWITCH_CLIENT_SECRET for a
 *   confidential app, or a pair stored by `botctl twitch login`): the newest token pair lives
 *   in Redis; a refresh takes a Redis lock, so processes sharing the prefix refresh once
 *   between them and all pick up the rotated refresh token. Refreshed a while before expiry,
 *   and at once when Twitch refuses the current one (401, IRC login failure).
 * - Static (TWITCH_OAUTH_TOKEN alone): used as given.
 *
 * Either way the token is validated at start and every hour (Twitch's rule for apps that keep
 * a session); a token that is invalid for good, or lacks a scope the transport needs, gives
 * one clear error naming the variable and the scope, and `onFatal` tells the adapter to stop.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { BotError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { runtimeKeys } from '../../runtime-keys.js';
import { TwitchIdError, type IdApi, type ValidateResponse } from './id-api.js';

export type TwitchTransport = 'irc' | 'eventsub';

/**
 * Scopes each transport needs on the bot's user token. EventSub with a user token needs
 * user:read:chat (channel.chat.message) and user:write:chat (Send Chat Message); user:bot
 * matters only for an app access token, so it is asked for at login but not required.
 */
export const REQUIRED_SCOPES: Record<TwitchTransport, string[]> = {
  irc: ['chat:read', 'chat:edit'],
  eventsub: ['user:read:chat', 'user:write:chat'],
};

/**
 * What `botctl twitch login` asks for: enough for both transports, user:bot (for an app token
 * later) and user:read:moderated_channels (EventSub learns where the bot is a moderator).
 */
export const LOGIN_SCOPES = ['chat:read', 'chat:edit', 'user:read:chat', 'user:write:chat', 'user:bot', 'user:read:moderated_channels'];

export const VALIDATE_EVERY_MS = 3_600_000;
/** Refresh this long before expiry (a quarter of the lifetime for short-lived tokens). */
export const REFRESH_MARGIN_MS = 5 * 60_000;
/** A static token's expiry is warned about from this long before. */
export const EXPIRY_WARNING_MS = 24 * 3_600_000;
const LOCK_MS = 15_000;

/** Timers behind one seam, so tests can run an hour in a millisecond. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, Math.min(ms, 2 ** 31 - 1));
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** The token pair kept in Redis (JSON at `<prefix>:twitch:token`). */
export interface StoredTokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms; 0 when unknown. */
  expiresAt: number;
  obtainedAt: number;
  scopes: string[];
  /** sha256 of the TWITCH_REFRESH_TOKEN (or login) the chain started from: a new one in .env wins over the stored chain. */
  seed: string;
  login?: string;
  userId?: string;
}

export const seedOf = (refreshToken: string) => createHash('sha256').update(refreshToken).digest('hex').slice(0, 16);

export async function readStoredTokens(redis: Redis, prefix: string): Promise<StoredTokens | undefined> {
  const raw = await redis.get(runtimeKeys.twitchToken(prefix));
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as StoredTokens;
    return typeof v.accessToken === 'string' && typeof v.refreshToken === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

export async function writeStoredTokens(redis: Redis, prefix: string, t: StoredTokens): Promise<void> {
  await redis.set(runtimeKeys.twitchToken(prefix), JSON.stringify(t));
}

/** The token cannot be used (invalid, revoked, wrong scopes, wrong account): Twitch stops. */
export class TwitchAuthFailedError extends BotError {
  constructor(message: string, readonly missingScopes: string[] = []) {
    super('BOT_ERR_TWITCH_AUTH', message, false);
  }
}

export interface TwitchAuthOptions {
  idApi: IdApi;
  redis: Redis;
  prefix: string;
  /** TWITCH_OAUTH_TOKEN (with or without "oauth:"). */
  staticToken?: string;
  /** TWITCH_REFRESH_TOKEN; with TWITCH_CLIENT_ID the bot refreshes by itself. */
  refreshToken?: string;
  /** Whether a client id is configured (refreshing needs one). */
  canRefresh: boolean;
  /** TWITCH_USERNAME: the token must belong to this login. */
  username: string;
  transport: TwitchTransport;
  logger: Logger;
  clock?: Clock;
  validateEveryMs?: number;
}

export interface TwitchAuth {
  /** Whether the bot gets new tokens by itself. */
  readonly refreshing: boolean;
  /** Get a token if needed and validate it. Resolves false after logging the one error when Twitch cannot run. */
  start(): Promise<boolean>;
  /** The current access token (no "oauth:" prefix). */
  token(): Promise<string>;
  /** Twitch refused `rejected` (401, login failure): get a new token, once for the deployment. False when there is none to get. */
  recover(rejected: string): Promise<boolean>;
  /** Validate now (what the hourly timer runs). */
  validateNow(): Promise<void>;
  /** The token is unusable for good: stop Twitch. */
  onFatal(cb: (err: TwitchAuthFailedError) => void): void;
  /** The user id the token belongs to (after a validation). */
  readonly userId: string | undefined;
  /** The client id the token was issued to (after a validation). */
  readonly clientId: string | undefined;
  close(): void;
}

export function createTwitchAuth(opts: TwitchAuthOptions): TwitchAuth {
  const log = opts.logger;
  const clock = opts.clock ?? systemClock;
  const validateEvery = opts.validateEveryMs ?? VALIDATE_EVERY_MS;
  const refreshing = opts.canRefresh && (!!opts.refreshToken || !opts.staticToken);
  const variable = refreshing ? (opts.refreshToken ? 'TWITCH_REFRESH_TOKEN' : 'the token stored by `botctl twitch login`') : 'TWITCH_OAUTH_TOKEN';
  const howToFix = 'Run `npx botctl twitch login` (or see docs/twitch.md) for a new token, put it in .env and restart';
  const lockKey = runtimeKeys.twitchTokenLock(opts.prefix);

  let current: StoredTokens | undefined = opts.staticToken
    ? { accessToken: opts.staticToken.replace(/^oauth:/i, ''), refreshToken: '', expiresAt: 0, obtainedAt: clock.now(), scopes: [], seed: '' }
    : undefined;
  let closed = false;
  let fatal: TwitchAuthFailedError | undefined;
  let userId: string | undefined;
  let clientId: string | undefined;
  let validateTimer: unknown;
  let refreshTimer: unknown;
  let warnedExpiry = false;
  let inFlight: Promise<StoredTokens> | undefined;
  const fatalListeners: ((e: TwitchAuthFailedError) => void)[] = [];

  function fail(err: TwitchAuthFailedError): void {
    if (fatal || closed) return;
    fatal = err;
    clock.clearTimeout(validateTimer);
    clock.clearTimeout(refreshTimer);
    log.error({ code: err.code, missingScopes: err.missingScopes.length ? err.missingScopes : undefined }, err.message);
    for (const cb of fatalListeners) cb(err);
  }

  const seed = opts.refreshToken ? seedOf(opts.refreshToken) : undefined;

  /** The stored pair this deployment should use (a new TWITCH_REFRESH_TOKEN starts a new chain). */
  async function stored(): Promise<StoredTokens | undefined> {
    const s = await readStoredTokens(opts.redis, opts.prefix);
    if (!s) return undefined;
    if (seed && s.seed !== seed) return undefined;
    return s;
  }

  const fresh = (t: StoredTokens | undefined, now: number) => !!t && (t.expiresAt === 0 || t.expiresAt - now > marginOf(t));
  const marginOf = (t: StoredTokens) => Math.min(REFRESH_MARGIN_MS, Math.max(0, t.expiresAt - t.obtainedAt) / 4);

  /** One refresh for the deployment: take the lock, or wait for whoever holds it. */
  function refresh(rejected: string | undefined): Promise<StoredTokens> {
    inFlight ??= doRefresh(rejected).finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  async function doRefresh(rejected: string | undefined): Promise<StoredTokens> {
    const deadline = Date.now() + LOCK_MS * 2;
    for (;;) {
      // someone else may have refreshed already
      const s = await stored();
      if (s && s.accessToken !== rejected && s.accessToken !== current?.accessToken && fresh(s, clock.now())) return adopt(s);
      const owner = randomUUID();
      const got = await opts.redis.set(lockKey, owner, 'PX', LOCK_MS, 'NX');
      if (got === 'OK') {
        try {
          const again = await stored();
          if (again && again.accessToken !== rejected && again.accessToken !== current?.accessToken && fresh(again, clock.now())) return adopt(again);
          const refreshToken = again?.refreshToken ?? opts.refreshToken;
          if (!refreshToken) throw new TwitchAuthFailedError(`no Twitch refresh token: set TWITCH_REFRESH_TOKEN (with TWITCH_CLIENT_ID) or run \`npx botctl twitch login\`. Twitch chat is stopped; YouTube and the rest keep running.`);
          const r = await opts.idApi.refresh(refreshToken);
          const now = clock.now();
          let expiresIn = r.expiresIn;
          let v: ValidateResponse | undefined;
          if (expiresIn === undefined) {
            v = await opts.idApi.validate(r.accessToken);
            expiresIn = v.expiresIn;
          }
          const next: StoredTokens = {
            accessToken: r.accessToken,
            refreshToken: r.refreshToken ?? refreshToken,
            expiresAt: expiresIn > 0 ? now + expiresIn * 1000 : 0,
            obtainedAt: now,
            scopes: r.scopes.length ? r.scopes : (v?.scopes ?? again?.scopes ?? []),
            seed: again?.seed ?? seed ?? seedOf(refreshToken),
            login: again?.login,
            userId: again?.userId,
          };
          await writeStoredTokens(opts.redis, opts.prefix, next);
          log.info({ expiresInS: expiresIn, rotated: next.refreshToken !== refreshToken }, 'got a new Twitch access token');
          return adopt(next);
        } catch (err) {
          if (err instanceof TwitchIdError && err.kind === 'invalid') {
            throw new TwitchAuthFailedError(`Twitch refused ${variable} (${err.message}): it was revoked, expired or used up. Twitch chat is stopped; YouTube and the rest keep running. ${howToFix}.`);
          }
          if (err instanceof TwitchIdError && err.kind === 'client') {
            throw new TwitchAuthFailedError(`${err.message}. Twitch chat is stopped; YouTube and the rest keep running.`);
          }
          throw err;
        } finally {
          // release only our own lock
          await opts.redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end", 1, lockKey, owner).catch(() => undefined);
        }
      }
      if (Date.now() > deadline) throw new TwitchIdError('unavailable', 0, 'another process holds the Twitch token refresh lock for too long');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  function adopt(t: StoredTokens): StoredTokens {
    current = t;
    scheduleRefresh();
    return t;
  }

  function scheduleRefresh(): void {
    clock.clearTimeout(refreshTimer);
    const t = current;
    if (!refreshing || !t || t.expiresAt === 0 || closed || fatal) return;
    const at = t.expiresAt - marginOf(t);
    refreshTimer = clock.setTimeout(() => {
      refresh(undefined).catch(onRefreshError);
    }, Math.max(0, at - clock.now()));
  }

  function onRefreshError(err: unknown): void {
    if (err instanceof TwitchAuthFailedError) return fail(err);
    log.warn({ err }, 'could not refresh the Twitch token now; trying again in 30 s');
    clock.clearTimeout(refreshTimer);
    refreshTimer = clock.setTimeout(() => refresh(undefined).catch(onRefreshError), 30_000);
  }

  /** Check scopes and account; false (after fail()) when the token cannot serve. */
  function check(v: ValidateResponse): boolean {
    const need = REQUIRED_SCOPES[opts.transport];
    const missing = need.filter((s) => !v.scopes.includes(s));
    if (missing.length) {
      fail(
        new TwitchAuthFailedError(
          `the Twitch token from ${variable} lacks the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (TWITCH_TRANSPORT=${opts.transport} needs ${need.join(', ')}; it has ${v.scopes.join(', ') || 'none'}). Twitch chat is stopped; YouTube and the rest keep running. ${howToFix} (it asks for every scope needed).`,
          missing,
        ),
      );
      return false;
    }
    if (v.login && v.login.toLowerCase() !== opts.username.toLowerCase()) {
      fail(new TwitchAuthFailedError(`the Twitch token from ${variable} belongs to ${v.login}, not to TWITCH_USERNAME=${opts.username}. Twitch chat is stopped; YouTube and the rest keep running. Set TWITCH_USERNAME=${v.login} or get a token for ${opts.username}.`));
      return false;
    }
    userId = v.userId ?? userId;
    clientId = v.clientId || clientId;
    if (!refreshing && v.expiresIn > 0 && v.expiresIn * 1000 <= EXPIRY_WARNING_MS && !warnedExpiry) {
      warnedExpiry = true;
      log.warn({ expiresInS: v.expiresIn }, `TWITCH_OAUTH_TOKEN expires in ${Math.round(v.expiresIn / 360) / 10} h; after that Twitch chat stops. ${howToFix}, or set TWITCH_CLIENT_ID and TWITCH_REFRESH_TOKEN so the bot refreshes it by itself.`);
    }
    return true;
  }

  async function validateOnce(): Promise<void> {
    if (closed || fatal) return;
    let tok = current?.accessToken;
    if (!tok) return;
    try {
      const v = await opts.idApi.validate(tok);
      if (current && refreshing && v.expiresIn > 0 && current.accessToken === tok) {
        // Twitch's word on the expiry beats the stored one: refresh in time for it
        current.expiresAt = clock.now() + v.expiresIn * 1000;
        scheduleRefresh();
      }
      check(v);
      log.debug({ expiresInS: v.expiresIn }, 'Twitch token validated');
    } catch (err) {
      if (err instanceof TwitchIdError && err.kind === 'invalid') {
        if (!refreshing) {
          return fail(new TwitchAuthFailedError(`Twitch says TWITCH_OAUTH_TOKEN is invalid (expired or revoked). Twitch chat is stopped; YouTube and the rest keep running. ${howToFix}.`));
        }
        try {
          tok = (await refresh(tok)).accessToken;
          check(await opts.idApi.validate(tok));
        } catch (e) {
          if (e instanceof TwitchAuthFailedError) return fail(e);
          if (e instanceof TwitchIdError && e.kind === 'invalid') return fail(new TwitchAuthFailedError(`Twitch refused a freshly refreshed token from ${variable}. Twitch chat is stopped; YouTube and the rest keep running. ${howToFix}.`));
          log.warn({ err: e }, 'could not validate the Twitch token now; trying again later');
        }
        return;
      }
      log.warn({ err }, 'could not validate the Twitch token now (Twitch unreachable); trying again later');
    }
  }

  function scheduleValidate(): void {
    clock.clearTimeout(validateTimer);
    if (closed || fatal) return;
    validateTimer = clock.setTimeout(() => {
      void validateOnce().finally(scheduleValidate);
    }, validateEvery);
  }

  return {
    refreshing,
    get userId() {
      return userId;
    },
    get clientId() {
      return clientId;
    },
    async start() {
      if (fatal) return false;
      try {
        if (refreshing) {
          const s = await stored();
          if (s) adopt(s);
          if (!fresh(s, clock.now())) await refresh(s?.accessToken);
        }
        if (!current) {
          fail(new TwitchAuthFailedError(`no Twitch token: set TWITCH_OAUTH_TOKEN, or TWITCH_CLIENT_ID with TWITCH_REFRESH_TOKEN. ${howToFix}.`));
          return false;
        }
      } catch (err) {
        if (err instanceof TwitchAuthFailedError) {
          fail(err);
          return false;
        }
        log.warn({ err }, 'could not get a Twitch token now (Twitch unreachable); chat connects with what there is and retries');
      }
      // A static token is validated beside connecting (Twitch's id service may be slow to
      // answer, and a static token was usable before); a refreshed one before connecting.
      const first = validateOnce().finally(scheduleValidate);
      if (refreshing) await first;
      return !fatal;
    },
    async token() {
      if (fatal) throw fatal;
      if (refreshing && !fresh(current, clock.now())) {
        try {
          await refresh(current?.accessToken);
        } catch (err) {
          if (err instanceof TwitchAuthFailedError) fail(err);
          else log.warn({ err }, 'could not refresh the Twitch token now; using the one there is');
        }
      }
      if (fatal) throw fatal;
      if (!current) throw new TwitchAuthFailedError('no Twitch token yet');
      return current.accessToken;
    },
    async recover(rejected) {
      if (fatal || closed) return false;
      if (!refreshing) {
        await validateOnce();
        return false;
      }
      try {
        const t = await refresh(rejected.replace(/^oauth:/i, ''));
        return t.accessToken !== rejected;
      } catch (err) {
        if (err instanceof TwitchAuthFailedError) fail(err);
        else log.warn({ err }, 'could not refresh the Twitch token after Twitch refused it; trying again later');
        return false;
      }
    },
    validateNow: validateOnce,
    onFatal(cb) {
      fatalListeners.push(cb);
      if (fatal) cb(fatal);
    },
    close() {
      closed = true;
      clock.clearTimeout(validateTimer);
      clock.clearTimeout(refreshTimer);
    },
  };
}
