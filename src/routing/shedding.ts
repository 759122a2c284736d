/**
 * Adaptive shedding at intake (pure). When the fast queue is deeper than its budget, the
 * lowest-priority comments are not queued at all, so the queue stays bounded whatever the
 * input rate: plain chat first (priority >= 30, which includes comments the trigger would
 * not answer), then mentions (20), then moderators and VIPs (10); paid comments only past
 * eight times the budget.
 */
export function shouldShed(priority: number, waiting: number, maxWaiting: number): boolean {
  if (priority >= 30) return waiting >= maxWaiting;
  if (priority >= 20) return waiting >= maxWaiting * 2;
  if (priority >= 10) return waiting >= maxWaiting * 4;
  return waiting >= maxWaiting * 8;
}
