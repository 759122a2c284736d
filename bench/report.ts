/**
 * Markdown for the benchmark's results, and writing it into BENCHMARKS.md between its own
 * markers (other sections of the file, such as the router evaluation, are left as they are).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { ScenarioResult } from './analyze.js';
import type { IntakeResult } from './intake.js';
import { median } from './metrics.js';
import type { NaiveResult } from './naive.js';
import type { Profile } from './profiles.js';
import type { SingleResult } from './scenario.js';
import type { SoakResult } from './soak.js';
import type { Trace } from './traces.js';

export const MARKERS = {
  bench: ['<!-- bench:start -->', '<!-- bench:end -->'],
  soak: ['<!-- bench:soak:start -->', '<!-- bench:soak:end -->'],
  memory: ['<!-- bench:memory:start -->', '<!-- bench:memory:end -->'],
} as const;

/** Replace the text between `start` and `end` markers in `doc` (appending both when missing). */
export function replaceSection(doc: string, start: string, end: string, body: string): string {
  const block = `${start}\n${body.trim()}\n${end}`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i >= 0 && j > i) return doc.slice(0, i) + block + doc.slice(j + end.length);
  return `${doc.replace(/\s*$/, '')}\n\n${block}\n`;
}

export function writeSection(path: string, which: keyof typeof MARKERS, body: string): void {
  const doc = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const [start, end] = MARKERS[which];
  writeFileSync(path, replaceSection(doc, start, end, body));
}

export function machine(): string {
  const c = cpus();
  return `${c.length} CPUs (${c[0]?.model.trim() ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}`;
}

const ms = (x: number) => (Number.isFinite(x) ? `${Math.round(x)}` : '–');
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(x >= 0.9995 || x === 0 ? 0 : 1)}%` : '–');
const num = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');

export function profilesTable(profiles: Profile[]): string {
  const rows = profiles.map(
    (p) =>
      `| ${p.name} | ${p.fast.model}: ${p.fast.tokensPerSec} tok/s, first token ${p.fast.ttftMs} ms + prompt at ${p.fast.promptTokensPerSec} tok/s, ${p.fast.parallel} slot(s) | ${p.slow.model}: ${p.slow.tokensPerSec} tok/s, first token ${p.slow.ttftMs} ms + prompt at ${p.slow.promptTokensPerSec} tok/s, ${p.slow.parallel} slot(s) |`,
  );
  const L = profiles[0]!.lengths;
  return [
    '| profile | fast model (FAST_CONCURRENCY = slots) | slow model (SLOW_CONCURRENCY = slots) |',
    '|---|---|---|',
    ...rows,
    '',
    `Lengths (all profiles): fast answers ${L.fastAnswer.min}–${L.fastAnswer.max} tokens, ${pct(L.rambleShare)} of them rambling to ${L.ramble.min}–${L.ramble.max} tokens (what stop-early cuts); gpt-oss reasoning ${L.slowThinking.min}–${L.slowThinking.max} tokens then an answer of ${L.slowAnswer.min}–${L.slowAnswer.max}. The fake counts one token per CJK character, ~4 characters otherwise, and evaluates only the prompt tokens past the longest prefix cached in a slot.`,
  ].join('\n');
}

export function tracesTable(traces: Trace[]): string {
  const kinds = ['greeting', 'emote', 'chatter', 'question', 'mention', 'complex', 'command', 'spam', 'cheer'] as const;
  const rows = traces.map((t) => {
    const n = t.messages.length;
    const share = (k: string) => pct(t.messages.filter((m) => m.kind === k).length / n);
    const ja = t.messages.filter((m) => m.lang === 'ja').length / n;
    return `| ${t.name} | ${(t.durationMs / 1000).toFixed(0)} s | ${n} | ${(n / (t.durationMs / 1000)).toFixed(1)} | ${kinds.map(share).join(' | ')} | ${pct(ja)} |`;
  });
  return [`| trace | length | messages | msg/s | ${kinds.join(' | ')} | Japanese |`, `|---|---:|---:|---:|${kinds.map(() => '---:').join('|')}|---:|`, ...rows].join('\n');
}

export function resultsTable(results: ScenarioResult[]): string {
  const head =
    '| profile | trace | comments | fast answers posted | posted ≤ 5 s | late posted | dropped late / stale / shed / still queued at the end | slow answers ≤ 60 s | overhead p50 / p95 / p99 ms | e2e − model p50 / p99 ms | capacity use fast / slow | most posts in 30 s (limit) | violations | CPU ms / comment |';
  const rows = results.map((r) => {
    const stale = r.skipped.stale ?? 0;
    return `| ${r.profile} | ${r.trace}${r.mod ? ' (mod)' : ''} | ${r.sent} | ${r.fastPosted} | ${pct(r.fastOnTime)} | ${r.fastLatePosted} | ${r.fastLateDropped} / ${stale} / ${r.shed} / ${r.pendingAtStop} | ${r.slowKnown ? `${pct(r.slowOnTime)} of ${r.slowKnown}` : 'n/a'} | ${ms(r.overhead.p50)} / ${ms(r.overhead.p95)} / ${ms(r.overhead.p99)} | ${ms(r.e2eMinusModel.p50)} / ${ms(r.e2eMinusModel.p99)} | ${num(r.capacityFast)} / ${num(r.capacitySlow)} | ${r.maxPer30s} (${r.limit}) | ${r.violations} | ${num(r.cpuMsPerComment, 1)} |`;
  });
  return [head, `|---|---|${'---:|'.repeat(12)}`, ...rows].join('\n');
}

export function tokensTable(results: ScenarioResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.profile} | ${r.trace}${r.mod ? ' (mod)' : ''} | ${r.stoppedEarly} | ${r.tokensSavedFast} of ${r.tokensPlannedFast} (${pct(r.tokensPlannedFast ? r.tokensSavedFast / r.tokensPlannedFast : Number.NaN)}) | ${pct(r.promptCachedShare)} | ${r.duplicates} | ${r.skipped.superseded ?? 0} | ${r.escalated} | ${r.acksPosted} / ${r.acksDropped} | ${ms(r.overheadPre.p50)} / ${ms(r.overheadPost.p50)} | ${ms(r.overheadPre.p99)} / ${ms(r.overheadPost.p99)} | ${num(r.backloggedFastS, 0)} / ${num(r.backloggedSlowS, 0)} | ${num(r.durationS, 0)} s${r.drained ? '' : ' (cut)'} | ${num(r.loadAverage, 1)} |`,
  );
  return [
    '| profile | trace | answers stopped early | fast tokens saved (of planned) | prompt tokens from cache | copy-paste dedup | superseded (latest wins) | escalated | acks posted / dropped | overhead p50 ms: comment → model / model → chat | overhead p99 ms: comment → model / model → chat | backlogged s fast / slow | run | load avg |',
    `|---|---|${'---:|'.repeat(12)}`,
    ...rows,
  ].join('\n');
}

