/**
 * A fake Ollama that speaks the real HTTP API on 127.0.0.1 (free port): streaming NDJSON
 * `/api/chat` with `thinking`, final stats in nanoseconds, `/api/tags`, `/api/show`,
 * `/api/ps`, `/api/version`, `/api/embed` (deterministic embeddings, see ollama-embed.ts),
 * `/api/pull` (streamed layer progress, resumable), errors as Ollama sends them (status + `{"error": …}`), parallel
 * slots per model, time to first token and tokens/s, prompt-cache accounting, and faults.
 * Used by the integration tests and the benchmark (which replays real models' timings).
 *
 * Wire details copied from the real server: headers go out with the first chunk (Ollama
 * writes nothing while a request waits for a slot or evaluates the prompt); thinking models
 * send one empty chunk before their first token; `stream` defaults to true; a client that
 * disconnects stops the generation and frees the slot.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fakeEmbedding, truncateDimensions } from './ollama-embed.js';

export interface FakeReply {
  /** Answer text, streamed in token-sized chunks (~4 characters, or one CJK character). */
  content?: string;
  /** Streamed first in `message.thinking`, only when thinking is on for the request (see below). */
  thinking?: string;
  fault?: 'http500' | 'notfound' | 'never_first_token' | 'cut_mid_stream' | 'close_socket' | 'bad_json_line';
  /** Text of the `error` body for `http500`. */
  errorMessage?: string;
  ttftMs?: number;
  tokensPerSec?: number;
  /** Prompt evaluation speed for this reply (overrides the server's promptTokensPerSec). */
  promptTokensPerSec?: number;
  /** Stop after this many tokens (thinking included) with `done_reason: "length"`, as Ollama does when the context fills up. */
  maxTokens?: number;
}

export interface FakeModel {
  capabilities: string[];
  /** Parallel slots of this model (overrides the server's `parallel`). */
  parallel?: number;
  /** `details.family` (default from the name: qwen2.5 → qwen2, gpt-oss → gptoss). */
  family?: string;
  contextLength?: number;
  /** Components of the vectors `/api/embed` returns for this model (default 256). */
  embeddingLength?: number;
  /** Time to load this model cold (overrides the server's `loadMs`). */
  loadMs?: number;
}

/** One /api/embed request as it reached the socket. */
export interface FakeEmbedRequest {
  model: string;
  /** The texts to embed (a string input is one text; an empty string is none, as in Ollama). */
  input: string[];
  truncate?: unknown;
  keep_alive?: unknown;
  dimensions?: unknown;
  raw: unknown;
  at: number;
}

/** How /api/embed behaves from now on (tests of a slow or broken embedding model). */
export interface FakeEmbedBehaviour {
  /** Time before the response (default 0). */
  delayMs?: number;
  /** `http500`: `{"error": …}` with status 500; `close_socket`: the connection is dropped. */
  fault?: 'http500' | 'close_socket';
}

export interface FakeChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  think?: unknown;
  stream?: boolean;
  options?: Record<string, unknown>;
  keep_alive?: unknown;
  format?: unknown;
  /** The parsed body exactly as it reached the socket. */
  raw: unknown;
  /** When the request arrived (epoch ms, the `clock` option). */
  at: number;
  /** When the response ended or the client left (unset while in flight): `endedAt - at` is the model's own service time, slot wait included. */
  endedAt?: number;
  /** When the request got a slot, and when its first token was due. */
  slotAt?: number;
  firstTokenAt?: number;
  /** Time this request waited for its model to load (0 when it was loaded). */
  loadMs?: number;
  /** How the request ended: answered in full, or the client went away (stopped early, timed out, aborted). */
  outcome?: 'completed' | 'aborted' | 'error';
  /** Tokens this reply would have had in full, and tokens actually written to the client. */
  plannedTokens?: number;
  generatedTokens?: number;
}

export type FakeReplyFn = (req: FakeChatRequest) => FakeReply | Promise<FakeReply>;

