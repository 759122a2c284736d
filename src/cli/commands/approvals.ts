/** botctl pending / approve / reject: replies held while `approval` is on. */
import { Queue } from 'bullmq';
import { listPending, type PendingReply } from '../../controls/approval.js';
import { decideHeld } from '../../controls/ops.js';
import { QUEUE, type OutboxJob } from '../../queues.js';
import { CliError, EXIT_FAIL, EXIT_OK, EXIT_USAGE, type Ctx } from '../context.js';

function view(p: PendingReply, now: number) {
  const c = p.job.comment;
  return {
    id: p.id,
    platform: c.platform,
    channel: c.channel,
    user: c.author.name,
    comment: c.text,
    reply: p.job.parts.join(' '),
    route: p.job.route,
    model: p.job.model,
    heldAt: new Date(p.heldAt).toISOString(),
    expiresInS: Math.max(0, Math.round((p.expiresAt - now) / 1000)),
  };
}

export async function pendingCmd(ctx: Ctx): Promise<number> {
  const redis = await ctx.redis();
  const now = Date.now();
  const items = (await listPending(redis, ctx.prefix, now)).map((p) => view(p, now));
  if (ctx.json) {
    ctx.outJson({ pending: items });
    return EXIT_OK;
  }
  if (items.length === 0) {
    const on = (await redis.hget(ctx.keys.routing, 'approval')) ?? 'off';
    ctx.out(`no replies waiting (global approval is ${on})`);
    return EXIT_OK;
  }
  for (const i of items) {
    ctx.out(`${i.id}  ${i.platform}:${i.channel}  expires in ${i.expiresInS}s  (${i.route}, ${i.model})`);
    ctx.out(`    ${i.user}: ${i.comment}`);
    ctx.out(`    → ${i.reply}`);
  }
  ctx.out(`botctl approve <id> posts a reply; botctl reject <id> drops it.`);
  return EXIT_OK;
}

export function decideCmd(action: 'approve' | 'reject') {
  return async (ctx: Ctx, args: string[]): Promise<number> => {
    if (args.length !== 1) throw new CliError(`botctl ${action} <id> (ids are listed by botctl pending)`, EXIT_USAGE);
    const id = args[0] as string;
    const redis = await ctx.redis();
    const outbox = new Queue<OutboxJob>(QUEUE.outbox, { connection: redis, prefix: ctx.prefix });
    ctx.onClose(() => outbox.close());
    const res = await decideHeld(redis, ctx.prefix, outbox, { by: ctx.by, via: 'botctl' }, id, action);
    if (!res) {
      if (ctx.json) ctx.outJson({ id, action, ok: false });
      ctx.warn(`no reply waiting with id "${id}": it expired, was already ${action === 'approve' ? 'approved or rejected' : 'handled'}, or the id is mistyped (botctl pending lists them)`);
      return EXIT_FAIL;
    }
    if (ctx.json) ctx.outJson({ id: res.id, action, ok: true, reply: view(res, Date.now()) });
    else ctx.out(action === 'approve' ? `${res.id}: approved; posting to ${res.job.comment.platform}:${res.job.comment.channel}` : `${res.id}: rejected; it will not be posted`);
    return EXIT_OK;
  };
}
