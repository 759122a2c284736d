/**
 * What the bot remembers (issue 14): exchanges (a comment the bot answered and its answer),
 * recent chat lines of a channel, facts a viewer stated about themselves, and the stream's
 * title and category. Everything here came from chat or a platform: it is untrusted data,
 * quoted when it goes into a prompt, and never an instruction.
 */
import type { Platform, Route } from '../types.js';

/** One comment the bot answered, with the answer that was posted. */
export interface Exchange {
  /** The comment's platform message id (also the exchange's id). */
  id: string;
  platform: Platform;
  channel: string;
  /** The platform's stable user id (never the display name). */
  userId: string;
  login: string;
  name: string;
  /** The comment as the model saw it (sanitized). */
  comment: string;
  /** The posted answer, parts joined, without the @mention prefix. */
  answer: string;
  route: Route;
  /** Epoch ms when the answer was handed to the outbox. */
  at: number;
  /** Platform message ids of the bot's posted messages, when the platform tells them. */
  replyIds?: string[];
}

/** One line of a channel's recent chat (answered or not), for "what are you all talking about?". */
export interface ChatLine {
  id: string;
  userId: string;
  /** The platform login, for block entries by login (absent in lines kept before it was added). */
  login?: string;
  name: string;
  text: string;
  at: number;
}

/** A short fact a viewer stated about themselves, with the exchange it came from. */
export interface Fact {
  text: string;
  exchangeId: string;
  at: number;
}

/** The stream's title and category as the platform reports them. */
export interface StreamInfo {
  title?: string;
  category?: string;
  /** Epoch ms of the read. */
  at: number;
}
