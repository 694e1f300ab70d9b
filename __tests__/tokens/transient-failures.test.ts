import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { Redis } from 'ioredis';
import { createRedisStore, createWechatLogin, type WechatLogin } from '../../lib/index.js';
import type { EmulatorFault } from '../../lib/testing/index.js';
import { buildApp, login, loginOptions, WECHAT_UA, type Agent, type LoginWorld } from '../helpers/login-app.js';
import { useLoginSuite } from '../helpers/login-suite.js';
import { HOUR_MS, readGrant, startCuttableProxy, tokenOf, tokenTestRoutes, wechatAccepts, type CuttableProxy } from './token-helpers.js';

let world: LoginWorld;
let wechat: WechatLogin;
let app: Express;
// Short attempts so that a hanging WeChat costs this suite well under a second per test.
const fast = { timeoutMs: 200, retry: { limit: 2, baseDelayMs: 5, maxDelayMs: 20 } };

useLoginSuite((suite) => ({ world, wechat, app } = suite), { options: fast, routes: tokenTestRoutes });

async function expiredLogin(user = 'alice'): Promise<{ agent: Agent; before: string }> {
  const agent = request.agent(app);
  await login(agent, world.emulator, { user });
  const before = (await readGrant(wechat, agent)).accessToken;
  world.clock.advance(3 * HOUR_MS);
  world.emulator.resetCalls();
  return { agent, before };
}

async function expectRecovers(agent: Agent, user = 'alice'): Promise<void> {
  const grant = await readGrant(wechat, agent);
  expect(grant.dead).toBe(false);
  const next = await tokenOf(agent);
  expect(next.status).toBe(200);
  expect(await wechatAccepts(world.emulator, next.body.token, world.emulator.openidFor(user))).toBe(true);
  expect((await agent.get('/api/me').set('Accept', 'application/json')).status).toBe(200);
}

describe('a transient failure while refreshing does not log out', () => {
  const cases: Array<[EmulatorFault, number, number]> = [
    // fault, injected times, refresh calls it takes (1 attempt + 2 retries where retried)
    ['busy', 3, 3],
    ['http500', 3, 3],
    ['reset', 3, 3],
    ['hang', 3, 3],
    ['garbage', 1, 1],
  ];
  it.each(cases)('%s: 503 now, and the next request refreshes and succeeds', async (fault, times, calls) => {
    const { agent } = await expiredLogin();
    world.emulator.injectFault('refresh_token', fault, times);
    const res = await tokenOf(agent);
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'wechat_unavailable' });
    expect(res.headers['retry-after']).toBe('2');
    expect(world.emulator.calls.refresh_token).toBe(calls);
    await expectRecovers(agent);
  });

  it('answers a page in WeChat with the 503 page, not a redirect to the login', async () => {
    const { agent } = await expiredLogin('bob');
    world.emulator.injectFault('refresh_token', 'busy', 3);
    const res = await agent.get('/api/token').set('User-Agent', WECHAT_UA);
    expect(res.status).toBe(503);
    expect(res.headers.location).toBeUndefined();
    await expectRecovers(agent, 'bob');
  });

  it('a busy WeChat answered by a retry is invisible to the request', async () => {
    const { agent, before } = await expiredLogin();
    world.emulator.injectFault('refresh_token', 'busy', 2);
    const res = await tokenOf(agent);
    expect(res.status).toBe(200);
    expect(res.body.token).not.toBe(before);
    expect(world.emulator.calls.refresh_token).toBe(3);
  });
});

