import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { Express } from 'express';
import { login, pathOf, WECHAT_UA, type LoginWorld } from '../helpers/login-app.js';
import { cookieSet, expectNoLeak, OTHER_APP, useHostileSuite, type HostileSuite } from './helpers/hostile-world.js';
import { DEFAULT_EMULATOR_APP } from '../../lib/testing/index.js';

declare module 'express-session' {
  interface SessionData {
    views?: number;
  }
}

/**
 * The session cookie is the login. A cookie that was tampered with, belongs to another app, outlived its
 * session, or was planted before login must never be (or become) a logged-in session.
 */
const SECRET = 'test-session-secret-that-is-long-enough-000';
const visitRoute = (app: Express) =>
  void app.get('/test/visit', (req, res) => {
    req.session.views = (req.session.views ?? 0) + 1;
    res.send(`views ${req.session.views}`);
  });

let world: LoginWorld;
let suites: Record<string, HostileSuite>;
let app: Express;
useHostileSuite((built) => ((suites = built), ({ world, app } = built.main!)), {
  main: { routes: visitRoute },
  // Same appId and Redis, another session secret: another deployment of "the same" app.
  otherSecret: { options: { session: { secret: 'another-secret-that-is-also-long-enough-111' } } },
  // Another Official Account sharing the Redis and the session secret (and cookie name).
  otherApp: { options: { appId: OTHER_APP.appId, appSecret: OTHER_APP.appSecret, session: { secret: SECRET } }, routes: visitRoute },
});

const SECRETS = [DEFAULT_EMULATOR_APP.appSecret, OTHER_APP.appSecret, SECRET];

async function me(target: Express, cookie: string): Promise<request.Response> {
  return request(target).get('/api/me').set('Accept', 'application/json').set('Cookie', cookie);
}

/** A logged-in browser's session cookie (`wechat.sid=…`) on `target`. */
async function loggedInCookie(target: Express = app, user = 'alice'): Promise<string> {
  const agent = request.agent(target);
  const { callback } = await login(agent, world.emulator, { user });
  expect(callback.status).toBe(302);
  const cookie = cookieSet(callback, 'wechat.sid')!;
  expect((await me(target, cookie)).status).toBe(200);
  return cookie;
}

/** `wechat.sid=s%3A<id>.<signature>` → its parts. */
function partsOf(cookie: string): { id: string; signature: string } {
  const value = decodeURIComponent(cookie.slice('wechat.sid='.length));
  const match = /^s:([^.]+)\.(.+)$/.exec(value);
  if (!match) throw new Error(`not a signed session cookie: ${cookie}`);
  return { id: match[1]!, signature: match[2]! };
}

const sessionCookie = (value: string) => `wechat.sid=${encodeURIComponent(value)}`;
const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);

describe('a tampered session cookie is anonymous, and the real one keeps working', () => {
  const TAMPERINGS: [string, (id: string, signature: string) => string][] = [
    ['one character of the signature changed', (id, sig) => sessionCookie(`s:${id}.${flip(sig, 3)}`)],
    ['the signature cut short', (id, sig) => sessionCookie(`s:${id}.${sig.slice(0, -2)}`)],
    ['no signature', (id) => sessionCookie(`s:${id}`)],
    ['the bare session id (unsigned)', (id) => sessionCookie(id)],
    ['one character of the id changed, signature kept', (id, sig) => sessionCookie(`s:${flip(id, 0)}.${sig}`)],
    ['the signature of an empty id', (_id, sig) => sessionCookie(`s:.${sig}`)],
    ['the id with a NUL', (id, sig) => sessionCookie(`s:${id}\u0000.${sig}`)],
    ['the id in upper case', (id, sig) => sessionCookie(`s:${id.toUpperCase()}.${sig}`)],
    ['a percent-encoding that does not decode', () => 'wechat.sid=s%3A%E0%A4%A'],
    ['an 8 KB value', (id, sig) => sessionCookie(`s:${id}${'x'.repeat(8_000)}.${sig}`)],
    ['a unicode value', (id, sig) => sessionCookie(`s:${id}😀.${sig}`)],
  ];

  it.each(TAMPERINGS)('%s → 401, no crash, no secret in the answer', async (_name, tamper) => {
    const cookie = await loggedInCookie();
    const { id, signature } = partsOf(cookie);
    const res = await me(app, tamper(id, signature));
    expect(res.status).toBe(401);
    expect(cookieSet(res, 'wechat.sid')).toBeUndefined();
    expectNoLeak(res, SECRETS);
    expect((await me(app, cookie)).status).toBe(200);
  });

  it('the session cookie given twice, a forged one first: no crash, never logged in as anyone but the real owner', async () => {
    const alice = await loggedInCookie();
    const { id, signature } = partsOf(alice);
    for (const cookie of [`${sessionCookie(`s:${id}.${flip(signature, 1)}`)}; ${alice}`, `${alice}; ${sessionCookie(`s:${id}.${flip(signature, 1)}`)}`]) {
      const res = await me(app, cookie);
      expect(res.status).toBeLessThan(500);
      if (res.status === 200) expect(res.body.user.openid).toBe(world.emulator.openidFor('alice'));
    }
  });
});

