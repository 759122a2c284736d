/**
 * npm run eval:router [-- --ollama http://host:11434 [--model qwen2.5:14b] [--band 0.35-0.6] [--no-write] [--write-baseline]]
 *
 * Runs the routing rules (trigger + complexity score) over test/fixtures/routing/*.jsonl,
 * prints accuracy, slow precision/recall, the confusion matrix, the share routed slow and
 * the time per decision, and writes them into BENCHMARKS.md between its own markers.
 * With --ollama and a reachable host, also compares the two triage methods on the
 * uncertain band: (a) the fast model answers or starts with the [[SLOW]] marker, (b) a
 * separate classification call with structured output.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Ollama } from 'ollama';
import { loadCharacter } from '../src/character.js';
import { scoreComplexity } from '../src/routing/classify.js';
import {
  DEFAULT_EVAL_CONTROLS,
  evaluateRules,
  evaluateWithTriage,
  isHeldOut,
  LABELS,
  loadRoutingSet,
  noiseFigures,
  replaceMarkedSection,
  timePerDecisionUs,
  type EvalReport,
  type Labelled,
  type RouterOptions,
  type TriageDecider,
  type TriageReport,
} from '../src/routing/evaluate.js';

const SET_DIR = 'test/fixtures/routing';
/** Chat noise in the style of real chat, written for this project (its own split). */
const NOISE_DIR = 'test/fixtures/routing/noise';
/** Real public chat with its source and licence (its own split; see the routing README). */
const REAL_DIR = 'test/fixtures/routing/real';
export const TRIAGE_MARKER = '[[SLOW]]';

const { values: args } = parseArgs({
  options: {
    ollama: { type: 'string' },
    model: { type: 'string', default: process.env.FAST_MODEL ?? 'qwen2.5:14b' },
    band: { type: 'string', default: process.env.TRIAGE_BAND ?? '0.35-0.6' },
    'no-write': { type: 'boolean', default: false },
    'write-baseline': { type: 'boolean', default: false },
  },
});
const band = args.band.split('-').map(Number) as [number, number];
if (band.length !== 2 || band.some((n) => !Number.isFinite(n) || n < 0 || n > 1) || band[0] > band[1]) {
  console.error(`--band must look like 0.35-0.6 (low-high, 0..1); got ${args.band}`);
  process.exit(2);
}

const characterFile = process.env.CHARACTER ?? 'characters/botan.yaml';
const character = loadCharacter(characterFile);
const opts: RouterOptions = { names: [character.name, ...character.aliases], ...DEFAULT_EVAL_CONTROLS };
const items = loadRoutingSet(SET_DIR);
const dev = items.filter((i) => !isHeldOut(i.source));
const held = items.filter((i) => isHeldOut(i.source));

const f2 = (x: number): string => x.toFixed(3);
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const row = (name: string, r: EvalReport): string =>
  `| ${name} | ${r.n} | ${f2(r.accuracy)} | ${f2(r.slowPrecision)} | ${f2(r.slowRecall)} | ${pct(r.slowShare)} |`;
const confusionTable = (r: EvalReport): string[] => [
  '| label \\ routed | ignore | fast | slow |',
  '|---|---:|---:|---:|',
  ...LABELS.map((e) => `| ${e} | ${LABELS.map((p) => r.confusion[e][p]).join(' | ')} |`),
];

const all = evaluateRules(items, opts);
const devR = evaluateRules(dev, opts);
const heldR = evaluateRules(held, opts);
const us = timePerDecisionUs(items, opts, 200);
const inBandCount = items.filter((i) => {
  const c = scoreComplexity(i.text);
  return !c.trivial && c.score >= band[0] && c.score < band[1];
}).length;

const files = [...new Set(items.map((i) => i.source.split(':')[0]))].map((f) => `${f} ${items.filter((i) => i.source.startsWith(`${f}:`)).length}`);
const lines: string[] = [
  '## Routing (rules alone)',
  '',
  `Produced by \`${['npm run eval:router', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ')}\` on ${new Date().toISOString().slice(0, 10)} (${hostname()}, Node ${process.version}).`,
  `Set: ${items.length} labelled comments in \`${SET_DIR}/\` (${files.join(', ')}); controls trigger=${opts.trigger}, slow_threshold=${opts.threshold}, names from \`${characterFile}\`.`,
  'Development files were used to write the rules; `holdout*.jsonl` were labelled before the rules were run on them (see the folder README).',
  '',
  '| split | n | accuracy | slow precision | slow recall | routed slow |',
  '|---|---:|---:|---:|---:|---:|',
  row('all', all),
  row('development', devR),
  row('held-out', heldR),
  '',
  'Confusion matrix, all comments:',
  '',
  ...confusionTable(all),
  '',
  `Time per decision (trigger + "is this for me?" + score): ${us.toFixed(2)} µs, mean over ${200 * items.length} decisions (process.hrtime.bigint; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores while measured).`,
  `Targets (rules alone): slow recall ≥ 0.9 ${all.slowRecall >= 0.9 ? 'met' : 'MISSED'}, slow precision ≥ 0.8 ${all.slowPrecision >= 0.8 ? 'met' : 'MISSED'}, < 50 µs ${us < 50 ? 'met' : 'MISSED'} (on all comments).`,
  `Uncertain band [${band[0]}, ${band[1]}): ${inBandCount} comments (${pct(inBandCount / items.length)}) would go to the fast model's triage.`,
];

