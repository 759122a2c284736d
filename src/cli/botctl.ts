/**
 * botctl: moderator controls for a running bot, through Redis (REDIS_URL, REDIS_PREFIX).
 * `main(argv)` returns the exit code: 0 done, 1 could not (Redis down, unknown id),
 * 2 bad usage or value.
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { loadDotEnv } from '../config.js';
import { FIELDS, FIELD_SPECS } from '../controls/fields.js';
import { CliError, Ctx, EXIT_FAIL, EXIT_OK, EXIT_USAGE, parseBotctlEnv, type Io } from './context.js';

type Opts = { channel?: string; all?: boolean; user?: string; stdin?: boolean; count?: string; clear?: boolean };
type Run = (ctx: Ctx, args: string[], opts: Opts) => Promise<number>;

// Commands load their modules on use: `botctl set` starts without loading BullMQ.
const settings = () => import('./commands/settings.js');
const sets = () => import('./commands/sets.js');
const approvals = () => import('./commands/approvals.js');
const observe = () => import('./commands/observe.js');

interface Command {
  usage: string;
  summary: string;
  /** Extra lines for `botctl <command> --help`. */
  details?: string[];
  options: (keyof Opts)[];
  run: Run;
}

const FIELD_HELP = FIELDS.map((f) => `  ${f.padEnd(17)} ${FIELD_SPECS[f].allowed.padEnd(43)} ${FIELD_SPECS[f].effect}`);

const COMMANDS: Record<string, Command> = {
  status: { usage: 'status [--channel platform:channel] [--json]', summary: 'settings and where they come from, queues, workers, replies in the last minute', options: ['channel'], run: async (c, a, o) => (await import('./commands/status.js')).statusCmd(c, a, o) },
  get: { usage: 'get [field] [--channel platform:channel] [--json]', summary: 'effective settings (or one field) with their source', details: ['fields:', ...FIELD_HELP], options: ['channel'], run: async (c, a, o) => (await settings()).getCmd(c, a, o) },
  set: {
    usage: 'set <field> <value> [--channel platform:channel]',
    summary: 'change a setting (validated; takes effect within 1 s)',
    details: ['fields:', ...FIELD_HELP, '', 'examples:', '  botctl set mode fast', '  botctl set slow_threshold 0.8 --channel twitch:somechannel'],
    options: ['channel'],
    run: async (c, a, o) => (await settings()).setCmd(c, a, o),
  },
  reset: { usage: 'reset <field>|--all [--channel platform:channel]', summary: 'delete a setting: back to the global value or the default', options: ['channel', 'all'], run: async (c, a, o) => (await settings()).resetCmd(c, a, o) },
  pause: { usage: 'pause [--channel platform:channel]', summary: 'stop answering (mode off); comments are still counted', options: ['channel'], run: async (c, a, o) => (await settings()).pauseCmd(c, a, o) },
  resume: { usage: 'resume [--channel platform:channel]', summary: 'undo pause: back to the mode before it', options: ['channel'], run: async (c, a, o) => (await settings()).resumeCmd(c, a, o) },
  block: { usage: 'block <platform:user>...', summary: 'never answer this user (login or user id, e.g. twitch:some_troll)', options: [], run: async (c, a) => (await sets()).userSetCmd('blocked_users', true)(c, a) },
  unblock: { usage: 'unblock <platform:user>...', summary: 'answer this user again', options: [], run: async (c, a) => (await sets()).userSetCmd('blocked_users', false)(c, a) },
  vip: { usage: 'vip <platform:user>...', summary: 'no cooldown for this user, answered first', options: [], run: async (c, a) => (await sets()).userSetCmd('vip_users', true)(c, a) },
  unvip: { usage: 'unvip <platform:user>...', summary: 'treat this user like everyone else', options: [], run: async (c, a) => (await sets()).userSetCmd('vip_users', false)(c, a) },
  words: { usage: 'words add|rm|list [word...]', summary: 'blocked words: comments with one are not answered, replies with one are not posted', options: [], run: async (c, a) => (await sets()).wordSetCmd('blocked_words')(c, a) },
  keywords: { usage: 'keywords add|rm|list [word...]', summary: 'slow keywords: a comment with one goes to the slow model', options: [], run: async (c, a) => (await sets()).wordSetCmd('slow_keywords')(c, a) },
  explain: {
    usage: 'explain "<comment>" [--user platform:login] [--channel platform:channel] [--json] [--stdin]',
    summary: 'what the bot would do with this comment right now, and why',
    details: ['--stdin reads one comment per line and prints one JSON object per line.', 'JSON fields: answer, route (fast|slow|none), model, skip, score, band, rules, reasons, trigger, triage, overflow, vip.'],
    options: ['user', 'channel', 'stdin'],
    run: async (c, a, o) => (await import('./commands/explain.js')).explainCmd(c, a, o),
  },
  context: {
    usage: 'context ["<text>"] | --clear [--channel platform:channel]',
    summary: 'what is on stream now (game, topic), given to the model with every comment; no text shows it',
    details: ['at most 500 characters; --clear removes it', 'examples:', '  botctl context "Elden Ring, first try at Malenia"', '  botctl context --clear --channel twitch:somechannel'],
    options: ['channel', 'clear'],
    run: async (c, a, o) => (await import('./commands/memory.js')).contextCmd(c, a, o),
  },
  memory: {
    usage: 'memory show <platform:user> | forget <platform:user> | forget-all',
    summary: "what the bot keeps about a viewer (threads, facts); forget deletes every key that holds it",
    details: ['user: platform:login or platform:userId, e.g. twitch:some_viewer', 'forget also removes their comments from the queues\' kept history, held replies and the events stream'],
    options: [],
    run: async (c, a) => (await import('./commands/memory.js')).memoryCmd(c, a),
  },
  pending: { usage: 'pending [--json]', summary: 'replies waiting for approval (approval on), with the comment each answers', options: [], run: async (c) => (await approvals()).pendingCmd(c) },
  approve: { usage: 'approve <id>', summary: 'post a held reply', options: [], run: async (c, a) => (await approvals()).decideCmd('approve')(c, a) },
  reject: { usage: 'reject <id>', summary: 'drop a held reply', options: [], run: async (c, a) => (await approvals()).decideCmd('reject')(c, a) },
  tail: { usage: 'tail [-n count] [--json]', summary: 'follow comments and replies as they happen (route, model, latency); Ctrl-C stops', options: ['count'], run: async (c, a, o) => (await observe()).tailCmd(c, a, o) },
  twitch: {
    usage: 'twitch login|status|logout [--json]',
    summary: "the bot's Twitch token: log in by Twitch's device code flow, show it, revoke it",
    details: [
      'login   prints a URL and a code; enter the code on Twitch as the bot account. The token pair is',
      '        stored in Redis for the bot (it refreshes it by itself) and the .env lines are printed.',
      '        Needs TWITCH_CLIENT_ID (a public app from https://dev.twitch.tv/console/apps; docs/twitch.md).',
      'status  who the stored token belongs to, its scopes and expiry (never the token itself)',
      'logout  revokes the stored tokens at Twitch and removes them from Redis',
    ],
    options: [],
    run: async (c, a) => (await import('./commands/twitch.js')).twitchCmd(c, a),
  },
  audit: { usage: 'audit [-n count] [--json]', summary: 'changes made through botctl: who, when, old and new', options: ['count'], run: async (c, a, o) => (await observe()).auditCmd(c, a, o) },
};

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  by: { type: 'string' },
  channel: { type: 'string' },
  all: { type: 'boolean' },
  user: { type: 'string' },
  stdin: { type: 'boolean' },
  count: { type: 'string', short: 'n' },
  clear: { type: 'boolean' },
} as const;

