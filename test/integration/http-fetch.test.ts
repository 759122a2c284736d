/**
 * The Ollama client's fetch over node:http (src/llm/http-fetch.ts) against a real HTTP server
 * on a socket: what the `ollama` package relies on from a fetch (status, headers, a streamed
 * body, errors), plus the NDJSON line check and aborts. The whole client path over it is in
 * ollama-client.test.ts and faults-ollama.test.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpFetch, InvalidStreamLine } from '../../src/llm/http-fetch.js';

let server: Server;
let base: string;
const seen: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string }[] = [];

const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/api/chat': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write('{"message":{"content":"he"},"done":false}\n{"message":{"con');
    setTimeout(() => res.end('tent":"llo"},"done":false}\n{"done":true,"eval_count":2}\n'), 20);
  },
  '/api/hang': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write('{"message":{"content":"x"},"done":false}\n');
  },
  '/api/bad': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.end('{"message":{"content":"x"},"done":false}\n<html>proxy error</html>\n');
  },
  '/api/cut': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write('{"message":{"content":"x"},"done":false}\n');
    setTimeout(() => res.socket?.destroy(), 20);
  },
  '/api/missing': (_req, res) => {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"model \\"nope\\" not found, try pulling it first"}');
  },
  '/api/empty': (_req, res) => {
    res.writeHead(204);
    res.end();
  },
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      (routes[req.url!.split('?')[0]!] ?? routes['/api/missing']!)(req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function readAll(res: Response): Promise<string> {
  return new TextDecoder().decode(new Uint8Array(await res.arrayBuffer()));
}

describe('httpFetch (node:http under the ollama package)', () => {
  it('sends the method, headers and JSON body, and streams an NDJSON body split across chunks', async () => {
    const res = await httpFetch(`${base}/api/chat?x=1`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'こんにちは' }] }) });
    expect(res.ok).toBe(true);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await readAll(res)).trim().split('\n').map((l) => JSON.parse(l) as { done: boolean });
    expect(lines.map((l) => l.done)).toEqual([false, false, true]);
    const req = seen.at(-1)!;
    expect(req).toMatchObject({ method: 'POST', url: '/api/chat?x=1' });
    expect(req.headers['content-type']).toBe('application/json');
    // a byte length, not a character count (the body has Japanese in it)
    expect(Number(req.headers['content-length'])).toBe(Buffer.byteLength(req.body));
    expect(JSON.parse(req.body).messages[0].content).toBe('こんにちは');
  });

  it('an HTTP error keeps its status and body (the package reads the error text)', async () => {
    const res = await httpFetch(`${base}/api/missing`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toMatch(/not found/);
    const empty = await httpFetch(`${base}/api/empty`);
    expect(empty.status).toBe(204);
  });

  it('a line that is not a JSON object errors the body instead of being skipped', async () => {
    const res = await httpFetch(`${base}/api/bad`, { method: 'POST', body: '{}' });
    await expect(readAll(res)).rejects.toBeInstanceOf(InvalidStreamLine);
  });

  it('a connection closed mid-body errors the body with ECONNRESET', async () => {
    const res = await httpFetch(`${base}/api/cut`, { method: 'POST', body: '{}' });
    await expect(readAll(res)).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('an abort before or after the headers rejects at once with the reason', async () => {
    const early = new AbortController();
    early.abort(new Error('stop early'));
    await expect(httpFetch(`${base}/api/chat`, { method: 'POST', body: '{}', signal: early.signal })).rejects.toThrow('stop early');

    const late = new AbortController();
    const res = await httpFetch(`${base}/api/hang`, { method: 'POST', body: '{}', signal: late.signal });
    const reader = res.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    const t0 = Date.now();
    setTimeout(() => late.abort(new Error('stop late')), 30);
    await expect(reader.read()).rejects.toThrow('stop late');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('nobody listening: the error carries ECONNREFUSED (the client names Ollama unreachable)', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    await expect(httpFetch(`http://127.0.0.1:${port}/api/tags`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(httpFetch('ftp://127.0.0.1/x')).rejects.toThrow(/unsupported protocol/);
  });
});
