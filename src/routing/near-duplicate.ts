/**
 * Near-duplicate fingerprints for copypasta detection: a 64-bit SimHash over character
 * 4-gram shingles of the normalised text. Two texts that share most of their shingles (the
 * same copypasta with a word changed, an emote added, different spacing or width) get
 * fingerprints a few bits apart; unrelated texts differ in about half of the 64 bits.
 * Pure and cheap (one pass over the text); the cross-viewer window lives in src/copypasta.ts.
 */
import { normalizeText } from './trigger.js';

/** Texts shorter than this (after normalisation) are not fingerprinted: too short to be a copypasta. */
export const MIN_COPYPASTA_CHARS = 40;
/** Fingerprints at most this many bits apart are the same text. */
export const MAX_COPYPASTA_DISTANCE = 10;
/** Only the start of a text is read (Twitch caps a message at 500 characters anyway). */
const MAX_CHARS = 1000;
const SHINGLE = 4;

/** Letters, digits and CJK only, lower case and width-folded, one space between words. */
export function copypastaForm(text: string): string {
  return normalizeText(text.length > MAX_CHARS ? text.slice(0, MAX_CHARS) : text)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * The 64-bit SimHash of a text as 16 hex digits, or null when the text is too short to be
 * a copypasta. Each shingle is hashed with two FNV-1a variants (high and low 32 bits).
 */
export function fingerprint(text: string): string | null {
  const s = copypastaForm(text);
  if (s.length < MIN_COPYPASTA_CHARS) return null;
  const v = new Int32Array(64);
  const n = s.length - SHINGLE + 1;
  for (let i = 0; i < n; i++) {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193 ^ 0x5bd1e995;
    for (let j = i; j < i + SHINGLE; j++) {
      const c = s.charCodeAt(j);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    // final mix so that neighbouring shingles spread over all bits
    h1 ^= h1 >>> 16;
    h1 = Math.imul(h1, 0x85ebca6b);
    h1 ^= h1 >>> 13;
    h2 ^= h2 >>> 16;
    h2 = Math.imul(h2, 0xc2b2ae35);
    h2 ^= h2 >>> 16;
    for (let b = 0; b < 32; b++) {
      v[b]! += (h1 >>> b) & 1 ? 1 : -1;
      v[32 + b]! += (h2 >>> b) & 1 ? 1 : -1;
    }
  }
  let hi = 0;
  let lo = 0;
  for (let b = 0; b < 32; b++) {
    if (v[b]! > 0) hi |= 1 << b;
    if (v[32 + b]! > 0) lo |= 1 << b;
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Bits that differ between two fingerprints. */
export function distance(a: string, b: string): number {
  const x = (parseInt(a.slice(0, 8), 16) ^ parseInt(b.slice(0, 8), 16)) >>> 0;
  const y = (parseInt(a.slice(8, 16), 16) ^ parseInt(b.slice(8, 16), 16)) >>> 0;
  return popcount32(x) + popcount32(y);
}
