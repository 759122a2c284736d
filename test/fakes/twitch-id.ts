/**
 * Fake Twitch id service (TWITCH_AUTH_URL): `/oauth2/token` (refresh_token and device_code
 * grants, refresh tokens rotate), `/oauth2/validate`, `/oauth2/device`, `/oauth2/revoke`,
 * over real HTTP on 127.0.0.1, with Twitch's documented request and answer shapes
 * (form-encoded bodies; errors as `{"status":400,"message":"Invalid refresh token"}`).
 *
 *   const id = await startFakeTwitchId({ clientId: 'cid' });
 *   const { accessToken, refreshToken } = id.issue('botan_bot');
 *   // TWITCH_AUTH_URL = id.url; startFakeTwitch({ checkToken: id.isValid })
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const ALL_SCOPES = ['chat:read', 'chat:edit', 'user:read:chat', 'user:write:chat', 'user:bot'];

export interface FakeTwitchIdOptions {
  clientId?: string;
  /** Set for a confidential app: refresh then needs it. */
  clientSecret?: string;
  /** Lifetime of access tokens from the token endpoint, seconds (default 14400, as Twitch's ~4 h). */
  accessLifetimeS?: number;
  /** Leave expires_in out of refresh answers (Twitch's documented example does). */
  omitExpiresInOnRefresh?: boolean;
  /** Delay every token-endpoint answer (ms): widens the window for concurrent refreshes. */
  tokenDelayMs?: number;
}

interface AccessInfo {
  login: string;
  userId: string;
  scopes: string[];
  /** Epoch ms; 0 = never expires. */
  expiresAt: number;
  clientId: string;
}

interface DeviceInfo {
  userCode: string;
  scopes: string[];
  expiresAt: number;
  approvedAs?: string;
  denied?: boolean;
  used?: boolean;
}

export interface FakeTwitchId {
  url: string;
  clientId: string;
  /** A token pair as if the user had logged in (scopes default: all the bot may need). */
  issue(login: string, opts?: { scopes?: string[]; lifetimeS?: number }): { accessToken: string; refreshToken: string };
  /** Whether an access token (with or without "oauth:") is valid now. */
  isValid(token: string): boolean;
  /** Make an access token expire now. */
  expire(token: string): void;
  /** Make every access token of a login expire now (refresh tokens stay valid). */
  expireAccess(login: string): void;
  /** Revoke every token (access and refresh) of a login, as disconnecting the app does. */
  revokeAll(login: string): void;
  /** Act as the user who entered `userCode` at the verification URL and authorised the app. */
  approveDevice(userCode: string, login: string): void;
  denyDevice(userCode: string): void;
  /** Device codes handed out so far (user codes, in order). */
  userCodes(): string[];
  /** Calls per endpoint/grant: `refresh_token`, `device_code`, `validate`, `device`, `revoke`. */
  counts: Record<string, number>;
  /** Every form body received at /oauth2/token (for asserting on what the bot sent). */
  tokenRequests: Record<string, string>[];
  close(): Promise<void>;
}

const numericId = (name: string) => {
  let h = 7;
  for (const ch of name) h = (h * 31 + ch.codePointAt(0)!) % 900_000_007;
  return String(100_000 + h);
};

const tok = (n = 15) => randomBytes(n).toString('hex').slice(0, n * 2 - 0);

