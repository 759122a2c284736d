/**
 * Twitch's id service (`<TWITCH_AUTH_URL>/oauth2/...`): refresh, validate, device code flow
 * and revoke, as Twitch documents them (form-encoded requests, JSON answers, errors as
 * `{"status": 400, "message": "Invalid refresh token"}`). Thin: no state, no timers.
 */
import { BotError } from '../../errors.js';

/** What `/oauth2/token` answers for the refresh and device grants. */
export interface TokenResponse {
  accessToken: string;
  refreshToken: string | undefined;
  /** Seconds; Twitch may leave it out of a refresh answer (then validate tells). */
  expiresIn: number | undefined;
  scopes: string[];
}

/** What `/oauth2/validate` answers for a valid token. */
export interface ValidateResponse {
  clientId: string;
  login: string | undefined;
  userId: string | undefined;
  scopes: string[];
  /** Seconds left; 0 for a token that does not expire. */
  expiresIn: number;
}

export interface DeviceCodeResponse {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  expiresIn: number;
  interval: number;
}

/**
 * A refusal by Twitch's id service. `kind`:
 * - `invalid`: the token / refresh token / device code is not (or no longer) valid: get a new one;
 * - `pending`: device flow, the user has not entered the code yet;
 * - `slow-down`: device flow, poll less often;
 * - `client`: the client id / secret is wrong;
 * - `unavailable`: network error or 5xx: try again later.
 */
export class TwitchIdError extends BotError {
  constructor(
    readonly kind: 'invalid' | 'pending' | 'slow-down' | 'client' | 'unavailable',
    readonly status: number,
    message: string,
    cause?: unknown,
  ) {
    super(`BOT_ERR_TWITCH_ID_${kind.toUpperCase().replace('-', '_')}`, message, kind === 'unavailable' || kind === 'pending' || kind === 'slow-down', cause === undefined ? undefined : { cause });
  }
}

export interface IdApi {
  refresh(refreshToken: string): Promise<TokenResponse>;
  validate(accessToken: string): Promise<ValidateResponse>;
  deviceCode(scopes: string[]): Promise<DeviceCodeResponse>;
  /** One poll of the device grant: resolves with the tokens, or throws `pending` / `slow-down` / `invalid`. */
  pollDevice(deviceCode: string, scopes: string[]): Promise<TokenResponse>;
  revoke(token: string): Promise<void>;
}

export interface IdApiOptions {
  /** TWITCH_AUTH_URL, e.g. https://id.twitch.tv (no trailing slash). */
  baseUrl: string;
  clientId: string;
  /** Confidential apps only; a public client (device flow) has none. */
  clientSecret?: string;
  timeoutMs?: number;
}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

function asStrings(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((s): s is string => typeof s === 'string');
  if (typeof v === 'string') return v.split(' ').filter(Boolean);
  return [];
}

function tokenFrom(body: Record<string, unknown>): TokenResponse {
  if (typeof body.access_token !== 'string' || body.access_token === '') throw new TwitchIdError('unavailable', 200, 'Twitch answered /oauth2/token without an access_token');
  return {
    accessToken: body.access_token,
    refreshToken: typeof body.refresh_token === 'string' && body.refresh_token ? body.refresh_token : undefined,
    expiresIn: typeof body.expires_in === 'number' ? body.expires_in : undefined,
    scopes: asStrings(body.scope),
  };
}

export function createIdApi(opts: IdApiOptions): IdApi {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 10_000;

  async function call(path: string, init: { method: 'GET' | 'POST'; form?: Record<string, string>; headers?: Record<string, string> }): Promise<{ status: number; body: Record<string, unknown> }> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method: init.method,
        headers: { ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...init.headers },
        body: init.form ? new URLSearchParams(init.form).toString() : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new TwitchIdError('unavailable', 0, `could not reach Twitch's id service at ${base} (TWITCH_AUTH_URL): ${(err as Error).message}`, err);
    }
    const text = await res.text().catch(() => '');
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = text ? JSON.parse(text) : {};
      if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
    } catch {
      // not JSON (a proxy's error page): the status decides
    }
    return { status: res.status, body };
  }

  function fail(what: string, status: number, body: Record<string, unknown>): never {
    const message = typeof body.message === 'string' ? body.message : typeof body.error === 'string' ? body.error : `HTTP ${status}`;
    if (status >= 500 || status === 429 || status === 0) throw new TwitchIdError('unavailable', status, `Twitch's id service failed ${what}: ${message}`);
    if (message === 'authorization_pending') throw new TwitchIdError('pending', status, 'waiting for the user to enter the code');
    if (message === 'slow_down') throw new TwitchIdError('slow-down', status, 'polling too often');
    if (/client/i.test(message) && !/token/i.test(message)) throw new TwitchIdError('client', status, `Twitch refused ${what}: ${message} (check TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET)`);
    throw new TwitchIdError('invalid', status, `Twitch refused ${what}: ${message}`);
  }

  const clientForm = (): Record<string, string> => ({ client_id: opts.clientId, ...(opts.clientSecret ? { client_secret: opts.clientSecret } : {}) });

  return {
    async refresh(refreshToken) {
      const { status, body } = await call('/oauth2/token', { method: 'POST', form: { ...clientForm(), grant_type: 'refresh_token', refresh_token: refreshToken } });
      if (status !== 200) fail('the refresh token', status, body);
      return tokenFrom(body);
    },
    async validate(accessToken) {
      const { status, body } = await call('/oauth2/validate', { method: 'GET', headers: { authorization: `OAuth ${accessToken.replace(/^oauth:/i, '')}` } });
      if (status !== 200) fail('the access token', status, body);
      return {
        clientId: typeof body.client_id === 'string' ? body.client_id : '',
        login: typeof body.login === 'string' ? body.login : undefined,
        userId: typeof body.user_id === 'string' ? body.user_id : undefined,
        scopes: asStrings(body.scopes),
        expiresIn: typeof body.expires_in === 'number' ? body.expires_in : 0,
      };
    },
    async deviceCode(scopes) {
      const { status, body } = await call('/oauth2/device', { method: 'POST', form: { client_id: opts.clientId, scopes: scopes.join(' ') } });
      if (status !== 200) fail('the device code request', status, body);
      if (typeof body.device_code !== 'string' || typeof body.user_code !== 'string' || typeof body.verification_uri !== 'string') {
        throw new TwitchIdError('unavailable', status, 'Twitch answered /oauth2/device without device_code, user_code or verification_uri');
      }
      return {
        deviceCode: body.device_code,
        userCode: body.user_code,
        verificationUri: body.verification_uri,
        expiresIn: typeof body.expires_in === 'number' ? body.expires_in : 1800,
        interval: typeof body.interval === 'number' && body.interval > 0 ? body.interval : 5,
      };
    },
    async pollDevice(deviceCode, scopes) {
      const { status, body } = await call('/oauth2/token', {
        method: 'POST',
        form: { ...clientForm(), scopes: scopes.join(' '), device_code: deviceCode, grant_type: DEVICE_GRANT },
      });
      if (status !== 200) fail('the device code', status, body);
      return tokenFrom(body);
    },
    async revoke(token) {
      const { status, body } = await call('/oauth2/revoke', { method: 'POST', form: { client_id: opts.clientId, token: token.replace(/^oauth:/i, '') } });
      if (status !== 200) fail('the revocation', status, body);
    },
  };
}
