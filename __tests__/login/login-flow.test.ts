import { describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { buildApp, DESKTOP_UA, login, loginOptions, pathOf, WECHAT_UA, type LoginWorld } from '../helpers/login-app.js';
import { useLoginSuite } from '../helpers/login-suite.js';

let world: LoginWorld;
let wechat: WechatLogin;
let app: Express;

useLoginSuite((suite) => ({ world, wechat, app } = suite));

const json = { Accept: 'application/json' };

function sessionCookie(res: request.Response): string | undefined {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return cookies.find((c) => c.startsWith('wechat.sid='))?.split(';')[0];
}

describe('a whole login', () => {
  it('logs a snsapi_userinfo user in, stores the profile and lands on returnTo', async () => {
    const agent = request.agent(app);
    const { callback, authorizeUrl } = await login(agent, world.emulator, { user: 'alice', returnTo: '/profile?tab=1' });
    expect(authorizeUrl).toContain('scope=snsapi_userinfo');
    expect(callback.status).toBe(302);
    expect(callback.headers.location).toBe('/profile?tab=1');

    const me = await agent.get('/api/me').set(json);
    expect(me.status).toBe(200);
    expect(me.body.scope).toBe('snsapi_userinfo');
    expect(me.body.user.openid).toBe(world.emulator.openidFor('alice'));
    expect(me.body.user.nickname).toBe(world.emulator.users.find((u) => u.id === 'alice')!.nickname);
    expect(JSON.stringify(me.body)).not.toMatch(/accessToken|refreshToken/);

    const stored = await wechat.users.findByOpenid(world.emulator.openidFor('alice'));
    expect(stored?.nickname).toBe(me.body.user.nickname);
    expect(stored?.unionid).toBeTruthy();
    expect(stored?.accessToken).toBeTruthy();
    expect((await wechat.users.findByUnionid(stored!.unionid!))?.id).toBe(stored!.id);
  });

  describe('a user who has never logged in before', () => {
    // Its own world: in the shared one, any test that logged bob in with snsapi_userinfo first would have
    // stored his nickname, and this test would depend on the order the tests run in.
    let fresh: { world: LoginWorld; app: Express };
    useLoginSuite((suite) => (fresh = suite));

    it('logs a snsapi_base user in silently with only the openid, without calling /sns/userinfo', async () => {
      const agent = request.agent(fresh.app);
      const before = fresh.world.emulator.calls.userinfo;
      const { callback, authorizeUrl } = await login(agent, fresh.world.emulator, { user: 'bob', scope: 'snsapi_base', returnTo: '/api/me' });
      expect(authorizeUrl).toContain('scope=snsapi_base');
      expect(callback.headers.location).toBe('/api/me');
      const me = await agent.get('/api/me').set(json);
      expect(me.body.scope).toBe('snsapi_base');
      expect(me.body.user.openid).toBe(fresh.world.emulator.openidFor('bob'));
      expect(me.body.user.nickname).toBeNull();
      expect(fresh.world.emulator.calls.userinfo).toBe(before);
    });
  });

  it('keeps id and createdAt when the same user logs in again, and updates the tokens', async () => {
    const first = await login(request.agent(app), world.emulator, { user: 'alice' });
    expect(first.callback.status).toBe(302);
    const before = await wechat.users.findByOpenid(world.emulator.openidFor('alice'));
    world.clock.advance(1000);
    await login(request.agent(app), world.emulator, { user: 'alice' });
    const after = await wechat.users.findByOpenid(world.emulator.openidFor('alice'));
    expect(after!.id).toBe(before!.id);
    expect(after!.createdAt.getTime()).toBe(before!.createdAt.getTime());
    expect(after!.updatedAt.getTime()).toBeGreaterThan(before!.updatedAt.getTime());
    expect(after!.accessToken).not.toBe(before!.accessToken);
    expect(await wechat.users.findById(after!.id)).toEqual(after);
  });

  it('sends a state made of the configured label and a random nonce, fresh for every login', async () => {
    const labelled = createWechatLogin(loginOptions(world, { state: 'MyLabel' }), { warn: () => undefined });
    const labelledApp = buildApp(labelled);
    const states = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const res = await request(labelledApp).get('/auth/wechat/login');
      const state = new URL(res.headers.location.replace('#wechat_redirect', '')).searchParams.get('state')!;
      expect(state).toMatch(/^MyLabel[0-9a-f]{32}$/);
      states.add(state);
    }
    expect(states.size).toBe(3);
    const { callback } = await login(request.agent(labelledApp), world.emulator);
    expect(callback.status).toBe(302);
  });

  it('lets several tabs of one browser log in at once', async () => {
    const agent = request.agent(app);
    const tab1 = await agent.get('/auth/wechat/login?returnTo=/one');
    const tab2 = await agent.get('/auth/wechat/login?returnTo=/two');
    const cb2 = await agent.get(pathOf(world.emulator.authorize(tab2.headers.location, { user: 'alice' })));
    expect(cb2.headers.location).toBe('/two');
    const cb1 = await agent.get(pathOf(world.emulator.authorize(tab1.headers.location, { user: 'alice' })));
    expect(cb1.status).toBe(302);
    expect(cb1.headers.location).toBe('/one');
    expect((await agent.get('/api/me').set(json)).status).toBe(200);
  });
});

