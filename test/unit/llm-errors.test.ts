import { describe, expect, it } from 'vitest';
import { BotError } from '../../src/errors.js';
import {
  AbortedError,
  ModelHttpError,
  ModelNotFoundError,
  ModelTimeoutError,
  OllamaUnreachableError,
  StreamCutError,
  classifyOllamaError,
  errorCode,
} from '../../src/llm/errors.js';

const HOST = 'http://127.0.0.1:11434';

/** What the `ollama` package throws for an HTTP error status (its ResponseError). */
function responseError(status: number, error: string): Error {
  return Object.assign(new Error(error), { name: 'ResponseError', status_code: status, error });
}

/** What undici's fetch throws when the connection fails: `fetch failed` with a coded cause. */
function fetchFailed(code: string): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ${code} 127.0.0.1:11434`), { code }) });
}

describe('classifyOllamaError', () => {
  it.each([
    ['404 from /api/chat', responseError(404, 'model "qwen9" not found, try pulling it first'), false, ModelNotFoundError, false],
    ['500 with error body', responseError(500, 'llama runner process has terminated'), false, ModelHttpError, true],
    ['503 busy', responseError(503, 'server busy, please try again.  maximum pending requests exceeded'), false, ModelHttpError, true],
    ['429', responseError(429, 'too many requests'), false, ModelHttpError, true],
    ['400 think unsupported', responseError(400, '"qwen2.5:14b" does not support thinking'), false, ModelHttpError, false],
    ['ECONNREFUSED', fetchFailed('ECONNREFUSED'), false, OllamaUnreachableError, true],
    ['ENOTFOUND (bad host name)', fetchFailed('ENOTFOUND'), false, OllamaUnreachableError, true],
    ['EHOSTUNREACH', fetchFailed('EHOSTUNREACH'), false, OllamaUnreachableError, true],
    ['connect timeout', fetchFailed('UND_ERR_CONNECT_TIMEOUT'), false, OllamaUnreachableError, true],
    [
      'happy eyeballs: all addresses refused',
      new TypeError('fetch failed', { cause: new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })]) }),
      false,
      OllamaUnreachableError,
      true,
    ],
    ['socket closed before any response', fetchFailed('UND_ERR_SOCKET'), false, StreamCutError, true],
    ['ECONNRESET before any response', fetchFailed('ECONNRESET'), false, StreamCutError, true],
    ['socket closed mid-stream', new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }), true, StreamCutError, true],
    ['stream ended without done', new Error('Did not receive done or success response in stream.'), true, StreamCutError, true],
    ['error line mid-stream', new Error('an error was encountered while running the model'), true, StreamCutError, true],
    ['unknown failure before a response', new Error('something odd'), false, OllamaUnreachableError, true],
  ])('%s', (_name, err, streamOpen, type, retryable) => {
    const mapped = classifyOllamaError(err, { host: HOST, model: 'qwen2.5:14b', streamOpen });
    expect(mapped).toBeInstanceOf(type);
    expect(mapped).toBeInstanceOf(BotError);
    expect(mapped.retryable).toBe(retryable);
    expect(mapped.cause).toBe(err);
  });

  it('a 404 of a host-wide call (no model) is an HTTP error, not a missing model', () => {
    const mapped = classifyOllamaError(responseError(404, '404 page not found'), { host: HOST, streamOpen: false });
    expect(mapped).toBeInstanceOf(ModelHttpError);
    expect(mapped).toMatchObject({ status: 404, retryable: false });
  });

  it('passes BotErrors through unchanged', () => {
    const e = new AbortedError('m');
    expect(classifyOllamaError(e, { host: HOST, model: 'm', streamOpen: true })).toBe(e);
  });
});

describe('errorCode', () => {
  it.each([
    [fetchFailed('ECONNREFUSED'), 'ECONNREFUSED'],
    [Object.assign(new Error('x'), { code: 'EPIPE' }), 'EPIPE'],
    [new Error('no code'), undefined],
    [new DOMException('aborted', 'AbortError'), undefined],
    ['a string', undefined],
    [null, undefined],
  ])('%s -> %s', (err, code) => {
    expect(errorCode(err)).toBe(code);
  });
});

describe('messages say what to do next, codes are stable', () => {
  it.each([
    [new OllamaUnreachableError(HOST), 'BOT_ERR_OLLAMA_UNREACHABLE', /ollama serve.*OLLAMA_HOST/],
    [new ModelNotFoundError('qwen2.5:14b', HOST), 'BOT_ERR_MODEL_NOT_FOUND', /`ollama pull qwen2\.5:14b`/],
    [new ModelHttpError(500, 'runner died', HOST), 'BOT_ERR_OLLAMA_HTTP', /HTTP 500: runner died.*retried/],
    [new ModelHttpError(400, 'bad option', HOST), 'BOT_ERR_OLLAMA_HTTP', /HTTP 400: bad option.*refused/],
    [new ModelTimeoutError('first_token', 'gpt-oss:120b', 120000), 'BOT_ERR_MODEL_TIMEOUT', /no first token within 120000 ms.*FIRST_TOKEN_TIMEOUT_MS/],
    [new ModelTimeoutError('total', 'gpt-oss:120b', 240000), 'BOT_ERR_MODEL_TIMEOUT', /did not finish within 240000 ms/],
    [new StreamCutError('qwen2.5:14b', HOST, 'UND_ERR_SOCKET'), 'BOT_ERR_STREAM_CUT', /before it was done \(UND_ERR_SOCKET\).*retried/],
    [new AbortedError('qwen2.5:14b'), 'BOT_ERR_ABORTED', /aborted.*retried by another worker/],
  ])('%s', (err, code, text) => {
    expect(err.code).toBe(code);
    expect(err.name).toBe(err.constructor.name);
    expect(err.message).toMatch(text);
  });

  it('never shows credentials from the host URL', () => {
    const err = new OllamaUnreachableError('https://bot:s3cret@ollama.example.com:11434');
    expect(err.message).not.toContain('s3cret');
    expect(err.message).toContain('ollama.example.com');
  });
});