export async function startFakeTwitchId(opts: FakeTwitchIdOptions = {}): Promise<FakeTwitchId> {
  const clientId = opts.clientId ?? 'fakeclientid0123456789';
  const lifetime = opts.accessLifetimeS ?? 14_400;
  const access = new Map<string, AccessInfo>();
  const refresh = new Map<string, { login: string; scopes: string[] }>();
  const devices = new Map<string, DeviceInfo>();
  const counts: Record<string, number> = {};
  const tokenRequests: Record<string, string>[] = [];
  const bump = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);

  function mint(login: string, scopes: string[], lifetimeS = lifetime): { accessToken: string; refreshToken: string; expiresIn: number } {
    const accessToken = tok(15);
    const refreshToken = tok(25);
    access.set(accessToken, { login, userId: numericId(login), scopes, expiresAt: lifetimeS > 0 ? Date.now() + lifetimeS * 1000 : 0, clientId });
    refresh.set(refreshToken, { login, scopes });
    return { accessToken, refreshToken, expiresIn: lifetimeS };
  }

  const valid = (t: string) => {
    const a = access.get(t.replace(/^oauth:/i, ''));
    return !!a && (a.expiresAt === 0 || a.expiresAt > Date.now());
  };

  function json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
  const err = (res: ServerResponse, status: number, message: string) => json(res, status, { status, message });

  async function form(req: IncomingMessage): Promise<Record<string, string>> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    // Twitch accepts the parameters in the query string or the form body
    return { ...Object.fromEntries(url.searchParams), ...Object.fromEntries(new URLSearchParams(body)) };
  }

  async function onToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const f = await form(req);
    tokenRequests.push(f);
    if (opts.tokenDelayMs) await new Promise((r) => setTimeout(r, opts.tokenDelayMs));
    if (f.client_id !== clientId) return err(res, 400, 'invalid client');
    if (f.grant_type === 'refresh_token') {
      bump('refresh_token');
      if (opts.clientSecret && f.client_secret !== opts.clientSecret) return err(res, 403, 'invalid client secret');
      const r = refresh.get(f.refresh_token ?? '');
      if (!r) return err(res, 400, 'Invalid refresh token');
      refresh.delete(f.refresh_token!); // rotation: each refresh token is used once
      const m = mint(r.login, r.scopes);
      return json(res, 200, {
        access_token: m.accessToken,
        refresh_token: m.refreshToken,
        scope: r.scopes,
        token_type: 'bearer',
        ...(opts.omitExpiresInOnRefresh ? {} : { expires_in: m.expiresIn }),
      });
    }
    if (f.grant_type === 'urn:ietf:params:oauth:grant-type:device_code') {
      bump('device_code');
      const d = devices.get(f.device_code ?? '');
      if (!d || d.used || d.expiresAt < Date.now()) return err(res, 400, 'invalid device code');
      if (d.denied) return err(res, 400, 'authorization_denied');
      if (!d.approvedAs) return err(res, 400, 'authorization_pending');
      d.used = true;
      const m = mint(d.approvedAs, d.scopes);
      return json(res, 200, { access_token: m.accessToken, expires_in: m.expiresIn, refresh_token: m.refreshToken, scope: d.scopes, token_type: 'bearer' });
    }
    return err(res, 400, 'unsupported grant type');
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    void (async () => {
      if (path === '/oauth2/token' && req.method === 'POST') return onToken(req, res);
      if (path === '/oauth2/validate' && req.method === 'GET') {
        bump('validate');
        const h = req.headers.authorization ?? '';
        const m = /^(?:OAuth|Bearer) (.+)$/i.exec(h);
        const a = m ? access.get(m[1]!) : undefined;
        if (!m) return err(res, 401, 'missing authorization token');
        if (!a || !valid(m[1]!)) return err(res, 401, 'invalid access token');
        return json(res, 200, {
          client_id: a.clientId,
          login: a.login,
          scopes: a.scopes,
          user_id: a.userId,
          expires_in: a.expiresAt === 0 ? 0 : Math.max(0, Math.floor((a.expiresAt - Date.now()) / 1000)),
        });
      }
      if (path === '/oauth2/device' && req.method === 'POST') {
        bump('device');
        const f = await form(req);
        if (f.client_id !== clientId) return err(res, 400, 'invalid client');
        const deviceCode = tok(20);
        const userCode = randomBytes(4).toString('hex').toUpperCase();
        devices.set(deviceCode, { userCode, scopes: (f.scopes ?? '').split(' ').filter(Boolean), expiresAt: Date.now() + 1_800_000 });
        return json(res, 200, {
          device_code: deviceCode,
          expires_in: 1800,
          interval: 1,
          user_code: userCode,
          verification_uri: `https://www.twitch.tv/activate?public=true&device-code=${userCode}`,
        });
      }
      if (path === '/oauth2/revoke' && req.method === 'POST') {
        bump('revoke');
        const f = await form(req);
        if (f.client_id !== clientId) return err(res, 404, 'client does not exist');
        const t = f.token ?? '';
        if (access.delete(t) || refresh.delete(t)) {
          res.writeHead(200);
          return res.end();
        }
        return err(res, 400, 'Invalid token');
      }
      return err(res, 404, 'Not Found');
    })().catch(() => err(res, 500, 'Internal Server Error'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    clientId,
    issue(login, o = {}) {
      const m = mint(login.toLowerCase(), o.scopes ?? ALL_SCOPES, o.lifetimeS ?? lifetime);
      return { accessToken: m.accessToken, refreshToken: m.refreshToken };
    },
    isValid: valid,
    expire(t) {
      const a = access.get(t.replace(/^oauth:/i, ''));
      if (a) a.expiresAt = Date.now() - 1;
    },
    expireAccess(login) {
      for (const a of access.values()) if (a.login === login) a.expiresAt = Date.now() - 1;
    },
    revokeAll(login) {
      for (const [k, v] of access) if (v.login === login) access.delete(k);
      for (const [k, v] of refresh) if (v.login === login) refresh.delete(k);
    },
    approveDevice(userCode, login) {
      for (const d of devices.values()) if (d.userCode === userCode) d.approvedAs = login.toLowerCase();
    },
    denyDevice(userCode) {
      for (const d of devices.values()) if (d.userCode === userCode) d.denied = true;
    },
    userCodes: () => [...devices.values()].map((d) => d.userCode),
    counts,
    tokenRequests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
