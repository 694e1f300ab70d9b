import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { Express } from 'express';
import { login, pathOf, WECHAT_UA, type LoginWorld } from '../helpers/login-app.js';
import { useLoginSuite } from '../helpers/login-suite.js';
import { useRedisMonitor } from '../helpers/redis-monitor.js';

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

const monitor = useRedisMonitor(() => world.redisServer.port, () => world.redis.ping());

const cookiesOf = (res: request.Response) => ([] as string[]).concat(res.headers['set-cookie'] ?? []);

describe('a login that has not finished needs no session', () => {
  it('20 anonymous /login hits write nothing to Redis and no session: each state rides in a sealed cookie of its own', async () => {
    const keys = await world.redis.dbsize();
    await monitor.settle();
    monitor.reset();
    for (let i = 0; i < 20; i++) {
      const res = await request(app).get(`/auth/wechat/login?returnTo=${encodeURIComponent(`/private/${i}?q=secret`)}`).set('User-Agent', WECHAT_UA);
      expect(res.status).toBe(302);
      expect(cookiesOf(res).some((c) => c.startsWith('wechat.sid='))).toBe(false);
      const nonce = new URL(res.headers.location as string).searchParams.get('state')!;
      const state = cookiesOf(res).find((c) => c.startsWith(`wechat.sid.login.${nonce}=`))!;
      expect(state).toMatch(/; Max-Age=600; Path=\/auth\/wechat; .*HttpOnly; SameSite=Lax/);
      // Sealed: where the login goes cannot be read from the cookie.
      expect(Buffer.from(state.split(';')[0]!.split('=')[1]!, 'base64url').toString('latin1')).not.toContain('private');
    }
    await monitor.settle();
    expect(monitor.seen).toEqual([]);
    expect(await world.redis.dbsize()).toBe(keys);
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
