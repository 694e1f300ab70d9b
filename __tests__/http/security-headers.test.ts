import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { asDesktop, asPhone, desktopAgent, desktopOpens, phoneScans, signedInPhone, useScanWorld, type ScanWorld } from '../scan/scan-world.js';
import { buildApp, login, loginOptions } from '../helpers/login-app.js';
import { createWechatLogin } from '../../lib/index.js';

/**
 * Every HTML page we answer with refuses to be framed (X-Frame-Options and CSP frame-ancestors), runs only the
 * inline code our shell marked with this response's nonce, is not sniffed and sends a same-origin referrer; our
 * JSON is not sniffed; the app's own pages keep their own headers.
 */
let s: ScanWorld;
useScanWorld((world) => (s = world));

const html = { Accept: 'text/html,application/xhtml+xml' };

function nonceOf(res: request.Response): string {
  const csp = res.headers['content-security-policy'] as string | undefined;
  expect(csp).toBeDefined();
  const nonce = /script-src 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp!)?.[1];
  expect(nonce).toBeDefined();
  return nonce!;
}

/** The headers of a page of ours, and every inline tag carrying the header's nonce, no `style=""` attribute. */
function expectOurPage(res: request.Response): string {
  expect(res.headers['content-type']).toMatch(/^text\/html/);
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['referrer-policy']).toBe('same-origin');
  const nonce = nonceOf(res);
  const csp = res.headers['content-security-policy'] as string;
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain(`style-src 'nonce-${nonce}'`);
  expect(csp).not.toContain('unsafe-inline');
  const tags = [...res.text.matchAll(/<(script|style)\b([^>]*)>/g)];
  expect(tags.length).toBeGreaterThan(0);
  for (const [, , attributes] of tags) expect(attributes).toBe(` nonce="${nonce}"`);
  expect(res.text).not.toMatch(/\sstyle="/);
  expect(res.text).toContain('<meta name="referrer" content="same-origin">');
  return nonce;
}

describe('security headers on our pages', () => {
  it('the guard’s scan page, the scan route’s page and a fresh nonce per response', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const guarded = await asDesktop(desktop.get('/profile'));
    expect(guarded.status).toBe(401);
    const first = expectOurPage(guarded);
    const scanPage = await asDesktop(desktop.get('/auth/wechat/scan?returnTo=%2Fprofile'));
    expect(scanPage.status).toBe(200);
    const second = expectOurPage(scanPage);
    expect(second).not.toBe(first);
    expect(scanPage.text).toContain(`<script nonce="${second}">`);
  });

  it('the phone’s confirm page, its outcome pages and the "open in WeChat" page', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop);
    const phone = await signedInPhone(s.world, s.phoneApp);
    await phoneScans(phone, code);
    const confirm = await asPhone(phone.get(code.ticketPath));
    expect(confirm.status).toBe(200);
    expectOurPage(confirm);
    const notWechat = await asDesktop(request(s.phoneApp).get(code.ticketPath));
    expectOurPage(notWechat);
    // A ticket we never sealed: refused before Redis, with the same outcome page.
    const unknown = await asPhone(phone.get('/auth/wechat/scan/t/AAAAAAAAAAAAAAAAAAAAAA'));
    expect(unknown.status).toBe(404);
    expectOurPage(unknown);
  });

  it('the QR page, the logout confirm page, the login error page and the busy pages', async () => {
    expectOurPage(await request(s.desktopApp).get('/auth/wechat/qr?url=%2Fprofile').set(html));
    expectOurPage(await request(s.desktopApp).get('/auth/wechat/logout').set(html));
    const expired = await request(s.desktopApp).get('/auth/wechat/callback?code=x&state=y').set(html);
    expect(expired.status).toBe(403);
    expectOurPage(expired);

    // The callback's 503 (WeChat down during the code exchange).
    const agent = request.agent(s.desktopApp);
    const start = await agent.get('/auth/wechat/login');
    const callbackUrl = new URL(s.world.emulator.authorize(start.headers.location as string, { user: 'alice' }));
    s.world.emulator.injectFault('access_token', 'http500', 1);
    const busy = await agent.get(callbackUrl.pathname + callbackUrl.search).set(html);
    expect(busy.status).toBe(503);
    expectOurPage(busy);

    // The error handler's 503 on the app's own route (WeChat down while the app reads the profile).
    const user = request.agent(s.desktopApp);
    await login(user, s.world.emulator, { scope: 'snsapi_userinfo' });
    s.world.emulator.injectFault('userinfo', 'http500', 5);
    const appBusy = await user.get('/api/wechat-profile').set(html);
    expect(appBusy.status).toBe(503);
    expectOurPage(appBusy);
  });

  it('our JSON answers are not sniffed', async () => {
    const status = await request(s.desktopApp).get('/auth/wechat/scan/status?t=AAAAAAAAAAAAAAAAAAAAAA').set('Accept', 'application/json');
    expect(status.headers['content-type']).toMatch(/^application\/json/);
    expect(status.headers['x-content-type-options']).toBe('nosniff');
    const guardJson = await request(s.desktopApp).get('/api/me').set('Accept', 'application/json');
    expect(guardJson.status).toBe(401);
    expect(guardJson.headers['x-content-type-options']).toBe('nosniff');
  });

  it('the app’s own pages keep their headers (none of ours)', async () => {
    const home = await request(s.desktopApp).get('/').set(html);
    expect(home.text).toBe('home');
    expect(home.headers['x-frame-options']).toBeUndefined();
    expect(home.headers['content-security-policy']).toBeUndefined();
    expect(home.headers['referrer-policy']).toBeUndefined();
    const signedIn = request.agent(s.desktopApp);
    await login(signedIn, s.world.emulator);
    const profile = await signedIn.get('/profile').set(html);
    expect(profile.status).toBe(200);
    expect(profile.headers['x-frame-options']).toBeUndefined();
    expect(profile.headers['content-security-policy']).toBeUndefined();
  });

  it('images: ours and data: only, plus the origin of a logo on another host', async () => {
    const plain = await request(s.desktopApp).get('/auth/wechat/logout').set(html);
    expect(plain.headers['content-security-policy']).toContain("img-src 'self' data:;");
    const branded = createWechatLogin(loginOptions(s.world, { pages: { logoUrl: 'https://cdn.example.com/img/logo.png' } }), { warn: () => undefined });
    try {
      const res = await request(buildApp(branded)).get('/profile').set(html).set('User-Agent', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0');
      expect(res.status).toBe(401);
      expect(res.text).toContain('src="https://cdn.example.com/img/logo.png"');
      expect(res.headers['content-security-policy']).toContain("img-src 'self' data: https://cdn.example.com;");
    } finally {
      await branded.close();
    }
  });
});
