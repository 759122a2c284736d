/**
 * botctl context / memory: the stream context control field, and what the bot keeps about a
 * viewer (show, forget one, forget everyone). A viewer is `platform:login` or `platform:userId`.
 */
import { appendAudit } from '../../controls/audit.js';
import { CONTEXT_MAX, parseField } from '../../controls/fields.js';
import { forgetAll, forgetViewer } from '../../memory/forget.js';
import { createMemoryStore } from '../../memory/store.js';
import { PLATFORMS } from '../../types.js';
import { CliError, EXIT_OK, EXIT_USAGE, type Ctx } from '../context.js';
import { parseChannel, resolveViewerId, scopeKey, scopeName } from '../scope.js';

export async function contextCmd(ctx: Ctx, args: string[], opts: { channel?: string; clear?: boolean }): Promise<number> {
  const channel = parseChannel(opts.channel);
  const redis = await ctx.redis();
  const key = scopeKey(ctx, channel);
  if (!opts.clear && args.length === 0) {
    const v = await redis.hget(key, 'context');
    if (ctx.json) ctx.outJson({ scope: scopeName(channel), context: v ?? '' });
    else ctx.out(v ? `${scopeName(channel)} context: ${v}` : `${scopeName(channel)} has no stream context (botctl context "what is on stream")`);
    return EXIT_OK;
  }
  if (opts.clear && args.length) throw new CliError('give either a text or --clear, not both', EXIT_USAGE);
  const parsed = opts.clear ? ({ ok: true, value: '' } as const) : parseField('context', args.join(' '));
  if (!parsed.ok) throw new CliError(`the stream context is too long: at most ${CONTEXT_MAX} characters`, EXIT_USAGE);
  const value = String(parsed.value);
  const old = await redis.hget(key, 'context');
  if (value === '') await redis.hdel(key, 'context');
  else await redis.hset(key, 'context', value);
  await appendAudit(redis, ctx.prefix, { by: ctx.by, at: Date.now(), action: value === '' ? 'reset' : 'set', key, field: 'context', old, new: value === '' ? null : value });
  if (ctx.json) ctx.outJson({ scope: scopeName(channel), field: 'context', old, new: value || null, changed: old !== (value || null) });
  else ctx.out(value ? `${scopeName(channel)} context set (takes effect within 1 s): ${value}` : `${scopeName(channel)} context cleared`);
  return EXIT_OK;
}

function parseViewer(arg: string | undefined): { platform: string; user: string } {
  const m = /^([a-z]+):(.+)$/.exec(arg?.trim() ?? '');
  if (!m || !(PLATFORMS as readonly string[]).includes(m[1]!)) throw new CliError(`give the viewer as platform:login or platform:userId (platforms: ${PLATFORMS.join(', ')}), e.g. twitch:some_viewer`, EXIT_USAGE);
  return { platform: m[1]!, user: m[2]!.trim().replace(/^@/, '') };
}

export async function memoryCmd(ctx: Ctx, args: string[]): Promise<number> {
  const [sub, target] = args;
  const redis = await ctx.redis();
  const store = createMemoryStore({
    redis,
    prefix: ctx.prefix,
    now: Date.now,
    config: ctx.env,
  });
  if (sub === 'forget-all') {
    const n = await forgetAll(redis, ctx.prefix);
    await appendAudit(redis, ctx.prefix, { by: ctx.by, at: Date.now(), action: 'reset', key: `${ctx.prefix}:mem`, field: 'forget-all', old: null, new: null });
    if (ctx.json) ctx.outJson({ forgotten: 'all', keys: n });
    else ctx.out(`deleted every viewer's memory (${n} keys)`);
    return EXIT_OK;
  }
  if (sub !== 'show' && sub !== 'forget') throw new CliError('botctl memory show <platform:user> | forget <platform:user> | forget-all', EXIT_USAGE);
  const v = parseViewer(target);
  const userId = await resolveViewerId(ctx, store, v.platform, v.user);
  if (sub === 'show') {
    const m = await store.show(v.platform, userId);
    if (ctx.json) {
      ctx.outJson({ platform: v.platform, userId, ...m });
      return EXIT_OK;
    }
    ctx.out(`${v.platform}:${v.user} (user id ${userId})`);
    if (m.keys.length === 0) {
      ctx.out('  nothing kept');
      return EXIT_OK;
    }
    if (m.lastSeen) ctx.out(`  last seen: ${new Date(m.lastSeen).toISOString()}`);
    ctx.out(`  facts (${m.facts.length}):`);
    for (const f of m.facts) ctx.out(`    - ${f.text}  (from comment ${f.exchangeId}, ${new Date(f.at).toISOString()})`);
    ctx.out(`  exchanges (${m.exchanges.length}, newest first):`);
    for (const e of m.exchanges.slice(0, 10)) ctx.out(`    - [${new Date(e.at).toISOString()} ${e.channel} ${e.route}] "${e.comment}" → "${e.answer}"`);
    ctx.out(`  keys: ${m.keys.join(', ')}`);
    return EXIT_OK;
  }
  const report = await forgetViewer(redis, redis, ctx.prefix, { platform: v.platform, userId }, { names: [v.user] });
  // the audit says that a viewer was forgotten, by whom; nothing of what they said
  await appendAudit(redis, ctx.prefix, { by: ctx.by, at: Date.now(), action: 'reset', key: `${ctx.prefix}:mem`, field: `forget ${v.platform}:${userId}`, old: null, new: null });
  if (ctx.json) ctx.outJson({ platform: v.platform, userId, ...report });
  else ctx.out(`forgot ${v.platform}:${v.user}: ${report.keys} keys, ${report.channelEntries} channel entries, ${report.jobs} queued or kept jobs, ${report.events} events, ${report.approvals} held replies deleted`);
  return EXIT_OK;
}