describe('state failures: 403 and nothing logged in', () => {
  async function expectNotLoggedIn(agent: ReturnType<typeof request.agent>) {
    expect((await agent.get('/api/me').set(json)).status).toBe(401);
  }

  it('rejects a callback without state', async () => {
    const agent = request.agent(app);
    await agent.get('/auth/wechat/login');
    const res = await agent.get('/auth/wechat/callback?code=abc');
    expect(res.status).toBe(403);
    await expectNotLoggedIn(agent);
  });

  it('rejects a malformed state', async () => {
    const agent = request.agent(app);
    const res = await agent.get('/auth/wechat/callback?code=abc&state=not-ours');
    expect(res.status).toBe(403);
    await expectNotLoggedIn(agent);
  });

  it('rejects an unknown state even with a valid code, without spending the code', async () => {
    const agent = request.agent(app);
    const start = await agent.get('/auth/wechat/login');
    const callbackUrl = new URL(world.emulator.authorize(start.headers.location, { user: 'alice' }));
    const before = world.emulator.calls.access_token;
    callbackUrl.searchParams.set('state', 'f'.repeat(32));
    const res = await agent.get(pathOf(callbackUrl.href));
    expect(res.status).toBe(403);
    expect(world.emulator.calls.access_token).toBe(before);
    await expectNotLoggedIn(agent);
  });

  it('rejects an expired state (the login took longer than the login timeout)', async () => {
    const agent = request.agent(app);
    const start = await agent.get('/auth/wechat/login');
    const callbackUrl = world.emulator.authorize(start.headers.location, { user: 'alice' });
    world.clock.advance(10 * 60_000 + 1);
    const res = await agent.get(pathOf(callbackUrl));
    expect(res.status).toBe(403);
    await expectNotLoggedIn(agent);
  });

  it('rejects a replayed state whose code outcome is unknown to this browser', async () => {
    const victim = request.agent(app);
    const attacker = request.agent(app);
    const { callbackUrl, callback } = await login(attacker, world.emulator, { user: 'bob' });
    expect(callback.status).toBe(302);
    const res = await victim.get(pathOf(callbackUrl));
    expect(res.status).toBe(403);
    await expectNotLoggedIn(victim);
  });

  it("rejects a state started in another browser (login CSRF: the attacker's code in the victim's browser)", async () => {
    const attacker = request.agent(app);
    const victim = request.agent(app);
    await victim.get('/auth/wechat/login');
    const start = await attacker.get('/auth/wechat/login');
    const callbackUrl = world.emulator.authorize(start.headers.location, { user: 'bob' });
    const res = await victim.get(pathOf(callbackUrl));
    expect(res.status).toBe(403);
    await expectNotLoggedIn(victim);
    // ... and the state was not spent by the wrong browser (issue 18 item 5): its own browser's callback still
    // works (here the attacker logs in as himself, which is harmless; a victim's link opened first elsewhere
    // cannot spoil the victim's login).
    expect((await attacker.get(pathOf(callbackUrl))).status).toBe(302);
  });

  it('restarts a login once after a stale callback, and not again from the restarted one', async () => {
    const first = await request(app).get(`/auth/wechat/callback?code=x&state=${'a'.repeat(32)}`);
    expect(first.status).toBe(403);
    expect(first.text).toContain('http-equiv="refresh"');
    expect(first.text).toContain('/auth/wechat/login?retry=1');

    const restarted = await request(app).get('/auth/wechat/login?retry=1');
    expect(decodeURIComponent(restarted.headers.location)).toContain('/auth/wechat/callback?retry=1');

    const second = await request(app).get(`/auth/wechat/callback?retry=1&code=x&state=${'a'.repeat(32)}`);
    expect(second.status).toBe(403);
    expect(second.text).not.toContain('http-equiv="refresh"');
  });
});

