/**
 * What a YouTube watch page or a channel's /live page says about a live stream. Pure.
 * The markers are the ones youtube-chat 2.2.0 itself relies on (the canonical watch link,
 * "isReplay", the live chat "continuation"), so what we decide here matches what the
 * library will find when it loads the same page.
 */

export type LiveSource = { liveId: string } | { channelId: string } | { handle: string };

/**
 * The cookie that passes YouTube's cookie-consent page (EU visitors are redirected to
 * consent.youtube.com first): SOCS=CAI, what yt-dlp sets in `_initialize_consent`.
 */
export const CONSENT_COOKIE = 'SOCS=CAI';

/**
 * YouTube's cookie-consent interstitial ("Before you continue to YouTube") instead of the page:
 * the request ended on consent.youtube.com, or the page is the form that posts there.
 */
export function isConsentPage(html: string, finalUrl = ''): boolean {
  let host = '';
  try {
    host = new URL(finalUrl).hostname;
  } catch {
    // not a URL: judge by the page
  }
  if (host.startsWith('consent.')) return true;
  return /action="https:\/\/consent\.(?:youtube|google)\.com\//.test(html) && !/<link rel="canonical"/.test(html);
}

export type PageState =
  /** A live (or upcoming) broadcast with its chat open. */
  | { state: 'live'; liveId: string }
  /** The broadcast is over (a replay), or the video has no live chat. */
  | { state: 'ended'; liveId: string }
  /** No broadcast: a channel page, or a video that does not exist. */
  | { state: 'offline' };

export function inspectLivePage(html: string): PageState {
  const canonical = /<link rel="canonical" href="https:\/\/www\.youtube\.com\/watch\?v=([^"&]+)"/.exec(html);
  const liveId = canonical?.[1];
  if (!liveId) return { state: 'offline' };
  if (/['"]isReplay['"]:\s*true/.test(html)) return { state: 'ended', liveId };
  if (!/['"]continuation['"]:\s*['"].+?['"]/.test(html)) return { state: 'ended', liveId };
  return { state: 'live', liveId };
}

/** The page to load for a source, under `baseUrl` (YOUTUBE_BASE_URL). */
export function livePageUrl(baseUrl: string, source: LiveSource): string {
  const base = baseUrl.replace(/\/+$/, '');
  if ('liveId' in source) return `${base}/watch?v=${encodeURIComponent(source.liveId)}`;
  if ('channelId' in source) return `${base}/channel/${encodeURIComponent(source.channelId)}/live`;
  const handle = source.handle.startsWith('@') ? source.handle : `@${source.handle}`;
  return `${base}/${encodeURIComponent(handle).replace(/^%40/, '@')}/live`;
}

export function describeSource(source: LiveSource): string {
  if ('liveId' in source) return `video ${source.liveId}`;
  if ('channelId' in source) return `channel ${source.channelId}`;
  return `handle ${source.handle.startsWith('@') ? source.handle : `@${source.handle}`}`;
}