lines.push('', ...noiseSection());

console.log(lines.join('\n'));
console.log(`\nMistakes (${all.mistakes.length}):`);
for (const m of all.mistakes) {
  const c = scoreComplexity(m.text);
  console.log(`  ${m.source}  ${m.expected} -> ${m.predicted}  score ${c.score} [${c.rules.map((r) => r.name).join(', ')}]  ${m.text.slice(0, 80)}`);
}

if (args['write-baseline']) {
  // Rounded down, so the guard test compares against figures this very run reached.
  const floor3 = (x: number): number => Math.floor(x * 1000) / 1000;
  const fig = (r: EvalReport) => ({ n: r.n, accuracy: floor3(r.accuracy), slowPrecision: floor3(r.slowPrecision), slowRecall: floor3(r.slowRecall) });
  const baseline = { recorded: new Date().toISOString().slice(0, 10), command: 'npm run eval:router -- --write-baseline', all: fig(all), heldOut: fig(heldR) };
  writeFileSync(`${SET_DIR}/baseline.json`, `${JSON.stringify(baseline, null, 2)}\n`);
  console.log(`\nWrote ${SET_DIR}/baseline.json.`);
}

if (args.ollama) lines.push('', ...(await triageSection(args.ollama, args.model, items)));
else console.log('\nTriage comparison skipped: no --ollama http://host:port given.');

if (!args['no-write']) {
  const doc = existsSync('BENCHMARKS.md') ? readFileSync('BENCHMARKS.md', 'utf8') : '# Benchmarks\n';
  const next = replaceMarkedSection(doc, lines.join('\n'));
  writeFileSync('BENCHMARKS.md', next);
  console.log('\nWrote BENCHMARKS.md (routing section).');
}

async function triageSection(host: string, model: string, set: readonly Labelled[]): Promise<string[]> {
  const timed = (ms: number): typeof fetch => (input, init) =>
    fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms) });
  const probe = new Ollama({ host, fetch: timed(3000) });
  try {
    const have = (await probe.list()).models.map((m) => m.name);
    if (!have.includes(model) && !have.includes(`${model}:latest`)) {
      return skipped(`model ${model} is not on ${host} (has: ${have.join(', ') || 'none'}); run \`ollama pull ${model}\` there`);
    }
  } catch (err) {
    return skipped(`Ollama at ${host} is not reachable (${(err as Error).message}); start it or pass the right --ollama URL`);
  }
  const client = new Ollama({ host, fetch: timed(120_000) });
  const base = { model, keep_alive: '30m', options: { temperature: 0, num_ctx: 4096 } };
  const rule =
    'A comment needs a considered answer when a good reply must compare options, weigh pros and cons, explain how or why something works, give code or steps, make a plan, or answer several parts. Greetings, preferences, questions about the stream, simple facts and jokes do not.';
  const marker: TriageDecider = async (text) => {
    const system = `${character.persona}\n${character.style}\nReply to one live-chat comment in at most two short sentences. ${rule} If the comment needs a considered answer, do not answer it: reply with exactly ${TRIAGE_MARKER} and nothing else.`;
    const stream = await client.chat({ ...base, stream: true, messages: [{ role: 'system', content: system }, { role: 'user', content: text }] });
    let acc = '';
    try {
      for await (const part of stream) {
        acc = (acc + part.message.content).trimStart();
        if (acc.startsWith(TRIAGE_MARKER)) return 'slow';
        if (acc.length >= TRIAGE_MARKER.length || !TRIAGE_MARKER.startsWith(acc)) return 'fast';
      }
    } finally {
      stream.abort(); // only the first tokens are read
    }
    return acc.startsWith(TRIAGE_MARKER) ? 'slow' : 'fast';
  };
  const classify: TriageDecider = async (text) => {
    const res = await client.chat({
      ...base,
      stream: false,
      format: { type: 'object', properties: { route: { type: 'string', enum: ['fast', 'slow'] } }, required: ['route'] },
      messages: [
        { role: 'system', content: `You route live-chat comments for an AI VTuber. ${rule} Answer {"route":"slow"} for those, else {"route":"fast"}.` },
        { role: 'user', content: text },
      ],
    });
    const route = (JSON.parse(res.message.content) as { route?: unknown }).route;
    if (route !== 'fast' && route !== 'slow') throw new Error(`unexpected route ${String(route)}`);
    return route;
  };
  const a = await evaluateWithTriage(set, opts, band, marker);
  const b = await evaluateWithTriage(set, opts, band, classify);
  const trow = (name: string, t: TriageReport): string =>
    `| ${name} | ${t.inBand} | ${f2(t.inBand ? t.bandCorrect / t.inBand : 0)} | ${f2(t.report.accuracy)} | ${f2(t.report.slowPrecision)} | ${f2(t.report.slowRecall)} | ${t.meanMs.toFixed(0)} | ${t.failures} |`;
  const better = a.report.accuracy >= b.report.accuracy ? 'marker' : 'classification call';
  const out = [
    `### Triage on the uncertain band (${model} at ${host})`,
    '',
    '| method | in band | band accuracy | accuracy (all) | slow precision | slow recall | ms per decision | failures |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    trow(`(a) answer or ${TRIAGE_MARKER} marker`, a),
    trow('(b) classification call (format: JSON schema)', b),
    '',
    `Higher overall accuracy: ${better}. (a) needs no extra call when the fast model answers (its decision time is time to the first tokens); (b) adds one call before every answer in the band.`,
  ];
  console.log(`\n${out.join('\n')}`);
  return out;
}

