/** botctl block/unblock, vip/unvip, words, keywords: the four control sets. */
import { changeMember, userMember as member } from '../../controls/ops.js';
import type { SetName } from '../../controls/keys.js';
import { CliError, EXIT_OK, EXIT_USAGE, type Ctx } from '../context.js';
import { parseTarget } from '../scope.js';

async function change(ctx: Ctx, set: SetName, members: string[], add: boolean): Promise<number> {
  const redis = await ctx.redis();
  const key = ctx.keys.sets[set];
  const results: { member: string; changed: boolean }[] = [];
  for (const m of members) results.push({ member: m, changed: await changeMember(redis, ctx.prefix, { by: ctx.by, via: 'botctl' }, set, m, add) });
  if (ctx.json) ctx.outJson({ set, key, action: add ? 'add' : 'remove', results });
  else
    for (const r of results) {
      const what = add ? 'added to' : 'removed from';
      ctx.out(r.changed ? `${r.member}: ${what} ${set} (takes effect within 1 s)` : `${r.member}: ${add ? 'already in' : 'was not in'} ${set}`);
    }
  return EXIT_OK;
}

async function list(ctx: Ctx, set: SetName): Promise<number> {
  const redis = await ctx.redis();
  const members = (await redis.smembers(ctx.keys.sets[set])).sort();
  if (ctx.json) ctx.outJson({ set, key: ctx.keys.sets[set], members });
  else if (members.length === 0) ctx.out(`${set}: empty`);
  else for (const m of members) ctx.out(m);
  return EXIT_OK;
}

/** `platform:user` → the lower-case member the bot matches (`platform:userId` or `platform:login`). */
function userMember(raw: string): string {
  const t = parseTarget(raw, 'user');
  return member(t.platform, t.name);
}

export function userSetCmd(set: 'blocked_users' | 'vip_users', add: boolean) {
  return async (ctx: Ctx, args: string[]): Promise<number> => {
    if (args.length === 0) throw new CliError('give at least one user as platform:login or platform:userId (e.g. twitch:some_troll)', EXIT_USAGE);
    if (args.length === 1 && args[0] === 'list') return list(ctx, set);
    return change(ctx, set, args.map(userMember), add);
  };
}

/** `words add|rm|list …` and `keywords add|rm|list …`. */
export function wordSetCmd(set: 'blocked_words' | 'slow_keywords') {
  return async (ctx: Ctx, args: string[]): Promise<number> => {
    const [sub, ...rest] = args;
    if (sub === 'list' && rest.length === 0) return list(ctx, set);
    if (sub !== 'add' && sub !== 'rm') throw new CliError(`expected add, rm or list (got ${sub === undefined ? 'nothing' : `"${sub}"`})`, EXIT_USAGE);
    const words = rest.map((w) => w.trim().toLowerCase()).filter((w) => w !== '');
    if (words.length === 0) throw new CliError(`give at least one word to ${sub} (quote words with spaces)`, EXIT_USAGE);
    return change(ctx, set, words, sub === 'add');
  };
}
