import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { buildApp, loginOptions, startWorld, type LoginWorld } from '../helpers/login-app.js';

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

  it('a JSON caller of /login gets 503 JSON with Retry-After, not an HTML page', async () => {
    const res = await withRedisRefusingScripts(() =>
      request(app).get('/auth/wechat/login').set('Accept', 'application/json').redirects(0),
    );
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toEqual({ error: 'wechat_unavailable' });
    expect(res.headers['retry-after']).toBe('2');
  });

  it('a browser gets the short page, with Retry-After, and no stack', async () => {
    const res = await withRedisRefusingScripts(() => request(app).get('/auth/wechat/login').set('Accept', 'text/html').redirects(0));
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.text).toContain('请稍后再试'); // please try again
    expect(res.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });
});
