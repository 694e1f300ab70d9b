import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createWechatLogin, type WechatLogin, type WechatLoginOptions } from '../../lib/index.js';
import { buildApp, DESKTOP_UA, loginOptions, pathOf, startWorld, WECHAT_UA, type Agent, type LoginWorld } from '../helpers/login-app.js';

/**
 * Website QR login: a desktop browser signs in on WeChat's own QR page (qrconnect) for the Open Platform website
 * app, through our /login and callback; the person is the Official Account's user by unionid.
 */
let world: LoginWorld;
const opened: WechatLogin[] = [];
let prefixes = 0;

beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await Promise.all(opened.splice(0).map((wechat) => wechat.close()));
  await world.stop();
});

const website = () => world.emulator.websiteApp!;

function websiteOptions(overrides: Partial<WechatLoginOptions> = {}): WechatLoginOptions {
  return loginOptions(world, {
    websiteApp: { appId: website().appId, appSecret: website().appSecret },
    keyPrefix: `web${++prefixes}`,
    // No test here times WeChat out: on a loaded machine, 50 logins at once must not meet the suite's 1 s timeout.
    timeoutMs: 10_000,
    ...overrides,
  });
}

function newApp(options: WechatLoginOptions) {
  const wechat = createWechatLogin(options, { warn: () => undefined });
  opened.push(wechat);
  const app = buildApp(wechat, (express) => {
    express.get('/api/app', wechat.requireWechatUser(), (req, res) => void res.json({ app: req.wechat.app, openid: req.wechat.openid, user: req.wechat.user }));
  });
  return { wechat, app };
}

/** A desktop browser's guarded page → our /login → WeChat's QR page, scanned by `user` → our callback. */
async function desktopLogin(agent: Agent, user = 'alice', path = '/profile') {
  const guarded = await agent.get(path).set('User-Agent', DESKTOP_UA);
  expect(guarded.status).toBe(302);
  const login = await agent.get(guarded.headers.location as string).set('User-Agent', DESKTOP_UA);
  expect(login.status).toBe(302);
  const qrconnect = login.headers.location as string;
  const callback = await agent.get(pathOf(world.emulator.authorize(qrconnect, { user }))).set('User-Agent', DESKTOP_UA);
  return { guarded, login, qrconnect, callback };
}

/** In WeChat: /login → the Official Account's authorize page, answered by `user` → our callback. */
async function wechatLogin(agent: Agent, user = 'alice') {
  const login = await agent.get('/auth/wechat/login?returnTo=/profile').set('User-Agent', WECHAT_UA);
  expect(login.status).toBe(302);
  const callback = await agent.get(pathOf(world.emulator.authorize(login.headers.location as string, { user }))).set('User-Agent', WECHAT_UA);
  return { authorizeUrl: login.headers.location as string, callback };
}

const me = (agent: Agent, ua = DESKTOP_UA) => agent.get('/api/app').set('User-Agent', ua).set('Accept', 'application/json');

