import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { DEFAULT_EMULATOR_WEBSITE_APP, startWechatEmulator } from '../../lib/testing/index.js';
import { IN_WECHAT, ON_DESKTOP, expectText, newPage, screenshot, signInInWechat, startExampleAndChromium, type ExampleWorld } from './browser.js';

/** The example app with the emulator's test website app: a desktop Chromium signs in on WeChat's QR page. */
let world: ExampleWorld;
let browser: Browser;

/** The openid the emulator gives a test user in the website app: stable, so any instance can tell us. */
async function openidAtWebsite(user: string): Promise<string> {
  const emulator = await startWechatEmulator();
  try {
    return emulator.openidFor(user, DEFAULT_EMULATOR_WEBSITE_APP.appId);
  } finally {
    await emulator.close();
  }
}

beforeAll(async () => {
  ({ world, browser } = await startExampleAndChromium('website-login', {
    WECHAT_WEBSITE_APP_ID: DEFAULT_EMULATOR_WEBSITE_APP.appId,
    WECHAT_WEBSITE_APP_SECRET: DEFAULT_EMULATOR_WEBSITE_APP.appSecret,
  }));
});

afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

describe('desktop sign-in through the website app, in a real Chromium', () => {
  test("a desktop's /profile goes to WeChat's QR page (qrconnect) and, once the phone allows, shows the profile signed in", async () => {
    expect(world.logs).toContain(`Desktop sign-in: the website app ${DEFAULT_EMULATOR_WEBSITE_APP.appId} (WeChat's QR page)`);
    const { context, page } = await newPage(browser, ON_DESKTOP);
    await page.goto(`${world.app.url}/profile`);
    await page.waitForURL((url) => url.href.startsWith(`${world.emulatorUrl}/connect/qrconnect?appid=${DEFAULT_EMULATOR_WEBSITE_APP.appId}&`));
    expect(new URL(page.url()).searchParams.get('scope')).toBe('snsapi_login');
    await screenshot(page, 'website-qrconnect');
    await page.locator('input[type=radio][name=user][value="alice"]').check();
    await Promise.all([page.waitForURL(`${world.app.url}/profile`), page.getByRole('button', { name: /Scan and allow/ }).click()]);
    await expectText(page.locator('#nickname'), /Alice/);
    await expectText(page.locator('#openid'), new RegExp(`^${await openidAtWebsite('alice')}$`));
    await screenshot(page, 'website-profile');
    await context.close();
  });

  test('the home page explains both doors and its button takes a desktop to the QR page', async () => {
    const { context, page } = await newPage(browser, ON_DESKTOP);
    await page.goto(world.app.url);
    await expectText(page.locator('#how-desktop'), /WeChat's own sign-in page/);
    await Promise.all([page.waitForURL((url) => url.href.startsWith(`${world.emulatorUrl}/connect/qrconnect?`)), page.locator('#login').click()]);
    await context.close();
  });

  test('the same person signs in inside WeChat through the Official Account: the same member id', async () => {
    const desktop = await newPage(browser, ON_DESKTOP);
    await desktop.page.goto(`${world.app.url}/profile`);
    await desktop.page.waitForURL((url) => url.href.startsWith(`${world.emulatorUrl}/connect/qrconnect?`));
    await desktop.page.locator('input[type=radio][name=user][value="alice"]').check();
    await Promise.all([desktop.page.waitForURL(`${world.app.url}/profile`), desktop.page.getByRole('button', { name: /Scan and allow/ }).click()]);
    const phone = await newPage(browser, IN_WECHAT);
    await signInInWechat(phone.page, world, 'alice');
    const idOf = async (page: typeof phone.page) => (await page.request.get(`${world.app.url}/api/me`, { headers: { accept: 'application/json' } }).then((r) => r.json())).user.id;
    expect(await idOf(desktop.page)).toBe(await idOf(phone.page));
    await desktop.context.close();
    await phone.context.close();
  });
});