describe('another app’s session cookie is anonymous here', () => {
  it('same appId and Redis, another session secret: 401 both ways', async () => {
    const ours = await loggedInCookie(app);
    const theirs = await loggedInCookie(suites.otherSecret!.app, 'bob');
    expect((await me(suites.otherSecret!.app, ours)).status).toBe(401);
    expect((await me(app, theirs)).status).toBe(401);
  });

  it('another appId with the same session secret, cookie name and Redis: 401 both ways', async () => {
    const ours = await loggedInCookie(app);
    const theirs = await loggedInCookie(suites.otherApp!.app, 'bob');
    expect((await me(app, theirs)).status).toBe(401);
    expect((await me(suites.otherApp!.app, ours)).status).toBe(401);
  });

  it('another appId with the same session secret: its session data is not ours either (sessions are namespaced by appId)', async () => {
    // The other app's cookie is signed with our secret: only the namespace keeps its session out.
    const theirs = cookieSet(await request(suites.otherApp!.app).get('/test/visit'), 'wechat.sid')!;
    expect((await request(suites.otherApp!.app).get('/test/visit').set('Cookie', theirs)).text).toBe('views 2');
    expect((await request(app).get('/test/visit').set('Cookie', theirs)).text).toBe('views 1');
  });
});

describe('a destroyed session’s cookie stays dead', () => {
  it('after logout, the old cookie replayed is anonymous and its tokens are gone', async () => {
    const cookie = await loggedInCookie();
    const out = await request(app).post('/auth/wechat/logout').set('Cookie', cookie).set('Sec-Fetch-Site', 'same-origin');
    expect(out.status).toBe(303);
    expect((await me(app, cookie)).status).toBe(401);
    expect((await request(app).get('/api/token').set('Accept', 'application/json').set('Cookie', cookie)).status).toBe(401);
    // Replaying it again (and on a page) does not bring it back.
    expect((await request(app).get('/profile').set('Cookie', cookie).set('User-Agent', WECHAT_UA)).status).toBe(302);
    expect((await me(app, cookie)).status).toBe(401);
  });

  it('a session whose record Redis dropped (expired or deleted) is anonymous, not an error', async () => {
    const cookie = await loggedInCookie();
    const keys = await world.redis.keys(`*sess*${partsOf(cookie).id}*`);
    expect(keys.length).toBeGreaterThan(0);
    await world.redis.del(...keys);
    const res = await me(app, cookie);
    expect(res.status).toBe(401);
    expectNoLeak(res, SECRETS);
  });
});

