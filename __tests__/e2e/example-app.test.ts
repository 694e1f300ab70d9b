import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { startWechatEmulator } from '../../lib/testing/index.js';
import { userAgents } from '../client/user-agents.js';
import {
  IN_WECHAT,
  ON_DESKTOP,
  chromiumPath,
  decodeQr,
  expectAttribute,
  expectText,
  emulatorCalls,
  launchChromium,
  newPage,
  screenshot,
  signInInWechat,
  startExampleWorld,
  type ExampleWorld,
} from './browser.js';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let world: ExampleWorld;
let browser: Browser;
/** The openid the emulator gives each test user for the default app: stable, so any instance can tell us. */
let openidOf: (user: string) => string;

beforeAll(async () => {
  // The three start in parallel; allSettled rather than all, so that when one fails (a Chromium that will not
  // start, say) the ones that did start are stopped here: a redis-server, app or emulator left running keeps
  // jest alive.
  chromiumPath(); // no Chromium: fail before starting anything
  const [started, launched, reference] = await Promise.allSettled([startExampleWorld(), launchChromium(), startWechatEmulator()]);
  if (reference.status === 'fulfilled') {
    const emulator = reference.value;
    openidOf = (user) => emulator.openidFor(user);
    await emulator.close();
  }
  if (started.status === 'rejected' || launched.status === 'rejected' || reference.status === 'rejected') {
    await Promise.allSettled([
      launched.status === 'fulfilled' ? launched.value.close() : undefined,
      started.status === 'fulfilled' ? started.value.stop() : undefined,
    ]);
    const failures = [started, launched, reference].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    const reasons = failures.map((f) => (f instanceof Error ? f.message : String(f)).split('\n')[0]).join('\n'); // details: the cause
    throw new Error(`The E2E suite could not start (everything it started is stopped again):\n${reasons}`, { cause: failures[0] });
  }
  world = started.value;
  browser = launched.value;
});

afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

