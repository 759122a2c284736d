/**
 * The replay file format (DESIGN.md "Console and replay"; docs/replay.md): JSON Lines, one
 * chat comment per line. Parsing and the mapping to our `Comment` input. Pure: no I/O.
 *
 *   {"t": 12.5, "user": "viewer_login", "text": "…", "badges": ["moderator"], "paid": 500, "currency": "JPY"}
 */
import { z } from 'zod';
import { platformSchema, type CommentInput, type Platform } from '../types.js';

export const REPLAY_BADGES = ['moderator', 'owner', 'broadcaster', 'member', 'subscriber', 'vip', 'verified', 'first'] as const;
export type ReplayBadge = (typeof REPLAY_BADGES)[number];

export const REPLAY_KINDS = ['chat', 'cheer', 'superchat', 'membership'] as const;

/** The currency a `paid` amount is in when a line leaves `currency` out (YouTube lines must say). */
export const DEFAULT_CURRENCY = 'bits';

const lineObject = z.strictObject({
  /** Seconds since the start of the recording. */
  t: z.number().finite().nonnegative(),
  /** The viewer's login (Twitch) or name (YouTube). */
  user: z.string().trim().min(1).max(200),
  text: z.string().max(20_000),
  /** Display name, when it differs from `user`. */
  name: z.string().min(1).max(200).optional(),
  /** The platform's message id, if the recording has one. */
  id: z.string().min(1).max(200).optional(),
  badges: z.array(z.enum(REPLAY_BADGES)).max(16).optional(),
  /** Bits, or the amount in `currency`. */
  paid: z.number().finite().nonnegative().optional(),
  /** ISO 4217 code (`JPY`, `USD`) or `bits`. */
  currency: z.string().trim().min(1).max(16).optional(),
  platform: platformSchema.optional(),
  /** Only needed for `membership` (a new member or a milestone); otherwise derived from `paid`. */
  kind: z.enum(REPLAY_KINDS).optional(),
});

export const replayLineSchema = lineObject.superRefine((l, ctx) => {
  if (l.currency !== undefined && l.paid === undefined) {
    ctx.addIssue({ code: 'custom', path: ['currency'], message: 'currency without paid: add "paid" (the amount) or remove "currency"' });
  }
  if (l.paid !== undefined && l.platform === 'youtube') {
    if (l.currency === undefined) {
      ctx.addIssue({ code: 'custom', path: ['currency'], message: 'a paid youtube line needs "currency" (an ISO 4217 code such as "JPY" or "USD")' });
    } else if (l.currency.toLowerCase() === 'bits') {
      ctx.addIssue({ code: 'custom', path: ['currency'], message: 'youtube has no bits: give the super chat currency (e.g. "JPY")' });
    }
  }
  if ((l.kind === 'cheer' || l.kind === 'superchat') && l.paid === undefined) {
    ctx.addIssue({ code: 'custom', path: ['kind'], message: `kind "${l.kind}" needs "paid" (the amount)` });
  }
});

export type ReplayLine = z.infer<typeof replayLineSchema>;

export interface ReplayError {
  /** 1-based line number in the file. */
  line: number;
  message: string;
}

export interface ParsedReplay {
  /** Valid lines, sorted by `t` (lines with equal `t` keep their file order). */
  lines: ReplayLine[];
  /** Lines that could not be used; they are left out of `lines`. */
  errors: ReplayError[];
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const at = i.path.length ? `"${i.path.join('.')}"` : 'line';
      return `${at}: ${i.message}`;
    })
    .join('; ');
}

/** What a converter (convert-twitch.ts, convert-youtube.ts) returns. */
export interface ConvertResult {
  /** Replay lines, sorted by `t`, with `t` = 0 at the earliest message. */
  lines: ReplayLine[];
  /** Items that looked like chat but could not be converted (1-based line or array position). */
  errors: ReplayError[];
  /** Input lines or items that are not chat messages (other IRC commands, tickers, engagement notes); blank lines are not counted. */
  skipped: number;
}

/**
 * Call `fn` for each non-blank line of a JSON Lines text (BOM and any line ending accepted)
 * with the parsed value, or with `bad` set to the parse error for a line that is not JSON.
 */
