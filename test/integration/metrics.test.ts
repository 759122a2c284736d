/**
 * /metrics: Prometheus text format (parsed with a real text-format parser), served on the
 * panel's port by the process that runs the gateway (as npm start does) and on METRICS_PORT
 * by a worker running alone; its counters move with traffic.
 */
import parsePrometheusTextFormat, { type Family, type Sample } from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { until } from '../helpers/redis.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

let lastText = '';
/** GET /metrics, parsed (the parser throws on a line that is not valid text format). */
async function scrape(base: string): Promise<Family[]> {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  lastText = await res.text();
  return parsePrometheusTextFormat(lastText);
}

/**
 * `<name>_count` / `_sum` of a labelled histogram series from the last scrape: the parser keeps
 * the labels of histograms only when they have none, so these two lines are read directly.
 */
function histogram(name: string, labels: Record<string, string>): { count: number; sum: number } {
  const pick = (suffix: string) => {
    const line = lastText.split('\n').find((l) => l.startsWith(`${name}_${suffix}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  };
  return { count: pick('count'), sum: pick('sum') };
}

function samples(families: Family[], name: string, labels: Record<string, string> = {}): Sample[] {
  const f = families.find((x) => x.name === name);
  return (f?.metrics ?? []).filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
}

/** Sum of a counter's (or gauge's) values, or of a histogram's counts, over the samples matching `labels`. */
function total(families: Family[], name: string, labels: Record<string, string> = {}): number {
  return samples(families, name, labels).reduce((n, m) => n + Number(m.value ?? m.count ?? 0), 0);
}

describe('/metrics', { timeout: 60_000 }, () => {
  it('npm start serves it on the panel port; comments, decisions, answers, latency, posts and tokens move with traffic', async () => {
    h = await startHarness({ ollama: { reply: () => ({ content: 'あかいろ！' }) } });
    const base = h.app.httpUrl()!;
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const before = await scrape(base);
    for (const name of ['bot_comments_received_total', 'bot_decisions_total', 'bot_answers_total', 'bot_queue_jobs', 'bot_latency_seconds', 'bot_model_tokens_total', 'bot_posts_total', 'bot_rate_limit_waits_total', 'bot_redis_errors_total', 'bot_ollama_errors_total']) {
      expect(before.map((f) => f.name), name).toContain(name);
    }
    expect(samples(before, 'bot_queue_jobs', { queue: 'comments', state: 'waiting' })).toHaveLength(1);

    const q = h.twitch.chat(h.channel, { user: 'metrics_viewer', text: '好きな色は何？' });
    h.twitch.chat(h.channel, { user: 'metrics_viewer2', text: 'いい配信だね' });
    await until(() => h!.twitch.privmsgs().some((m) => m.tags['reply-parent-msg-id'] === q), 15_000, 'the answer');
    await h.logs.waitFor('comment skipped', (l) => l.reason === 'not_trigger', 10_000);
    const after = await until(async () => {
      const f = await scrape(base);
      return total(f, 'bot_answers_total', { route: 'fast' }) >= 1 ? f : undefined;
    }, 5_000, 'the answer counted');

    expect(total(after, 'bot_comments_received_total', { platform: 'twitch' }) - total(before, 'bot_comments_received_total', { platform: 'twitch' })).toBe(2);
    expect(total(after, 'bot_decisions_total', { type: 'skip', reason: 'not_trigger' })).toBe(1);
    expect(total(after, 'bot_decisions_total', { type: 'reply' })).toBe(1);
    expect(total(after, 'bot_answers_total', { route: 'fast', kind: 'answer', platform: 'twitch' })).toBe(1);
    expect(total(after, 'bot_posts_total', { platform: 'twitch', channel: h.channel })).toBe(1);
    expect(total(after, 'bot_model_requests_total', { route: 'fast' })).toBeGreaterThanOrEqual(1);
    expect(total(after, 'bot_model_tokens_total', { route: 'fast', kind: 'eval' })).toBeGreaterThan(0);
    expect(after.find((f) => f.name === 'bot_latency_seconds')?.type).toBe('HISTOGRAM');
    for (const stage of ['queue_wait', 'first_token', 'model', 'post', 'total']) {
      expect(histogram('bot_latency_seconds', { stage, route: 'fast' }).count, stage).toBe(1);
    }
    expect(histogram('bot_latency_seconds', { stage: 'total', route: 'fast' }).sum).toBeGreaterThan(0);
    // every sample says which process it came from
    expect(samples(after, 'bot_answers_total')[0]!.labels?.role).toBe('fast,gateway,slow');
  });

  it('a worker running alone serves it on METRICS_PORT', async () => {
    h = await startHarness({ roles: ['fast'], env: { METRICS_PORT: '0', TWITCH_CHANNELS: '', TWITCH_USERNAME: '', TWITCH_OAUTH_TOKEN: '' } });
    const base = h.app.httpUrl()!;
    const families = await scrape(base);
    expect(samples(families, 'bot_queue_jobs', { queue: 'comments', state: 'waiting', role: 'fast' })).toHaveLength(1);
    expect(samples(families, 'bot_process_resident_memory_bytes').length).toBe(1);
    // no panel on a worker
    expect((await fetch(`${base}/api/session`)).status).toBe(404);
  });
});
