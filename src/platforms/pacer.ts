import type { ChannelLimits } from './port.js';

/**
 * Outbound pacing per key (one key per platform channel): a sliding window of the last
 * sends plus a least spacing, with waiters served strictly in arrival order.
 */
export interface Pacer {
  /**
   * Wait until a message may be sent on `key` under `limits` (sliding window of the last
   * `max` send times, and `minSpacingMs` since the previous); resolves true and RECORDS the
   * send, or resolves false without recording if that moment would be after `deadline`
   * (epoch ms). `signal` aborts the wait (resolve false). A waiter with a lower `priority`
   * number is served before waiting ones with a higher number (default PRIORITY_ANSWER;
   * a moderator's command confirmation uses PRIORITY_COMMAND and goes first).
   */
  acquire(key: string, limits: ChannelLimits, deadline: number, signal?: AbortSignal, priority?: number): Promise<boolean>;
  /**
   * As `acquire`, but resolves the recorded send time (undefined where `acquire` says
   * false), for a caller that may find it has nothing to send after all (`giveBack`).
   */
  acquireAt(key: string, limits: ChannelLimits, deadline: number, signal?: AbortSignal, priority?: number): Promise<number | undefined>;
  /**
   * A send granted at `at` on `key` did not happen (the reply was dropped at its last
   * checks): it no longer counts against the window or the spacing, so the next waiter is
   * not held back by a message nobody saw.
   */
  giveBack(key: string, at: number): void;
}

export interface PacerOptions {
  now?: () => number;
  /** Resolves after `ms`, or early (resolve or reject) when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Confirmations of moderators' chat commands win over answers when the channel's budget is tight. */
export const PRIORITY_COMMAND = 0;
export const PRIORITY_ANSWER = 1;

interface Waiter {
  priority: number;
  limits: ChannelLimits;
  deadline: number;
  signal?: AbortSignal;
  done: boolean;
  /** The recorded send time, or undefined: not granted. */
  resolve: (at: number | undefined) => void;
  onAbort?: () => void;
}

interface KeyState {
  /** Send times, ascending; pruned to what the window can still see. */
  sends: number[];
  queue: Waiter[];
  pumping: boolean;
  /** Aborts the pump's current sleep (the head waiter gave up). */
  wake?: AbortController;
  /** When the sleeping pump will serve its head. */
  headAt?: number;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * The earliest moment at or after `now` that a send is allowed: after the `max`-th most
 * recent send has left the window (sends in `(t - windowMs, t]` stay ≤ max) and at least
 * `minSpacingMs` after the last one.
 */
export function earliestSend(sends: readonly number[], limits: ChannelLimits, now: number): number {
  let t = now;
  const last = sends[sends.length - 1];
  if (last !== undefined) t = Math.max(t, last + limits.minSpacingMs);
  if (limits.max <= 0) return Number.POSITIVE_INFINITY;
  if (sends.length >= limits.max) t = Math.max(t, sends[sends.length - limits.max]! + limits.windowMs);
  return t;
}

export function createPacer(opts: PacerOptions = {}): Pacer {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  const keys = new Map<string, KeyState>();

  function finish(w: Waiter, at: number | undefined): void {
    if (w.done) return;
    w.done = true;
    if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
    w.resolve(at);
  }

  function prune(state: KeyState, t: number, windowMs: number): void {
    // Keep the last send (spacing) and everything the window can still see; cap the size.
    while (state.sends.length > 1 && (state.sends[0]! <= t - windowMs || state.sends.length > 10_000)) {
      state.sends.shift();
    }
  }

  /** Fail queued waiters whose deadline falls before the soonest moment they could be served. */
  function dropHopeless(headAt: number, queue: readonly Waiter[]): void {
    let bound = headAt;
    let first = true;
    for (const w of queue) {
      if (w.done) continue;
      const soonest = first ? headAt : bound + w.limits.minSpacingMs;
      if (w.deadline < soonest) {
        finish(w, undefined);
        continue;
      }
      bound = soonest;
      first = false;
    }
  }

  async function pump(key: string, state: KeyState): Promise<void> {
    state.pumping = true;
    try {
      for (;;) {
        while (state.queue.length > 0 && state.queue[0]!.done) state.queue.shift();
        const head = state.queue[0];
        if (!head) break;
        const t = now();
        prune(state, t, head.limits.windowMs);
        const at = earliestSend(state.sends, head.limits, t);
        if (at > head.deadline) {
          finish(head, undefined);
          continue;
        }
        if (at <= t) {
          state.sends.push(t);
          state.queue.shift();
          finish(head, t);
          continue;
        }
        dropHopeless(at, state.queue);
        if (head.done) continue;
        state.wake = new AbortController();
        state.headAt = at;
        try {
          await sleep(at - t, state.wake.signal);
        } catch {
          // an aborted sleep may reject: re-evaluate either way
        }
        state.wake = undefined;
        state.headAt = undefined;
      }
    } finally {
      state.pumping = false;
      if (state.queue.length === 0 && state.sends.length === 0) keys.delete(key);
    }
  }

  function acquireAt(key: string, limits: ChannelLimits, deadline: number, signal?: AbortSignal, priority = PRIORITY_ANSWER): Promise<number | undefined> {
    return new Promise<number | undefined>((resolve) => {
      if (signal?.aborted || deadline < now()) return resolve(undefined);
      let state = keys.get(key);
      if (!state) {
        state = { sends: [], queue: [], pumping: false };
        keys.set(key, state);
      }
      const s = state;
      const w: Waiter = { priority, limits, deadline, signal, done: false, resolve };
      if (signal) {
        w.onAbort = () => {
          const isHead = s.queue[0] === w;
          finish(w, undefined);
          if (isHead) s.wake?.abort();
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      // after every waiter of the same or a more urgent priority (arrival order within one)
      const at = s.queue.findIndex((q) => !q.done && q.priority > priority);
      if (at < 0) s.queue.push(w);
      else s.queue.splice(at, 0, w);
      if (!s.pumping) void pump(key, s);
      else if (s.headAt !== undefined) dropHopeless(s.headAt, s.queue);
    });
  }

  return {
    acquireAt,
    acquire: (key, limits, deadline, signal, priority) => acquireAt(key, limits, deadline, signal, priority).then((at) => at !== undefined),
    giveBack(key, at) {
      const state = keys.get(key);
      if (!state) return;
      const i = state.sends.lastIndexOf(at);
      if (i < 0) return;
      state.sends.splice(i, 1);
      // a pump sleeping on the spacing or window of that send serves its head sooner
      state.wake?.abort();
      if (!state.pumping && state.queue.length === 0 && state.sends.length === 0) keys.delete(key);
    },
  };
}
