import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { IN_WECHAT, ON_DESKTOP, chromiumPath, emulatorCalls, expectText, launchChromium, newPage, screenshot, signInInWechat, startExampleWorld, type ExampleWorld } from '../e2e/browser.js';

let world: ExampleWorld;
let browser: Browser;

beforeAll(async () => {
  chromiumPath();
  const [started, launched] = await Promise.allSettled([startExampleWorld(), launchChromium()]);
  if (started.status === 'rejected' || launched.status === 'rejected') {
    await Promise.allSettled([launched.status === 'fulfilled' ? launched.value.close() : undefined, started.status === 'fulfilled' ? started.value.stop() : undefined]);
    throw new Error('the example app or Chromium did not start', { cause: started.status === 'rejected' ? started.reason : (launched as PromiseRejectedResult).reason });
  }
  world = started.value;
  browser = launched.value;
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

describe('the example app’s profile page and the JS-SDK', () => {
  test('inside WeChat: configured, the signature verified by the emulator’s jweixin', async () => {
    const { context, page } = await newPage(browser, IN_WECHAT);
    await signInInWechat(page, world, 'alice');
    await expectText(page.locator('#jssdk-status'), 'Ready: signature verified', 10_000);
    expect(await page.locator('#jssdk-card').getAttribute('data-state')).toBe('ready');
    const calls = await emulatorCalls(world);
    expect({ stable_token: calls.stable_token, getticket: calls.getticket }).toEqual({ stable_token: 1, getticket: 1 });
    await screenshot(page, 'profile-jssdk');

    // Another visit of the page (another nonce, another URL with a query and a fragment): no further WeChat calls.
    await page.goto(`${world.app.url}/profile?from=share#top`);
    await expectText(page.locator('#jssdk-status'), 'Ready: signature verified', 10_000);
    const after = await emulatorCalls(world);
    expect({ stable_token: after.stable_token, getticket: after.getticket }).toEqual({ stable_token: 1, getticket: 1 });
    await context.close();
  });

  test('outside WeChat the card says so and nothing is asked', async () => {
    const { context, page } = await newPage(browser, { ...ON_DESKTOP, userAgent: ON_DESKTOP.userAgent });
    // A desktop cannot sign in through the consent page; the card's own rule is what is checked: the page never loads jweixin.
    await page.goto(`${world.app.url}/`);
    const loaded = await page.evaluate(async () => {
      const client = await import('/client.js' as string);
      return client.configureJsSdk().then(() => 'configured', (e: { code: string }) => e.code);
    });
    expect(loaded).toBe('not_wechat');
    await context.close();
  });
});
