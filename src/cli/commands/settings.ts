/** botctl get / set / reset / pause / resume: the routing hashes. */
import { FIELDS, FIELD_SPECS, isField } from '../../controls/fields.js';
import { pauseScope, resetField, resumeScope, setField, type Actor, type ScopeRef } from '../../controls/ops.js';
import type { Field } from '../../controls/types.js';
import { scanKeys } from '../../redis.js';
import { CliError, EXIT_OK, EXIT_USAGE, type Ctx } from '../context.js';
import { badText, parseChannel, readScope, scopeKey, scopeName, settingsText, type Target } from '../scope.js';

export function requireField(name: string | undefined): Field {
  if (name === undefined) throw new CliError(`missing field name (fields: ${FIELDS.join(', ')})`, EXIT_USAGE);
  const f = name.trim().toLowerCase();
  if (!isField(f)) throw new CliError(`unknown field "${name}" (fields: ${FIELDS.join(', ')})`, EXIT_USAGE);
  return f;
}

export async function getCmd(ctx: Ctx, args: string[], opts: { channel?: string }): Promise<number> {
  const field = args[0] === undefined ? undefined : requireField(args[0]);
  const channel = parseChannel(opts.channel);
  const v = await readScope(ctx, channel);
  if (ctx.json) {
    if (field) ctx.outJson({ scope: v.scope, field, value: v.settings[field], source: v.sources[field], bad: v.bad.filter((b) => b.field === field) });
    else ctx.outJson({ scope: v.scope, key: v.key, settings: v.settings, sources: v.sources, bad: v.bad });
    return EXIT_OK;
  }
  ctx.out(`${v.scope === 'global' ? 'global settings' : `settings for ${v.scope}`} (value, then where it comes from: channel, global or default)`);
  for (const line of settingsText(v, field)) ctx.out(line);
  const bad = field ? v.bad.filter((b) => b.field === field) : v.bad;
  if (bad.length) {
    ctx.out('problems in Redis (the bot keeps the last good value or the default):');
    for (const line of badText(bad)) ctx.out(line);
  }
  return EXIT_OK;
}

const actor = (ctx: Ctx): Actor => ({ by: ctx.by, via: 'botctl' });

export async function setCmd(ctx: Ctx, args: string[], opts: { channel?: string }): Promise<number> {
  const field = requireField(args[0]);
  if (args[1] === undefined) throw new CliError(`missing value for ${field} (allowed: ${FIELD_SPECS[field].allowed})`, EXIT_USAGE);
  if (args.length > 2) throw new CliError(`too many arguments: botctl set ${field} <value> (quote a value that has spaces)`, EXIT_USAGE);
  const channel = parseChannel(opts.channel);
  const r = await setField(await ctx.redis(), ctx.prefix, actor(ctx), ref(channel), field, args[1]);
  if (!r.ok) throw new CliError(`"${args[1]}" is not a valid ${field}; allowed: ${r.allowed}`, EXIT_USAGE);
  report(ctx, r);
  if (!channel) await warnShadowed(ctx, field);
  return EXIT_OK;
}

export async function resetCmd(ctx: Ctx, args: string[], opts: { channel?: string; all?: boolean }): Promise<number> {
  if (opts.all && args.length) throw new CliError('give either a field or --all, not both', EXIT_USAGE);
  if (!opts.all && args.length !== 1) throw new CliError(`botctl reset <field>|--all [--channel platform:channel] (fields: ${FIELDS.join(', ')})`, EXIT_USAGE);
  const channel = parseChannel(opts.channel);
  const redis = await ctx.redis();
  const fields = opts.all ? Object.keys(await redis.hgetall(scopeKey(ctx, channel))) : [requireField(args[0])];
  const results = [];
  for (const f of fields) {
    const r = await resetField(redis, ctx.prefix, actor(ctx), ref(channel), f);
    results.push({ scope: scopeName(channel), field: f, old: r.old, new: null, changed: r.changed });
  }
  if (opts.all) await redis.hdel(ctx.keys.resumeMode, scopeName(channel));
  if (ctx.json) ctx.outJson({ changes: results });
  else if (results.length === 0) ctx.out(`nothing to reset: ${scopeName(channel)} has no fields set`);
  else for (const r of results) ctx.out(`${r.scope} ${r.field}: ${r.changed ? `${r.old} → (unset: ${channel ? 'global value or default' : 'default'})` : 'was not set'}`);
  return EXIT_OK;
}

function report(ctx: Ctx, r: { scope: string; field: string; old: string | null; new: string | null; changed: boolean }): void {
  if (ctx.json) ctx.outJson({ scope: r.scope, field: r.field, old: r.old, new: r.new, changed: r.changed });
  else if (!r.changed) ctx.out(`${r.scope} ${r.field} is already ${r.new ?? '(unset)'}`);
  else ctx.out(`${r.scope} ${r.field}: ${r.old ?? '(unset)'} → ${r.new ?? '(unset)'} (takes effect within 1 s)`);
}

/** A global change does not reach channels that override the same field: say which. */
async function warnShadowed(ctx: Ctx, field: Field): Promise<void> {
  const redis = await ctx.redis();
  const shadowed: string[] = [];
  for (const key of await scanKeys(redis, ctx.keys.channelPattern)) {
    const ch = ctx.keys.parseChannelKey(key);
    if (!ch) continue;
    const own = await redis.hget(key, field).catch(() => null);
    if (own !== null) shadowed.push(`${ch.platform}:${ch.channel} (${field}=${own})`);
  }
  if (shadowed.length) ctx.warn(`these channels override ${field} and keep their own value: ${shadowed.join(', ')}; use --channel to change them`);
}

export async function pauseCmd(ctx: Ctx, _args: string[], opts: { channel?: string }): Promise<number> {
  const channel = parseChannel(opts.channel);
  const r = await pauseScope(await ctx.redis(), ctx.prefix, actor(ctx), ref(channel));
  if (!r.changed) {
    if (ctx.json) ctx.outJson({ scope: r.scope, field: 'mode', old: r.old, new: 'off', changed: false });
    else ctx.out(`${r.scope} is already paused (mode off); botctl resume to undo`);
    return EXIT_OK;
  }
  report(ctx, r);
  if (!channel) await warnShadowed(ctx, 'mode');
  return EXIT_OK;
}

export async function resumeCmd(ctx: Ctx, _args: string[], opts: { channel?: string }): Promise<number> {
  const channel = parseChannel(opts.channel);
  const r = await resumeScope(await ctx.redis(), ctx.prefix, actor(ctx), ref(channel));
  if (!r.changed) {
    if (ctx.json) ctx.outJson({ scope: r.scope, field: 'mode', old: r.old, new: r.old, changed: false });
    else ctx.out(`${r.scope} is not paused (mode ${r.old ?? 'not set here'})`);
    return EXIT_OK;
  }
  report(ctx, r);
  return EXIT_OK;
}

/** botctl's --channel target as the scope the shared operations take. */
function ref(channel: Target | undefined): ScopeRef {
  return channel && { platform: channel.platform, channel: channel.name };
}
