import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { login, type Agent } from '../helpers/login-app.js';
import {
  ORIGIN,
  asPhone,
  desktopAgent,
  desktopOpens,
  phoneScans,
  signedInPhone,
  statusOf,
  useScanWorld,
  whoIs,
  type ScanWorld,
} from './scan-world.js';

/**
 * A WebView without Sec-Fetch-Site (iOS before 16.4, where WeChat uses the system WebView) posts our own forms
 * with the Origin and Referer its page's referrer policy allows: those posts must pass (Confirm, Cancel, Sign
 * out), and the same posts from another origin, or with `Origin: null`, must not.
 */
let s: ScanWorld;
useScanWorld((world) => (s = world));

/**
 * What such a browser sends with a same-origin form POST from `page` (Fetch: the request's Origin is `null`
 * under `no-referrer`, else the page's origin for a same-origin request; Referer as the policy allows).
 */
function oldWebviewPost(page: request.Response, pageUrl: string): Record<string, string> {
  const meta = /<meta name="referrer" content="([^"]+)">/.exec(page.text)?.[1];
  const policy = meta ?? (page.headers['referrer-policy'] as string | undefined) ?? 'strict-origin-when-cross-origin';
  if (policy === 'no-referrer') return { Origin: 'null' };
  const headers: Record<string, string> = { Origin: new URL(pageUrl).origin };
  if (policy !== 'origin' && policy !== 'strict-origin') headers.Referer = pageUrl;
  return headers;
}

async function scannedCode(): Promise<{ desktop: Agent; phone: Agent; code: Awaited<ReturnType<typeof desktopOpens>>; page: request.Response; csrf: string }> {
  const desktop = desktopAgent(s.desktopApp);
  const code = await desktopOpens(desktop);
  const phone = await signedInPhone(s.world, s.phoneApp);
  const { csrf } = await phoneScans(phone, code);
  // The confirm page as the phone shows it now (a fresh token): the one the form posts from.
  const page = await asPhone(phone.get(code.ticketPath));
  const fresh = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? csrf;
  return { desktop, phone, code, page, csrf: fresh };
}

function post(phone: Agent, path: string, headers: Record<string, string>, fields: Record<string, string>) {
  return asPhone(phone.post(path)).set(headers).type('form').send(fields);
}

describe('our own form posts from a browser without Sec-Fetch-Site', () => {
  it('Confirm passes with the Origin its page lets it send', async () => {
    const { desktop, phone, code, page, csrf } = await scannedCode();
    const headers = oldWebviewPost(page, `${ORIGIN}${code.ticketPath}`);
    expect(headers.Origin).toBe(ORIGIN);
    const res = await post(phone, `${code.ticketPath}/confirm`, headers, { csrf, ...(code.digits ? { pick: code.digits } : {}) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toContain(s.world.emulator.authorizeBaseUrl);
    expect((await statusOf(desktop, code)).state).toBe('scanned');
  });

  it('Cancel passes with the Origin its page lets it send', async () => {
    const { desktop, phone, code, page, csrf } = await scannedCode();
    const res = await post(phone, `${code.ticketPath}/cancel`, oldWebviewPost(page, `${ORIGIN}${code.ticketPath}`), { csrf });
    expect(res.status).toBe(200);
    expect(res.text).toContain('data-outcome="cancelled"');
    expect((await statusOf(desktop, code)).state).toBe('cancelled');
  });

  it('Sign out passes with the Origin its page lets it send', async () => {
    const agent = request.agent(s.desktopApp);
    await login(agent, s.world.emulator);
    expect((await whoIs(agent)).status).toBe(200);
    const page = await agent.get('/auth/wechat/logout').set('Accept', 'text/html');
    const res = await agent.post('/auth/wechat/logout').set(oldWebviewPost(page, `${ORIGIN}/auth/wechat/logout`)).set('Accept', 'text/html');
    expect(res.status).toBe(303);
    expect((await whoIs(agent)).status).toBe(401);
  });

  it.each([
    ['Origin: null', { Origin: 'null' }],
    ['another origin', { Origin: 'https://evil.example' }],
    ['another port of our host (same site)', { Origin: 'http://localhost:4000' }],
    ['another origin, Sec-Fetch-Site cross-site', { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' }],
    ['a same-site page, Sec-Fetch-Site same-site', { Origin: 'http://localhost:4000', 'Sec-Fetch-Site': 'same-site' }],
  ])('refuses Confirm, Cancel (with the page’s CSRF token) and Sign out with %s; the code stays "scanned"', async (_name, headers) => {
    const { desktop, phone, code, csrf } = await scannedCode();
    const confirm = await post(phone, `${code.ticketPath}/confirm`, headers, { csrf, ...(code.digits ? { pick: code.digits } : {}) });
    expect(confirm.status).toBe(403);
    const cancel = await post(phone, `${code.ticketPath}/cancel`, headers, { csrf });
    expect(cancel.status).toBe(403);
    expect((await statusOf(desktop, code)).state).toBe('scanned');
    const logout = await asPhone(phone.post('/auth/wechat/logout')).set(headers);
    expect(logout.status).toBe(403);
    expect((await whoIs(phone)).status).toBe(200);
  });
});
