import { afterEach, describe, expect, it } from 'vitest';
import { memoryKeys } from '../../src/memory/keys.js';
import { readStreamInfo, STREAM_INFO_TTL_S } from '../../src/memory/stream-info.js';
import { pacificDay } from '../../src/platforms/youtube/quota.js';
import { startFakeTwitchHelix, type FakeTwitchHelix } from '../fakes/twitch-helix.js';
import { FakeYouTube } from '../fakes/youtube.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { until } from '../helpers/redis.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function harness(opts: Parameters<typeof startHarness>[0]): Promise<Harness> {
  const h = await startHarness(opts);
  cleanups.push(() => h.close());
  return h;
}

async function helix(opts: Parameters<typeof startFakeTwitchHelix>[0]): Promise<FakeTwitchHelix> {
  const f = await startFakeTwitchHelix(opts);
  cleanups.push(() => f.close());
  return f;
}

const warnings = (h: Harness, re: RegExp) => h.logs.lines.filter((l) => l.level === 40 && re.test(String(l.msg)));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('stream title and category from the platforms, in the shared Redis hash', () => {
  it('YouTube: videos.list snippet gives the title, videoCategories.list names the category once; a new title is read on the next refresh', async () => {
    const yt = await FakeYouTube.start();
    cleanups.push(() => yt.close());
    const h = await harness({ env: { ...yt.env('live', true), YOUTUBE_POLL_INTERVAL_MS: '1000' }, streamInfoRefreshMs: { youtube: 500 } });
    const id = yt.liveIdInitial;

    // another process (a worker elsewhere) reads it from Redis
    const first = await until(() => readStreamInfo(h.redis, h.prefix, 'youtube', id), 15_000, 'the YouTube stream info');
    expect(first).toMatchObject({ title: `Fake stream ${id}`, category: 'Gaming' });
    expect(first.at).toBeGreaterThan(Date.now() - 60_000);
    const key = memoryKeys(h.prefix).streamInfo('youtube', id);
    const ttl = await h.redis.ttl(key);
    expect(ttl).toBeGreaterThan(STREAM_INFO_TTL_S - 60);
    expect(ttl).toBeLessThanOrEqual(STREAM_INFO_TTL_S);

    // the owner edits the broadcast: a title with a line break and 300 characters, another category
    const long = `歌枠！\n${'あ'.repeat(300)}`;
    yt.setVideo(id, { title: long, categoryId: '10' });
    const second = await until(async () => {
      const s = await readStreamInfo(h.redis, h.prefix, 'youtube', id);
      return s?.category === 'Music' ? s : undefined;
    }, 10_000, 'the changed title');
    expect(second.title).toBe(`歌枠！ ${'あ'.repeat(196)}`);
    expect([...second.title!]).toHaveLength(200);
    expect(second.at).toBeGreaterThan(first.at);

    // unchanged category ids are not asked again: one videoCategories.list per id
    await sleep(1200);
    expect(yt.videoCategoriesListCalls()).toBe(2);
    // every read is counted in the day's quota, as reads
    // (a refresh counts its unit just before its call: compare between two refreshes)
    const quotaKey = `${h.prefix}:youtube:quota:${pacificDay(Date.now())}`;
    const q = await until(async () => {
      const v = await h.redis.hgetall(quotaKey);
      return Number(v.reads) === yt.videosListCalls() + yt.videoCategoriesListCalls() ? v : undefined;
    }, 5_000, 'reads counted as the calls made');
    expect(Number(q.reads)).toBeGreaterThanOrEqual(4);
    expect(Number(q.spent)).toBe(Number(q.reads));
    // Twitch has no client id here: one info line says nothing is read there
    expect(h.logs.find(/Twitch stream title and category are not read/)).toHaveLength(1);
    expect(await readStreamInfo(h.redis, h.prefix, 'twitch', h.channel)).toBeUndefined();
  });

  it('YouTube: refreshes stop once the day\'s read budget (half of YOUTUBE_QUOTA_RESERVE) is spent, with one warning; the last title stays', async () => {
    const yt = await FakeYouTube.start();
    cleanups.push(() => yt.close());
    // reserve 8 → read budget 4 units: the first videos.list and the category (2), then 2 refreshes
    const h = await harness({ env: { ...yt.env('live', true), YOUTUBE_POLL_INTERVAL_MS: '1000', YOUTUBE_QUOTA_RESERVE: '8' }, streamInfoRefreshMs: { youtube: 200 } });
    await until(() => readStreamInfo(h.redis, h.prefix, 'youtube', yt.liveIdInitial), 15_000, 'the YouTube stream info');
    await h.logs.waitFor(/read budget/, undefined, 10_000);
    const calls = yt.videosListCalls();
    expect(calls).toBe(3);
    yt.setVideo(yt.liveIdInitial, { title: 'never read' });
    await sleep(1500);
    expect(yt.videosListCalls()).toBe(calls);
    expect((await readStreamInfo(h.redis, h.prefix, 'youtube', yt.liveIdInitial))?.title).toBe(`Fake stream ${yt.liveIdInitial}`);
    expect(warnings(h, /read budget/)).toHaveLength(1);
  });

  it('Twitch: Helix users then channels with the Client-Id and the bot token; a changed title is read on the next refresh', async () => {
    const api = await helix({ channels: { botan_ch: { title: 'ゼルダ初見プレイ！ #1', gameName: 'The Legend of Zelda: Tears of the Kingdom' } } });
    const h = await harness({ env: { TWITCH_CLIENT_ID: api.clientId, TWITCH_API_URL: api.apiUrl }, streamInfoRefreshMs: { twitch: 300 } });

    const first = await until(() => readStreamInfo(h.redis, h.prefix, 'twitch', h.channel), 10_000, 'the Twitch stream info');
    expect(first).toMatchObject({ title: 'ゼルダ初見プレイ！ #1', category: 'The Legend of Zelda: Tears of the Kingdom' });
    const ttl = await h.redis.ttl(memoryKeys(h.prefix).streamInfo('twitch', h.channel));
    expect(ttl).toBeGreaterThan(STREAM_INFO_TTL_S - 60);

    api.setChannel('botan_ch', { title: '雑談\r\nまったり', gameName: 'Just Chatting' });
    const second = await until(async () => {
      const s = await readStreamInfo(h.redis, h.prefix, 'twitch', h.channel);
      return s?.category === 'Just Chatting' ? s : undefined;
    }, 5_000, 'the changed title');
    expect(second.title).toBe('雑談 まったり');

    const reqs = api.requests();
    // the broadcaster id is resolved once; then only /channels
    expect(reqs.filter((r) => r.path === '/users')).toHaveLength(1);
    expect(reqs.find((r) => r.path === '/users')?.query).toBe('?login=botan_ch');
    expect(reqs.filter((r) => r.path === '/channels').length).toBeGreaterThanOrEqual(2);
    expect(reqs.every((r) => r.status === 200 && r.clientId === api.clientId && r.authorization === 'Bearer abcdefghijklmnopqrstuvwxyz0123')).toBe(true);
    // (the token's hourly validation at id.twitch.tv, unreachable here, warns on its own: not about channel info)
    expect(warnings(h, /Twitch/).filter((l) => !/validate the Twitch token/.test(String(l.msg)))).toHaveLength(0);
  });

  it('Twitch: a 401 from Helix logs one warning, keeps the last value, and the bot keeps answering; a good token reads again', async () => {
    const api = await helix({ channels: { botan_ch: { title: 'Mario Kart 参加型', gameName: 'Mario Kart 8 Deluxe' } } });
    const h = await harness({ env: { TWITCH_CLIENT_ID: api.clientId, TWITCH_API_URL: api.apiUrl }, streamInfoRefreshMs: { twitch: 200 } });
    const first = await until(() => readStreamInfo(h.redis, h.prefix, 'twitch', h.channel), 10_000, 'the Twitch stream info');

    api.revokeTokens();
    api.setChannel('botan_ch', { title: 'not readable', gameName: 'Tetris' });
    await until(() => api.requests().filter((r) => r.status === 401).length >= 4 || undefined, 10_000, 'several refused refreshes');
    const refused = warnings(h, /could not read the Twitch channel title/);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ status: 401, component: 'twitch' });
    expect(String((refused[0]!.err as { message?: string }).message)).toContain('Invalid OAuth token');
    // the token never appears in the logs
    expect(h.logs.raw.join('\n')).not.toContain('abcdefghijklmnopqrstuvwxyz0123');
    expect(await readStreamInfo(h.redis, h.prefix, 'twitch', h.channel)).toEqual(first);

    // chat goes on
    const id = h.twitch.chat(h.channel, { user: 'viewer1', text: 'ボタンちゃん、今日は何するの？' });
    const [reply] = await h.twitch.waitForPrivmsgs(1, 20_000);
    expect(reply!.tags['reply-parent-msg-id']).toBe(id);

    api.acceptToken('abcdefghijklmnopqrstuvwxyz0123');
    const again = await until(async () => {
      const s = await readStreamInfo(h.redis, h.prefix, 'twitch', h.channel);
      return s?.category === 'Tetris' ? s : undefined;
    }, 5_000, 'the title after the token works again');
    expect(again.title).toBe('not readable');
    expect(warnings(h, /could not read the Twitch channel title/)).toHaveLength(1);
  });

  it('Twitch: several channels in one call each; a login Helix does not know is warned about once', async () => {
    const api = await helix({
      channels: { botan_ch: { title: 'お絵描き', gameName: 'Art' }, second_ch: { title: 'Speedrun any%', gameName: 'Super Mario 64' } },
    });
    const h = await harness({ env: { TWITCH_CHANNELS: 'botan_ch,Second_Ch,#ghost_ch', TWITCH_CLIENT_ID: api.clientId, TWITCH_API_URL: api.apiUrl }, streamInfoRefreshMs: { twitch: 200 } });
    const second = await until(() => readStreamInfo(h.redis, h.prefix, 'twitch', 'second_ch'), 10_000, 'the second channel');
    expect(second).toMatchObject({ title: 'Speedrun any%', category: 'Super Mario 64' });
    expect(await readStreamInfo(h.redis, h.prefix, 'twitch', 'botan_ch')).toMatchObject({ title: 'お絵描き', category: 'Art' });
    await until(() => api.requests().filter((r) => r.path === '/channels').length >= 3 || undefined, 5_000, 'refreshes');
    expect(await readStreamInfo(h.redis, h.prefix, 'twitch', 'ghost_ch')).toBeUndefined();
    expect(warnings(h, /no user with this channel login/)).toHaveLength(1);
    expect(warnings(h, /no user with this channel login/)[0]).toMatchObject({ channel: 'ghost_ch' });
    const channelCalls = api.requests().filter((r) => r.path === '/channels');
    expect(channelCalls[0]?.query).toMatch(/^\?broadcaster_id=\d+&broadcaster_id=\d+$/);
  });

  it('the fake Helix answers as Twitch documents: 401 bodies for a bad token or client id, data arrays otherwise', async () => {
    const api = await helix({ channels: { botan_ch: { title: 't', gameName: 'g' } } });
    const get = async (path: string, headers: Record<string, string>) => {
      const res = await fetch(`${api.apiUrl}${path}`, { headers });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const good = { authorization: 'Bearer abcdefghijklmnopqrstuvwxyz0123', 'client-id': api.clientId };
    expect(await get('/users?login=botan_ch', { ...good, authorization: 'Bearer nope' })).toEqual({
      status: 401,
      body: { error: 'Unauthorized', status: 401, message: 'Invalid OAuth token' },
    });
    expect((await get('/users?login=botan_ch', { authorization: good.authorization })).status).toBe(401);
    expect((await get('/channels', good)).status).toBe(400);
    const users = await get('/users?login=botan_ch&login=nobody_here', good);
    expect(users.status).toBe(200);
    const [user] = users.body.data as Array<{ id: string; login: string }>;
    expect(users.body.data).toHaveLength(1);
    const channels = await get(`/channels?broadcaster_id=${user!.id}`, good);
    expect(channels.body.data).toEqual([expect.objectContaining({ broadcaster_id: user!.id, broadcaster_login: 'botan_ch', title: 't', game_name: 'g' })]);
  });

  it('Twitch: an unreachable API logs one warning and nothing else stops', async () => {
    const api = await helix({});
    const url = api.apiUrl;
    await api.close();
    const h = await harness({ env: { TWITCH_CLIENT_ID: api.clientId, TWITCH_API_URL: url }, streamInfoRefreshMs: { twitch: 150 } });
    await h.logs.waitFor(/could not read the Twitch channel title/);
    const id = h.twitch.chat(h.channel, { user: 'viewer2', text: 'what game is this?' });
    const [reply] = await h.twitch.waitForPrivmsgs(1, 20_000);
    expect(reply!.tags['reply-parent-msg-id']).toBe(id);
    expect(warnings(h, /could not read the Twitch channel title/)).toHaveLength(1);
    expect(await readStreamInfo(h.redis, h.prefix, 'twitch', h.channel)).toBeUndefined();
  });
});
