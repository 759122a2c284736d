import tmi from 'tmi.js';
import { parseIrcUrl } from './irc.js';

/**
 * Log in to Twitch chat once with the bot's credentials and leave (for `npm run doctor`):
 * the same connection the adapter makes, so a token Twitch refuses is found before a stream.
 */
export async function verifyTwitchLogin(o: { url: string; username: string; token: string; timeoutMs?: number }): Promise<{ ok: true } | { ok: false; error: string }> {
  const endpoint = parseIrcUrl(o.url);
  const quiet = () => undefined;
  const client = new tmi.Client({
    options: { skipUpdatingEmotesets: true },
    connection: { server: endpoint.server, port: endpoint.port, secure: endpoint.secure, reconnect: false },
    identity: { username: o.username, password: o.token },
    logger: { info: quiet, warn: quiet, error: quiet },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer from ${o.url} within ${o.timeoutMs ?? 8_000} ms`)), o.timeoutMs ?? 8_000))),
    ]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: typeof err === 'string' ? err : (err as Error).message };
  } finally {
    clearTimeout(timer);
    await Promise.race([client.disconnect().catch(() => undefined), new Promise((r) => setTimeout(r, 1_000).unref())]);
  }
}
