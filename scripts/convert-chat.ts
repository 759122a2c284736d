/**
 * Convert a recorded chat into a replay file (docs/replay.md).
 *
 *   npx tsx scripts/convert-chat.ts <input> [--from twitch-irc|youtube-json] [--out file.jsonl]
 *
 * The format is detected from the content when --from is left out. Replay lines go to
 * --out (or stdout); a summary and any problems go to stderr. Exit 0 when at least one
 * message was converted, 1 when none was, 2 for a usage error.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { convertTwitchIrc, looksLikeTwitchIrc } from '../src/replay/convert-twitch.js';
import { convertChatDownloader, convertYtDlpLiveChat, detectYoutubeFormat } from '../src/replay/convert-youtube.js';
import { formatReplayLine, parseReplay, type ConvertResult } from '../src/replay/format.js';

const USAGE = 'usage: npx tsx scripts/convert-chat.ts <input> [--from twitch-irc|youtube-json] [--out file.jsonl]';
const FROM = ['twitch-irc', 'youtube-json', 'yt-dlp', 'chat-downloader'] as const;
type From = (typeof FROM)[number];

function fail(message: string, code: number): never {
  process.stderr.write(`convert-chat: ${message}\n`);
  process.exit(code);
}

function readArgs() {
  try {
    return parseArgs({
      options: { from: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
  } catch (err) {
    return fail(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`, 2);
  }
}

const args = readArgs();
if (args.values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const input = args.positionals[0];
if (!input || args.positionals.length > 1) fail(`give exactly one input file\n${USAGE}`, 2);
const from = args.values.from;
if (from !== undefined && !(FROM as readonly string[]).includes(from)) {
  fail(`--from must be one of ${FROM.join(', ')} (got "${from}")`, 2);
}

let text: string;
try {
  text = readFileSync(input, 'utf8');
} catch (err) {
  fail(`cannot read ${input}: ${err instanceof Error ? err.message : String(err)}`, 2);
}

function detect(body: string): From | undefined {
  const yt = detectYoutubeFormat(body);
  if (yt) return yt;
  return looksLikeTwitchIrc(body) ? 'twitch-irc' : undefined;
}

let format: From | undefined = (from as From | undefined) ?? detect(text);
if (format === 'youtube-json') format = detectYoutubeFormat(text);
if (!format) {
  fail(
    `cannot tell the format of ${input}: expected a Twitch IRC log (raw lines with tags), yt-dlp's live_chat.json ` +
      `or chat-downloader's JSON array; see docs/replay.md, or pass --from`,
    2,
  );
}

const result: ConvertResult =
  format === 'twitch-irc' ? convertTwitchIrc(text) : format === 'yt-dlp' ? convertYtDlpLiveChat(text) : convertChatDownloader(text);

const out = result.lines.map(formatReplayLine).join('\n') + (result.lines.length ? '\n' : '');
// Round trip: what is written must read back as a valid replay.
const check = parseReplay(out);
for (const e of check.errors) result.errors.push({ line: e.line, message: `output line ${e.line} is not a valid replay line: ${e.message}` });

for (const e of result.errors.slice(0, 20)) process.stderr.write(`${input}:${e.line}: ${e.message}\n`);
if (result.errors.length > 20) process.stderr.write(`… and ${result.errors.length - 20} more problems\n`);

const span = result.lines.length ? result.lines[result.lines.length - 1]!.t : 0;
process.stderr.write(
  `convert-chat: ${format}: ${result.lines.length} messages over ${span.toFixed(1)} s, ` +
    `${result.skipped} non-chat items skipped, ${result.errors.length} problems\n`,
);

if (args.values.out) {
  try {
    writeFileSync(args.values.out, out, 'utf8');
  } catch (err) {
    fail(`cannot write ${args.values.out}: ${err instanceof Error ? err.message : String(err)}`, 2);
  }
} else {
  process.stdout.write(out);
}
process.exit(result.lines.length > 0 ? 0 : 1);