describe('a desktop browser with desktop: "website" (the default with a websiteApp)', () => {
  it('is sent from a guarded page through our /login to qrconnect: the website appid, scope snsapi_login, WeChat\'s order, #wechat_redirect', async () => {
    const { app } = newApp(websiteOptions());
    const { guarded, qrconnect } = await desktopLogin(request.agent(app));
    expect(guarded.headers.location).toBe('/auth/wechat/login?returnTo=%2Fprofile');
    const redirect = encodeURIComponent('http://localhost:3000/auth/wechat/callback');
    expect(qrconnect).toMatch(
      new RegExp(
        `^${world.emulator.authorizeBaseUrl}/connect/qrconnect\\?appid=${website().appId}&redirect_uri=${redirect.replace(/[.%]/g, '\\$&')}` +
          '&response_type=code&scope=snsapi_login&state=[A-Za-z0-9]+#wechat_redirect$',
      ),
    );
  });

  it("lands on returnTo signed in through the website app: its openid, req.wechat.app 'website', the profile read", async () => {
    const { app } = newApp(websiteOptions());
    const agent = request.agent(app);
    const { callback } = await desktopLogin(agent, 'alice', '/profile?tab=2');
    expect(callback.status).toBe(302);
    expect(callback.headers.location).toBe('/profile?tab=2');
    const res = await me(agent);
    expect(res.status).toBe(200);
    const websiteOpenid = world.emulator.openidFor('alice', website().appId);
    expect(res.body.app).toBe('website');
    expect(res.body.openid).toBe(websiteOpenid);
    expect(res.body.user.openids[website().appId]).toBe(websiteOpenid);
    expect(res.body.user.nickname).toBe(world.emulator.users.find((u) => u.id === 'alice')!.nickname);
    const profile = await agent.get('/api/wechat-profile').set('User-Agent', DESKTOP_UA);
    expect(profile.status).toBe(200);
    expect(profile.body.openid).toBe(websiteOpenid);
  });

  it("refreshes a website login's token after 2 h with the website app's credentials", async () => {
    const { app } = newApp(websiteOptions());
    const agent = request.agent(app);
    await desktopLogin(agent);
    const first = await agent.get('/api/token').set('User-Agent', DESKTOP_UA);
    expect(first.status).toBe(200);
    world.clock.advance(2 * 3600_000 + 60_000);
    const second = await agent.get('/api/token').set('User-Agent', DESKTOP_UA);
    expect(second.status).toBe(200);
    expect(second.body.token).not.toBe(first.body.token);
    // The emulator refreshes a website app's tokens only with its appid: the refreshed token works at userinfo.
    const profile = await agent.get('/api/wechat-profile').set('User-Agent', DESKTOP_UA);
    expect(profile.status).toBe(200);
  });

  it('keeps WeChat\'s own browser on the Official Account, even when ?app=website is asked for', async () => {
    const { app } = newApp(websiteOptions());
    for (const path of ['/auth/wechat/login', '/auth/wechat/login?app=website']) {
      const res = await request(app).get(path).set('User-Agent', WECHAT_UA);
      expect(res.status).toBe(302);
      expect(res.headers.location).toContain('/connect/oauth2/authorize?appid=' + world.emulator.defaultApp.appId);
    }
    const agent = request.agent(app);
    const { callback } = await wechatLogin(agent);
    expect(callback.status).toBe(302);
    expect((await me(agent, WECHAT_UA)).body.app).toBe('official');
  });

  it('refuses a code of the Official Account sent back on a website login, without a 500 or a login', async () => {
    const { app } = newApp(websiteOptions());
    const agent = request.agent(app);
    const login = await agent.get('/auth/wechat/login?returnTo=/profile').set('User-Agent', DESKTOP_UA);
    const state = new URL(login.headers.location as string).searchParams.get('state')!;
    // Alice authorizes the Official Account (another app) with our state: its code comes to our callback.
    const officialUrl = world.emulator.authorize(
      `${world.emulator.authorizeBaseUrl}/connect/oauth2/authorize?appid=${world.emulator.defaultApp.appId}` +
        `&redirect_uri=${encodeURIComponent('http://localhost:3000/auth/wechat/callback')}&response_type=code&scope=snsapi_userinfo&state=${state}#wechat_redirect`,
      { user: 'alice' },
    );
    const callback = await agent.get(pathOf(officialUrl)).set('User-Agent', DESKTOP_UA);
    expect(callback.status).toBeLessThan(500);
    expect(callback.headers.location ?? '').not.toBe('/profile');
    expect((await me(agent)).status).toBe(401);
  });
});

