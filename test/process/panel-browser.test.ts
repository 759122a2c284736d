/**
 * The moderators' web panel and the OBS overlay in a real headless chromium (Debian's,
 * driven by playwright-core), as a moderator uses them, against the whole bot (real Redis,
 * fake Twitch, fake Ollama). Screenshots and the page's weight and time to first render go
 * to test/artifacts/.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAudit } from '../../src/controls/audit.js';
import { overlayToken } from '../../src/panel/index.js';
import type { SentPrivmsg } from '../fakes/twitch.js';
import { ARTIFACTS, launchBrowser } from '../helpers/browser.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { until } from '../helpers/redis.js';

const TOKEN = 'panel-token-for-tests-0123';
const ANSWER = 'もちろん！桜色がいちばん好きだよ🌸✨';

let h: Harness;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let base: string;
let seq = 0;

beforeAll(async () => {
  h = await startHarness({ env: { PANEL_TOKEN: TOKEN, DEDUP_WINDOW_S: '0', LOG_LEVEL: 'info' }, ollama: { reply: () => ({ content: ANSWER }) } });
  base = h.app.httpUrl()!;
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const repliesTo = (id: string): SentPrivmsg[] => h.twitch.privmsgs().filter((m) => m.tags['reply-parent-msg-id'] === id);
const ask = (text = '好きな色は何？'): string => h.twitch.chat(h.channel, { user: `panel_viewer${++seq}`, text });
const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

/** A session cookie and CSRF token, as the page gets them, for requests outside the browser. */
async function session(): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${base}/api/session`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { csrf } = (await res.json()) as { csrf: string };
  return { cookie, csrf };
}

describe('panel: access', { timeout: 60_000 }, () => {
  it('401 without the token: no data, no writes, no overlay', async () => {
    expect((await fetch(`${base}/api/live`)).status).toBe(401);
    expect((await fetch(`${base}/api/controls?scope=global`)).status).toBe(401);
    const s = await session();
    const wrong = await fetch(`${base}/api/login`, { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' }, body: JSON.stringify({ token: 'not-the-token-at-all' }) });
    expect(wrong.status).toBe(401);
    expect((await fetch(`${base}/overlay`)).status).toBe(401);
    expect((await fetch(`${base}/overlay?token=wrong`)).status).toBe(401);
  });

  it('a write without the CSRF token is refused, with it accepted; the session cookie is HttpOnly', async () => {
    const s = await session();
    const login = await fetch(`${base}/api/login`, { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' }, body: JSON.stringify({ token: TOKEN }) });
    expect(login.status).toBe(200);
    const setCookie = login.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    const cookie = setCookie.split(';')[0]!;
    const { csrf } = (await login.json()) as { csrf: string };
    const body = JSON.stringify({ scope: 'global', action: 'set', field: 'think', value: 'high' });
    const noCsrf = await fetch(`${base}/api/controls`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body });
    expect(noCsrf.status).toBe(403);
    expect(await h.redis.hget(`${h.prefix}:routing`, 'think')).toBeNull();
    const ok = await fetch(`${base}/api/controls`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body });
    expect(ok.status).toBe(200);
    expect(await h.redis.hget(`${h.prefix}:routing`, 'think')).toBe('high');
    // the same validation as botctl: a bad value is refused with the allowed ones
    const bad = await fetch(`${base}/api/controls`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: JSON.stringify({ scope: 'global', action: 'set', field: 'think', value: 'extreme' }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ allowed: 'low, medium, high' });
    await h.redis.hdel(`${h.prefix}:routing`, 'think');
  });
});

describe('panel in a headless browser', { timeout: 90_000 }, () => {
  it('logs in with the token (a wrong one is refused), and no secret is in the page', async () => {
    const measures: { name: string; transferBytes: number; firstContentfulPaintMs: number | null; domContentLoadedMs: number }[] = [];
    await page.goto(`${base}/`);
    await page.locator('#login-form').waitFor();
    const perf = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const res = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      return { bytes: nav.transferSize + res.reduce((n, r) => n + r.transferSize, 0), fcp: fcp ? fcp.startTime : null, dcl: nav.domContentLoadedEventEnd };
    });
    measures.push({ name: 'first load (login page, cold cache)', transferBytes: perf.bytes, firstContentfulPaintMs: perf.fcp, domContentLoadedMs: Math.round(perf.dcl) });
    await shot('panel-login');
    await page.fill('#token', 'wrong-token-wrong-token');
    await page.click('#login-form button');
    await expect.poll(() => page.textContent('#login-error')).toBe('Wrong token.');
    await page.fill('#token', TOKEN);
    await page.click('#login-form button');
    await page.locator('#page-live').waitFor();
    await expect.poll(() => page.textContent('#conn')).toBe('live');
    const html = await page.content();
    expect(html).not.toContain(TOKEN);
    // a reload after logging in: the Live page with its data, from the session cookie
    await page.reload();
    await page.locator('#page-live').waitFor();
    await expect.poll(async () => (await page.locator('#t-queues tbody tr').count()) === 3).toBe(true);
    const warm = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const res = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      return { bytes: nav.transferSize + res.reduce((n, r) => n + r.transferSize, 0), fcp: fcp ? fcp.startTime : null, dcl: nav.domContentLoadedEventEnd };
    });
    measures.push({ name: 'Live page after login (reload)', transferBytes: warm.bytes, firstContentfulPaintMs: warm.fcp, domContentLoadedMs: Math.round(warm.dcl) });
    writeFileSync(join(ARTIFACTS, 'panel-measures.json'), `${JSON.stringify(measures, null, 2)}\n`);
    console.info(`panel page weight and first render: ${JSON.stringify(measures)}`);
  });

  it('the Live page updates when a comment arrives', async () => {
    await page.goto(`${base}/#live`);
    await expect.poll(() => page.textContent('#m-comments')).not.toBe('–');
    const before = Number(await page.textContent('#m-comments'));
    const id = ask();
    await until(() => repliesTo(id).length > 0, 15_000, 'the answer');
    await expect.poll(async () => Number(await page.textContent('#m-comments')), { timeout: 5000 }).toBe(before + 1);
    await expect.poll(async () => Number(await page.textContent('#m-answers')), { timeout: 5000 }).toBeGreaterThanOrEqual(1);
    await expect.poll(async () => page.locator('#t-procs tbody tr').count()).toBe(3);
    await expect.poll(async () => (await page.textContent('#t-latency tbody')) ?? '').toContain('fast');
    await shot('panel-live');
  });

  it('the Chat page shows each comment with its decision and reply, with filters', async () => {
    const skipped = ask('いい配信だね');
    await h.logs.waitFor('comment skipped', (l) => l.commentId === skipped);
    await page.goto(`${base}/#chat`);
    const rows = page.locator('#t-chat tbody tr');
    await expect.poll(async () => (await rows.allTextContents()).join('\n')).toContain('skipped: not_trigger');
    expect((await rows.allTextContents()).join('\n')).toContain(ANSWER);
    await page.selectOption('#chat-filter', 'answered');
    await expect.poll(async () => (await rows.allTextContents()).every((t) => t.includes('answered (fast'))).toBe(true);
    await page.selectOption('#chat-filter', 'skip:not_trigger');
    await expect.poll(async () => (await rows.allTextContents()).every((t) => t.includes('いい配信だね'))).toBe(true);
    await page.selectOption('#chat-filter', 'all');
    await shot('panel-chat');
  });

  it('a control change on the Controls page reaches the bot within 1 s and shows in the audit list', async () => {
    await page.goto(`${base}/#controls`);
    const row = page.locator('#t-fields tr[data-field="mode"]');
    await row.waitFor();
    await row.locator('select').selectOption('off');
    const clicked = Date.now();
    await row.locator('button.set').click();
    await until(async () => (await h.redis.hget(`${h.prefix}:routing`, 'mode')) === 'off', 2000, 'the write');
    await new Promise((r) => setTimeout(r, Math.max(0, clicked + 1000 - Date.now())));
    const q = ask();
    expect((await h.logs.waitFor('comment skipped', (l) => l.commentId === q, 10_000)).reason).toBe('paused');
    await expect.poll(async () => (await page.locator('#audit li').first().textContent()) ?? '').toMatch(/panel via panel · routing · mode: \(unset\) → off/);
    expect((await readAudit(h.redis, h.prefix, 1))[0]).toMatchObject({ by: 'panel', via: 'panel', field: 'mode', new: 'off' });
    // a bad value is refused with the allowed ones (the same check as botctl)
    const cooldown = page.locator('#t-fields tr[data-field="user_cooldown_s"]');
    await cooldown.locator('input').fill('-5');
    await cooldown.locator('button.set').click();
    await expect.poll(() => page.textContent('#controls-msg')).toContain('allowed: a whole number of seconds from 0');
    await row.locator('button.reset').click();
    await until(async () => (await h.redis.hget(`${h.prefix}:routing`, 'mode')) === null, 2000, 'the reset');
    await shot('panel-controls');
  });

  it('approving a pending reply on the Approvals page posts it once', async (t) => {
    await h.redis.hset(`${h.prefix}:routing`, 'approval', 'on');
    t.onTestFinished(async () => void (await h.redis.hdel(`${h.prefix}:routing`, 'approval')));
    await new Promise((r) => setTimeout(r, 1000));
    const id = ask('好きな花は何？');
    await page.goto(`${base}/#approvals`);
    const item = page.locator('#pending-list li');
    await item.first().waitFor({ timeout: 15_000 });
    expect(await item.first().textContent()).toContain('好きな花は何？');
    expect(repliesTo(id)).toEqual([]);
    await shot('panel-approvals');
    await item.first().locator('button.approve').click();
    await until(() => repliesTo(id).length > 0, 10_000, 'the approved reply');
    await expect.poll(() => item.count()).toBe(0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(repliesTo(id)).toHaveLength(1);
    // (an exact repeat of an earlier line ends with an invisible tag character: Twitch drops repeats)
    expect(repliesTo(id)[0]!.text.replace(/[\s\u{E0000}]+$/u, '')).toBe(ANSWER);
  });

  it('the overlay shows the comment and the answer when it is posted (Japanese and emoji), styled from the URL, then fades', async () => {
    const overlay = await context.newPage();
    await overlay.setViewportSize({ width: 900, height: 260 });
    const token = overlayToken({ PANEL_TOKEN: TOKEN, OVERLAY_TOKEN: undefined })!;
    await overlay.goto(`${base}/overlay?token=${token}&size=36&color=%23ffeeff&bg=rgba(30,0,40,.8)&hold=3`);
    await new Promise((r) => setTimeout(r, 500));
    const id = ask('ぼたん、好きな色は？🎨');
    await until(() => repliesTo(id).length > 0, 15_000, 'the answer');
    await expect.poll(() => overlay.textContent('#answer'), { timeout: 5000 }).toBe(ANSWER);
    expect(await overlay.textContent('#comment-text')).toBe('ぼたん、好きな色は？🎨');
    expect(await overlay.evaluate(() => getComputedStyle(document.getElementById('box')!).fontSize)).toBe('36px');
    expect(await overlay.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgba(0, 0, 0, 0)');
    await new Promise((r) => setTimeout(r, 800));
    await overlay.screenshot({ path: join(ARTIFACTS, 'overlay.png') });
    // the emoji is drawn (a glyph of its own width), not a missing-glyph box
    const widths = await overlay.evaluate(() => {
      const c = document.createElement('canvas').getContext('2d')!;
      c.font = getComputedStyle(document.getElementById('answer')!).font;
      return { flower: c.measureText('🌸').width, tofu: c.measureText('\u{10FFFD}').width };
    });
    expect(widths.flower).not.toBe(widths.tofu);
    await expect.poll(() => overlay.evaluate(() => getComputedStyle(document.getElementById('box')!).opacity), { timeout: 6000 }).toBe('0');
    await overlay.close();
  });

  it('the bot shuts down promptly with a panel page still open (its live stream is ended)', async () => {
    await page.goto(`${base}/#live`);
    await expect.poll(() => page.textContent('#conn')).toBe('live');
    const started = Date.now();
    await h.app.close();
    expect(Date.now() - started).toBeLessThan(8000);
    expect(h.logs.find('bot stopped')).toHaveLength(1);
  });
});
