import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { connectRedis } from '../../lib/store/redis-client.js';
import { createKeys } from '../../lib/store/keys.js';
import { buildApp, loginOptions, pathOf, startWorld, WECHAT_UA, type LoginWorld } from '../helpers/login-app.js';

/**
 * Issue 18, item 6: a Redis stall during the callback. The state's claim times out, but Redis runs it when it
 * wakes: repeating that callback would meet a used state. "Try again" must lead somewhere that can succeed.
 */
let world: LoginWorld;
let client: Redis;
let wechat: WechatLogin;
let app: Express;

beforeAll(async () => {
  world = await startWorld({ redis: { debugCommand: true } });
  client = connectRedis(world.redisServer.url) as Redis;
  wechat = createWechatLogin(loginOptions(world, { redis: client }), { warn: () => undefined });
  app = buildApp(wechat);
});
afterAll(async () => {
  await client?.quit().catch(() => client.disconnect());
  await world?.stop();
});

describe('"Try again" after a Redis stall at the callback', () => {
  it('starts a fresh login to the same returnTo (the page says so), and that login completes', async () => {
    const agent = request.agent(app);
    const start = await agent.get('/auth/wechat/login?returnTo=%2Fprofile%3Ftab%3D2').set('User-Agent', WECHAT_UA);
    const nonce = new URL(start.headers.location as string).searchParams.get('state')!;
    const callbackPath = pathOf(world.emulator.authorize(start.headers.location as string, { user: 'alice' }));

    const sleeper = world.redisServer.client();
    const sleeping = sleeper.call('DEBUG', 'SLEEP', '2');
    await new Promise((r) => setTimeout(r, 50));
    const stalled = await agent.get(callbackPath).set('User-Agent', WECHAT_UA);
    await sleeping;
    sleeper.disconnect();

    expect(stalled.status).toBe(503);
    expect(stalled.headers['retry-after']).toBe('2');
    expect(stalled.text).toContain('点击“重试”将重新发起登录'); // "Try again" starts a new sign-in
    const tryAgain = /<a class="btn" href="([^"]+)">重试<\/a>/.exec(stalled.text)?.[1]?.replace(/&amp;/g, '&');
    expect(tryAgain).toBe('/auth/wechat/login?returnTo=%2Fprofile%3Ftab%3D2');

    // What made the old "Try again" fail: Redis ran the timed-out claim when it woke, the state is used.
    const used = createKeys('wol', world.emulator.defaultApp.appId).stateUsed(nonce);
    for (let i = 0; i < 50 && !(await world.redis.exists(used)); i++) await new Promise((r) => setTimeout(r, 20));
    expect(await world.redis.exists(used)).toBe(1);
    const repeated = await agent.get(callbackPath).set('User-Agent', WECHAT_UA);
    expect(repeated.status).toBe(403);

    const again = await agent.get(tryAgain!).set('User-Agent', WECHAT_UA);
    expect(again.status).toBe(302);
    const done = await agent.get(pathOf(world.emulator.authorize(again.headers.location as string, { user: 'alice' }))).set('User-Agent', WECHAT_UA);
    expect([done.status, done.headers.location]).toEqual([302, '/profile?tab=2']);
    expect((await agent.get('/api/me').set('Accept', 'application/json')).status).toBe(200);
  });
});
