/**
 * The few Helix calls the eventsub transport makes (`<TWITCH_API_URL>/...`), with the bot's
 * user token (`Authorization: Bearer`, `Client-Id`). A 401 gets one new token from the auth
 * (refresh, once for the deployment) and one retry.
 */
import { BotError } from '../../errors.js';
import type { TwitchAuth } from './auth.js';
import type { HelixChatSettings, HelixSentMessage } from './eventsub.external.js';

export class HelixError extends BotError {
  constructor(
    readonly status: number,
    readonly path: string,
    message: string,
    cause?: unknown,
  ) {
    // 429 and 5xx (and no answer at all) may work later; other refusals will not
    super('BOT_ERR_TWITCH_HELIX', message, status === 0 || status === 429 || status >= 500, cause === undefined ? undefined : { cause });
  }
}

export interface Helix {
  usersByLogin(logins: string[]): Promise<{ id: string; login: string }[]>;
  subscribe(type: string, version: string, condition: Record<string, string>, sessionId: string): Promise<void>;
  chatSettings(broadcasterId: string): Promise<HelixChatSettings | undefined>;
  /** Logins of the channels where `userId` is a moderator (needs user:read:moderated_channels). */
  moderatedChannels(userId: string): Promise<string[]>;
  sendChatMessage(body: { broadcaster_id: string; sender_id: string; message: string; reply_parent_message_id?: string }): Promise<HelixSentMessage>;
}

export interface HelixOptions {
  /** TWITCH_API_URL, including /helix. */
  baseUrl: string;
  auth: TwitchAuth;
  /** The app's client id (TWITCH_CLIENT_ID, or what validation said the token belongs to). */
  clientId: () => string;
  timeoutMs?: number;
}

export function createHelix(opts: HelixOptions): Helix {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 10_000;

  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown, retried = false): Promise<{ status: number; json: T }> {
    const token = await opts.auth.token();
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'client-id': opts.clientId(), ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new HelixError(0, path, `could not reach the Twitch API at ${base} (TWITCH_API_URL): ${(err as Error).message}`, err);
    }
    const text = await res.text().catch(() => '');
    let json: unknown = {};
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      // not JSON: the status decides
    }
    if (res.status === 401 && !retried && (await opts.auth.recover(token))) return call<T>(method, path, body, true);
    if (res.status >= 300) {
      const message = json && typeof json === 'object' && 'message' in json ? String((json as { message: unknown }).message) : `HTTP ${res.status}`;
      throw new HelixError(res.status, path, `Twitch API ${method} ${path.split('?')[0]} answered ${res.status}: ${message}`);
    }
    return { status: res.status, json: json as T };
  }

  return {
    async usersByLogin(logins) {
      const out: { id: string; login: string }[] = [];
      for (let i = 0; i < logins.length; i += 100) {
        const q = logins.slice(i, i + 100).map((l) => `login=${encodeURIComponent(l)}`).join('&');
        const { json } = await call<{ data?: { id: string; login: string }[] }>('GET', `/users?${q}`);
        for (const u of json.data ?? []) if (typeof u.id === 'string' && typeof u.login === 'string') out.push({ id: u.id, login: u.login.toLowerCase() });
      }
      return out;
    },
    async subscribe(type, version, condition, sessionId) {
      try {
        await call('POST', '/eventsub/subscriptions', { type, version, condition, transport: { method: 'websocket', session_id: sessionId } });
      } catch (err) {
        // already subscribed on this session (a retry after a lost answer): fine
        if (err instanceof HelixError && err.status === 409) return;
        throw err;
      }
    },
    async chatSettings(broadcasterId) {
      const { json } = await call<{ data?: HelixChatSettings[] }>('GET', `/chat/settings?broadcaster_id=${encodeURIComponent(broadcasterId)}`);
      return json.data?.[0];
    },
    async moderatedChannels(userId) {
      const out: string[] = [];
      let after = '';
      for (let page = 0; page < 10; page++) {
        const { json } = await call<{ data?: { broadcaster_login?: string }[]; pagination?: { cursor?: string } }>(
          'GET',
          `/moderation/channels?user_id=${encodeURIComponent(userId)}&first=100${after ? `&after=${encodeURIComponent(after)}` : ''}`,
        );
        for (const c of json.data ?? []) if (typeof c.broadcaster_login === 'string') out.push(c.broadcaster_login.toLowerCase());
        after = json.pagination?.cursor ?? '';
        if (!after) break;
      }
      return out;
    },
    async sendChatMessage(body) {
      const { json } = await call<{ data?: HelixSentMessage[] }>('POST', '/chat/messages', body);
      const item = json.data?.[0];
      if (!item || typeof item.is_sent !== 'boolean') throw new HelixError(502, '/chat/messages', 'Twitch API POST /chat/messages answered without data[0].is_sent');
      return item;
    },
  };
}