describe('Redis briefly unreachable', () => {
  let proxy: CuttableProxy;
  beforeAll(async () => {
    proxy = await startCuttableProxy(world.redisServer.port);
  });
  afterAll(async () => {
    await proxy.close();
  });

  async function waitForRedis(client: Redis): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      if (await client.ping().then(() => true, () => false)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('Redis did not come back');
  }

  it('while refreshing (token store cut): 503, the user stays logged in, the next request succeeds', async () => {
    const storeClient = new Redis(proxy.url, { maxRetriesPerRequest: 1, connectTimeout: 2_000 });
    const cutWechat = createWechatLogin(
      loginOptions(world, {
        ...fast,
        store: createRedisStore({ redis: storeClient, appId: world.emulator.defaultApp.appId, keyPrefix: 'wol', ownsClient: true }),
      }),
    );
    try {
      const cutApp = buildApp(cutWechat, tokenTestRoutes);
      const agent = request.agent(cutApp);
      await login(agent, world.emulator, { user: 'alice' });
      world.clock.advance(3 * HOUR_MS);
      world.emulator.resetCalls();

      await proxy.down();
      const res = await tokenOf(agent);
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: 'wechat_unavailable' });
      expect(world.emulator.calls.refresh_token).toBe(0);

      await proxy.up();
      await waitForRedis(storeClient);
      const next = await tokenOf(agent);
      expect(next.status).toBe(200);
      expect(world.emulator.calls.refresh_token).toBe(1);
    } finally {
      await proxy.up();
      await cutWechat.close();
    }
  });

  it('when WeChat refreshed but Redis went away before the new tokens were stored: 503, then the next request stores them (no logout)', async () => {
    // With rotation, the refresh token still in Redis is dead the moment WeChat answers: the answer must not be lost.
    const storeClient = new Redis(proxy.url, { maxRetriesPerRequest: 1, connectTimeout: 2_000 });
    const store = createRedisStore({ redis: storeClient, appId: world.emulator.defaultApp.appId, keyPrefix: 'wol', ownsClient: true });
    const realReplace = store.grants.replaceTokens;
    let cutOnce = true;
    store.grants.replaceTokens = async (...args) => {
      if (cutOnce) {
        cutOnce = false;
        await proxy.down();
      }
      return realReplace(...args);
    };
    const cutWechat = createWechatLogin(loginOptions(world, { ...fast, store }));
    try {
      const agent = request.agent(buildApp(cutWechat, tokenTestRoutes));
      await login(agent, world.emulator, { user: 'bob' });
      world.clock.advance(3 * HOUR_MS);
      world.emulator.resetCalls();
      const res = await tokenOf(agent);
      expect(res.status).toBe(503);
      expect(world.emulator.calls.refresh_token).toBe(1);

      await proxy.up();
      await waitForRedis(storeClient);
      const next = await tokenOf(agent);
      expect(next.status).toBe(200);
      expect(world.emulator.calls.refresh_token).toBe(1); // stored what WeChat gave, no second refresh
      const openid = world.emulator.openidFor('bob');
      expect(await wechatAccepts(world.emulator, next.body.token, openid)).toBe(true);
      expect((await cutWechat.users.findByOpenid(openid))?.accessToken).toBe(next.body.token);
      // And the stored refresh token is the live one.
      world.clock.advance(3 * HOUR_MS);
      const later = await tokenOf(agent);
      expect(later.status).toBe(200);
      expect(world.emulator.calls.refresh_token).toBe(2);
    } finally {
      await proxy.up();
      await cutWechat.close();
    }
  });

  // The session store turns a Redis failure into our 503 (ERR_WECHAT_STORE_UNAVAILABLE), never a 500.
  it('for the whole app (sessions too): 503, and the next request after Redis is back succeeds', async () => {
    const cutWechat = createWechatLogin(loginOptions(world, { ...fast, redis: proxy.url }));
    try {
      const agent = request.agent(buildApp(cutWechat, tokenTestRoutes));
      await login(agent, world.emulator, { user: 'alice' });
      world.clock.advance(3 * HOUR_MS);
      await proxy.down();
      const res = await tokenOf(agent);
      expect(res.status).toBe(503);
      await proxy.up();
      await new Promise((r) => setTimeout(r, 300));
      expect((await tokenOf(agent)).status).toBe(200);
    } finally {
      await proxy.up();
      await cutWechat.close();
    }
  });
});
