/**
 * What a moderator's chat command does: the same operations as botctl (src/controls/ops.ts:
 * same validation, same keys, same audit), scoped to the channel it was typed in, and the
 * one short line that confirms it in chat.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { listPending } from '../controls/approval.js';
import { FIELD_SPECS, formatValue, isField, resolveSettings } from '../controls/fields.js';
import { controlKeys } from '../controls/keys.js';
import { changeMember, decideHeld, pauseScope, resetField, resumeScope, scopeLabel, setField, userMember, type Actor, type ScopeRef } from '../controls/ops.js';
import type { Field } from '../controls/types.js';
import type { OutboxJob } from '../queues.js';
import type { ChatCommand } from '../routing/commands.js';

export interface CommandDeps {
  redis: Redis;
  prefix: string;
  outbox: Queue<OutboxJob>;
}

export interface CommandCaller {
  platform: string;
  /** Where it was typed: the channel login (Twitch) or live video id (YouTube). */
  channel: string;
  login: string;
  /** Broadcaster / channel owner: may add `global`. */
  owner: boolean;
}

export interface CommandResult {
  /** The confirmation line for chat. */
  reply: string;
  /** Whether a control key changed. */
  changed: boolean;
}

/** The stream-context field (issue 14); the command answers that it is not available until the field exists. */
const CONTEXT_FIELD = 'context';

/** `!<name> <verb>` → the field it sets with one value. */
const FIELD_VERBS: Readonly<Record<string, Field>> = { mode: 'mode', think: 'think', trigger: 'trigger', cooldown: 'user_cooldown_s' };

const USER_VERBS = {
  block: { set: 'blocked_users', add: true, done: 'blocked', already: 'is already blocked' },
  unblock: { set: 'blocked_users', add: false, done: 'unblocked', already: 'was not blocked' },
  vip: { set: 'vip_users', add: true, done: 'added to VIPs', already: 'is already a VIP' },
  unvip: { set: 'vip_users', add: false, done: 'removed from VIPs', already: 'was not a VIP' },
} as const;

export function helpLine(name: string): string {
  return (
    `!${name} status | pause | resume | mode <auto|fast|slow|off> | think <low|medium|high> | trigger <mention|question|all> | cooldown <seconds> | ` +
    `block/unblock/vip/unvip <user> | approve/reject <id> | context <text>|clear; add "global" (broadcaster) for every channel`
  );
}

async function status(deps: CommandDeps, scope: ScopeRef, label: string): Promise<string> {
  const keys = controlKeys(deps.prefix);
  const [global, own, pending] = await Promise.all([
    deps.redis.hgetall(keys.routing),
    scope ? deps.redis.hgetall(keys.channel(scope.platform, scope.channel)) : Promise.resolve({}),
    listPending(deps.redis, deps.prefix),
  ]);
  const s = resolveSettings(global, own).settings;
  const waiting = pending.filter((p) => !scope || (p.job.comment.platform === scope.platform && p.job.comment.channel === scope.channel)).length;
  return `${label}: ${s.mode === 'off' ? 'PAUSED (mode off)' : `mode ${s.mode}`}, trigger ${s.trigger}, think ${s.think}, cooldown ${s.user_cooldown_s}s, approval ${formatValue('approval', s.approval)}${s.approval ? `, ${waiting} waiting` : ''}`;
}

/** Run one command for a moderator or the broadcaster (the caller checked the badge). */
export async function runCommand(deps: CommandDeps, cmd: ChatCommand, who: CommandCaller): Promise<CommandResult> {
  const { redis, prefix } = deps;
  const actor: Actor = { by: `${who.platform}:${who.login}`.toLowerCase(), via: `chat:${who.platform}:${who.channel}` };
  if (cmd.global && !who.owner) return { reply: `only the broadcaster can change every channel ("global"); leave it out to change this channel`, changed: false };
  const scope: ScopeRef = cmd.global ? undefined : { platform: who.platform, channel: who.channel };
  const label = cmd.global ? 'all channels' : 'this channel';
  const ok = (reply: string, changed = true): CommandResult => ({ reply, changed });

  switch (cmd.verb) {
    case '':
    case 'help':
      return ok(helpLine(cmd.name), false);
    case 'status':
      return ok(await status(deps, scope, cmd.global ? 'global' : scopeLabel(scope)), false);
    case 'pause': {
      const r = await pauseScope(redis, prefix, actor, scope);
      return r.changed ? ok(`paused in ${label} (!${cmd.name} resume to undo)`) : ok(`already paused in ${label}`, false);
    }
    case 'resume': {
      const r = await resumeScope(redis, prefix, actor, scope);
      return r.changed ? ok(`answering again in ${label} (mode ${r.new ?? 'back to the default'})`) : ok(`not paused in ${label}`, false);
    }
    case 'approve':
    case 'reject': {
      const id = cmd.args[0];
      if (!id || cmd.args.length > 1) return ok(`usage: !${cmd.name} ${cmd.verb} <id> (the panel and botctl pending list the ids)`, false);
      const r = await decideHeld(redis, prefix, deps.outbox, actor, id, cmd.verb);
      if (!r) return ok(`no reply waiting with id ${id}`, false);
      return ok(cmd.verb === 'approve' ? `approved ${r.id}: posting it` : `rejected ${r.id}: it will not be posted`);
    }
    case 'block':
    case 'unblock':
    case 'vip':
    case 'unvip': {
      const spec = USER_VERBS[cmd.verb];
      const user = cmd.args[0]?.replace(/^@/, '');
      if (!user || cmd.args.length > 1 || !/^[\p{L}\p{N}_.-]{1,100}$/u.test(user)) return ok(`usage: !${cmd.name} ${cmd.verb} <user> (their login)`, false);
      const changed = await changeMember(redis, prefix, actor, spec.set, userMember(who.platform, user), spec.add);
      return changed ? ok(`${user} ${spec.done} (every channel)`) : ok(`${user} ${spec.already}`, false);
    }
    case 'context': {
      if (!isField(CONTEXT_FIELD)) return ok('stream context is not available in this version of the bot', false);
      const field = CONTEXT_FIELD as Field;
      if (cmd.rest === '') return ok(`usage: !${cmd.name} context <what is on stream now> | clear`, false);
      if (cmd.rest.toLowerCase() === 'clear') {
        const r = await resetField(redis, prefix, actor, scope, field);
        return r.changed ? ok(`stream context cleared for ${label}`) : ok(`no stream context set for ${label}`, false);
      }
      const r = await setField(redis, prefix, actor, scope, field, cmd.rest);
      if (!r.ok) return ok(`context not set: ${r.allowed}`, false);
      return r.changed ? ok(`stream context set for ${label}`) : ok(`stream context unchanged`, false);
    }
  }
  const field = FIELD_VERBS[cmd.verb];
  if (!field) return ok(`unknown command "${cmd.verb.slice(0, 30)}"; !${cmd.name} help lists them`, false);
  const raw = cmd.args.join(' ');
  if (raw === '') return ok(`${cmd.verb}: give one of ${FIELD_SPECS[field].allowed}`, false);
  const r = await setField(redis, prefix, actor, scope, field, raw);
  if (!r.ok) return ok(`${cmd.verb}: "${raw.slice(0, 30)}" is not allowed; use ${r.allowed}`, false);
  const shown = field === 'user_cooldown_s' ? `${r.new}s` : r.new;
  return r.changed ? ok(`${cmd.verb} ${shown} in ${label}`) : ok(`${cmd.verb} is already ${shown} in ${label}`, false);
}