describe('the other ways a callback ends', () => {
  it('treats a callback without code as "user denied": 403, nothing logged in, a way to try again', async () => {
    const agent = request.agent(app);
    const { callback, callbackUrl } = await login(agent, world.emulator, { user: 'alice', consent: 'deny', returnTo: '/profile' });
    expect(new URL(callbackUrl).searchParams.has('code')).toBe(false);
    expect(callback.status).toBe(403);
    expect(callback.text).toContain('/auth/wechat/login?returnTo=%2Fprofile');
    expect((await agent.get('/api/me').set(json)).status).toBe(401);
  });

  it('does not create an account for a snapshot-page user and explains "使用完整服务"', async () => {
    const agent = request.agent(app);
    const { callback } = await login(agent, world.emulator, { user: 'snapshot' });
    expect(callback.status).toBe(200);
    expect(callback.text).toContain('使用完整服务');
    expect((await agent.get('/api/me').set(json)).status).toBe(401);
    expect(await wechat.users.findByOpenid(world.emulator.openidFor('snapshot'))).toBeNull();
  });

  it('lets onSnapshotUser answer a snapshot-page user', async () => {
    const seen: string[] = [];
    const custom = createWechatLogin(
      loginOptions(world, {
        onSnapshotUser: (info, _req, res) => {
          seen.push(info.openid);
          res.redirect('/guest');
        },
      }),
      { warn: () => undefined },
    );
    const { callback } = await login(request.agent(buildApp(custom)), world.emulator, { user: 'snapshot' });
    expect(callback.status).toBe(302);
    expect(callback.headers.location).toBe('/guest');
    expect(seen).toHaveLength(1);
  });

  it('keeps what onLogin returns as req.wechat.account', async () => {
    const custom = createWechatLogin(
      loginOptions(world, { onLogin: async (user) => ({ accountId: `acct-${user.id}` }) }),
      { warn: () => undefined },
    );
    const customApp = buildApp(custom, (a) => a.get('/account', custom.requireWechatUser(), (req, res) => void res.json(req.wechat.account)));
    const agent = request.agent(customApp);
    await login(agent, world.emulator, { user: 'alice' });
    const account = await agent.get('/account').set(json);
    expect(account.body.accountId).toMatch(/^acct-\d+$/);
  });

  it('req.wechat.requireUser() is the logged-in user, and without one a 401 that the error handler turns into authorization', async () => {
    const typed = buildApp(wechat, (a) => {
      a.get('/nick', (req, res) => void res.json({ nickname: req.wechat.requireUser().nickname }));
      a.use(wechat.errorHandler());
    });
    const anonymous = await request(typed).get('/nick').set(json);
    expect(anonymous.status).toBe(401);
    expect(JSON.stringify(anonymous.body)).not.toMatch(/stack|at Object/);
    const page = await request(typed).get('/nick').set('User-Agent', WECHAT_UA);
    expect(page.status).toBe(302);
    expect(page.headers.location).toContain('/auth/wechat/login');
    const agent = request.agent(typed);
    await login(agent, world.emulator, { user: 'alice' });
    const me = await agent.get('/nick').set(json);
    expect(me.status).toBe(200);
    const stored = await wechat.users.findByOpenid(world.emulator.openidFor('alice'));
    expect(me.body.nickname).toBe(stored!.nickname);
    expect(me.body.nickname).toEqual(expect.any(String));
  });

  it('lands a repeated callback of a completed login on returnTo, logged in (reload, back button)', async () => {
    const agent = request.agent(app);
    const { callbackUrl, callback } = await login(agent, world.emulator, { user: 'alice', returnTo: '/profile' });
    expect(callback.status).toBe(302);
    const accessTokenCalls = world.emulator.calls.access_token;
    const again = await agent.get(pathOf(callbackUrl));
    expect(again.status).toBe(302);
    expect(again.headers.location).toBe('/profile');
    expect(world.emulator.calls.access_token).toBe(accessTokenCalls);
    expect((await agent.get('/api/me').set(json)).status).toBe(200);
  });

  it("survives WeChat's double hit: two concurrent callbacks with one code both land logged in", async () => {
    const agent = request.agent(app);
    const start = await agent.get('/auth/wechat/login?returnTo=/profile').set('User-Agent', WECHAT_UA);
    const callbackPath = pathOf(world.emulator.authorize(start.headers.location, { user: 'alice' }));
    const cookie = ([] as string[]).concat(start.headers['set-cookie']).map((c) => c.split(';')[0]).join('; ');
    const [a, b] = await Promise.all([
      request(app).get(callbackPath).set('Cookie', cookie),
      request(app).get(callbackPath).set('Cookie', cookie),
    ]);
    expect([a.status, b.status]).toEqual([302, 302]);
    expect([a.headers.location, b.headers.location]).toEqual(['/profile', '/profile']);
    for (const res of [a, b]) {
      const sid = sessionCookie(res);
      expect(sid).toBeTruthy();
      expect((await request(app).get('/api/me').set(json).set('Cookie', sid!)).status).toBe(200);
    }
  });

  it('starts a fresh login once when WeChat refuses the code as already used (40163)', async () => {
    const agent = request.agent(app);
    const start = await agent.get('/auth/wechat/login?returnTo=/profile');
    const callbackUrl = new URL(world.emulator.authorize(start.headers.location, { user: 'alice' }));
    await wechat.service.exchangeCode(callbackUrl.searchParams.get('code')!); // someone else spent it
    const res = await agent.get(pathOf(callbackUrl.href));
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/auth/wechat/login?returnTo=%2Fprofile&retry=1');
    expect((await agent.get('/api/me').set(json)).status).toBe(401);
  });

  it('answers 503 with a page, not a crash, when WeChat is down during the code exchange', async () => {
    const agent = request.agent(app);
    const start = await agent.get('/auth/wechat/login');
    const callbackUrl = world.emulator.authorize(start.headers.location, { user: 'alice' });
    world.emulator.injectFault('access_token', 'http500', 1);
    const res = await agent.get(pathOf(callbackUrl));
    expect(res.status).toBe(503);
    expect(res.text).toContain('请稍后再试'); // please try again
    expect(res.text).not.toContain(loginOptions(world).appSecret);
    expect((await agent.get('/api/me').set(json)).status).toBe(401);
  });

  it('settles the code as failed when a step after the exchange fails, so a repeat does not wait on it', async () => {
    const agent = request.agent(app);
    const start = await agent.get('/auth/wechat/login');
    const callbackUrl = new URL(world.emulator.authorize(start.headers.location, { user: 'alice' }));
    world.emulator.injectFault('userinfo', 'http500', 3); // first try and both retries
    const res = await agent.get(pathOf(callbackUrl.href));
    expect(res.status).toBe(503);
    const { hashCode } = await import('../../lib/login/login-state.js');
    const nonce = callbackUrl.searchParams.get('state')!;
    expect(await wechat.store.getCodeOutcome(nonce, hashCode(callbackUrl.searchParams.get('code')!))).toEqual({ status: 'failed' });
    expect((await agent.get('/api/me').set(json)).status).toBe(401);
  });
});

