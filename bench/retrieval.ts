/**
 * Retrieval lookup benchmark (issue 14, item 4): `npx tsx bench/retrieval.ts`.
 *
 * 1. Floor calibration: labelled pairs (bench/retrieval-pairs.ts) embedded through
 *    `/api/embed`; precision and recall of "score ≥ floor" for each floor. Against the fake
 *    Ollama by default; `--host=http://127.0.0.1:11434 --model=bge-m3` measures a real model.
 * 2. Lookup time with 100, 500, 1,000 and 10,000 entries in the channel's vector hash (plus 50 of
 *    the viewer's own): the Redis read and the in-process scan without the embedding, and the
 *    whole `search()` with the embedding (fake model: the HTTP round trip, not a model's
 *    compute time); how long Redis is busy for other clients meanwhile; Redis memory per
 *    entry. Entries are written in the stored format without embedding each one.
 *
 * Writes its section into BENCHMARKS.md (`--no-write` to only print).
 * Options: --dims=768 (vector size of the fake model)  --runs=30  --sizes=100,500,1000,10000
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { Redis } from 'ioredis';
import { Ollama } from 'ollama';
import { pino } from 'pino';
import { memoryKeys } from '../src/memory/keys.js';
import { createRetrieval, exchangeText, rankEntries, readScopes } from '../src/memory/retrieval.js';
import type { Exchange } from '../src/memory/types.js';
import { cosine, encodeEntry, normalize } from '../src/memory/vectors.js';
import { deleteKeys } from '../src/redis.js';
import { FAKE_DEFAULT_MODELS, startFakeOllama } from '../test/fakes/ollama.js';
import { fakeEmbedding } from '../test/fakes/ollama-embed.js';
import { summarize } from './metrics.js';
import { machine, replaceSection } from './report.js';
import { PAIRS } from './retrieval-pairs.js';

const args = process.argv.slice(2);
const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=').slice(1).join('=');
const write = !args.includes('--no-write');
const dims = Number(opt('dims') ?? 768);
const runs = Number(opt('runs') ?? 30);
const sizes = (opt('sizes') ?? '100,500,1000,10000').split(',').map(Number);
const realHost = opt('host');
const realModel = opt('model') ?? 'nomic-embed-text';
const command = `npx tsx bench/retrieval.ts${args.length ? ` ${args.join(' ')}` : ''}`;
const out = (s: string) => process.stdout.write(s + '\n');
const FILE = 'BENCHMARKS.md';
const MARK = ['<!-- bench:retrieval:start -->', '<!-- bench:retrieval:end -->'] as const;
const FAKE_MODEL = 'nomic-embed-text';
const loadStart = os.loadavg()[0]!;

const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');

async function calibrate(host: string, model: string): Promise<{ table: string; best: number }> {
  const ollama = new Ollama({ host });
  const texts = PAIRS.flatMap((p) => [exchangeText(p.stored), p.query]);
  const { embeddings } = await ollama.embed({ model, input: texts });
  const scores = PAIRS.map((p, i) => ({ ...p, score: cosine(embeddings[2 * i]!, embeddings[2 * i + 1]!) }));
  const rows: string[] = [];
  let best = { f1: -1, floor: 0 };
  for (let f = 0.05; f <= 0.9001; f += 0.05) {
    const floor = Math.round(f * 100) / 100;
    const stat = (lang?: 'en' | 'ja') => {
      const s = scores.filter((x) => !lang || x.lang === lang);
      const tp = s.filter((x) => x.related && x.score >= floor).length;
      const fp = s.filter((x) => !x.related && x.score >= floor).length;
      const fn = s.filter((x) => x.related && x.score < floor).length;
      const precision = tp + fp ? tp / (tp + fp) : 1;
      const recall = tp + fn ? tp / (tp + fn) : 1;
      return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
    };
    const all = stat();
    if (all.f1 > best.f1 + 1e-9) best = { f1: all.f1, floor };
    const en = stat('en');
    const ja = stat('ja');
    rows.push(`| ${floor.toFixed(2)} | ${fmt(all.precision)} | ${fmt(all.recall)} | ${fmt(all.f1)} | ${fmt(en.recall)} / ${fmt(ja.recall)} | ${fmt(en.precision)} / ${fmt(ja.precision)} |`);
  }
  const rel = scores.filter((x) => x.related).map((x) => x.score);
  const unrel = scores.filter((x) => !x.related).map((x) => x.score);
  const r = summarize(rel);
  const u = summarize(unrel);
  const table = [
    `${PAIRS.length} labelled pairs (${rel.length} related, ${unrel.length} unrelated; English and Japanese), model \`${model}\`${realHost ? ` at ${realHost}` : ' (fake Ollama: hashed bag of words + CJK bigrams)'}.`,
    `Cosine of related pairs: min ${fmt(Math.min(...rel))}, median ${fmt(r.p50)}, max ${fmt(r.max)}; unrelated: min ${fmt(Math.min(...unrel))}, median ${fmt(u.p50)}, max ${fmt(u.max)}.`,
    '',
    '| floor | precision | recall | F1 | recall en / ja | precision en / ja |',
    '|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `Best F1: floor ${best.floor.toFixed(2)} (F1 ${fmt(best.f1)}).`,
  ].join('\n');
  return { table, best: best.floor };
}

const TOPICS = [
  'my cat is called', 'I am playing', 'which GPU for', 'I moved to', 'my favourite anime is', 'I am learning', 'my exam in',
  'the boss in', 'my dog likes', 'recommend a book about', '今日の夕飯は', '猫の名前は', 'ギターで弾ける', '大阪の', 'おすすめのゲームは',
];
const WORDS = ['tama', 'elden', 'ring', 'osaka', 'guitar', 'chords', 'rtx', 'stream', 'coffee', 'running', 'keyboard', 'ミケ', 'たこ焼き', 'ホロウナイト', '小説', 'マイク', 'ramen', 'piano', 'boss', 'level'];

function synthetic(i: number, userId: string, channel: string, at: number): Exchange {
  const t = TOPICS[i % TOPICS.length]!;
  const w = (k: number) => WORDS[(i * 7 + k * 13) % WORDS.length]!;
  const comment = `${t} ${w(1)} ${w(2)} #${i}`;
  return { id: `bench-${i}-${randomBytes(3).toString('hex')}`, platform: 'twitch', channel, userId, login: `v${userId}`, name: `V${userId}`, comment, answer: `Nice, ${w(3)} and ${w(4)} sound fun!`, route: 'fast', at };
}

async function fill(redis: Redis, prefix: string, n: number, viewerN: number, userId: string, channel: string): Promise<void> {
  const keys = memoryKeys(prefix);
  const now = Date.now();
  let pipe = redis.pipeline();
  for (let i = 0; i < n; i++) {
    const uid = `u${i % Math.max(1, Math.floor(n / 5))}`;
    const e = synthetic(i, uid, channel, now - (n - i) * 1000);
    const entry = encodeEntry({ at: e.at, model: FAKE_MODEL, vector: normalize(fakeEmbedding(exchangeText(e), dims)), exchange: e });
    pipe.hset(keys.channelVectors('twitch', channel), `${uid}:${e.id}`, entry);
    if (pipe.length >= 500) {
      await pipe.exec();
      pipe = redis.pipeline();
    }
  }
  for (let i = 0; i < viewerN; i++) {
    const e = synthetic(n + i, userId, channel, now - (viewerN - i) * 1000);
    pipe.hset(keys.viewerVectors('twitch', userId), e.id, encodeEntry({ at: e.at, model: FAKE_MODEL, vector: normalize(fakeEmbedding(exchangeText(e), dims)), exchange: e }));
  }
  await pipe.exec();
}

/** Redis's own time (µs) and calls of HGETALL so far, from INFO commandstats (other clients' HGETALLs count too: few and small). */
async function hgetallStats(redis: Redis): Promise<{ usec: number; calls: number }> {
  const info = await redis.info('commandstats');
  const m = /cmdstat_hgetall:calls=(\d+),usec=(\d+)/.exec(info);
  return { calls: Number(m?.[1] ?? 0), usec: Number(m?.[2] ?? 0) };
}

