import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import {
  ORIGIN,
  asDesktop,
  asPhone,
  authorizeForDesktop,
  complete,
  desktopAgent,
  desktopOpens,
  phoneConfirms,
  phoneScans,
  postCancel,
  postConfirm,
  shownCode,
  signedInPhone,
  statusOf,
  useScanWorld,
  whoIs,
  type ScanWorld,
} from './scan-world.js';
import { pathOf } from '../helpers/login-app.js';

let s: ScanWorld;
useScanWorld((world) => (s = world));

/** A desktop showing a code and a signed-in phone (alice) that scanned it. */
async function scannedCode(user = 'alice') {
  const desktop = desktopAgent(s.desktopApp);
  const code = await desktopOpens(desktop);
  const phone = await signedInPhone(s.world, s.phoneApp, user);
  const page = await phoneScans(phone, code);
  return { desktop, code, phone, page };
}

describe('a scan ticket is single-use', () => {
  it('signs the desktop in once: a second completion, or the phone opening the code again, signs nobody in', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop);
    const phone = await signedInPhone(s.world, s.phoneApp);
    await phoneConfirms(s.world, phone, code);
    await complete(desktop, code).expect(303);
    const again = await complete(desktop, code);
    expect(again.status).toBe(303);
    expect(again.headers['set-cookie']).toBeUndefined(); // no new session
    const reopened = await asPhone(phone.get(code.ticketPath));
    expect(reopened.text).toContain('data-outcome="used"');
  });

  it('cannot be confirmed twice: a second Confirm after the authorization does not start another one', async () => {
    const { code, phone, page } = await scannedCode();
    const confirm = await postConfirm(phone, code, { csrf: page.csrf });
    await authorizeForDesktop(s.world, phone, confirm);
    const second = await postConfirm(phone, code, { csrf: page.csrf });
    expect(second.status).toBe(200);
    expect(second.text).toContain('data-outcome="used"');
  });

  it('a replayed scan callback (the same code and state) confirms nothing more', async () => {
    const { code, phone, page } = await scannedCode();
    const confirm = await postConfirm(phone, code, { csrf: page.csrf });
    const callback = s.world.emulator.authorize(confirm.headers.location as string, { user: 'alice' });
    expect((await asPhone(phone.get(pathOf(callback)))).status).toBe(200);
    const replay = await asPhone(phone.get(pathOf(callback)));
    expect(replay.status).toBe(403);
  });
});

describe('expiry (the injected clock)', () => {
  it('an expired code cannot be scanned, confirmed or completed; the desktop sees "expired"', async () => {
    const { desktop, code, phone, page } = await scannedCode();
    s.world.clock.advance(120_000);
    expect(await statusOf(desktop, code)).toEqual({ status: 200, state: 'expired' });
    const confirm = await postConfirm(phone, code, { csrf: page.csrf });
    expect(confirm.status).toBe(410);
    expect((await asPhone(phone.get(code.ticketPath))).status).toBe(410);
    expect((await complete(desktop, code)).status).toBe(410);
    expect((await whoIs(desktop)).status).toBe(401);
  });

  it('a code confirmed just before expiry is still taken within its completion window, not after it', async () => {
    const { desktop, code, phone, page } = await scannedCode();
    s.world.clock.advance(119_000);
    const confirm = await postConfirm(phone, code, { csrf: page.csrf });
    expect((await authorizeForDesktop(s.world, phone, confirm)).status).toBe(200);
    s.world.clock.advance(30_000);
    expect((await complete(desktop, code)).status).toBe(410);
    expect((await whoIs(desktop)).status).toBe(401);
  });

  it('"check again" on an expired code shows a fresh code for the same page, counting the renewals', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop);
    s.world.clock.advance(120_000);
    const fresh = await asDesktop(desktop.get(`/auth/wechat/scan?t=${code.ticketId}&returnTo=%2Fprofile&renew=1`));
    expect(fresh.status).toBe(200);
    const next = shownCode(fresh);
    expect(next.ticketId).not.toBe(code.ticketId);
    expect(fresh.text).toContain('renew=2');
    expect(fresh.text).toContain('&quot;renewalsLeft&quot;:4');
    const last = await asDesktop(desktop.get('/auth/wechat/scan?returnTo=%2Fprofile&renew=5'));
    expect(last.text).toContain('&quot;renewalsLeft&quot;:0');
  });
});

