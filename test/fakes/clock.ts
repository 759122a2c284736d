/**
 * Epoch milliseconds with sub-millisecond resolution, for the fakes' records (a request's
 * arrival, a message's receipt) that the benchmark subtracts from one another. Date.now()
 * truncates to 1 ms and, on this kind of virtual machine, wanders against the monotonic
 * clock by up to ~2 ms from one reading to the next: on differences of a few ms that is a
 * large error. These readings come from the monotonic clock (CLOCK_MONOTONIC, the same in
 * every process of the machine), placed on the epoch scale once per process.
 */
const monotonic = (): number => Number(process.hrtime.bigint()) / 1e6;

const anchor = (() => {
  const first = Date.now();
  let now = first;
  // at most 1 ms of spinning, once per process: at the tick, Date.now() is exact
  while (now === first) now = Date.now();
  return now - monotonic();
})();

export const preciseNow = (): number => anchor + monotonic();

/** The machine's monotonic clock in ms: comparable between processes (see stall-probe.ts). */
export const monotonicMs = monotonic;

/** A reading of monotonicMs() (from any process of this machine) on this process's preciseNow() scale. */
export const fromMonotonic = (ms: number): number => anchor + ms;
