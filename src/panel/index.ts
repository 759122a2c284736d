/**
 * The moderators' web panel, a plugin of the gateway process (and of `npm run start:panel`):
 * fastify with @fastify/cookie + @fastify/session (HttpOnly session cookie after logging in
 * with PANEL_TOKEN), @fastify/csrf-protection on every write, @fastify/rate-limit on the
 * login, @fastify/static for the pages (plain HTML/JS/CSS: no build step). Live updates are
 * server-sent events. Also serves `/overlay` (read-only, its own token) and `/metrics`.
 * Every write goes through src/controls/ops.ts: the same validation and audit as botctl.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import rateLimit from '@fastify/rate-limit';
import session from '@fastify/session';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { isField } from '../controls/fields.js';
import { SET_NAMES, type SetName } from '../controls/keys.js';
import { changeMember, decideHeld, pauseScope, resetField, resumeScope, setField, type Actor } from '../controls/ops.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/index.js';
import type { Queues } from '../queues.js';
import { controlsView, liveSnapshot, parseScope, pendingView, recentEvents } from './data.js';
import { createHub } from './stream.js';
import { MODEL_ROUTES } from '../llm/routes.js';
import { PLATFORM_LIST } from '../platforms/registry.js';
import { PLATFORMS } from '../types.js';

declare module 'fastify' {
  interface Session {
    authenticated?: boolean;
  }
}


/** `platform:user` with a registered platform and no spaces. */
function isPlatformUser(raw: string): boolean {
  const i = raw.indexOf(':');
  return i > 0 && (PLATFORMS as readonly string[]).includes(raw.slice(0, i)) && /^\S+$/.test(raw.slice(i + 1));
}
export interface PanelDeps {
  config: Config;
  logger: Logger;
  redis: Redis;
  prefix: string;
  queues: Queues;
  metrics: Metrics;
}

export interface Panel {
  /** Listen on PANEL_HOST:PANEL_PORT; resolves with the URL, or undefined when the port could not be bound (logged). */
  start(): Promise<string | undefined>;
  readonly url: string | undefined;
  close(): Promise<void>;
}

/** The overlay's token: OVERLAY_TOKEN, else derived from PANEL_TOKEN (stable across restarts), else none (loopback only). */
export function overlayToken(config: Pick<Config, 'OVERLAY_TOKEN' | 'PANEL_TOKEN'>): string | undefined {
  if (config.OVERLAY_TOKEN) return config.OVERLAY_TOKEN;
  if (config.PANEL_TOKEN) return createHmac('sha256', config.PANEL_TOKEN).update('stream-comment-bot overlay').digest('base64url').slice(0, 24);
  return undefined;
}

