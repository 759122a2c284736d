/**
 * Routing evaluation over a labelled set of chat comments (test/fixtures/routing/*.jsonl).
 * Used by `npm run eval:router` and by the unit test that guards the recorded baseline.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { judgeAudience } from './audience.js';
import { bandOf, routeForScore, scoreComplexity } from './classify.js';
import { analyzeTrigger, isTriggered, type TriggerMode } from './trigger.js';

export const LABELS = ['ignore', 'fast', 'slow'] as const;
export type Label = (typeof LABELS)[number];

export const labelledSchema = z.object({
  text: z.string(),
  label: z.enum(LABELS),
  note: z.string().optional(),
});
export interface Labelled extends z.infer<typeof labelledSchema> {
  /** `file:line`, for reports. */
  source: string;
}

export interface RouterOptions {
  names: readonly string[];
  trigger: TriggerMode;
  threshold: number;
  slowKeywords?: readonly string[];
  /** Apply the "is this for me?" decision (default true; false gives the figures from before it). */
  audience?: boolean;
}

/** The default controls (DESIGN.md): trigger=question, slow_threshold=0.6, no slow keywords. */
export const DEFAULT_EVAL_CONTROLS = { trigger: 'question', threshold: 0.6 } as const;

/** Load every `*.jsonl` in `dir`, in name order; throws naming the file and line of a bad row. */
export function loadRoutingSet(dir: string): Labelled[] {
  const out: Labelled[] = [];
  const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort();
  for (const file of files) {
    const lines = readFileSync(join(dir, file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      const source = `${file}:${i + 1}`;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        throw new Error(`${join(dir, source)}: not valid JSON; each line must be {"text": ..., "label": "ignore"|"fast"|"slow"}`);
      }
      const r = labelledSchema.safeParse(raw);
      if (!r.success) throw new Error(`${join(dir, source)}: ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
      out.push({ ...r.data, source });
    });
  }
  return out;
}

/**
 * The rules-only decision, as decide() makes it: not triggered => ignore; not for the
 * character => ignore (fast under trigger=all); else the route for the complexity score.
 */
export function routeByRules(text: string, o: RouterOptions): Label {
  const trig = analyzeTrigger(text, o.names);
  if (!isTriggered(trig, o.trigger, text)) return 'ignore';
  if (o.audience !== false && !judgeAudience({ text: text.trim(), mention: trig.mention }).forMe) return o.trigger === 'all' ? 'fast' : 'ignore';
  return routeForScore(scoreComplexity(text, { slowKeywords: o.slowKeywords }).score, o.threshold);
}

export interface EvalReport {
  n: number;
  accuracy: number;
  slowPrecision: number;
  slowRecall: number;
  /** confusion[expected][predicted] */
  confusion: Record<Label, Record<Label, number>>;
  /** Share of all comments routed slow. */
  slowShare: number;
  mistakes: { source: string; text: string; expected: Label; predicted: Label }[];
}

/** Score a list of predictions against the labels. */
export function scorePredictions(items: readonly Labelled[], predicted: readonly Label[]): EvalReport {
  const confusion = Object.fromEntries(LABELS.map((e) => [e, Object.fromEntries(LABELS.map((p) => [p, 0]))])) as EvalReport['confusion'];
  const mistakes: EvalReport['mistakes'] = [];
  let correct = 0;
  items.forEach((it, i) => {
    const p = predicted[i] ?? 'ignore';
    confusion[it.label][p] += 1;
    if (p === it.label) correct += 1;
    else mistakes.push({ source: it.source, text: it.text, expected: it.label, predicted: p });
  });
  const tp = confusion.slow.slow;
  const predictedSlow = LABELS.reduce((s, e) => s + confusion[e].slow, 0);
  const actualSlow = LABELS.reduce((s, p) => s + confusion.slow[p], 0);
  const n = items.length;
  return {
    n,
    accuracy: n ? correct / n : 0,
    slowPrecision: predictedSlow ? tp / predictedSlow : 0,
    slowRecall: actualSlow ? tp / actualSlow : 0,
    confusion,
    slowShare: n ? predictedSlow / n : 0,
    mistakes,
  };
}

export interface NoiseFigures {
  /** Comments labelled ignore. */
  noise: number;
  /** Share of them the bot would answer (fast or slow). */
  noiseAnswered: number;
  /** Share of them the bot would send to the slow model. */
  noiseSlow: number;
}

/** How much noise (label ignore) gets through, from a report's confusion matrix. */
export function noiseFigures(r: EvalReport): NoiseFigures {
  const c = r.confusion.ignore;
  const noise = c.ignore + c.fast + c.slow;
  return { noise, noiseAnswered: noise ? (c.fast + c.slow) / noise : 0, noiseSlow: noise ? c.slow / noise : 0 };
}

/** Run the rules over the set and score them. */
export function evaluateRules(items: readonly Labelled[], o: RouterOptions): EvalReport {
  return scorePredictions(
    items,
    items.map((it) => routeByRules(it.text, o)),
  );
}

/** Mean time of one rules decision in microseconds, over `reps` passes of the whole set. */
export function timePerDecisionUs(items: readonly Labelled[], o: RouterOptions, reps = 200): number {
  let sink = 0;
  for (const it of items) sink += routeByRules(it.text, o).length; // warm-up (JIT, regex compile)
  const start = process.hrtime.bigint();
  for (let r = 0; r < reps; r++) for (const it of items) sink += routeByRules(it.text, o).length;
  const ns = Number(process.hrtime.bigint() - start);
  if (sink < 0) throw new Error('unreachable');
  return ns / 1000 / (reps * Math.max(1, items.length));
}

/** Files named `holdout*.jsonl` were labelled before the rules were run on them. */
export function isHeldOut(source: string): boolean {
  return source.startsWith('holdout');
}

/** Route a model decides for one comment in the uncertain band (a triage method under test). */
export type TriageDecider = (text: string) => Promise<'fast' | 'slow'>;

export interface TriageReport {
  /** Triggered comments whose score fell in the uncertain band. */
  inBand: number;
  /** Of those, how many the method routed as labelled. */
  bandCorrect: number;
  /** The whole set with the method deciding inside the band and the rules elsewhere. */
  report: EvalReport;
  /** Mean wall time of one decision by the method, in ms. */
  meanMs: number;
  /** Decisions that failed (model error, unparsable output): routed fast, counted here. */
  failures: number;
}

/** Rules outside the band, `decide` inside it (sequentially, one model call at a time). */
export async function evaluateWithTriage(
  items: readonly Labelled[],
  o: RouterOptions,
  band: readonly [number, number],
  decide: TriageDecider,
): Promise<TriageReport> {
  const predicted: Label[] = [];
  let inBand = 0;
  let bandCorrect = 0;
  let failures = 0;
  let totalMs = 0;
  for (const it of items) {
    const trig = analyzeTrigger(it.text, o.names);
    if (!isTriggered(trig, o.trigger, it.text)) {
      predicted.push('ignore');
      continue;
    }
    if (o.audience !== false && !judgeAudience({ text: it.text.trim(), mention: trig.mention }).forMe) {
      predicted.push(o.trigger === 'all' ? 'fast' : 'ignore');
      continue;
    }
    const c = scoreComplexity(it.text, { slowKeywords: o.slowKeywords });
    if (bandOf(c, o.threshold, band) !== 'uncertain') {
      predicted.push(routeForScore(c.score, o.threshold));
      continue;
    }
    inBand += 1;
    const t0 = performance.now();
    let route: 'fast' | 'slow' = 'fast';
    try {
      route = await decide(it.text);
    } catch {
      failures += 1;
    }
    totalMs += performance.now() - t0;
    if (route === it.label) bandCorrect += 1;
    predicted.push(route);
  }
  return { inBand, bandCorrect, report: scorePredictions(items, predicted), meanMs: inBand ? totalMs / inBand : 0, failures };
}

export const SECTION_START = '<!-- eval:router:start -->';
export const SECTION_END = '<!-- eval:router:end -->';

/** Put `body` between this script's markers in `doc`, leaving every other part as it was; append the section when absent. */
export function replaceMarkedSection(doc: string, body: string): string {
  const section = `${SECTION_START}\n${body.trimEnd()}\n${SECTION_END}`;
  const a = doc.indexOf(SECTION_START);
  const b = a >= 0 ? doc.indexOf(SECTION_END, a) : -1;
  if (a >= 0 && b > a) return doc.slice(0, a) + section + doc.slice(b + SECTION_END.length);
  return `${doc.trimEnd()}\n\n${section}\n`;
}
