import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { login, pathOf, type Agent } from '../helpers/login-app.js';
import {
  asDesktop,
  asPhone,
  complete,
  desktopAgent,
  desktopOpens,
  phoneScans,
  postConfirm,
  signedInPhone,
  statusOf,
  useScanWorld,
  whoIs,
  type ScanWorld,
} from './scan-world.js';

/**
 * Two bindings of scan to sign in: the phone's authorization for the desktop comes back only to the browser that
 * started it (its login cookie, the binder), and the desktop's sign-in is a new session, never the one it had.
 */
let s: ScanWorld;
useScanWorld((world) => (s = world));

const BINDER = 'wechat.sid.login';

function cookiesOf(agent: Agent): { name: string; value: string }[] {
  const jar = (agent as unknown as { jar: { getCookies(a: object): { name: string; value: string }[] } }).jar;
  return jar.getCookies({ domain: '127.0.0.1', path: '/auth/wechat', secure: false, script: false });
}
const header = (cookies: { name: string; value: string }[]) => cookies.map((c) => `${c.name}=${c.value}`).join('; ');

/** A desktop's code, scanned by alice's phone and confirmed: WeChat's callback URL for the desktop, not yet opened. */
async function confirmedOnPhone() {
  const desktop = desktopAgent(s.desktopApp);
  const code = await desktopOpens(desktop);
  const phone = await signedInPhone(s.world, s.phoneApp, 'alice');
  const { csrf } = await phoneScans(phone, code);
  const confirm = await postConfirm(phone, code, { csrf, ...(code.digits ? { pick: code.digits } : {}) });
  expect(confirm.status).toBe(303);
  const callback = pathOf(s.world.emulator.authorize(confirm.headers.location as string, { user: 'alice' }));
  return { desktop, code, phone, callback };
}

describe('the scan callback checks the phone’s binder', () => {
  it.each([
    ['missing', (cookies: { name: string; value: string }[]) => cookies.filter((c) => c.name !== BINDER)],
    ['another browser’s', (cookies: { name: string; value: string }[], foreign: string) => cookies.map((c) => (c.name === BINDER ? { ...c, value: foreign } : c))],
  ])('a phone whose login cookie is %s gets 403 and the ticket stays unconfirmed; its own callback then confirms', async (_name, spoil) => {
    const { desktop, code, phone, callback } = await confirmedOnPhone();
    const other = await signedInPhone(s.world, s.phoneApp, 'alice');
    const foreign = cookiesOf(other).find((c) => c.name === BINDER)!.value;
    const cookies = cookiesOf(phone);
    expect(cookies.map((c) => c.name)).toContain(BINDER);

    const refused = await asPhone(request(s.phoneApp).get(callback)).set('Cookie', header(spoil(cookies, foreign)));
    expect(refused.status).toBe(403);
    expect((await statusOf(desktop, code)).state).toBe('scanned');
    expect((await complete(desktop, code)).status).not.toBe(200);
    expect((await whoIs(desktop)).status).toBe(401);

    const own = await asPhone(phone.get(callback));
    expect(own.status).toBe(200);
    expect((await statusOf(desktop, code)).state).toBe('confirmed');
  });
});

describe('the desktop’s sign-in by scan', () => {
  it('regenerates the session: a desktop that had one gets a new id, and its old cookie is anonymous', async () => {
    const desktop = desktopAgent(s.desktopApp);
    await login(desktop, s.world.emulator, { user: 'bob', scope: 'snsapi_base' });
    const before = cookiesOf(desktop).find((c) => c.name === 'wechat.sid')!.value;
    expect((await whoIs(desktop)).status).toBe(200);
    // A page needing the profile: bob's base-scope session is not enough, so the desktop is shown a code.
    const code = await desktopOpens(desktop, '/full');
    const phone = await signedInPhone(s.world, s.phoneApp, 'alice');
    const { csrf } = await phoneScans(phone, code);
    const confirm = await postConfirm(phone, code, { csrf, ...(code.digits ? { pick: code.digits } : {}) });
    const callback = pathOf(s.world.emulator.authorize(confirm.headers.location as string, { user: 'alice' }));
    expect((await asPhone(phone.get(callback))).status).toBe(200);
    expect((await complete(desktop, code)).status).toBe(303);

    const after = cookiesOf(desktop).find((c) => c.name === 'wechat.sid')!.value;
    expect(after).not.toBe(before);
    expect((await whoIs(desktop)).openid).toBe(s.world.emulator.openidFor('alice'));
    const old = await asDesktop(request(s.desktopApp).get('/api/me')).set('Accept', 'application/json').set('Cookie', `wechat.sid=${before}`);
    expect(old.status).toBe(401);
  });
});
