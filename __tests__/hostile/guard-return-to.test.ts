import { describe, expect, it } from '@jest/globals';
import {
  ORIGIN,
  asDesktop,
  complete,
  desktopAgent,
  desktopOpens,
  phoneConfirms,
  signedInPhone,
  useScanWorld,
  whoIs,
  type ScanWorld,
} from '../scan/scan-world.js';

/**
 * With a guard on every path, the address the desktop asked for becomes the ticket's return address: it goes
 * through the same safeReturnTo as /login's returnTo (with its length cap), so a scan sign-in started at
 * `//evil.example/phish` ends on our origin, on the desktop and on the phone's last page.
 */
let s: ScanWorld;
useScanWorld(
  (world) => (s = world),
  {},
  (app, wechat) => app.use(wechat.requireWechatUser(), (req, res) => void res.send(`page ${req.path}`)),
);

function landsOnOurOrigin(location: string): void {
  expect(location).not.toMatch(/^\/\//);
  expect(new URL(location, ORIGIN).origin).toBe(ORIGIN);
}

async function scanSignIn(path: string): Promise<{ location: string; phoneLink: string; html: string }> {
  const desktop = desktopAgent(s.desktopApp);
  const code = await desktopOpens(desktop, path);
  const phone = await signedInPhone(s.world, s.phoneApp);
  const outcome = await phoneConfirms(s.world, phone, code);
  expect(outcome.status).toBe(200);
  const phoneLink = /id="scan-continue" href="([^"]*)"/.exec(outcome.text)![1]!.replace(/&amp;/g, '&');
  const done = await complete(desktop, code);
  expect(done.status).toBe(303);
  expect((await whoIs(desktop)).status).toBe(200);
  return { location: done.headers.location as string, phoneLink, html: code.html };
}

describe('the guard’s return address after a scan sign-in', () => {
  it.each([
    ['protocol-relative', '//evil.example/phish'],
    ['three slashes', '///evil.example/phish'],
    ['slash backslash', '/\\evil.example/phish'],
    ['encoded second slash', '/%2Fevil.example/phish'],
    ['dot segment', '/.//evil.example/phish'],
  ])('GET %s (%s) → scan → confirm ends on our origin', async (_name, path) => {
    const { location, phoneLink, html } = await scanSignIn(path);
    landsOnOurOrigin(location);
    landsOnOurOrigin(phoneLink);
    expect(html).not.toContain('evil.example');
  });

  it('a 15 KB path is not stored: the desktop returns home', async () => {
    const { location, phoneLink, html } = await scanSignIn(`/${'a'.repeat(15_000)}`);
    expect(location).toBe('/');
    expect(phoneLink).toBe('/');
    expect(html.length).toBeLessThan(15_000);
  });

  it('an ordinary guarded path with its query comes back as it was', async () => {
    const { location, phoneLink } = await scanSignIn('/orders/7?tab=paid&x=%2F');
    expect(location).toBe('/orders/7?tab=paid&x=%2F');
    // The return address stays with the desktop (never in the QR code): the phone continues to the home page.
    expect(phoneLink).toBe('/');
    const desktop = desktopAgent(s.desktopApp);
    expect((await asDesktop(desktop.get('/orders/7'))).status).toBe(401);
  });
});