function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** src/panel/public, from the sources (tsx) or from dist/src/panel (the compiled image). */
function publicDir(): string {
  for (const rel of ['./public/', '../../../src/panel/public/']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('panel pages not found (src/panel/public)');
}

export async function buildPanelServer(deps: PanelDeps) {
  const { config, redis, prefix } = deps;
  const log = deps.logger.child({ component: 'panel' });
  const token = config.PANEL_TOKEN;
  const overlay = overlayToken(config);
  const app = Fastify({ loggerInstance: log, logController: new LogController({ disableRequestLogging: true }), bodyLimit: 64 * 1024, trustProxy: false });

  await app.register(cookie);
  await app.register(session, {
    secret: randomBytes(32).toString('hex'),
    cookieName: 'panel_session',
    // plain http on loopback or behind your TLS proxy: not Secure; Strict keeps it off cross-site requests
    cookie: { httpOnly: true, sameSite: 'strict', secure: false, path: '/', maxAge: 12 * 3600 * 1000 },
    saveUninitialized: false,
  });
  await app.register(csrf, { sessionPlugin: '@fastify/session' });
  await app.register(rateLimit, { global: false });
  await app.register(fastifyStatic, { root: publicDir(), prefix: '/static/', index: false, cacheControl: true, maxAge: 60_000 });

  const loggedIn = (req: FastifyRequest): boolean => !token || req.session.authenticated === true;
  const requireLogin = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!loggedIn(req)) return reply.code(401).send({ error: 'log in with the panel token' });
  };
  const actor: Actor = { by: 'panel', via: 'panel' };
  const knownChannels = PLATFORM_LIST.flatMap((p) => p.channels(config).map((c) => `${p.name}:${c}`));
  const models = MODEL_ROUTES.map((r) => ({ route: r.name, model: r.model(config) }));
  const rateLimitWaits = async (): Promise<Record<string, number>> => {
    const m = await deps.metrics.registry.getSingleMetric('bot_rate_limit_waits_total')?.get();
    const out: Record<string, number> = {};
    for (const v of m?.values ?? []) out[`${v.labels.platform}:${v.labels.channel}`] = v.value;
    return out;
  };
  const live = () => liveSnapshot({ redis, prefix, queues: deps.queues, models, rateLimitWaits });
  const hub = createHub({ redis, prefix, logger: log, tick: async () => ({ live: await live(), pending: await pendingView(redis, prefix) }) });
  // end the live streams before the server waits for open connections to finish
  app.addHook('preClose', async () => hub.close());

  const page = (file: string) => async (_req: FastifyRequest, reply: FastifyReply) => reply.header('cache-control', 'no-store').sendFile(file);
  app.get('/', page('index.html'));
  app.get('/overlay', async (req, reply) => {
    if (overlay && !sameSecret((req.query as { token?: unknown }).token, overlay)) return reply.code(401).type('text/plain').send('overlay token missing or wrong: copy the overlay URL from the panel');
    return reply.header('cache-control', 'no-store').sendFile('overlay.html');
  });
  app.get('/overlay/stream', async (req, reply) => {
    if (overlay && !sameSecret((req.query as { token?: unknown }).token, overlay)) return reply.code(401).send({ error: 'overlay token missing or wrong' });
    reply.hijack();
    hub.add(reply.raw, 'overlay');
  });
  app.get('/metrics', async (_req, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.render()));
  app.get('/healthz', async () => ({ ok: true }));

  // the CSRF token comes with the session: fetched before logging in, sent back on every write
  app.get('/api/session', async (req, reply) => {
    const csrfToken = reply.generateCsrf();
    const host = req.headers.host ?? `${config.PANEL_HOST}:${config.PANEL_PORT}`;
    return { authenticated: loggedIn(req), tokenRequired: !!token, csrf: csrfToken, overlayUrl: loggedIn(req) ? `http://${host}/overlay${overlay ? `?token=${encodeURIComponent(overlay)}` : ''}` : undefined };
  });
  app.post('/api/login', { onRequest: app.csrfProtection, config: { rateLimit: { max: 5, timeWindow: '1 minute' } } }, async (req, reply) => {
    const given = (req.body as { token?: unknown } | undefined)?.token;
    if (token && !sameSecret(given, token)) {
      log.warn({ ip: req.ip }, 'panel login refused: wrong token');
      return reply.code(401).send({ error: 'wrong token' });
    }
    await req.session.regenerate();
    req.session.authenticated = true;
    log.info({ ip: req.ip }, 'panel login');
    return { ok: true, csrf: reply.generateCsrf() };
  });
  app.post('/api/logout', { onRequest: app.csrfProtection }, async (req) => {
    await req.session.destroy();
    return { ok: true };
  });

  app.register(async (api) => {
    api.addHook('onRequest', requireLogin);
    // every write carries the session's CSRF token in the x-csrf-token header
    api.addHook('onRequest', (req, reply, done) => {
      if (req.method === 'GET' || req.method === 'HEAD') return done();
      app.csrfProtection(req, reply, done);
    });
    api.get('/live', async () => live());
    api.get('/events', async () => recentEvents(redis, prefix));
    api.get('/pending', async () => pendingView(redis, prefix));
    api.get('/stream', async (_req, reply) => {
      reply.hijack();
      hub.add(reply.raw, 'panel', [{ event: 'events', data: await recentEvents(redis, prefix) }]);
    });
    api.get('/controls', async (req, reply) => {
      const scope = parseScope(String((req.query as { scope?: string }).scope ?? 'global'));
      if (!scope) return reply.code(400).send({ error: 'scope must be global or platform:channel' });
      return controlsView(redis, prefix, scope, knownChannels);
    });
    api.post('/controls', async (req, reply) => {
      const b = (req.body ?? {}) as { scope?: unknown; field?: unknown; value?: unknown; action?: unknown };
      const scope = parseScope(String(b.scope ?? ''));
      if (!scope) return reply.code(400).send({ error: 'scope must be global or platform:channel' });
      const action = String(b.action ?? 'set');
      if (action === 'pause') return pauseScope(redis, prefix, actor, scope.ref);
      if (action === 'resume') return resumeScope(redis, prefix, actor, scope.ref);
      const field = String(b.field ?? '');
      if (!isField(field)) return reply.code(400).send({ error: `unknown field "${field.slice(0, 40)}"` });
      if (action === 'reset') return resetField(redis, prefix, actor, scope.ref, field);
      if (action !== 'set' || typeof b.value !== 'string') return reply.code(400).send({ error: 'action must be set (with a value), reset, pause or resume' });
      const r = await setField(redis, prefix, actor, scope.ref, field, b.value);
      if (!r.ok) return reply.code(400).send({ error: `"${b.value.slice(0, 40)}" is not a valid ${field}`, allowed: r.allowed });
      return r;
    });
    api.post('/sets', async (req, reply) => {
      const b = (req.body ?? {}) as { set?: unknown; member?: unknown; add?: unknown };
      const set = String(b.set ?? '') as SetName;
      const raw = typeof b.member === 'string' ? b.member.trim().toLowerCase() : '';
      if (!SET_NAMES.includes(set)) return reply.code(400).send({ error: `set must be one of ${SET_NAMES.join(', ')}` });
      const userSet = set === 'blocked_users' || set === 'vip_users';
      if (!raw || raw.length > 200 || (userSet && !isPlatformUser(raw))) {
        return reply.code(400).send({ error: userSet ? 'give the user as platform:login or platform:userId (e.g. twitch:some_troll)' : 'give a word (at most 200 characters)' });
      }
      const member = userSet ? raw.replace(/:@/, ':') : raw;
      return { set, member, changed: await changeMember(redis, prefix, actor, set, member, b.add !== false) };
    });
    api.post('/approvals/:id', async (req, reply) => {
      const action = (req.body as { action?: unknown } | undefined)?.action;
      if (action !== 'approve' && action !== 'reject') return reply.code(400).send({ error: 'action must be approve or reject' });
      const r = await decideHeld(redis, prefix, deps.queues.outbox, actor, (req.params as { id: string }).id, action);
      if (!r) return reply.code(404).send({ error: 'no reply waiting with that id (expired or already handled)' });
      return { ok: true, id: r.id, action };
    });
  }, { prefix: '/api' });

  return app;
}

/** The panel as a plugin of a bot process. */
export function createPanel(deps: PanelDeps): Panel {
  const log = deps.logger.child({ component: 'panel' });
  let app: Awaited<ReturnType<typeof buildPanelServer>> | undefined;
  let url: string | undefined;
  return {
    get url() {
      return url;
    },
    async start() {
      app = await buildPanelServer(deps);
      try {
        const addr = await app.listen({ host: deps.config.PANEL_HOST, port: deps.config.PANEL_PORT });
        url = addr;
        log.info({ url: addr, login: deps.config.PANEL_TOKEN ? 'PANEL_TOKEN' : 'none (loopback only)' }, 'panel listening');
      } catch (err) {
        log.warn({ err, host: deps.config.PANEL_HOST, port: deps.config.PANEL_PORT }, 'panel not started: could not listen (the bot runs on without it; set PANEL_PORT)');
        await app.close().catch(() => undefined);
        app = undefined;
      }
      return url;
    },
    async close() {
      await app?.close();
      app = undefined;
    },
  };
}
