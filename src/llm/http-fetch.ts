/**
 * The fetch the Ollama client hands the `ollama` package: a plain HTTP/1.1 request over
 * Node's own `node:http` / `node:https` with keep-alive agents, instead of the global fetch.
 *
 * Why: each answer makes one streamed `/api/chat` call, and on this path the global fetch
 * (undici) cost about 0.6 ms more to send a request and about 0.3 ms more to see a stream's
 * end than `node:http` (per-hop medians on the busy bench: 1.4 → 0.7 ms and 1.3 → 1.0 ms;
 * see BENCHMARKS.md). It also checks NDJSON bodies line by line as the bytes arrive (the guard
 * that used to be a second TransformStream): a line that is not one JSON object errors the
 * body (the package would skip it with a console warning and the answer would silently lose
 * text).
 *
 * What it does not do, on purpose: follow redirects (Ollama sends none; a 3xx is returned
 * as it is and shows as an HTTP error), proxies, or caching. Aborting `init.signal` destroys
 * the request and errors the body, before or after the response headers.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export class InvalidStreamLine extends Error {
  constructor(line: string) {
    super(`invalid JSON line in the stream: ${line.slice(0, 80)}`);
    this.name = 'InvalidStreamLine';
  }
}

/**
 * A line Ollama could have sent: one JSON object. Checked by its ends, not parsed: the
 * package parses every line anyway, and a line cut or garbled on the way (what this guards
 * against) loses its closing brace or its opening one.
 */
function looksLikeJsonObject(line: string): boolean {
  const t = line.trim();
  return t.startsWith('{') && t.endsWith('}');
}

/** Checks each complete line of an NDJSON body; returns the bad line, if one is found. */
function ndjsonChecker(): { push(chunk: Uint8Array): string | undefined; end(): string | undefined } {
  const decoder = new TextDecoder();
  let pending = '';
  const scan = (): string | undefined => {
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.trim() !== '' && !looksLikeJsonObject(line)) return line;
      nl = pending.indexOf('\n');
    }
    return undefined;
  };
  return {
    push(chunk) {
      pending += decoder.decode(chunk, { stream: true });
      return scan();
    },
    end() {
      pending += decoder.decode();
      return pending.trim() !== '' && !looksLikeJsonObject(pending) ? pending : undefined;
    },
  };
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? Object.assign(new Error('This operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
}

/** The body as a web stream, ending or failing with the response (and the NDJSON check). */
function bodyOf(res: IncomingMessage, ndjson: boolean, signal: AbortSignal | undefined): ReadableStream<Uint8Array> {
  const check = ndjson ? ndjsonChecker() : undefined;
  return new ReadableStream<Uint8Array>({
    start(ctrl) {
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        ctrl.error(err);
        res.destroy();
      };
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        const bad = check?.push(bytes);
        if (bad !== undefined) return fail(new InvalidStreamLine(bad));
        ctrl.enqueue(bytes);
      });
      res.on('end', () => {
        const bad = check?.end();
        if (bad !== undefined) return fail(new InvalidStreamLine(bad));
        if (settled) return;
        settled = true;
        ctrl.close();
      });
      res.on('error', fail);
      // the connection closed before the body ended (the server went away mid-stream)
      res.on('close', () => {
        if (!res.complete) fail(Object.assign(new Error('the connection closed before the response ended'), { code: 'ECONNRESET' }));
      });
      signal?.addEventListener('abort', () => fail(abortError(signal)), { once: true });
    },
    cancel() {
      res.destroy();
    },
  });
}

const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** A `fetch` for JSON requests and (NDJSON) streamed responses, over node:http(s). */
export function httpFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const url = new URL(input instanceof Request ? input.url : String(input));
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') return Promise.reject(new TypeError(`unsupported protocol ${url.protocol} in ${url.origin}`));
  const signal = init.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  const body = init.body;
  if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
    return Promise.reject(new TypeError('httpFetch sends string or byte bodies only'));
  }
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((v, k) => {
    headers[k] = v;
  });
  if (body !== undefined && body !== null) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
  return new Promise<Response>((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port || undefined,
        path: url.pathname + url.search,
        method: init.method ?? 'GET',
        headers,
        agent: secure ? agents.https : agents.http,
        ...(url.username ? { auth: `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` } : {}),
        ...(signal ? { signal } : {}),
      },
      (res) => {
        const responseHeaders = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) responseHeaders.set(k, Array.isArray(v) ? v.join(', ') : v);
        const status = res.statusCode ?? 500;
        const ndjson = (responseHeaders.get('content-type') ?? '').includes('application/x-ndjson');
        // a status without a body (204, 304) takes no stream
        const stream = status === 204 || status === 304 ? null : bodyOf(res, ndjson, signal);
        if (!stream) res.resume();
        resolve(new Response(stream, { status, statusText: res.statusMessage ?? '', headers: responseHeaders }));
      },
    );
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}
