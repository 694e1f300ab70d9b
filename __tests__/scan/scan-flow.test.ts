import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import {
  asDesktop,
  asPhone,
  complete,
  desktopAgent,
  desktopOpens,
  phoneConfirms,
  phoneScans,
  signedInPhone,
  statusOf,
  useScanWorld,
  whoIs,
  type ScanWorld,
} from './scan-world.js';
import { pathOf } from '../helpers/login-app.js';

let s: ScanWorld;
useScanWorld((world) => (s = world));

describe('scan to sign in: desktop on one app instance, phone on another', () => {
  it('signs the desktop in as the phone’s WeChat user after scan, confirm and the phone’s authorization, and lands on returnTo', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop, '/profile?tab=1');
    expect(code.html).toContain('Scan with WeChat to sign in');
    expect(await statusOf(desktop, code)).toEqual({ status: 200, state: 'waiting' });

    const phone = await signedInPhone(s.world, s.phoneApp, 'alice');
    const outcome = await phoneConfirms(s.world, phone, code, 'alice');
    expect(outcome.status).toBe(200);
    expect(outcome.text).toContain('电脑端已登录'); // Signed in on your computer
    // The desktop's return address is not the phone's to know (it is not in the QR code): the phone goes home.
    expect(outcome.text).not.toContain('/profile?tab=1');
    expect(outcome.text).toContain('href="/"');

    expect(await statusOf(desktop, code)).toEqual({ status: 200, state: 'confirmed' });
    const done = await complete(desktop, code);
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/profile?tab=1');
    const me = await whoIs(desktop);
    const phoneMe = await whoIs(phone);
    expect(me.status).toBe(200);
    expect(me.openid).toBe(phoneMe.openid);
    expect((await asDesktop(desktop.get('/profile'))).text).toMatch(/^hello /);
  });

  it('a phone that is not signed in goes through the normal WeChat authorization first, then sees the confirm page', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop);
    const phone = request.agent(s.phoneApp);
    const first = await asPhone(phone.get(code.ticketPath));
    expect(first.status).toBe(302);
    expect(first.headers.location).toBe(`/auth/wechat/login?returnTo=${encodeURIComponent(code.ticketPath)}`);
    const start = await asPhone(phone.get(first.headers.location as string));
    const callback = await asPhone(phone.get(pathOf(s.world.emulator.authorize(start.headers.location as string, { user: 'bob' }))));
    expect(callback.headers.location).toBe(code.ticketPath);
    const page = await phoneScans(phone, code);
    expect(page.html).toContain('在电脑上登录？'); // Sign in on your computer?
    expect(page.html).toContain('Windows 上的 Chrome'); // Chrome on Windows, in the phone's Chinese
    expect(page.html).toContain('localhost:3000');
    expect(await whoIs(phone)).toMatchObject({ status: 200 });
  });

  it('gives the desktop its own grant: signing out on one device leaves the other signed in', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop);
    const phone = await signedInPhone(s.world, s.phoneApp, 'bob');
    await phoneConfirms(s.world, phone, code, 'bob');
    await complete(desktop, code).expect(303);

    const desktopToken = (await desktop.get('/api/token').set('Accept', 'application/json')).body.token;
    const phoneToken = (await phone.get('/api/token').set('Accept', 'application/json')).body.token;
    expect(desktopToken).toEqual(expect.any(String));
    expect(desktopToken).not.toBe(phoneToken);

    const logout = await desktop.post('/auth/wechat/logout').set('Accept', 'application/json');
    expect(logout.status).toBe(204);
    expect((await whoIs(desktop)).status).toBe(401);
    expect((await whoIs(phone)).status).toBe(200);
    // The phone's own tokens still work with WeChat.
    expect((await phone.get('/api/wechat-profile').set('Accept', 'application/json')).status).toBe(200);
  });

  it('the desktop learns only "scanned" before the phone confirms: no nickname, avatar or openid', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop);
    const phone = await signedInPhone(s.world, s.phoneApp, 'alice');
    await phoneScans(phone, code);
    const status = await desktop.get(`/auth/wechat/scan/status?t=${code.ticketId}`).set('Accept', 'application/json');
    expect(status.body).toEqual({ state: 'scanned' });
    const check = await asDesktop(desktop.get(`/auth/wechat/scan?t=${code.ticketId}&returnTo=%2Fprofile`));
    expect(check.status).toBe(200);
    expect(check.text).toContain('data-state="scanned"');
    const me = await whoIs(phone);
    for (const text of [status.text, check.text]) {
      expect(text).not.toContain(me.openid!);
      expect(text).not.toContain(me.nickname!);
      expect(text).not.toMatch(/headimg|avatar/i);
    }
  });
});
