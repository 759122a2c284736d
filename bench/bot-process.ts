/**
 * The bot as a user runs it: a child process on the real entry point (`npm start` is
 * `tsx workers/main.ts`; here `node --import tsx workers/<entry>.ts`, so the measured pid is
 * the bot itself, not an npm or tsx wrapper). Collects its pino JSON lines and reads its
 * CPU time and RSS from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export type LogLine = Record<string, unknown> & { msg?: string; time?: number; level?: number };

export interface BotProcess {
  pid: number;
  /** Every JSON log line so far, in order. */
  logs: LogLine[];
  /** Resolves with the first log line that matches, or rejects after `timeoutMs`. */
  waitForLog(match: (l: LogLine) => boolean, timeoutMs: number): Promise<LogLine>;
  /** CPU time (user + system) used so far, ms. */
  cpuMs(): number;
  /** Resident set size now, bytes. */
  rssBytes(): number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** Last lines of stderr (for error messages). */
  stderrTail(): string;
}

/** The bot's environment: the developer's shell without the bot's own variables, plus `extra`. */
export { childEnv as botEnv } from '../test/helpers/spawn.js';

const CLK_TCK = 100;

function readCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name (which may hold spaces) start after the last ')'
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

function readRss(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export function startProcess(script: string, env: Record<string, string>, args: string[] = []): BotProcess {
  // BENCH_NODE_ARGS: extra node flags for the bot, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: LogLine[] = [];
  const waiters = new Set<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  let stderr = '';
  let exited: number | null | undefined;
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve((exited = code))));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) {
      // what the extra node flags print (--trace-gc, ...) goes to the benchmark's stderr
      if (nodeArgs.length) process.stderr.write(`[bot ${child.pid}] ${line}\n`);
      return;
    }
    let l: LogLine;
    try {
      l = JSON.parse(line) as LogLine;
    } catch {
      return;
    }
    logs.push(l);
    for (const w of waiters) if (w.match(l)) (waiters.delete(w), w.resolve(l));
  });
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const pid = child.pid!;
  return {
    pid,
    logs,
    waitForLog(match, timeoutMs) {
      const hit = logs.find(match);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const w = { match, resolve: (l: LogLine) => (clearTimeout(timer), resolve(l)) };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`${script} (pid ${pid}) did not log the expected line within ${timeoutMs} ms${exited !== undefined ? `; it exited with ${exited}` : ''}\n${stderr}`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
    cpuMs: () => readCpuMs(pid),
    rssBytes: () => readRss(pid),
    async stop(graceMs = 5000) {
      if (exited !== undefined) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
    stderrTail: () => stderr,
  };
}
