/**
 * ModelClient over the official `ollama` package: one `Ollama` instance per client (per
 * host), streaming `/api/chat`, timeouts, job aborts and named errors.
 *
 * The package only lets a stream be aborted once its response headers arrived (and Ollama
 * sends them with the first token), and it keeps every stream in a list until it sees
 * `done`. So the client hands the package a fetch (src/llm/http-fetch.ts, over node:http)
 * that takes its AbortSignal from the current call (AsyncLocalStorage), which also covers the
 * wait for the first byte and the `/api/show` lookup, and it removes each stream from the
 * package's list when the call ends.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { Ollama, type AbortableAsyncIterator, type ChatResponse, type ShowResponse } from 'ollama';
import type { Logger } from '../log.js';
import { maskUrl } from '../log.js';
import type { ChatRequest, ChatResult, ModelClient, ThinkLevel } from './types.js';
import { runWithDeadline } from './deadline.js';
import { httpFetch } from './http-fetch.js';
import { AbortedError, ModelTimeoutError, StreamCutError, classifyOllamaError, errorCode, type TimeoutPhase } from './errors.js';

export interface OllamaClientOptions {
  host: string;
  /** Usually `root.child({ component: 'ollama' })`; the client adds the host. */
  logger: Logger;
  /** Limit for the `/api/show` capability lookup and `/api/tags` (default 10 s). */
  metadataTimeoutMs?: number;
  /** Longest a model load may take (default 30 min). */
  loadTimeoutMs?: number;
  /** How often a load in progress is reported (default 30 s). */
  loadReportMs?: number;
}

/** What the client learns about a model from `/api/show`, once. */
export interface ModelTraits {
  thinking: boolean;
  /** gpt-oss takes an effort level ('low'|'medium'|'high'); other thinking models take true. */
  effortLevels: boolean;
}

interface CallScope {
  controller: AbortController;
}

type StopReason = TimeoutPhase | 'aborted' | 'stopped';

/** An Ollama that lets the client drop a stream from the package's in-flight list. */
class HostOllama extends Ollama {
  forget(stream: object): void {
    const list = this.ongoingStreamedRequests as object[];
    const i = list.indexOf(stream);
    if (i >= 0) list.splice(i, 1);
  }
}

