/** The end-of-replay report, computed from the run's event stream entries. Pure. */
export interface ReplayEvent {
  type: string;
  route?: string;
  reason?: string;
  latency_ms?: string | number;
  /** Background the answer's prompt carried, comma-separated (thread, reply, context, stream, facts, chat, related). */
  memory?: string;
}

export interface ReplayReport {
  seen: number;
  answered: Record<string, number>;
  answeredTotal: number;
  acks: number;
  skipped: Record<string, number>;
  droppedStale: number;
  dropped: Record<string, number>;
  filtered: Record<string, number>;
  latency: Record<string, { p50: number; p95: number; n: number }>;
  slowShare: number;
  /** Answers whose prompt carried background, by kind (an answer may count under several), and in total. */
  withMemory: Record<string, number>;
  withMemoryTotal: number;
  /** Comments with a final outcome (answered, skipped, dropped or filtered): equals `seen` when nothing was lost. */
  accounted: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

const inc = (m: Record<string, number>, k: string) => {
  m[k] = (m[k] ?? 0) + 1;
};

export function buildReport(events: readonly ReplayEvent[]): ReplayReport {
  const r: ReplayReport = { seen: 0, answered: {}, answeredTotal: 0, acks: 0, skipped: {}, droppedStale: 0, dropped: {}, filtered: {}, latency: {}, slowShare: 0, accounted: 0, withMemory: {}, withMemoryTotal: 0 };
  const lat: Record<string, number[]> = {};
  for (const e of events) {
    switch (e.type) {
      case 'comment':
        r.seen++;
        break;
      case 'skip':
        inc(r.skipped, e.reason ?? 'unknown');
        break;
      case 'reply': {
        const route = e.route ?? 'unknown';
        if (route === 'ack') {
          r.acks++;
          break;
        }
        inc(r.answered, route);
        r.answeredTotal++;
        (lat[route] ??= []).push(Number(e.latency_ms ?? 0));
        const kinds = (e.memory ?? '').split(',').filter(Boolean);
        if (kinds.length) r.withMemoryTotal++;
        for (const k of kinds) inc(r.withMemory, k);
        break;
      }
      case 'drop':
        if (e.reason === 'stale' || e.reason === 'late') r.droppedStale++;
        inc(r.dropped, e.reason ?? 'unknown');
        break;
      case 'filtered':
        inc(r.filtered, e.reason ?? 'unknown');
        break;
    }
  }
  for (const [route, xs] of Object.entries(lat)) {
    xs.sort((a, b) => a - b);
    r.latency[route] = { p50: percentile(xs, 50), p95: percentile(xs, 95), n: xs.length };
  }
  r.slowShare = r.answeredTotal ? (r.answered.slow ?? 0) / r.answeredTotal : 0;
  const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
  r.accounted = r.answeredTotal + sum(r.skipped) + sum(r.dropped) + sum(r.filtered);
  return r;
}

export function formatReport(r: ReplayReport): string {
  const kv = (m: Record<string, number>) => (Object.keys(m).length ? Object.entries(m).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ') : 'none');
  const lines = [
    '── replay report ──',
    `comments seen:      ${r.seen}`,
    `answered:           ${r.answeredTotal} (${kv(r.answered)})${r.acks ? `, plus ${r.acks} acknowledgements` : ''}`,
    `skipped:            ${kv(r.skipped)}`,
    `dropped as stale:   ${r.droppedStale}`,
    `dropped (all):      ${kv(r.dropped)}`,
    `filtered:           ${kv(r.filtered)}`,
    ...Object.entries(r.latency).map(([route, l]) => `latency ${route.padEnd(10)} p50 ${l.p50} ms, p95 ${l.p95} ms (n=${l.n})`),
    `slow share:         ${(r.slowShare * 100).toFixed(1)}% of answers`,
    `with memory:        ${r.withMemoryTotal} answers used a thread, context or memory (${kv(r.withMemory)})`,
    `accounted for:      ${r.accounted} of ${r.seen} comments`,
  ];
  return lines.join('\n');
}
