import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { Express } from 'express';
import type { LoginWorld } from '../helpers/login-app.js';
import { login, pathOf, WECHAT_UA } from '../helpers/login-app.js';
import { headersText, OURS, useHostileSuite } from './helpers/hostile-world.js';

/**
 * `returnTo` is attacker-controlled (a link can carry anything). After a whole login, and after logout, the
 * browser must land on our origin or an allowedReturnHosts host, whatever the value; no header is injected.
 */
let world: LoginWorld;
let app: Express;
/** Without publicUrl: our origin comes from each request's Host. */
let hostApp: Express;
const ALLOWED = 'shop.example.com';
useHostileSuite(({ main, fromHost }) => ({ world, app } = main!, hostApp = fromHost!.app), {
  main: { options: { allowedReturnHosts: [ALLOWED] } },
  fromHost: { options: { publicUrl: undefined } },
});

const CALLBACK_URL = `${OURS}/auth/wechat/callback`;
const LONG = 'a'.repeat(10_000);

/** [family, the value of returnTo as the app receives it after one decoding]. Each must fall back to our origin. */
const HOSTILE: [string, string][] = [
  ['absolute foreign URL', 'https://evil.com/'],
  ['protocol-relative', '//evil.com'],
  ['protocol-relative, three slashes', '///evil.com'],
  ['protocol-relative with spaces', ' //evil.com'],
  ['slash backslash', '/\\evil.com'],
  ['backslash backslash', '\\\\evil.com'],
  ['backslash slash', '\\/evil.com'],
  ['scheme with backslashes', 'https:\\\\evil.com'],
  ['encoded slashes (on the wire %252F)', '%2F%2Fevil.com'],
  ['double-encoded slashes', '%252F%252Fevil.com'],
  ['encoded backslash', '/%5Cevil.com'],
  ['mixed encoded slash', '/%2Fevil.com'],
  ['dot segment then two slashes', '/.//evil.com'],
  ['dot-dot segment then two slashes', '/..//evil.com'],
  ['path then dot-dot then two slashes', '/a/..//evil.com'],
  ['encoded dot segment', '/%2e//evil.com'],
  ['encoded dot-dot segment', '/%2E%2E//evil.com'],
  ['our origin then two slashes', `${OURS}//evil.com`],
  ['our origin, dot segment, two slashes', `${OURS}/.//evil.com`],
  ['our origin upper-case scheme then two slashes', `HTTP://localhost:3000//evil.com`],
  ['userinfo: ours@evil', `https://localhost:3000@evil.com/`],
  ['userinfo: allowed@evil', `https://${ALLOWED}@evil.com/`],
  ['userinfo with port: allowed:443@evil', `https://${ALLOWED}:443@evil.com/`],
  ['userinfo on our own origin', `http://user:pass@localhost:3000/`],
  ['fragment: evil#@allowed', `https://evil.com#@${ALLOWED}`],
  ['query: evil?@allowed', `https://evil.com?@${ALLOWED}`],
  ['suffix: allowed.evil', `https://${ALLOWED}.evil.com/`],
  ['prefix: evil-allowed', `https://evil${ALLOWED}/`],
  ['our host on another port', 'http://localhost:3001/'],
  ['our host as a subdomain of evil', 'http://localhost:3000.evil.com/'],
  ['IDN look-alike (Cyrillic е)', 'https://еxample.com/'],
  ['IDN look-alike of the allowed host (Cyrillic а)', 'https://shop.exаmple.com/'],
  ['punycode look-alike', 'https://xn--xample-2of.com/'],
  ['fullwidth dot in host', 'https://evil。com/'],
  ['single-slash scheme', 'http:/evil.com'],
  ['no-slash scheme', 'http:evil.com'],
  ['CRLF then Location', '/\r\nLocation: https://evil.com'],
  ['encoded CRLF then Location', '/%0d%0aLocation:%20https://evil.com'],
  ['encoded CRLF then Set-Cookie', '/%0D%0ASet-Cookie:%20wechat.sid=evil'],
  ['tab inside scheme', 'java\tscript:alert(1)'],
  ['newline inside scheme', 'java\nscript:alert(1)'],
  ['tab inside protocol-relative', '/\t/evil.com'],
  ['encoded tab inside protocol-relative', '/%09/evil.com'],
  ['NUL', '/\u0000//evil.com'],
  ['javascript:', 'javascript:alert(document.cookie)'],
  ['JaVaScRiPt: mixed case', 'JaVaScRiPt:alert(1)'],
  ['javascript: with leading space', ' javascript:alert(1)'],
  ['encoded javascript:', 'javascript%3Aalert(1)'],
  ['data:', 'data:text/html,<script>alert(1)</script>'],
  ['data: base64', 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=='],
  ['vbscript:', 'vbscript:msgbox(1)'],
  ['file:', 'file:///etc/passwd'],
  ['ftp on the allowed host', `ftp://${ALLOWED}/`],
  ['very long protocol-relative', `//evil.com/${LONG}`],
  ['very long path', `/${LONG}`],
];

/** Values that are ours: they survive, as paths on our origin or the allowed host. */
const HARMLESS: [string, string, string][] = [
  ['a path with query and hash', '/profile?tab=1#top', `${OURS}/profile?tab=1#top`],
  ['our own absolute URL', `${OURS}/orders`, `${OURS}/orders`],
  ['the allowed host over https', `https://${ALLOWED}/cart`, `https://${ALLOWED}/cart`],
  ['the allowed host in capitals', `https://SHOP.EXAMPLE.COM/cart`, `https://${ALLOWED}/cart`],
  ['a dot segment that stays on our path', '/a/./b/../c', `${OURS}/a/c`],
  ['a unicode path', '/商品/列表', `${OURS}/${encodeURIComponent('商品')}/${encodeURIComponent('列表')}`],
];

/** Where a browser goes for this Location, answered by the callback. */
function destination(location: string): URL {
  return new URL(location, CALLBACK_URL);
}

function expectOursOrAllowed(location: string): void {
  const url = destination(location);
  expect(url.origin === OURS || (url.protocol === 'https:' && url.host === ALLOWED)).toBe(true);
  expect(location).not.toMatch(/[\r\n\t\u0000]/);
}

function expectNoInjectedHeaders(res: request.Response): void {
  const text = headersText(res.headers);
  expect(text).not.toMatch(/evil/i);
  expect(res.headers['set-cookie'] ?? []).not.toEqual(expect.arrayContaining([expect.stringContaining('wechat.sid=evil')]));
}

async function loginReturningTo(returnTo: string): Promise<request.Response> {
  const agent = request.agent(app);
  const { callback } = await login(agent, world.emulator, { returnTo });
  expect(callback.status).toBe(302);
  return callback;
}

async function logoutReturningTo(returnTo: string): Promise<request.Response> {
  return request(app)
    .post(`/auth/wechat/logout?returnTo=${encodeURIComponent(returnTo)}`)
    .set('Sec-Fetch-Site', 'same-origin');
}

describe('returnTo after a whole login lands on our origin, whatever the link said', () => {
  it.each(HOSTILE)('%s', async (_family, returnTo) => {
    const callback = await loginReturningTo(returnTo);
    expect(destination(callback.headers.location as string).href).toBe(`${OURS}/`);
    expectNoInjectedHeaders(callback);
  });

  it.each(HARMLESS)('%s survives', async (_family, returnTo, expected) => {
    const callback = await loginReturningTo(returnTo);
    expect(destination(callback.headers.location as string).href).toBe(expected);
    expectOursOrAllowed(callback.headers.location as string);
  });

  it('slashes percent-encoded twice more are still refused (each layer decoded)', async () => {
    const callback = await loginReturningTo('%25252F%25252Fevil.com');
    expect(destination(callback.headers.location as string).href).toBe(`${OURS}/`);
  });

  it.each(['/%252e//evil.com', '/%25252e//evil.com'])('an encoded dot segment %s is not a dot segment to a browser: it stays a path of ours', async (returnTo) => {
    const url = destination((await loginReturningTo(returnTo)).headers.location as string);
    expect(url.origin).toBe(OURS);
    expect(url.pathname).not.toMatch(/^\/\//);
  });

  it('returnTo given twice or as an array falls back to our home page', async () => {
    const agent = request.agent(app);
    for (const query of ['returnTo=/a&returnTo=//evil.com', 'returnTo[]=//evil.com', 'returnTo[a]=//evil.com']) {
      const start = await agent.get(`/auth/wechat/login?${query}`).set('User-Agent', WECHAT_UA);
      expect(start.status).toBe(302);
      const callback = await agent.get(pathOf(world.emulator.authorize(start.headers.location as string, { user: 'alice' })));
      expect(destination(callback.headers.location as string).href).toBe(`${OURS}/`);
    }
  });
});

describe('logout returnTo lands on our origin too', () => {
  it.each(HOSTILE)('POST logout, %s', async (_family, returnTo) => {
    const res = await logoutReturningTo(returnTo);
    expect(res.status).toBe(303);
    expect(destination(res.headers.location as string).href).toBe(`${OURS}/`);
    expectNoInjectedHeaders(res);
  });

  it.each(HARMLESS)('POST logout, %s survives', async (_family, returnTo, expected) => {
    const res = await logoutReturningTo(returnTo);
    expect(res.status).toBe(303);
    expect(destination(res.headers.location as string).href).toBe(expected);
  });

  it.each(HOSTILE)('GET logout confirm form, %s: the form posts to our logout with a safe returnTo', async (_family, returnTo) => {
    const res = await request(app).get(`/auth/wechat/logout?returnTo=${encodeURIComponent(returnTo)}`);
    expect(res.status).toBe(200);
    const action = /action="([^"]*)"/.exec(res.text)?.[1]?.replace(/&amp;/g, '&');
    expect(action).toBe('/auth/wechat/logout');
    expectNoInjectedHeaders(res);
  });
});

