import { createInterface, type Interface } from 'node:readline';
import type { ChatAdapter, OutgoingMessage, PostResult } from '../port.js';
import type { CommentInput } from '../../types.js';

export interface ConsoleAdapterOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** A terminal: prompt, colours, `@name reply [route · model · timings]`. A pipe: each reply text alone on a line. */
  interactive: boolean;
  /** Called when the input ends (Ctrl-D, end of a pipe). */
  onEnd?: () => void;
  now?: () => number;
}

const DIM = '\x1b[2m';
const RESET = '\x1b[0m';
export const CONSOLE_CHANNEL = 'local';

const HELP = [
  'Type a comment and press Enter. Commands:',
  '  /as <name>            speak as another viewer',
  '  /paid <amount> <text>  a super chat / bits comment',
  '  /mod                  toggle the moderator badge',
  '  /help                 this text; Ctrl-D or /quit to leave',
].join('\n');

/**
 * Terminal chat: each line typed is a comment from a local viewer; replies print as they
 * would be posted, with route, model and timings beside them. Runs through the same queues
 * and workers as a live platform.
 */
export function createConsoleAdapter(opts: ConsoleAdapterOptions): ChatAdapter & { note(line: string): void } {
  const now = opts.now ?? Date.now;
  let rl: Interface | undefined;
  let viewer = 'viewer';
  let moderator = false;
  let seq = 0;
  let closed = false;
  const out = (line: string) => opts.output.write(`${line}\n`);
  // in a pipe, stdout carries only replies (one line each); notes go to stderr
  const info = (line: string) => (opts.interactive ? out(`${DIM}${line}${RESET}`) : process.stderr.write(`${line}\n`));

  return {
    platform: 'console',
    maxChars: 500,
    wholeReplies: true,
    mentionsAuthor: false,
    async start(onComment) {
      rl = createInterface({ input: opts.input, output: opts.interactive ? opts.output : undefined, terminal: opts.interactive });
      if (opts.interactive) {
        info(`${HELP}\n`);
        rl.setPrompt(`${viewer}> `);
        rl.prompt();
      }
      rl.on('line', (raw) => {
        const line = raw.trim();
        let text = line;
        let paid: CommentInput['paid'];
        if (line === '/help') {
          info(HELP);
          text = '';
        } else if (line === '/quit') {
          rl?.close();
          return;
        } else if (line === '/mod') {
          moderator = !moderator;
          info(`moderator badge ${moderator ? 'on' : 'off'} for ${viewer}`);
          text = '';
        } else if (line.startsWith('/as')) {
          const name = line.slice(3).trim();
          if (name) viewer = name;
          info(`now speaking as ${viewer}`);
          text = '';
        } else if (line.startsWith('/paid')) {
          const m = /^\/paid\s+(\d+(?:\.\d+)?)\s*(.*)$/.exec(line);
          if (!m) {
            info('usage: /paid <amount> <text>');
            text = '';
          } else {
            paid = { amount: Number(m[1]), currency: 'JPY' };
            text = m[2] ?? '';
          }
        }
        if (text || paid) {
          const at = now();
          seq++;
          onComment({
            platform: 'console',
            channel: CONSOLE_CHANNEL,
            id: `console-${at}-${seq}`,
            author: { id: viewer.toLowerCase(), login: viewer.toLowerCase(), name: viewer, badges: { moderator }, firstMessage: false },
            text,
            kind: paid ? 'superchat' : 'chat',
            paid,
            sentAt: at,
            receivedAt: at,
          });
        }
        if (opts.interactive) {
          rl?.setPrompt(`${viewer}> `);
          rl?.prompt();
        }
      });
      rl.on('close', () => {
        if (!closed) opts.onEnd?.();
      });
    },
    async post(msg: OutgoingMessage): Promise<PostResult> {
      const m = msg.meta;
      const detail = m ? `[${m.route} · ${m.model} · queue ${Math.round(m.timings.queueWaitMs)} ms · model ${Math.round(m.timings.modelMs)} ms · total ${Math.round(m.timings.totalMs)} ms]` : '';
      const who = `@${msg.replyTo.author.name}`;
      if (opts.interactive) {
        // print above the prompt and keep what the user was typing
        opts.output.write('\r\x1b[K');
        out(`${who} ${msg.text}  ${DIM}${detail}${RESET}`);
        rl?.prompt(true);
      } else if (m?.kind === 'ack') {
        // stdout carries the answers, one line each; the "thinking about it" line is a note
        info(`${who} ${msg.text}`);
      } else {
        out(msg.text);
      }
      return { status: 'posted', at: now() };
    },
    limits: () => ({ max: 1000, windowMs: 1000, minSpacingMs: 0 }),
    /** A note for the person at the console (why a line got no answer): dim above the prompt, or stderr in a pipe. */
    note(line: string) {
      if (closed) return;
      if (opts.interactive) {
        opts.output.write('\r\x1b[K');
        info(line);
        rl?.prompt(true);
      } else info(line);
    },
    async close() {
      closed = true;
      rl?.close();
    },
  };
}
