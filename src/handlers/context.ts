import type { Redis } from 'ioredis';
import type { Character } from '../character.js';
import type { Config } from '../config.js';
import type { Controls } from '../controls/types.js';
import type { Copypasta } from '../copypasta.js';
import type { Logger } from '../log.js';
import type { Memory } from '../memory/index.js';
import type { Metrics } from '../metrics/index.js';
import type { Queues } from '../queues.js';
import type { ViewerState } from '../viewer-state.js';
import type { ModelRoute } from './answer.js';

/** What the job handlers share; built once by the composition root. */
export interface HandlerContext {
  config: Config;
  logger: Logger;
  redis: Redis;
  prefix: string;
  queues: Queues;
  controls: Controls;
  /** Threads, stream context and viewer memory (memory/). */
  memory: Memory;
  /** A viewer's cooldown, latest question and strikes (viewer-state.ts). */
  viewers: ViewerState;
  character: Character;
  /** Names that address the character: its name, aliases and the bot's logins. */
  names: string[];
  fast: ModelRoute;
  slow: ModelRoute;
  /** Values never to be posted (tokens, secrets). */
  secrets: string[];
  slurs: readonly string[];
  /** Copypasta across viewers (shared through Redis). */
  copypasta: Copypasta;
  /** This process's Prometheus metrics. */
  metrics: Metrics;
  now: () => number;
}

/** What a handler returns: an outcome; only faults throw. */
export type Outcome =
  | { outcome: 'replied'; route: string; parts: number }
  | { outcome: 'escalated'; score: number }
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'filtered'; reason: string }
  | { outcome: 'dropped'; reason: string }
  | { outcome: 'held'; reason: string }
  | { outcome: 'posted'; parts: number };
