import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createWechatLogin, createWechatApiClient, hasErrcode, WECHAT_ERRCODES, type WechatLogin } from '../../lib/index.js';
import { buildApp, login, loginOptions, startWorld, type LoginWorld } from '../helpers/login-app.js';
import { readGrant, refreshBehindOurBack, tokenTestRoutes, wechatAccepts } from './token-helpers.js';

// WeChat keeps the refresh token here ('same'), so another client can refresh this grant and replace its
// access token at WeChat without killing our refresh token: the token we stored becomes 40001.
let world: LoginWorld;
let wechat: WechatLogin;
let app: ReturnType<typeof buildApp>;

beforeAll(async () => {
  world = await startWorld({ emulator: { refreshTokenRotation: 'same' } });
  wechat = createWechatLogin(loginOptions(world));
  const api = createWechatApiClient({ appId: world.emulator.defaultApp.appId, appSecret: world.emulator.defaultApp.appSecret, apiBaseUrl: world.emulator.apiBaseUrl });
  app = buildApp(wechat, (a) => {
    tokenTestRoutes(a);
    // A handler doing its own WeChat call, as the README tells it to: on 40001/42001, forceRefresh once.
    a.get('/api/check', wechat.requireWechatUser(), async (req, res) => {
      const openid = req.wechat.openid!;
      const first = await req.wechat.getAccessToken();
      try {
        await api.fetchUserInfo(first, openid);
        res.json({ token: first, forced: false });
      } catch (error) {
        if (!hasErrcode(error, WECHAT_ERRCODES.INVALID_CREDENTIAL, WECHAT_ERRCODES.ACCESS_TOKEN_EXPIRED)) throw error;
        const second = await req.wechat.getAccessToken({ forceRefresh: true });
        await api.fetchUserInfo(second, openid);
        res.json({ token: second, forced: true, refused: first });
      }
    });
  });
});
afterEach(() => world.emulator.resetCalls());
afterAll(async () => {
  await wechat.close();
  await world.stop();
});

async function loginWithTokenReplacedAtWechat(user: string) {
  const agent = request.agent(app);
  await login(agent, world.emulator, { user });
  const stored = await readGrant(wechat, agent);
  const replaced = await refreshBehindOurBack(world.emulator, stored.refreshToken);
  expect(replaced.access_token).toBeDefined();
  expect(await wechatAccepts(world.emulator, stored.accessToken, world.emulator.openidFor(user))).toBe(false);
  world.emulator.resetCalls();
  return { agent, stored };
}

describe('forceRefresh after WeChat refused the stored token (40001)', () => {
  it('fetchUserInfo() recovers with one forced refresh', async () => {
    const { agent, stored } = await loginWithTokenReplacedAtWechat('alice');
    const res = await agent.get('/api/wechat-profile').set('Accept', 'application/json');
    expect(res.status).toBe(200);
    expect(res.body.nickname).toBe('爱丽丝 Alice');
    expect(world.emulator.calls.refresh_token).toBe(1);
    expect(world.emulator.calls.userinfo).toBe(2);
    const now = await readGrant(wechat, agent);
    expect(now.accessToken).not.toBe(stored.accessToken);
    expect(await wechatAccepts(world.emulator, now.accessToken, world.emulator.openidFor('alice'))).toBe(true);
  });

  it("a handler's getAccessToken({ forceRefresh: true }) replaces the refused token once", async () => {
    const { agent, stored } = await loginWithTokenReplacedAtWechat('alice');
    const res = await agent.get('/api/check').set('Accept', 'application/json');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ forced: true, refused: stored.accessToken });
    expect(res.body.token).not.toBe(stored.accessToken);
    expect(world.emulator.calls.refresh_token).toBe(1);
    // The next request uses the new token without refreshing again.
    const again = await agent.get('/api/check').set('Accept', 'application/json');
    expect(again.body).toMatchObject({ forced: false, token: res.body.token });
    expect(world.emulator.calls.refresh_token).toBe(1);
  });

  it('20 concurrent requests that all got 40001 with the same token share one forced refresh', async () => {
    const { agent } = await loginWithTokenReplacedAtWechat('bob');
    const answers = await Promise.all(Array.from({ length: 20 }, () => agent.get('/api/check').set('Accept', 'application/json')));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(new Set(answers.map((a) => a.body.token)).size).toBe(1);
    expect(world.emulator.calls.refresh_token).toBe(1);
  });

  it('a forced refresh does not replace a token someone else already replaced', async () => {
    const agent = request.agent(app);
    await login(agent, world.emulator, { user: 'alice' });
    const first = await readGrant(wechat, agent);
    world.emulator.resetCalls();
    // The handler's view of the token is older than the store's: another request refreshed meanwhile.
    const grantId = (await agent.get('/test/grant')).body.grantId as string;
    const newer = await wechat.tokens.getValidGrant(grantId, { refusedToken: first.accessToken });
    expect(world.emulator.calls.refresh_token).toBe(1);
    const again = await wechat.tokens.getValidGrant(grantId, { refusedToken: first.accessToken });
    expect(again.accessToken).toBe(newer.accessToken);
    expect(world.emulator.calls.refresh_token).toBe(1);
  });
});
