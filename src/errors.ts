/**
 * Named errors with stable codes. Code branches on `code` (or `instanceof`), never on
 * message text. Messages say what to do next.
 */
export class BotError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Whether trying again later may succeed. */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class CharacterError extends BotError {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super('BOT_ERR_CHARACTER', `invalid character file ${file}:\n  - ${problems.join('\n  - ')}`, false);
  }
}
