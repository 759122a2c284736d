/**
 * npm run eval:memory [-- --no-write] [--only id,id…] [--category follow-up,…]
 *
 * Runs the scripted memory scenes (test/fixtures/memory/scenes.yaml) through the real
 * pipeline against real Redis, the fake Twitch and the fake Ollama (see
 * test/helpers/memory-eval.ts), prints context recall and precision per category, the
 * failures, and the prompt characters memory added per answer, and writes the report into
 * BENCHMARKS.md between its markers (unless --no-write). Exit code 1 when a scene not marked
 * as a known defect failed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { CATEGORIES, loadScenes, renderReport, replaceReport, runEval } from '../test/helpers/memory-eval.js';

const { values: args } = parseArgs({
  options: {
    'no-write': { type: 'boolean', default: false },
    only: { type: 'string' },
    category: { type: 'string' },
  },
});

let scenes = loadScenes();
const partial = Boolean(args.only || args.category);
if (args.only) {
  const ids = new Set(args.only.split(','));
  const unknown = [...ids].filter((id) => !scenes.some((s) => s.id === id));
  if (unknown.length) {
    console.error(`--only: no scene with id ${unknown.join(', ')}`);
    process.exit(2);
  }
  scenes = scenes.filter((s) => ids.has(s.id));
}
if (args.category) {
  const cats = args.category.split(',');
  const bad = cats.filter((c) => !(CATEGORIES as readonly string[]).includes(c));
  if (bad.length) {
    console.error(`--category: unknown ${bad.join(', ')} (known: ${CATEGORIES.join(', ')})`);
    process.exit(2);
  }
  scenes = scenes.filter((s) => cats.includes(s.category));
}

const run = await runEval({ scenes, log: (l) => console.error(l) });
const report = renderReport(run, { date: new Date().toISOString().slice(0, 10), node: process.version, host: hostname() });
console.log(report);
if (!args['no-write']) {
  if (partial) console.error('a partial run (--only/--category) is not written to BENCHMARKS.md');
  else {
    writeFileSync('BENCHMARKS.md', replaceReport(readFileSync('BENCHMARKS.md', 'utf8'), report));
    console.error('written to BENCHMARKS.md');
  }
}
const unexpected = run.results.filter((r) => !r.passed && !r.scene.knownDefect);
process.exit(unexpected.length ? 1 : 0);