describe('session fixation and cookies', () => {
  // Session ids at login (fixation) and no pre-login session: __tests__/login/pre-login.test.ts.

  it('sets httpOnly, SameSite=Lax cookies, Secure when publicUrl is https', async () => {
    const plain = await request(app).get('/auth/wechat/login');
    for (const cookie of ([] as string[]).concat(plain.headers['set-cookie'])) {
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
      expect(cookie).not.toMatch(/Secure/);
    }
    const https = createWechatLogin(loginOptions(world, { publicUrl: 'https://localhost' }), { warn: () => undefined });
    const secureApp = buildApp(https);
    secureApp.set('trust proxy', 1);
    const res = await request(secureApp).get('/auth/wechat/login').set('X-Forwarded-Proto', 'https');
    const cookies = ([] as string[]).concat(res.headers['set-cookie']);
    const nonce = new URL(res.headers.location as string).searchParams.get('state')!;
    expect(cookies.map((c) => c.split('=')[0])).toEqual([`wechat.sid.login.${nonce}`, 'wechat.sid.login', 'wechat.sid.login.return']);
    expect(decodeURIComponent(res.headers.location)).toContain('redirect_uri=https://localhost/auth/wechat/callback');
    // supertest's jar keeps Secure cookies from plain http: send the state and login cookies by hand.
    const callback = await request(secureApp)
      .get(pathOf(world.emulator.authorize(res.headers.location, { user: 'alice' })))
      .set('X-Forwarded-Proto', 'https')
      .set('Cookie', cookies.slice(0, 2).map((c) => c.split(';')[0]!).join('; '));
    expect(callback.status).toBe(302);
    const afterLogin = ([] as string[]).concat(callback.headers['set-cookie']);
    expect(afterLogin.some((c) => c.startsWith('wechat.sid='))).toBe(true);
    for (const cookie of [...cookies, ...afterLogin]) expect(cookie).toMatch(/; Secure/);
    await https.close();
  });

  it('survives the session cookie lost between login and callback (the persistent login and state cookies prove the browser)', async () => {
    const start = await request(app).get('/auth/wechat/login?returnTo=/profile');
    const set = ([] as string[]).concat(start.headers['set-cookie']);
    const loginCookie = set.find((c) => c.startsWith('wechat.sid.login='))!;
    const stateCookie = set.find((c) => /^wechat\.sid\.login\.[0-9a-f]{32}=/.test(c))!;
    for (const cookie of [loginCookie, stateCookie]) {
      expect(cookie).toMatch(/Path=\/auth\/wechat/);
      expect(cookie).toMatch(/Max-Age=600/);
    }
    const callbackPath = pathOf(world.emulator.authorize(start.headers.location, { user: 'alice' }));
    const res = await request(app).get(callbackPath).set('Cookie', `${loginCookie.split(';')[0]!}; ${stateCookie.split(';')[0]!}`);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/profile');
    expect((await request(app).get('/api/me').set(json).set('Cookie', sessionCookie(res)!)).status).toBe(200);
  });

  it('keeps CSRF protection when every cookie is lost: 403', async () => {
    const start = await request(app).get('/auth/wechat/login');
    const callbackPath = pathOf(world.emulator.authorize(start.headers.location, { user: 'alice' }));
    const res = await request(app).get(callbackPath);
    expect(res.status).toBe(403);
    expect(sessionCookie(res)).toBeUndefined();
  });
});

