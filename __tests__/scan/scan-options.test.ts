import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import express from 'express';
import request from 'supertest';
import { createMemoryStore, createWechatLogin, type ScanDesktopInfo, type WechatPublicUser } from '../../lib/index.js';
import { buildApp, loginOptions } from '../helpers/login-app.js';
import {
  asDesktop,
  authorizeForDesktop,
  complete,
  desktopAgent,
  desktopOpens,
  phoneConfirms,
  phoneScans,
  postConfirm,
  signedInPhone,
  statusOf,
  useScanWorld,
  whoIs,
  type ScanWorld,
} from './scan-world.js';

describe('number matching (scanLogin.numberMatching)', () => {
  let s: ScanWorld;
  useScanWorld((world) => (s = world), { scanLogin: { numberMatching: true } });

  it('the desktop shows two digits; the phone picks them among three distinct numbers and the desktop signs in', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop);
    expect(code.digits).toMatch(/^\d\d$/);
    const phone = await signedInPhone(s.world, s.phoneApp);
    const page = await phoneScans(phone, code);
    expect(page.picks).toHaveLength(3);
    expect(new Set(page.picks).size).toBe(3);
    expect(page.picks).toContain(code.digits);
    expect(page.html).not.toContain('id="scan-confirm"'); // no plain Confirm: only the numbers
    const confirm = await postConfirm(phone, code, { csrf: page.csrf, pick: code.digits });
    expect((await authorizeForDesktop(s.world, phone, confirm)).status).toBe(200);
    await complete(desktop, code).expect(303);
    expect((await whoIs(desktop)).status).toBe(200);
  });

  it('a wrong pick cancels the code at once (a relayed code dies at the first guess)', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop);
    const phone = await signedInPhone(s.world, s.phoneApp);
    const page = await phoneScans(phone, code);
    const wrong = page.picks.find((n) => n !== code.digits)!;
    const res = await postConfirm(phone, code, { csrf: page.csrf, pick: wrong });
    expect(res.status).toBe(403);
    expect(res.text).toContain('数字不正确'); // That was not the number
    expect(await statusOf(desktop, code)).toEqual({ status: 200, state: 'cancelled' });
    expect((await postConfirm(phone, code, { csrf: page.csrf, pick: code.digits })).status).toBe(200); // the "cancelled" page
    expect((await whoIs(desktop)).status).toBe(401);
  });
});

describe('the veto hook (scanLogin.onScanConfirm)', () => {
  let s: ScanWorld;
  const calls: { user: WechatPublicUser; desktop: ScanDesktopInfo }[] = [];
  useScanWorld((world) => (s = world), {
    scanLogin: {
      onScanConfirm: async (user, desktop) => {
        calls.push({ user, desktop });
        return user.nickname !== 'Bob';
      },
    },
  });

  it('is asked with the phone’s user and the desktop’s description; false refuses and cancels the code', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop);
    const phone = await signedInPhone(s.world, s.phoneApp, 'bob');
    const bob = await whoIs(phone);
    const page = await phoneScans(phone, code);
    const res = await postConfirm(phone, code, { csrf: page.csrf });
    expect(res.status).toBe(403);
    expect(res.text).toContain('不允许登录'); // Not allowed
    expect(calls.at(-1)).toEqual({
      user: expect.objectContaining({ openid: bob.openid, nickname: 'Bob' }),
      desktop: { description: 'Chrome on Windows', shownAt: expect.any(Number) },
    });
    expect(await statusOf(desktop, code)).toEqual({ status: 200, state: 'cancelled' });
    expect((await whoIs(desktop)).status).toBe(401);
  });

  it('true lets the sign-in go on', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop);
    const phone = await signedInPhone(s.world, s.phoneApp, 'alice');
    expect((await phoneConfirms(s.world, phone, code)).status).toBe(200);
    await complete(desktop, code).expect(303);
    expect((await whoIs(desktop)).nickname).toBe((await whoIs(phone)).nickname);
  });
});

describe('bounds: open codes per browser, polls per code, codes per address', () => {
  let s: ScanWorld;
  useScanWorld((world) => (s = world), {
    scanLogin: { maxOpenPerBrowser: 2, pollsPer10Seconds: 3 },
    rateLimit: { scanCodesPerMinutePerIp: 5, openLoginsPerBrowser: 10 },
  });
  // The per-address window (5 a minute) is shared by these tests: each starts a minute after the last, in any order.
  beforeEach(() => s.world.clock.advance(60_000));

  it('a browser holds at most maxOpenPerBrowser codes: /scan answers 429 and the guard 401, both falling back to the "open in WeChat" page', async () => {
    const desktop = desktopAgent(s.desktopApp);
    await desktopOpens(desktop);
    await desktopOpens(desktop);
    const third = await asDesktop(desktop.get('/auth/wechat/scan?returnTo=%2Fprofile'));
    expect(third.status).toBe(429);
    expect(third.headers['retry-after']).toBe('120');
    expect(third.text).toContain('Open this page in WeChat');
    const guarded = await asDesktop(desktop.get('/profile'));
    expect(guarded.status).toBe(401);
    expect(guarded.text).toContain('Open this page in WeChat');
    s.world.clock.advance(120_000); // the codes expire: their slots free themselves
    await desktopOpens(desktop);
  });

  it('status polls are limited per code: past pollsPer10Seconds 429 with Retry-After, then allowed again', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop);
    for (let i = 0; i < 3; i++) expect((await statusOf(desktop, code)).status).toBe(200);
    const limited = await desktop.get(`/auth/wechat/scan/status?t=${code.ticketId}`).set('Accept', 'application/json');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('10');
    expect((await desktop.get(`/auth/wechat/scan/events?t=${code.ticketId}`)).status).toBe(429);
    s.world.clock.advance(10_000);
    expect((await statusOf(desktop, code)).status).toBe(200);
  });

  it('codes issued per client address share the login rate limit’s per-minute figure, whatever the cookies', async () => {
    const answers: number[] = [];
    for (let i = 0; i < 6; i++) answers.push((await asDesktop(request(s.desktopApp).get('/auth/wechat/scan'))).status);
    expect(answers).toEqual([200, 200, 200, 200, 200, 429]);
  });
});

