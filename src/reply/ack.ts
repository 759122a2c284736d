/**
 * The "thinking about it" line in the viewer's language: a Japanese question gets a Japanese
 * acknowledgement, an English one an English line, whatever order the character file lists them.
 */
import { detectLanguage } from './language.js';

/** Stable choice by seed (the comment id), so a retry posts the same line. */
function bySeed<T>(items: readonly T[], seed: string): T {
  let h = 0;
  for (const ch of seed) h = (h * 31 + ch.codePointAt(0)!) >>> 0;
  return items[h % items.length]!;
}

/**
 * One of `lines` in the comment's language; failing that, one in the character's own
 * language (`fallback`); failing that, any.
 */
export function pickInLanguage(lines: readonly string[], commentText: string, fallback: string, seed: string): string {
  const want = detectLanguage(commentText, fallback);
  const langOf = (l: string) => detectLanguage(l, fallback);
  const same = lines.filter((l) => langOf(l) === want);
  if (same.length) return bySeed(same, seed);
  const home = lines.filter((l) => langOf(l) === fallback);
  return bySeed(home.length ? home : lines, seed);
}
