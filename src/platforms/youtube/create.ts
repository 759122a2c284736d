import type { Config } from '../../config.js';
import type { AdapterDeps } from '../descriptor.js';
import type { ChatAdapter } from '../port.js';
import { createYouTubeAdapter } from './adapter.js';

/** The live YouTube adapter (reads chat; posts when OAuth credentials are set). */
export function createYouTube(config: Config, deps: AdapterDeps): ChatAdapter {
  return createYouTubeAdapter({
    config,
    redis: deps.redis,
    prefix: deps.prefix,
    logger: deps.logger.child({ component: 'youtube' }),
    ...(deps.streamInfoRefreshMs !== undefined ? { streamInfoRefreshMs: deps.streamInfoRefreshMs } : {}),
    ...(deps.backoff?.readMaxMs !== undefined ? { readBackoffMaxMs: deps.backoff.readMaxMs } : {}),
  });
}