describe('returnTo: our own origin only', () => {
  const attacks = [
    '//evil.com',
    '///evil.com',
    '/\\evil.com',
    '\\\\evil.com',
    'https:evil.com',
    'https://evil.com',
    'http://localhost:3000@evil.com',
    '%2F%2Fevil.com',
    '/%2F%2Fevil.com/%2e%2e',
    '%252F%252Fevil.com',
    '/%5Cevil.com',
    '/\r\nLocation: https://evil.com',
    '/%0d%0aSet-Cookie:x=1',
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    ' //evil.com',
    '/\t/evil.com',
    'https://evil.com/localhost:3000',
    'http://localhost:3000.evil.com/',
  ];

  it.each(attacks)('falls back to / for %j', async (returnTo) => {
    const agent = request.agent(app);
    const { callback } = await login(agent, world.emulator, { user: 'alice', returnTo });
    expect(callback.status).toBe(302);
    expect(callback.headers.location).toBe('/');
  });

  it('keeps a path with query and hash on our origin, and an absolute URL of our origin as a path', async () => {
    const a = await login(request.agent(app), world.emulator, { returnTo: '/orders/7?x=1#top' });
    expect(a.callback.headers.location).toBe('/orders/7?x=1#top');
    const b = await login(request.agent(app), world.emulator, { returnTo: 'http://localhost:3000/cart' });
    expect(b.callback.headers.location).toBe('/cart');
  });

  it('allows hosts listed in allowedReturnHosts', async () => {
    const custom = createWechatLogin(loginOptions(world, { allowedReturnHosts: ['m.example.com'] }), { warn: () => undefined });
    const customApp = buildApp(custom);
    const ok = await login(request.agent(customApp), world.emulator, { returnTo: 'https://m.example.com/shop' });
    expect(ok.callback.headers.location).toBe('https://m.example.com/shop');
    const no = await login(request.agent(customApp), world.emulator, { returnTo: 'https://evil.example.com/shop' });
    expect(no.callback.headers.location).toBe('/');
  });
});

