/** Parsing of `platform:name` arguments and reading the settings hashes for a scope. */
import { FIELDS, formatValue, resolveSettings, type BadValue } from '../controls/fields.js';
import { normalizeChannel } from '../platforms/registry.js';
import type { Field, Settings, Source } from '../controls/types.js';
import type { MemoryStore } from '../memory/store.js';
import { createViewerState } from '../viewer-state.js';
import { PLATFORMS, type Platform } from '../types.js';
import { CliError, EXIT_USAGE, type Ctx } from './context.js';

export interface Target {
  platform: Platform;
  name: string;
}

/**
 * The user id a viewer's login (as a moderator types it) stands for: the workers key a viewer's
 * state and memory by user id. Looked up where the viewer has state (cooldown, strikes), then
 * in memory's login index (memory on), else taken as typed (an id).
 */
export async function resolveViewerId(ctx: Ctx, store: Pick<MemoryStore, 'resolveUser'>, platform: string, login: string): Promise<string> {
  const viewers = createViewerState({ redis: await ctx.redis(), prefix: ctx.prefix });
  return (await viewers.resolveLogin(platform, login)) ?? (await store.resolveUser(platform, login));
}

/** `twitch:somechannel`, `youtube:VIDEO_ID`: what --channel, --user and block/vip take. */
export function parseTarget(raw: string, what: string): Target {
  const i = raw.indexOf(':');
  const platform = (i > 0 ? raw.slice(0, i) : '').trim().toLowerCase();
  const name = i > 0 ? raw.slice(i + 1).trim() : '';
  if (!(PLATFORMS as readonly string[]).includes(platform) || name === '' || /\s/.test(name)) {
    throw new CliError(`${what} must look like platform:name with platform one of ${PLATFORMS.join(', ')} (e.g. twitch:somechannel), got "${raw}"`, EXIT_USAGE);
  }
  return { platform: platform as Platform, name };
}

export function parseChannel(raw: string | undefined): Target | undefined {
  if (raw === undefined) return undefined;
  const t = parseTarget(raw, '--channel');
  return { platform: t.platform, name: normalizeChannel(t.platform, t.name) };
}

/** The hash a change goes to: the global one, or one channel's overrides. */
export function scopeKey(ctx: Ctx, channel: Target | undefined): string {
  return channel ? ctx.keys.channel(channel.platform, channel.name) : ctx.keys.routing;
}

export function scopeName(channel: Target | undefined): string {
  return channel ? `${channel.platform}:${channel.name}` : 'global';
}

export interface ScopeView {
  scope: string;
  key: string;
  settings: Settings;
  sources: Record<Field, Source>;
  /** Fields set in this scope's own hash, as written. */
  raw: Record<string, string>;
  bad: (BadValue & { key: string; fix: string })[];
}

/** Effective settings for the global scope or one channel, as a bot process reading now would see them. */
export async function readScope(ctx: Ctx, channel: Target | undefined): Promise<ScopeView> {
  const redis = await ctx.redis();
  const global = await redis.hgetall(ctx.keys.routing);
  const key = scopeKey(ctx, channel);
  const own = channel ? await redis.hgetall(key) : {};
  const r = resolveSettings(global, own);
  return {
    scope: scopeName(channel),
    key,
    settings: r.settings,
    sources: r.sources,
    raw: channel ? own : global,
    bad: r.bad.map((b) => ({
      ...b,
      key: b.scope === 'global' ? ctx.keys.routing : key,
      fix: `botctl ${b.reason === 'unknown_field' ? 'reset' : 'set'} ${b.field}${b.reason === 'unknown_field' ? '' : ' <value>'}${b.scope === 'channel' && channel ? ` --channel ${scopeName(channel)}` : ''}`,
    })),
  };
}

export function settingsText(v: ScopeView, only?: Field): string[] {
  const fields = only ? [only] : FIELDS;
  return fields.map((f) => `  ${f.padEnd(17)} ${formatValue(f, v.settings[f]).padEnd(9)} (${v.sources[f]})`);
}

export function badText(bad: ScopeView['bad']): string[] {
  return bad.map((b) =>
    b.reason === 'unknown_field'
      ? `  ${b.key} has a field "${b.field}" that is not a control; the bot ignores it (fields: ${b.allowed}). Remove it: redis-cli HDEL ${b.key} ${b.field}`
      : `  ${b.key} ${b.field} = "${b.value}" is not allowed and is ignored (allowed: ${b.allowed}); fix it: ${b.fix}`,
  );
}
