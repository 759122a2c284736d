/**
 * Prometheus metrics of one process (prom-client, its own registry: no global state). Every
 * process counts what it does itself: the gateway comments in, posts and pacer waits; the
 * fast and slow workers decisions, model calls and their errors; every process its Redis
 * errors and queue depths. `/metrics` is served by the panel (src/panel) where the process
 * serves it, else on METRICS_PORT (src/metrics/server.ts).
 */
import type { Redis } from 'ioredis';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ChatRequest, ChatResult, ModelClient } from '../llm/types.js';
import type { RouteName } from '../llm/routes.js';
import type { Queues } from '../queues.js';

export interface MetricsDeps {
  queues: Queues;
  redis: Redis;
  /** Role names of this process, a label on every metric (`gateway,fast,slow` for npm start). */
  roles: readonly string[];
}

/** Seconds buckets for chat latencies: 50 ms to 5 min. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 120, 300];

export interface Metrics {
  readonly registry: Registry;
  readonly contentType: string;
  commentIn(platform: string): void;
  /** One event of the events stream (skip, escalate, reply, drop, filtered, command) with its reason. */
  event(type: string, platform: string, reason?: string, route?: string): void;
  /** A reply posted: per channel, with its stage timings (ms). */
  posted(p: { platform: string; channel: string; route: string; kind: string; parts: number; queueWaitMs: number; ttftMs: number; modelMs: number; postMs: number; totalMs: number }): void;
  /** Time a message waited for the channel's rate limit (ms). */
  pacerWait(platform: string, channel: string, ms: number): void;
  jobFailed(queue: string, code: string): void;
  /** A model client that counts calls, errors (by code) and tokens. */
  instrumentModel(client: ModelClient, route: RouteName): ModelClient;
  render(): Promise<string>;
}

export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ role: [...deps.roles].sort().join(',') || 'panel' });
  collectDefaultMetrics({ register: registry, prefix: 'bot_' });

  const commentsIn = new Counter({ name: 'bot_comments_received_total', help: 'Chat comments received by the gateway', labelNames: ['platform'], registers: [registry] });
  const decisions = new Counter({ name: 'bot_decisions_total', help: 'Outcomes of comments and replies by type and reason (events stream)', labelNames: ['type', 'reason', 'platform'], registers: [registry] });
  const answers = new Counter({ name: 'bot_answers_total', help: 'Replies posted, by route and kind', labelNames: ['route', 'kind', 'platform'], registers: [registry] });
  const posts = new Counter({ name: 'bot_posts_total', help: 'Chat messages posted, per channel', labelNames: ['platform', 'channel'], registers: [registry] });
  const latency = new Histogram({ name: 'bot_latency_seconds', help: 'Reply latency by stage (queue_wait, first_token, model, post, total) and route', labelNames: ['stage', 'route'], buckets: LATENCY_BUCKETS, registers: [registry] });
  const rateWait = new Histogram({ name: 'bot_rate_limit_wait_seconds', help: "Time a message waited for the channel's rate limit", labelNames: ['platform', 'channel'], buckets: [0, 0.1, 0.5, 1, 2, 5, 10, 20, 30], registers: [registry] });
  const rateWaits = new Counter({ name: 'bot_rate_limit_waits_total', help: "Messages that had to wait for the channel's rate limit", labelNames: ['platform', 'channel'], registers: [registry] });
  const modelCalls = new Counter({ name: 'bot_model_requests_total', help: 'Model (Ollama) requests by route and model', labelNames: ['route', 'model'], registers: [registry] });
  const modelTokens = new Counter({ name: 'bot_model_tokens_total', help: 'Model tokens by route, model and kind (prompt, eval)', labelNames: ['route', 'model', 'kind'], registers: [registry] });
  const ollamaErrors = new Counter({ name: 'bot_ollama_errors_total', help: 'Failed model requests by error code', labelNames: ['route', 'code'], registers: [registry] });
  const redisErrors = new Counter({ name: 'bot_redis_errors_total', help: 'Redis connection errors seen by this process', registers: [registry] });
  const jobFailures = new Counter({ name: 'bot_job_failures_total', help: 'Job attempts that failed, by queue and error code', labelNames: ['queue', 'code'], registers: [registry] });
  new Gauge({
    name: 'bot_queue_jobs',
    help: 'Jobs per queue and state (waiting includes prioritized)',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const q of [deps.queues.comments, deps.queues.slow, deps.queues.outbox]) {
        try {
          const c = await q.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
          this.set({ queue: q.name, state: 'waiting' }, (c.waiting ?? 0) + (c.prioritized ?? 0));
          this.set({ queue: q.name, state: 'active' }, c.active ?? 0);
          this.set({ queue: q.name, state: 'delayed' }, c.delayed ?? 0);
          this.set({ queue: q.name, state: 'failed' }, c.failed ?? 0);
        } catch {
          // Redis down: no depth this scrape (bot_redis_errors_total says why)
        }
      }
    },
  });
  deps.redis.on('error', () => redisErrors.inc());

  const sec = (ms: number) => Math.max(0, ms) / 1000;
  return {
    registry,
    contentType: registry.contentType,
    commentIn: (platform) => commentsIn.inc({ platform }),
    event(type, platform, reason, route) {
      decisions.inc({ type, platform, reason: reason ?? (type === 'reply' ? route ?? '' : '') });
    },
    posted(p) {
      answers.inc({ route: p.route, kind: p.kind, platform: p.platform });
      posts.inc({ platform: p.platform, channel: p.channel }, p.parts);
      latency.observe({ stage: 'queue_wait', route: p.route }, sec(p.queueWaitMs));
      if (p.ttftMs > 0) latency.observe({ stage: 'first_token', route: p.route }, sec(p.ttftMs));
      if (p.modelMs > 0) latency.observe({ stage: 'model', route: p.route }, sec(p.modelMs));
      latency.observe({ stage: 'post', route: p.route }, sec(p.postMs));
      latency.observe({ stage: 'total', route: p.route }, sec(p.totalMs));
    },
    pacerWait(platform, channel, ms) {
      rateWait.observe({ platform, channel }, sec(ms));
      if (ms >= 50) rateWaits.inc({ platform, channel });
    },
    jobFailed: (queue, code) => jobFailures.inc({ queue, code }),
    instrumentModel(client, route) {
      return {
        get host() {
          return client.host;
        },
        listModels: (signal) => client.listModels(signal),
        preload: (model, keepAlive, signal) => client.preload(model, keepAlive, signal),
        loadingModels: () => client.loadingModels(),
        async chat(req: ChatRequest): Promise<ChatResult> {
          modelCalls.inc({ route, model: req.model });
          try {
            const r = await client.chat(req);
            if (r.promptEvalCount) modelTokens.inc({ route, model: req.model, kind: 'prompt' }, r.promptEvalCount);
            if (r.evalCount) modelTokens.inc({ route, model: req.model, kind: 'eval' }, r.evalCount);
            return r;
          } catch (err) {
            const code = (err as { code?: unknown }).code;
            // an abort (shutdown, the fast route stopping early) is not an Ollama error
            if (!req.signal?.aborted) ollamaErrors.inc({ route, code: typeof code === 'string' ? code : 'unknown' });
            throw err;
          }
        },
      };
    },
    render: () => registry.metrics(),
  };
}