export function naiveTable(naive: NaiveResult[], ours: ScenarioResult[]): string {
  const rows = naive.flatMap((n) => {
    const o = ours.find((r) => r.profile === n.profile && r.trace === n.trace && !r.mod);
    const mine = o
      ? [
          `| ${n.profile} | this bot | ${o.repliesSent} | ${o.repliesSeen} | ${pct(o.fastOnTime)} | ${o.fastLatePosted} | ${o.maxPer30s} | ${o.violations} | 0 | ${ms(o.e2e.p50)} / ${ms(o.e2e.p99)} |`,
        ]
      : [];
    return [
      ...mine,
      `| ${n.profile} | naive (no queue) | ${n.posted} | ${n.seen} | ${pct(n.onTime)} | ${n.latePosted} | ${n.maxPer30s} | ${n.violations} | ${n.backlog} | ${ms(n.e2e.p50)} / ${ms(n.e2e.p99)} |`,
    ];
  });
  return [
    '| profile | bot | replies sent | seen by viewers | answers ≤ 5 s | late (> 5 s) | most posts in 30 s | refused by Twitch (rate limit) | model calls still queued at the end | e2e p50 / p99 ms |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

export function singlesText(s: SingleResult, profile: string): string {
  const o = s.samples.map((x) => x.overhead);
  const before = s.samples.map((x) => x.before);
  const after = s.samples.map((x) => x.after);
  return [
    `${s.samples.length} simple comments sent one at a time (${profile} timings; each the only work in flight): time from the fake Twitch sending the comment to it receiving the reply, minus the fake model's service time for that reply (request arrival to end of stream).`,
    '',
    `| | median ms | worst ms |`,
    `|---|---:|---:|`,
    `| overhead (e2e − model) | ${ms(median(o))} | ${ms(Math.max(...o))} |`,
    `| of which: comment → model request | ${ms(median(before))} | ${ms(Math.max(...before))} |`,
    `| of which: end of model stream → reply on the socket | ${ms(median(after))} | ${ms(Math.max(...after))} |`,
    `| model service time | ${ms(median(s.samples.map((x) => x.model)))} | ${ms(Math.max(...s.samples.map((x) => x.model)))} |`,
    '',
    `Load average during this part: ${num(s.loadAverage, 1)}.`,
  ].join('\n');
}

export function intakeTable(results: IntakeResult[]): string {
  const rows = results.flatMap((r) =>
    r.steps.map((s) => `| ${r.mode === 'gateway' ? 'gateway alone (workers/gateway.ts)' : 'npm start (workers/main.ts)'} | ${s.rate} | ${s.taken} / ${s.sent} | ${Number.isNaN(s.lagMs) || s.taken < s.sent ? 'lost' : ms(s.lagMs)} | ${num(s.cpuMsPerComment, 3)} | ${s.steady ? 'yes' : 'no'} |`),
  );
  const best = results.map((r) => `${r.mode === 'gateway' ? 'gateway alone' : 'npm start'}: **${r.maxSteadyRate} msg/s** (load average ${num(r.loadAverage, 1)})`).join('; ');
  return [
    '| process | rate msg/s | taken in | done after last send, ms | CPU ms / comment | kept up, none lost |',
    '|---|---:|---:|---:|---:|---|',
    ...rows,
    '',
    `Highest steady rate with no loss on this machine: ${best}.`,
  ].join('\n');
}

export function soakText(s: SoakResult): string {
  const after = s.samples.filter((x) => x.atS >= s.warmupS);
  const first = after[0] ?? s.samples[0]!;
  const last = s.samples[s.samples.length - 1]!;
  const mb = (b: number) => (b / 1048576).toFixed(2);
  const rows = s.samples.map((x) => `| ${x.atS} | ${mb(x.rssBytes)} | ${mb(x.prefixBytes)} | ${x.prefixKeys} | ${mb(x.memoryBytes ?? 0)} | ${x.viewersKept ?? 0} / ${x.viewersSeen ?? 0} | ${mb(x.usedMemory)} |`);
  const kept = last.viewersKept ?? 0;
  const perViewer = kept ? (last.memoryBytes ?? 0) / kept : Number.NaN;
  const capAt = s.maxViewers ? s.samples.find((x) => (x.viewersSeen ?? 0) >= s.maxViewers!) : undefined;
  const memAfterCap = capAt ? ((last.memoryBytes ?? 0) - (capAt.memoryBytes ?? 0)) / 1048576 : Number.NaN;
  const growth = (last.rssBytes - first.rssBytes) / 1048576;
  // RSS at one instant swings by tens of MB as V8 returns memory and takes it again: compare
  // the highest RSS of the first third after warm-up with the highest of the last third
  const span = last.atS - s.warmupS;
  const inWindow = (from: number, to: number) => s.rss.filter((x) => x.atS >= from && x.atS <= to).map((x) => x.rssBytes);
  const early = inWindow(s.warmupS, s.warmupS + span / 3);
  const late = inWindow(last.atS - span / 3, last.atS);
  const earlyPeak = early.length ? Math.max(...early) : first.rssBytes;
  const latePeak = late.length ? Math.max(...late) : last.rssBytes;
  const peakGrowth = (latePeak - earlyPeak) / 1048576;
  const afterWarmup = inWindow(s.warmupS, last.atS);
  const swing = afterWarmup.length ? (Math.max(...afterWarmup) - Math.min(...afterWarmup)) / 1048576 : 0;
  const redisGrowth = (last.prefixBytes - first.prefixBytes) / 1048576;
  const kinds = s.largest.map(([k, b]) => `\`${k}\` ${mb(b)} MB`).join(', ');
  return [
    `${s.minutes} minutes at ${s.rate} msg/s (${s.sent} comments, ${s.posted} replies seen, ${s.violations} rate-limit violations), ${s.profile} timings. Warm-up: the first ${s.warmupS} s.`,
    '',
    '| t (s) | bot RSS MB | Redis, this run\'s keys MB | keys | of which memory (`mem:*`) MB | viewers kept / seen | Redis used_memory (whole instance) MB |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    ...(s.viewers
      ? [
          `Viewers: ${s.viewers} distinct viewers in turn${s.maxViewers ? `, MEMORY_MAX_VIEWERS=${s.maxViewers}` : ''}. Memory per viewer kept at the end: ${Number.isFinite(perViewer) ? `${(perViewer / 1024).toFixed(2)} KB` : 'n/a'} (all \`mem:*\` keys, channel lists included, over the viewers kept).${capAt ? ` From the sample where the cap was reached (t=${capAt.atS} s) to the end, memory keys moved ${memAfterCap >= 0 ? '+' : ''}${memAfterCap.toFixed(2)} MB: flat once the cap is reached.` : ''}`,
          '',
        ]
      : []),
    `After warm-up (t=${first.atS} s → t=${last.atS} s), the bot's RSS read every 5 s: highest in the first third ${mb(earlyPeak)} MB, highest in the last third ${mb(latePeak)} MB: ${peakGrowth >= 0 ? '+' : ''}${peakGrowth.toFixed(2)} MB (a single reading swings by up to ${swing.toFixed(0)} MB as the garbage collector returns memory to the system and takes it again; first to last reading: ${growth >= 0 ? '+' : ''}${growth.toFixed(2)} MB). Redis (this run's keys): ${redisGrowth >= 0 ? '+' : ''}${redisGrowth.toFixed(2)} MB. Target: under 5 MB growth each: ${peakGrowth < 5 && redisGrowth < 5 ? '**met**' : '**missed**'}. Whole-instance used_memory also moves with other work on the shared Redis; the run's own keys are the exact measure. Load average ${num(s.loadAverage, 1)}.`,
    '',
    `Largest Redis keys of the run at the end, by kind: ${kinds}. Each is capped: the bot's event stream (EVENTS_MAXLEN, 10,000 entries: full after ~7 min at 10 msg/s), each BullMQ queue's event stream (BULLMQ_EVENTS_MAXLEN, ~1,000), completed jobs (500 per queue, 1 h), per-comment keys by their TTL; so Redis levels off once the slowest cap is full.`,
  ].join('\n');
}