export interface FakeOllamaOptions {
  models?: Record<string, FakeModel>;
  /** Time from taking a slot to the first token (default 20). */
  ttftMs?: number;
  /** Decode speed per stream (default 200; 0 or Infinity: as fast as possible). */
  tokensPerSec?: number;
  /** Prompt evaluation speed: adds (uncached prompt tokens / this) seconds to the first token (default: none). */
  promptTokensPerSec?: number;
  /** OLLAMA_NUM_PARALLEL: requests processed at once per model; the rest wait in line (default 1, as stock Ollama). */
  parallel?: number;
  reply?: FakeReplyFn;
  /** Report prompt_eval_count only for tokens past the longest prefix cached in a slot (default true). */
  promptCache?: boolean;
  /** Serve /api/show (default true); false answers 404 like a server or proxy without it. */
  showEndpoint?: boolean;
  /**
   * Time to load a model that is not loaded (default 0: every model starts loaded). As in
   * Ollama's scheduler, a load runs for the requests waiting on it and is abandoned when they
   * all went away; a chat with no messages only loads the model and answers done_reason
   * "load" (ollama/ollama server/routes.go); a loaded model unloads after its keep_alive.
   */
  loadMs?: number;
  /**
   * What /api/pull can download: model name → its layers' sizes in bytes. A name not here gets
   * the error the real server streams for an unknown model. Default: none.
   */
  library?: Record<string, { layers: number[]; capabilities?: string[] }>;
  /** Download speed of /api/pull, bytes per second (default 1 GB/s). */
  pullBytesPerSec?: number;
  /** The clock of a request's `at`, `slotAt`, `firstTokenAt` and `endedAt` (default Date.now; the benchmark passes a sub-millisecond one, clock.ts). */
  clock?: () => number;
}

/** One /api/pull request as the fake saw it. */
export interface FakePullRequest {
  model: string;
  stream: boolean;
  /** Bytes already downloaded when it started (a resumed pull), and when it ended. */
  startedAt: number;
  endedAt?: number;
  outcome?: 'success' | 'error' | 'cut' | 'client-left';
}

export interface FakeStats {
  /** Tokens (thinking + content) actually written to clients. */
  generatedTokens: number;
  /** Streams whose client went away before done (the slot was freed at once). */
  abortedStreams: number;
  completedStreams: number;
  /** Tokens the served replies would have had in full: minus generatedTokens = tokens saved by stopping early. */
  plannedTokens: number;
  /** Prompt tokens evaluated, and prompt tokens served from the simulated KV cache. */
  promptEvalTokens: number;
  cachedPromptTokens: number;
  /** Loads completed, and loads abandoned because every request waiting on them went away. */
  loads: number;
  abortedLoads: number;
}

