import type { Redis } from 'ioredis';
import type { Logger } from '../../log.js';
import { writeStreamInfo } from '../../memory/stream-info.js';
import { Helix, TwitchHelixError, type HelixChannel } from './helix-info.js';

/** How often the channels' title and category are read again (default). */
export const TWITCH_STREAM_INFO_REFRESH_MS = 3 * 60_000;

export interface TwitchChannelInfoOptions {
  /** TWITCH_API_URL. */
  apiUrl: string;
  /** TWITCH_CLIENT_ID: without it nothing is read. */
  clientId: string | undefined;
  /** The bot's access token (TWITCH_OAUTH_TOKEN; an `oauth:` prefix is dropped). */
  token: () => string | Promise<string>;
  /** Channel logins, lower case, without `#`. */
  channels: readonly string[];
  redis: Redis;
  prefix: string;
  logger: Logger;
  refreshMs?: number;
  now?: () => number;
}

export interface TwitchChannelInfo {
  /** Begin reading (in the background); idempotent. */
  start(): void;
  close(): void;
}

/**
 * Reads each joined channel's title and category (game_name) from Helix every few minutes,
 * when a client id is configured, and writes them to the shared `streamInfo` hash. Broadcaster
 * ids are resolved once from the logins. A failure (401/403/404, network) logs one warning
 * per kind of failure and keeps the last value; nothing else stops.
 */
export function createTwitchChannelInfo(opts: TwitchChannelInfoOptions): TwitchChannelInfo {
  const now = opts.now ?? Date.now;
  const refreshMs = Math.max(100, opts.refreshMs ?? TWITCH_STREAM_INFO_REFRESH_MS);
  const log = opts.logger;
  const channels = [...new Set(opts.channels.map((c) => c.replace(/^#/, '').toLowerCase()))];
  const helix = opts.clientId ? new Helix({ apiUrl: opts.apiUrl, clientId: opts.clientId, token: opts.token }) : undefined;
  /** login → broadcaster id. */
  const ids = new Map<string, string>();
  const missingWarned = new Set<string>();
  /** login → last value written (to log a change once). */
  const written = new Map<string, string>();
  let warned: string | undefined;
  let started = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  function warnOnce(episode: string, fields: Record<string, unknown>, message: string): void {
    if (warned === episode) return;
    warned = episode;
    log.warn(fields, message);
  }

  async function tick(h: Helix): Promise<void> {
    const unknown = channels.filter((c) => !ids.has(c));
    if (unknown.length) {
      for (const u of await h.users(unknown)) if (u.login && u.id) ids.set(u.login.toLowerCase(), u.id);
      for (const c of unknown) {
        if (!ids.has(c) && !missingWarned.has(c)) {
          missingWarned.add(c);
          log.warn({ channel: c }, 'Twitch has no user with this channel login: its title and category are not read');
        }
      }
    }
    const wanted = channels.filter((c) => ids.has(c));
    if (!wanted.length) return;
    const at = now();
    const byId = new Map<string, HelixChannel>((await h.channels(wanted.map((c) => ids.get(c)!))).map((ch) => [ch.broadcaster_id, ch]));
    for (const c of wanted) {
      const ch = byId.get(ids.get(c)!);
      if (!ch) continue;
      const stored = await writeStreamInfo(opts.redis, opts.prefix, 'twitch', c, { title: ch.title, category: ch.game_name }, at);
      const sig = JSON.stringify([stored.title, stored.category]);
      if (written.get(c) !== sig) {
        written.set(c, sig);
        log.info({ channel: c, category: stored.category, titleChars: [...(stored.title ?? '')].length }, 'stream title and category read');
        log.debug({ channel: c, title: stored.title }, 'stream title');
      }
    }
    if (warned) log.info('Twitch channel title and category read again');
    warned = undefined;
  }

  async function run(h: Helix): Promise<void> {
    timer = undefined;
    if (closed) return;
    try {
      await tick(h);
    } catch (err) {
      if (err instanceof TwitchHelixError) {
        warnOnce(`http${err.status}`, { status: err.status, err: { message: err.message } }, 'could not read the Twitch channel title and category: keeping the last value');
      } else {
        warnOnce('error', { err: { message: err instanceof Error ? err.message : String(err) } }, 'could not store the Twitch channel title and category: keeping the last value');
      }
    }
    if (closed) return;
    timer = setTimeout(() => void run(h), refreshMs);
    timer.unref();
  }

  return {
    start() {
      if (started || closed) return;
      started = true;
      if (!helix) {
        log.info('Twitch stream title and category are not read: set TWITCH_CLIENT_ID (the Client ID of the app that issued TWITCH_OAUTH_TOKEN) to read them from the Twitch API; the context control field still describes the stream');
        return;
      }
      log.info({ channels: channels.length, refreshMs }, 'reading the Twitch channel title and category from the Twitch API');
      void run(helix);
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
