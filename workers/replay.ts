// `npm run replay -- <chat.jsonl> [--speed 1|10|max] [--platform twitch|youtube]`: feed a
// recorded chat through the real pipeline, posting nothing anywhere, and print a report.
import { EXIT_CONFIG, loadConfigOrExit } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { parseReplayArgs } from '../src/replay/args.js';
import { exitUnlessReady } from '../src/run.js';

const args = parseReplayArgs(process.argv.slice(2));
if (args.errors.length) {
  process.stderr.write(`replay: ${args.errors.join('\n')}\n`);
  process.exit(EXIT_CONFIG);
}
const config = loadConfigOrExit();
// stdout carries the replies and the report; logs go to stderr
const logger = createLogger({ level: process.env.LOG_LEVEL ? config.LOG_LEVEL : 'warn', destination: process.stderr, format: config.LOG_FORMAT });
await exitUnlessReady(config, logger, ['gateway', 'fast', 'slow'], 'replay');
// the pipeline (BullMQ & co.) loads after the checks, so a missing piece is reported at once
const { runReplay } = await import('../src/replay/runner.js');
try {
  await runReplay(config, logger, { file: args.file!, speed: args.speed, platform: args.platform, out: process.stdout });
  process.exit(0);
} catch (err) {
  const code = (err as { exitCode?: number }).exitCode;
  process.stderr.write(`replay: ${(err as Error).message}\n`);
  process.exit(code ?? 1);
}
