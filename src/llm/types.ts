/** What the workers need from a model host; the Ollama client implements it. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export type ThinkLevel = 'low' | 'medium' | 'high';

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  /**
   * Reasoning effort for thinking models; ignored (not sent) for models without the capability.
   * `false`: no reasoning. Ollama lets a thinking model think when `think` is absent, so this
   * sends think:false (gpt-oss, which cannot stop reasoning, gets 'low').
   */
  think?: ThinkLevel | false;
  numCtx: number;
  /** Seconds (negative: forever) or a Go duration string with a unit (see keep-alive.ts). */
  keepAlive: number | string;
  /** No first answer/thinking token within this: ModelTimeoutError (retryable). */
  firstTokenTimeoutMs: number;
  /** Whole request: ModelTimeoutError (retryable). */
  totalTimeoutMs: number;
  /** The job's signal: aborting it ends the stream at once (AbortedError). */
  signal?: AbortSignal;
  /**
   * Called with the answer text accumulated so far after each content chunk; return
   * true to stop the stream early (the reply is full, or a triage marker was seen).
   */
  onContent?: (soFar: string) => boolean | void;
  /** Structured output (JSON schema) for classification calls. */
  format?: object;
  options?: Record<string, unknown>;
}

export interface ChatResult {
  /** Raw answer content (may still hold inline reasoning in some forms: strip it). */
  content: string;
  /** The API `thinking` field, concatenated. Never shown to viewers. */
  thinking: string;
  /** True when the stream reached done:true; false when stopped early by onContent. */
  done: boolean;
  stoppedEarly: boolean;
  ttftMs: number;
  modelMs: number;
  promptEvalCount?: number;
  evalCount?: number;
  doneReason?: string;
}

export interface ModelClient {
  readonly host: string;
  chat(req: ChatRequest): Promise<ChatResult>;
  /** Model names the host has (`/api/tags`). */
  listModels(signal?: AbortSignal): Promise<string[]>;
  /**
   * Load a model with an empty request and wait until it is loaded (a cold 65 GB model takes
   * minutes; Ollama abandons a load nobody waits for, so this request stays open). While it
   * runs, chat() calls for the model wait for it before their first-token clock starts.
   * Resolves with the time it took; rejects on failure (the caller logs it).
   */
  preload(model: string, keepAlive: number | string, signal?: AbortSignal): Promise<{ loadMs: number }>;
  /** Models being loaded by this client right now, with how long so far. */
  loadingModels(): { model: string; elapsedMs: number }[];
}