describe('fixation: a cookie from before login never becomes the logged-in session', () => {
  it('an attacker’s real pre-login session, planted in the victim’s browser, is replaced by a new id at the callback', async () => {
    const attacker = cookieSet(await request(app).get('/test/visit'), 'wechat.sid')!;
    expect(attacker).toBeDefined();
    const victim = request.agent(app);
    victim.jar.setCookie(`${attacker}; Path=/`, '127.0.0.1', '/');
    // The victim's browser really carries the planted session.
    expect((await victim.get('/test/visit')).text).toBe('views 2');
    const { callback } = await login(victim, world.emulator, { user: 'alice' });
    const after = cookieSet(callback, 'wechat.sid')!;
    expect(after).toBeDefined();
    expect(partsOf(after).id).not.toBe(partsOf(attacker).id);
    expect((await me(app, attacker)).status).toBe(401);
    expect((await me(app, after)).status).toBe(200);
    // Nothing of the planted session is carried into the login.
    expect((await request(app).get('/test/visit').set('Cookie', after)).text).toBe('views 1');
  });

  it('an id the attacker chose (unsigned) is never adopted: the login gets a fresh one', async () => {
    const victim = request.agent(app);
    victim.jar.setCookie('wechat.sid=attacker-chosen-id; Path=/', '127.0.0.1', '/');
    const { callback } = await login(victim, world.emulator, { user: 'alice' });
    const after = cookieSet(callback, 'wechat.sid')!;
    expect(partsOf(after).id).not.toBe('attacker-chosen-id');
    expect(await world.redis.keys('*attacker-chosen-id*')).toEqual([]);
    expect((await me(app, 'wechat.sid=attacker-chosen-id')).status).toBe(401);
  });

  it('a logged-in session that logs in again (another user) gets a new id; the old cookie is anonymous', async () => {
    const agent = request.agent(app);
    const first = cookieSet((await login(agent, world.emulator, { user: 'alice' })).callback, 'wechat.sid')!;
    const second = cookieSet((await login(agent, world.emulator, { user: 'bob' })).callback, 'wechat.sid')!;
    expect(partsOf(second).id).not.toBe(partsOf(first).id);
    expect((await me(app, first)).status).toBe(401);
    expect((await me(app, second)).body.user.openid).toBe(world.emulator.openidFor('bob'));
  });
});

/** `name=value` of the state's own cookie that /login set (`wechat.sid.login.<nonce>`). */
function stateCookieOf(start: request.Response): string {
  const nonce = new URL(start.headers.location as string).searchParams.get('state')!;
  return cookieSet(start, `wechat.sid.login.${nonce}`)!;
}

describe('a tampered login cookie (the browser binder) logs nobody in', () => {
  const BINDER_TAMPERINGS: [string, (binder: string) => string][] = [
    ['one character changed', (b) => flip(b, 5)],
    ['cut short', (b) => b.slice(0, -1)],
    ['one character more', (b) => `${b}A`],
    ['empty', () => ''],
    ['unicode', (b) => `${b}😀`],
    ['8 KB', (b) => b + 'A'.repeat(8_000)],
  ];

  it.each(BINDER_TAMPERINGS)('%s → 403 at the callback, nobody logged in', async (_name, tamper) => {
    const start = await request(app).get('/auth/wechat/login').set('User-Agent', WECHAT_UA);
    const binder = cookieSet(start, 'wechat.sid.login')!.split('=')[1]!;
    // The state's own cookie untouched: the binder is what must refuse.
    const state = stateCookieOf(start);
    const callbackPath = pathOf(world.emulator.authorize(start.headers.location as string, { user: 'alice' }));
    const res = await request(app).get(callbackPath).set('Cookie', `wechat.sid.login=${encodeURIComponent(tamper(decodeURIComponent(binder)))}; ${state}`);
    expect(res.status).toBe(403);
    expect(cookieSet(res, 'wechat.sid')).toBeUndefined();
    expectNoLeak(res, SECRETS);
  });

  it('control: the untampered login cookie completes the same kind of login', async () => {
    const start = await request(app).get('/auth/wechat/login').set('User-Agent', WECHAT_UA);
    const binder = cookieSet(start, 'wechat.sid.login')!;
    const callbackPath = pathOf(world.emulator.authorize(start.headers.location as string, { user: 'alice' }));
    const res = await request(app).get(callbackPath).set('Cookie', `${binder}; ${stateCookieOf(start)}`);
    expect(res.status).toBe(302);
    expect((await me(app, cookieSet(res, 'wechat.sid')!)).status).toBe(200);
  });
});
