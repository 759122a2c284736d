/**
 * A process that does nothing but wake every 2 ms, beside a benchmark run: when it wakes
 * late, nothing on the machine could run it (the virtual CPUs were busy or not scheduled by
 * the host). Such stalls delay the bot, Redis and the fakes alike, and they are not the bot's
 * work. The scenario reports them next to the overhead, and counts the answers whose path
 * (comment → model request, end of stream → reply) crossed one.
 *
 *   startStallProbe() ... probe.stop() → the stalls seen, as [start, end] on preciseNow()'s scale
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fromMonotonic, monotonicMs } from '../test/fakes/clock.js';

/** A wake-up more than this late (ms past the 2 ms tick) counts as a stall. */
export const STALL_MS = 4;
const TICK_MS = 2;

export interface Stall {
  start: number;
  end: number;
}

export interface StallProbe {
  /** The probe's process id. */
  pid: number;
  /** Stops the probe and returns the stalls it saw (the same answer when called again). */
  stop(): Promise<Stall[]>;
}

export async function startStallProbe(): Promise<StallProbe> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--probe'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the stall probe exited with ${code} before it started`)));
  });
  let stopped: Promise<Stall[]> | undefined;
  return {
    pid: child.pid!,
    stop: () =>
      (stopped ??= new Promise<Stall[]>((resolve, reject) => {
        child.removeAllListeners('exit');
        child.once('message', (m) => {
          // the probe's clock readings, on this process's scale
          resolve((m as Stall[]).map((x) => ({ start: fromMonotonic(x.start), end: fromMonotonic(x.end) })));
          child.disconnect();
        });
        child.once('exit', (code) => reject(new Error(`the stall probe exited with ${code} without its results`)));
        child.send('stop');
      })),
  };
}

function probe(): void {
  const stalls: Stall[] = [];
  let last = monotonicMs();
  const timer = setInterval(() => {
    const now = monotonicMs();
    if (now - last > TICK_MS + STALL_MS) stalls.push({ start: last + TICK_MS, end: now });
    last = now;
  }, TICK_MS);
  process.on('message', () => {
    clearInterval(timer);
    process.send!(stalls);
  });
  process.send!('ready');
}

/** Whether any stall overlaps [from, to]. */
export function crossesStall(stalls: readonly Stall[], from: number, to: number): boolean {
  return stalls.some((s) => s.start < to && s.end > from);
}

if (process.argv.includes('--probe')) probe();
