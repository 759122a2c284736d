/**
 * What reading the YouTube stream title costs in quota: the real YouTube adapter against the
 * fake YouTube and the real Redis, on a compressed clock (one refresh interval = INTERVAL_MS
 * instead of 10 minutes), for a stream of HOURS hours with a few replies posted meanwhile.
 * Prints the Data API calls the fake received and the units the quota hash counted.
 *
 *   npx tsx bench/youtube-reads.ts [hours=4]
 */
import { parseConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { createYouTubeAdapter } from '../src/platforms/youtube/index.js';
import { pacificDay } from '../src/platforms/youtube/quota.js';
import { YOUTUBE_STREAM_INFO_REFRESH_MS } from '../src/platforms/youtube/stream-info.js';
import { commentSchema, type Comment } from '../src/types.js';
import { FakeYouTube } from '../test/fakes/youtube.js';
import { dropPrefix, newRedis, uniquePrefix } from '../test/helpers/redis.js';

const HOURS = Number(process.argv[2] ?? 4);
const INTERVAL_MS = 200;
const intervals = Math.round((HOURS * 3_600_000) / YOUTUBE_STREAM_INFO_REFRESH_MS);

const fake = await FakeYouTube.start();
const prefix = uniquePrefix('bench-ytreads');
const redis = newRedis();
const parsed = parseConfig({ ...fake.env('live', true), YOUTUBE_POLL_INTERVAL_MS: '1000', REDIS_PREFIX: prefix });
if (!parsed.ok) throw new Error(parsed.errors.join('; '));
const adapter = createYouTubeAdapter({ config: parsed.config, redis, prefix, logger: createLogger({ level: 'silent' }), streamInfoRefreshMs: INTERVAL_MS });
const comments: Comment[] = [];
try {
  await adapter.start((c) => comments.push(commentSchema.parse(c)));
  const started = Date.now();
  const end = started + intervals * INTERVAL_MS + INTERVAL_MS / 2;
  // three replies spread over the stream, and one title change halfway
  for (const [i, at] of [0.1, 0.5, 0.9].entries()) {
    await new Promise((r) => setTimeout(r, Math.max(0, started + at * (end - started) - Date.now())));
    if (i === 1) fake.setVideo(fake.liveIdInitial, { title: 'second half', categoryId: '24' });
    fake.pushChat({ author: `@viewer${i}`, text: `question ${i}?` });
    while (!comments.some((c) => c.text === `question ${i}?`)) await new Promise((r) => setTimeout(r, 20));
    const c = comments.find((x) => x.text === `question ${i}?`)!;
    await adapter.post({ platform: 'youtube', channel: c.channel, text: `@viewer${i} answer ${i}`, replyTo: { id: c.id, author: c.author } });
  }
  await new Promise((r) => setTimeout(r, Math.max(0, end - Date.now())));
  const q = await redis.hgetall(`${prefix}:youtube:quota:${pacificDay(Date.now())}`);
  const result = {
    streamHours: HOURS,
    refreshEvery: `${YOUTUBE_STREAM_INFO_REFRESH_MS / 60_000} min (simulated as ${INTERVAL_MS} ms)`,
    videosList: fake.videosListCalls(),
    videoCategoriesList: fake.videoCategoriesListCalls(),
    inserts: fake.insertCalls(),
    unitsForReads: Number(q.reads ?? 0),
    unitsTotal: Number(q.spent ?? 0),
    readBudgetPerDay: Math.floor(parsed.config.YOUTUBE_QUOTA_RESERVE / 2),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await adapter.close();
  await fake.close();
  await dropPrefix(prefix);
  redis.disconnect();
}
