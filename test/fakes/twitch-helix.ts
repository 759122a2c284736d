/**
 * Fake Twitch Helix (the REST API) on 127.0.0.1 and a free port: the part the bot reads a
 * channel's title and category from, following Twitch's API reference.
 *   GET /helix/users?login=a&login=b        → { data: [{ id, login, display_name, … }] }
 *   GET /helix/channels?broadcaster_id=1&…  → { data: [{ broadcaster_id, broadcaster_login, title, game_name, … }] }
 * Every call needs `Authorization: Bearer <token>` and `Client-Id: <id>`: an unknown token
 * answers 401 `{"error":"Unauthorized","status":401,"message":"Invalid OAuth token"}`, a missing
 * or other Client-Id 401 too, as Twitch does. Unknown logins and ids are left out of `data`.
 *
 * Kept apart from the IRC fake (test/fakes/twitch.ts) on purpose: `helixRoutes` is a plain
 * request handler that another server (an OAuth/EventSub fake) can mount under /helix.
 *
 *   const helix = await startFakeTwitchHelix({ channels: { botan_ch: { title: 'Zelda!', gameName: 'The Legend of Zelda' } } });
 *   // TWITCH_API_URL = helix.apiUrl, TWITCH_CLIENT_ID = helix.clientId
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeHelixChannel {
  title: string;
  gameName: string;
  gameId?: string;
  displayName?: string;
  language?: string;
}

export interface FakeHelixOptions {
  /** The app's Client ID (default a fake 30-character id). */
  clientId?: string;
  /** Access tokens Helix accepts, without `oauth:` (default: the harness's bot token). */
  tokens?: string[];
  /** Channels by login (lower case). */
  channels?: Record<string, FakeHelixChannel>;
}

export interface HelixRequest {
  method: string;
  path: string;
  query: string;
  status: number;
  clientId: string | undefined;
  authorization: string | undefined;
}

export interface FakeHelixState {
  readonly clientId: string;
  readonly tokens: Set<string>;
  readonly channels: Map<string, FakeHelixChannel>;
  readonly requests: HelixRequest[];
}

export interface FakeTwitchHelix {
  /** TWITCH_API_URL for the bot (…/helix). */
  apiUrl: string;
  clientId: string;
  /** The streamer edits the channel (title and/or category). */
  setChannel(login: string, c: Partial<FakeHelixChannel>): void;
  /** Every token stops working (401 Invalid OAuth token), or a new one works. */
  revokeTokens(): void;
  acceptToken(token: string): void;
  /** Calls received, with the status answered. */
  requests(): HelixRequest[];
  close(): Promise<void>;
}

/** The harness's TWITCH_OAUTH_TOKEN without `oauth:`. */
export const HARNESS_TWITCH_TOKEN = 'abcdefghijklmnopqrstuvwxyz0123';
export const FAKE_TWITCH_CLIENT_ID = 'fakeclientid0123456789abcdefgh';

/** Same ids as the IRC fake's room-id/user-id tags. */
function numericId(name: string): string {
  let h = 7;
  for (const ch of name) h = (h * 31 + ch.codePointAt(0)!) % 900_000_007;
  return String(100_000 + h);
}

export function createHelixState(opts: FakeHelixOptions = {}): FakeHelixState {
  return {
    clientId: opts.clientId ?? FAKE_TWITCH_CLIENT_ID,
    tokens: new Set(opts.tokens ?? [HARNESS_TWITCH_TOKEN]),
    channels: new Map(Object.entries(opts.channels ?? {}).map(([k, v]) => [k.toLowerCase(), { ...v }])),
    requests: [],
  };
}

/**
 * Handle a request under `/helix`; returns false when the path is not Helix's (the caller
 * answers it).
 */
export function helixRoutes(state: FakeHelixState, req: IncomingMessage, res: ServerResponse): boolean {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (!url.pathname.startsWith('/helix/')) return false;
  const path = url.pathname.slice('/helix'.length);
  const clientId = req.headers['client-id'] as string | undefined;
  const authorization = req.headers.authorization;
  const send = (status: number, body: unknown) => {
    state.requests.push({ method: req.method ?? 'GET', path, query: url.search, status, clientId, authorization });
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'ratelimit-limit': '800',
      'ratelimit-remaining': '799',
      'ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 60),
    });
    res.end(JSON.stringify(body));
  };
  const error = (status: number, message: string) =>
    send(status, { error: status === 401 ? 'Unauthorized' : status === 400 ? 'Bad Request' : status === 404 ? 'Not Found' : 'Error', status, message });

  const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
  if (!token) return error(401, 'OAuth token is missing'), true;
  if (!state.tokens.has(token)) return error(401, 'Invalid OAuth token'), true;
  if (!clientId) return error(401, 'Client ID is missing'), true;
  if (clientId !== state.clientId) return error(401, 'Client ID and OAuth token do not match'), true;
  if (req.method !== 'GET') return error(404, 'Not Found'), true;

  if (path === '/users') {
    const logins = url.searchParams.getAll('login').map((l) => l.toLowerCase());
    const ids = url.searchParams.getAll('id');
    if (logins.length + ids.length > 100) return error(400, 'The sum of the id and login query parameters may not exceed 100'), true;
    const all = [...state.channels.keys()];
    const found = all.filter((l) => logins.includes(l) || ids.includes(numericId(l)));
    const data = found.map((login) => {
      const c = state.channels.get(login)!;
      return {
        id: numericId(login),
        login,
        display_name: c.displayName ?? login,
        type: '',
        broadcaster_type: 'affiliate',
        description: '',
        profile_image_url: `https://static-cdn.jtvnw.net/jtv_user_pictures/${login}-profile_image-300x300.png`,
        offline_image_url: '',
        view_count: 0,
        created_at: '2020-04-01T12:00:00Z',
      };
    });
    return send(200, { data }), true;
  }
  if (path === '/channels') {
    const ids = url.searchParams.getAll('broadcaster_id');
    if (!ids.length) return error(400, 'Missing required parameter "broadcaster_id"'), true;
    if (ids.length > 100) return error(400, 'The number of broadcaster_id query parameters may not exceed 100'), true;
    const data = [...state.channels.entries()]
      .filter(([login]) => ids.includes(numericId(login)))
      .map(([login, c]) => ({
        broadcaster_id: numericId(login),
        broadcaster_login: login,
        broadcaster_name: c.displayName ?? login,
        broadcaster_language: c.language ?? 'ja',
        game_id: c.gameId ?? (c.gameName ? numericId(`game:${c.gameName}`) : ''),
        game_name: c.gameName,
        title: c.title,
        delay: 0,
        tags: ['日本語', 'VTuber'],
        content_classification_labels: [],
        is_branded_content: false,
      }));
    return send(200, { data }), true;
  }
  return error(404, 'Not Found'), true;
}

export async function startFakeTwitchHelix(opts: FakeHelixOptions = {}): Promise<FakeTwitchHelix> {
  const state = createHelixState(opts);
  const server: Server = createServer((req, res) => {
    if (!helixRoutes(state, req, res)) res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    apiUrl: `http://127.0.0.1:${port}/helix`,
    clientId: state.clientId,
    setChannel(login, c) {
      const key = login.toLowerCase();
      const prev = state.channels.get(key) ?? { title: '', gameName: '' };
      state.channels.set(key, { ...prev, ...c });
    },
    revokeTokens() {
      state.tokens.clear();
    },
    acceptToken(token) {
      state.tokens.add(token);
    },
    requests: () => [...state.requests],
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
