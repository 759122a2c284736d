import { BotError } from '../../errors.js';

/**
 * The two Helix calls that read a channel's title and category, as Twitch documents them:
 * `GET <TWITCH_API_URL>/users?login=…` (login → broadcaster id) and
 * `GET <TWITCH_API_URL>/channels?broadcaster_id=…` (title, game_name), each with
 * `Authorization: Bearer <user or app token>` and `Client-Id: <the app that issued it>`.
 * Up to 100 logins or ids per call. Wire shapes are Twitch's; only the fields used are typed.
 */
export interface HelixOptions {
  /** TWITCH_API_URL (default https://api.twitch.tv/helix). */
  apiUrl: string;
  clientId: string;
  /** The access token, without the `oauth:` prefix IRC uses. */
  token: () => string | Promise<string>;
  timeoutMs?: number;
}

export interface HelixUser {
  id: string;
  login: string;
  display_name?: string;
}

export interface HelixChannel {
  broadcaster_id: string;
  broadcaster_login: string;
  title?: string;
  game_name?: string;
}

/** Helix answered an error status (`status` 0: it could not be reached at all). */
export class TwitchHelixError extends BotError {
  constructor(
    readonly status: number,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      'BOT_ERR_TWITCH_HELIX',
      status === 0
        ? `could not reach the Twitch API (${detail}); check the network and TWITCH_API_URL`
        : status === 401
          ? `the Twitch API refused the token (401 ${detail}): TWITCH_CLIENT_ID must be the Client ID of the app that issued TWITCH_OAUTH_TOKEN, and the token must be valid`
          : `the Twitch API answered ${status} ${detail}`,
      status === 0 || status === 429 || status >= 500,
      options,
    );
  }
}

/** Helix allows 100 values of one query parameter per call. */
const MAX_PER_CALL = 100;

export class Helix {
  private readonly base: string;

  constructor(private readonly opts: HelixOptions) {
    this.base = opts.apiUrl.replace(/\/+$/, '');
  }

  async users(logins: readonly string[]): Promise<HelixUser[]> {
    return this.getAll<HelixUser>('/users', 'login', logins);
  }

  async channels(broadcasterIds: readonly string[]): Promise<HelixChannel[]> {
    return this.getAll<HelixChannel>('/channels', 'broadcaster_id', broadcasterIds);
  }

  private async getAll<T>(path: string, param: string, values: readonly string[]): Promise<T[]> {
    const out: T[] = [];
    for (let i = 0; i < values.length; i += MAX_PER_CALL) {
      const q = new URLSearchParams(values.slice(i, i + MAX_PER_CALL).map((v) => [param, v]));
      out.push(...(await this.get<T>(`${path}?${q.toString()}`)));
    }
    return out;
  }

  private async get<T>(pathAndQuery: string): Promise<T[]> {
    const token = (await this.opts.token()).replace(/^oauth:/i, '');
    let res: Response;
    try {
      res = await fetch(`${this.base}${pathAndQuery}`, {
        headers: { authorization: `Bearer ${token}`, 'client-id': this.opts.clientId, accept: 'application/json' },
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new TwitchHelixError(0, `GET ${pathAndQuery.split('?')[0]}`, { cause: err });
    }
    const text = await res.text();
    let json: { data?: unknown; message?: unknown; error?: unknown } | undefined;
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const detail = typeof json?.message === 'string' && json.message ? json.message : typeof json?.error === 'string' ? json.error : text.slice(0, 120);
      throw new TwitchHelixError(res.status, detail.replace(/\s+/g, ' ').slice(0, 200));
    }
    if (!json || !Array.isArray(json.data)) throw new TwitchHelixError(res.status, 'with a body that has no data array');
    return json.data as T[];
  }
}
