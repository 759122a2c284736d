import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { CharacterError } from './errors.js';

export const characterSchema = z.object({
  name: z.string().min(1).max(60),
  /** Other names viewers use to address the character (mention detection). */
  aliases: z.array(z.string().min(1).max(60)).default([]),
  /** Persona: who the character is. The stable head of every prompt. */
  persona: z.string().min(20).max(8000),
  /** How the character talks (tone, sentence endings, emoji use). */
  style: z.string().min(1).max(4000),
  /** Default language when a comment's language is unclear (BCP 47, e.g. ja, en). */
  language: z.string().min(2).max(10).default('ja'),
  /** Short in-character lines posted when a question goes to the slow model. */
  acks: z.array(z.string().min(1).max(150)).min(1),
  /** What the character says when no answer can be given. */
  cannot_answer: z.string().min(1).max(200),
  /** The one-line confirmation of a viewer's `!forgetme` (default: a plain line in the character's language). */
  forget_done: z.string().min(1).max(200).optional(),
});
export type Character = z.infer<typeof characterSchema>;

/**
 * The file CHARACTER names: the path as given, else (a bare name such as `nova` or
 * `nova.yaml`) that file under characters/.
 */
export function characterPath(value: string): string {
  if (existsSync(value) || basename(value) !== value) return value;
  for (const name of [value, `${value}.yaml`, `${value}.yml`]) {
    const p = join('characters', name);
    if (existsSync(p)) return p;
  }
  return value;
}

/** Load and validate a character file; throws CharacterError naming every bad field. */
export function loadCharacter(value: string): Character {
  const file = characterPath(value);
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found (set CHARACTER to a file under characters/)' : `not valid YAML: ${(err as Error).message.split('\n')[0]}`;
    throw new CharacterError(file, [why]);
  }
  const r = characterSchema.safeParse(raw);
  if (!r.success) {
    throw new CharacterError(
      file,
      r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`),
    );
  }
  return r.data;
}

/** The confirmation posted after a viewer's `!forgetme`. */
export function forgetDoneLine(c: Character): string {
  if (c.forget_done) return c.forget_done;
  return c.language.startsWith('ja') ? 'あなたについて覚えていたことは全部消したよ。' : 'Done: I deleted everything I kept about you.';
}
