import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/botctl.js';

/**
 * botctl in this process, as bin/botctl.js runs it: main(argv, io, env) with stdin given and
 * stdout/stderr captured. `done` resolves with the exit code main() returns.
 */
export function botctlInProcess(args: string[], env: Record<string, string | undefined>, stdinText = ''): { out: () => string; err: () => string; done: Promise<number> } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const stdin = new PassThrough();
  stdin.end(stdinText);
  const done = main(args, { stdout, stderr, stdin }, env);
  return { out: () => out, err: () => err, done };
}
