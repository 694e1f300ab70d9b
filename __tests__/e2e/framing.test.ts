import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { buildApp, loginOptions, startWorld, type LoginWorld } from '../helpers/login-app.js';
import { IN_WECHAT, ON_DESKTOP, chromiumPath, expectText, launchChromium, newPage } from './browser.js';

/**
 * In Chromium: a page of another origin of the same site (another port of localhost, where SameSite cookies
 * still flow) cannot frame our pages, while the app's own page frames as before; and under our CSP the scan
 * page's and the confirm page's own inline code still runs (no violation reported), through a whole scan.
 */
let world: LoginWorld;
let wechat: WechatLogin;
let browser: Browser;
let ours: Server;
let framer: Server;
let origin: string;
let framerOrigin: string;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  return `http://localhost:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  chromiumPath();
  [world, browser] = await Promise.all([startWorld(), launchChromium()]);
  // The app's origin must be known before createWechatLogin (publicUrl): listen first, hand requests on after.
  let handler: ((req: never, res: never) => void) | undefined;
  ours = createServer((req, res) => handler!(req as never, res as never));
  origin = await listen(ours);
  wechat = createWechatLogin(loginOptions(world, { publicUrl: origin }), { warn: () => undefined });
  handler = buildApp(wechat) as unknown as typeof handler;
  framer = createServer((req, res) => {
    const target = new URL(req.url ?? '/', 'http://x').searchParams.get('src') ?? '/';
    res.setHeader('Content-Type', 'text/html');
    res.end(`<!doctype html><p>Claim your prize!</p><iframe id="f" src="${origin}${target}" width="600" height="600"></iframe>`);
  });
  framerOrigin = await listen(framer);
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([ours, framer].map((server) => server && new Promise((resolve) => server.close(resolve))));
  await wechat?.close();
  await world?.stop();
});

/** The framer's page framing `path` of ours: what the frame ended up showing. */
async function framed(path: string): Promise<{ url: string; text: string }> {
  const { context, page } = await newPage(browser, ON_DESKTOP);
  try {
    await page.goto(`${framerOrigin}/?src=${encodeURIComponent(path)}`);
    const handle = await page.waitForSelector('#f');
    const frame = (await handle.contentFrame())!;
    await frame.waitForLoadState('load');
    return { url: frame.url(), text: await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '') };
  } finally {
    await context.close();
  }
}

/** Every CSP violation the page reports, as the browser console states it. */
function cspViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) seen.push(message.text());
  });
  return seen;
}

describe('our pages in Chromium', () => {
  test('another origin of the same site cannot frame the scan page or the sign-out page; the app’s own page frames', async () => {
    const control = await framed('/');
    expect(control.text).toBe('home');
    for (const path of ['/auth/wechat/scan?returnTo=%2Fprofile', '/profile', '/auth/wechat/logout']) {
      const refused = await framed(path);
      expect(refused.text).not.toMatch(/Scan with WeChat|Sign out\?/);
      expect(refused.url).toMatch(/^chrome-error:/);
    }
  });

  test('the scan page’s script and styles and the confirm form work under the CSP, through a whole scan', async () => {
    const desktop = await newPage(browser, ON_DESKTOP);
    const phone = await newPage(browser, { ...IN_WECHAT, extraHTTPHeaders: { 'X-Wechat-Emulator-User': 'alice' } });
    try {
      const desktopViolations = cspViolations(desktop.page);
      const phoneViolations = cspViolations(phone.page);
      expect((await desktop.page.goto(`${origin}/profile`))?.status()).toBe(401);
      // The shell's nonce'd stylesheet applies (the secondary button's grey).
      expect(await desktop.page.locator('#scan-check').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(242, 242, 242)');
      const ticketUrl = (await desktop.page.locator('#qr').getAttribute('data-url'))!;

      await phone.page.goto(ticketUrl);
      await phone.page.locator('#scan-confirm').waitFor({ state: 'visible', timeout: 10_000 });
      // Only the page's script changes data-state: "scanned" shows it ran (and its stream reached us).
      await desktop.page.locator('#scan-status[data-state="scanned"]').waitFor({ state: 'attached', timeout: 10_000 });

      const landed = desktop.page.waitForURL(`${origin}/profile`, { timeout: 10_000 });
      await phone.page.locator('#scan-confirm').click();
      await phone.page.locator('#scan-outcome[data-outcome="confirmed"]').waitFor({ state: 'attached', timeout: 10_000 });
      await landed;
      await expectText(desktop.page.locator('body'), /^hello /);
      expect(desktopViolations).toEqual([]);
      expect(phoneViolations).toEqual([]);
    } finally {
      await Promise.all([desktop.context.close(), phone.context.close()]);
    }
  });
});
