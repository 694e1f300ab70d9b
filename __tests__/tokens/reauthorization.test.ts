import { describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import type { WechatLogin } from '../../lib/index.js';
import { login, WECHAT_UA, type Agent, type LoginWorld } from '../helpers/login-app.js';
import { useLoginSuite } from '../helpers/login-suite.js';
import { DAY_MS, HOUR_MS, grantIdOf, grantKeys, readGrant, refreshBehindOurBack, tokenOf, tokenTestRoutes } from './token-helpers.js';

let world: LoginWorld;
let wechat: WechatLogin;
let app: Express;

useLoginSuite((suite) => ({ world, wechat, app } = suite), { routes: tokenTestRoutes });

/** After WeChat refused the refresh token: cleared grant, login again, and the user still known. */
async function expectSentToAuthorizeAgain(agent: Agent, user: string): Promise<void> {
  const grantId = await grantIdOf(agent);
  const stored = await world.redis.hgetall(grantKeys(world).grant(grantId));
  expect(stored.dead).toBe('1');
  expect(stored).not.toHaveProperty('accessToken');
  expect(stored).not.toHaveProperty('refreshToken');

  const page = await agent.get('/profile?tab=2').set('User-Agent', WECHAT_UA);
  expect(page.status).toBe(302);
  expect(page.headers.location).toBe(`/auth/wechat/login?${new URLSearchParams({ returnTo: '/profile?tab=2' })}`);
  const api = await agent.get('/api/me').set('Accept', 'application/json');
  expect(api.status).toBe(401);
  expect(api.body.error).toBe('wechat_login_required');

  const who = await agent.get('/test/who').set('Accept', 'application/json');
  expect(who.body).toMatchObject({ openid: world.emulator.openidFor(user), authenticated: false });
  expect(who.body.user.openid).toBe(world.emulator.openidFor(user));

  // Authorizing again gives a working login.
  world.emulator.resetCalls();
  await login(agent, world.emulator, { user, returnTo: '/profile' });
  const again = await tokenOf(agent);
  expect(again.status).toBe(200);
  expect(world.emulator.calls.refresh_token).toBe(0);
}

describe('a dead refresh token', () => {
  it('40030 (invalid refresh_token): 401 JSON for the API call, tokens cleared, then the guard asks for authorization again', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'alice' });
    const { refreshToken } = await readGrant(wechat, agent);
    expect((await refreshBehindOurBack(world.emulator, refreshToken)).access_token).toBeDefined();
    world.clock.advance(3 * HOUR_MS);

    const res = await tokenOf(agent);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'wechat_login_required' });
    expect(world.emulator.calls.refresh_token).toBe(2);
    await expectSentToAuthorizeAgain(agent, 'alice');
  });

  it('40030 on a page in WeChat: 302 to the login with returnTo', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'bob' });
    await refreshBehindOurBack(world.emulator, (await readGrant(wechat, agent)).refreshToken);
    world.clock.advance(3 * HOUR_MS);
    const res = await agent.get('/api/token?x=1').set('User-Agent', WECHAT_UA);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`/auth/wechat/login?${new URLSearchParams({ returnTo: '/api/token?x=1' })}`);
    await expectSentToAuthorizeAgain(agent, 'bob');
  });

  it('42002 (refresh_token timeout) from WeChat: the same', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'alice' });
    // WeChat counts the 30 days from its authorization, a little before our callback: make our own
    // bookkeeping believe the refresh token is still alive so that WeChat is the one to say 42002.
    const grantKey = grantKeys(world).grant(await grantIdOf(agent));
    await world.redis.hset(grantKey, 'refreshExpiresAt', String(world.clock.now() + 31 * DAY_MS));
    world.clock.advance(30 * DAY_MS + 1000);
    const res = await agent.get('/test/token-unguarded').set('Accept', 'application/json');
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('wechat_login_required');
    expect(world.emulator.calls.refresh_token).toBe(1);
    await expectSentToAuthorizeAgain(agent, 'alice');
  });

  it('30 days after authorization: not authenticated, no call to WeChat, and the grant is cleared on first use', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'bob' });
    world.clock.advance(30 * DAY_MS);
    const api = await tokenOf(agent);
    expect(api.status).toBe(401);
    expect(api.body.error).toBe('wechat_login_required');
    const page = await agent.get('/profile').set('User-Agent', WECHAT_UA);
    expect(page.status).toBe(302);
    expect(page.headers.location).toBe('/auth/wechat/login?returnTo=%2Fprofile');

    const unguarded = await agent.get('/test/token-unguarded').set('Accept', 'application/json');
    expect(unguarded.status).toBe(401);
    expect(world.emulator.calls.refresh_token).toBe(0);
    await expectSentToAuthorizeAgain(agent, 'bob');
  });

  // Needs guard.ts to fall back to the session's login scope before the app default (see the report); flip to
  // it() then. Today the base-scope user is sent to the snsapi_userinfo consent page instead.
  it('30 days after a base-scope authorization: authorizes again silently with snsapi_base', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'bob', scope: 'snsapi_base' });
    world.clock.advance(30 * DAY_MS);
    const page = await agent.get('/profile').set('User-Agent', WECHAT_UA);
    expect(page.status).toBe(302);
    expect(new URL(page.headers.location, 'http://x').searchParams.get('scope')).toBe('snsapi_base');
  });
});
