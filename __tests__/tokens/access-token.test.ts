import { describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { buildApp, login, loginOptions, pathOf, WECHAT_UA, type LoginWorld } from '../helpers/login-app.js';
import { useLoginSuite } from '../helpers/login-suite.js';
import { HOUR_MS, readGrant, tokenOf, tokenTestRoutes, wechatAccepts } from './token-helpers.js';

let world: LoginWorld;
let wechat: WechatLogin;
let app: Express;

useLoginSuite((suite) => ({ world, wechat, app } = suite), { routes: tokenTestRoutes });

describe('req.wechat.getAccessToken()', () => {
  it('returns the stored token while it is fresh, without calling WeChat', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'alice' });
    world.emulator.resetCalls();
    const res = await tokenOf(agent);
    expect(res.status).toBe(200);
    expect(res.body.token).toBe((await readGrant(wechat, agent)).accessToken);
    expect(await wechatAccepts(world.emulator, res.body.token, world.emulator.openidFor('alice'))).toBe(true);
    expect(world.emulator.calls.refresh_token).toBe(0);
  });

  it('refreshes first when the token is within the skew (5 minutes) of expiry, then reuses the new one', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'alice' });
    const before = (await tokenOf(agent)).body.token as string;
    world.clock.advance(2 * HOUR_MS - 4 * 60_000); // 4 minutes left
    const during = await tokenOf(agent);
    expect(during.status).toBe(200);
    expect(during.body.token).not.toBe(before);
    expect(world.emulator.calls.refresh_token).toBe(1);
    expect(await wechatAccepts(world.emulator, during.body.token, world.emulator.openidFor('alice'))).toBe(true);
    world.clock.advance(60 * 60_000);
    expect((await tokenOf(agent)).body.token).toBe(during.body.token);
    expect(world.emulator.calls.refresh_token).toBe(1);
  });

  it('does not refresh a token that has more than the skew left', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'bob' });
    const before = (await tokenOf(agent)).body.token as string;
    world.clock.advance(2 * HOUR_MS - 6 * 60_000);
    expect((await tokenOf(agent)).body.token).toBe(before);
    expect(world.emulator.calls.refresh_token).toBe(0);
  });

  it('refreshes an expired token, and the user record follows the latest tokens', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'alice' });
    const openid = world.emulator.openidFor('alice');
    world.clock.advance(3 * HOUR_MS);
    const refreshedAt = world.clock.now();
    const res = await tokenOf(agent);
    expect(res.status).toBe(200);
    const grant = await readGrant(wechat, agent);
    expect(res.body.token).toBe(grant.accessToken);
    const user = await wechat.users.findByOpenid(openid);
    expect(user).toMatchObject({ accessToken: grant.accessToken, refreshToken: grant.refreshToken, expiresIn: 7200 });
    expect(user!.updatedAt.getTime()).toBe(refreshedAt);
    // Twice more, so the record follows more than one rotation.
    for (let i = 0; i < 2; i++) {
      world.clock.advance(3 * HOUR_MS);
      expect((await tokenOf(agent)).status).toBe(200);
    }
    const latest = await readGrant(wechat, agent);
    expect(await wechat.users.findByOpenid(openid)).toMatchObject({ accessToken: latest.accessToken, refreshToken: latest.refreshToken });
    expect(world.emulator.calls.refresh_token).toBe(3);
  });

  it('refreshes once for 50 concurrent requests of one session (in-process coalescing)', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'alice' });
    world.clock.advance(3 * HOUR_MS);
    world.emulator.resetCalls();
    const answers = await Promise.all(Array.from({ length: 50 }, () => tokenOf(agent)));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    expect(new Set(answers.map((a) => a.body.token)).size).toBe(1);
    expect(world.emulator.calls.refresh_token).toBe(1);
  });
});

describe('two devices of one user', () => {
  it('keep their own grant: refreshing one does not break the other', async () => {
    const phone = request.agent(app);
    const tablet = request.agent(app);
    await login(phone, world.emulator, { user: 'alice' });
    await login(tablet, world.emulator, { user: 'alice' });
    const openid = world.emulator.openidFor('alice');
    const phoneGrant = await readGrant(wechat, phone);
    const tabletGrant = await readGrant(wechat, tablet);
    expect(phoneGrant.refreshToken).not.toBe(tabletGrant.refreshToken);

    for (let round = 0; round < 2; round++) {
      world.clock.advance(3 * HOUR_MS);
      const first = await tokenOf(phone);
      const second = await tokenOf(tablet);
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(first.body.token).not.toBe(second.body.token);
      expect(await wechatAccepts(world.emulator, first.body.token, openid)).toBe(true);
      expect(await wechatAccepts(world.emulator, second.body.token, openid)).toBe(true);
    }
    expect(world.emulator.calls.refresh_token).toBe(4);
    // The user record carries the latest refresh of either device: here the tablet's.
    const tabletNow = await readGrant(wechat, tablet);
    expect((await wechat.users.findByOpenid(openid))?.accessToken).toBe(tabletNow.accessToken);
  });
});

describe('scope upgrade', () => {
  it('sends a base-scope session calling fetchUserInfo() through authorization with snsapi_userinfo, not a 48001', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'alice', scope: 'snsapi_base' });
    world.emulator.resetCalls();

    const page = await agent.get('/api/wechat-profile').set('User-Agent', WECHAT_UA);
    expect(page.status).toBe(302);
    expect(page.headers.location).toMatch(/^\/auth\/wechat\/login\?/);
    expect(new URL(page.headers.location, 'http://x').searchParams.get('returnTo')).toBe('/api/wechat-profile');
    // Default scope is snsapi_userinfo, so the login URL may leave it out; WeChat must be asked for it.
    const authorize = await agent.get(page.headers.location).set('User-Agent', WECHAT_UA);
    expect(new URL(authorize.headers.location).searchParams.get('scope')).toBe('snsapi_userinfo');

    const api = await agent.get('/api/wechat-profile').set('Accept', 'application/json');
    expect(api.status).toBe(401);
    expect(api.body).toMatchObject({ error: 'wechat_login_required', scope: 'snsapi_userinfo' });
    expect(world.emulator.calls.userinfo).toBe(0);

    // Still logged in with the base scope meanwhile.
    expect((await agent.get('/api/me').set('Accept', 'application/json')).status).toBe(200);

    // Completing the upgrade: the same endpoint now answers with the profile.
    const callback = await agent.get(pathOf(world.emulator.authorize(authorize.headers.location, { user: 'alice' }))).set('User-Agent', WECHAT_UA);
    expect(callback.headers.location).toBe('/api/wechat-profile');
    const profile = await agent.get('/api/wechat-profile').set('Accept', 'application/json');
    expect(profile.status).toBe(200);
    expect(profile.body.nickname).toBe('爱丽丝 Alice');
  });

  it('names scope=snsapi_userinfo in the login URL when the app default is snsapi_base', async () => {
    const baseWechat = createWechatLogin(loginOptions(world, { scope: 'snsapi_base' }));
    const baseApp = buildApp(baseWechat);
    try {
      const agent = request.agent(baseApp);
      await login(agent, world.emulator, { user: 'bob' });
      const page = await agent.get('/api/wechat-profile').set('User-Agent', WECHAT_UA);
      expect(page.status).toBe(302);
      expect(new URL(page.headers.location, 'http://x').searchParams.get('scope')).toBe('snsapi_userinfo');
    } finally {
      await baseWechat.close();
    }
  });
});
