import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { CONSENT_COOKIE } from './live-page.js';

/**
 * THE ONE PLACE where youtube-chat's HTTP requests are pointed at YOUTUBE_BASE_URL.
 *
 * youtube-chat 2.2.0 hard-codes "https://www.youtube.com/..." and calls axios's default
 * instance (the CommonJS build it `require`s). We add one request interceptor to exactly that
 * instance, once per process. It rewrites the origin only for https://www.youtube.com URLs
 * and only inside a read scope (AsyncLocalStorage) opened by the adapter around
 * `LiveChat.start()`; the polling timer youtube-chat creates there inherits the scope, so
 * every later poll of that LiveChat is redirected too, and two adapters with different base
 * URLs in one process do not disturb each other. With the default base URL the rewrite
 * changes nothing. Requests made outside a scope (anyone else using axios) are untouched.
 *
 * The same hook hands the adapter the raw get_live_chat body (`onRawChat`), which carries two
 * facts youtube-chat drops: which items were membership events, and that the stream ended
 * (the response stops carrying `continuationContents`).
 */
const YOUTUBE_ORIGIN = 'https://www.youtube.com';
const GET_LIVE_CHAT = '/youtubei/v1/live_chat/get_live_chat';
const REQUEST_TIMEOUT_MS = 15_000;

export interface ReadScope {
  /** YOUTUBE_BASE_URL, without a trailing slash. */
  baseUrl: string;
  /** Called with each get_live_chat response body; must not throw. */
  onRawChat?: (data: unknown) => void;
}

interface AxiosRequestLike {
  url?: string;
  timeout?: number;
  headers?: Record<string, unknown> & { set?: (name: string, value: string) => unknown; get?: (name: string) => unknown };
}
interface AxiosResponseLike {
  config?: AxiosRequestLike;
  data?: unknown;
}
interface AxiosLike {
  interceptors: {
    request: { use(onFulfilled: (c: AxiosRequestLike) => AxiosRequestLike, onRejected?: null, options?: { synchronous?: boolean }): number };
    response: { use(onFulfilled: (r: AxiosResponseLike) => AxiosResponseLike): number };
  };
}

const INSTALLED = Symbol.for('stream-comment-bot.youtube-read-scope');

/** axios exactly as youtube-chat resolves it (its own nested copy if it has one). */
function youtubeChatAxios(): AxiosLike & { [INSTALLED]?: AsyncLocalStorage<ReadScope> } {
  const here = createRequire(import.meta.url);
  const fromYoutubeChat = createRequire(here.resolve('youtube-chat'));
  const mod = fromYoutubeChat('axios') as AxiosLike & { default?: AxiosLike };
  return (mod.default ?? mod) as AxiosLike & { [INSTALLED]?: AsyncLocalStorage<ReadScope> };
}

function install(): AsyncLocalStorage<ReadScope> {
  const axios = youtubeChatAxios();
  const existing = axios[INSTALLED];
  if (existing) return existing;
  const storage = new AsyncLocalStorage<ReadScope>();
  axios.interceptors.request.use(
    (config) => {
      const scope = storage.getStore();
      if (scope && typeof config.url === 'string' && config.url.startsWith(`${YOUTUBE_ORIGIN}/`)) {
        config.url = scope.baseUrl + config.url.slice(YOUTUBE_ORIGIN.length);
        // youtube-chat sets no timeout: a request that never ends would stall start() forever.
        if (!config.timeout) config.timeout = REQUEST_TIMEOUT_MS;
        // past the EU cookie-consent page, as our own page check does (live-page.ts)
        const h = config.headers;
        if (h && !(typeof h.get === 'function' ? h.get('cookie') : h.cookie ?? h.Cookie)) {
          if (typeof h.set === 'function') h.set('Cookie', CONSENT_COOKIE);
          else h.Cookie = CONSENT_COOKIE;
        }
      }
      return config;
    },
    null,
    { synchronous: true },
  );
  axios.interceptors.response.use((res) => {
    const scope = storage.getStore();
    if (scope?.onRawChat && typeof res.config?.url === 'string' && res.config.url.includes(GET_LIVE_CHAT)) {
      try {
        scope.onRawChat(res.data);
      } catch {
        // the adapter's hook never breaks youtube-chat's own parsing
      }
    }
    return res;
  });
  axios[INSTALLED] = storage;
  return storage;
}

/** Run `fn` (LiveChat.start) so that its requests, and the polls it schedules, use `scope`. */
export function withReadScope<T>(scope: ReadScope, fn: () => T): T {
  return install().run({ ...scope, baseUrl: scope.baseUrl.replace(/\/+$/, '') }, fn);
}