/** Resolve with `p`, or reject as soon as `signal` aborts (the caller knows why). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

export function createOllamaClient(opts: OllamaClientOptions): ModelClient {
  const host = opts.host;
  // The caller names the component (the composition root passes child({ component: 'ollama' })).
  const log = opts.logger.child({ host: maskUrl(host) });
  const metadataTimeoutMs = opts.metadataTimeoutMs ?? 10_000;
  const scope = new AsyncLocalStorage<CallScope>();

  const scopedFetch: typeof fetch = async (input, init) => {
    const call = scope.getStore();
    if (!call) return httpFetch(input, init);
    const own = init?.signal;
    if (own) own.addEventListener('abort', () => call.controller.abort(own.reason), { once: true });
    return httpFetch(input, { ...init, signal: call.controller.signal });
  };

  const ollama = new HostOllama({ host, fetch: scopedFetch });
  const traits = new Map<string, Promise<ModelTraits>>();
  const loadTimeoutMs = opts.loadTimeoutMs ?? 30 * 60_000;
  const loadReportMs = opts.loadReportMs ?? 30_000;
  /** Loads in progress on this host, by model: chat calls wait for them before their clock starts. */
  const loads = new Map<string, Promise<{ loadMs: number }>>();
  const loadStarted = new Map<string, number>();
  let lastKeepAlive: number | string = '30m';

  /** Run `fn` with its own controller, aborted after `ms` or when `signal` aborts. */
  function withDeadline<T>(what: string, ms: number, signal: AbortSignal | undefined, fn: () => Promise<T>, errCtx: { model?: string }): Promise<T> {
    return runWithDeadline(
      ms,
      signal,
      (controller) => scope.run({ controller }, fn),
      (why, err) =>
        why === 'timeout' ? new ModelTimeoutError('total', what, ms) : why === 'aborted' ? new AbortedError(what) : classifyOllamaError(err, { host, model: errCtx.model, streamOpen: false }),
    );
  }

  function traitsOf(model: string): Promise<ModelTraits> {
    let p = traits.get(model);
    if (!p) {
      p = withDeadline(
        `/api/show ${model}`,
        metadataTimeoutMs,
        undefined,
        async () => {
          const info: ShowResponse = await ollama.show({ model });
          const caps = Array.isArray(info.capabilities) ? info.capabilities : [];
          const family = String(info.details?.family ?? '').toLowerCase();
          const t: ModelTraits = {
            thinking: caps.includes('thinking'),
            effortLevels: family === 'gptoss' || family === 'gpt-oss' || /gpt-oss/i.test(model),
          };
          log.debug({ model, capabilities: caps, family }, 'model capabilities learned');
          return t;
        },
        { model },
      );
      // A host without /api/show (an older Ollama, a proxy) must not stop answers: guess from
      // the model's name, and keep the guess (a model's nature does not change).
      p = p.catch((err: unknown) => {
        if (err instanceof AbortedError) {
          traits.delete(model);
          throw err;
        }
        const guess = guessTraits(model);
        log.debug({ model, err: errorCode(err), guess }, 'model capabilities unknown (/api/show failed); guessing from the name');
        return guess;
      });
      traits.set(model, p);
    }
    return p;
  }

  function thinkValue(t: ModelTraits, level: ThinkLevel | false): ThinkLevel | boolean | undefined {
    if (!t.thinking) return undefined;
    if (level === false) return t.effortLevels ? 'low' : false;
    return t.effortLevels ? level : true;
  }

  function preload(model: string, keepAlive: number | string, signal?: AbortSignal): Promise<{ loadMs: number }> {
    const running = loads.get(model);
    if (running) return running;
    lastKeepAlive = keepAlive;
    const started = performance.now();
    log.info({ model }, 'loading model');
    const report = setInterval(() => log.info({ model, elapsedMs: Math.round(performance.now() - started) }, 'still loading model'), loadReportMs);
    report.unref();
    const p = withDeadline(
      `load ${model}`,
      loadTimeoutMs,
      signal,
      async () => {
        await ollama.chat({ model, messages: [], stream: false, keep_alive: keepAlive });
        const loadMs = Math.round(performance.now() - started);
        log.info({ model, loadMs }, 'model loaded');
        return { loadMs };
      },
      { model },
    ).finally(() => {
      clearInterval(report);
      loads.delete(model);
    });
    loads.set(model, p);
    loadStarted.set(model, started);
    void p.catch(() => undefined).finally(() => loadStarted.delete(model));
    return p;
  }

  /** Wait for a load of `model` in progress (not counted against the first-token clock). */
  async function loadedFirst(model: string, signal?: AbortSignal): Promise<void> {
    const running = loads.get(model);
    if (!running) return;
    const done = running.then(
      () => undefined,
      () => undefined,
    );
    if (!signal) return done;
    await untilAborted(done, signal).catch(() => {
      throw new AbortedError(model);
    });
  }

  /** After a first-token timeout: is the model not loaded at all (a cold load under way)? Then keep loading it. */
  async function coldAfterTimeout(model: string): Promise<void> {
    if (loads.has(model)) return;
    try {
      const ps = await withDeadline('/api/ps', metadataTimeoutMs, undefined, () => ollama.ps(), {});
      if (ps.models.some((m) => m.name === model || m.model === model)) return;
    } catch {
      return;
    }
    log.warn({ model }, 'model is not loaded (it was unloaded, or is still loading): loading it before the next attempt');
    preload(model, lastKeepAlive).catch((err: unknown) => log.warn({ model, err: errorCode(err) }, 'model load failed'));
  }

  async function chat(req: ChatRequest): Promise<ChatResult> {
    const { model } = req;
    if (req.signal?.aborted) throw new AbortedError(model);
    lastKeepAlive = req.keepAlive;
    await loadedFirst(model, req.signal);
    const controller = new AbortController();
    let why: StopReason | undefined;
    const stop = (reason: StopReason) => {
      why ??= reason;
      controller.abort();
    };
    const firstTimer = setTimeout(() => stop('first_token'), req.firstTokenTimeoutMs);
    const totalTimer = setTimeout(() => stop('total'), req.totalTimeoutMs);
    const onJobAbort = () => stop('aborted');
    req.signal?.addEventListener('abort', onJobAbort, { once: true });

    let stream: AbortableAsyncIterator<ChatResponse> | undefined;
    let streamOpen = false;
    let callbackThrew = false;
    try {
      return await scope.run({ controller }, async () => {
        const think = req.think !== undefined ? thinkValue(await untilAborted(traitsOf(model), controller.signal), req.think) : undefined;
        const started = performance.now();
        stream = await ollama.chat({
          model,
          messages: req.messages,
          stream: true,
          keep_alive: req.keepAlive,
          options: { num_ctx: req.numCtx, ...req.options },
          ...(think !== undefined ? { think } : {}),
          ...(req.format !== undefined ? { format: req.format } : {}),
        });
        streamOpen = true;
        let content = '';
        let thinking = '';
        let ttftMs: number | undefined;
        let final: ChatResponse | undefined;
        let stoppedEarly = false;
        for await (const part of stream) {
          const piece = part.message?.content ?? '';
          const thought = part.message?.thinking ?? '';
          if (thought) thinking += thought;
          if (piece) content += piece;
          if (ttftMs === undefined && (piece || thought)) {
            ttftMs = performance.now() - started;
            clearTimeout(firstTimer);
          }
          if (part.done) {
            final = part;
            break;
          }
          if (piece && req.onContent) {
            callbackThrew = true;
            const enough = req.onContent(content) === true;
            callbackThrew = false;
            if (enough) {
              stoppedEarly = true;
              why ??= 'stopped';
              break;
            }
          }
        }
        if (!final && !stoppedEarly) throw new StreamCutError(model, host, 'the stream ended without done');
        const modelMs = performance.now() - started;
        const result: ChatResult = {
          content,
          thinking,
          done: final !== undefined,
          stoppedEarly,
          ttftMs: ttftMs ?? modelMs,
          modelMs,
          ...(final?.prompt_eval_count !== undefined ? { promptEvalCount: final.prompt_eval_count } : {}),
          ...(final?.eval_count !== undefined ? { evalCount: final.eval_count } : {}),
          ...(final?.done_reason ? { doneReason: final.done_reason } : {}),
        };
        log.debug(
          { model, ttftMs: Math.round(result.ttftMs), modelMs: Math.round(modelMs), promptEvalCount: result.promptEvalCount, evalCount: result.evalCount, doneReason: result.doneReason, stoppedEarly },
          'model call finished',
        );
        return result;
      });
    } catch (err) {
      if (callbackThrew) throw err;
      let mapped;
      if (why === 'first_token') {
        mapped = new ModelTimeoutError('first_token', model, req.firstTokenTimeoutMs);
        await coldAfterTimeout(model);
      }
      else if (why === 'total') mapped = new ModelTimeoutError('total', model, req.totalTimeoutMs);
      else if (why === 'aborted') mapped = new AbortedError(model);
      else mapped = classifyOllamaError(err, { host, model, streamOpen });
      log.debug({ model, code: mapped.code, streamOpen }, 'model call failed');
      throw mapped;
    } finally {
      clearTimeout(firstTimer);
      clearTimeout(totalTimer);
      req.signal?.removeEventListener('abort', onJobAbort);
      // Closes the connection when the stream is still open (early stop, error): Ollama then
      // stops generating and frees the slot.
      controller.abort();
      if (stream) ollama.forget(stream);
    }
  }

  async function listModels(signal?: AbortSignal): Promise<string[]> {
    return withDeadline(
      '/api/tags',
      metadataTimeoutMs,
      signal,
      async () => {
        const res = await ollama.list();
        return res.models.map((m) => m.name);
      },
      {},
    );
  }

  const loadingModels = () => [...loadStarted].map(([model, at]) => ({ model, elapsedMs: Math.round(performance.now() - at) }));
  return { host, chat, listModels, preload, loadingModels };
}

/** Thinking models by family name, for hosts that do not answer /api/show. */
export function guessTraits(model: string): ModelTraits {
  if (/gpt-oss|qwen3|deepseek-r1|magistral|phi4-reasoning|think/i.test(model)) return { thinking: true, effortLevels: /gpt-oss/i.test(model) };
  if (/qwen2|llama|gemma|mistral|phi3|command-r|granite/i.test(model)) return { thinking: false, effortLevels: false };
  // a name we do not know: only the slow route asks for reasoning, so pass its level as set
  return { thinking: true, effortLevels: true };
}
