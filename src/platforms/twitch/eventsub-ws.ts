/**
 * One EventSub WebSocket session (TWITCH_EVENTSUB_URL), as Twitch documents it:
 * - `session_welcome` gives the session id; subscriptions must follow within 10 s;
 * - any message (a keepalive when nothing else happens) resets the keepalive timer; silence past
 *   `keepalive_timeout_seconds` means the connection is dead: reconnect, new session, subscribe again;
 * - `session_reconnect`: open `reconnect_url`, and once its welcome arrives close the old socket;
 *   the subscriptions move along (no new subscribe);
 * - `revocation`: a subscription ended (authorization_revoked, user_removed, version_removed);
 * - notifications may be delivered twice: deduplicated by message id.
 */
import WebSocket from 'ws';
import type { Logger } from '../../log.js';
import { systemClock, type Clock } from './auth.js';
import type { EventSubFrame, EventSubSubscription } from './eventsub.external.js';

export interface EventSubSessionOptions {
  url: string;
  logger: Logger;
  /** A new session (not one moved by session_reconnect): create the subscriptions on it. */
  onSession(sessionId: string): Promise<void>;
  onNotification(type: string, event: unknown, sentAt: string | undefined): void;
  onRevocation(sub: EventSubSubscription): void;
  /** Reconnect back-off, over EVENTSUB_BACKOFF. */
  backoff?: Partial<EventSubBackoff>;
  /** Times the reconnects (default: the system clock). */
  clock?: Clock;
}

/** After a lost session: the first reconnect is at once, then the wait doubles from minMs up to maxMs. */
export interface EventSubBackoff {
  reconnectMinMs: number;
  reconnectMaxMs: number;
}

export const EVENTSUB_BACKOFF: Readonly<EventSubBackoff> = { reconnectMinMs: 1000, reconnectMaxMs: 30_000 };

export interface EventSubSession {
  /** Connect; resolves after the first session's subscriptions were made (or failed: logged, retried on reconnect). */
  start(): Promise<void>;
  /** Whether a session is open now. */
  connected(): boolean;
  close(): Promise<void>;
}

const SEEN_MAX = 2000;

