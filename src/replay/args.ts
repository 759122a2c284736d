import type { Platform } from '../types.js';

/** `npm run replay` arguments (apart from the runner, so the entry point checks Redis and Ollama before loading the pipeline). */
export function parseReplayArgs(argv: string[]): { file?: string; speed: number; platform?: Platform; errors: string[] } {
  const errors: string[] = [];
  let file: string | undefined;
  let speed = 1;
  let platform: Platform | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--speed') {
      const v = argv[++i] ?? '';
      speed = v === 'max' ? Infinity : Number(v);
      if (!(speed > 0)) errors.push(`--speed: expected 1, 10, any positive number or max, got "${v}"`);
    } else if (a === '--platform') {
      const v = argv[++i] ?? '';
      if (v === 'twitch' || v === 'youtube' || v === 'console') platform = v;
      else errors.push(`--platform: expected twitch or youtube, got "${v}"`);
    } else if (a.startsWith('--')) errors.push(`unknown option ${a}`);
    else file ??= a;
  }
  if (!file) errors.push('missing the chat file: npm run replay -- <chat.jsonl> [--speed 1|10|max] [--platform twitch|youtube]');
  return { file, speed, platform, errors };
}
