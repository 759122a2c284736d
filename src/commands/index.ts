/**
 * Moderators' chat commands, a gateway plugin: `!<name> <command>` from a moderator or the
 * broadcaster is taken out of the chat before intake, run through the same operations as
 * botctl, audited as `platform:login`, and confirmed with one line posted through the
 * channel's pacer ahead of waiting answers (commands win over answers; same limits).
 * Anything else (a viewer's `!botan pause`, `!forgetme`, other text) goes on to intake.
 */
import { WINDOW_MARGIN_MS } from '../handlers/outbox.js';
import { cannedParts } from '../handlers/outbox-enqueue.js';
import type { HandlerContext } from '../handlers/context.js';
import { recordEvent } from '../events.js';
import { PRIORITY_COMMAND, type Pacer } from '../platforms/pacer.js';
import type { ChatAdapter } from '../platforms/port.js';
import { commandNames, parseChatCommand } from '../routing/commands.js';
import { sanitizeComment } from '../reply/safety.js';
import { runtimeKeys, POSTED_TTL_S } from '../runtime-keys.js';
import { commentSchema, type Comment, type CommentInput, type Platform } from '../types.js';
import { runCommand } from './run.js';

/** A confirmation not out within this time after the command is not posted (the chat moved on). */
export const CONFIRM_DEADLINE_MS = 15_000;

export interface ChatCommandsDeps {
  ctx: HandlerContext;
  adapters: ReadonlyMap<Platform, ChatAdapter>;
  /** The gateway's pacer, shared with the outbox (one budget per channel). */
  pacer: Pacer;
}

export interface ChatCommands {
  /** True when the comment was a moderator's command (taken: not queued as a comment). */
  intercept(input: CommentInput): boolean;
  /** Waits for commands in flight. */
  close(): Promise<void>;
}

export function createChatCommands(deps: ChatCommandsDeps): ChatCommands {
  const { ctx } = deps;
  const log = ctx.logger.child({ component: 'commands' });
  const names = commandNames(ctx.names);
  const inflight = new Set<Promise<void>>();
  const abort = new AbortController();

  async function confirm(c: Comment, line: string): Promise<boolean> {
    const adapter = deps.adapters.get(c.platform);
    if (!adapter) return false;
    const [text] = cannedParts(ctx, c, line);
    const limits = adapter.limits(c.channel);
    const waitFrom = ctx.now();
    const granted = await deps.pacer.acquire(`${c.platform}:${c.channel}`, { ...limits, windowMs: limits.windowMs + WINDOW_MARGIN_MS }, ctx.now() + CONFIRM_DEADLINE_MS, abort.signal, PRIORITY_COMMAND);
    ctx.metrics.pacerWait(c.platform, c.channel, ctx.now() - waitFrom);
    if (!granted) return false;
    const res = await adapter.post({ platform: c.platform, channel: c.channel, text: text ?? line, replyTo: { id: c.id, author: c.author } });
    return res.status === 'posted';
  }

  async function handle(c: Comment, cmd: NonNullable<ReturnType<typeof parseChatCommand>>): Promise<void> {
    // one run per command message, whatever redelivery happens (the same guard as answers)
    const claim = await ctx.redis.set(runtimeKeys.posted(ctx.prefix, c.platform, c.id, 'command'), String(ctx.now()), 'EX', POSTED_TTL_S, 'NX');
    if (claim !== 'OK') return;
    const started = ctx.now();
    const r = await runCommand({ redis: ctx.redis, prefix: ctx.prefix, outbox: ctx.queues.outbox }, cmd, { platform: c.platform, channel: c.channel, login: c.author.login || c.author.id, owner: c.author.badges.owner });
    const appliedMs = ctx.now() - c.receivedAt;
    log.info({ platform: c.platform, channel: c.channel, commentId: c.id, command: cmd.verb || 'help', global: cmd.global, changed: r.changed, appliedMs, runMs: ctx.now() - started }, 'chat command');
    log.debug({ platform: c.platform, commentId: c.id, chat: { user: c.author.login, text: c.text, reply: r.reply } }, 'chat command text');
    ctx.metrics.event('command', c.platform, cmd.verb || 'help');
    void recordEvent(ctx.redis, ctx.prefix, { type: 'command', platform: c.platform, channel: c.channel, id: c.id, user: c.author.name, text: c.text, reason: cmd.verb || 'help', latency_ms: appliedMs });
    const posted = await confirm(c, r.reply);
    if (posted) log.info({ platform: c.platform, channel: c.channel, commentId: c.id, command: cmd.verb || 'help', totalMs: ctx.now() - c.receivedAt }, 'chat command confirmed');
    else log.info({ platform: c.platform, channel: c.channel, commentId: c.id, command: cmd.verb || 'help', reason: abort.signal.aborted ? 'shutdown' : 'late' }, 'chat command confirmation not posted');
  }

  return {
    intercept(input) {
      const cmd = parseChatCommand(sanitizeComment(String(input?.text ?? '')), names);
      if (!cmd) return false;
      const parsed = commentSchema.safeParse({ ...input, text: sanitizeComment(String(input.text)) });
      if (!parsed.success) return false;
      const c = parsed.data;
      if (!c.author.badges.moderator && !c.author.badges.owner) {
        // a viewer's command: nothing happens and nothing is posted (intake skips it as a command)
        log.debug({ platform: c.platform, channel: c.channel, commentId: c.id, chat: { user: c.author.login, text: c.text } }, 'chat command from a viewer ignored (no moderator or broadcaster badge)');
        return false;
      }
      const p = handle(c, cmd)
        .catch((err) => log.error({ err, platform: c.platform, channel: c.channel, commentId: c.id }, 'chat command failed'))
        .finally(() => inflight.delete(p));
      inflight.add(p);
      return true;
    },
    async close() {
      abort.abort();
      await Promise.allSettled([...inflight]);
    },
  };
}
