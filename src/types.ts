import { z } from 'zod';
import { ROUTE_NAMES } from './llm/routes.js';
import { PLATFORM_NAMES } from './platforms/registry.js';

/** Where a comment came from and where its reply goes: the registered platforms (src/platforms/registry.ts). */
export const PLATFORMS = PLATFORM_NAMES;
export const platformSchema = z.enum(PLATFORMS);
export type Platform = z.infer<typeof platformSchema>;

export const badgesSchema = z.object({
  moderator: z.boolean().default(false),
  /** Twitch broadcaster or YouTube channel owner. */
  owner: z.boolean().default(false),
  /** Twitch subscriber or YouTube member. */
  member: z.boolean().default(false),
  vip: z.boolean().default(false),
  verified: z.boolean().default(false),
});
export type Badges = z.infer<typeof badgesSchema>;

export const paidSchema = z.object({
  /** Bits for Twitch cheers; the amount in `currency` for super chats. */
  amount: z.number().nonnegative(),
  /** ISO currency code, or `bits`. */
  currency: z.string().min(1).max(16),
  /** What the platform displayed, e.g. "¥500". */
  display: z.string().max(64).optional(),
});
export type Paid = z.infer<typeof paidSchema>;

/** One chat event, normalised from any platform. */
export const commentSchema = z.object({
  platform: platformSchema,
  /** Twitch: channel login, lower case, no `#`. YouTube: live video id. Console: `local`. */
  channel: z.string().min(1).max(200),
  /** The platform's message id: the idempotency key for the answer. */
  id: z.string().min(1).max(200),
  author: z.object({
    id: z.string().min(1).max(200),
    /** Login name where the platform has one (Twitch), else the display name. */
    login: z.string().max(200),
    name: z.string().max(200),
    badges: badgesSchema,
    firstMessage: z.boolean().default(false),
  }),
  /** Plain text; emotes as their text. May be empty (e.g. a bare cheer). */
  text: z.string().max(20_000),
  /** Emote names the platform marked in the text (Twitch's `emotes` tag), distinct, when it sent any. */
  emotes: z.array(z.string().min(1).max(100)).max(200).optional(),
  kind: z.enum(['chat', 'cheer', 'superchat', 'membership']).default('chat'),
  paid: paidSchema.optional(),
  /**
   * The message this comment replies to, where the platform has threads (Twitch reply tags):
   * its id, author, text, and the thread's first message (the comment the bot answered when
   * the parent is the bot's own reply).
   */
  replyTo: z
    .object({
      id: z.string().max(200).optional(),
      userId: z.string().max(200).optional(),
      login: z.string().max(200).optional(),
      body: z.string().max(2000).optional(),
      threadId: z.string().max(200).optional(),
    })
    .optional(),
  /** When the platform says the viewer sent it (epoch ms), if it says. */
  sentAt: z.number().int().nonnegative().optional(),
  /** When the gateway received it (epoch ms). */
  receivedAt: z.number().int().nonnegative(),
});
export type Comment = z.infer<typeof commentSchema>;
/** What adapters build: defaults may be left out. */
export type CommentInput = z.input<typeof commentSchema>;

export const routeSchema = z.enum([...ROUTE_NAMES, 'fallback', 'ack', 'canned']);
/** A model route (src/llm/routes.ts: fast, slow); fallback: fast model after the slow route failed; ack: acknowledgement line; canned: character line. */
export type Route = z.infer<typeof routeSchema>;

export const timingsSchema = z.object({
  /** Comment received by the gateway → job picked up by the worker that answered. */
  queueWaitMs: z.number().nonnegative().default(0),
  /** Model request sent → first answer token. */
  ttftMs: z.number().nonnegative().default(0),
  /** Model request sent → stream closed. */
  modelMs: z.number().nonnegative().default(0),
  /** Comment received → reply handed to the outbox. */
  totalMs: z.number().nonnegative().default(0),
});
export type Timings = z.infer<typeof timingsSchema>;
