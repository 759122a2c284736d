import { YouTubeAuthError, YouTubeUnavailableError } from './errors.js';

/**
 * OAuth 2.0 access tokens for the bot's Google account, from its refresh token (the
 * refresh-token grant, RFC 6749 §6). Plain fetch: the whole flow is one form POST, and
 * google-auth-library would bring gaxios, gcp-metadata, jws and more for no gain here.
 */
export interface TokenSourceOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  now: () => number;
}

interface TokenResponse {
  access_token?: string;
  expires_in?: number;
  error?: string;
  error_description?: string;
}

export class TokenSource {
  private accessToken: string | undefined;
  /** Refresh from this instant on: a minute before Google's stated expiry (a quarter of the lifetime for short-lived tokens). */
  private refreshAt = 0;
  private inFlight: Promise<string> | undefined;
  /** How many times a new access token was fetched (for logs). */
  refreshes = 0;

  constructor(private readonly opts: TokenSourceOptions) {}

  /** A valid access token, refreshed first when it is missing or about to expire. */
  async get(): Promise<string> {
    if (this.accessToken && this.opts.now() < this.refreshAt) return this.accessToken;
    this.inFlight ??= this.refresh().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Forget the current token (Google answered 401 with it). */
  invalidate(token?: string): void {
    if (token === undefined || token === this.accessToken) {
      this.accessToken = undefined;
      this.refreshAt = 0;
    }
  }

  private async refresh(): Promise<string> {
    const body = new URLSearchParams({
      client_id: this.opts.clientId,
      client_secret: this.opts.clientSecret,
      refresh_token: this.opts.refreshToken,
      grant_type: 'refresh_token',
    });
    let res: Response;
    try {
      res = await fetch(this.opts.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(15_000),
      });
    } catch (err) {
      throw new YouTubeUnavailableError('could not reach the Google token endpoint', { cause: err });
    }
    const text = await res.text();
    let json: TokenResponse = {};
    try {
      json = JSON.parse(text) as TokenResponse;
    } catch {
      // handled below
    }
    if (res.status === 400 || res.status === 401) {
      // invalid_grant (revoked/expired refresh token), invalid_client, unauthorized_client
      throw new YouTubeAuthError(json.error ?? `http${res.status}`);
    }
    if (!res.ok || !json.access_token) {
      throw new YouTubeUnavailableError(`the Google token endpoint answered ${res.status}`);
    }
    this.accessToken = json.access_token;
    const ttlS = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : 3600;
    const ttlMs = ttlS * 1000;
    this.refreshAt = this.opts.now() + ttlMs - Math.min(60_000, ttlMs / 4);
    this.refreshes += 1;
    return json.access_token;
  }
}
