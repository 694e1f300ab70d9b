import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { buildApp, DESKTOP_UA, loginOptions, startWorld, WECHAT_UA, type LoginWorld } from '../helpers/login-app.js';

/**
 * Without publicUrl our links (redirect_uri, QR codes, return URLs) are built from the Host header. A Host that
 * makes no origin gets a 400 from us, not a WeChat redirect with a junk redirect_uri, and writes nothing.
 */
describe('a Host header that makes no origin (no publicUrl)', () => {
  let world: LoginWorld;
  let wechat: WechatLogin;
  let app: ReturnType<typeof buildApp>;
  const junkHosts = ['', '[', 'a:b:c', 'localhost:99999', '%', 'a b', 'evil.com/path', 'user@evil.com', 'a?b', 'a#b'];

  beforeAll(async () => {
    world = await startWorld();
    // No publicUrl on purpose: its start-up warning is expected, not printed.
    wechat = createWechatLogin(loginOptions(world, { publicUrl: undefined, rateLimit: false }), { warn: () => undefined });
    app = buildApp(wechat);
  });
  afterAll(async () => {
    await wechat.close();
    await world.stop();
  });

  it.each(junkHosts)('/login with Host %j: 400, no redirect, nothing written', async (host) => {
    const before = await world.redis.dbsize();
    const res = await request(app).get('/auth/wechat/login?returnTo=%2Fprofile').set('Host', host).redirects(0);
    expect(res.status).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(await world.redis.dbsize()).toBe(before);
  });

  it.each(junkHosts)('a guarded page with Host %j: 400 for WeChat and desktop browsers', async (host) => {
    for (const ua of [WECHAT_UA, DESKTOP_UA]) {
      const res = await request(app).get('/profile').set('Host', host).set('User-Agent', ua).set('Accept', 'text/html').redirects(0);
      expect(res.status).toBe(400);
      expect(res.headers.location).toBeUndefined();
    }
  });

  it.each(['localhost:3000', 'LOCALHOST:3000', 'example.com', 'localhost:80', '[::1]:3000', '127.0.0.1'])(
    'a usable Host %j still starts the login with a redirect_uri on it',
    async (host) => {
      const res = await request(app).get('/auth/wechat/login').set('Host', host).redirects(0);
      expect(res.status).toBe(302);
      const redirectUri = new URL(res.headers.location!).searchParams.get('redirect_uri')!;
      expect(new URL(redirectUri).host).toBe(new URL(`http://${host}`).host);
    },
  );
});