describe('the example app in a real Chromium', () => {
  test('starts the built-in emulator with Redis, says so, and serves a home page with the client', async () => {
    expect(world.logs.some((line) => line.startsWith(`WeChat emulator running at ${world.emulatorUrl}`))).toBe(true);
    expect(world.logs.join('\n')).not.toMatch(/REDIS_URL is not set|in-memory store|SESSION_SECRET is not set/);
    expect(world.logs.join('\n')).not.toContain('listening on');

    const { context, page } = await newPage(browser, IN_WECHAT);
    await page.goto(world.app.url);
    await expectText(page.locator('#login'), 'Sign in with WeChat');
    await expectText(page.locator('#env'), 'You are in WeChat: one tap signs you in');
    await expectText(page.locator('#dev-notice'), new RegExp(escapeRegExp(world.emulatorUrl)));
    // A word in bold inside a step's text stays in its line; the step's title above it is a block.
    const displays = await page.locator('#how-desktop').evaluate((step) => ({
      title: getComputedStyle(step.querySelector(':scope > div > b')!).display,
      inText: getComputedStyle(step.querySelector('span b')!).display,
    }));
    expect(displays).toEqual({ title: 'block', inText: 'inline' });
    await screenshot(page, 'home');
    await context.close();
  });

  test('inside WeChat, /profile goes through the consent page and shows the picked user', async () => {
    const { context, page } = await newPage(browser, IN_WECHAT);
    await page.goto(`${world.app.url}/profile`);
    await page.waitForURL((url) => url.href.startsWith(`${world.emulatorUrl}/connect/oauth2/authorize?`));
    await expectText(page.locator('form.card h1'), /Test Account/);
    await screenshot(page, 'emulator-consent');

    // alice is pre-selected: picking bob proves the choice is what logs in.
    await page.locator('input[type=radio][name=user][value="bob"]').check();
    await Promise.all([page.waitForURL(`${world.app.url}/profile`), page.getByRole('button', { name: /Allow/ }).click()]);

    await expectText(page.locator('#nickname'), 'Bob');
    await expectText(page.locator('#openid'), openidOf('bob'));
    await expectText(page.locator('#scope'), 'snsapi_userinfo');
    await expectAttribute(page.locator('#avatar'), 'aria-label', 'No avatar'); // bob has none: WeChat's grey silhouette
    await expectAttribute(page.locator('#token-expiry'), 'datetime', /^\d{4}-\d\d-\d\dT/);
    await screenshot(page, 'profile-no-avatar');
    await context.close();
  });

  test('on a desktop, /profile is the scan-to-sign-in page; its "open in WeChat" link is the QR page of the page URL', async () => {
    const { context, page } = await newPage(browser, ON_DESKTOP);
    const response = await page.goto(`${world.app.url}/profile`);
    expect(response?.status()).toBe(401);
    await expectText(page.locator('h1'), 'Scan with WeChat to sign in');
    expect(await decodeQr(page, '#qr')).toMatch(new RegExp(`^${escapeRegExp(world.app.publicUrl)}/auth/wechat/scan/t/[A-Za-z0-9_-]{60,400}$`));

    await Promise.all([page.waitForURL(/\/auth\/wechat\/qr\?url=%2Fprofile$/), page.locator('#open-in-wechat').click()]);
    await expectText(page.locator('h1'), 'Open this page in WeChat');
    expect(await decodeQr(page, '#qr')).toBe(`${world.app.publicUrl}/profile`);
    await page.locator('#emulator-login').waitFor({ state: 'visible', timeout: 5_000 });
    await screenshot(page, 'qr-page');
    await context.close();
  });

  test('on a desktop, the home page button leads to the scan page for /profile, and the QR page’s emulator link signs in', async () => {
    const { context, page } = await newPage(browser, ON_DESKTOP);
    await page.goto(world.app.url);
    await expectText(page.locator('#env'), 'On a computer: scan a sign-in code with WeChat on your phone');
    await screenshot(page, 'home-desktop');
    await Promise.all([page.waitForURL(/\/auth\/wechat\/scan\?returnTo=%2Fprofile$/), page.locator('#login').click()]);
    expect(await decodeQr(page, '#qr')).toMatch(/\/auth\/wechat\/scan\/t\/[A-Za-z0-9_-]{60,400}$/);

    await Promise.all([page.waitForURL(/\/auth\/wechat\/qr\?url=%2Fprofile$/), page.locator('#open-in-wechat').click()]);
    await page.locator('#emulator-login').click();
    await page.waitForURL((url) => url.href.startsWith(world.emulatorUrl));
    await page.locator('input[type=radio][name=user][value="alice"]').check();
    await Promise.all([page.waitForURL(`${world.app.url}/profile`), page.getByRole('button', { name: /Allow/ }).click()]);
    await expectText(page.locator('#nickname'), '爱丽丝 Alice');
    await context.close();
  });

  test('inside WeChat, the home page button starts the login and comes back to /profile', async () => {
    const { context, page } = await newPage(browser, IN_WECHAT);
    await page.goto(world.app.url);
    await page.locator('#login').click();
    await page.waitForURL((url) => url.href.startsWith(world.emulatorUrl));
    await page.locator('input[type=radio][name=user][value="alice"]').check();
    await Promise.all([page.waitForURL(`${world.app.url}/profile`), page.getByRole('button', { name: /Allow/ }).click()]);
    await expectText(page.locator('#openid'), openidOf('alice'));
    await context.close();
  });

  test('signing out lands on the home page, and /api/me answers 401 afterwards', async () => {
    const { context, page } = await newPage(browser, IN_WECHAT);
    await signInInWechat(page, world, 'alice');
    const me = () => page.evaluate(async () => (await fetch('/api/me', { headers: { Accept: 'application/json' } })).status);
    expect(await me()).toBe(200);

    await Promise.all([page.waitForURL(`${world.app.url}/`), page.locator('#logout').click()]);
    await page.locator('#login').waitFor({ state: 'visible', timeout: 5_000 });
    expect(await me()).toBe(401);
    await page.goto(`${world.app.url}/profile`);
    await page.waitForURL((url) => url.href.startsWith(world.emulatorUrl)); // signed out for real: back to WeChat
    await context.close();
  });

  test('without JavaScript, the sign-out form still lands on the home page', async () => {
    const { context, page } = await newPage(browser, { ...IN_WECHAT, javaScriptEnabled: false });
    try {
      await signInInWechat(page, world, 'alice');
      await Promise.all([page.waitForURL(`${world.app.url}/`, { timeout: 3_000 }), page.locator('#logout').click()]);
    } finally {
      await context.close();
    }
  });

  test('"Refresh profile" asks WeChat with the access token and updates the page', async () => {
    const { context, page } = await newPage(browser, IN_WECHAT);
    await signInInWechat(page, world, 'alice');
    await expectText(page.locator('#nickname'), '爱丽丝 Alice');
    const before = await emulatorCalls(world);

    // What the page shows must come from WeChat's answer, not from the page as served.
    await page.locator('#nickname').evaluate((el) => (el.textContent = 'stale'));
    await page.locator('#refresh-profile').click();
    await expectText(page.locator('#status'), /^Profile refreshed from WeChat at /);
    await expectText(page.locator('#nickname'), '爱丽丝 Alice');
    await expectAttribute(page.locator('#avatar'), 'src', `${world.emulatorUrl}/avatar/alice/132`);

    const after = await emulatorCalls(world);
    expect(after.userinfo).toBe(before.userinfo! + 1);
    await screenshot(page, 'profile');
    await context.close();
  });

  test('the client\'s isWechatBrowser() in the page agrees with the user-agent table', async () => {
    const cases = userAgents.filter((c) => c.ua !== ''); // an empty userAgent option means "Chromium's own"
    // Playwright's userAgent option is Chromium's Emulation.setUserAgentOverride for the whole context; sending
    // it per case to one page is the same override, without a new context for each of the table's rows.
    const { context, page } = await newPage(browser, ON_DESKTOP);
    const cdp = await context.newCDPSession(page);
    const seen = [];
    for (const { label, ua } of cases) {
      await cdp.send('Emulation.setUserAgentOverride', { userAgent: ua });
      await page.goto(`${world.app.url}/ua-check`);
      // A string, so the code runs in the page exactly as written (no transpiler or coverage rewrites it).
      const result = (await page.evaluate(`import('/client.js').then((client) => ({
        ua: navigator.userAgent,
        isWechat: client.isWechatBrowser(),
        isWeCom: client.isWeCom(),
        isMiniProgram: client.isMiniProgram(),
      }))`)) as { ua: string; isWechat: boolean; isWeCom: boolean; isMiniProgram: boolean };
      seen.push({ label, ...result, uaMatches: result.ua === ua });
    }
    await context.close();
    const expected = cases.map(({ label, isWechat, isWeCom, isMiniProgram }) => ({ label, isWechat, isWeCom, isMiniProgram, uaMatches: true }));
    expect(seen.map(({ ua: _ua, ...rest }) => rest)).toEqual(expected);
    // The brief's minimum: a WeChat, a WeCom and a desktop browser are all in the table.
    expect(cases.some((c) => c.isWechat) && cases.some((c) => c.isWeCom) && cases.some((c) => c.label.startsWith('desktop'))).toBe(true);
  });
});