interface SizeResult {
  n: number;
  bytesPerEntry: number;
  redisMs: ReturnType<typeof summarize>;
  scanMs: ReturnType<typeof summarize>;
  excludedMs: ReturnType<typeof summarize>;
  includedMs: ReturnType<typeof summarize>;
  redisCpuMs: ReturnType<typeof summarize>;
  mbPerSearch: number;
}

async function main(): Promise<void> {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  const probeRedis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  const fake = await startFakeOllama({ models: { ...FAKE_DEFAULT_MODELS, [FAKE_MODEL]: { capabilities: ['embedding'], embeddingLength: dims } } });
  const prefix = `bench-retr-${randomBytes(4).toString('hex')}`;
  const logger = pino({ level: 'warn' });
  try {
    out(`# retrieval benchmark (${machine()})`);
    const cal = await calibrate(realHost ?? fake.host, realHost ? realModel : FAKE_MODEL);
    out('\n## floor calibration\n' + cal.table);

    const results: SizeResult[] = [];
    const userId = 'viewer-1';
    const channel = 'bench_ch';
    const keys = memoryKeys(prefix);
    const query = 'my cat is called tama, remember?';
    const qv = normalize(fakeEmbedding(query, dims));
    for (const n of sizes) {
      await deleteKeys(redis, `${prefix}:*`);
      await fill(redis, prefix, n, 50, userId, channel);
      const usage = Number(await redis.call('MEMORY', 'USAGE', keys.channelVectors('twitch', channel), 'SAMPLES', '0'));
      const rankOpts = { model: FAKE_MODEL, topK: 3, minSimilarity: 0.3, oldest: 0 };
      const q = { platform: 'twitch' as const, channel, userId, text: query };
      const r = createRetrieval({ redis, prefix, logger, ollamaHost: fake.host, model: FAKE_MODEL, topK: 3, minSimilarity: 0.3, timeoutMs: 120_000, maxPerScope: { channel: 100_000 } });
      const redisMs: number[] = [];
      const scanMs: number[] = [];
      const excludedMs: number[] = [];
      const includedMs: number[] = [];
      const redisCpuMs: number[] = [];
      let bytes = 0;
      const n_runs = n >= 10_000 ? Math.max(5, Math.floor(runs / 3)) : runs;
      // Warm-up (JIT, connections).
      await r.search(q);
      for (let i = 0; i < n_runs; i++) {
        const before = await hgetallStats(probeRedis);
        const t0 = performance.now();
        const scopes = await readScopes(redis, keys, q);
        const t1 = performance.now();
        const ranked = rankEntries(scopes.viewer, scopes.channel, qv, q, rankOpts);
        const t2 = performance.now();
        const after = await hgetallStats(probeRedis);
        if (ranked.length === 0) throw new Error('benchmark query found nothing: the data is not what the bench expects');
        redisMs.push(t1 - t0);
        scanMs.push(t2 - t1);
        excludedMs.push(t2 - t0);
        redisCpuMs.push((after.usec - before.usec) / 1000);
        bytes = [...Object.values(scopes.viewer), ...Object.values(scopes.channel)].reduce((s, v) => s + Buffer.byteLength(v), 0);
        const t3 = performance.now();
        const hits = await r.search(q);
        includedMs.push(performance.now() - t3);
        if (hits.length === 0) throw new Error('search() found nothing');
      }
      await r.close();
      results.push({ n, bytesPerEntry: usage / n, redisMs: summarize(redisMs), scanMs: summarize(scanMs), excludedMs: summarize(excludedMs), includedMs: summarize(includedMs), redisCpuMs: summarize(redisCpuMs), mbPerSearch: bytes / 2 ** 20 });
      out(`n=${n}: excluded p50 ${fmt(summarize(excludedMs).p50)} ms, included p50 ${fmt(summarize(includedMs).p50)} ms, ${fmt(usage / n, 0)} B/entry`);
    }

    // Embedding + write of one exchange (index), against the fake.
    await deleteKeys(redis, `${prefix}:*`);
    const r = createRetrieval({ redis, prefix, logger, ollamaHost: fake.host, model: FAKE_MODEL, topK: 3, minSimilarity: 0.3 });
    const indexMs: number[] = [];
    for (let i = 0; i < 100; i++) {
      const e = synthetic(i, `u${i % 10}`, channel, Date.now());
      const t = performance.now();
      await r.index(e);
      indexMs.push(performance.now() - t);
    }
    await r.close();
    const embedOnly: number[] = [];
    const ollama = new Ollama({ host: fake.host });
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      await ollama.embed({ model: FAKE_MODEL, input: query });
      embedOnly.push(performance.now() - t);
    }

    const section = report(cal, results, summarize(indexMs), summarize(embedOnly));
    out('\n' + section);
    if (write) {
      writeFileSync(FILE, replaceSection(readFileSync(FILE, 'utf8'), MARK[0], MARK[1], section));
      out(`\nwritten to ${FILE}`);
    }
  } finally {
    await deleteKeys(redis, `${prefix}:*`);
    redis.disconnect();
    probeRedis.disconnect();
    await fake.close();
  }
}

