/**
 * The writes a moderator makes, validated and audited in one place: botctl, the moderators'
 * chat commands and the web panel all call these, so a change from any of them is the same
 * change (same validation, same key, same audit entry). Values go through `parseField` and
 * are written in their canonical text (`formatValue`).
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { OutboxJob } from '../queues.js';
import { appendAudit, type AuditAction } from './audit.js';
import { approve, reject, type PendingReply } from './approval.js';
import { formatValue, parseField } from './fields.js';
import { normalizeChannel } from '../platforms/registry.js';
import { controlKeys, type SetName } from './keys.js';
import type { Field } from './types.js';

/** Who makes a change (`$USER`, `twitch:some_mod`, `panel`) and through what (`botctl`, `chat:twitch:channel`, `panel`). */
export interface Actor {
  by: string;
  via?: string;
}

/** A channel's overrides, or (undefined) the global settings. */
export type ScopeRef = { platform: string; channel: string } | undefined;

export function scopeLabel(scope: ScopeRef): string {
  return scope ? `${scope.platform}:${normalizeChannel(scope.platform, scope.channel)}` : 'global';
}

export function scopeHash(prefix: string, scope: ScopeRef): string {
  const keys = controlKeys(prefix);
  return scope ? keys.channel(scope.platform, scope.channel) : keys.routing;
}

export interface FieldChange {
  scope: string;
  key: string;
  field: string;
  old: string | null;
  new: string | null;
  changed: boolean;
}

/** Write (or delete, value null) one field of a scope's hash and audit it when it changed. */
export async function writeField(redis: Redis, prefix: string, actor: Actor, scope: ScopeRef, field: string, value: string | null, action: AuditAction): Promise<FieldChange> {
  const key = scopeHash(prefix, scope);
  const old = await redis.hget(key, field);
  const base = { scope: scopeLabel(scope), key, field, old };
  if (old === value) return { ...base, new: value, changed: false };
  if (value === null) await redis.hdel(key, field);
  else await redis.hset(key, field, value);
  await appendAudit(redis, prefix, { by: actor.by, via: actor.via, at: Date.now(), action, key, field, old, new: value });
  return { ...base, new: value, changed: true };
}

export type SetFieldResult = ({ ok: true } & FieldChange) | { ok: false; field: Field; value: string; allowed: string };

/** Validate `raw` for `field` and write its canonical text; a bad value changes nothing and says what is allowed. */
export async function setField(redis: Redis, prefix: string, actor: Actor, scope: ScopeRef, field: Field, raw: string): Promise<SetFieldResult> {
  const parsed = parseField(field, raw);
  if (!parsed.ok) return { ok: false, field, value: raw, allowed: parsed.allowed };
  const value = formatValue(field, parsed.value);
  const r = await writeField(redis, prefix, actor, scope, field, value, 'set');
  // a mode set by hand replaces what `resume` would have gone back to
  if (field === 'mode' && value !== 'off') await redis.hdel(controlKeys(prefix).resumeMode, scopeLabel(scope));
  return { ok: true, ...r };
}

/** Delete a field from a scope: back to the global value (channel) or the default. */
export async function resetField(redis: Redis, prefix: string, actor: Actor, scope: ScopeRef, field: string): Promise<FieldChange> {
  const r = await writeField(redis, prefix, actor, scope, field, null, 'reset');
  if (field === 'mode') await redis.hdel(controlKeys(prefix).resumeMode, scopeLabel(scope));
  return r;
}

/** Stop answering in a scope (mode off), remembering the mode to go back to. */
export async function pauseScope(redis: Redis, prefix: string, actor: Actor, scope: ScopeRef): Promise<FieldChange> {
  const key = scopeHash(prefix, scope);
  const current = await redis.hget(key, 'mode');
  if (current?.trim().toLowerCase() === 'off') return { scope: scopeLabel(scope), key, field: 'mode', old: current, new: 'off', changed: false };
  // remember what to go back to ('' = the field was not set in this scope)
  await redis.hset(controlKeys(prefix).resumeMode, scopeLabel(scope), current ?? '');
  return writeField(redis, prefix, actor, scope, 'mode', 'off', 'pause');
}

/** Undo pauseScope: back to the mode before it (or unset). Unchanged when the scope is not paused. */
export async function resumeScope(redis: Redis, prefix: string, actor: Actor, scope: ScopeRef): Promise<FieldChange> {
  const key = scopeHash(prefix, scope);
  const label = scopeLabel(scope);
  const current = await redis.hget(key, 'mode');
  if (current?.trim().toLowerCase() !== 'off') return { scope: label, key, field: 'mode', old: current, new: current, changed: false };
  const resumeKey = controlKeys(prefix).resumeMode;
  const saved = await redis.hget(resumeKey, label);
  const back = saved && parseField('mode', saved).ok && saved.trim().toLowerCase() !== 'off' ? saved : null;
  const r = await writeField(redis, prefix, actor, scope, 'mode', back, 'resume');
  await redis.hdel(resumeKey, label);
  return r;
}

/** The member a user set holds for a viewer: `platform:login` or `platform:userId`, lower case, without `@`. */
export function userMember(platform: string, user: string): string {
  return `${platform}:${user.trim().replace(/^@/, '')}`.toLowerCase();
}

/** Add a member to (or remove it from) one of the four sets; audited when it changed. */
export async function changeMember(redis: Redis, prefix: string, actor: Actor, set: SetName, member: string, add: boolean): Promise<boolean> {
  const key = controlKeys(prefix).sets[set];
  const n = add ? await redis.sadd(key, member) : await redis.srem(key, member);
  if (n > 0) await appendAudit(redis, prefix, { by: actor.by, via: actor.via, at: Date.now(), action: add ? 'add' : 'remove', key, field: member, old: add ? null : member, new: add ? member : null });
  return n > 0;
}

/** Approve (post) or reject (drop) a held reply by its id; audited. False when no such reply waits. */
export async function decideHeld(redis: Redis, prefix: string, outbox: Queue<OutboxJob>, actor: Actor, id: string, action: 'approve' | 'reject'): Promise<PendingReply | false> {
  const res = action === 'approve' ? await approve(redis, prefix, outbox, id) : await reject(redis, prefix, id);
  if (res) {
    await appendAudit(redis, prefix, { by: actor.by, via: actor.via, at: Date.now(), action, key: controlKeys(prefix).approvalItem(res.id), field: res.id, old: 'pending', new: action === 'approve' ? 'approved' : 'rejected' });
  }
  return res;
}