describe('logout', () => {
  it('shows a confirm form on GET without logging out', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator);
    const form = await agent.get('/auth/wechat/logout');
    expect(form.status).toBe(200);
    expect(form.text).toContain('method="post"');
    expect((await agent.get('/api/me').set(json)).status).toBe(200);
  });

  it('destroys the session and the tokens on POST', async () => {
    const agent = request.agent(app);
    const { callback } = await login(agent, world.emulator);
    const cookie = sessionCookie(callback)!;
    const grantsBefore = (await world.redis.keys('*:grant:*')).length;
    const out = await agent.post('/auth/wechat/logout?returnTo=/bye').set('Accept', 'text/html');
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/bye');
    expect((await agent.get('/api/me').set(json)).status).toBe(401);
    expect((await request(app).get('/api/me').set(json).set('Cookie', cookie)).status).toBe(401);
    expect((await world.redis.keys('*:grant:*')).length).toBe(grantsBefore - 1);
  });

  it.each([
    'https://evil.example',
    'https://evil.example/bye',
    'http://localhost:3000@evil.example',
    '//evil.example',
    '///evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'javascript:alert(1)',
  ])(
    'keeps the redirect after logout on our origin for returnTo=%j',
    async (returnTo) => {
      const agent = request.agent(app);
      await login(agent, world.emulator);
      const form = await agent.get(`/auth/wechat/logout?returnTo=${encodeURIComponent(returnTo)}`);
      expect(form.text).toContain('action="/auth/wechat/logout"'); // the confirm form drops it too
      const out = await agent.post(`/auth/wechat/logout?returnTo=${encodeURIComponent(returnTo)}`).set('Accept', 'text/html');
      expect(out.status).toBe(303);
      expect(out.headers.location).toBe('/');
      expect((await agent.get('/api/me').set(json)).status).toBe(401);
    },
  );

  it('keeps an absolute URL of our own origin after logout, as a path', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator);
    const out = await agent.post(`/auth/wechat/logout?returnTo=${encodeURIComponent('http://localhost:3000/bye?x=1')}`).set('Accept', 'text/html');
    expect(out.headers.location).toBe('/bye?x=1');
  });

  it('answers 204 to a logout that wants JSON', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator);
    const out = await agent.post('/auth/wechat/logout').set(json);
    expect(out.status).toBe(204);
    expect((await agent.get('/api/me').set(json)).status).toBe(401);
  });
});

