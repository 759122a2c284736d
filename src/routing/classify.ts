/**
 * Complexity scoring: which comments need the slow, deep model. Pure and fast
 * (microseconds): a table of named, weighted rules (src/routing/rules.ts), so every
 * decision can be explained by the rules that fired.
 */
import {
  GREETING,
  JA_QUESTION_WORD,
  LENGTH_TIERS,
  MULTI_WEIGHT,
  MULTI_WORDS,
  PATTERN_RULES,
  REACTION_TOKEN,
  STREAM_SMALL_TALK,
  TECH_MAX,
  TECH_TERMS,
  TECH_WEIGHT,
  TRIVIAL_CAP,
  YES_NO_EN,
  YES_NO_JA_END,
  YES_NO_MAX_UNITS,
} from './rules.js';
import { normalizeText } from './trigger.js';
import type { RouteName } from '../llm/routes.js';

export interface RuleHit {
  name: string;
  weight: number;
}

export interface Complexity {
  /** 0..1 (clamped sum of the fired rules' weights). */
  score: number;
  /** Every rule that fired, with its stable name and weight. */
  rules: RuleHit[];
  /** Greetings, reactions, yes/no, stream small talk: never slow (score capped low). */
  trivial: boolean;
}

/** Where a score falls: fast, slow, or the uncertain band between (TRIAGE_BAND) where the fast model triages. */
export type Band = 'fast' | 'uncertain' | 'slow';

/** A fired rule at least this heavy is a real request for depth: the comment is not trivial. */
const STRONG = 0.25;
const CJK = /[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]/u;

/** Length in units: CJK/kana/hangul count 2, every other code point 1. */
export function lengthUnits(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff) continue; // low surrogate: the pair was counted once
    n += (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xac00 && c <= 0xd7af) ? 2 : 1;
  }
  return n;
}

const keywordCache = new WeakMap<readonly string[], string[]>();
function normalizedKeywords(list: readonly string[]): string[] {
  let k = keywordCache.get(list);
  if (!k) {
    k = list.map((w) => normalizeText(w).trim()).filter(Boolean);
    keywordCache.set(list, k);
  }
  return k;
}

function trivialKind(norm: string, units: number, strong: boolean): string | null {
  const trimmed = norm.trim();
  const tokens = trimmed.split(/\s+/u);
  if (tokens.every((t) => REACTION_TOKEN.test(t))) return 'trivial_reaction';
  if (strong) return null;
  const greet = GREETING.exec(trimmed);
  if (greet && lengthUnits(trimmed.slice(greet[0].length)) <= 24) return 'trivial_greeting';
  if (units <= 70 && STREAM_SMALL_TALK.test(trimmed)) return 'trivial_small_talk';
  if (units <= YES_NO_MAX_UNITS) {
    if (YES_NO_EN.test(trimmed) && !/\bor\b/u.test(trimmed)) return 'trivial_yes_no';
    if (YES_NO_JA_END.test(trimmed) && CJK.test(trimmed) && !JA_QUESTION_WORD.test(trimmed)) return 'trivial_yes_no';
  }
  return null;
}

/** Pure, microseconds. slowKeywords (moderator set) force score 1 with rule "slow_keyword". */
export function scoreComplexity(text: string, opts: { slowKeywords?: readonly string[] } = {}): Complexity {
  const norm = normalizeText(text);
  const rules: RuleHit[] = [];
  if (opts.slowKeywords?.length) {
    const kw = normalizedKeywords(opts.slowKeywords).find((k) => norm.includes(k));
    if (kw !== undefined) return { score: 1, rules: [{ name: 'slow_keyword', weight: 1 }], trivial: false };
  }
  if (norm.trim() === '') return { score: 0, rules, trivial: true };

  let sum = 0;
  let strong = false;
  const add = (name: string, weight: number): void => {
    rules.push({ name, weight });
    sum += weight;
    if (weight >= STRONG) strong = true;
  };
  for (const r of PATTERN_RULES) if (r.pattern.test(norm)) add(r.name, r.weight);

  const questionMarks = norm.match(/\?/gu)?.length ?? 0;
  if (questionMarks >= 2 || MULTI_WORDS.test(norm)) add('multi_question', MULTI_WEIGHT);

  const tech = new Set(norm.match(TECH_TERMS) ?? []).size;
  if (tech > 0) {
    const w = Math.min(TECH_MAX, tech * TECH_WEIGHT);
    rules.push({ name: 'tech_vocab', weight: Math.round(w * 100) / 100 });
    sum += w;
  }

  const units = lengthUnits(norm);
  const tier = LENGTH_TIERS.find(([min]) => units >= min);
  if (tier) {
    rules.push({ name: 'long_text', weight: tier[1] });
    sum += tier[1];
  }

  const kind = trivialKind(norm, units, strong);
  let score = Math.min(1, Math.max(0, sum));
  if (kind) {
    rules.push({ name: kind, weight: 0 });
    score = Math.min(score, TRIVIAL_CAP);
  }
  return { score: Math.round(score * 1000) / 1000, rules, trivial: kind !== null };
}

/** Route for a score given the slow_threshold control (score >= threshold => 'slow'). */
export function routeForScore(score: number, threshold: number): RouteName {
  return score >= threshold ? 'slow' : 'fast';
}

/**
 * 'slow' at or above the slow_threshold control (as the moderator set it, whatever the
 * comment); below it, 'uncertain' when the score is in [band[0], band[1]) and the comment is
 * not trivial (the fast model triages these), else 'fast'.
 */
export function bandOf(c: Complexity, threshold: number, band: readonly [number, number]): Band {
  if (routeForScore(c.score, threshold) === 'slow') return 'slow';
  if (!c.trivial && c.score >= band[0] && c.score < band[1]) return 'uncertain';
  return 'fast';
}