export function usage(): string {
  const lines = [
    'usage: botctl <command> [options]      (npx botctl …, npm run botctl -- …)',
    '',
    'commands:',
    ...Object.values(COMMANDS).map((c) => `  ${c.usage.split(' ')[0]!.padEnd(9)} ${c.summary}`),
    '',
    'options for every command: --json (machine-readable output), --by <name> (who, for the audit; default $USER), --help',
    'environment: REDIS_URL (default redis://127.0.0.1:6379), REDIS_PREFIX (default bot); .env is read if present.',
    'botctl <command> --help shows the command in detail.',
  ];
  return lines.join('\n');
}

function commandHelp(name: string, c: Command): string {
  return [`usage: botctl ${c.usage}`, '', c.summary, ...(c.details ? ['', ...c.details] : []), '', 'also: --json, --by <name>, --help'].join('\n');
}

function who(by: string | undefined, env: NodeJS.ProcessEnv): string {
  if (by?.trim()) return by.trim();
  if (env.USER) return env.USER;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  // a negative number is a value (`set user_cooldown_s -3` must say why -3 is wrong), not an option
  const NEG = '\u0000neg:';
  const shielded = argv.map((a) => (/^-\d|^-\.\d/.test(a) ? NEG + a : a));
  try {
    parsed = parseArgs({ args: shielded, options: OPTIONS, allowPositionals: true, strict: true });
    parsed.positionals = parsed.positionals.map((a) => (a.startsWith(NEG) ? a.slice(NEG.length) : a));
  } catch (err) {
    io.stderr.write(`botctl: ${(err as Error).message}\n\n${usage()}\n`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  const [name, ...args] = positionals;
  if (name === undefined || name === 'help') {
    if (values.help || name === 'help') {
      io.stdout.write(`${usage()}\n`);
      return EXIT_OK;
    }
    io.stderr.write(`botctl: missing command\n\n${usage()}\n`);
    return EXIT_USAGE;
  }
  const cmd = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!cmd) {
    io.stderr.write(`botctl: unknown command "${name}"\n\n${usage()}\n`);
    return EXIT_USAGE;
  }
  if (values.help) {
    io.stdout.write(`${commandHelp(name, cmd)}\n`);
    return EXIT_OK;
  }
  for (const opt of ['channel', 'all', 'user', 'stdin', 'count', 'clear'] as const) {
    if (values[opt] !== undefined && !cmd.options.includes(opt)) {
      io.stderr.write(`botctl: ${name} does not take --${opt}\n\n${commandHelp(name, cmd)}\n`);
      return EXIT_USAGE;
    }
  }
  let ctx: Ctx | undefined;
  try {
    ctx = new Ctx(parseBotctlEnv(env), io, who(values.by, env), values.json ?? false, env);
    return await cmd.run(ctx, args, values);
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr.write(`botctl: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(`botctl: ${name} failed: ${(err as Error).message}\n`);
    return EXIT_FAIL;
  } finally {
    await ctx?.close();
  }
}

/** Entry point for bin/botctl.js. */
export async function run(): Promise<void> {
  loadDotEnv();
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
  // anything still holding the event loop (a slow socket close) must not keep botctl alive
  setTimeout(() => process.exit(code), 2000).unref();
}