describe('onLogin on the desktop', () => {
  let s: ScanWorld;
  useScanWorld(
    (world) => (s = world),
    { onLogin: (user) => ({ member: user.id, via: 'onLogin' }) },
    (app) => app.get('/api/account', (req, res) => void res.json({ account: req.wechat.account ?? null })),
  );

  it('runs for the desktop’s sign-in too: its session keeps the account your hook returns', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop);
    const phone = await signedInPhone(s.world, s.phoneApp);
    await phoneConfirms(s.world, phone, code);
    await complete(desktop, code).expect(303);
    const phoneAccount = (await phone.get('/api/account')).body.account;
    expect(phoneAccount).toEqual({ member: expect.any(Number), via: 'onLogin' });
    expect((await desktop.get('/api/account')).body.account).toEqual(phoneAccount);
  });

  it('a desktop already signed in is sent on to returnTo instead of getting a code', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop);
    const phone = await signedInPhone(s.world, s.phoneApp);
    await phoneConfirms(s.world, phone, code);
    await complete(desktop, code).expect(303);
    const again = await asDesktop(desktop.get('/auth/wechat/scan?returnTo=%2Fprofile'));
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe('/profile');
  });
});

describe('the scope the desktop’s page needs', () => {
  let s: ScanWorld;
  useScanWorld((world) => (s = world), { scope: 'snsapi_base' });

  it('a page that needs snsapi_userinfo gets it on the desktop, though the phone signed in with snsapi_base', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop, '/full');
    expect(code.html).toContain('returnTo=%2Ffull&amp;scope=snsapi_userinfo&amp;renew=1'); // a fresh code keeps the scope
    const phone = await signedInPhone(s.world, s.phoneApp);
    expect((await phone.get('/api/me').set('Accept', 'application/json')).body.scope).toBe('snsapi_base');
    const page = await phoneScans(phone, code);
    const confirm = await postConfirm(phone, code, { csrf: page.csrf });
    expect(new URL(confirm.headers.location as string).searchParams.get('scope')).toBe('snsapi_userinfo');
    await authorizeForDesktop(s.world, phone, confirm);
    await complete(desktop, code).expect(303);
    const full = await asDesktop(desktop.get('/full'));
    expect(full.status).toBe(200);
    expect(full.text).toMatch(/^full /);
  });
});

describe('scanLogin: false', () => {
  let s: ScanWorld;
  useScanWorld((world) => (s = world), { scanLogin: false });

  it('the guard shows today’s "open this page in WeChat" QR code and the scan routes do not exist', async () => {
    const page = await asDesktop(request(s.desktopApp).get('/profile'));
    expect(page.status).toBe(401);
    expect(page.text).toContain('Open this page in WeChat');
    expect(page.text).not.toContain('/scan/t/');
    expect((await asDesktop(request(s.desktopApp).get('/auth/wechat/scan'))).status).toBe(404);
  });
});

describe('with the memory store (one process)', () => {
  it('runs the whole flow', async () => {
    const { startWorld } = await import('../helpers/login-app.js');
    const world = await startWorld();
    try {
      const wechat = createWechatLogin({ ...loginOptions(world), redis: undefined, store: createMemoryStore({ clock: world.clock }) }, { warn: () => undefined });
      const app = buildApp(wechat);
      const desktop = desktopAgent(app);
      const code = await desktopOpens(desktop);
      const phone = await signedInPhone(world, app);
      expect((await phoneConfirms(world, phone, code)).status).toBe(200);
      await complete(desktop, code).expect(303);
      expect((await whoIs(desktop)).status).toBe(200);
      await wechat.close();
    } finally {
      await world.stop();
    }
  });
});

describe('options are checked at the factory', () => {
  it.each([
    [{ ttlSeconds: 5 }, '"scanLogin.ttlSeconds" must be a whole number from 30 to 600'],
    [{ numberMatching: 'yes' }, '"scanLogin.numberMatching" must be true or false'],
    [{ onScanConfirm: true }, '"scanLogin.onScanConfirm" must be a function'],
    [{ path: 'scan' }, '"scanLogin.path" must be a path below the prefix'],
    [{ path: '/login' }, '"scanLogin.path" must not be one of the login routes'],
    [{ maxOpenPerBrowser: 0 }, '"scanLogin.maxOpenPerBrowser" must be a whole number from 1 to 100'],
    ['on', '"scanLogin" must be an object'],
  ])('%j', async (scanLogin, message) => {
    const { startWorld } = await import('../helpers/login-app.js');
    void startWorld; // the options below never reach Redis
    expect(() =>
      createWechatLogin(
        { appId: 'wx0123456789abcdef', appSecret: 'secret', store: createMemoryStore(), session: false, scanLogin: scanLogin as never },
        { warn: jest.fn() },
      ),
    ).toThrow(message);
  });

  it('the app still needs only the router: express() with wechat.router serves the scan page', async () => {
    const wechat = createWechatLogin({ appId: 'wx0123456789abcdef', appSecret: 'secret', store: createMemoryStore(), session: { secret: 'x'.repeat(32) } }, { warn: () => undefined });
    const app = express().use(wechat.router);
    const res = await asDesktop(request(app).get('/auth/wechat/scan'));
    expect(res.status).toBe(200);
    expect(res.text).toContain('/auth/wechat/scan/t/');
  });
});
