import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { buildApp, login, loginOptions, startWorld, WECHAT_UA, type LoginWorld } from '../helpers/login-app.js';

let world: LoginWorld;
let wechat: WechatLogin;
let app: ReturnType<typeof buildApp>;

beforeAll(async () => {
  world = await startWorld();
  wechat = createWechatLogin(loginOptions(world));
  app = buildApp(wechat);
});
afterAll(async () => {
  await wechat.close();
  await world.stop();
});

describe('a whole login', () => {
  it('logs a userinfo-scope user in and lands on returnTo with the profile', async () => {
    const agent = request.agent(app);
    const { callback } = await login(agent, world.emulator, { user: 'alice', returnTo: '/profile?tab=1' });
    expect(callback.status).toBe(302);
    expect(callback.headers.location).toBe('/profile?tab=1');
    const profile = await agent.get('/profile').set('User-Agent', WECHAT_UA);
    expect(profile.status).toBe(200);
    const me = await agent.get('/api/me').set('Accept', 'application/json');
    expect(me.body.scope).toBe('snsapi_userinfo');
    expect(me.body.user.openid).toBe(world.emulator.openidFor('alice'));
    expect(profile.text).toBe(`hello ${me.body.user.nickname}`);
    expect(JSON.stringify(me.body)).not.toMatch(/accessToken|refreshToken/);
  });
});
