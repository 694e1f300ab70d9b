import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import session from 'express-session';
import request from 'supertest';
import { createWechatLogin, type WechatLogin } from '../../lib/index.js';
import { buildApp, login, loginOptions, startWorld, type LoginWorld } from '../helpers/login-app.js';

/** A session store that can be told to refuse its next writes, as a store failing for the moment would. */
class FlakySessionStore extends session.MemoryStore {
  refuseWrites = false;
  override set(sid: string, data: session.SessionData, callback?: (error?: unknown) => void): void {
    if (this.refuseWrites) return void callback?.(new Error('session store unavailable'));
    super.set(sid, data, callback);
  }
}

/** A login whose session cannot be saved leaves no grant (no tokens) behind: nobody could ever use or sign it out. */
describe('a login whose session save fails', () => {
  let world: LoginWorld;
  let wechat: WechatLogin;
  let app: ReturnType<typeof buildApp>;
  const store = new FlakySessionStore();

  beforeAll(async () => {
    world = await startWorld();
    wechat = createWechatLogin(loginOptions(world, { session: { secret: 'test-session-secret-that-is-long-enough-000', store } }));
    app = buildApp(wechat);
  });
  afterAll(async () => {
    await wechat.close();
    await world.stop();
  });

  const grantKeys = async () => (await world.redis.keys('*:grant:*')).filter((key) => !key.endsWith(':lock'));

  it('answers an error and deletes the grant it had just written', async () => {
    const before = await grantKeys();
    store.refuseWrites = true;
    try {
      const { callback } = await login(request.agent(app), world.emulator, { user: 'bob' });
      // The app's own store's error goes on to the app's error handler (ours are a 503 page).
      expect(callback.status).toBeGreaterThanOrEqual(500);
    } finally {
      store.refuseWrites = false;
    }
    expect(await grantKeys()).toEqual(before);
  });

  it('control: the same login with the store working keeps its grant and is signed in', async () => {
    const before = await grantKeys();
    const agent = request.agent(app);
    const { callback } = await login(agent, world.emulator, { user: 'bob' });
    expect(callback.status).toBe(302);
    expect((await agent.get('/api/me').set('Accept', 'application/json')).status).toBe(200);
    expect((await grantKeys()).length).toBe(before.length + 1);
  });
});
