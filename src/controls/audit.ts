/**
 * `<prefix>:audit`: a capped Redis stream of every change made through botctl, a moderator's
 * chat command or the web panel (who, where, when, which key and field, old and new value). Changes made with redis-cli are not here; the
 * bot's own `control changed` log lines record those.
 */
import type { Redis } from 'ioredis';
import { controlKeys } from './keys.js';

export const AUDIT_MAXLEN = 10_000;

export type AuditAction = 'set' | 'reset' | 'add' | 'remove' | 'pause' | 'resume' | 'approve' | 'reject';

export interface AuditEntry {
  /** Stream id (absent before writing). */
  id?: string;
  /** $USER or botctl --by; `platform:login` for a moderator's chat command; `panel` for the web panel. */
  by: string;
  /** Where the change was made: `botctl`, `chat:<platform>:<channel>`, `panel` (absent in older entries). */
  via?: string;
  /** Epoch ms. */
  at: number;
  action: AuditAction;
  key: string;
  /** Hash field, set member or approval id. */
  field: string;
  /** Value before the change; null when there was none (field unset, member absent). */
  old: string | null;
  /** Value after the change; null when there is none (field deleted, member removed). */
  new: string | null;
}

export async function appendAudit(redis: Redis, prefix: string, e: Omit<AuditEntry, 'id'>): Promise<string> {
  const fields = ['by', e.by, 'at', String(e.at), 'action', e.action, 'key', e.key, 'field', e.field];
  if (e.via) fields.push('via', e.via);
  if (e.old !== null) fields.push('old', e.old);
  if (e.new !== null) fields.push('new', e.new);
  const id = await redis.xadd(controlKeys(prefix).audit, 'MAXLEN', '~', String(AUDIT_MAXLEN), '*', ...fields);
  return id ?? '';
}

function toEntry(id: string, flat: string[]): AuditEntry {
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) m.set(flat[i] as string, flat[i + 1] as string);
  return {
    id,
    by: m.get('by') ?? '?',
    ...(m.has('via') ? { via: m.get('via') } : {}),
    at: Number(m.get('at') ?? id.split('-')[0]),
    action: (m.get('action') ?? 'set') as AuditAction,
    key: m.get('key') ?? '',
    field: m.get('field') ?? '',
    old: m.get('old') ?? null,
    new: m.get('new') ?? null,
  };
}

/** The latest `count` changes, oldest first. */
export async function readAudit(redis: Redis, prefix: string, count = 20): Promise<AuditEntry[]> {
  const rows = await redis.xrevrange(controlKeys(prefix).audit, '+', '-', 'COUNT', count);
  return rows.map(([id, flat]) => toEntry(id, flat)).reverse();
}
