import { describe, expect, it } from 'vitest';
import { inspectLivePage, isConsentPage } from '../../src/platforms/youtube/live-page.js';

const CONSENT = '<html><head><title>Before you continue to YouTube</title></head><body><form action="https://consent.youtube.com/save" method="POST"><button>Reject all</button></form></body></html>';
const LIVE = '<link rel="canonical" href="https://www.youtube.com/watch?v=abc123"><script>{"continuation":"xyz","isReplay":false}</script>';

describe('YouTube cookie-consent page', () => {
  it.each([
    ['the consent form (EU redirect followed)', CONSENT, 'http://127.0.0.1:9/consent?continue=x', true],
    ['any page on consent.youtube.com', '<html></html>', 'https://consent.youtube.com/m?continue=https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3Dabc', true],
    ['a live watch page', LIVE, 'https://www.youtube.com/watch?v=abc123', false],
    ['a watch page that links to the consent form somewhere', `${LIVE}<a href="x" action="https://consent.youtube.com/save">`, 'https://www.youtube.com/watch?v=abc123', false],
    ['an offline channel page', '<link rel="canonical" href="https://www.youtube.com/channel/UC1">', 'https://www.youtube.com/channel/UC1/live', false],
  ])('%s', (_n, html, url, want) => {
    expect(isConsentPage(html, url)).toBe(want);
  });

  it('the consent page alone would read as "offline": why it must be detected first', () => {
    expect(inspectLivePage(CONSENT)).toEqual({ state: 'offline' });
  });
});