describe("WeChat's QR page inside the app's own page (the iframe wxLogin.js draws)", () => {
  it('/login?embed=1 asks qrconnect for login_type=jssdk&self_redirect=false, and the top window lands signed in', async () => {
    const { app } = newApp(websiteOptions());
    const agent = request.agent(app);
    const login = await agent.get('/auth/wechat/login?app=website&embed=1&returnTo=/profile').set('User-Agent', DESKTOP_UA);
    expect(login.status).toBe(302);
    const qrconnect = login.headers.location as string;
    expect(qrconnect).toMatch(/&scope=snsapi_login&state=[A-Za-z0-9]+&login_type=jssdk&self_redirect=false#wechat_redirect$/);
    // The emulator, as WeChat, sends the top window (not the frame) to the callback.
    const res = await fetch(qrconnect.replace('#wechat_redirect', ''), { headers: { 'x-wechat-emulator-user': 'alice' }, redirect: 'manual' });
    const body = await res.text();
    const callbackUrl = res.status === 302 ? res.headers.get('location')! : /https?:\/\/[^"']+\/auth\/wechat\/callback\?[^"']+/.exec(body)?.[0].replace(/&amp;/g, '&');
    expect(callbackUrl).toContain('/auth/wechat/callback?code=');
    const callback = await agent.get(pathOf(callbackUrl!)).set('User-Agent', DESKTOP_UA);
    expect(callback.headers.location).toBe('/profile');
    expect((await me(agent)).body.app).toBe('website');
  });

  it('a plain /login (no embed) leaves the page whole: no login_type', async () => {
    const { app } = newApp(websiteOptions());
    const login = await request(app).get('/auth/wechat/login').set('User-Agent', DESKTOP_UA);
    expect(login.headers.location).not.toContain('login_type');
  });
});

describe('the other desktop choices beside a website app', () => {
  it('desktop: "scan" shows the scan page on a guarded page, and ?app=website still reaches qrconnect', async () => {
    const { app } = newApp(websiteOptions({ desktop: 'scan' }));
    const page = await request(app).get('/profile').set('User-Agent', DESKTOP_UA);
    expect(page.status).toBe(401);
    expect(page.text).toContain('/scan/');
    const viaWebsite = await request(app).get('/auth/wechat/login?app=website').set('User-Agent', DESKTOP_UA);
    expect(viaWebsite.headers.location).toContain('/connect/qrconnect?appid=' + website().appId);
    const plain = await request(app).get('/auth/wechat/login').set('User-Agent', DESKTOP_UA);
    expect(plain.headers.location).toContain('/connect/oauth2/authorize?');
  });

  it('desktop: "website" without a websiteApp is refused at start-up, naming what it needs', () => {
    expect(() => createWechatLogin(loginOptions(world, { desktop: 'website' }), { warn: () => undefined })).toThrow(/"desktop": "website" needs "websiteApp"/);
  });

  it('without a websiteApp nothing changes: a desktop gets the scan page and /login the Official Account', async () => {
    const { app } = newApp(loginOptions(world, { keyPrefix: `web${++prefixes}` }));
    expect((await request(app).get('/profile').set('User-Agent', DESKTOP_UA)).status).toBe(401);
    const res = await request(app).get('/auth/wechat/login?app=website').set('User-Agent', DESKTOP_UA);
    expect(res.headers.location).toContain('/connect/oauth2/authorize?appid=' + world.emulator.defaultApp.appId);
  });
});

describe('one person through both apps', () => {
  it('Alice through the website app on one instance and the Official Account on another: one user', async () => {
    const keyPrefix = `web${++prefixes}`;
    const first = newApp(websiteOptions({ keyPrefix }));
    const second = newApp(websiteOptions({ keyPrefix, redis: world.redisServer.client() }));
    const desktop = request.agent(first.app);
    const phone = request.agent(second.app);
    await desktopLogin(desktop, 'alice');
    await wechatLogin(phone, 'alice');
    const [viaWebsite, viaOfficial] = [(await me(desktop)).body, (await me(phone, WECHAT_UA)).body];
    expect(viaWebsite.user.id).toBe(viaOfficial.user.id);
    expect(viaOfficial.user.createdAt).toBe(viaWebsite.user.createdAt);
    expect(viaOfficial.user.openids).toEqual({
      [world.emulator.defaultApp.appId]: world.emulator.openidFor('alice', world.emulator.defaultApp.appId),
      [website().appId]: world.emulator.openidFor('alice', website().appId),
    });
  });

  it('Bob, without a unionid, is two users through the two apps', async () => {
    const { app } = newApp(websiteOptions());
    const desktop = request.agent(app);
    const phone = request.agent(app);
    await desktopLogin(desktop, 'bob');
    await wechatLogin(phone, 'bob');
    expect((await me(desktop)).body.user.id).not.toBe((await me(phone, WECHAT_UA)).body.user.id);
  });

  it('50 concurrent first logins of one person through both apps over two instances: one id', async () => {
    const keyPrefix = `web${++prefixes}`;
    const instances = [newApp(websiteOptions({ keyPrefix })), newApp(websiteOptions({ keyPrefix, redis: world.redisServer.client() }))];
    const agents = Array.from({ length: 50 }, (_, i) => ({ agent: request.agent(instances[i % 2]!.app), website: i % 4 < 2 }));
    await Promise.all(agents.map(({ agent, website: viaWebsite }) => (viaWebsite ? desktopLogin(agent) : wechatLogin(agent))));
    const ids = await Promise.all(agents.map(async ({ agent, website: viaWebsite }) => (await me(agent, viaWebsite ? DESKTOP_UA : WECHAT_UA)).body.user.id));
    expect(new Set(ids).size).toBe(1);
    expect(ids).toHaveLength(50);
  });

  it('sign out everywhere ends the logins of both apps', async () => {
    const { app, wechat } = newApp(websiteOptions());
    const desktop = request.agent(app);
    const phone = request.agent(app);
    await desktopLogin(desktop, 'alice');
    await wechatLogin(phone, 'alice');
    expect((await me(desktop)).status).toBe(200);
    expect((await me(phone, WECHAT_UA)).status).toBe(200);
    const ended = await wechat.users.signOutEverywhere(world.emulator.openidFor('alice', website().appId));
    expect(ended).toBeGreaterThanOrEqual(2);
    expect((await me(desktop)).status).toBe(401);
    expect((await me(phone, WECHAT_UA)).status).toBe(401);
  });
});
