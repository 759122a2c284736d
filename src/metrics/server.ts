/**
 * `/metrics` on METRICS_PORT for a process without the panel (a fast or slow worker running
 * alone, as compose runs them). fastify, one route.
 */
import Fastify, { LogController } from 'fastify';
import type { Logger } from '../log.js';
import type { Metrics } from './index.js';

export interface MetricsServer {
  start(): Promise<string | undefined>;
  close(): Promise<void>;
}

export function createMetricsServer(deps: { metrics: Metrics; host: string; port: number; logger: Logger }): MetricsServer {
  const log = deps.logger.child({ component: 'metrics' });
  const app = Fastify({ loggerInstance: log, logController: new LogController({ disableRequestLogging: true }) });
  app.get('/metrics', async (_req, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.render()));
  return {
    async start() {
      try {
        const url = await app.listen({ host: deps.host, port: deps.port });
        log.info({ url: `${url}/metrics` }, 'metrics listening');
        return url;
      } catch (err) {
        log.warn({ err, host: deps.host, port: deps.port }, 'metrics not served: could not listen (set METRICS_PORT)');
        return undefined;
      }
    },
    close: () => app.close(),
  };
}