describe('a snapshot-page visitor (WeChat’s preview of the page)', () => {
  it('is signed in nowhere: the code stays waiting for a real scan', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop);
    const phone = request.agent(s.phoneApp);
    const first = await asPhone(phone.get(code.ticketPath));
    const start = await asPhone(phone.get(first.headers.location as string));
    const callback = await asPhone(phone.get(pathOf(s.world.emulator.authorize(start.headers.location as string, { user: 'snapshot' }))));
    expect(callback.status).toBe(200);
    expect(callback.text).toContain('使用完整服务');
    expect((await whoIs(phone)).status).toBe(401);
    expect((await asPhone(phone.get(code.ticketPath))).status).toBe(302); // still asked to sign in, nothing scanned
    expect(await statusOf(desktop, code)).toEqual({ status: 200, state: 'waiting' });
  });
});

describe('one phone per ticket', () => {
  it('a second phone is refused after the first scanned, and cannot confirm or cancel', async () => {
    const { desktop, code, page } = await scannedCode('alice');
    const other = await signedInPhone(s.world, s.phoneApp, 'bob');
    const scan = await asPhone(other.get(code.ticketPath));
    expect(scan.status).toBe(409);
    expect(scan.text).toContain('已被另一部手机扫描'); // scanned by another phone
    expect((await postConfirm(other, code, { csrf: page.csrf })).status).toBe(409);
    expect((await postCancel(other, code, { csrf: page.csrf })).status).toBe(409);
    expect(await statusOf(desktop, code)).toEqual({ status: 200, state: 'scanned' });
  });

  it('the desktop is never signed in as another WeChat account than the phone’s session', async () => {
    const { desktop, code, phone, page } = await scannedCode('alice');
    const confirm = await postConfirm(phone, code, { csrf: page.csrf });
    const outcome = await authorizeForDesktop(s.world, phone, confirm, 'bob');
    expect(outcome.status).toBe(403);
    expect(await statusOf(desktop, code)).toEqual({ status: 200, state: 'cancelled' });
  });
});

describe('cancel', () => {
  it('after Cancel the desktop sees "cancelled" and nothing can confirm the ticket', async () => {
    const { desktop, code, phone, page } = await scannedCode();
    const cancel = await postCancel(phone, code, { csrf: page.csrf });
    expect(cancel.status).toBe(200);
    expect(cancel.text).toContain('已取消登录'); // Sign-in cancelled
    expect(await statusOf(desktop, code)).toEqual({ status: 200, state: 'cancelled' });
    const confirm = await postConfirm(phone, code, { csrf: page.csrf });
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('data-outcome="cancelled"');
    expect((await complete(desktop, code)).status).toBe(200);
    expect((await whoIs(desktop)).status).toBe(401);
  });

  it('declining WeChat’s authorization for the desktop cancels the ticket', async () => {
    const { desktop, code, phone, page } = await scannedCode();
    const confirm = await postConfirm(phone, code, { csrf: page.csrf });
    const callback = s.world.emulator.authorize(confirm.headers.location as string, { user: 'alice', consent: 'deny' });
    expect((await asPhone(phone.get(pathOf(callback)))).status).toBe(403);
    expect(await statusOf(desktop, code)).toEqual({ status: 200, state: 'cancelled' });
  });

  it('a cancel without the confirm page’s CSRF token is refused', async () => {
    const { desktop, code, phone } = await scannedCode();
    expect((await postCancel(phone, code, { csrf: 'forged' })).status).toBe(403);
    expect((await postCancel(phone, code, {})).status).toBe(403);
    expect(await statusOf(desktop, code)).toEqual({ status: 200, state: 'scanned' });
  });
});

