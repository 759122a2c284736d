import { BotError } from '../../errors.js';

/** Reasons Google puts in `error.errors[0].reason` that the adapter acts on. */
export type GoogleReason =
  | 'quotaExceeded'
  | 'rateLimitExceeded'
  | 'liveChatEnded'
  | 'liveChatDisabled'
  | 'liveChatNotFound'
  | 'forbidden'
  | 'authError'
  | (string & {});

/** Reasons worth trying again after a pause. */
const RETRYABLE = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'backendError', 'internalError']);

/** A Data API call that Google answered with an error ({error:{code,message,errors:[{reason}]}}). */
export class YouTubeApiError extends BotError {
  constructor(
    readonly status: number,
    readonly reason: GoogleReason,
    detail: string,
  ) {
    const retryable = status >= 500 || status === 429 || RETRYABLE.has(reason);
    super(
      'BOT_ERR_YOUTUBE_API',
      `YouTube Data API answered ${status} ${reason}: ${detail}${retryable ? ' (will retry later)' : ''}`,
      retryable,
    );
  }
}

/** The network or Google's token endpoint failed for now: try again later. */
export class YouTubeUnavailableError extends BotError {
  constructor(what: string, options?: { cause?: unknown }) {
    super('BOT_ERR_YOUTUBE_UNAVAILABLE', `${what}; retrying later (check the network and YOUTUBE_API_URL / GOOGLE_TOKEN_URL)`, true, options);
  }
}

/** Google refused the OAuth client or refresh token: posting cannot work until it is replaced. */
export class YouTubeAuthError extends BotError {
  constructor(readonly reason: string) {
    super(
      'BOT_ERR_YOUTUBE_AUTH',
      `Google refused the YouTube credentials (${reason}): create a new refresh token as docs/youtube.md describes and set YOUTUBE_CLIENT_ID, YOUTUBE_CLIENT_SECRET and YOUTUBE_REFRESH_TOKEN`,
      false,
    );
  }
}

/** Parse Google's error JSON; tolerant of bodies that are not JSON. */
export function parseGoogleError(status: number, body: string): YouTubeApiError {
  let reason = status === 401 ? 'authError' : `http${status}`;
  let detail = body.slice(0, 200);
  try {
    const json = JSON.parse(body) as { error?: { message?: string; errors?: Array<{ reason?: string; message?: string }> } };
    const first = json.error?.errors?.[0];
    if (first?.reason) reason = first.reason;
    detail = (first?.message ?? json.error?.message ?? detail).replace(/<[^>]+>/g, '').slice(0, 200);
  } catch {
    // not JSON: keep the raw start of the body
  }
  return new YouTubeApiError(status, reason, detail);
}
