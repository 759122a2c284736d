/**
 * Live updates for the panel and the overlay (server-sent events): one reader follows the
 * events and audit streams (XREAD BLOCK on its own connection) and a tick recomputes the
 * live numbers and the pending list; each is sent to the clients that asked for it, and only
 * when it changed. Nothing runs while no client is connected.
 */
import type { ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import { controlKeys } from '../controls/keys.js';
import { eventsKey } from '../events.js';
import type { Logger } from '../log.js';
import { toEvent, type EventRow } from './data.js';

export type Topic = 'panel' | 'overlay';

interface Client {
  res: ServerResponse;
  topic: Topic;
}

export interface Hub {
  /** Take over a hijacked response as an SSE stream. */
  add(res: ServerResponse, topic: Topic, first?: { event: string; data: unknown }[]): void;
  close(): Promise<void>;
}

export interface HubDeps {
  redis: Redis;
  prefix: string;
  logger: Logger;
  /** Called every tick while a panel client is connected: the named payloads to send when changed. */
  tick(): Promise<Record<string, unknown>>;
  tickMs?: number;
}

const COMMENT_MEMORY = 500;

export function createHub(deps: HubDeps): Hub {
  const clients = new Set<Client>();
  const last = new Map<string, string>();
  /** Recent comment texts by id: the overlay shows the comment an answer is for. */
  const comments = new Map<string, { user: string; text: string }>();
  let reader: Redis | undefined;
  let running = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let liveSoon: NodeJS.Timeout | undefined;

  function send(c: Client, event: string, data: unknown): void {
    c.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }
  function broadcast(topic: Topic, event: string, data: unknown): void {
    for (const c of clients) if (c.topic === topic) send(c, event, data);
  }

  async function tick(): Promise<void> {
    if (![...clients].some((c) => c.topic === 'panel')) return;
    try {
      const payloads = await deps.tick();
      for (const [name, value] of Object.entries(payloads)) {
        const json = JSON.stringify(value);
        if (last.get(name) === json) continue;
        last.set(name, json);
        broadcast('panel', name, value);
      }
    } catch (err) {
      deps.logger.debug({ err }, 'panel tick failed');
    }
  }

  function onEvent(e: EventRow): void {
    if (e.type === 'comment') {
      comments.set(e.id ?? '', { user: e.user ?? '', text: e.text ?? '' });
      if (comments.size > COMMENT_MEMORY) comments.delete(comments.keys().next().value as string);
    }
    broadcast('panel', 'event', e);
    if (e.type === 'reply') {
      const c = comments.get(e.id ?? '');
      broadcast('overlay', 'answer', { id: e.id, user: e.user ?? c?.user ?? '', comment: c?.text ?? '', answer: e.text ?? '', route: e.route, at: Number(e.at) });
    }
    // the live numbers follow a comment at once, not only at the next tick
    if (!liveSoon) liveSoon = setTimeout(() => ((liveSoon = undefined), void tick()), 200);
  }

  async function follow(): Promise<void> {
    running = true;
    reader = deps.redis.duplicate();
    reader.on('error', () => undefined);
    const events = eventsKey(deps.prefix);
    const audit = controlKeys(deps.prefix).audit;
    const ids: Record<string, string> = { [events]: '$', [audit]: '$' };
    while (!closed && clients.size > 0) {
      try {
        const res = (await reader.xread('COUNT', 200, 'BLOCK', 1000, 'STREAMS', events, audit, ids[events]!, ids[audit]!)) as [string, [string, string[]][]][] | null;
        for (const [key, entries] of res ?? []) {
          for (const [id, flat] of entries) {
            ids[key] = id;
            if (key === events) onEvent(toEvent(id, flat));
            else broadcast('panel', 'audit', toEvent(id, flat));
          }
        }
      } catch {
        if (closed) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    reader.disconnect();
    reader = undefined;
    running = false;
    // a client that arrived while this loop was ending
    if (!closed && clients.size > 0) void follow();
  }

  return {
    add(res, topic, first = []) {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write('retry: 2000\n\n');
      const c: Client = { res, topic };
      clients.add(c);
      for (const f of first) send(c, f.event, f.data);
      // a new panel client gets the current state at once
      if (topic === 'panel') {
        for (const [name, json] of last) res.write(`event: ${name}\ndata: ${json}\n\n`);
        void tick();
      }
      const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
      res.on('close', () => {
        clearInterval(ping);
        clients.delete(c);
      });
      if (!running && !closed) void follow();
      if (!timer) {
        timer = setInterval(() => void tick(), deps.tickMs ?? 1500);
        timer.unref();
      }
    },
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      if (liveSoon) clearTimeout(liveSoon);
      for (const c of clients) c.res.end();
      clients.clear();
      reader?.disconnect();
    },
  };
}
