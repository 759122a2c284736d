/**
 * Hardware profiles the fake Ollama replays: per model, time to first token (plus prompt
 * evaluation of the tokens not in the KV cache), decode speed and parallel slots; and the
 * lengths the models write. Decode speeds are the ones in the issue; the rest are stated
 * assumptions (see BENCHMARKS.md), the same for every profile unless they depend on hardware.
 */

export interface ModelTiming {
  model: string;
  /** Fixed time from taking a slot to the first token, before prompt evaluation. */
  ttftMs: number;
  /** Decode speed of one stream. */
  tokensPerSec: number;
  /** Prompt evaluation speed for tokens not already in the slot's KV cache. */
  promptTokensPerSec: number;
  /** OLLAMA_NUM_PARALLEL for this model (the bot's concurrency is set to match). */
  parallel: number;
}

export interface Range {
  min: number;
  max: number;
}

export interface Lengths {
  /** Fast answer length in tokens (one to three chat sentences). */
  fastAnswer: Range;
  /** Share of fast answers where the model rambles past the chat budget (stopped early by the bot). */
  rambleShare: number;
  ramble: Range;
  /** gpt-oss reasoning at think=medium, and the final answer, in tokens. */
  slowThinking: Range;
  slowAnswer: Range;
}

export interface Profile {
  name: 'cpu' | 'gpu-24gb' | 'h100';
  description: string;
  fast: ModelTiming;
  slow: ModelTiming;
  lengths: Lengths;
}

export const LENGTHS: Lengths = {
  fastAnswer: { min: 12, max: 40 },
  rambleShare: 0.08,
  ramble: { min: 380, max: 520 },
  slowThinking: { min: 150, max: 600 },
  slowAnswer: { min: 80, max: 250 },
};

export const PROFILES: Record<Profile['name'], Profile> = {
  cpu: {
    name: 'cpu',
    description: 'one CPU server: qwen2.5:14b ~8 tok/s, gpt-oss:120b 8.5 tok/s, one request at a time per model',
    fast: { model: 'qwen2.5:14b', ttftMs: 300, tokensPerSec: 8, promptTokensPerSec: 120, parallel: 1 },
    slow: { model: 'gpt-oss:120b', ttftMs: 600, tokensPerSec: 8.5, promptTokensPerSec: 60, parallel: 1 },
    lengths: LENGTHS,
  },
  'gpu-24gb': {
    name: 'gpu-24gb',
    description: 'one 24 GB GPU: qwen2.5:14b ~70 tok/s in VRAM (4 slots), gpt-oss:120b ~20 tok/s with CPU offload (1 slot)',
    fast: { model: 'qwen2.5:14b', ttftMs: 80, tokensPerSec: 70, promptTokensPerSec: 2500, parallel: 4 },
    slow: { model: 'gpt-oss:120b', ttftMs: 400, tokensPerSec: 20, promptTokensPerSec: 250, parallel: 1 },
    lengths: LENGTHS,
  },
  h100: {
    name: 'h100',
    description: 'one H100 80 GB: qwen2.5:14b ~90 tok/s (4 slots), gpt-oss:120b ~130 tok/s (2 slots)',
    fast: { model: 'qwen2.5:14b', ttftMs: 40, tokensPerSec: 90, promptTokensPerSec: 8000, parallel: 4 },
    slow: { model: 'gpt-oss:120b', ttftMs: 80, tokensPerSec: 130, promptTokensPerSec: 5000, parallel: 2 },
    lengths: LENGTHS,
  },
};

export const PROFILE_NAMES = Object.keys(PROFILES) as Profile['name'][];
