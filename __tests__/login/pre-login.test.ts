import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { Express } from 'express';
import { login, pathOf, WECHAT_UA, type LoginWorld } from '../helpers/login-app.js';
import { useLoginSuite } from '../helpers/login-suite.js';

let world: LoginWorld;
let app: Express;
useLoginSuite((suite) => ({ world, app } = suite), {
  routes: (app) => {
    app.get('/test/visit', (req, res) => {
      req.session.views = (req.session.views ?? 0) + 1;
      res.send('ok');
    });
  },
});

declare module 'express-session' {
  interface SessionData {
    views?: number;
  }
}

const cookiesOf = (res: request.Response) => ([] as string[]).concat(res.headers['set-cookie'] ?? []);

describe('a login that has not finished needs no session', () => {
  it('20 anonymous /login hits write 20 short-lived states and no session', async () => {
    // Other tests of this suite share the Redis: look only at the keys these 20 requests add.
    const before = new Set(await world.redis.keys('*'));
    for (let i = 0; i < 20; i++) {
      const res = await request(app).get('/auth/wechat/login').set('User-Agent', WECHAT_UA);
      expect(res.status).toBe(302);
      expect(cookiesOf(res).some((c) => c.startsWith('wechat.sid='))).toBe(false);
    }
    // The client address's rate-limit window is the one other key (see __tests__/hostile/floods.test.ts).
    const added = (await world.redis.keys('*')).filter((k) => !before.has(k) && !k.includes(':rl:{login-ip:'));
    expect(added).toHaveLength(20);
    for (const key of added) {
      expect(key).toContain(':state:');
      expect(await world.redis.pttl(key)).toBeLessThanOrEqual(10 * 60_000);
    }
  });

  it('the login cookie alone carries the browser binding: a login completes and gets a session', async () => {
    const agent = request.agent(app);
    const { callback } = await login(agent, world.emulator, { returnTo: '/api/me' });
    expect(callback.status).toBe(302);
    expect(cookiesOf(callback).some((c) => c.startsWith('wechat.sid='))).toBe(true);
    expect((await agent.get('/api/me').set('Accept', 'application/json')).status).toBe(200);
  });

  it('a session that existed before login (fixation) is replaced by a new id at login', async () => {
    const agent = request.agent(app);
    const visit = await agent.get('/test/visit');
    const before = cookiesOf(visit).find((c) => c.startsWith('wechat.sid='))!.split(';')[0]!;
    const start = await agent.get('/auth/wechat/login').set('User-Agent', WECHAT_UA);
    const callback = await agent.get(pathOf(world.emulator.authorize(start.headers.location as string, { user: 'alice' })));
    const after = cookiesOf(callback).find((c) => c.startsWith('wechat.sid='))!.split(';')[0]!;
    expect(after).not.toBe(before);
    expect((await request(app).get('/api/me').set('Accept', 'application/json').set('Cookie', after)).status).toBe(200);
    expect((await request(app).get('/api/me').set('Accept', 'application/json').set('Cookie', before)).status).toBe(401);
  });
});
