/**
 * One call to a model host, bounded: its own AbortController, aborted when `ms` run out or
 * when the caller's `signal` aborts. Ollama's chat calls and the embedding calls of
 * retrieval use it; each names its own errors.
 */

/** Why the call stopped: our deadline, the caller's abort, or neither (the call's own fault). */
export type DeadlineStop = 'timeout' | 'aborted' | undefined;

/**
 * Run `fn` with a controller aborted after `ms` or when `signal` aborts (an already aborted
 * `signal` fails at once). A failure is thrown as `fail(why, err)`. The controller is aborted
 * when `fn` settles, so nothing it started outlives the call.
 */
export async function runWithDeadline<T>(
  ms: number,
  signal: AbortSignal | undefined,
  fn: (controller: AbortController) => Promise<T>,
  fail: (why: DeadlineStop, err: unknown) => Error,
): Promise<T> {
  if (signal?.aborted) throw fail('aborted', signal.reason);
  const controller = new AbortController();
  let why: DeadlineStop;
  const timer = setTimeout(() => {
    why ??= 'timeout';
    controller.abort();
  }, ms);
  const onAbort = () => {
    why ??= 'aborted';
    controller.abort();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await fn(controller);
  } catch (err) {
    throw fail(why, err);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    controller.abort();
  }
}
