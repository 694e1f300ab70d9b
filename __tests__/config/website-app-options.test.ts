import { describe, expect, it } from '@jest/globals';
import { WechatConfigError } from '../../lib/errors.js';
import { resolveDesktop, resolveWebsiteApp } from '../../lib/config/website-app-options.js';

/** `websiteApp` and `desktop`: checked once, like the main credentials, each message naming the option and the fix. */
const OFFICIAL = 'wx0123456789abcdef';
const websiteApp = { appId: 'wx1123456789abcdef', appSecret: 'the-website-secret' };

function failure(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a configuration error');
}

describe('websiteApp', () => {
  it('is none when left out, and both credentials when given', () => {
    expect(resolveWebsiteApp(undefined, OFFICIAL)).toBeUndefined();
    expect(resolveWebsiteApp(websiteApp, OFFICIAL)).toEqual(websiteApp);
  });

  it.each([
    ['wx1', /"websiteApp" must be \{ appId, appSecret \}/],
    [{ appSecret: 's' }, /"websiteApp\.appId" is required: .*网站应用/],
    [{ appId: 'wx12', appSecret: 's' }, /"websiteApp\.appId" must look like "wx" followed by 16/],
    [{ appId: OFFICIAL, appSecret: 'the-website-secret' }, /"websiteApp\.appId" must be the website app's own AppID, not the Official Account's/],
    [{ appId: websiteApp.appId, appSecret: '' }, /"websiteApp\.appSecret" is required: .*environment variable/],
    [{ appId: websiteApp.appId }, /"websiteApp\.appSecret" is required/],
  ])('refuses %j', (value, message) => {
    const error = failure(() => resolveWebsiteApp(value, OFFICIAL));
    expect(error).toBeInstanceOf(WechatConfigError);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('the-website-secret');
  });
});

describe('desktop', () => {
  it("defaults to the website app when there is one, else scan to sign in, else the page's QR code", () => {
    expect(resolveDesktop(undefined, websiteApp, true)).toBe('website');
    expect(resolveDesktop(undefined, undefined, true)).toBe('scan');
    expect(resolveDesktop(undefined, undefined, false)).toBe('qr');
    expect(resolveDesktop('scan', websiteApp, true)).toBe('scan');
    expect(resolveDesktop('qr', websiteApp, true)).toBe('qr');
  });

  it.each([
    ['popup', websiteApp, true, /"desktop" must be one of "website", "scan", "qr"/],
    ['website', undefined, true, /"desktop": "website" needs "websiteApp"/],
    ['scan', undefined, false, /"desktop": "scan" needs scan to sign in/],
  ] as const)('refuses %j', (value, app, scanOn, message) => {
    expect(failure(() => resolveDesktop(value, app, scanOn)).message).toMatch(message);
  });
});
