import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { buildApp, loginOptions, startWorld, type LoginWorld } from '../helpers/login-app.js';
import { IN_WECHAT, ON_DESKTOP, decodeQr, expectText, newPage, screenshot, startExampleAndChromium, type ExampleWorld } from './browser.js';
import { reportFigure } from '../helpers/figures.js';

/**
 * Scan to sign in, as people see it: a desktop Chromium on /profile, a phone Chromium with WeChat's
 * user-agent scanning the code (its URL read from the QR code's pixels), the emulator consenting as alice.
 */
let world: ExampleWorld;
let browser: Browser;

beforeAll(async () => {
  ({ world, browser } = await startExampleAndChromium('scan'));
});

afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

/** The desktop on /profile: its code, read from the QR code as a phone camera would. */
async function desktopShowsCode(page: Page): Promise<string> {
  const response = await page.goto(`${world.app.url}/profile`);
  expect(response?.status()).toBe(401);
  await expectText(page.locator('#scan-title'), 'Scan with WeChat to sign in');
  const ticketUrl = await decodeQr(page, '#qr');
  expect(ticketUrl).toMatch(new RegExp(`^${world.app.publicUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/auth/wechat/scan/t/[A-Za-z0-9_-]{60,400}$`));
  return ticketUrl!;
}

/** The phone (WeChat user-agent, the emulator consenting as `user` by header) opens the code: the confirm page. */
async function phoneScans(ticketUrl: string, user = 'alice') {
  const phone = await newPage(browser, { ...IN_WECHAT, extraHTTPHeaders: { 'X-Wechat-Emulator-User': user } });
  await phone.page.goto(ticketUrl);
  await expectText(phone.page.locator('h1'), '在电脑上登录？'); // WeChat reads Chinese: Sign in on your computer?
  return phone;
}

async function stateOf(page: Page, state: string, timeout = 5_000): Promise<void> {
  await page.locator(`#scan-status[data-state="${state}"]`).waitFor({ state: 'attached', timeout });
}

describe('scan to sign in, in Chromium (desktop and phone contexts)', () => {
  test('the desktop page signs itself in after the phone confirms, without a reload', async () => {
    const desktop = await newPage(browser, ON_DESKTOP);
    const ticketUrl = await desktopShowsCode(desktop.page);
    await screenshot(desktop.page, 'scan-desktop');
    // The page is never reloaded: a marker set on it now must still be there on "scanned".
    await desktop.page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

    const phone = await phoneScans(ticketUrl);
    await expectText(phone.page.locator('#scan-desktop'), 'Windows 上的 Chrome');
    await expectText(phone.page.locator('#scan-host'), new URL(world.app.publicUrl).host);
    await screenshot(phone.page, 'scan-confirm');

    await stateOf(desktop.page, 'scanned');
    await expectText(desktop.page.locator('#scan-title'), 'Scanned — confirm on your phone');
    expect(await desktop.page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    await screenshot(desktop.page, 'scan-desktop-scanned');

    const landed = desktop.page.waitForURL(`${world.app.url}/profile`, { timeout: 10_000 });
    const tapped = Date.now();
    await phone.page.locator('#scan-confirm').click();
    await landed;
    await expectText(desktop.page.locator('#nickname'), '爱丽丝 Alice');
    const signedIn = Date.now();
    await expectText(phone.page.locator('#scan-outcome'), '电脑端已登录'); // Signed in on your computer
    reportFigure(`scan E2E: Confirm tapped → desktop showing the profile: ${signedIn - tapped} ms`);
    await screenshot(desktop.page, 'scan-profile');
    await screenshot(phone.page, 'scan-phone-done');

    // Each device has its own sign-in: signing out on the desktop leaves the phone signed in.
    await desktop.page.goto(`${world.app.url}/auth/wechat/logout`);
    await Promise.all([desktop.page.waitForURL(`${world.app.url}/`), desktop.page.getByRole('button', { name: 'Sign out' }).click()]);
    await phone.page.goto(`${world.app.url}/profile`);
    await expectText(phone.page.locator('#nickname'), '爱丽丝 Alice');
    await desktop.context.close();
    await phone.context.close();
  });

  test('the desktop page shows "cancelled" after Cancel on the phone, and offers a new code', async () => {
    const desktop = await newPage(browser, ON_DESKTOP);
    const ticketUrl = await desktopShowsCode(desktop.page);
    const phone = await phoneScans(ticketUrl, 'bob');
    await stateOf(desktop.page, 'scanned');
    await phone.page.locator('#scan-cancel').click();
    await expectText(phone.page.locator('#scan-outcome'), '已取消登录');
    await stateOf(desktop.page, 'cancelled');
    await expectText(desktop.page.locator('#scan-title'), 'Sign-in cancelled');
    await desktop.page.locator('#scan-new-code').waitFor({ state: 'visible', timeout: 5_000 });
    expect(desktop.page.url()).toBe(`${world.app.url}/profile`);
    await desktop.page.locator('#scan-new-code').click();
    await expectText(desktop.page.locator('#scan-title'), 'Scan with WeChat to sign in');
    expect(await decodeQr(desktop.page, '#qr')).not.toBe(ticketUrl);
    await desktop.context.close();
    await phone.context.close();
  });

  test('the ticket URL opened in another desktop browser signs nobody in', async () => {
    const desktop = await newPage(browser, ON_DESKTOP);
    const ticketUrl = await desktopShowsCode(desktop.page);
    const other = await newPage(browser, ON_DESKTOP);
    await other.page.goto(ticketUrl);
    await expectText(other.page.locator('h1'), 'Scan this code with WeChat');
    await other.page.goto(`${world.app.url}/profile`);
    await expectText(other.page.locator('#scan-title'), 'Scan with WeChat to sign in');
    await stateOf(desktop.page, 'waiting', 1_000);
    await desktop.context.close();
    await other.context.close();
  });
});

describe('an expired code in Chromium (an app on the test clock)', () => {
  let login: LoginWorld;
  let wechat: WechatLogin;
  let server: Server;
  let url: string;
  beforeAll(async () => {
    login = await startWorld();
    wechat = createWechatLogin(loginOptions(login, { publicUrl: undefined, scanLogin: { autoRenewals: 1 } }), { warn: () => undefined });
    server = buildApp(wechat).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await wechat?.close();
    await login?.stop();
  });

  test('is replaced by a fresh code by itself, autoRenewals times, then a "Get a new code" button', async () => {
    const desktop = await newPage(browser, ON_DESKTOP);
    await desktop.page.goto(`${url}/profile`);
    const first = await decodeQr(desktop.page, '#qr');
    expect(first).toMatch(/\/auth\/wechat\/scan\/t\//);
    login.clock.advance(120_000);
    await desktop.page.waitForURL(/\/auth\/wechat\/scan\?returnTo=%2Fprofile&renew=1$/, { timeout: 5_000 });
    await expectText(desktop.page.locator('#scan-title'), 'Scan with WeChat to sign in');
    const second = await decodeQr(desktop.page, '#qr');
    expect(second).not.toBe(first);
    login.clock.advance(120_000);
    await stateOf(desktop.page, 'expired');
    await expectText(desktop.page.locator('#scan-title'), 'This code has expired');
    await desktop.page.locator('#scan-new-code').waitFor({ state: 'visible', timeout: 5_000 });
    expect(desktop.page.url()).toMatch(/renew=1$/); // no third code by itself
    await desktop.context.close();
  });
});
