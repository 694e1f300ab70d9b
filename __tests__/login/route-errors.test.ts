import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { buildApp, loginOptions, pathOf, startWorld, type LoginWorld } from '../helpers/login-app.js';

/** Our routes' own errors: a page for browsers, JSON for API callers, Retry-After when it is worth retrying. */
describe('errors on our routes', () => {
  let world: LoginWorld;
  let wechat: WechatLogin;
  let app: ReturnType<typeof buildApp>;

  beforeAll(async () => {
    world = await startWorld();
    wechat = createWechatLogin(loginOptions(world, { rateLimit: false }));
    app = buildApp(wechat);
  });
  afterAll(async () => {
    await wechat.close();
    await world.stop();
  });

  async function withRedisRefusingScripts<T>(run: () => Promise<T>): Promise<T> {
    // Redis answers, but refuses every script: the store fails for the moment (a 503 of ours).
    await world.redis.config('SET', 'maxmemory', '1');
    await world.redis.config('SET', 'maxmemory-policy', 'noeviction');
    try {
      return await run();
    } finally {
      await world.redis.config('SET', 'maxmemory', '0');
    }
  }

  // /login writes nothing to Redis (the state rides in a cookie): the callback is the first route to need it.
  async function callbackPath(agent: ReturnType<typeof request.agent>): Promise<string> {
    const start = await agent.get('/auth/wechat/login');
    return pathOf(world.emulator.authorize(start.headers.location as string, { user: 'alice' }));
  }

  it('/login answers while Redis refuses every write: it writes nothing there', async () => {
    const res = await withRedisRefusingScripts(() => request(app).get('/auth/wechat/login').redirects(0));
    expect(res.status).toBe(302);
  });

  it('a JSON caller of the callback gets 503 JSON with Retry-After, not an HTML page', async () => {
    const agent = request.agent(app);
    const path = await callbackPath(agent);
    const res = await withRedisRefusingScripts(() => agent.get(path).set('Accept', 'application/json').redirects(0));
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toEqual({ error: 'wechat_unavailable' });
    expect(res.headers['retry-after']).toBe('2');
  });

  it('a browser gets the short page, with Retry-After, and no stack', async () => {
    const agent = request.agent(app);
    const path = await callbackPath(agent);
    const res = await withRedisRefusingScripts(() => agent.get(path).set('Accept', 'text/html').redirects(0));
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.text).toContain('请稍后再试'); // please try again
    expect(res.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });
});