describe('CSRF on Confirm', () => {
  it('refuses a Confirm without the page’s token, or from another site, and starts no authorization', async () => {
    const { desktop, code, phone, page } = await scannedCode();
    expect((await postConfirm(phone, code, {})).status).toBe(403);
    expect((await postConfirm(phone, code, { csrf: 'not-the-token' })).status).toBe(403);
    const crossSite = await asPhone(phone.post(`${code.ticketPath}/confirm`))
      .set('Origin', 'https://evil.example')
      .set('Sec-Fetch-Site', 'cross-site')
      .type('form')
      .send({ csrf: page.csrf });
    expect(crossSite.status).toBe(403);
    expect(await statusOf(desktop, code)).toEqual({ status: 200, state: 'scanned' });
  });

  it('a Confirm from a phone that is not signed in is sent to the ticket page (and so to sign-in) instead', async () => {
    const { code, page } = await scannedCode();
    const stranger = request.agent(s.phoneApp);
    const res = await asPhone(stranger.post(`${code.ticketPath}/confirm`)).set('Origin', ORIGIN).type('form').send({ csrf: page.csrf });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(code.ticketPath);
  });
});

describe('only the browser that showed the code', () => {
  it('another desktop browser cannot poll, stream or complete it, and opening its URL signs nobody in nor consumes it', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop);
    const intruder = desktopAgent(s.phoneApp);
    await desktopOpens(intruder); // it has a scan secret of its own: still not this code's
    const opened = await asDesktop(intruder.get(code.ticketPath));
    expect(opened.status).toBe(200);
    expect(opened.text).toContain('Scan this code with WeChat');
    expect(opened.headers['set-cookie'] ?? []).not.toEqual(expect.arrayContaining([expect.stringMatching(/^wechat\.sid=/)]));
    expect(await statusOf(desktop, code)).toEqual({ status: 200, state: 'waiting' });
    expect(await statusOf(intruder, code)).toEqual({ status: 403, state: 'forbidden' });
    expect((await intruder.get(`/auth/wechat/scan/events?t=${code.ticketId}`)).status).toBe(403);

    const phone = await signedInPhone(s.world, s.phoneApp);
    await phoneConfirms(s.world, phone, code);
    expect((await complete(intruder, code)).status).toBe(403);
    expect((await whoIs(intruder)).status).toBe(401);
    await complete(desktop, code).expect(303);
    expect((await whoIs(desktop)).status).toBe(200);
  });

  it('one browser’s tabs on different guarded pages each keep their code (one scan secret per browser)', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const first = await desktopOpens(desktop, '/profile');
    const second = await desktopOpens(desktop, '/full');
    expect(await statusOf(desktop, first)).toEqual({ status: 200, state: 'waiting' });
    expect(await statusOf(desktop, second)).toEqual({ status: 200, state: 'waiting' });
    const phone = await signedInPhone(s.world, s.phoneApp);
    await phoneConfirms(s.world, phone, first);
    await complete(desktop, first).expect(303);
    expect((await whoIs(desktop)).status).toBe(200);
  });

  it('a request without the scan cookie gets 403, never the state', async () => {
    const desktop = desktopAgent(s.desktopApp);
    const code = await desktopOpens(desktop);
    const bare = await request(s.desktopApp).get(`/auth/wechat/scan/status?t=${code.ticketId}`);
    expect(bare.status).toBe(403);
    expect((await request(s.desktopApp).get(`/auth/wechat/scan/status?t=${'x'.repeat(500)}`)).status).toBe(403);
  });
});

describe('no JavaScript', () => {
  it('"check again" shows the state, and once confirmed signs the desktop in', async () => {
    const { desktop, code, phone, page } = await scannedCode();
    const check = `/auth/wechat/scan?t=${code.ticketId}&returnTo=%2Fprofile`;
    expect((await asDesktop(desktop.get(check))).text).toContain('data-state="scanned"');
    const confirm = await postConfirm(phone, code, { csrf: page.csrf });
    await authorizeForDesktop(s.world, phone, confirm);
    const after = await asDesktop(desktop.get(check));
    expect(after.status).toBe(303);
    // The return address rides on the desktop's own link (it is not stored with the ticket).
    expect(after.headers.location).toBe(`/auth/wechat/scan/complete?t=${code.ticketId}&returnTo=%2Fprofile`);
    await complete(desktop, code).expect(303);
    expect((await whoIs(desktop)).status).toBe(200);
  });
});
