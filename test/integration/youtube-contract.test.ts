import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { createYouTubeAdapter } from '../../src/platforms/youtube/index.js';
import { FakeYouTube } from '../fakes/youtube.js';
import { LogCapture } from '../helpers/log-capture.js';
import { dropPrefix, newRedis, uniquePrefix } from '../helpers/redis.js';
import { runAdapterContract } from './adapter-contract.js';

runAdapterContract('youtube', async () => {
  const fake = await FakeYouTube.start();
  const parsed = parseConfig({ ...fake.env('live', true), YOUTUBE_POLL_INTERVAL_MS: '1000' });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const redis = newRedis();
  const prefix = uniquePrefix('ytc');
  const adapter = createYouTubeAdapter({ config: parsed.config, redis, prefix, logger: createLogger({ level: 'debug', destination: new LogCapture() }) });
  return {
    adapter,
    channel: fake.liveIdInitial,
    sendViewerComment: async (text) => {
      fake.pushChat({ author: '@contract_viewer', text });
    },
    postedTexts: async () => fake.posted().map((p) => p.text),
    teardown: async () => {
      await fake.close();
      await dropPrefix(prefix);
      redis.disconnect();
    },
  };
});