export interface FakeOllama {
  host: string;
  /** Every /api/chat request with messages, in order of arrival. */
  requests: FakeChatRequest[];
  /** /api/chat requests without messages (load, or unload with keep_alive 0), in order of arrival. */
  loadRequests: FakeChatRequest[];
  /** Model names asked for on /api/show, in order. */
  showRequests: string[];
  /** Every /api/pull request, in order. */
  pullRequests: FakePullRequest[];
  /** Close the socket of the next pull once it has downloaded this many more bytes (a dropped connection). */
  cutNextPull(afterBytes: number): void;
  /** Every /api/embed request, in order of arrival. */
  embedRequests: FakeEmbedRequest[];
  setEmbed(b: FakeEmbedBehaviour): void;
  stats: FakeStats;
  setReply(fn: FakeReplyFn): void;
  setTiming(t: { ttftMs?: number; tokensPerSec?: number; promptTokensPerSec?: number }): void;
  /** Requests waiting for a slot plus those being served, per model. */
  load(model: string): { active: number; waiting: number };
  /** Stop listening (connection refused) and drop open connections; the port is kept. */
  down(): Promise<void>;
  /** Listen again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export const FAKE_DEFAULT_MODELS: Record<string, FakeModel> = {
  'qwen2.5:14b': { capabilities: ['completion', 'tools'] },
  'gpt-oss:120b': { capabilities: ['completion', 'tools', 'thinking'] },
};

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff01-\uff60]/u;

/** Split text the way the fake counts tokens: one per CJK character, else up to 4 code points (plus the space that starts a word). */
export function fakeTokens(text: string): string[] {
  const out: string[] = [];
  let buf = '';
  let n = 0;
  const flush = () => {
    if (buf !== '') out.push(buf);
    buf = '';
    n = 0;
  };
  for (const ch of text) {
    if (CJK.test(ch)) {
      flush();
      out.push(ch);
      continue;
    }
    const space = /\s/u.test(ch);
    if (space && buf !== '') flush();
    buf += ch;
    if (!space && ++n >= 4) flush();
  }
  flush();
  return out;
}

function familyOf(name: string): string {
  const base = name.split(':')[0] ?? name;
  if (/gpt-oss/i.test(base)) return 'gptoss';
  const m = /^([a-z]+)(\d+)?/i.exec(base.split('/').pop() ?? base);
  return m ? `${m[1]}${m[2] ?? ''}`.toLowerCase() : base;
}

function paramSize(name: string): string {
  const m = /(\d+(?:\.\d+)?)b\b/i.exec(name);
  return m ? `${m[1]}B` : '7B';
}

const ns = (ms: number) => Math.round(ms * 1e6);

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

/**
 * The viewer's comment in a request the bot built: the JSON string after the bot's
 * "Comment (untrusted data, JSON string):" label (background such as recent chat comes before
 * it), else the whole last user message.
 */
export function commentOf(req: Pick<FakeChatRequest, 'messages'>): string {
  const user = [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const at = user.lastIndexOf('Comment (untrusted data, JSON string):\n');
  if (at < 0) return user;
  try {
    return String(JSON.parse(user.slice(at).split('\n')[1] ?? '""'));
  } catch {
    return user;
  }
}

const GO_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Go's `time.ParseDuration`, which Ollama runs on a string `keep_alive`
 * (ollama/ollama api/types.go `Duration.UnmarshalJSON`: a JSON number is seconds, a negative
 * one "forever"; a string goes through time.ParseDuration and its error becomes the HTTP 400
 * body). Returns milliseconds, or the error text Go gives: `time: missing unit in duration "-1"`.
 */
export function goParseDuration(orig: string): number | { error: string } {
  const quote = (x: string) => JSON.stringify(x);
  let s = orig;
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return { error: `time: invalid duration ${quote(orig)}` };
  let total = 0;
  while (s !== '') {
    const num = /^(\d*)(\.\d*)?/.exec(s)!;
    if (num[0] === '' || num[0] === '.') return { error: `time: invalid duration ${quote(orig)}` };
    s = s.slice(num[0].length);
    const unit = /^[^\d.]*/.exec(s)![0];
    if (unit === '') return { error: `time: missing unit in duration ${quote(orig)}` };
    const scale = GO_UNITS[unit];
    if (scale === undefined) return { error: `time: unknown unit ${quote(unit)} in duration ${quote(orig)}` };
    s = s.slice(unit.length);
    total += Number(num[0]) * scale;
  }
  return neg ? -total : total;
}

/** keep_alive as Ollama's server takes it: milliseconds (Infinity: forever), or the HTTP 400 error text. */
export function ollamaKeepAlive(v: unknown): number | { error: string } {
  if (typeof v === 'number') return v < 0 ? Infinity : Math.trunc(v) * 1000;
  if (typeof v === 'string') {
    const d = goParseDuration(v);
    return typeof d === 'number' && d < 0 ? Infinity : d;
  }
  const goType = typeof v === 'boolean' ? 'bool' : Array.isArray(v) ? '[]interface {}' : 'map[string]interface {}';
  return { error: `Unsupported type: '${goType}'` };
}

function defaultReply(req: FakeChatRequest): FakeReply {
  const last = [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  return {
    content: `You said: ${last}`,
    thinking: `The viewer wrote ${JSON.stringify(last.slice(0, 80))}. A short, kind answer fits.`,
  };
}

/** Per-request life: knows when the client went away and wakes any wait at once. */
class Exchange {
  gone = false;
  private wakers = new Set<() => void>();
  constructor(readonly res: ServerResponse) {
    res.on('close', () => {
      if (!res.writableFinished) this.gone = true;
      for (const w of this.wakers) w();
      this.wakers.clear();
    });
  }
  /** Wait `ms` (or forever when Infinity); returns false when the client left meanwhile. */
  wait(ms: number): Promise<boolean> {
    if (this.gone || this.res.destroyed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = () => {
        if (timer) clearTimeout(timer);
        this.wakers.delete(wake);
        resolve(!this.gone);
      };
      const timer = Number.isFinite(ms) ? setTimeout(wake, Math.max(0, ms)) : undefined;
      this.wakers.add(wake);
    });
  }
  /** Write respecting backpressure; false when the client left. */
  async write(data: string): Promise<boolean> {
    if (this.gone || this.res.destroyed) return false;
    if (this.res.write(data)) return true;
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.wakers.delete(done);
        resolve(!this.gone);
      };
      this.res.once('drain', done);
      this.wakers.add(done);
    });
  }
}

/** Parallel slots of one model, with a FIFO line. */
class Slots {
  active = 0;
  private line: { go: (handed: boolean) => void }[] = [];
  cached: string[][] = [];
  constructor(readonly limit: number) {}
  get waiting(): number {
    return this.line.length;
  }
  /** Resolves true holding a slot, or false (holding none) when the client left first. */
  async take(ex: Exchange): Promise<boolean> {
    if (ex.gone || ex.res.destroyed) return false;
    if (this.active < this.limit) {
      this.active++;
      return true;
    }
    const handed = await new Promise<boolean>((go) => {
      const entry = { go };
      this.line.push(entry);
      ex.res.once('close', () => {
        const i = this.line.indexOf(entry);
        if (i >= 0) {
          this.line.splice(i, 1);
          go(false);
        }
      });
    });
    if (handed && ex.gone) {
      this.release();
      return false;
    }
    return handed;
  }
  release(): void {
    const next = this.line.shift();
    if (next) next.go(true);
    else this.active--;
  }
}