export function createEventSubSession(opts: EventSubSessionOptions): EventSubSession {
  const log = opts.logger;
  const backoff: EventSubBackoff = { ...EVENTSUB_BACKOFF, ...opts.backoff };
  const clock = opts.clock ?? systemClock;
  let current: WebSocket | null = null;
  let sessionId: string | null = null;
  let closed = false;
  let keepaliveTimer: NodeJS.Timeout | undefined;
  let reconnectTimer: unknown;
  let failures = 0;
  let firstReady: (() => void) | null = null;
  const seen = new Set<string>();

  function armKeepalive(ws: WebSocket, seconds: number | null): void {
    clearTimeout(keepaliveTimer);
    if (!seconds || ws !== current) return;
    keepaliveTimer = setTimeout(() => {
      if (ws !== current || closed) return;
      log.warn({ keepaliveS: seconds }, `no EventSub message for ${seconds} s (keepalive timeout): reconnecting`);
      drop(ws);
    }, seconds * 1000 + 1000);
    keepaliveTimer.unref();
  }

  let keepaliveS: number | null = null;

  /** The current socket is dead: forget it and connect anew (new session, new subscriptions). */
  function drop(ws: WebSocket): void {
    if (ws === current) {
      current = null;
      sessionId = null;
      clearTimeout(keepaliveTimer);
      scheduleReconnect();
    }
    ws.removeAllListeners();
    ws.on('error', () => undefined);
    ws.terminate();
  }

  function scheduleReconnect(): void {
    if (closed) return;
    clock.clearTimeout(reconnectTimer);
    const delay = Math.min(backoff.reconnectMinMs * 2 ** failures, backoff.reconnectMaxMs);
    failures++;
    reconnectTimer = clock.setTimeout(() => open(opts.url, false), failures === 1 ? 0 : delay);
  }

  function open(url: string, moving: boolean): void {
    if (closed) return;
    const ws = new WebSocket(url);
    if (!moving) current = ws;
    let welcomed = false;
    ws.on('message', (data) => {
      let frame: EventSubFrame;
      try {
        frame = JSON.parse(data.toString('utf8')) as EventSubFrame;
      } catch {
        log.debug('EventSub sent a frame that is not JSON; ignored');
        return;
      }
      if (ws === current) armKeepalive(ws, keepaliveS);
      const type = frame?.metadata?.message_type;
      switch (type) {
        case 'session_welcome': {
          const s = frame.payload?.session;
          if (!s?.id || welcomed) return;
          welcomed = true;
          keepaliveS = s.keepalive_timeout_seconds ?? null;
          if (moving) {
            // the new socket carries the subscriptions over: retire the old one
            const old = current;
            current = ws;
            sessionId = s.id;
            if (old && old !== ws) {
              old.removeAllListeners();
              old.on('error', () => undefined);
              old.close(1000);
            }
            armKeepalive(ws, keepaliveS);
            log.info('EventSub session moved to the reconnect URL');
            return;
          }
          if (ws !== current) return;
          sessionId = s.id;
          armKeepalive(ws, keepaliveS);
          log.info({ keepaliveS }, 'EventSub session open');
          opts
            .onSession(s.id)
            .then(() => {
              failures = 0; // backoff resets once a session is really usable
            })
            .catch((err) => {
              if (closed) return;
              log.error({ err }, 'could not subscribe to Twitch chat on the EventSub session; reconnecting with backoff to try again');
              drop(ws);
            })
            .finally(() => firstReady?.());
          return;
        }
        case 'session_keepalive':
          return;
        case 'session_reconnect': {
          const next = frame.payload?.session?.reconnect_url;
          if (next && ws === current) {
            log.info('EventSub asked to reconnect (session_reconnect); moving to the new URL');
            open(next, true);
          }
          return;
        }
        case 'notification': {
          const id = frame.metadata.message_id;
          if (id) {
            if (seen.has(id)) return;
            seen.add(id);
            if (seen.size > SEEN_MAX) seen.delete(seen.values().next().value!);
          }
          const subType = frame.metadata.subscription_type ?? frame.payload?.subscription?.type ?? '';
          opts.onNotification(subType, frame.payload?.event, frame.metadata.message_timestamp);
          return;
        }
        case 'revocation':
          if (frame.payload?.subscription) opts.onRevocation(frame.payload.subscription);
          return;
        default:
          log.debug({ type }, 'EventSub message of a kind not used here');
      }
    });
    ws.on('close', (code, reason) => {
      if (closed) return;
      if (ws === current) {
        log.warn({ code, reason: reason.toString('utf8') }, 'EventSub connection closed; reconnecting with backoff (new session, subscriptions made again)');
        drop(ws);
      } else if (moving && !welcomed) {
        log.warn({ code }, 'the EventSub reconnect URL closed before its welcome; staying on the old session');
      }
    });
    ws.on('error', (err) => {
      log.debug({ err }, 'EventSub socket error');
    });
  }

  return {
    start() {
      if (closed) return Promise.resolve();
      const ready = new Promise<void>((resolve) => {
        firstReady = () => {
          firstReady = null;
          resolve();
        };
        const t = setTimeout(() => firstReady?.(), 15_000);
        t.unref();
      });
      open(opts.url, false);
      return ready;
    },
    connected: () => !!current && current.readyState === WebSocket.OPEN && !!sessionId,
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(keepaliveTimer);
      clock.clearTimeout(reconnectTimer);
      firstReady?.();
      const ws = current;
      current = null;
      if (!ws) return;
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
        await new Promise<void>((resolve) => {
          ws.once('close', () => resolve());
          ws.close(1000);
          setTimeout(() => {
            ws.terminate();
            resolve();
          }, 1000).unref();
        });
      }
    },
  };
}