/** The noise and real-chat splits: how much noise is answered or sent slow, before and after the "is this for me?" rules. */
function noiseSection(): string[] {
  const out = ['### Chat that is not for the character (noise splits)', ''];
  const splits: [string, Labelled[]][] = [];
  for (const dir of [NOISE_DIR, REAL_DIR]) {
    if (!existsSync(dir) || !readdirSync(dir).some((f) => f.endsWith('.jsonl'))) continue;
    const set = loadRoutingSet(dir);
    const tag = dir === REAL_DIR ? 'real chat' : 'written noise';
    for (const [part, subset] of [
      ['development', set.filter((i) => !isHeldOut(i.source))],
      ['held-out', set.filter((i) => isHeldOut(i.source))],
    ] as const) {
      splits.push([`${tag}, ${part}`, subset]);
      // Each file on its own as well when a part has several: the folder README records every file's first (blind) run.
      const partFiles = [...new Set(subset.map((i) => i.source.split(':')[0]))].sort();
      if (partFiles.length > 1) for (const f of partFiles) splits.push([`${tag}, ${part}: ${f}`, subset.filter((i) => i.source.startsWith(`${f}:`))]);
    }
  }
  if (!existsSync(REAL_DIR) || !readdirSync(REAL_DIR).some((f) => f.endsWith('.jsonl'))) {
    out.push(`No real-chat split: \`${REAL_DIR}/\` holds no file. None could be obtained with a clear licence on this machine (see \`${SET_DIR}/README.md\`).`, '');
  }
  out.push(
    '| split | n | noise | noise answered before → after | noise sent slow before → after | slow recall before → after | slow precision before → after |',
    '|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const [name, set] of splits) {
    if (set.length === 0) continue;
    const before = evaluateRules(set, { ...opts, audience: false });
    const after = evaluateRules(set, opts);
    const nb = noiseFigures(before);
    const na = noiseFigures(after);
    out.push(
      `| ${name} | ${set.length} | ${na.noise} | ${pct(nb.noiseAnswered)} → ${pct(na.noiseAnswered)} | ${pct(nb.noiseSlow)} → ${pct(na.noiseSlow)} | ${f2(before.slowRecall)} → ${f2(after.slowRecall)} | ${f2(before.slowPrecision)} → ${f2(after.slowPrecision)} |`,
    );
    if (!name.includes(': ')) for (const m of after.mistakes) console.log(`  [${name}] ${m.source}  ${m.expected} -> ${m.predicted}  ${m.text.slice(0, 80)}`);
  }
  out.push('', 'Before: trigger and complexity rules only; after: with the "is this for me?" rules (src/routing/audience.ts). Targets: noise answered ≤ 3 %, noise sent slow 0, slow recall ≥ 0.9.');
  return out;
}

function skipped(why: string): string[] {
  console.log(`\nTriage comparison skipped: ${why}.`);
  return ['', `Triage comparison skipped: ${why}.`];
}