function report(cal: { table: string; best: number }, rs: SizeResult[], index: ReturnType<typeof summarize>, embed: ReturnType<typeof summarize>): string {
  const ms = (s: ReturnType<typeof summarize>) => `${fmt(s.p50)} / ${fmt(s.p95)}`;
  return [
    '## Retrieval lookup (`npx tsx bench/retrieval.ts`)',
    '',
    `Produced by \`${command}\` on ${new Date().toISOString().slice(0, 10)} (${machine()}), Redis at 127.0.0.1; other work shared the 2 cores (load average ${loadStart.toFixed(1)} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end), so p95 is mostly that noise.`,
    `Vectors: ${dims} dimensions (nomic-embed-text's size; bge-m3 has 1024), stored as Float32 base64 with the exchange JSON (src/memory/vectors.ts).`,
    `Each size: N entries in the channel's vector hash from N/5 viewers plus 50 in the viewer's own hash; top k = 3, floor 0.3; ${runs} searches (a third of that at 10,000), p50 / p95 in ms.`,
    '',
    '| channel entries | Redis read (2× HGETALL) | scan + top k | lookup without embedding | `search()` with embedding (fake) | data read per search | time inside Redis per search (blocks every client) | Redis memory per entry |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rs.map(
      (r) =>
        `| ${r.n.toLocaleString('en-US')} | ${ms(r.redisMs)} | ${ms(r.scanMs)} | ${ms(r.excludedMs)} | ${ms(r.includedMs)} | ${fmt(r.mbPerSearch, 1)} MB | ${ms(r.redisCpuMs)} | ${fmt(r.bytesPerEntry, 0)} B |`,
    ),
    '',
    `Embedding alone against the fake (HTTP round trip through ollama-js, no model compute): p50 ${fmt(embed.p50)} ms, p95 ${fmt(embed.p95)} ms. A real embedding model adds its own compute on top of this; \`search()\` gives up after \`timeoutMs\` (300 ms) whatever the cause.`,
    `\`index()\` of one exchange (embedding + HSET into both hashes + caps): p50 ${fmt(index.p50)} ms, p95 ${fmt(index.p95)} ms. Each exchange is stored twice (viewer hash and channel hash), so it costs twice the memory per entry above.`,
    '',
    '### Floor calibration (MEMORY_MIN_SIMILARITY)',
    '',
    cal.table,
  ].join('\n');
}

await main();
