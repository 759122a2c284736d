import { afterEach } from 'vitest';
import { FakeYouTube, type FakeYouTubeOptions } from '../fakes/youtube.js';
import { startHarness, type Harness, type HarnessOptions } from './harness.js';

export interface YouTubeHarnessOptions extends HarnessOptions {
  /** Options of the fake YouTube (consent page, daily quota, …). */
  youtube?: FakeYouTubeOptions;
  /** How the bot finds the stream (default `live`: YOUTUBE_LIVE_ID). */
  mode?: 'live' | 'channel' | 'handle';
  /** With the OAuth variables, so the bot can post (default true). */
  canPost?: boolean;
  /** YOUTUBE_POLL_INTERVAL_MS (default 300; `env` may still set it). */
  pollMs?: number;
  /** Wait until the bot reads the live chat (default true). */
  waitForChat?: boolean;
}

export interface YouTubeHarness {
  h: Harness;
  yt: FakeYouTube;
}

/**
 * For a test file: a function that starts the whole bot against a fake YouTube (and the fake
 * Twitch and Ollama of startHarness); both are closed after each test.
 */
export function youtubeHarness(): (opts?: YouTubeHarnessOptions) => Promise<YouTubeHarness> {
  let h: Harness | undefined;
  let yt: FakeYouTube | undefined;
  afterEach(async () => {
    await h?.close();
    await yt?.close();
    h = undefined;
    yt = undefined;
  });
  return async ({ youtube, mode = 'live', canPost = true, pollMs = 300, waitForChat = true, ...opts } = {}) => {
    const fake = (yt = await FakeYouTube.start(youtube));
    const harness = (h = await startHarness({ ...opts, env: { ...fake.env(mode, canPost), YOUTUBE_POLL_INTERVAL_MS: String(pollMs), ...opts.env } }));
    if (waitForChat) await harness.logs.waitFor('reading YouTube live chat', undefined, 15_000);
    return { h: harness, yt: fake };
  };
}
