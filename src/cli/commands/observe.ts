/** botctl tail (follow the bot's event stream) and botctl audit (changes made through botctl). */
import { readAudit } from '../../controls/audit.js';
import { CliError, EXIT_OK, EXIT_USAGE, type Ctx } from '../context.js';

export function parseCount(raw: string | undefined, def: number): number {
  if (raw === undefined) return def;
  if (!/^\d{1,6}$/.test(raw.trim())) throw new CliError(`--count must be a whole number, got "${raw}"`, EXIT_USAGE);
  return Number(raw);
}

function fieldsOf(flat: string[]): Record<string, string> {
  const o: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) o[flat[i] as string] = flat[i + 1] as string;
  return o;
}

const time = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

export function eventLine(id: string, e: Record<string, string>): string {
  const at = time(Number(id.split('-')[0]));
  const where = `${e.platform ?? '?'}:${e.channel ?? '?'}`;
  const parts = [at, (e.type ?? '?').padEnd(8), where];
  if (e.route) parts.push(`route=${e.route}`);
  if (e.model) parts.push(`model=${e.model}`);
  if (e.latency_ms) parts.push(`${(Number(e.latency_ms) / 1000).toFixed(1)}s`);
  if (e.reason) parts.push(`reason=${e.reason}`);
  if (e.user) parts.push(`${e.user}:`);
  if (e.text) parts.push(e.text.length > 120 ? `${e.text.slice(0, 119)}…` : e.text);
  return parts.join('  ');
}

export async function tailCmd(ctx: Ctx, _args: string[], opts: { count?: string }): Promise<number> {
  const back = parseCount(opts.count, 10);
  const redis = await ctx.redis();
  const show = (id: string, flat: string[]) => {
    const e = fieldsOf(flat);
    if (ctx.json) ctx.outJson({ id, at: Number(id.split('-')[0]), ...e });
    else ctx.out(eventLine(id, e));
  };
  let last = '$';
  if (back > 0) {
    const recent = (await redis.xrevrange(ctx.keys.events, '+', '-', 'COUNT', back)).reverse();
    for (const [id, flat] of recent) show(id, flat);
    if (recent.length) last = recent[recent.length - 1]![0];
  }
  if (!ctx.json) ctx.warn(`following ${ctx.keys.events}; Ctrl-C to stop`);
  // a connection of its own for the blocking read, closed on SIGINT/SIGTERM
  const reader = redis.duplicate();
  reader.on('error', () => undefined);
  let stopping = false;
  const stop = () => {
    stopping = true;
    reader.disconnect();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    while (!stopping) {
      let res: [string, [string, string[]][]][] | null;
      try {
        res = (await reader.xread('COUNT', 100, 'BLOCK', 2000, 'STREAMS', ctx.keys.events, last)) as typeof res;
      } catch (err) {
        if (stopping) break;
        throw err;
      }
      for (const [, entries] of res ?? []) {
        for (const [id, flat] of entries) {
          show(id, flat);
          last = id;
        }
      }
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    reader.disconnect();
  }
  return EXIT_OK;
}

export async function auditCmd(ctx: Ctx, _args: string[], opts: { count?: string }): Promise<number> {
  const n = parseCount(opts.count, 20);
  const rows = await readAudit(await ctx.redis(), ctx.prefix, n);
  if (ctx.json) {
    for (const r of rows) ctx.outJson(r);
    return EXIT_OK;
  }
  if (rows.length === 0) ctx.out('no changes recorded yet (changes made with redis-cli are not audited; the bot logs them as "control changed")');
  for (const r of rows) {
    const what = r.action === 'add' || r.action === 'remove' ? `${r.action} ${r.field}` : `${r.field}: ${r.old ?? '(unset)'} → ${r.new ?? '(unset)'}`;
    ctx.out(`${new Date(r.at).toISOString()}  ${r.by.padEnd(12)} ${r.action.padEnd(7)} ${r.key}  ${what}${r.via && r.via !== 'botctl' ? `  (via ${r.via})` : ''}`);
  }
  return EXIT_OK;
}