export function eachJsonLine(text: string, fn: (value: unknown, lineNo: number, bad?: string) => void): void {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  body.split(/\r\n|\n|\r/).forEach((raw, i) => {
    const src = raw.trim();
    if (src === '') return;
    let value: unknown;
    try {
      value = JSON.parse(src);
    } catch (err) {
      fn(undefined, i + 1, err instanceof Error ? err.message : String(err));
      return;
    }
    fn(value, i + 1);
  });
}

/** Parse a JSONL replay. Bad lines are reported with their line number and skipped, never fatal. */
export function parseReplay(text: string): ParsedReplay {
  const lines: { line: ReplayLine; order: number }[] = [];
  const errors: ReplayError[] = [];
  eachJsonLine(text, (value, lineNo, bad) => {
    if (bad !== undefined) {
      errors.push({ line: lineNo, message: `not valid JSON (${bad}); each line must be one JSON object` });
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      errors.push({ line: lineNo, message: 'not a JSON object; each line must be {"t": …, "user": …, "text": …}' });
      return;
    }
    const parsed = replayLineSchema.safeParse(value);
    if (!parsed.success) {
      errors.push({ line: lineNo, message: describeIssues(parsed.error) });
      return;
    }
    lines.push({ line: parsed.data, order: lines.length });
  });
  lines.sort((a, b) => a.line.t - b.line.t || a.order - b.order);
  return { lines: lines.map((l) => l.line), errors };
}

/** One line as JSON text (no trailing newline), keys in the documented order, empty options left out. */
export function formatReplayLine(line: ReplayLine): string {
  const out: Record<string, unknown> = { t: Math.round(line.t * 1000) / 1000, user: line.user };
  if (line.name !== undefined && line.name !== line.user) out.name = line.name;
  out.text = line.text;
  if (line.badges?.length) out.badges = line.badges;
  if (line.paid !== undefined) out.paid = line.paid;
  if (line.currency !== undefined) out.currency = line.currency;
  if (line.kind !== undefined) out.kind = line.kind;
  if (line.platform !== undefined) out.platform = line.platform;
  if (line.id !== undefined) out.id = line.id;
  return JSON.stringify(out);
}

export interface LineToCommentOptions {
  /** Position of the line in the replay (0-based): the message id is `replay-<index>` when the line has none. */
  index: number;
  /** Twitch channel login, YouTube live id, or `local`. */
  channel: string;
  /** Clock reading (epoch ms): both `receivedAt` and `sentAt`. */
  now: number;
  /** Overrides the line's own platform (the replay's `--platform`). */
  platform?: Platform;
  /**
   * Prepended to every message id, so a second replay of the same file in the same Redis
   * is not taken for answers already given (message ids are the idempotency key).
   */
  idPrefix?: string;
}

/** Build the `Comment` input for one replay line. */
export function lineToComment(line: ReplayLine, opts: LineToCommentOptions): CommentInput {
  const platform = opts.platform ?? line.platform ?? 'twitch';
  const login = line.user.toLowerCase();
  const has = (...b: ReplayBadge[]): boolean => b.some((x) => line.badges?.includes(x) === true);
  const now = Math.max(0, Math.floor(opts.now));
  let paid: CommentInput['paid'];
  let kind: NonNullable<CommentInput['kind']> = line.kind ?? 'chat';
  if (line.paid !== undefined) {
    const currency = line.currency ?? DEFAULT_CURRENCY;
    paid = { amount: line.paid, currency };
    if (line.kind === undefined) kind = currency.toLowerCase() === 'bits' ? 'cheer' : 'superchat';
  }
  return {
    platform,
    channel: opts.channel,
    id: `${opts.idPrefix ?? ''}${line.id ?? `replay-${opts.index}`}`,
    author: {
      id: `${platform}:${login}`,
      login,
      name: line.name ?? line.user,
      badges: {
        moderator: has('moderator'),
        owner: has('owner', 'broadcaster'),
        member: has('member', 'subscriber'),
        vip: has('vip'),
        verified: has('verified'),
      },
      firstMessage: has('first'),
    },
    text: line.text,
    kind,
    ...(paid ? { paid } : {}),
    sentAt: now,
    receivedAt: now,
  };
}
