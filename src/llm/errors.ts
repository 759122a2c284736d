/**
 * Named errors of the model client, and the one place where failures of the `ollama`
 * package (fetch errors, HTTP status, broken streams) are mapped to them. Callers branch on
 * `code` / `retryable` / `instanceof`, never on message text.
 */
import { BotError } from '../errors.js';
import { maskUrl } from '../log.js';

export type TimeoutPhase = 'first_token' | 'total';

/** Nothing accepts connections at the host (refused, unknown name, unreachable network). */
export class OllamaUnreachableError extends BotError {
  constructor(
    readonly host: string,
    options?: { cause?: unknown },
  ) {
    super(
      'BOT_ERR_OLLAMA_UNREACHABLE',
      `no Ollama answering at ${maskUrl(host)}: start it with \`ollama serve\` or set OLLAMA_HOST`,
      true,
      options,
    );
  }
}

/** The host answered 404 for the model: it has not been pulled there. */
export class ModelNotFoundError extends BotError {
  constructor(
    readonly model: string,
    readonly host: string,
    options?: { cause?: unknown },
  ) {
    super(
      'BOT_ERR_MODEL_NOT_FOUND',
      `model ${model} not found on ${maskUrl(host)}: run \`ollama pull ${model}\` there, or set the model name in FAST_MODEL / SLOW_MODEL`,
      false,
      options,
    );
  }
}

/** Any other HTTP error status from Ollama; `detail` is Ollama's own `error` text. */
export class ModelHttpError extends BotError {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly host: string,
    options?: { cause?: unknown },
  ) {
    const retryable = status >= 500 || status === 429;
    const next = retryable
      ? 'the job will be retried; if it persists, check `ollama ps` and the Ollama server log'
      : 'the request was refused: check the model name, options and Ollama version';
    super('BOT_ERR_OLLAMA_HTTP', `Ollama at ${maskUrl(host)} answered HTTP ${status}: ${detail || '(no error text)'}; ${next}`, retryable, options);
  }
}

/** No first token (answer or thinking) in time, or the whole call took too long. */
export class ModelTimeoutError extends BotError {
  constructor(
    readonly phase: TimeoutPhase,
    readonly model: string,
    readonly timeoutMs: number,
  ) {
    const what = phase === 'first_token' ? 'sent no first token' : 'did not finish';
    const knob = phase === 'first_token' ? 'FAST_/SLOW_FIRST_TOKEN_TIMEOUT_MS' : 'FAST_/SLOW_TIMEOUT_MS';
    super(
      'BOT_ERR_MODEL_TIMEOUT',
      `model ${model} ${what} within ${timeoutMs} ms: the host may be overloaded or still loading the model; the job will be retried (raise ${knob} if this host is slow)`,
      true,
    );
  }
}

/** The stream ended, broke or carried garbage before a chunk with done:true. */
export class StreamCutError extends BotError {
  constructor(
    readonly model: string,
    readonly host: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      'BOT_ERR_STREAM_CUT',
      `the answer stream of ${model} from ${maskUrl(host)} broke before it was done (${detail}); the job will be retried, and a partial answer is never posted`,
      true,
      options,
    );
  }
}

/** The job's own signal aborted the call (shutdown, cancel): retry it elsewhere. */
export class AbortedError extends BotError {
  constructor(readonly model: string) {
    super('BOT_ERR_ABORTED', `the call to ${model} was aborted by its job (shutdown or cancel); the job should be retried by another worker`, true);
  }
}

export type ModelError = OllamaUnreachableError | ModelNotFoundError | ModelHttpError | ModelTimeoutError | StreamCutError | AbortedError;

/** errno / undici codes meaning "nobody is listening there" (the request never reached Ollama). */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Codes of a connection that was open and then broke. */
const CUT_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_ABORTED']);

/** The `code` of an error or of any error in its `cause` chain (undici wraps them: `fetch failed`). */
export function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    // AggregateError (happy eyeballs: several addresses refused)
    const inner = (e as { errors?: unknown[] }).errors;
    if (Array.isArray(inner) && inner.length > 0) {
      const c = errorCode(inner[0]);
      if (c) return c;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The `ollama` package's ResponseError (not exported by its entry point): `{ name, status_code, error }`. */
export function httpStatusOf(err: unknown): { status: number; detail: string } | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { name?: unknown; status_code?: unknown; error?: unknown; message?: unknown };
  if (e.name !== 'ResponseError' || typeof e.status_code !== 'number') return undefined;
  const detail = typeof e.error === 'string' ? e.error : typeof e.message === 'string' ? e.message : '';
  return { status: e.status_code, detail };
}

export interface ClassifyContext {
  host: string;
  /** The model of a chat or show call; absent for host-wide calls (`/api/tags`). */
  model?: string | undefined;
  /** True once the response headers arrived (the stream was open). */
  streamOpen: boolean;
}

/**
 * Map a failure of a request to Ollama to one of the named errors. Errors that are already
 * BotErrors pass through. Timeouts and aborts are decided by the caller (it knows why it
 * aborted), not here.
 */
export function classifyOllamaError(err: unknown, ctx: ClassifyContext): BotError {
  if (err instanceof BotError) return err;
  const http = httpStatusOf(err);
  if (http) {
    if (http.status === 404 && ctx.model !== undefined) return new ModelNotFoundError(ctx.model, ctx.host, { cause: err });
    return new ModelHttpError(http.status, http.detail, ctx.host, { cause: err });
  }
  const code = errorCode(err);
  if (!ctx.streamOpen && code !== undefined && UNREACHABLE_CODES.has(code)) {
    return new OllamaUnreachableError(ctx.host, { cause: err });
  }
  if (ctx.streamOpen || (code !== undefined && CUT_CODES.has(code))) {
    const detail = code ?? (err instanceof Error ? err.message : String(err));
    return new StreamCutError(ctx.model ?? 'the request', ctx.host, detail, { cause: err });
  }
  // A fetch that failed for another reason before any response: treat as unreachable
  // (retryable) and keep the cause for the log.
  return new OllamaUnreachableError(ctx.host, { cause: err });
}