describe('requireWechatUser: three answers', () => {
  it('lets a logged-in session through', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator);
    expect((await agent.get('/profile').set('User-Agent', DESKTOP_UA)).status).toBe(200);
  });

  it('redirects a GET HTML request inside WeChat into the login with returnTo = the current URL', async () => {
    const res = await request(app).get('/profile?x=1').set('User-Agent', WECHAT_UA).set('Accept', 'text/html');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/auth/wechat/login?returnTo=%2Fprofile%3Fx%3D1');
  });

  it('shows a scan-to-sign-in code outside WeChat, with the QR page of the page URL as the fallback link', async () => {
    const res = await request(app).get('/profile').set('User-Agent', DESKTOP_UA).set('Accept', 'text/html');
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/html/);
    expect(res.text).toContain('<svg');
    expect(res.text).toMatch(/data-url="http:\/\/localhost:3000\/auth\/wechat\/scan\/t\/[A-Za-z0-9_-]{60,400}"/);
    expect(res.text).toContain('href="/auth/wechat/qr?url=%2Fprofile"');
    expect(res.text).not.toContain('emulator');
  });

  it('answers 401 JSON to requests that want JSON, XHR and non-GET', async () => {
    const withPost = buildApp(wechat, (a) => {
      a.route('/profile')
        .post(wechat.requireWechatUser(), (_req, res) => void res.send('saved'))
        .delete(wechat.requireWechatUser(), (_req, res) => void res.send('deleted'));
    });
    for (const req of [
      request(withPost).get('/api/me').set('User-Agent', WECHAT_UA).set(json),
      request(withPost).get('/profile').set('User-Agent', WECHAT_UA).set('X-Requested-With', 'XMLHttpRequest'),
      // A browser's form post ranks HTML first: only the method says a redirect would lose the request.
      request(withPost).post('/profile').set('User-Agent', WECHAT_UA).set('Accept', 'text/html').type('form').send('x=1'),
      request(withPost).delete('/profile').set('User-Agent', DESKTOP_UA).set('Accept', 'text/html'),
    ]) {
      const res = await req;
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/json/);
      expect(res.body.error).toBe('wechat_login_required');
    }
  });

  it('sends a base-scope session through authorization again for a userinfo route (scope upgrade)', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'alice', scope: 'snsapi_base' });
    const res = await agent.get('/full').set('User-Agent', WECHAT_UA);
    expect(res.status).toBe(302);
    // snsapi_userinfo is this app's default scope, so the login URL need not name it.
    expect(res.headers.location).toBe('/auth/wechat/login?returnTo=%2Ffull');
    const start = await agent.get(res.headers.location).set('User-Agent', WECHAT_UA);
    expect(start.headers.location).toContain('scope=snsapi_userinfo');
    const callback = await agent.get(pathOf(world.emulator.authorize(start.headers.location, { user: 'alice' })));
    expect(callback.headers.location).toBe('/full');
    const full = await agent.get('/full').set('User-Agent', WECHAT_UA);
    expect(full.status).toBe(200);
    expect(full.text).toContain('full ');
  });

  it('tells the developer when the router is missing', async () => {
    const express = (await import('express')).default;
    const bare = express();
    bare.get('/x', wechat.requireWechatUser(), (_req, res) => void res.send('no'));
    bare.use((err: Error, _req: unknown, res: { status(n: number): { send(t: string): void } }, _next: unknown) => res.status(500).send(err.message));
    const res = await request(bare).get('/x');
    expect(res.status).toBe(500);
    expect(res.text).toContain('did you mount the router');
  });
});

describe('two app instances sharing one Redis', () => {
  it('logs in through one and is logged in on the other', async () => {
    const other = createWechatLogin(loginOptions(world), { warn: () => undefined });
    const otherApp = buildApp(other);
    const { callback } = await login(request.agent(app), world.emulator, { user: 'bob' });
    const me = await request(otherApp).get('/api/me').set(json).set('Cookie', sessionCookie(callback)!);
    expect(me.status).toBe(200);
    expect(me.body.user.openid).toBe(world.emulator.openidFor('bob'));
    const token = await request(otherApp).get('/api/token').set(json).set('Cookie', sessionCookie(callback)!);
    expect(token.status).toBe(200);
    await other.close();
  });
});

describe('scope upgrade when the app default is snsapi_base', () => {
  it('names snsapi_userinfo in the login URL for a userinfo route', async () => {
    const base = createWechatLogin(loginOptions(world, { scope: 'snsapi_base' }), { warn: () => undefined });
    const baseApp = buildApp(base);
    const agent = request.agent(baseApp);
    const first = await login(agent, world.emulator, { user: 'bob' });
    expect(first.authorizeUrl).toContain('scope=snsapi_base');
    const res = await agent.get('/full').set('User-Agent', WECHAT_UA);
    expect(res.headers.location).toBe('/auth/wechat/login?returnTo=%2Ffull&scope=snsapi_userinfo');
    const json401 = await agent.get('/full').set('Accept', 'application/json');
    expect(json401.status).toBe(401);
    expect(json401.body.scope).toBe('snsapi_userinfo');
  });
});