function promptTokens(messages: FakeChatRequest['messages']): string[] {
  const out: string[] = [];
  for (const m of messages) out.push(`<|${m.role}|>`, ...fakeTokens(String(m.content ?? '')), '<|end|>');
  out.push('<|assistant|>');
  return out;
}

function commonPrefix(a: string[], b: string[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

export async function startFakeOllama(opts: FakeOllamaOptions = {}): Promise<FakeOllama> {
  // a copy: a pull adds to it
  const models: Record<string, FakeModel> = { ...(opts.models ?? FAKE_DEFAULT_MODELS) };
  // stock Ollama: envconfig/config.go `NumParallel = Uint("OLLAMA_NUM_PARALLEL", 1)`
  const parallel = Math.max(1, opts.parallel ?? 1);
  const promptCache = opts.promptCache ?? true;
  const clock = opts.clock ?? Date.now;
  const timing = { ttftMs: opts.ttftMs ?? 20, tokensPerSec: opts.tokensPerSec ?? 200, promptTokensPerSec: opts.promptTokensPerSec };
  let reply: FakeReplyFn = opts.reply ?? defaultReply;
  const requests: FakeChatRequest[] = [];
  const loadRequests: FakeChatRequest[] = [];
  const showRequests: string[] = [];
  const embedRequests: FakeEmbedRequest[] = [];
  let embedBehaviour: FakeEmbedBehaviour = {};
  const stats: FakeStats = { generatedTokens: 0, abortedStreams: 0, completedStreams: 0, plannedTokens: 0, promptEvalTokens: 0, cachedPromptTokens: 0, loads: 0, abortedLoads: 0 };
  const loading = new Map<string, { waiters: Set<Exchange>; done: Promise<boolean>; finish: (ok: boolean) => void; timer?: NodeJS.Timeout }>();
  const loadMsOf = (model: string) => models[model]?.loadMs ?? opts.loadMs ?? 0;
  const isLoaded = (model: string) => (loaded.get(model) ?? (loadMsOf(model) > 0 ? 0 : Infinity)) > Date.now();
  /** Wait until `model` is loaded for this request; false when the client left first (a load nobody waits for any more is abandoned). */
  async function ensureLoaded(model: string, ex: Exchange): Promise<boolean> {
    if (isLoaded(model)) return true;
    let l = loading.get(model);
    if (!l) {
      let finish!: (ok: boolean) => void;
      const done = new Promise<boolean>((r) => (finish = r));
      const entry: { waiters: Set<Exchange>; done: Promise<boolean>; finish: (ok: boolean) => void; timer?: NodeJS.Timeout } = { waiters: new Set(), done, finish };
      entry.timer = setTimeout(() => {
        loading.delete(model);
        stats.loads++;
        loaded.set(model, Date.now() + 5 * 60_000);
        finish(true);
      }, loadMsOf(model));
      loading.set(model, entry);
      l = entry;
    }
    const entry = l;
    entry.waiters.add(ex);
    const left = new Promise<boolean>((resolve) => {
      ex.res.once('close', () => {
        entry.waiters.delete(ex);
        if (entry.waiters.size === 0 && loading.get(model) === entry) {
          clearTimeout(entry.timer);
          loading.delete(model);
          stats.abortedLoads++;
          entry.finish(false);
        }
        resolve(false);
      });
    });
    const ok = await Promise.race([entry.done, left]);
    entry.waiters.delete(ex);
    return ok && !ex.gone;
  }
  const slots = new Map<string, Slots>();
  /** Loaded models and when each is unloaded (epoch ms; Infinity: keep_alive negative, forever). */
  const loaded = new Map<string, number>();
  const sockets = new Set<Socket>();
  const startedAt = new Date();

  const slotsOf = (model: string) => {
    let s = slots.get(model);
    if (!s) slots.set(model, (s = new Slots(Math.max(1, models[model]?.parallel ?? parallel))));
    return s;
  };
  const digest = (name: string) => createHash('sha256').update(name).digest('hex');
  const details = (name: string) => {
    const family = models[name]?.family ?? familyOf(name);
    return { parent_model: '', format: 'gguf', family, families: [family], parameter_size: paramSize(name), quantization_level: /gpt-oss/i.test(name) ? 'MXFP4' : 'Q4_K_M' };
  };
  const notFound = (res: ServerResponse, model: string) => sendJson(res, 404, { error: `model "${model}" not found, try pulling it first` });

  /** Tokens of the prompt that must be evaluated, after the longest prefix a slot still holds. */
  function evalPrompt(model: string, messages: FakeChatRequest['messages']): { total: number; evaluated: number } {
    const tokens = promptTokens(messages);
    const s = slotsOf(model);
    let best = 0;
    let bestAt = -1;
    s.cached.forEach((c, i) => {
      const n = commonPrefix(c, tokens);
      if (n > best) [best, bestAt] = [n, i];
    });
    if (bestAt >= 0) s.cached.splice(bestAt, 1);
    else if (s.cached.length >= s.limit) s.cached.shift();
    s.cached.push(tokens);
    const cached = promptCache ? Math.min(best, tokens.length - 1) : 0;
    stats.cachedPromptTokens += cached;
    stats.promptEvalTokens += tokens.length - cached;
    return { total: tokens.length, evaluated: tokens.length - cached };
  }

  async function chat(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, { error: 'invalid character looking for beginning of value' });
    }
    const model = typeof body.model === 'string' ? body.model : '';
    const fr: FakeChatRequest = {
      model,
      messages: Array.isArray(body.messages) ? (body.messages as FakeChatRequest['messages']) : [],
      think: body.think,
      stream: body.stream as boolean | undefined,
      options: body.options as Record<string, unknown> | undefined,
      keep_alive: body.keep_alive,
      format: body.format,
      raw: body,
      at: clock(),
    };
    (fr.messages.length === 0 ? loadRequests : requests).push(fr);
    // Ollama binds the whole body first: a keep_alive it cannot parse is HTTP 400 before anything else.
    const keep = body.keep_alive === undefined || body.keep_alive === null ? 5 * 60_000 : ollamaKeepAlive(body.keep_alive);
    if (typeof keep !== 'number') return sendJson(res, 400, { error: keep.error });
    if (!model) return sendJson(res, 400, { error: 'model is required' });
    const spec = models[model];
    if (!spec) return notFound(res, model);
    const canThink = spec.capabilities.includes('thinking');
    const isGptOss = (spec.family ?? familyOf(model)) === 'gptoss';
    if (isGptOss && typeof fr.think === 'string' && !['low', 'medium', 'high'].includes(fr.think)) {
      return sendJson(res, 400, { error: `invalid think value: "${fr.think}" (must be "high", "medium", "low", true, or false)` });
    }
    // ollama/ollama server/routes.go: a level string is only for harmony (gpt-oss) models, and
    // a model with the thinking capability thinks when `think` is not sent at all
    // (`if req.Think == nil { req.Think = &api.ThinkValue{Value: true} }`): only think:false stops it.
    if (!isGptOss && typeof fr.think === 'string') return sendJson(res, 400, { error: `think value ${JSON.stringify(fr.think)} is not supported for this model` });
    const thinkOn = fr.think === undefined ? canThink : fr.think !== false;
    if (thinkOn && !canThink) return sendJson(res, 400, { error: `"${model}" does not support thinking` });

    const ex = new Exchange(res);
    res.on('close', () => {
      fr.endedAt = clock();
      fr.outcome = res.statusCode >= 400 ? 'error' : res.writableFinished ? 'completed' : 'aborted';
    });
    const loadStart = Date.now();
    if (!(await ensureLoaded(model, ex))) return;
    fr.loadMs = Date.now() - loadStart;
    // no messages: only load (or with keep_alive 0, unload) the model
    if (fr.messages.length === 0) {
      if (keep === 0) loaded.delete(model);
      else loaded.set(model, Date.now() + keep);
      return sendJson(res, 200, { model, created_at: new Date().toISOString(), message: { role: 'assistant', content: '' }, done_reason: keep === 0 ? 'unload' : 'load', done: true });
    }
    const r = await reply(fr);
    if (r.fault === 'notfound') return notFound(res, model);
    if (r.fault === 'http500') return sendJson(res, 500, { error: r.errorMessage ?? 'llama runner process has terminated: exit status 2' });

    const s = slotsOf(model);
    if (!(await s.take(ex))) {
      stats.abortedStreams++;
      return;
    }
    fr.slotAt = clock();
    try {
      await serve(fr, r, ex, canThink && (thinkOn || isGptOss));
    } finally {
      s.release();
      loaded.set(model, Date.now() + keep);
    }
  }

  async function serve(fr: FakeChatRequest, r: FakeReply, ex: Exchange, thinking: boolean): Promise<void> {
    const { res } = ex;
    const t0 = performance.now();
    const prompt = evalPrompt(fr.model, fr.messages);
    const tps = r.tokensPerSec ?? timing.tokensPerSec;
    const pps = r.promptTokensPerSec ?? timing.promptTokensPerSec;
    const promptMs = pps ? (prompt.evaluated / pps) * 1000 : 0;
    const ttft = r.fault === 'never_first_token' ? Infinity : (r.ttftMs ?? timing.ttftMs) + promptMs;
    if (!(await ex.wait(ttft))) {
      stats.abortedStreams++;
      return;
    }
    const tFirst = performance.now();
    fr.firstTokenAt = clock();
    const streaming = fr.stream !== false;
    const think = thinking ? fakeTokens(r.thinking ?? '') : [];
    const answer = fakeTokens(r.content ?? '');
    const limit = Math.min(typeof fr.options?.num_predict === 'number' && fr.options.num_predict > 0 ? fr.options.num_predict : Infinity, r.maxTokens ?? Infinity);
    const all = [...think.map((t) => ({ t, thinking: true })), ...answer.map((t) => ({ t, thinking: false }))].slice(0, limit);
    const doneReason = all.length < think.length + answer.length ? 'length' : 'stop';
    stats.plannedTokens += all.length;
    fr.plannedTokens = all.length;
    fr.generatedTokens = 0;
    const faultAt = r.fault && r.fault !== 'never_first_token' ? Math.max(Math.min(1, all.length), Math.floor(all.length / 2)) : -1;
    const created = () => new Date().toISOString();
    const line = (content: string, thought?: string) =>
      JSON.stringify({ model: fr.model, created_at: created(), message: { role: 'assistant', content, ...(thought !== undefined ? { thinking: thought } : {}) }, done: false }) + '\n';

    const interval = tps > 0 && Number.isFinite(tps) ? 1000 / tps : 0;
    const aborted = () => void stats.abortedStreams++;
    let sent = 0;
    let fault = faultAt >= 0 ? r.fault : undefined;
    if (streaming) {
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
      if (thinking && !(await ex.write(line('')))) return aborted();
    }
    while (sent < all.length || (fault && sent === faultAt)) {
      // Emit every token that is due by now (timers are coarse), then sleep to the next one.
      const due = interval === 0 ? sent + 8 : Math.floor((performance.now() - tFirst) / interval) + 1;
      const stopAt = Math.min(all.length, due, fault ? faultAt : Infinity);
      let chunk = '';
      for (; sent < stopAt; sent++) {
        const tok = all[sent]!;
        chunk += tok.thinking ? line('', tok.t) : line(tok.t);
      }
      if (streaming && chunk) {
        if (!(await ex.write(chunk))) return aborted();
        const n = chunk.split('\n').length - 1;
        stats.generatedTokens += n;
        fr.generatedTokens += n;
      }
      if (fault && sent === faultAt) {
        if (fault !== 'bad_json_line' || !streaming) return void (streaming && fault === 'cut_mid_stream' ? res.end() : res.socket?.destroy());
        if (!(await ex.write(`{"model":"${fr.model}","message":{"role":"assis\n`))) return aborted();
        fault = undefined;
      }
      if (sent < all.length && !(await ex.wait(interval === 0 ? 0 : tFirst + sent * interval - performance.now()))) return aborted();
    }
    if (!streaming) {
      stats.generatedTokens += all.length;
      fr.generatedTokens = all.length;
    }
    const tEnd = performance.now();
    const final = {
      model: fr.model,
      created_at: created(),
      message: {
        role: 'assistant',
        content: streaming ? '' : all.filter((x) => !x.thinking).map((x) => x.t).join(''),
        ...(!streaming && thinking ? { thinking: all.filter((x) => x.thinking).map((x) => x.t).join('') } : {}),
      },
      done: true,
      done_reason: doneReason,
      total_duration: ns(tEnd - t0),
      load_duration: ns(1.2),
      prompt_eval_count: prompt.evaluated,
      prompt_eval_duration: ns(tFirst - t0),
      eval_count: all.length,
      eval_duration: ns(tEnd - tFirst),
    };
    if (ex.gone || res.destroyed) return aborted();
    if (streaming) res.end(JSON.stringify(final) + '\n');
    else sendJson(res, 200, final);
    stats.completedStreams++;
  }

  async function show(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: { model?: string; name?: string };
    try {
      body = JSON.parse(await readBody(req)) as typeof body;
    } catch {
      return sendJson(res, 400, { error: 'invalid character looking for beginning of value' });
    }
    const name = body.model ?? body.name ?? '';
    showRequests.push(name);
    if (opts.showEndpoint === false) return sendJson(res, 404, { error: '404 page not found' });
    const spec = models[name];
    if (!spec) return sendJson(res, 404, { error: `model '${name}' not found` });
    const d = details(name);
    sendJson(res, 200, {
      license: '',
      modelfile: `# Modelfile generated by "ollama show"\nFROM ${name}\n`,
      parameters: 'stop "<|im_end|>"',
      template: '{{ .Prompt }}',
      details: d,
      model_info: { 'general.architecture': d.family, 'general.parameter_count': Math.round(parseFloat(d.parameter_size) * 1e9), [`${d.family}.context_length`]: spec.contextLength ?? 32768 },
      capabilities: spec.capabilities,
      modified_at: startedAt.toISOString(),
    });
  }

  const pullRequests: FakePullRequest[] = [];
  /** Bytes of each layer (by digest) on the fake's disk: kept across pulls, so a cut pull resumes. */
  const blobs = new Map<string, number>();
  let cutAfter: number | undefined;
  const pullSpeed = opts.pullBytesPerSec ?? 1e9;

  /** Like Ollama's PullHandler: NDJSON progress lines, then success; a failure is an `error` line (status 200). */
  async function pull(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = JSON.parse((await readBody(req)) || '{}') as { model?: string; name?: string; stream?: boolean };
    const name = body.model ?? body.name ?? '';
    const model = name.includes(':') ? name : `${name}:latest`;
    const entry = opts.library?.[model] ?? opts.library?.[name];
    const layers = (entry?.layers ?? []).map((size, i) => ({ size, digest: `sha256:${createHash('sha256').update(`${model}/${i}`).digest('hex')}` }));
    const record: FakePullRequest = { model: name, stream: body.stream !== false, startedAt: layers.reduce((n, l) => n + (blobs.get(l.digest) ?? 0), 0) };
    pullRequests.push(record);
    const ex = new Exchange(res);
    const stream = body.stream !== false;
    const lines: unknown[] = [];
    const send = async (o: unknown) => (stream ? ex.write(`${JSON.stringify(o)}\n`) : (lines.push(o), true));
    res.writeHead(200, { 'Content-Type': stream ? 'application/x-ndjson' : 'application/json; charset=utf-8' });
    await send({ status: 'pulling manifest' });
    if (!entry) {
      record.outcome = 'error';
      record.endedAt = record.startedAt;
      await send({ error: 'pull model manifest: file does not exist' });
      return void res.end(stream ? undefined : JSON.stringify(lines.at(-1)));
    }
    const cut = cutAfter;
    cutAfter = undefined;
    let thisRequest = 0;
    const tickMs = 50;
    for (const l of layers) {
      const status = `pulling ${l.digest.slice(7, 19)}`;
      for (;;) {
        const have = blobs.get(l.digest) ?? 0;
        if (stream && !(await send({ status, digest: l.digest, total: l.size, ...(have ? { completed: have } : {}) }))) {
          record.outcome = 'client-left';
          record.endedAt = [...blobs.values()].reduce((a, b) => a + b, 0);
          return;
        }
        if (have >= l.size) break;
        let step = Math.min(l.size - have, Math.max(1, Math.round((pullSpeed * tickMs) / 1000)));
        if (cut !== undefined && thisRequest + step >= cut) step = cut - thisRequest;
        blobs.set(l.digest, have + step);
        thisRequest += step;
        if (cut !== undefined && thisRequest >= cut) {
          record.outcome = 'cut';
          record.endedAt = layers.reduce((n, x) => n + (blobs.get(x.digest) ?? 0), 0);
          res.socket?.destroy();
          return;
        }
        if (!(await ex.wait(tickMs))) {
          record.outcome = 'client-left';
          return;
        }
      }
    }
    for (const st of ['verifying sha256 digest', 'writing manifest', 'success']) await send({ status: st });
    models[model] = { capabilities: entry.capabilities ?? ['completion'] };
    record.outcome = 'success';
    record.endedAt = layers.reduce((n, l) => n + l.size, 0);
    res.end(stream ? undefined : JSON.stringify({ status: 'success' }));
  }

  /**
   * POST /api/embed as Ollama's EmbedHandler answers it: `input` a string or an array of
   * strings; an empty input gives `embeddings: []`; each text is cut to the context length
   * unless `truncate` is false (then 400); `dimensions` keeps the first n components,
   * normalised again; durations in nanoseconds; `prompt_eval_count` counts the tokens.
   */
  async function embed(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = performance.now();
    const text = await readBody(req);
    if (text.trim() === '') return sendJson(res, 400, { error: 'missing request body' });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, { error: 'invalid character looking for beginning of value' });
    }
    const model = typeof body.model === 'string' ? body.model : '';
    const raw = body.input;
    let input: string[];
    if (typeof raw === 'string') input = raw === '' ? [] : [raw];
    else if (Array.isArray(raw) && raw.every((x) => typeof x === 'string')) input = raw as string[];
    else if (raw === undefined || raw === null) input = [];
    else return sendJson(res, 400, { error: 'invalid input type' });
    embedRequests.push({ model, input, truncate: body.truncate, keep_alive: body.keep_alive, dimensions: body.dimensions, raw: body, at: Date.now() });
    if (!model) return sendJson(res, 400, { error: 'model is required' });
    const spec = models[model];
    if (!spec) return notFound(res, model);
    const { delayMs = 0, fault } = embedBehaviour;
    if (delayMs > 0) {
      const ex = new Exchange(res);
      if (!(await ex.wait(delayMs))) return;
    }
    if (fault === 'close_socket') return void res.socket?.destroy();
    if (fault === 'http500') return sendJson(res, 500, { error: 'llama runner process has terminated: exit status 2' });
    const tLoaded = performance.now();
    const ctx = spec.contextLength ?? 2048;
    const dims = spec.embeddingLength ?? 256;
    const want = typeof body.dimensions === 'number' ? body.dimensions : 0;
    let tokens = 0;
    const embeddings: number[][] = [];
    for (const t of input) {
      let toks = fakeTokens(t);
      if (toks.length > ctx) {
        if (body.truncate === false) return sendJson(res, 400, { error: 'the input length exceeds the context length' });
        toks = toks.slice(0, ctx);
      }
      tokens += toks.length;
      embeddings.push(truncateDimensions(fakeEmbedding(toks.join(''), dims), want));
    }
    loaded.set(model, Math.max(loaded.get(model) ?? 0, Date.now() + 5 * 60_000));
    sendJson(res, 200, { model, embeddings, total_duration: ns(performance.now() - t0), load_duration: ns(tLoaded - t0), prompt_eval_count: tokens });
  }

  function tags(res: ServerResponse): void {
    sendJson(res, 200, {
      models: Object.keys(models).map((name) => ({
        name,
        model: name,
        modified_at: startedAt.toISOString(),
        size: Math.round(parseFloat(paramSize(name)) * 0.6e9),
        digest: digest(name),
        details: details(name),
      })),
    });
  }

  function ps(res: ServerResponse): void {
    sendJson(res, 200, {
      models: [...loaded.keys()].filter((name) => isLoaded(name)).map((name) => ({
        name,
        model: name,
        size: Math.round(parseFloat(paramSize(name)) * 0.6e9),
        digest: digest(name),
        details: details(name),
        // a model kept forever shows a date centuries ahead, as Ollama's does
        expires_at: new Date(Math.min(loaded.get(name) ?? 0, 8.64e15)).toISOString(),
        size_vram: 0,
      })),
    });
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = `${req.method} ${path}`;
    const fail = (err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(err) });
      else res.destroy();
    };
    if (route === 'POST /api/chat') return void chat(req, res).catch(fail);
    if (route === 'POST /api/show') return void show(req, res).catch(fail);
    if (route === 'POST /api/pull') return void pull(req, res).catch(fail);
    if (route === 'POST /api/embed') return void embed(req, res).catch(fail);
    if (route === 'GET /api/tags') return tags(res);
    if (route === 'GET /api/ps') return ps(res);
    if (route === 'GET /api/version') return sendJson(res, 200, { version: '0.12.6' });
    if (path === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      return void res.end(req.method === 'HEAD' ? undefined : 'Ollama is running');
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('404 page not found');
  });
  server.on('connection', (sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stop = async () => {
    if (!server.listening) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
    // Let clients see their pooled keep-alive connections close, as they would long before
    // the next request after a real restart.
    await new Promise((r) => setTimeout(r, 20));
  };

  await listen(0);
  const port = (server.address() as AddressInfo).port;

  return {
    host: `http://127.0.0.1:${port}`,
    requests,
    loadRequests,
    showRequests,
    pullRequests,
    cutNextPull(afterBytes) {
      cutAfter = afterBytes;
    },
    embedRequests,
    setEmbed(b) {
      embedBehaviour = { ...b };
    },
    stats,
    setReply(fn) {
      reply = fn;
    },
    setTiming(t) {
      if (t.ttftMs !== undefined) timing.ttftMs = t.ttftMs;
      if (t.tokensPerSec !== undefined) timing.tokensPerSec = t.tokensPerSec;
      if (t.promptTokensPerSec !== undefined) timing.promptTokensPerSec = t.promptTokensPerSec;
    },
    load(model) {
      const s = slots.get(model);
      return { active: s?.active ?? 0, waiting: s?.waiting ?? 0 };
    },
    down: stop,
    up: () => listen(port),
    close: stop,
  };
}