describe('the "open in WeChat" QR page encodes a page of ours only', () => {
  it.each(HOSTILE)('/qr?url=, %s: the QR code opens our home page', async (_family, url) => {
    const res = await request(app).get(`/auth/wechat/qr?url=${encodeURIComponent(url)}`);
    expect(res.status).toBe(200);
    expect(/data-url="([^"]*)"/.exec(res.text)?.[1]).toBe(`${OURS}/`);
  });

  it('/qr?url= of the allowed host still encodes our home page (the QR page is for our own pages)', async () => {
    const res = await request(app).get(`/auth/wechat/qr?url=${encodeURIComponent(`https://${ALLOWED}/cart`)}`);
    expect(/data-url="([^"]*)"/.exec(res.text)?.[1]).toBe(`${OURS}/`);
  });
});

describe('without publicUrl, our origin comes from the Host header', () => {
  it('returnTo stays on the Host the browser asked for', async () => {
    const res = await request(hostApp).post('/auth/wechat/logout?returnTo=%2F.%2F%2Fevil.com').set('Host', 'shop.test:8080');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
  });

  it.each(['[', 'a:b:c', 'localhost:99999', '%', 'a b'])('a Host that is no origin (%s) gets "/" and no 500', async (host) => {
    const res = await request(hostApp).get('/auth/wechat/logout?returnTo=%2Fprofile').set('Host', host);
    expect(res.status).toBeLessThan(500);
    expect(res.text).not.toMatch(/TypeError|Invalid URL|\n\s+at /);
  });
});
